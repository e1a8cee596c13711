"""Button data: short, self-describing and signed, so a button works after a restart and cannot be forged.

Telegram gives a button at most 64 bytes of ``callback_data``; everything a
press needs is in it or in the message the answer replied to, never in the
bot's memory. Buttons that name a stored row (a sentence, a logged question,
an article) carry an HMAC of it, keyed by the bot token: ids are sequential,
and unsigned data let anyone page through removed sentences by sending
``ctx:1``, ``ctx:2``…
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from pasokh.bot import messages
from pasokh.bot.messages import Lang
from pasokh.retrieval.citations import Hit

_SIGNATURE_CHARS = 10  # 40 bits: guessing one takes ~10^12 tries against a rate limit of 20 a minute


@dataclass(frozen=True)
class MoreButton:
    """"more:<offset>:<question key>": results from ``offset`` on for the replied-to question."""

    offset: int
    key: str


@dataclass(frozen=True)
class ContextButton:
    """"ctx:<sentence id>:<signature>": the sentences around a cited sentence."""

    sentence_id: int


@dataclass(frozen=True)
class FeedbackButton:
    """"fb:<+|->:<question log id>:<signature>": a reader's 👍 or 👎 on an answer."""

    question_id: int
    helpful: bool


@dataclass(frozen=True)
class RemoveButton:
    """"rm:<article row key>:<signature>" confirms a /remove; "rm:no" cancels it."""

    article_key: int | None  # None: cancelled


Button = MoreButton | ContextButton | FeedbackButton | RemoveButton

_MORE = re.compile(r"^more:(\d{1,3}):([0-9a-f]{10})$")
_SIGNED = re.compile(r"^(ctx|fb:[+-]|rm):(\d{1,18}):([0-9a-f]{%d})$" % _SIGNATURE_CHARS)


def question_key(question: str) -> str:
    """A short fingerprint of a question: the button checks it still has the same question."""
    return hashlib.blake2b(" ".join(question.split()).encode(), digest_size=5).hexdigest()


class Buttons:
    """Makes and reads the bot's buttons; ``secret`` (from the bot token) signs row ids."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"pasokh-buttons\0" + secret.encode()).digest()

    def _sign(self, kind: str, number: int) -> str:
        return hmac.new(self._key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_CHARS]

    def _signed(self, kind: str, number: int) -> str:
        return f"{kind}:{number}:{self._sign(kind, number)}"

    def parse(self, data: str | None) -> Button | None:
        """The button behind callback ``data``; None for anything else (or a bad signature)."""
        data = data or ""
        if data == "rm:no":
            return RemoveButton(None)
        more = _MORE.match(data)
        if more:
            return MoreButton(int(more.group(1)), more.group(2))
        signed = _SIGNED.match(data)
        if not signed:
            return None
        kind, number, signature = signed.group(1), int(signed.group(2)), signed.group(3)
        if not hmac.compare_digest(signature, self._sign(kind, number)):
            return None
        if kind == "ctx":
            return ContextButton(number)
        if kind == "rm":
            return RemoveButton(number)
        return FeedbackButton(number, kind == "fb:+")

    def answer_keyboard(self, question: str, hits: list[Hit], next_offset: int | None, *,
                        question_id: int | None = None, lang: Lang = Lang.FA) -> InlineKeyboardMarkup | None:
        """"more results" (when ``next_offset`` is set), one "context" button per hit, and 👍/👎."""
        rows = []
        if next_offset is not None:
            rows.append([InlineKeyboardButton(messages.text("more", lang),
                                              callback_data=f"more:{next_offset}:{question_key(question)}")])
        if hits:
            label = messages.text("context", lang)

            def caption(hit: Hit) -> str:
                return label if len(hits) == 1 else f"{label} {messages.number(hit.rank, lang)}"

            rows.append([InlineKeyboardButton(caption(h), callback_data=self._signed("ctx", h.sentence_id))
                         for h in hits])
        if question_id is not None and hits:
            rows.append([InlineKeyboardButton(messages.text("helpful", lang),
                                              callback_data=self._signed("fb:+", question_id)),
                         InlineKeyboardButton(messages.text("unhelpful", lang),
                                              callback_data=self._signed("fb:-", question_id))])
        return InlineKeyboardMarkup(rows) if rows else None

    def remove_keyboard(self, article_key: int) -> InlineKeyboardMarkup:
        """Yes / no under a /remove confirmation."""
        return InlineKeyboardMarkup([[
            InlineKeyboardButton(messages.EDITOR_TEXTS["remove_yes"], callback_data=self._signed("rm", article_key)),
            InlineKeyboardButton(messages.EDITOR_TEXTS["remove_no"], callback_data="rm:no")]])
