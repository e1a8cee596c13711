"""The newsroom's channel: every post the bot sees there becomes an article, answerable within seconds.

The bot is made an administrator of the channel; ``PASOKH_CHANNELS`` lists
the channels it may index (usernames or ``-100…`` ids), and posts of any
other channel are ignored (and logged). A post is indexed by the bot's
indexing process (readers are not slowed meanwhile); an edit re-indexes it
(unchanged text changes nothing); an album indexes once, from its caption;
very short posts are skipped with a log line.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, MessageOriginChannel, Update

from pasokh.retrieval.ingest.telegram_posts import ChannelPost, Skip, channel_id_from_chat, post_to_article

from .state import Context

log = logging.getLogger(__name__)


def allowed(message: Message, channels: frozenset[str]) -> bool:
    """Whether the post's channel is one the bot may index."""
    chat = message.chat
    return str(chat.id) in channels or bool(chat.username and chat.username.lower() in channels)


def channel_post(message: Message) -> ChannelPost:
    """The Bot API post as the ingestion layer sees it (a forward keeps its original channel)."""
    origin = message.forward_origin
    forwarded_title = forwarded_username = forwarded_id = None
    if isinstance(origin, MessageOriginChannel):
        forwarded_title = origin.chat.title
        forwarded_username = origin.chat.username
        forwarded_id = origin.message_id
    return ChannelPost(channel_id=channel_id_from_chat(message.chat.id), message_id=message.message_id,
                       text=message.text or message.caption or "", channel_title=message.chat.title or "",
                       username=message.chat.username, date=message.date, forwarded_from_title=forwarded_title,
                       forwarded_from_username=forwarded_username, forwarded_message_id=forwarded_id)


async def index_post(update: Update, context: Context) -> None:
    """A ``channel_post`` or ``edited_channel_post``: index it (in the background) or say why not."""
    message = update.effective_message
    state = context.bot_data
    if not allowed(message, state.settings.channels):
        log.info("post %s of channel %s (@%s) ignored: not in PASOKH_CHANNELS", message.message_id,
                 message.chat.id, message.chat.username or "-")
        return
    article = post_to_article(channel_post(message))
    if isinstance(article, Skip):
        log.info("post %s of @%s skipped: %s", message.message_id, message.chat.username or message.chat.id,
                 article.value)
        return
    task = asyncio.get_running_loop().create_task(_index(context, article))
    state.background.add(task)  # held until done: the loop keeps only weak references to tasks
    task.add_done_callback(state.background.discard)


async def _index(context: Context, article) -> None:
    try:
        report = await context.bot_data.indexer().index_articles([article])
    except Exception:  # logged, and the bot goes on: the next post or edit tries again
        log.exception("indexing channel post %s failed", article.article_id)
        return
    outcome = "added" if report.added else "updated" if report.updated else "unchanged"
    log.info("channel post %s %s (generation %d)", article.article_id, outcome, report.generation)
