"""The editors' handlers: /stats, /unanswered, /reload, and articles added or removed through the bot.

Nothing from a non-admin is downloaded, parsed or written. An accepted article
is validated (UTF-8 or Windows-1256, size, not empty), indexed by the bot's
indexing process (``index_worker``: readers are not slowed meanwhile) while the
status message shows the progress, and answerable by everyone at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from pathlib import Path

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from pasokh.bot import messages
from pasokh.retrieval.articles import MAX_ARTICLE_BYTES, SUPPORTED_SUFFIXES, Article, parse_article_bytes
from pasokh.retrieval.errors import ArticleError, PasokhError
from pasokh.retrieval.indexer import IndexReport

from . import callbacks
from . import format as fmt
from .replies import edit, reply
from .state import Context

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 2.0
"""The status message is edited at most this often (each edit costs a request against the flood limit)."""


def is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return context.bot_data.settings.is_admin(user.id if user else None)


async def require_admin(update: Update, context: Context) -> bool:
    """True for admins; everyone else gets a polite refusal."""
    if is_admin(update, context):
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


async def unanswered(update: Update, context: Context) -> None:
    """/unanswered (admins): the questions the articles did not answer, most asked first."""
    if not await require_admin(update, context):
        return
    question_log = context.bot_data.question_log
    if question_log is None:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["unanswered_off"]))
        return
    counts = await asyncio.to_thread(question_log.counts, unanswered_only=True, limit=30)
    if not counts:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["unanswered_empty"]))
        return
    lines = [messages.unanswered_line(c.times, c.text) for c in counts]
    await reply(update, context, fmt.titled_html(messages.EDITOR_TEXTS["unanswered_title"], lines))


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
    """A document: an editor's .txt, .md or .json article; anyone else is told it is not kept."""
    if not is_admin(update, context):
        await reply(update, context, fmt.text_html("upload_refused"))
        return  # refused before anything is downloaded
    document = update.effective_message.document
    name = Path(document.file_name or "").name
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["bad_suffix"]))
        return
    if document.file_size and document.file_size > MAX_ARTICLE_BYTES:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["too_large"]))
        return
    data = await _download_capped(context, document.file_id, MAX_ARTICLE_BYTES)
    if data is None:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["too_large"]))
        return
    await _index_upload(update, context, data, name)


async def _download_capped(context: Context, file_id: str, limit: int) -> bytes | None:
    """The file's bytes, or None as soon as more than ``limit`` arrive.

    Telegram may omit ``file_size``, and PTB's own download reads the whole file
    into memory first; streaming it with httpx stops at the limit.
    """
    import httpx

    telegram_file = await context.bot.get_file(file_id)
    if telegram_file.file_size and telegram_file.file_size > limit:
        return None
    received = bytearray()
    async with httpx.AsyncClient(timeout=30.0, follow_redirects=False) as client:
        async with client.stream("GET", telegram_file.file_path) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) > limit:
                    return None
    return bytes(received)


async def remove_article(update: Update, context: Context) -> None:
    """/remove ID (admins): asks to confirm with a button, naming the article."""
    if not await require_admin(update, context):
        return
    ids = (update.effective_message.text or "").split()[1:]
    if not ids:
        await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["remove_usage"]))
        return
    live = {a.article_id: a for a in await asyncio.to_thread(context.bot_data.searcher.articles)}
    for article_id in ids:
        article = live.get(article_id)
        if article is None:
            from pasokh.retrieval.errors import ArticleProblem

            error = ArticleError(article_id, ArticleProblem.UNKNOWN_ID, article_id=article_id)
            await reply(update, context, fmt.plain_html(messages.error_text(error)))
            continue
        await reply(update, context, fmt.plain_html(messages.remove_confirm(article.article_id, article.title)),
                    keyboard=context.bot_data.buttons.remove_keyboard(article.key))


async def remove_confirmed(update: Update, context: Context) -> None:
    """The "yes" (or "no") under a /remove confirmation."""
    query = update.callback_query
    button = context.bot_data.buttons.parse(query.data)
    if not isinstance(button, callbacks.RemoveButton) or not is_admin(update, context):
        await query.answer(messages.text("unknown_button"), show_alert=True)
        return
    await query.answer()
    if button.article_key is None:
        await edit(context, query.message.chat_id, query.message.message_id,
                   fmt.plain_html(messages.EDITOR_TEXTS["remove_cancelled"]))
        return
    article = next((a for a in await asyncio.to_thread(context.bot_data.searcher.articles)
                    if a.key == button.article_key), None)
    if article is None:  # removed or replaced meanwhile
        await edit(context, query.message.chat_id, query.message.message_id, fmt.text_html("stale_sentence"))
        return
    report = await context.bot_data.indexer().remove([article.article_id])
    lines = [messages.removed_article(a) for a in report.removed] + [messages.error_text(e) for e in report.errors]
    await edit(context, query.message.chat_id, query.message.message_id, fmt.plain_html("\n".join(lines)))


async def _index_upload(update: Update, context: Context, data: bytes, name: str) -> None:
    try:
        article = parse_article_bytes(data, name)
    except ArticleError as error:
        await reply(update, context, fmt.plain_html(messages.error_text(error)))
        return
    chat_id = update.effective_message.chat_id
    status = await reply(update, context, fmt.plain_html(messages.EDITOR_TEXTS["indexing"]))
    report = await _with_progress(context, chat_id, status.message_id,
                                  lambda progress: context.bot_data.indexer().index_articles([article],
                                                                                           on_progress=progress))
    log.info("admin %s added %s: %s", update.effective_user.id, article.article_id, _summary(report))
    outcome = fmt.plain_html(await _outcome(context, article, report))
    if not await edit(context, chat_id, status.message_id, outcome):
        await reply(update, context, outcome)


async def _with_progress(context: Context, chat_id: int, status_id: int, start) -> IndexReport:
    """Run an indexing job, editing the status message with its progress and keeping "typing…" up."""
    latest: list[tuple[int, int]] = []
    job = asyncio.ensure_future(start(lambda done, total: latest.append((done, total))))
    shown, last_edit = None, 0.0
    while not job.done():
        with contextlib.suppress(TelegramError):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        await asyncio.wait({job}, timeout=PROGRESS_EVERY_SECONDS)
        if latest and latest[-1] != shown and time.monotonic() - last_edit >= PROGRESS_EVERY_SECONDS and not job.done():
            shown, last_edit = latest[-1], time.monotonic()
            await edit(context, chat_id, status_id, fmt.plain_html(messages.indexing_progress(*shown)))
    return job.result()


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
                                sentences=sentences, converted=article.encoding != "utf-8")


def _summary(report: IndexReport) -> str:
    return (f"added={report.added} updated={report.updated} duplicates={len(report.duplicates)} "
            f"errors={len(report.errors)} generation={report.generation}")
