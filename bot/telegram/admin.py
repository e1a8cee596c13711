"""The editors' handlers: /stats, /reload, and articles added or removed through the bot.

Nothing from a non-admin is downloaded, parsed or written. An accepted article
is validated (UTF-8, size, not empty), indexed as a new snapshot, and the
searcher answers from it on the next question, for everyone.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

from telegram import Update

from pasokh.bot import messages
from pasokh.retrieval.articles import MAX_ARTICLE_BYTES, SUPPORTED_SUFFIXES, Article, parse_article_bytes
from pasokh.retrieval.errors import ArticleError, PasokhError
from pasokh.retrieval.indexer import IndexReport

from . import format as fmt
from .replies import reply
from .state import Context

log = logging.getLogger(__name__)


async def require_admin(update: Update, context: Context) -> bool:
    """True for admins; everyone else gets a polite refusal."""
    user = update.effective_user
    if context.bot_data.settings.is_admin(user.id if user else None):
        return True
    await reply(update, context, fmt.text_html("admin_only"))
    return False


async def stats(update: Update, context: Context) -> None:
    """/stats (admins): questions, abstentions, latency, index size."""
    if not await require_admin(update, context):
        return
    searcher = context.bot_data.searcher
    articles, sentences = await asyncio.to_thread(searcher.size)
    snapshot = context.bot_data.stats.snapshot()
    await reply(update, context, fmt.stats_html(snapshot, searcher.generation, articles, sentences))


async def reload(update: Update, context: Context) -> None:
    """/reload (admins): load the live snapshot now and say what it holds."""
    if not await require_admin(update, context):
        return
    searcher = context.bot_data.searcher
    try:
        await asyncio.to_thread(searcher.reload)
    except PasokhError as error:
        await reply(update, context, fmt.plain_html(messages.reload_failed(error)))
        return
    articles, sentences = await asyncio.to_thread(searcher.size)
    log.info("reloaded %s: generation %d, %d articles", searcher.data_dir, searcher.generation, articles)
    await reply(update, context, fmt.plain_html(messages.reload_text(searcher.generation, articles, sentences)))


async def add_text(update: Update, context: Context) -> None:
    """/add TEXT (admins): index the message text as a new article."""
    if not await require_admin(update, context):
        return
    message = update.effective_message
    body = (message.text or "").split(maxsplit=1)
    if len(body) < 2 or not body[1].strip():
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["add_usage"]))
        return
    data = body[1].encode("utf-8")
    name = f"tg-{hashlib.sha256(data).hexdigest()[:12]}.txt"
    await _index_upload(update, context, data, name)


async def receive_document(update: Update, context: Context) -> None:
    """A document (admins): a .txt, .md or .json article file."""
    if not await require_admin(update, context):
        return  # refused before anything is downloaded
    document = update.effective_message.document
    name = Path(document.file_name or "").name
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["bad_suffix"]))
        return
    if document.file_size and document.file_size > MAX_ARTICLE_BYTES:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["too_large"]))
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    await _index_upload(update, context, data, name)


async def remove_article(update: Update, context: Context) -> None:
    """/remove ID (admins): drop an article from the index."""
    if not await require_admin(update, context):
        return
    ids = (update.effective_message.text or "").split()[1:]
    if not ids:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["remove_usage"]))
        return
    report = await asyncio.to_thread(context.bot_data.indexer().remove, ids)
    lines = [messages.removed_article(article_id) for article_id in report.removed]
    lines += [messages.error_text(error) for error in report.errors]
    await reply(update, context, fmt.plain_html("\n".join(lines)))


async def _index_upload(update: Update, context: Context, data: bytes, name: str) -> None:
    try:
        article = parse_article_bytes(data, name)
    except ArticleError as error:
        await reply(update, context, fmt.plain_html(messages.error_text(error)))
        return
    await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["indexing"]))
    report = await asyncio.to_thread(context.bot_data.indexer().index_articles, [article])
    log.info("admin %s added %s: %s", update.effective_user.id, article.article_id, _summary(report))
    await reply(update, context, fmt.plain_html(await _outcome(context, article, report)))


async def _outcome(context: Context, article: Article, report: IndexReport) -> str:
    if report.errors:
        return "\n".join(messages.error_text(error) for error in report.errors)
    if report.duplicates:
        return messages.upload_duplicate(report.duplicates[0][1])
    if report.unchanged:
        return messages.upload_unchanged(article.article_id)
    articles = await asyncio.to_thread(context.bot_data.searcher.articles)
    sentences = next((a.n_sentences for a in articles if a.article_id == article.article_id), 0)
    return messages.upload_done(updated=bool(report.updated), article_id=article.article_id, title=article.title,
                                sentences=sentences)


def _summary(report: IndexReport) -> str:
    return (f"added={report.added} updated={report.updated} duplicates={len(report.duplicates)} "
            f"errors={len(report.errors)} generation={report.generation}")
