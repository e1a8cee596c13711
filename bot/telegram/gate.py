"""What reaches the handlers: messages meant for the bot, within each user's rate limit.

One limit per user counts everything they make the bot do (questions,
commands, button presses, inline queries): an outsider in a group once got 25
replies to 25 ``/sources``, and refused admin commands were not counted at
all. A user over the limit is told once, then ignored until the window frees
a slot, so the bot's own outgoing budget (30 messages a second) is not spent
on the user flooding it.
"""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, filters

from pasokh.bot import messages

from . import format as fmt
from .replies import send
from .state import Context


class AddressedToBot(filters.MessageFilter):
    """Every private message; in groups only mentions of the bot and replies to it."""

    def filter(self, message: Message) -> bool:
        """True if ``message`` is meant for the bot."""
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        return fmt.mentions(message.text or message.caption or "", bot.username)


_ADDRESSED = AddressedToBot()


def _counts(update: Update) -> bool:
    """Whether this update makes the bot do something for a user (and so counts against their limit)."""
    if update.effective_user is None or update.channel_post or update.edited_channel_post:
        return False
    if update.callback_query or update.inline_query:
        return True
    message = update.message or update.edited_message
    if message is None:
        return False
    is_command = bool(message.text and message.text.startswith("/"))
    return is_command or _ADDRESSED.filter(message)


async def enforce_rate_limit(update: Update, context: Context) -> None:
    """Runs before every handler: lets the update through, or answers once and stops it."""
    if not _counts(update):
        return
    state = context.bot_data
    decision = state.limiter.check(update.effective_user.id)
    if decision.allowed:
        return
    state.stats.record_rate_limited()
    if decision.notify:
        text = messages.rate_limited_text(state.settings.rate_limit, decision.retry_after)
        with contextlib.suppress(TelegramError):
            if update.callback_query:
                await update.callback_query.answer(text, show_alert=True)
            elif update.inline_query:
                await update.inline_query.answer([], cache_time=0)
            elif update.effective_message:
                await send(context, update.effective_message.chat_id, fmt.plain_html(text),
                           reply_to=update.effective_message.message_id)
    raise ApplicationHandlerStop
