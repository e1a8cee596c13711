"""SQLite metadata store: articles, their sentences, and which index snapshot is live.

Rows are never updated in place. A re-indexed or removed article gets
``removed_gen`` set and a new row is added, so a reader still searching an older
snapshot finds every sentence id it gets back from that snapshot; rows are
deleted once no snapshot that could be in use refers to them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import NoIndexError, StoreError, StoreProblem
from .lexical import fts_query, sentence_terms
from .schema import SCHEMA_VERSION, migrate
from .sentences import SentenceSpan

DB_NAME = "pasokh.sqlite3"



@dataclass(frozen=True)
class ArticleRecord:
    """An indexed article as stored (``key`` is the row id, ``article_id`` the public id)."""

    key: int
    article_id: str
    title: str
    source: str
    url: str | None
    published: str | None
    language: str
    path: str | None
    content_hash: str
    n_sentences: int
    indexed_at: float


@dataclass(frozen=True)
class SentenceRecord:
    """One stored sentence with its article's citation fields."""

    sentence_id: int
    article_key: int
    position: int  # 0-based in the article
    char_start: int
    char_end: int
    text: str
    article_id: str
    title: str
    source: str
    url: str | None
    published: str | None
    added_gen: int
    removed_gen: int | None
    terms: str = ""  # the lexical channel's terms (lexical.sentence_terms), space-separated

    def live_in(self, generation: int) -> bool:
        """Whether this sentence belongs to ``generation`` (not added later, not removed by then)."""
        return self.added_gen <= generation and (self.removed_gen is None or self.removed_gen > generation)


_ARTICLE_COLUMNS = ("id, article_id, title, source, url, published, language, path, "
                    "content_hash, n_sentences, indexed_at")
_SENTENCE_SELECT = ("SELECT s.id, s.article_key, s.position, s.char_start, s.char_end, s.text, "
                    "a.article_id, a.title, a.source, a.url, a.published, a.added_gen, a.removed_gen, "
                    "coalesce(t.terms, '') FROM sentences s JOIN articles a ON a.id = s.article_key "
                    "LEFT JOIN sentence_terms t ON t.rowid = s.id")


class Store:
    """The SQLite side of a data directory. Callers never see SQL."""

    def __init__(self, data_dir: Path, *, create: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        if not create and not self.path.exists():
            raise NoIndexError(self.data_dir)
        try:
            if create:
                self.data_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.Error, OSError) as error:
            raise StoreError(StoreProblem.UNREADABLE, self.path, str(error)) from error

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(StoreProblem.NEWER_SCHEMA, self.path, f"schema {version} > {SCHEMA_VERSION}")
        migrate(self._db, version)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write: everything inside commits together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def consistent_read(self) -> Iterator[None]:
        """Reads inside see one committed state, whatever writers commit meanwhile (no write lock)."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    # ---- meta -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (inside the caller's transaction, if any)."""
        self._db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def generation(self) -> int:
        """The live snapshot's generation number (0 before the first index)."""
        return int(self.get_meta("generation") or 0)

    # ---- articles ---------------------------------------------------------
    def live_articles(self) -> list[ArticleRecord]:
        """Articles in the live snapshot, oldest first."""
        rows = self._db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles "
                                "WHERE removed_gen IS NULL ORDER BY added_gen, id").fetchall()
        return [ArticleRecord(*row) for row in rows]

    def article_text(self, key: int) -> str:
        """Full text of the article row ``key``."""
        return self._db.execute("SELECT text FROM articles WHERE id = ?", (key,)).fetchone()[0]

    def sentence_ids_of(self, article_key: int) -> list[int]:
        """Sentence ids of one article row."""
        return [r[0] for r in self._db.execute(
            "SELECT id FROM sentences WHERE article_key = ? ORDER BY position", (article_key,))]

    def live_sentence_ids(self) -> set[int]:
        """Ids of every sentence of the live generation (what its snapshot must hold)."""
        return {r[0] for r in self._db.execute(
            "SELECT s.id FROM sentences s JOIN articles a ON a.id = s.article_key WHERE a.removed_gen IS NULL")}

    def add_article(self, article, sentences: Sequence[SentenceSpan], generation: int) -> list[int]:
        """Insert an article row and its sentences; return the new sentence ids in order."""
        cursor = self._db.execute(
            "INSERT INTO articles(article_id, title, source, url, published, language, path, "
            "content_hash, text, n_sentences, indexed_at, added_gen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.article_id, article.title, article.source, article.url, article.published,
             article.language, article.path, article.content_hash, article.text, len(sentences),
             time.time(), generation))
        key = cursor.lastrowid
        ids = []
        for sentence in sentences:
            sentence_id = self._db.execute(
                "INSERT INTO sentences(article_key, position, char_start, char_end, text) "
                "VALUES (?,?,?,?,?)",
                (key, sentence.index, sentence.char_start, sentence.char_end, sentence.text)).lastrowid
            self._db.execute("INSERT INTO sentence_terms(rowid, terms) VALUES (?, ?)",
                             (sentence_id, sentence_terms(sentence.text)))
            ids.append(sentence_id)
        return ids

    def retire_article(self, key: int, generation: int) -> None:
        """Mark an article row as gone from ``generation`` on (rows stay for older readers)."""
        self._db.execute("UPDATE articles SET removed_gen = ? WHERE id = ?", (generation, key))

    def purge_retired(self, before_generation: int) -> int:
        """Delete rows retired before ``before_generation``; returns how many articles."""
        self._db.execute("DELETE FROM sentence_terms WHERE rowid IN (SELECT s.id FROM sentences s "
                         "JOIN articles a ON a.id = s.article_key WHERE a.removed_gen IS NOT NULL "
                         "AND a.removed_gen < ?)", (before_generation,))
        cursor = self._db.execute("DELETE FROM articles WHERE removed_gen IS NOT NULL AND removed_gen < ?",
                                  (before_generation,))
        return cursor.rowcount

    # ---- sentences --------------------------------------------------------
    def sentences_by_ids(self, ids: Iterable[int]) -> dict[int, SentenceRecord]:
        """Sentence records for ``ids`` (missing ids are simply absent)."""
        wanted = list(ids)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._db.execute(f"{_SENTENCE_SELECT} WHERE s.id IN ({marks})", wanted).fetchall()
        return {row[0]: SentenceRecord(*row) for row in rows}

    def sentences_of_article(self, article_key: int, first: int = 0, last: int | None = None) -> list[SentenceRecord]:
        """Sentences of one article row with ``first <= position <= last``, in order."""
        last = 1 << 30 if last is None else last
        rows = self._db.execute(f"{_SENTENCE_SELECT} WHERE s.article_key = ? AND s.position BETWEEN ? AND ? "
                                "ORDER BY s.position", (article_key, first, last)).fetchall()
        return [SentenceRecord(*row) for row in rows]

    # ---- the lexical channel ----------------------------------------------
    def lexical_search(self, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` sentence ids whose terms best match ``terms`` by BM25, best first: ``(id, score)``.

        Rows of articles retired in the last generation are still in the table (a
        reader on the previous snapshot may need them); callers keep the ids
        their own snapshot holds.
        """
        query = fts_query(list(terms))
        if not query:
            return []
        rows = self._db.execute("SELECT rowid, -rank FROM sentence_terms WHERE sentence_terms MATCH ? "
                                "ORDER BY rank LIMIT ?", (query, k)).fetchall()
        return [(int(row[0]), float(row[1])) for row in rows]

    def term_document_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """In how many indexed sentences each term occurs (absent terms: 0)."""
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        found = dict(self._db.execute(f"SELECT term, doc FROM sentence_terms_vocab WHERE term IN ({marks})",
                                      wanted).fetchall())
        return {term: int(found.get(term, 0)) for term in wanted}

    def counts(self) -> tuple[int, int]:
        """(live articles, live sentences)."""
        articles = self._db.execute("SELECT COUNT(*), COALESCE(SUM(n_sentences), 0) FROM articles "
                                    "WHERE removed_gen IS NULL").fetchone()
        return int(articles[0]), int(articles[1])
