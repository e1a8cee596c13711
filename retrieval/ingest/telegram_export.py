"""A channel's history from Telegram Desktop's JSON export (``result.json``).

Telegram Desktop (Settings → Advanced → Export Telegram data, or a channel's
⋮ → Export chat history, format "Machine-readable JSON") writes the channel's
``id``, ``name`` and ``messages``; each message's ``text`` is a string or a list
of plain strings and entity objects (``{"type": "bold", "text": "…"}``). The
export has no username: give it (``--username``) to link every citation to its
post. Posts get the same ids as live ones (``telegram_posts.article_id``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import ArticleError, ArticleProblem
from .telegram_posts import ChannelPost


@dataclass(frozen=True)
class Export:
    """One channel's export: its name, its id, and its posts in order."""

    name: str
    channel_id: int
    posts: list[ChannelPost]
    skipped_entries: int  # service messages (pins, joins) and entries that are not posts


def plain_text(text) -> str:
    """An export's ``text`` as plain text: a string, or the concatenation of its pieces."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in text
                       if isinstance(part, (str, dict)))
    return ""


def read_export(path: Path, username: str | None = None) -> Export:
    """Parse ``result.json``; raises ``ArticleError`` naming the file when it is not an export."""
    try:
        data = json.loads(Path(path).read_bytes())
    except OSError as error:
        raise ArticleError(path, ArticleProblem.UNREADABLE, reason=error.strerror or str(error)) from None
    except RecursionError:
        raise ArticleError(path, ArticleProblem.JSON_TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError) as error:
        line, column = getattr(error, "lineno", 0), getattr(error, "colno", 0)
        raise ArticleError(path, ArticleProblem.BAD_JSON, line=line, column=column, reason=str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list) or "id" not in data:
        raise ArticleError(path, ArticleProblem.NOT_AN_EXPORT)
    try:
        channel_id = int(data["id"])
    except (TypeError, ValueError):
        raise ArticleError(path, ArticleProblem.NOT_AN_EXPORT) from None
    name = str(data.get("name") or channel_id)
    posts, skipped = [], 0
    for entry in data["messages"]:
        post = _post(entry, channel_id, name, username)
        if post is None:
            skipped += 1
        else:
            posts.append(post)
    return Export(name, channel_id, posts, skipped)


def _post(entry, channel_id: int, name: str, username: str | None) -> ChannelPost | None:
    if not isinstance(entry, dict) or entry.get("type") != "message" or not isinstance(entry.get("id"), int):
        return None
    date = None
    if isinstance(entry.get("date"), str):
        try:
            date = datetime.fromisoformat(entry["date"])
        except ValueError:
            date = None
    forwarded = entry.get("forwarded_from")
    return ChannelPost(channel_id=channel_id, message_id=entry["id"], text=plain_text(entry.get("text")),
                       channel_title=name, username=username, date=date,
                       forwarded_from_title=forwarded if isinstance(forwarded, str) else None)


def batches(posts: list[ChannelPost], size: int) -> Iterator[list[ChannelPost]]:
    """Posts in groups of ``size``: each group is published on its own, so an interruption keeps the rest."""
    for start in range(0, len(posts), size):
        yield posts[start:start + size]
