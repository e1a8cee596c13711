"""The readers' handlers: one coroutine per thing a reader can do.

Everything that touches the searcher runs off the event loop: questions in the
bounded search pool (they are CPU-bound), metadata look-ups in the default
thread pool (so /start never queues behind a burst of questions). The words
are the reader's language: an English question gets the bot's own words in
English (the quotes stay as the articles wrote them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from uuid import uuid4

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from pasokh.bot import messages
from pasokh.retrieval.search import Answer, Reason

from . import callbacks
from . import format as fmt
from .admin import is_admin
from .replies import ask, edit, reply, send
from .state import Context

log = logging.getLogger(__name__)

EXAMPLES = 2
"""/start suggests topics from this many of the newest articles."""


async def start(update: Update, context: Context) -> None:
    """/start: greet, say how many articles are indexed, suggest topics from the newest ones."""
    articles = await asyncio.to_thread(context.bot_data.searcher.articles)
    newest = articles[-1].title if articles else None
    examples = [a.title for a in reversed(articles[-1 - EXAMPLES:-1])] if len(articles) > 1 else []
    await reply(update, context, fmt.welcome_html(len(articles), examples, newest))


async def help_command(update: Update, context: Context) -> None:
    """/help (and unknown commands in private chats); editors also see their commands."""
    settings = context.bot_data.settings
    await reply(update, context, fmt.help_html(context.bot.username, settings.max_question_chars,
                                               settings.rate_limit, admin=is_admin(update, context)))


async def sources(update: Update, context: Context) -> None:
    """/sources: the indexed articles, newest first (with their ids, for editors)."""
    articles = await asyncio.to_thread(context.bot_data.searcher.articles)
    await reply(update, context, fmt.sources_html(articles, context.bot_data.settings.sources_limit,
                                                  for_editor=is_admin(update, context)))


async def about(update: Update, context: Context) -> None:
    """/about: what the bot does."""
    articles, sentences = await asyncio.to_thread(context.bot_data.searcher.size)
    await reply(update, context, fmt.about_html(articles, sentences))


def _question_of(update: Update, context: Context) -> str:
    message = update.effective_message
    return fmt.strip_mention(message.text or message.caption or "", context.bot.username)


async def _answer(context: Context, question: str, chat_id: int) -> tuple[Answer, list, int | None]:
    """Ask, log, and count the question; returns the answer, what to show, and its log row."""
    started = time.perf_counter()
    state = context.bot_data
    page = state.settings.answer_k
    answer = await ask(context, chat_id, question, page, more=state.settings.max_results)
    question_id = None
    if state.question_log is not None and answer.reason not in messages.SMALL_TALK \
            and answer.reason is not Reason.NOT_A_QUESTION:
        question_id = await asyncio.to_thread(state.question_log.record, answer.question, answered=answer.answered,
                                              reason=answer.reason.value)
    # counted before sending, so /stats right after the reply already includes it
    state.stats.record_question(answer.reason, time.perf_counter() - started)
    return answer, answer.hits, question_id


def _keyboard(context: Context, answer: Answer, shown: list, question_id: int | None):
    more = len(shown) if answer.more else None
    return context.bot_data.buttons.answer_keyboard(answer.question, shown, more, question_id=question_id,
                                                    lang=messages.reply_language(answer.question))


async def answer_question(update: Update, context: Context) -> None:
    """A text (or a photo's caption) addressed to the bot: quote the best sentences, or say why not.

    Greetings and thanks get a polite word in a private chat and silence in a group.
    """
    message = update.effective_message
    question = _question_of(update, context)
    answer, shown, question_id = await _answer(context, question, message.chat_id)
    if answer.reason in messages.SMALL_TALK and message.chat.type != ChatType.PRIVATE:
        return
    sent = await send(context, message.chat_id, fmt.answer_html(answer, shown), reply_to=message.message_id,
                      keyboard=_keyboard(context, answer, shown, question_id))
    context.bot_data.remember_reply(message.chat_id, message.message_id, sent)


async def edited_question(update: Update, context: Context) -> None:
    """An edited question: answered again, in the bot's earlier reply (edited) when it is known."""
    message = update.effective_message
    question = _question_of(update, context)
    answer, shown, question_id = await _answer(context, question, message.chat_id)
    html = fmt.answer_html(answer, shown)
    keyboard = _keyboard(context, answer, shown, question_id)
    earlier = context.bot_data.reply_to(message.chat_id, message.message_id)
    if earlier is not None and await edit(context, message.chat_id, earlier, html, keyboard=keyboard):
        return
    if answer.reason in messages.SMALL_TALK and message.chat.type != ChatType.PRIVATE:
        return
    sent = await send(context, message.chat_id, html, reply_to=message.message_id, keyboard=keyboard)
    context.bot_data.remember_reply(message.chat_id, message.message_id, sent)


async def not_text(update: Update, context: Context) -> None:
    """A sticker, voice note, video… in a private chat: one short line saying what the bot reads."""
    await reply(update, context, fmt.text_html("text_only"))


async def show_more(update: Update, context: Context) -> None:
    """"more results": the answer is edited in place to add the next, less relevant results.

    The question is read from the replied-to message, not from memory, so the
    button works after a restart; the key in the callback data checks it.
    """
    query = update.callback_query
    button = context.bot_data.buttons.parse(query.data)
    original = getattr(query.message, "reply_to_message", None)
    question = fmt.strip_mention(original.text or original.caption or "", context.bot.username) if original else ""
    if not isinstance(button, callbacks.MoreButton) or not question or \
            callbacks.question_key(question) != button.key:
        await query.answer(messages.text("stale_question"), show_alert=True)
        return
    state = context.bot_data
    page = state.settings.answer_k
    answer = await ask(context, original.chat_id, question, page, more=state.settings.max_results)
    lang = messages.reply_language(question)
    further = answer.more[:max(0, button.offset - len(answer.hits)) + page]
    if not answer.hits or not further:
        await query.answer(messages.text("no_more", lang), show_alert=False)
        with contextlib.suppress(BadRequest):  # the same markup: nothing to change
            await query.edit_message_reply_markup(reply_markup=state.buttons.answer_keyboard(
                question, answer.hits, None, lang=lang))
        return
    await query.answer()
    shown = len(answer.hits) + len(further)
    has_more = len(answer.more) > len(further)
    keyboard = state.buttons.answer_keyboard(question, answer.hits + further, shown if has_more else None, lang=lang)
    await edit(context, query.message.chat_id, query.message.message_id,
               fmt.answer_html(answer, answer.hits, more=further), keyboard=keyboard)


async def show_context(update: Update, context: Context) -> None:
    """"context" button: the sentences around a cited sentence, if its article is still indexed."""
    query = update.callback_query
    button = context.bot_data.buttons.parse(query.data)
    if not isinstance(button, callbacks.ContextButton):
        await stale_button(update, context)
        return
    records = await asyncio.to_thread(context.bot_data.searcher.context, button.sentence_id, 2)
    if not records:
        await query.answer(messages.text("stale_sentence"), show_alert=True)
        return
    await query.answer()
    await send(context, update.effective_chat.id, fmt.context_html(records, button.sentence_id),
               reply_to=query.message.message_id if query.message else None)


async def feedback(update: Update, context: Context) -> None:
    """👍 / 👎 under an answer: counted on the logged question (no user is recorded)."""
    query = update.callback_query
    button = context.bot_data.buttons.parse(query.data)
    log_ = context.bot_data.question_log
    if not isinstance(button, callbacks.FeedbackButton) or log_ is None:
        await stale_button(update, context)
        return
    await asyncio.to_thread(log_.feedback, button.question_id, button.helpful)
    await query.answer(messages.text("thanks_feedback"))


async def stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know, or whose signature does not hold."""
    await update.callback_query.answer(messages.text("unknown_button"), show_alert=True)


async def inline_answer(update: Update, context: Context) -> None:
    """``@bot question`` in any chat: the best quotes as results a reader can send, each with its citation."""
    query = update.inline_query
    question = " ".join(query.query.split())
    if not question:
        await query.answer([], cache_time=60)
        return
    answer = await ask(context, None, question, context.bot_data.settings.answer_k)
    lang = messages.reply_language(question)
    results = [InlineQueryResultArticle(
        id=uuid4().hex, title=hit.text if len(hit.text) <= 120 else hit.text[:119] + "…",
        description=f"{hit.title} — {hit.source}" if hit.source else hit.title,
        input_message_content=InputTextMessageContent(fmt.rtl(f"«{fmt.e(hit.text)}»\n{fmt.citation_html(hit, lang)}"),
                                                      parse_mode=ParseMode.HTML,
                                                      link_preview_options=LinkPreviewOptions(is_disabled=True)))
        for hit in answer.hits]
    await query.answer(results, cache_time=30)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure with its traceback and apologise to the user; the bot keeps running."""
    log.error("error while handling an update", exc_info=context.error)
    context.bot_data.stats.record_error()
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):  # e.g. the same outage that caused the error
            await send(context, update.effective_chat.id, fmt.text_html("error"))
