"""Answering a question: embed it, search the live snapshot, cite, or abstain."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pasokh.embeddings.encoder import QueryEncoder

from .abstention import AbstentionPolicy, looks_like_question
from .citations import Hit, hit_from_record
from .errors import ModelMismatchError, NoIndexError, StoreError, StoreProblem
from .fusion import Candidate, fuse
from .store import DB_NAME, ArticleRecord, SentenceRecord, Store
from .vector_index import SNAPSHOT_DIR, IndexParams, VectorIndex

MAX_QUESTION_CHARS = 1000
"""Longer questions are cut to this many characters (with a warning)."""

_CANDIDATES = 20


class Reason(StrEnum):
    """Why an answer is what it is; the value is what ``--json`` prints as ``reason``."""

    ANSWERED = "answered"
    NOT_A_QUESTION = "not_a_question"
    NO_MATCH = "no_match"
    EMPTY_INDEX = "empty_index"


@dataclass(frozen=True)
class Answer:
    """The outcome of one question."""

    question: str
    answered: bool
    hits: list[Hit] = field(default_factory=list)
    reason: Reason = Reason.ANSWERED
    truncated: bool = False


def prepare_question(raw: str) -> tuple[str, bool]:
    """Strip the question and cut it to ``MAX_QUESTION_CHARS``; returns (text, truncated)."""
    text = " ".join(raw.split())
    if len(text) > MAX_QUESTION_CHARS:
        return text[:MAX_QUESTION_CHARS], True
    return text, False


class Searcher:
    """Answers questions from one data directory.

    Before every question it checks which snapshot generation is live and, if a
    re-index published a new one, switches to it; a question is always answered
    from a single snapshot.
    """

    def __init__(self, data_dir: Path, encoder: QueryEncoder, *, policy: AbstentionPolicy | None = None,
                 index_params: IndexParams = IndexParams()) -> None:
        self.data_dir = Path(data_dir)
        self.encoder = encoder
        self.policy = policy or AbstentionPolicy()
        self.index_params = index_params
        if not (self.data_dir / DB_NAME).exists():
            raise NoIndexError(self.data_dir)
        self.store = Store(self.data_dir, create=False)  # StoreError: unreadable, not missing
        self._index: VectorIndex | None = None
        self._generation = -1
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the SQLite connection."""
        self.store.close()

    @property
    def generation(self) -> int:
        """The generation the last question was answered from."""
        return self._generation

    def check_model(self) -> None:
        """Raise ModelMismatchError if the index was built with another model than the encoder's."""
        with self._lock:
            recorded = self.store.get_meta("model_id")
        if recorded and recorded != self.encoder.model_id:
            raise ModelMismatchError(recorded, self.encoder.model_id)

    def reload(self) -> None:
        """Load the live snapshot now (``/reload``), instead of at the next question."""
        self.check_model()
        with self._lock:
            self._generation = -1
        self._current_index()

    def _current_index(self) -> VectorIndex | None:
        with self._lock:
            generation = self.store.generation()
            if generation != self._generation:
                name = self.store.get_meta("snapshot")
                path = self.data_dir / SNAPSHOT_DIR / name if name else None
                try:
                    self._index = VectorIndex.load(path, params=self.index_params) if path else None
                except RuntimeError as error:  # FAISS cannot read it: deleted or damaged by hand
                    raise StoreError(StoreProblem.SNAPSHOT_UNREADABLE, path, str(error)) from error
                self._generation = generation
            return self._index

    def ask(self, question: str, k: int = 3) -> Answer:
        """Answer ``question`` with up to ``k`` cited sentences, or abstain."""
        text, truncated = prepare_question(question)
        if not looks_like_question(text):
            return Answer(text, False, reason=Reason.NOT_A_QUESTION, truncated=truncated)
        ranked = self.rank(text, max(k, _CANDIDATES))
        if ranked is None:
            return Answer(text, False, reason=Reason.EMPTY_INDEX, truncated=truncated)
        if not ranked or not self.policy.accepts(text, ranked):
            return Answer(text, False, reason=Reason.NO_MATCH, truncated=truncated)
        # a sentence far below the best one is about something else: quoting it is noise
        close = [c for c in ranked[:k] if c.dense >= ranked[0].dense - self.policy.follow_up_margin]
        hits = [hit_from_record(rank, c.score, c.record) for rank, c in enumerate(close, 1)]
        return Answer(text, True, hits, truncated=truncated)

    def rank(self, question: str, depth: int = _CANDIDATES, *,
             exclude_article_ids: frozenset[str] = frozenset()) -> list[Candidate] | None:
        """The best ``depth`` candidates, best first, with no abstention;
        None when the index is empty. ``exclude_article_ids`` hides articles (evaluation)."""
        self.check_model()
        vector = self.encoder.encode_queries([question])
        extra = 64 if exclude_article_ids else 0
        for _attempt in range(3):
            index = self._current_index()
            if index is None or len(index) == 0:
                return None
            scores, ids = index.search(vector, depth + extra)
            pairs = [(float(s), int(i)) for s, i in zip(scores[0], ids[0]) if i >= 0]
            with self._lock:  # one SQLite connection shared by the bot's worker threads
                records = self.store.sentences_by_ids(i for _, i in pairs)
            if len(records) == len(pairs):
                break
            # rows of an older snapshot were purged under us: reload the live one
            self._generation = -1
        ranked = fuse(question, ((score, records[i]) for score, i in pairs
                                 if i in records and records[i].article_id not in exclude_article_ids))
        return ranked[:depth]

    def articles(self) -> list[ArticleRecord]:
        """The articles of the live snapshot."""
        with self._lock:
            return self.store.live_articles()

    def size(self) -> tuple[int, int]:
        """(articles, sentences) in the live snapshot."""
        with self._lock:
            return self.store.counts()

    def context(self, sentence_id: int, radius: int = 2) -> list[SentenceRecord]:
        """The sentence ``sentence_id`` and up to ``radius`` neighbours on each side."""
        with self._lock:
            found = self.store.sentences_by_ids([sentence_id])
            if sentence_id not in found:
                return []
            record = found[sentence_id]
            return self.store.sentences_of_article(record.article_key, record.position - radius,
                                                   record.position + radius)
