"""The SQLite schema of a data directory, and the numbered migrations that build it.

The store upgrades an older data directory on open and refuses one written by
a newer Pasokh rather than misreading it. A migration is SQL, or a function
for steps SQL cannot do (deriving lexical terms in Python); each runs in one
transaction, so a crash mid-migration leaves the old version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .lexical import sentence_terms

# Ids are AUTOINCREMENT: a purged id is never handed out again, so an id held by
# an old snapshot or an old Telegram button can never point at another sentence.
_CORE = """
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
"""


def _lexical_channel(db: sqlite3.Connection) -> None:
    """The FTS5 table of sentence terms (rowid = sentence id), filled from the existing sentences."""
    db.execute("CREATE VIRTUAL TABLE sentence_terms USING fts5("
               "terms, tokenize = \"unicode61 remove_diacritics 0 tokenchars '.'\")")
    db.execute("CREATE VIRTUAL TABLE sentence_terms_vocab USING fts5vocab(sentence_terms, 'row')")
    rows = db.execute("SELECT id, text FROM sentences").fetchall()
    db.executemany("INSERT INTO sentence_terms(rowid, terms) VALUES (?, ?)",
                   ((sentence_id, sentence_terms(text)) for sentence_id, text in rows))


MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [_CORE, _lexical_channel]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring ``db`` (at schema ``version``) to ``SCHEMA_VERSION``, one transaction per step."""
    for number in range(version, SCHEMA_VERSION):
        step = MIGRATIONS[number]
        db.execute("BEGIN IMMEDIATE")
        try:
            if callable(step):
                step(db)
            else:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version={number + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
