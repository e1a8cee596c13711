"""Admins add and remove articles through the bot: a document upload, ``/add TEXT``, ``/remove ID``.

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
from telegram.ext import ContextTypes

from pasokh.retrieval.articles import (MAX_ARTICLE_BYTES, SUPPORTED_SUFFIXES, Article, ArticleError,
                                       parse_article_bytes)
from pasokh.retrieval.indexer import Indexer, IndexReport

from . import telegram_format as fmt
from .render import persian_digits
from .telegram_handlers import SEARCHER, _admin, _reply

log = logging.getLogger(__name__)

INDEXER = "indexer"
Context = ContextTypes.DEFAULT_TYPE

TEXTS = {
    "add_usage": "برای افزودن مقاله، متن آن را پس از /add بفرستید (سطرهای اختیاری title: و source: در آغاز)، "
                 "یا پروندهٔ ‎.txt، ‎.md یا ‎.json را بفرستید.",
    "bad_suffix": "فقط پرونده‌های ‎.txt، ‎.md و ‎.json پذیرفته می‌شوند.",
    "too_large": "پرونده بزرگ‌تر از حد مجاز است.",
    "indexing": "در حال نمایه‌سازی…",
    "unchanged": "این مقاله پیش‌تر با همین متن نمایه شده است.",
    "remove_usage": "شناسهٔ مقاله را پس از /remove بنویسید؛ شناسه‌ها را با /sources ببینید.",
}


def indexer_for(context: Context) -> Indexer:
    """The bot's indexer (created on first use: it loads the passage model then)."""
    data = context.bot_data
    if INDEXER not in data:
        searcher = data[SEARCHER]
        data[INDEXER] = Indexer(searcher.data_dir, searcher.encoder)
    return data[INDEXER]


async def add_text(update: Update, context: Context) -> None:
    """/add TEXT (admins): index the message text as a new article."""
    if not await _admin(update, context):
        return
    message = update.effective_message
    body = (message.text or "").split(maxsplit=1)
    if len(body) < 2 or not body[1].strip():
        await _reply(update, context, fmt.rtl(fmt.e(TEXTS["add_usage"])))
        return
    data = body[1].encode("utf-8")
    name = f"tg-{hashlib.sha256(data).hexdigest()[:12]}.txt"
    await _index_upload(update, context, data, name)


async def receive_document(update: Update, context: Context) -> None:
    """A document (admins): a .txt, .md or .json article file."""
    if not await _admin(update, context):
        return  # refused before anything is downloaded
    document = update.effective_message.document
    name = Path(document.file_name or "").name
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        await _reply(update, context, fmt.rtl(fmt.e(TEXTS["bad_suffix"])))
        return
    if document.file_size and document.file_size > MAX_ARTICLE_BYTES:
        await _reply(update, context, fmt.rtl(fmt.e(TEXTS["too_large"])))
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    await _index_upload(update, context, data, name)



async def remove_article(update: Update, context: Context) -> None:
    """/remove ID (admins): drop an article from the index."""
    if not await _admin(update, context):
        return
    ids = (update.effective_message.text or "").split()[1:]
    if not ids:
        await _reply(update, context, fmt.rtl(fmt.e(TEXTS["remove_usage"])))
        return
    report = await asyncio.to_thread(indexer_for(context).remove, ids)
    lines = [f"حذف شد: {article_id}" for article_id in report.removed]
    lines += [str(error) for error in report.errors]
    await _reply(update, context, fmt.rtl(fmt.e("\n".join(lines))))


async def _index_upload(update: Update, context: Context, data: bytes, name: str) -> None:
    try:
        article = parse_article_bytes(data, name)
    except ArticleError as error:
        await _reply(update, context, fmt.rtl(fmt.e(str(error))))
        return
    await _reply(update, context, fmt.rtl(fmt.e(TEXTS["indexing"])))
    report = await asyncio.to_thread(indexer_for(context).index_articles, [article])
    log.info("admin %s added %s: %s", update.effective_user.id, article.article_id, _summary(report))
    await _reply(update, context, fmt.rtl(fmt.e(await _outcome(context, article, report))))


async def _outcome(context: Context, article: Article, report: IndexReport) -> str:
    if report.errors:
        return "\n".join(str(error) for error in report.errors)
    if report.duplicates:
        return f"همین متن پیش‌تر با شناسهٔ «{report.duplicates[0][1]}» نمایه شده است؛ دوباره افزوده نشد."
    if report.unchanged:
        return TEXTS["unchanged"] + f" (شناسه: {article.article_id})"
    articles = await asyncio.to_thread(context.bot_data[SEARCHER].articles)
    sentences = next((a.n_sentences for a in articles if a.article_id == article.article_id), 0)
    verb = "به‌روز شد" if report.updated else "افزوده شد"
    return (f"مقاله {verb}.\nشناسه: {article.article_id}\nعنوان: {article.title}\n"
            f"جمله‌ها: {persian_digits(sentences)}\nاکنون همه می‌توانند دربارهٔ آن بپرسند.")


def _summary(report: IndexReport) -> str:
    return (f"added={report.added} updated={report.updated} duplicates={len(report.duplicates)} "
            f"errors={len(report.errors)} generation={report.generation}")
