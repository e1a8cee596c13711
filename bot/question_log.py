"""What readers asked and whether Pasokh answered: an editor's best signal of what is missing.

Kept in ``questions.sqlite3`` in the data directory, apart from the index (it
survives a rebuild). Each row holds the question's text, when it was asked,
whether it was answered (and why not) and the 👍/👎 it got. No user id, chat
id or name is stored. On by default; ``PASOKH_QUESTION_LOG=off`` turns it off
(nothing is written then, and the buttons are not shown).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LOG_NAME = "questions.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at REAL NOT NULL,
    text TEXT NOT NULL,
    answered INTEGER NOT NULL,
    reason TEXT NOT NULL,
    helpful INTEGER NOT NULL DEFAULT 0,
    unhelpful INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS questions_text ON questions(text);
"""


@dataclass(frozen=True)
class QuestionCount:
    """One distinct question with how often it was asked."""

    text: str
    times: int
    last_asked: float
    answered: bool
    helpful: int
    unhelpful: int

    def as_json(self) -> dict:
        return {"question": self.text, "times": self.times, "last_asked": round(self.last_asked, 3),
                "answered": self.answered, "helpful": self.helpful, "unhelpful": self.unhelpful}


class QuestionLog:
    """Append-only log of readers' questions (thread-safe: the bot's search threads share it)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOG_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def record(self, text: str, *, answered: bool, reason: str, asked_at: float | None = None) -> int:
        """Log one question; returns its row id (the 👍/👎 buttons refer to it)."""
        with self._lock:
            return self._db.execute("INSERT INTO questions(asked_at, text, answered, reason) VALUES (?, ?, ?, ?)",
                                    (asked_at or time.time(), text, int(answered), reason)).lastrowid

    def feedback(self, question_id: int, helpful: bool) -> bool:
        """Count a 👍 or 👎 on a logged question; False if there is no such row."""
        column = "helpful" if helpful else "unhelpful"
        with self._lock:
            cursor = self._db.execute(f"UPDATE questions SET {column} = {column} + 1 WHERE id = ?", (question_id,))
        return cursor.rowcount == 1

    def counts(self, *, unanswered_only: bool = False, limit: int = 50) -> list[QuestionCount]:
        """Distinct questions, most asked first (then most recent)."""
        where = "WHERE answered = 0 AND reason = 'no_match'" if unanswered_only else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT text, COUNT(*), MAX(asked_at), MAX(answered), SUM(helpful), SUM(unhelpful) FROM questions "
                f"{where} GROUP BY text ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?", (limit,)).fetchall()
        return [QuestionCount(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]
