"""Indexing: turn article files into a new, consistent index snapshot.

Only new or changed articles are embedded. Work is published in generations:
the sentence rows and a FAISS snapshot file are written first, then one SQLite
commit makes the new generation live. A crash before that commit leaves the
previous generation untouched; a lock keeps two indexers from interleaving.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from pasokh.embeddings.encoder import PassageEncoder

from .articles import Article, discover_article_files, read_article
from .errors import ArticleError, ArticleProblem, ModelMismatchError
from .index_lock import IndexLock
from .passages import PASSAGE_FORMAT, passage_text
from .publish import publish
from .sentences import SentenceSpan, split_sentences
from .store import Store
from .vector_index import SNAPSHOT_DIR, IndexParams

log = logging.getLogger(__name__)

MAX_SENTENCES = 5000
"""At most this many sentences of one article are indexed (``PASOKH_MAX_SENTENCES``): 100,000 one-word
lines would otherwise be minutes of embedding with the lock held."""

COMMIT_SECONDS = 60.0
"""Publish a generation at least this often during a long run, so a killed
indexer loses at most about this much embedding work (``PASOKH_COMMIT_SECONDS``)."""


EMBED_GROUP_SENTENCES = 512
"""Sentences embedded per encoder call (across articles)."""


def _embedding_groups(pending: list[_Pending], size: int) -> list[list[_Pending]]:
    groups: list[list[_Pending]] = [[]]
    count = 0
    for item in pending:
        if count and count + len(item.sentences) > size:
            groups.append([])
            count = 0
        groups[-1].append(item)
        count += len(item.sentences)
    return [g for g in groups if g]


def _claimed_elsewhere(indexed_path: str | None, new_path: str | None) -> bool:
    """True when another file that still exists already holds this article id."""
    return bool(indexed_path and new_path and indexed_path != new_path and Path(indexed_path).exists())


def _same_metadata(record, article: Article) -> bool:
    """Title, source, link and date unchanged (the title is part of every sentence vector)."""
    return (record.title, record.source, record.url, record.published) == \
        (article.title, article.source, article.url, article.published)


def _stored_articles(store: Store, skip_ids: set[str]) -> list[Article]:
    """The live articles rebuilt from the store (for re-embedding with a new model)."""
    return [Article(article_id=r.article_id, title=r.title, source=r.source, url=r.url,
                    published=r.published, language=r.language, text=store.article_text(r.key),
                    path=r.path, content_hash=r.content_hash)
            for r in store.live_articles() if r.article_id not in skip_ids]


class Reembedded(Enum):
    """Why a run embedded every article again."""

    REBUILD = "rebuild"  # asked for (after a model change)
    PASSAGE_FORMAT = "passage_format"  # the text embedded per sentence changed in this version
    SNAPSHOT_MISSING = "snapshot_missing"  # the vectors were deleted; the texts are in SQLite


@dataclass
class IndexReport:
    """What one indexing run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, article id it duplicates)
    removed: list[str] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)
    sentences_embedded: int = 0
    seconds: float = 0.0
    generation: int = 0
    reembedded: Reembedded | None = None
    converted: list[tuple[str, str]] = field(default_factory=list)  # (file, encoding it was read in)
    cut: list[tuple[str, int, int]] = field(default_factory=list)  # (file, sentences kept, sentences it had)


@dataclass(frozen=True)
class _PrunePlan:
    """Which indexed files may be pruned: under ``roots``, gone, and not where a read failed."""

    roots: set[str]
    unreadable_folders: set[str]
    failed_paths: set[str]

    def gone(self, path_text: str) -> bool:
        """True only when the file is certainly gone (an unreadable folder or a failed read is not "gone")."""
        try:
            path = Path(path_text)
            resolved = str(path.resolve())
            inside = any(resolved.startswith(root.rstrip("/") + "/") or resolved == root for root in self.roots)
            if not inside or path_text in self.failed_paths:
                return False
            if any(resolved.startswith(folder.rstrip("/") + "/") for folder in self.unreadable_folders):
                return False
            return not path.exists()
        except OSError:  # cannot tell (a folder without permission): keep it
            return False


@dataclass
class _Pending:
    article: Article
    replaces_key: int | None
    sentences: list[SentenceSpan]
    vectors: np.ndarray | None = None


class Indexer:
    """Indexes articles into one data directory with one encoder."""

    def __init__(self, data_dir: Path, encoder: PassageEncoder, *,
                 progress_factory: Callable[[int], Callable[[int], None]] | None = None,
                 commit_seconds: float = COMMIT_SECONDS, index_params: IndexParams = IndexParams(),
                 max_sentences: int = MAX_SENTENCES, crash_at: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.encoder = encoder
        self.progress_factory = progress_factory
        self.commit_seconds = commit_seconds
        self.index_params = index_params
        self.max_sentences = max_sentences
        self.crash_at = crash_at  # a publish.CrashPoint value: the reliability suite's hook

    # ---- public -----------------------------------------------------------
    def index_paths(self, paths: Sequence[Path], *, prune: bool = False, wait: bool = True,
                    on_wait: Callable[[], None] | None = None,
                    prune_roots: Sequence[Path] | None = None, rebuild: bool = False,
                    also: Sequence[Article] = (), errors: Sequence[ArticleError] = ()) -> IndexReport:
        """Index the article files under ``paths``.

        With ``prune``, articles whose files were under ``prune_roots`` (default:
        ``paths``) and no longer exist are removed. ``also`` are articles from
        elsewhere (fetched pages) indexed in the same run; ``errors`` are reported with the rest. With ``rebuild``, every
        indexed article is embedded again with this indexer's encoder (after a
        model change) and published as one new snapshot.
        """
        report = IndexReport(errors=list(errors))
        articles: list[Article] = list(also)  # e.g. pages fetched from URLs, published in the same generation
        discovery = discover_article_files([Path(p) for p in paths])
        report.errors.extend(discovery.problems)
        for path in discovery.files:
            try:
                # absolute paths, so --prune works whatever the working directory
                articles.append(dataclasses.replace(read_article(path), path=str(path.resolve())))
            except ArticleError as error:
                report.errors.append(error)
            except Exception as error:  # one poisoned file never stops the others
                report.errors.append(ArticleError(path, ArticleProblem.UNREADABLE,
                                                  reason=f"{type(error).__name__}: {error}"[:200]))
        prune_plan = None
        if prune:
            prune_plan = _PrunePlan({str(Path(p).resolve()) for p in (prune_roots or paths)},
                                    {str(f.resolve()) for f in discovery.unreadable_folders},
                                    {e.path for e in report.errors})
        return self._run(articles, report, prune_under=prune_plan, wait=wait, on_wait=on_wait,
                         rebuild=rebuild)

    def index_articles(self, articles: Sequence[Article], *, wait: bool = True) -> IndexReport:
        """Index already-parsed articles (e.g. an upload through the bot)."""
        return self._run(list(articles), IndexReport(), prune_under=None, wait=wait, on_wait=None)

    def remove(self, article_ids: Sequence[str], *, wait: bool = True) -> IndexReport:
        """Remove articles by public id; unknown ids are reported as errors."""
        report = IndexReport()
        lock = IndexLock(self.data_dir)
        lock.acquire(wait=wait)
        try:
            store = Store(self.data_dir)
            live = {a.article_id: a for a in store.live_articles()}
            doomed = [live[i] for i in article_ids if i in live]
            for missing in (i for i in article_ids if i not in live):
                report.errors.append(ArticleError(missing, ArticleProblem.UNKNOWN_ID, article_id=missing))
            if doomed:
                self._publish(store, [], [a.key for a in doomed])
                report.removed = [a.article_id for a in doomed]
            report.generation = store.generation()
            store.close()
        finally:
            lock.release()
        return report

    # ---- the run ----------------------------------------------------------
    def _run(self, articles: list[Article], report: IndexReport, *, prune_under: _PrunePlan | None,
             wait: bool, on_wait: Callable[[], None] | None, rebuild: bool = False) -> IndexReport:
        started = time.monotonic()
        lock = IndexLock(self.data_dir)
        lock.acquire(wait=wait, on_wait=on_wait)
        try:
            store = Store(self.data_dir)
            try:
                model_may_change = rebuild
                recorded_format = store.get_meta("passage_format") or "sentence/0"
                snapshot = store.get_meta("snapshot")
                if rebuild:
                    report.reembedded = Reembedded.REBUILD
                elif store.counts()[1] and recorded_format != PASSAGE_FORMAT:
                    # vectors embedded from other passage text are not comparable: redo them all
                    report.reembedded = Reembedded.PASSAGE_FORMAT
                elif snapshot and not (self.data_dir / SNAPSHOT_DIR / snapshot).is_file():
                    # the vectors are gone (deleted by hand?); the texts are in SQLite: embed them again
                    report.reembedded = Reembedded.SNAPSHOT_MISSING
                if report.reembedded:
                    rebuild = True
                    log.info("re-embedding every article (%s)", report.reembedded.value)
                    articles = articles + _stored_articles(store, {a.article_id for a in articles})
                pending, retire = self._plan(store, articles, report, prune_under, force=rebuild)
                if pending and not model_may_change:
                    self._check_model(store)
                if pending or retire:
                    self._embed_and_publish(store, pending, retire, report, single_snapshot=rebuild)
                report.generation = store.generation()
            finally:
                store.close()
        finally:
            lock.release()
        report.seconds = time.monotonic() - started
        return report

    def _plan(self, store: Store, articles: list[Article], report: IndexReport,
              prune_under: _PrunePlan | None, force: bool = False) -> tuple[list[_Pending], list[int]]:
        live = {a.article_id: a for a in store.live_articles()}
        by_hash = {a.content_hash: a.article_id for a in live.values()}
        pending: list[_Pending] = []
        seen_ids: set[str] = set()
        for article in articles:
            label = article.path or article.article_id
            if article.article_id in seen_ids:
                report.errors.append(ArticleError(label, ArticleProblem.DUPLICATE_ID, article_id=article.article_id))
                continue
            current = live.get(article.article_id)
            if current and _claimed_elsewhere(current.path, article.path):
                report.errors.append(ArticleError(label, ArticleProblem.ID_CLAIMED, article_id=article.article_id,
                                                  other_path=current.path))
                continue
            if current and current.content_hash == article.content_hash and not force \
                    and _same_metadata(current, article):
                seen_ids.add(article.article_id)
                report.unchanged.append(article.article_id)
                continue
            twin = None if force else by_hash.get(article.content_hash)
            if twin and twin != article.article_id:
                report.duplicates.append((label, twin))
                continue
            seen_ids.add(article.article_id)
            by_hash[article.content_hash] = article.article_id
            if article.encoding != "utf-8":
                report.converted.append((label, article.encoding))
            sentences = split_sentences(article.text)
            if not sentences:
                report.errors.append(ArticleError(label, ArticleProblem.NO_SENTENCES))
                continue
            if len(sentences) > self.max_sentences:
                # minutes of embedding under the lock for one article: keep the first ones, and say so
                report.cut.append((label, self.max_sentences, len(sentences)))
                sentences = sentences[:self.max_sentences]
            pending.append(_Pending(article, current.key if current else None, sentences))
            (report.updated if current else report.added).append(article.article_id)
        retire: list[int] = []
        if prune_under is not None:
            for record in live.values():
                if record.article_id in seen_ids or not record.path:
                    continue
                if prune_under.gone(record.path):
                    retire.append(record.key)
                    report.removed.append(record.article_id)
        return pending, retire

    def _check_model(self, store: Store) -> None:
        recorded = store.get_meta("model_id")
        if not store.counts()[1] or not recorded:
            return
        if recorded != self.encoder.model_id:
            raise ModelMismatchError(recorded, self.encoder.model_id)
        fingerprint = store.get_meta("fingerprint")
        if fingerprint and fingerprint != self.encoder.info().fingerprint:
            raise ModelMismatchError(f"{recorded} ({fingerprint})", self.encoder.model_id)

    def _embed_and_publish(self, store: Store, pending: list[_Pending], retire: list[int],
                           report: IndexReport, *, single_snapshot: bool = False) -> None:
        total = sum(len(p.sentences) for p in pending)
        progress = self.progress_factory(total) if (self.progress_factory and total) else None
        ready: list[_Pending] = []
        last_publish = time.monotonic()
        for group in _embedding_groups(pending, EMBED_GROUP_SENTENCES):
            # many small articles are embedded together: batches of one short article waste the encoder
            texts = [passage_text(item.article, item.sentences, n) for item in group
                     for n in range(len(item.sentences))]
            vectors = self.encoder.encode_passages(texts, progress=progress)
            offset = 0
            for item in group:
                item.vectors = vectors[offset:offset + len(item.sentences)]
                offset += len(item.sentences)
            report.sentences_embedded += len(texts)
            ready.extend(group)
            if not single_snapshot and time.monotonic() - last_publish >= self.commit_seconds:
                self._publish(store, ready, retire)
                for item in ready:
                    item.vectors = None  # published: no need to hold them for the rest of the run
                ready, retire, last_publish = [], [], time.monotonic()
        if ready or retire:
            self._publish(store, ready, retire, fresh_index=single_snapshot)
        if progress and hasattr(progress, "close"):
            progress.close()

    def _publish(self, store: Store, batch: list[_Pending], retire: list[int], *,
                 fresh_index: bool = False) -> None:
        """Make one new generation live (``publish.py`` has the protocol)."""
        replaced = list(retire) + [p.replaces_key for p in batch if p.replaces_key is not None]
        publish(store, self.data_dir, [(p.article, p.sentences, p.vectors) for p in batch], replaced,
                info=self.encoder.info() if batch else None, index_params=self.index_params,
                fresh_index=fresh_index, crash_at=self.crash_at)
