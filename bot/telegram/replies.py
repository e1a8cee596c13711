"""Sending the bot's replies: split to Telegram's size, quoted in groups, "typing…" when slow.

Shared by the readers' and the editors' handlers.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

from pasokh.retrieval.search import Answer

from . import format as fmt
from .state import Context

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def ask(context: Context, chat_id: int, question: str, k: int) -> Answer:
    """``searcher.ask`` in the search pool; "typing…" once it takes longer than a glance."""
    state = context.bot_data
    future = asyncio.get_running_loop().run_in_executor(state.executor, state.searcher.ask, question, k)
    done, _ = await asyncio.wait({future}, timeout=state.settings.typing_delay)
    if not done:
        with contextlib.suppress(TelegramError):  # the indicator is cosmetic: never fail an answer for it
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    return await future


async def send(context: Context, chat_id: int, html_text: str, *, reply_to: int | None = None,
               keyboard=None) -> None:
    """Send ``html_text`` in as many messages as it takes; the keyboard goes under the last."""
    chunks = fmt.split_html(html_text)
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    for index, chunk in enumerate(chunks):
        await context.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW,
                                       reply_parameters=reply,
                                       reply_markup=keyboard if index == len(chunks) - 1 else None)


async def reply(update: Update, context: Context, html_text: str) -> None:
    """Answer a command: quoted in groups (to say whom it answers), plain in private chats."""
    message = update.effective_message
    quote = message.message_id if message.chat.type != "private" else None
    await send(context, message.chat_id, html_text, reply_to=quote)
