"""Prove the Bot API stand-in works with the real python-telegram-bot Application.

Each test runs PTB's real ``Application`` (real httpx client, real polling
``Updater``) against :class:`BotApiStandIn` on 127.0.0.1. Every wait is
bounded so a bug fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import urllib.error
import urllib.request
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.helpers.botapi_standin import BotApiStandIn, Call, UploadedFile, loopback_only
from tests.helpers.telegram import run

CHAT = 1001
USER = 1001


def build_app(api: BotApiStandIn, token: str | None = None) -> Application:
    """The real PTB Application, pointed at the stand-in."""
    return (
        Application.builder()
        .token(token or api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Initialise, start and poll; always stop and shut down afterwards."""
    async with app:  # initialize() ... shutdown()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


def test_echo_handler_replies(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with polling(app):
            standin.push_text(CHAT, USER, "سلام دنیا")
            call = await standin.wait_for_async("sendMessage", timeout=5)
            assert call.params["chat_id"] == CHAT
            assert call.params["text"] == "echo: سلام دنیا"

    run(scenario())
    sent = standin.sent_messages(CHAT)
    assert [m["text"] for m in sent] == ["echo: سلام دنیا"]
    # The user's message was id 1 in this chat; the bot's reply is the next id.
    assert sent[0]["message_id"] == 2
    assert sent[0]["from"]["username"] == "pasokh_test_bot"
    methods = [c.method for c in standin.calls]
    assert methods[0] == "getMe"
    assert "deleteWebhook" in methods
    # PTB confirmed the update on shutdown, so nothing is left queued.
    assert standin.pending_updates() == []


def test_command_handler_with_args_and_group_mention(standin: BotApiStandIn) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("args=" + "|".join(context.args or []))

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(CommandHandler("ask", ask))
        async with polling(app):
            standin.push_command(CHAT, USER, "ask", "چه خبر؟")
            first = await standin.wait_for_async("sendMessage", timeout=5)
            # In groups, clients append @botname; PTB must match it via getMe's username.
            standin.push_command(-500, USER, "/ask", "x y", chat_type="group", mention_bot=True)
            second = await standin.wait_for_async(
                lambda c: c.method == "sendMessage" and c.params["chat_id"] == -500, timeout=5
            )
        assert first.params["text"] == "args=چه|خبر؟"
        assert second.params["text"] == "args=x|y"

    run(scenario())
    assert standin.sent_messages(-500)[0]["chat"]["type"] == "group"


def test_callback_query_answered_and_message_edited(standin: BotApiStandIn) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("بیشتر", callback_data="more:1")]])

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("پاسخ", reply_markup=keyboard)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer("ok")
        await query.edit_message_text(f"clicked {query.data}")

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(button))
        async with polling(app):
            standin.push_command(CHAT, USER, "start")
            await standin.wait_for_async("sendMessage", timeout=5)
            bot_msg = standin.sent_messages(CHAT)[-1]
            # reply_markup is echoed back, so PTB parsed it into the Message.
            assert bot_msg["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more:1"
            standin.push_callback(CHAT, USER, "more:1", bot_msg["message_id"])
            answer = await standin.wait_for_async("answerCallbackQuery", timeout=5)
            await standin.wait_for_async("editMessageText", timeout=5)
        assert answer.params["text"] == "ok"
        return bot_msg["message_id"]

    message_id = run(scenario())
    edited = standin.message(CHAT, message_id)
    assert edited is not None
    assert edited["text"] == "clicked more:1"
    assert "reply_markup" not in edited  # editMessageText without markup drops it
    assert not standin.failed_calls


def test_document_downloaded_through_get_file(standin: BotApiStandIn) -> None:
    payload = bytes(range(256)) + b"\r\n--not-a-boundary\r\n" + "متن".encode()
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        tg_file = await message.document.get_file()
        received.append(bytes(await tg_file.download_as_bytearray()))
        # Send it back so the multipart upload path is exercised too.
        await message.reply_document(
            document=bytes(received[-1]), filename="back.bin", caption=message.caption
        )

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(MessageHandler(filters.Document.ALL, on_document))
        async with polling(app):
            standin.push_document(CHAT, USER, "article.txt", payload, caption="بخوان")
            return await standin.wait_for_async("sendDocument", timeout=5)

    call: Call = run(scenario())
    assert received == [payload]
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.file_name == "back.bin" and upload.content == payload
    assert call.params["caption"] == "بخوان"
    sent_doc = standin.sent_messages(CHAT)[-1]["document"]
    assert standin.file_content(sent_doc["file_id"]) == payload
    assert standin.calls_to("getFile")[0].params["file_id"].startswith("standin-file-")


def test_wrong_token_is_rejected(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin, token="999:wrong-token")
        with pytest.raises(InvalidToken, match="rejected by the server") as err:
            await app.initialize()  # getMe
        # PTB wraps the server's 401 "Unauthorized" answer.
        assert "Unauthorized" in str(err.value.__cause__)
        await app.shutdown()

    run(scenario())
    assert standin.unauthorized_methods == ["getMe"]
    assert standin.calls == []
    # File downloads check the token as well.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{standin.base_file_url}999:wrong/x", timeout=2)
    assert err.value.code == 401
    err.value.close()  # an HTTPError holds the open response


def test_server_error_then_recovery(standin: BotApiStandIn) -> None:
    errors: list[BaseException] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(MessageHandler(filters.TEXT, echo))
        app.add_error_handler(on_error)
        async with polling(app):
            standin.fail_next("sendMessage", 500)
            standin.push_text(CHAT, USER, "first")
            failed = await standin.wait_for_async("sendMessage", timeout=5, include_failed=True)
            assert failed.params["text"] == "echo: first"
            for _ in range(200):  # the error handler runs right after the failed call
                if errors:
                    break
                await asyncio.sleep(0.01)
            standin.push_text(CHAT, USER, "second")
            await standin.wait_for_async("sendMessage", timeout=5)

    run(scenario())
    assert len(errors) == 1
    assert isinstance(errors[0], NetworkError)
    assert "Internal Server Error" in str(errors[0])
    assert [m["text"] for m in standin.sent_messages(CHAT)] == ["echo: second"]
    assert [c.params["text"] for c in standin.failed_calls] == ["echo: first"]


def test_flood_limit_surfaces_as_retry_after(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin)
        async with app:
            standin.fail_next("sendMessage", 429, retry_after=1)
            with pytest.raises(RetryAfter) as err, warnings.catch_warnings():
                # PTB 22 warns that int retry_after is becoming a timedelta.
                warnings.simplefilter("ignore")
                await app.bot.send_message(CHAT, "too fast")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                retry_after = err.value.retry_after
            seconds = retry_after if isinstance(retry_after, int) else retry_after.total_seconds()
            assert seconds == 1
            message = await app.bot.send_message(CHAT, "later")
            assert message.text == "later"

    run(scenario())
    assert [m["text"] for m in standin.sent_messages()] == ["later"]


def test_commands_webhook_and_misc_methods(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin)
        async with app:
            bot = app.bot
            assert bot.username == "pasokh_test_bot"
            await bot.set_my_commands([("ask", "پرسش"), ("help", "راهنما")])
            assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]
            await bot.delete_my_commands()
            assert await bot.get_my_commands() == ()
            await bot.set_webhook("https://example.invalid/hook")
            info = await bot.get_webhook_info()
            assert info.url == "https://example.invalid/hook"
            await bot.delete_webhook()
            assert (await bot.get_webhook_info()).url == ""
            assert await bot.send_chat_action(CHAT, "typing") is True
            sent = await bot.send_message(CHAT, "a")
            assert sent.message_id == 1
            assert (await bot.send_message(CHAT, "b")).message_id == 2
            edited = await bot.edit_message_reply_markup(
                CHAT,
                sent.message_id,
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]]),
            )
            assert edited.reply_markup is not None
            # Unknown methods are recorded and answered with true.
            assert await bot.do_api_request("pasokhCustomMethod", {"description": "d"}) is True
            assert await bot.close() is True

    run(scenario())
    assert standin.calls_to("pasokhCustomMethod")[0].params == {"description": "d"}


def test_json_and_form_bodies_and_api_errors(standin: BotApiStandIn) -> None:
    """Other clients (and raw requests) may post JSON; errors follow the API shape."""

    def post(method: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{standin.base_url}{standin.token}/{method}",
            data=body,
            headers={"Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            with err:
                return err.code, json.loads(err.read())

    status, body = post(
        "sendMessage",
        json.dumps({"chat_id": CHAT, "text": "123", "reply_markup": {"inline_keyboard": []}}).encode(),
        "application/json",
    )
    assert status == 200 and body["result"]["text"] == "123"  # text stays a string
    status, body = post("sendMessage", b"chat_id=1001&text=", "application/x-www-form-urlencoded")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = post("answerCallbackQuery", b"callback_query_id=42", "application/x-www-form-urlencoded")
    assert status == 400 and body["ok"] is False
    standin.fail_next("getMe", 429, retry_after=7)
    status, body = post("getMe", b"", "application/json")
    assert status == 429 and body["parameters"] == {"retry_after": 7}
    with pytest.raises(TimeoutError, match="getMe"):
        standin.wait_for(lambda c: c.method == "neverCalled", timeout=0.2)


def test_long_poll_is_bounded_and_close_releases_port() -> None:
    with loopback_only():
        api = BotApiStandIn(max_long_poll=0.5)
        port = api.port
        url = f"{api.base_url}{api.token}/getUpdates"
        # A long poll with nothing queued returns an empty list after the cap.
        with urllib.request.urlopen(
            urllib.request.Request(url, data=b"timeout=30"), timeout=3
        ) as response:
            assert json.loads(response.read()) == {"ok": True, "result": []}

        # A poll blocked in the server is woken by close().
        result: list[Any] = []

        def blocked_poll() -> None:
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(url, data=b"timeout=30"), timeout=3
                ) as response:
                    result.append(json.loads(response.read()))
            except OSError as err:  # connection dropped is fine too
                result.append(err)

        api.max_long_poll = 30.0
        thread = threading.Thread(target=blocked_poll)
        thread.start()
        api.wait_for("getUpdates", timeout=2, since=1)
        api.close()
        thread.join(timeout=3)
        assert not thread.is_alive()
        assert api.closed

        # The port is free again.
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
        api.close()  # idempotent


def test_loopback_guard_refuses_the_internet() -> None:
    with loopback_only(), pytest.raises(OSError, match="loopback_only"):
        socket.create_connection(("api.telegram.org", 443), timeout=1)
