"""Button data: short and self-describing, so a button still works after a restart.

Telegram gives a button at most 64 bytes of ``callback_data``; everything a
press needs is in it or in the message the answer replied to, never in the
bot's memory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from pasokh.bot import messages
from pasokh.retrieval.citations import Hit


@dataclass(frozen=True)
class MoreButton:
    """"more:<offset>:<question key>": results from ``offset`` on for the replied-to question."""

    offset: int
    key: str


@dataclass(frozen=True)
class ContextButton:
    """"ctx:<sentence id>": the sentences around a cited sentence."""

    sentence_id: int


_CALLBACK = re.compile(r"^(?:more:(\d{1,3}):([0-9a-f]{10})|ctx:(\d{1,18}))$")


def question_key(question: str) -> str:
    """A short fingerprint of a question: the button checks it still has the same question."""
    return hashlib.blake2b(" ".join(question.split()).encode(), digest_size=5).hexdigest()


def parse_callback(data: str | None) -> MoreButton | ContextButton | None:
    """The button behind callback ``data``; None for anything else."""
    found = _CALLBACK.match(data or "")
    if not found:
        return None
    if found.group(3):
        return ContextButton(int(found.group(3)))
    return MoreButton(int(found.group(1)), found.group(2))


def answer_keyboard(question: str, hits: list[Hit], next_offset: int | None) -> InlineKeyboardMarkup | None:
    """"more results" (when ``next_offset`` is set) and one "context" button per hit."""
    rows = []
    if next_offset is not None:
        rows.append([InlineKeyboardButton(messages.MORE_LABEL,
                                          callback_data=f"more:{next_offset}:{question_key(question)}")])
    if hits:
        def label(hit: Hit) -> str:
            if len(hits) == 1:
                return messages.CONTEXT_LABEL
            return f"{messages.CONTEXT_LABEL} {messages.fa_digits(hit.rank)}"

        rows.append([InlineKeyboardButton(label(h), callback_data=f"ctx:{h.sentence_id}") for h in hits])
    return InlineKeyboardMarkup(rows) if rows else None
