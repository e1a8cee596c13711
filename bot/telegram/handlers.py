"""The readers' handlers: one coroutine per thing a reader can do.

Everything that touches the searcher runs off the event loop: questions in the
bounded search pool (they are CPU-bound), metadata look-ups in the default
thread pool (so /start never queues behind a burst of questions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram import Update
from telegram.error import TelegramError

from pasokh.bot import messages

from . import callbacks
from . import format as fmt
from .replies import ask, reply, send
from .state import Context

log = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """/start: greet, say how many articles are indexed."""
    articles = await asyncio.to_thread(context.bot_data.searcher.articles)
    newest = articles[-1].title if articles else None
    await reply(update, context, fmt.welcome_html(len(articles), None, newest))


async def help_command(update: Update, context: Context) -> None:
    """/help (and unknown commands in private chats)."""
    settings = context.bot_data.settings
    await reply(update, context, fmt.help_html(context.bot.username, settings.max_question_chars,
                                               settings.rate_limit))


async def sources(update: Update, context: Context) -> None:
    """/sources: the indexed articles."""
    articles = await asyncio.to_thread(context.bot_data.searcher.articles)
    await reply(update, context, fmt.sources_html(articles, context.bot_data.settings.sources_limit))


async def about(update: Update, context: Context) -> None:
    """/about: what the bot does."""
    articles, sentences = await asyncio.to_thread(context.bot_data.searcher.size)
    await reply(update, context, fmt.about_html(articles, sentences))


async def answer_question(update: Update, context: Context) -> None:
    """Any text addressed to the bot: quote the best sentences, or say politely why not."""
    started = time.perf_counter()
    message = update.effective_message
    state = context.bot_data
    decision = state.limiter.check(update.effective_user.id)
    if not decision.allowed:
        state.stats.record_rate_limited()
        if decision.notify:
            await send(context, message.chat_id, fmt.rate_limited_html(state.settings.rate_limit,
                                                                       decision.retry_after),
                       reply_to=message.message_id)
        return
    question = fmt.strip_mention(message.text or "", context.bot.username)
    page = state.settings.answer_k
    # one extra hit tells whether a "more results" button has anything to show
    answer = await ask(context, message.chat_id, question, page + 1)
    shown = answer.hits[:page]
    more = page if len(answer.hits) > page and page < state.settings.max_results else None
    # counted before sending, so /stats right after the reply already includes it
    state.stats.record_question(answer.reason, time.perf_counter() - started)
    await send(context, message.chat_id, fmt.answer_html(answer, shown), reply_to=message.message_id,
               keyboard=callbacks.answer_keyboard(question, shown, more))


async def show_more(update: Update, context: Context) -> None:
    """"more results" button: the next page for the question the answer replied to.

    The question is read from the replied-to message, not from memory, so the
    button works after a restart; the key in the callback data checks it.
    """
    query = update.callback_query
    button = callbacks.parse_callback(query.data)
    original = getattr(query.message, "reply_to_message", None)
    question = fmt.strip_mention(original.text or "", context.bot.username) if original else ""
    if not isinstance(button, callbacks.MoreButton) or not question or \
            callbacks.question_key(question) != button.key:
        await query.answer(messages.BOT_TEXTS["stale_question"], show_alert=True)
        return
    state = context.bot_data
    decision = state.limiter.check(update.effective_user.id)
    if not decision.allowed:
        await query.answer(messages.rate_limited_text(state.settings.rate_limit, decision.retry_after),
                           show_alert=True)
        return
    await query.answer()
    chat_id, end = original.chat_id, button.offset + state.settings.answer_k
    answer = await ask(context, chat_id, question, end + 1)
    page = answer.hits[button.offset:end]
    if not page:
        await send(context, chat_id, fmt.text_html("no_more"), reply_to=original.message_id)
        return
    more = end if len(answer.hits) > end and end < state.settings.max_results else None
    await send(context, chat_id, fmt.answer_html(answer, page), reply_to=original.message_id,
               keyboard=callbacks.answer_keyboard(question, page, more))


async def show_context(update: Update, context: Context) -> None:
    """"context" button: the sentences around a cited sentence."""
    query = update.callback_query
    button = callbacks.parse_callback(query.data)
    if not isinstance(button, callbacks.ContextButton):
        await stale_button(update, context)
        return
    await query.answer()
    records = await asyncio.to_thread(context.bot_data.searcher.context, button.sentence_id, 2)
    text = fmt.context_html(records, button.sentence_id) if records else fmt.text_html("stale_sentence")
    await send(context, update.effective_chat.id, text,
               reply_to=query.message.message_id if query.message else None)


async def stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know."""
    await update.callback_query.answer(messages.BOT_TEXTS["unknown_button"], show_alert=True)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure with its traceback and apologise to the user; the bot keeps running."""
    log.error("error while handling an update", exc_info=context.error)
    context.bot_data.stats.record_error()
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):  # e.g. the same outage that caused the error
            await send(context, update.effective_chat.id, fmt.text_html("error"))
