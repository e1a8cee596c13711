"""Driving the real bot against the Bot API stand-in: start it, wait for its replies, check its HTML."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from pasokh.bot.settings import Settings
from pasokh.bot.telegram import format as fmt
from pasokh.bot.telegram.app import ALLOWED_UPDATES, build_application

from .botapi_standin import BotApiStandIn, Call

ADMIN = 777
GROUP = -500
SCENARIO_TIMEOUT = 10.0  # hard cap per test scenario


def run(coro: Awaitable[Any], timeout: float = SCENARIO_TIMEOUT) -> Any:
    """Run a scenario on a fresh loop with a hard time limit."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def settings_for(api: BotApiStandIn, data_dir: Path, **bot_overrides: Any) -> Settings:
    """The settings as `pasokh bot` would read them, pointed at the stand-in and ``data_dir``."""
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
    settings = Settings.from_env(env, env_file=False, data_dir=data_dir)
    bot = settings.bot.with_overrides(**{"admin_ids": frozenset({ADMIN}), "typing_delay": 0.0,
                                         "retry_backoff": 0.05, **bot_overrides})
    return settings.with_overrides(bot=bot)


@contextlib.asynccontextmanager
async def running_bot(api: BotApiStandIn, data_dir: Path, encoder, **overrides: Any) -> AsyncIterator:
    """A fresh Application on ``data_dir``, polling, with the same start-up and shutdown as run_polling."""
    app = build_application(settings_for(api, data_dir, **overrides), encoder)
    await app.initialize()
    try:
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        await app.post_shutdown(app)


def sent_to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.method == "sendMessage" and call.params["chat_id"] == chat_id


async def reply_in(api: BotApiStandIn, chat_id: int, *, since: int = 0, timeout: float = 10.0) -> Call:
    """The next message the bot sends to ``chat_id`` (after call number ``since``)."""
    return await api.wait_for_async(sent_to(chat_id), timeout=timeout, since=since)


async def count_in(api: BotApiStandIn, chat_id: int, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(api.sent_messages(chat_id)) < count:
        assert time.monotonic() < deadline, f"{count} messages to {chat_id} expected"
        await asyncio.sleep(0.02)


def replied_text(api: BotApiStandIn, call: Call) -> str:
    """Text of the message a sendMessage call replied to."""
    message = api.message(call.params["chat_id"], call.params["reply_parameters"]["message_id"])
    assert message is not None
    return message["text"]


_ALLOWED_TAG = re.compile(r'<(/?)(b|i|a)(?: href="[^"<>]*")?>')


def assert_telegram_html(text: str) -> None:
    """Well-formed Telegram HTML of the kinds the bot writes, and short enough to send."""
    assert fmt.units(text) <= fmt.MAX_MESSAGE_CHARS
    stack = []
    for tag in _ALLOWED_TAG.finditer(text):
        if tag.group(1):
            assert stack and stack.pop() == tag.group(2), text
        else:
            stack.append(tag.group(2))
    assert not stack, text
    rest = _ALLOWED_TAG.sub("", text)
    assert "<" not in rest and ">" not in rest, rest
    assert not re.search(r"&(?!(?:amp|lt|gt|quot|#x?[0-9a-f]+);)", rest), rest


def current_texts(api: BotApiStandIn, chat_id: int) -> list[str]:
    """The texts of the bot's messages in ``chat_id`` as they read now (after edits), oldest first."""
    return [(api.message(chat_id, m["message_id"]) or m).get("text", "") for m in api.sent_messages(chat_id)]


async def wait_for_text(api: BotApiStandIn, chat_id: int, needle: str, timeout: float = 90.0) -> str:
    """The first of the bot's messages in ``chat_id`` that reads ``needle`` (now, after edits)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [t for t in current_texts(api, chat_id) if needle in t]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no message with {needle!r} in chat {chat_id}"
        await asyncio.sleep(0.1)
