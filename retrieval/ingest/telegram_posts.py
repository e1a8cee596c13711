"""Telegram channel posts as articles: the same article whether a post arrives live or from an export.

A post's article id comes from the channel's own id and the message id, in the
form both the Bot API (``chat.id`` = -100 followed by the channel id) and
Telegram Desktop's export (``id`` = the channel id) lead to, so a post seen both
ways is one article. Its title is its first line (or first sentence), its
source the channel's title (or that of the channel it was forwarded from),
its link ``https://t.me/<username>/<id>`` for public channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from ..articles import Article, content_hash, title_from_text

MIN_LETTERS = 40
"""A post with fewer letters than this (a bare link, an emoji, "🔴 فوری") is not an article."""

_URL = re.compile(r"https?://\S+|www\.\S+|t\.me/\S+|@\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s")


class Skip(Enum):
    """Why a post did not become an article."""

    NO_TEXT = "no_text"  # a photo or video without a caption, an album's other items
    TOO_SHORT = "too_short"  # a link, an emoji, a one-line teaser


@dataclass(frozen=True)
class ChannelPost:
    """What Pasokh needs of one channel post (from the Bot API or an export)."""

    channel_id: int  # the channel's own id, without the -100 prefix of the Bot API
    message_id: int
    text: str  # the text or caption, as plain text
    channel_title: str
    username: str | None = None  # public channels only
    date: datetime | None = None
    forwarded_from_title: str | None = None
    forwarded_from_username: str | None = None
    forwarded_message_id: int | None = None


def channel_id_from_chat(chat_id: int) -> int:
    """The channel's own id from a Bot API ``chat.id`` (``-1001234567890`` -> ``1234567890``)."""
    text = str(abs(chat_id))
    return int(text[3:]) if text.startswith("100") and len(text) > 10 else abs(chat_id)


def article_id(channel_id: int, message_id: int) -> str:
    """The stable id of a post: ``tg<channel id>-<message id>``."""
    return f"tg{channel_id}-{message_id}"


def post_url(post: ChannelPost) -> str | None:
    """The post's link: the original channel's post for a forward from a public channel, else this one's."""
    if post.forwarded_from_username and post.forwarded_message_id:
        return f"https://t.me/{post.forwarded_from_username}/{post.forwarded_message_id}"
    if post.username:
        return f"https://t.me/{post.username}/{post.message_id}"
    return None


def post_to_article(post: ChannelPost) -> Article | Skip:
    """The article for ``post``, or why it is not one."""
    text = post.text.replace("\r\n", "\n").strip()
    if not text:
        return Skip.NO_TEXT
    letters = sum(1 for ch in _URL.sub(" ", text) if ch.isalpha())
    if letters < MIN_LETTERS:
        return Skip.TOO_SHORT
    first_line = next(line.strip() for line in text.split("\n") if line.strip())
    first_sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    return Article(
        article_id=article_id(post.channel_id, post.message_id),
        title=title_from_text(first_sentence),
        source=post.forwarded_from_title or post.channel_title,
        url=post_url(post),
        published=post.date.isoformat() if post.date else None,
        language="fa",
        text=text,
        path=None,
        content_hash=content_hash(text),
    )
