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
from .sentences import SentenceSpan

DB_NAME = "pasokh.sqlite3"

# Numbered migrations: the store upgrades an older data directory on open and
# refuses one written by a newer Pasokh rather than misreading it. Ids are
# AUTOINCREMENT: a purged id is never handed out again, so an id held by an old
# snapshot or an old Telegram button can never point at another sentence.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id TEXT NOT NULL,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT,
        published TEXT,
        language TEXT NOT NULL,
        path TEXT,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        n_sentences INTEGER NOT NULL,
        indexed_at REAL NOT NULL,
        added_gen INTEGER NOT NULL,
        removed_gen INTEGER
    );
    CREATE UNIQUE INDEX articles_live_id ON articles(article_id) WHERE removed_gen IS NULL;
    CREATE INDEX articles_hash ON articles(content_hash) WHERE removed_gen IS NULL;
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_key INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX sentences_article ON sentences(article_key, position);
    """,
]
SCHEMA_VERSION = len(_MIGRATIONS)


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


_ARTICLE_COLUMNS = ("id, article_id, title, source, url, published, language, path, "
                    "content_hash, n_sentences, indexed_at")
_SENTENCE_SELECT = ("SELECT s.id, s.article_key, s.position, s.char_start, s.char_end, s.text, "
                    "a.article_id, a.title, a.source, a.url, a.published "
                    "FROM sentences s JOIN articles a ON a.id = s.article_key")


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
        for number in range(version, SCHEMA_VERSION):
            # one script, one transaction: a crash mid-migration leaves the old version
            self._db.executescript(f"BEGIN IMMEDIATE; {_MIGRATIONS[number]}; "
                                   f"PRAGMA user_version={number + 1}; COMMIT;")

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
            ids.append(self._db.execute(
                "INSERT INTO sentences(article_key, position, char_start, char_end, text) "
                "VALUES (?,?,?,?,?)",
                (key, sentence.index, sentence.char_start, sentence.char_end, sentence.text)).lastrowid)
        return ids

    def retire_article(self, key: int, generation: int) -> None:
        """Mark an article row as gone from ``generation`` on (rows stay for older readers)."""
        self._db.execute("UPDATE articles SET removed_gen = ? WHERE id = ?", (generation, key))

    def purge_retired(self, before_generation: int) -> int:
        """Delete rows retired before ``before_generation``; returns how many articles."""
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

    def counts(self) -> tuple[int, int]:
        """(live articles, live sentences)."""
        articles = self._db.execute("SELECT COUNT(*), COALESCE(SUM(n_sentences), 0) FROM articles "
                                    "WHERE removed_gen IS NULL").fetchone()
        return int(articles[0]), int(articles[1])
