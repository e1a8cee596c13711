"""Sending and editing the bot's replies: split to Telegram's size, quoted in groups, "typing…" when slow.

Shared by the readers' and the editors' handlers.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from pasokh.retrieval.search import Answer

from . import format as fmt
from .state import Context

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def ask(context: Context, chat_id: int | None, question: str, k: int, *, more: int = 0) -> Answer:
    """``searcher.ask`` in the search pool; "typing…" in ``chat_id`` once it takes longer than a glance."""
    state = context.bot_data
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(state.executor, lambda: state.searcher.ask(question, k, more=more))
    done, _ = await asyncio.wait({future}, timeout=state.settings.typing_delay)
    if not done and chat_id is not None:
        with contextlib.suppress(TelegramError):  # the indicator is cosmetic: never fail an answer for it
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    return await future


async def send(context: Context, chat_id: int, html_text: str, *, reply_to: int | None = None,
               keyboard=None) -> Message:
    """Send ``html_text`` in as many messages as it takes; the keyboard goes under the last, which is returned."""
    chunks = fmt.split_html(html_text)
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    sent = None
    for index, chunk in enumerate(chunks):
        sent = await context.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML,
                                              link_preview_options=_NO_PREVIEW, reply_parameters=reply,
                                              reply_markup=keyboard if index == len(chunks) - 1 else None)
    return sent


async def edit(context: Context, chat_id: int, message_id: int, html_text: str, *, keyboard=None) -> bool:
    """Replace a message of the bot's with ``html_text`` (cut to one message); False if Telegram refuses."""
    try:
        await context.bot.edit_message_text(fmt.split_html(html_text)[0], chat_id=chat_id, message_id=message_id,
                                            parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW,
                                            reply_markup=keyboard)
        return True
    except BadRequest as error:
        return "not modified" in str(error).lower()  # the same text again counts as done


async def reply(update: Update, context: Context, html_text: str, *, keyboard=None) -> Message:
    """Answer a command: quoted in groups (to say whom it answers), plain in private chats."""
    message = update.effective_message
    quote = message.message_id if message.chat.type != "private" else None
    return await send(context, message.chat_id, html_text, reply_to=quote, keyboard=keyboard)
