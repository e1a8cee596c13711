"""The bot's handlers: one coroutine per thing a user can do.

Everything that touches the searcher runs off the event loop: questions in the
bounded search pool (they are CPU-bound), metadata look-ups in the default
thread pool (so /start never queues behind a burst of questions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from pasokh.retrieval.search import Answer, NoIndexError, Searcher
from pasokh.retrieval.store import StoreError

from . import telegram_format as fmt

log = logging.getLogger(__name__)

# bot_data keys
CONFIG, SEARCHER, STATS, LIMITER, EXECUTOR, RETIRED = (
    "config", "searcher", "stats", "limiter", "executor", "retired_searchers")
RETIRE_GRACE_SECONDS = 30.0
"""A searcher replaced by /reload is closed this long after, when no question can still use it."""

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Context = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: Context) -> None:
    """/start: greet, say how many articles are indexed, show an example question."""
    articles = await asyncio.to_thread(context.bot_data[SEARCHER].articles)
    newest = articles[-1].title if articles else None
    await _reply(update, context, fmt.welcome_html(len(articles), newest))


async def help_command(update: Update, context: Context) -> None:
    """/help (and unknown commands in private chats)."""
    config = context.bot_data[CONFIG]
    await _reply(update, context, fmt.help_html(context.bot.username, config.max_question_chars, config.rate_limit))


async def sources(update: Update, context: Context) -> None:
    """/sources: the indexed articles."""
    articles = await asyncio.to_thread(context.bot_data[SEARCHER].articles)
    await _reply(update, context, fmt.sources_html(articles, context.bot_data[CONFIG].sources_limit))


async def about(update: Update, context: Context) -> None:
    """/about: what the bot does."""
    articles, sentences = await asyncio.to_thread(context.bot_data[SEARCHER].size)
    await _reply(update, context, fmt.about_html(articles, sentences))


async def answer_question(update: Update, context: Context) -> None:
    """Any text addressed to the bot: quote the best sentences, or say politely why not."""
    started = time.perf_counter()
    message = update.effective_message
    config = context.bot_data[CONFIG]
    decision = context.bot_data[LIMITER].check(update.effective_user.id)
    if not decision.allowed:
        context.bot_data[STATS].record_rate_limited()
        if decision.notify:
            await _send(context, message.chat_id, fmt.rate_limited_html(config.rate_limit, decision.retry_after),
                        reply_to=message.message_id)
        return
    question = fmt.strip_mention(message.text or "", context.bot.username)
    page = config.answer_k
    # one extra hit tells whether a "more results" button has anything to show
    answer = await _ask(context, message.chat_id, question, page + 1)
    shown = answer.hits[:page]
    more = page if len(answer.hits) > page and page < config.max_results else None
    # counted before sending, so /stats right after the reply already includes it
    context.bot_data[STATS].record_question(answer.reason, time.perf_counter() - started)
    await _send(context, message.chat_id, fmt.answer_html(answer, shown), reply_to=message.message_id,
                keyboard=fmt.answer_keyboard(question, shown, more))


async def show_more(update: Update, context: Context) -> None:
    """"more results" button: the next page for the question the answer replied to.

    The question is read from the replied-to message, not from memory, so the
    button works after a restart; the key in the callback data checks it.
    """
    query = update.callback_query
    button = fmt.parse_callback(query.data)
    original = getattr(query.message, "reply_to_message", None)
    question = fmt.strip_mention(original.text or "", context.bot.username) if original else ""
    if not isinstance(button, fmt.MoreButton) or not question or fmt.question_key(question) != button.key:
        await query.answer(fmt.TEXTS["stale_question"], show_alert=True)
        return
    config = context.bot_data[CONFIG]
    decision = context.bot_data[LIMITER].check(update.effective_user.id)
    if not decision.allowed:
        await query.answer(fmt.rate_limited_html(config.rate_limit, decision.retry_after), show_alert=True)
        return
    await query.answer()
    chat_id, end = original.chat_id, button.offset + config.answer_k
    answer = await _ask(context, chat_id, question, end + 1)
    page = answer.hits[button.offset:end]
    if not page:
        await _send(context, chat_id, fmt.text_html("no_more"), reply_to=original.message_id)
        return
    more = end if len(answer.hits) > end and end < config.max_results else None
    await _send(context, chat_id, fmt.answer_html(answer, page), reply_to=original.message_id,
                keyboard=fmt.answer_keyboard(question, page, more))


async def show_context(update: Update, context: Context) -> None:
    """"context" button: the sentences around a cited sentence."""
    query = update.callback_query
    button = fmt.parse_callback(query.data)
    if not isinstance(button, fmt.ContextButton):
        await stale_button(update, context)
        return
    await query.answer()
    records = await asyncio.to_thread(context.bot_data[SEARCHER].context, button.sentence_id, 2)
    text = fmt.context_html(records, button.sentence_id) if records else fmt.text_html("stale_sentence")
    await _send(context, update.effective_chat.id, text,
                reply_to=query.message.message_id if query.message else None)


async def stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know."""
    await update.callback_query.answer(fmt.TEXTS["unknown_button"], show_alert=True)


async def stats(update: Update, context: Context) -> None:
    """/stats (admins): questions, abstentions, latency, index size."""
    if not await _admin(update, context):
        return
    searcher = context.bot_data[SEARCHER]
    articles, sentences = await asyncio.to_thread(searcher.size)
    snapshot = context.bot_data[STATS].snapshot()
    await _reply(update, context, fmt.stats_html(snapshot, searcher.generation, articles, sentences))


async def reload(update: Update, context: Context) -> None:
    """/reload (admins): reopen the data directory and load its live snapshot."""
    if not await _admin(update, context):
        return
    old = context.bot_data[SEARCHER]
    try:
        fresh = await asyncio.to_thread(reopen_searcher, old)
    except (NoIndexError, StoreError, ValueError) as error:
        await _reply(update, context, fmt.rtl(fmt.e(f"بارگذاری دوبارهٔ نمایه ممکن نشد: {error}")))
        return
    context.bot_data[SEARCHER] = fresh
    _retire(context, old)
    articles, sentences = await asyncio.to_thread(fresh.size)
    log.info("reloaded %s: generation %d, %d articles", fresh.data_dir, fresh.generation, articles)
    await _reply(update, context, fmt.reload_html(fresh.generation, articles, sentences))


async def error_handler(update: object, context: Context) -> None:
    """Log the failure with its traceback and apologise to the user; the bot keeps running."""
    log.error("error while handling an update", exc_info=context.error)
    context.bot_data[STATS].record_error()
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):  # e.g. the same outage that caused the error
            await _send(context, update.effective_chat.id, fmt.text_html("error"))


def reopen_searcher(old: Searcher) -> Searcher:
    """A new searcher on ``old``'s data directory, its live snapshot loaded (blocking)."""
    fresh = Searcher(old.data_dir, old.encoder, policy=old.policy)
    try:
        fresh.check_model()
        fresh.ask(fmt.EXAMPLE_QUESTION)  # loads the snapshot and sets .generation now, not on the next user
    except Exception:
        fresh.close()
        raise
    return fresh


# ---- helpers ----

async def _ask(context: Context, chat_id: int, question: str, k: int) -> Answer:
    """``searcher.ask`` in the search pool; "typing…" once it takes longer than a glance."""
    searcher, config = context.bot_data[SEARCHER], context.bot_data[CONFIG]
    future = asyncio.get_running_loop().run_in_executor(context.bot_data[EXECUTOR], searcher.ask, question, k)
    done, _ = await asyncio.wait({future}, timeout=config.typing_delay)
    if not done:
        with contextlib.suppress(TelegramError):  # the indicator is cosmetic: never fail an answer for it
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    return await future


async def _send(context: Context, chat_id: int, html_text: str, *, reply_to: int | None = None,
                keyboard=None) -> None:
    """Send ``html_text`` in as many messages as it takes; the keyboard goes under the last."""
    chunks = fmt.split_html(html_text)
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    for index, chunk in enumerate(chunks):
        await context.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW,
                                       reply_parameters=reply,
                                       reply_markup=keyboard if index == len(chunks) - 1 else None)


async def _reply(update: Update, context: Context, html_text: str) -> None:
    """Answer a command: quoted in groups (to say whom it answers), plain in private chats."""
    message = update.effective_message
    quote = message.message_id if message.chat.type != "private" else None
    await _send(context, message.chat_id, html_text, reply_to=quote)


async def _admin(update: Update, context: Context) -> bool:
    """True for admins; everyone else gets a polite refusal."""
    user = update.effective_user
    if context.bot_data[CONFIG].is_admin(user.id if user else None):
        return True
    await _reply(update, context, fmt.text_html("admin_only"))
    return False


def _retire(context: Context, old: Searcher) -> None:
    retired = context.bot_data[RETIRED]
    retired.append(old)

    def close_later() -> None:
        if old in retired:
            retired.remove(old)
            old.close()

    asyncio.get_running_loop().call_later(RETIRE_GRACE_SECONDS, close_later)
