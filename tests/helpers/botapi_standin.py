"""An in-process stand-in for the Telegram Bot API, for tests.

The real ``telegram.ext.Application`` (python-telegram-bot v22) talks to this
server through its real HTTP client, because the tests point ``base_url`` and
``base_file_url`` at it::

    with BotApiStandIn() as api:
        app = (
            Application.builder()
            .token(api.token)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        api.push_text(chat_id=1, user_id=1, text="salam")
        ...
        call = await api.wait_for_async("sendMessage")

The server only ever binds to 127.0.0.1 and never makes outgoing connections.
It runs on the standard library's ``ThreadingHTTPServer`` in a background
thread, so it works the same from plain tests, fixtures and ``asyncio.run``.

Fidelity notes (where it deliberately copies the real API, so bot code meets
the same errors in tests as in production):

* wrong token -> 401 ``Unauthorized``; unknown path -> 404 ``Not Found``;
* ``sendMessage`` with empty text / more than 4096 characters -> 400;
* editing a message with identical content -> 400 ``message is not modified``;
* ``answerCallbackQuery`` for an unknown query id -> 400;
* ``getUpdates`` while a webhook is set -> 409 ``Conflict``;
* only inline keyboards are echoed in ``Message.reply_markup`` (as Telegram
  does; reply keyboards are still visible in :attr:`BotApiStandIn.calls`).

Unknown methods are answered with ``true`` and recorded, so bot code that
calls, e.g., ``deleteMessage`` or ``setMyDescription`` keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.message
import email.parser
import ipaddress
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiStandIn",
    "Call",
    "UploadedFile",
    "loopback_only",
]

#: Token the stand-in accepts unless told otherwise. Its numeric prefix is the
#: bot's user id, as with real tokens.
DEFAULT_TOKEN = "123456789:AAH-pasokh-standin-token"

#: Maximum message text length accepted by ``sendMessage`` (as Telegram).
MAX_MESSAGE_LENGTH = 4096

# Form-encoded and multipart parameters arrive as strings; PTB JSON-encodes
# every non-string value (ints, bools, dicts, lists). Free-text parameters must
# stay strings even when they look like JSON (a message text "123" is not an
# int), so they are excluded from JSON decoding.
_STRING_PARAMS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_title",
        "description",
        "emoji",
        "error_message",
        "explanation",
        "file_id",
        "first_name",
        "game_short_name",
        "inline_message_id",
        "invite_link",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "query",
        "question",
        "secret_token",
        "short_description",
        "text",
        "title",
        "url",
        "username",
    }
)


class Call(NamedTuple):
    """One Bot API request the bot made: ``(method, params)``."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (e.g. ``sendDocument``'s ``document``)."""

    file_name: str
    content: bytes
    mime_type: str | None = None


@dataclass
class _Record:
    """Internal: a recorded call plus the HTTP status it was answered with."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass
class _StoredFile:
    """Internal: a file reachable through ``getFile`` and the file URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


class _ApiError(Exception):
    """Internal: turns into an ``{"ok": false, ...}`` response."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_value(name: str, value: str) -> Any:
    """Undo PTB's JSON encoding of a non-string form value."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        # Plain strings such as "@channel" or "typing" are not JSON.
        return value


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Parse a ``multipart/form-data`` body byte-exactly.

    The stdlib ``cgi`` module is deprecated and ``email`` may alter line
    endings of binary payloads, so parts are split on the boundary by hand and
    only the (small, textual) part headers go through ``email``.
    """
    ctype = email.message.Message()
    ctype["content-type"] = content_type
    boundary = ctype.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise _ApiError(400, "Bad Request: multipart body without boundary")
    params: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):  # closing delimiter
            break
        # Each part is framed by the CRLF after the delimiter line and the
        # CRLF that belongs to the next delimiter; strip exactly those.
        if part.startswith(b"\r\n"):
            part = part[2:]
        if part.endswith(b"\r\n"):
            part = part[:-2]
        head, _, content = part.partition(b"\r\n\r\n")
        headers = email.parser.Parser().parsestr(
            head.decode("utf-8", "replace"), headersonly=True
        )
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = headers.get_filename()
        if filename is not None:
            params[name] = UploadedFile(
                file_name=filename,
                content=content,
                mime_type=headers.get_content_type() if headers["content-type"] else None,
            )
        else:
            params[name] = _decode_value(name, content.decode("utf-8", "replace"))
    return params


def _as_int(value: Any) -> Any:
    """Chat and message ids may arrive as numeric strings (e.g. JSON bodies)."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return value


class _Handler(BaseHTTPRequestHandler):
    """HTTP front end: routing, body parsing and JSON responses."""

    # HTTP/1.0 closes each connection after its response, so no idle
    # keep-alive threads linger and close() can release everything promptly.
    protocol_version = "HTTP/1.0"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence per-request logging; tests inspect ``calls`` instead."""

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        """Serve file downloads and (rarely used) GET-style method calls."""
        self._handle()

    def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
        """Serve Bot API method calls."""
        self._handle()

    def _handle(self) -> None:
        standin = self.server.standin
        url = urlsplit(self.path)
        path = unquote(url.path)
        try:
            if path.startswith("/file/bot"):
                token, _, file_path = path[len("/file/bot") :].partition("/")
                status, content = standin._download(token, file_path)
                self._send(status, content, "application/octet-stream")
                return
            if not path.startswith("/bot"):
                raise _ApiError(404, "Not Found")
            token, _, method = path[len("/bot") :].partition("/")
            if not method or "/" in method:
                raise _ApiError(404, "Not Found")
            if token != standin.token:
                standin._note_unauthorized(method)
                raise _ApiError(401, "Unauthorized")
            params = {k: _decode_value(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True)}
            params.update(self._read_params())
            status, payload = standin._dispatch(method, params)
        except _ApiError as err:
            status, payload = err.status, err.payload()
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_params(self) -> dict[str, Any]:
        body = self._read_body()
        if not body:
            return {}
        content_type = self.headers.get("Content-Type", "")
        media_type = content_type.split(";")[0].strip().lower()
        if media_type == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise _ApiError(400, "Bad Request: can't parse JSON") from None
            if not isinstance(data, dict):
                raise _ApiError(400, "Bad Request: JSON body must be an object")
            return data
        if media_type == "multipart/form-data":
            return _parse_multipart(body, content_type)
        # application/x-www-form-urlencoded (PTB's default) and anything else.
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: _decode_value(k, v) for k, v in pairs}

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. PTB cancelled a long poll on stop).
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck handler must never keep the test process alive
    request_queue_size = 128  # bursts of 20+ clients must not be dropped by the kernel backlog
    standin: BotApiStandIn


class BotApiStandIn:
    """A fake Telegram Bot API server on ``127.0.0.1`` for PTB tests.

    The server starts in the constructor and stops in :meth:`close` (or on
    leaving a ``with`` block). All public methods are thread-safe.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "pasokh_test_bot",
        bot_first_name: str = "Pasokh Test",
        max_long_poll: float = 1.0,
    ) -> None:
        """Start the server on a free loopback port.

        Args:
            token: the only token accepted; others get 401 Unauthorized.
            bot_username: ``username`` returned by ``getMe``.
            bot_first_name: ``first_name`` returned by ``getMe``.
            max_long_poll: cap in seconds on how long ``getUpdates`` blocks,
                whatever ``timeout`` the bot asks for, so tests stay fast.
        """
        self.token = token
        self.max_long_poll = max_long_poll
        prefix = token.split(":", 1)[0]
        self._bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._cond = threading.Condition(threading.RLock())
        self._closed = False
        self._records: list[_Record] = []
        self._unauthorized: list[str] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._sent: list[dict[str, Any]] = []
        self._callbacks: set[str] = set()
        self._inline_queries: set[str] = set()
        self.omit_file_sizes = False  # getFile answers without file_size (Telegram may), and documents too
        self._files: dict[str, _StoredFile] = {}
        self._failures: dict[str, deque[_ApiError]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._webhook_url = ""

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown()
            name=f"BotApiStandIn:{self.port}",
            daemon=True,
        )
        self._thread.start()

    # ------------------------------------------------------------------ life

    def __enter__(self) -> BotApiStandIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving, wake blocked ``getUpdates`` calls and free the port.

        Idempotent.
        """
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's ``User`` object (as returned by ``getMe``, minus flags)."""
        return dict(self._bot_user)

    # ------------------------------------------------------- queue updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update dict; assigns ``update_id`` if missing. Returns it."""
        with self._cond:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            # Keep the counter ahead of explicit ids so later pushes stay ordered.
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            self._updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def push_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        reply_to_bot: bool = False,
        entities: list[dict[str, Any]] | None = None,
        username: str = "user",
    ) -> int:
        """Queue a text message from a user; returns its ``update_id``.

        ``reply_to_bot`` makes it a reply to the bot's latest message in the
        chat (a placeholder bot message is created if there is none).
        """
        with self._cond:
            message = self._user_message(chat_id, user_id, chat_type, username)
            message["text"] = text
            if entities:
                message["entities"] = copy.deepcopy(entities)
            if reply_to_bot:
                message["reply_to_message"] = self._latest_bot_message(chat_id)
            self._store(message)
            return self.push_update({"message": message})

    def push_command(
        self,
        chat_id: int,
        user_id: int,
        command: str,
        args: str = "",
        *,
        chat_type: str = "private",
        mention_bot: bool = False,
        username: str = "user",
    ) -> int:
        """Queue ``/command [args]`` with a ``bot_command`` entity; returns ``update_id``.

        ``mention_bot`` writes ``/command@<bot_username>``, as clients do in groups.
        """
        head = "/" + command.lstrip("/")
        if mention_bot:
            head += "@" + self._bot_user["username"]
        text = f"{head} {args}" if args else head
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(head)}
        return self.push_text(
            chat_id, user_id, text, chat_type=chat_type, entities=[entity], username=username
        )

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int,
        *,
        chat_type: str = "private",
        username: str = "user",
    ) -> int:
        """Queue a button press on bot message ``message_id``; returns ``update_id``.

        The callback query's id is remembered so ``answerCallbackQuery`` succeeds.
        """
        with self._cond:
            self._ensure_chat(chat_id, user_id, chat_type, username)
            message = self._messages.get((chat_id, message_id))
            if message is None:
                # The bot may be restarted between sending and the press; the
                # real API still delivers the (stale) message.
                message = self._new_message(chat_id, self._bot_user, message_id=message_id)
                message["text"] = "(earlier bot message)"
                self._store(message)
            query_id = str(next(self._callback_ids))
            self._callbacks.add(query_id)
            return self.push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id, username),
                        "chat_instance": f"ci-{chat_id}",
                        "data": data,
                        "message": copy.deepcopy(message),
                    }
                }
            )

    def push_document(
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        content: bytes,
        caption: str | None = None,
        *,
        mime_type: str = "application/octet-stream",
        chat_type: str = "private",
        username: str = "user",
    ) -> int:
        """Queue a document message; ``getFile`` + download then serve ``content``.

        Returns the ``update_id``.
        """
        with self._cond:
            stored = self._register_file(content, file_name, "documents")
            message = self._user_message(chat_id, user_id, chat_type, username)
            message["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
            }
            if not self.omit_file_sizes:
                message["document"]["file_size"] = len(content)
            if caption is not None:
                message["caption"] = caption
            self._store(message)
            return self.push_update({"message": message})

    def push_edit(self, chat_id: int, message_id: int, text: str) -> int:
        """Queue an ``edited_message``: the user's message ``message_id`` now reads ``text``."""
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise KeyError((chat_id, message_id))
            message = copy.deepcopy(message)
            message["text"] = text
            message["edit_date"] = int(time.time())
            self._store(message)
            return self.push_update({"edited_message": message})

    def push_media(self, chat_id: int, user_id: int, kind: str, *, caption: str | None = None,
                   chat_type: str = "private", username: str = "user") -> int:
        """Queue a photo, sticker, voice note… (``kind`` as in the Bot API) with an optional caption."""
        samples: dict[str, Any] = {
            "photo": [{"file_id": "ph1", "file_unique_id": "ph1u", "width": 90, "height": 90}],
            "sticker": {"file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512,
                        "height": 512, "is_animated": False, "is_video": False},
            "voice": {"file_id": "vo1", "file_unique_id": "vo1u", "duration": 3},
            "video": {"file_id": "vi1", "file_unique_id": "vi1u", "width": 320, "height": 240, "duration": 2},
        }
        with self._cond:
            message = self._user_message(chat_id, user_id, chat_type, username)
            message[kind] = copy.deepcopy(samples[kind])
            if caption is not None:
                message["caption"] = caption
            self._store(message)
            return self.push_update({"message": message})

    def push_inline_query(self, user_id: int, query: str, *, username: str = "user") -> tuple[int, str]:
        """Queue ``@bot query`` typed in some chat; returns ``(update_id, inline query id)``."""
        with self._cond:
            query_id = f"iq{next(self._callback_ids)}"
            self._inline_queries.add(query_id)
            update = {"inline_query": {"id": query_id, "from": self._user(user_id, username), "query": query,
                                       "offset": ""}}
            return self.push_update(update), query_id

    def push_channel_post(self, chat_id: int, text: str | None = None, *, username: str | None = None,
                          title: str = "Test channel", caption: str | None = None, media: str | None = None,
                          media_group_id: str | None = None, forward_from: dict[str, Any] | None = None,
                          message_id: int | None = None, edited: bool = False) -> dict[str, Any]:
        """Queue a ``channel_post`` (or ``edited_channel_post`` with ``edited`` and the same ``message_id``).

        ``forward_from`` is the ``forward_origin`` of a post forwarded from another channel.
        Returns the post as sent.
        """
        with self._cond:
            chat = {"id": chat_id, "type": "channel", "title": title}
            if username:
                chat["username"] = username
            self._chats[chat_id] = chat
            if edited and message_id is not None:
                post = copy.deepcopy(self._messages[(chat_id, message_id)])
                post["edit_date"] = int(time.time())
            else:
                post = self._new_message(chat_id, self._bot_user, message_id=message_id)
                post.pop("from", None)
                post["sender_chat"] = dict(chat)
            for key in ("text", "caption", "photo"):
                post.pop(key, None)
            if text is not None:
                post["text"] = text
            if caption is not None:
                post["caption"] = caption
            if media == "photo":
                post["photo"] = [{"file_id": "cp1", "file_unique_id": "cp1u", "width": 90, "height": 90}]
            if media_group_id:
                post["media_group_id"] = media_group_id
            if forward_from:
                post["forward_origin"] = copy.deepcopy(forward_from)
            self._store(post)
            self.push_update({"edited_channel_post" if edited else "channel_post": post})
            return copy.deepcopy(post)

    def inline_answers(self, query_id: str) -> list[dict[str, Any]] | None:
        """What the bot answered to inline query ``query_id`` (None before it answers)."""
        for call in self.calls_to("answerInlineQuery"):
            if str(call.params.get("inline_query_id")) == query_id:
                return call.params.get("results") or []
        return None

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by a ``getUpdates`` offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    # ------------------------------------------------------------- inspect

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every authorised request, in order (incl. ``getUpdates``
        and calls answered with an injected failure)."""
        with self._cond:
            return [Call(r.method, copy.deepcopy(r.params)) for r in self._records]

    @property
    def failed_calls(self) -> list[Call]:
        """Snapshot of the calls answered with an error status (injected or not)."""
        with self._cond:
            return [
                Call(r.method, copy.deepcopy(r.params)) for r in self._records if r.status != 200
            ]

    @property
    def unauthorized_methods(self) -> list[str]:
        """Methods requested with a wrong token (answered 401, not in :attr:`calls`)."""
        with self._cond:
            return list(self._unauthorized)

    def calls_to(self, method: str) -> list[Call]:
        """Snapshot of the calls of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (``sendMessage``/``sendDocument``), as returned to it.

        Edits are not reflected here; see :meth:`message` for the current state.
        """
        with self._cond:
            return [
                copy.deepcopy(m)
                for m in self._sent
                if chat_id is None or m["chat"]["id"] == chat_id
            ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state of a message (after edits), or ``None``."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    def file_content(self, file_id: str) -> bytes:
        """Bytes of a pushed or bot-uploaded file. Raises ``KeyError`` if unknown."""
        with self._cond:
            return self._files[file_id].content

    def bot_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands last set with ``setMyCommands`` for a scope/language."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def webhook_url(self) -> str:
        """URL set via ``setWebhook`` (empty when polling)."""
        return self._webhook_url

    def wait_for(
        self,
        predicate_or_method: str | Callable[[Call], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
        include_failed: bool = False,
    ) -> Call:
        """Block until a matching call is recorded and return it.

        Args:
            predicate_or_method: a method name (case-insensitive) or a
                predicate on :class:`Call`.
            timeout: seconds to wait before raising ``TimeoutError`` (whose
                message summarises the calls so far).
            since: only consider calls at index >= ``since`` (pass
                ``len(api.calls)`` taken earlier to ignore older calls).
            include_failed: also match calls answered with an error.

        Do not call this on the event loop that runs the bot: it would block
        the bot. Use :meth:`wait_for_async` there.
        """
        match = self._matcher(predicate_or_method, include_failed)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for record in self._records[since:]:
                    if match(record):
                        return Call(record.method, copy.deepcopy(record.params))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(predicate_or_method, timeout))
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        predicate_or_method: str | Callable[[Call], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
        include_failed: bool = False,
    ) -> Call:
        """Like :meth:`wait_for`, but yields to the event loop while waiting."""
        match = self._matcher(predicate_or_method, include_failed)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                for record in self._records[since:]:
                    if match(record):
                        return Call(record.method, copy.deepcopy(record.params))
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(predicate_or_method, timeout))
            # Polling keeps this cancellable and leaves no helper threads behind.
            await asyncio.sleep(0.01)

    # ----------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        status: int = 500,
        retry_after: int = 1,
        times: int = 1,
        *,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error.

        ``status=429`` sends ``parameters.retry_after`` (PTB raises
        ``RetryAfter``); 500 sends ``Internal Server Error`` (PTB raises
        ``NetworkError``); any other status is sent with its standard phrase
        or ``description``. Failures queue up across calls of this method.
        """
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif status == 400:
                description = "Bad Request"
            else:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = f"Error {status}"
        error = _ApiError(status, description, retry_after if status == 429 else None)
        with self._cond:
            self._failures.setdefault(method.lower(), deque()).extend([error] * times)

    # ------------------------------------------------------------ internals

    def _matcher(
        self, predicate_or_method: str | Callable[[Call], bool], include_failed: bool
    ) -> Callable[[_Record], bool]:
        if isinstance(predicate_or_method, str):
            wanted = predicate_or_method.lower()

            def check(call: Call) -> bool:
                return call.method.lower() == wanted

        else:
            check = predicate_or_method

        def match(record: _Record) -> bool:
            if record.status != 200 and not include_failed:
                return False
            return bool(check(Call(record.method, copy.deepcopy(record.params))))

        return match

    def _timeout_message(self, what: object, timeout: float) -> str:
        with self._cond:
            parts: list[str] = []
            polls = 0
            for r in self._records:
                if r.method == "getUpdates" and r.status == 200:
                    polls += 1  # collapse the polling noise
                    continue
                shown = {k: v for k, v in r.params.items() if k in ("chat_id", "text", "data")}
                status = "" if r.status == 200 else f" -> {r.status}"
                parts.append(f"{r.method}({shown}){status}")
        desc = what if isinstance(what, str) else getattr(what, "__name__", repr(what))
        return (
            f"no call matching {desc!r} within {timeout}s; "
            f"{polls} getUpdates and these other calls so far: {parts}"
        )

    def _note_unauthorized(self, method: str) -> None:
        with self._cond:
            self._unauthorized.append(method)

    def _user(self, user_id: int, username: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
            "username": username,
            "language_code": "fa",
        }

    def _ensure_chat(
        self, chat_id: int, user_id: int, chat_type: str, username: str
    ) -> dict[str, Any]:
        if chat_type == "private":
            chat = {
                "id": chat_id,
                "type": "private",
                "first_name": f"User {user_id}",
                "username": username,
            }
        elif chat_type in ("group", "supergroup"):
            chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self._chats[chat_id] = chat
        return chat

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id in self._chats:
            return dict(self._chats[chat_id])
        # Be lenient about chats no update mentioned: guess from the id sign
        # like Telegram's numbering (users > 0, groups < 0).
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        raise _ApiError(400, "Bad Request: chat not found")

    def _new_message(
        self, chat_id: int, sender: dict[str, Any], *, message_id: int | None = None
    ) -> dict[str, Any]:
        # Message ids are per chat and shared by both sides, as in private chats.
        if message_id is None:
            message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), message_id + 1)
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": dict(sender),
        }

    def _user_message(
        self, chat_id: int, user_id: int, chat_type: str, username: str
    ) -> dict[str, Any]:
        self._ensure_chat(chat_id, user_id, chat_type, username)
        return self._new_message(chat_id, self._user(user_id, username))

    def _store(self, message: dict[str, Any]) -> None:
        self._messages[(message["chat"]["id"], message["message_id"])] = copy.deepcopy(message)

    def _latest_bot_message(self, chat_id: int) -> dict[str, Any]:
        for m in reversed(self._sent):
            if m["chat"]["id"] == chat_id:
                current = self._messages.get((chat_id, m["message_id"]), m)
                return self._without_reply(current)
        placeholder = self._new_message(chat_id, self._bot_user)
        placeholder["text"] = "(earlier bot message)"
        self._store(placeholder)
        return copy.deepcopy(placeholder)

    @staticmethod
    def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
        # Telegram does not nest reply_to_message more than one level deep.
        out = copy.deepcopy(message)
        out.pop("reply_to_message", None)
        return out

    def _register_file(self, content: bytes, file_name: str, folder: str) -> _StoredFile:
        n = next(self._file_ids)
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else "bin"
        stored = _StoredFile(
            file_id=f"standin-file-{n}",
            file_unique_id=f"uniq{n}",
            file_path=f"{folder}/file_{n}.{suffix}",
            content=bytes(content),
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _download(self, token: str, file_path: str) -> tuple[int, bytes]:
        if token != self.token:
            return 401, b"Unauthorized"
        with self._cond:
            for stored in self._files.values():
                if stored.file_path == file_path:
                    return 200, stored.content
        return 404, b"Not Found"

    # ------------------------------------------------------------ dispatch

    def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Record the call, apply injected failures, run the method."""
        with self._cond:
            record = _Record(method, params, 200)
            self._records.append(record)
            # Status is settled before the lock is released (except for the
            # long poll), so waiters never match a call that is about to fail.
            try:
                failures = self._failures.get(method.lower())
                if failures:
                    raise failures.popleft()
                if method.lower() != "getupdates":
                    handler = self._METHODS.get(method.lower())
                    return 200, {"ok": True, "result": handler(self, params) if handler else True}
            except _ApiError as err:
                record.status = err.status
                return err.status, err.payload()
            finally:
                self._cond.notify_all()
        try:
            return 200, {"ok": True, "result": self._get_updates(params)}
        except _ApiError as err:
            with self._cond:
                record.status = err.status
            return err.status, err.payload()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _as_int(params.get("offset"))
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates") or None
        deadline = time.monotonic() + min(max(timeout, 0.0), self.max_long_poll)
        with self._cond:
            if self._webhook_url:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            while True:
                # An offset confirms (drops) all earlier updates; a negative
                # one keeps only the last -offset updates, per the Bot API.
                if isinstance(offset, int) and offset > 0:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                elif isinstance(offset, int) and offset < 0:
                    self._updates = self._updates[offset:]
                if allowed:
                    # The real API silently drops update types not asked for.
                    self._updates = [
                        u for u in self._updates if any(k in u for k in allowed)
                    ]
                remaining = deadline - time.monotonic()
                if self._updates or remaining <= 0 or self._closed:
                    return copy.deepcopy(self._updates[:limit])
                self._cond.wait(remaining)

    # The handlers below run with self._cond held.

    def _m_get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_set_webhook(self, params: dict[str, Any]) -> Any:
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_delete_webhook(self, params: dict[str, Any]) -> Any:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: commands must be an array")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    def _m_get_my_commands(self, params: dict[str, Any]) -> Any:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _m_delete_my_commands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Common part of send* results: ids, chat, reply, markup."""
        chat_id = _as_int(params.get("chat_id"))
        if chat_id in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        message = self._new_message_for(chat_id)
        reply_to = params.get("reply_parameters") or {}
        reply_id = _as_int(reply_to.get("message_id") if isinstance(reply_to, dict) else None)
        reply_id = reply_id or _as_int(params.get("reply_to_message_id"))
        if isinstance(reply_id, int) and (chat_id, reply_id) in self._messages:
            message["reply_to_message"] = self._without_reply(self._messages[(chat_id, reply_id)])
        markup = params.get("reply_markup")
        # Telegram only shows inline keyboards in Message.reply_markup.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = copy.deepcopy(markup)
        return message

    def _new_message_for(self, chat_id: Any) -> dict[str, Any]:
        chat = self._chat(chat_id)
        return self._new_message(chat["id"], self._bot_user)

    def _finish_sent(self, message: dict[str, Any]) -> dict[str, Any]:
        self._store(message)
        self._sent.append(copy.deepcopy(message))
        return message

    def _m_send_message(self, params: dict[str, Any]) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._bot_message(params)
        message["text"] = text
        if params.get("entities"):
            message["entities"] = copy.deepcopy(params["entities"])
        return self._finish_sent(message)

    def _m_send_document(self, params: dict[str, Any]) -> Any:
        document = params.get("document")
        if isinstance(document, UploadedFile):
            stored = self._register_file(document.content, document.file_name, "documents")
            doc = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": document.file_name,
                "mime_type": document.mime_type or "application/octet-stream",
                "file_size": len(document.content),
            }
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
            doc = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
        elif isinstance(document, str) and document:
            # A URL or foreign file_id: nothing to serve, but a valid Message.
            n = next(self._file_ids)
            doc = {"file_id": f"standin-file-{n}", "file_unique_id": f"uniq{n}"}
        else:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        message = self._bot_message(params)
        message["document"] = doc
        if params.get("caption"):
            message["caption"] = params["caption"]
        return self._finish_sent(message)

    def _m_send_chat_action(self, params: dict[str, Any]) -> Any:
        self._chat(_as_int(params.get("chat_id")))
        if not params.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_answer_callback_query(self, params: dict[str, Any]) -> Any:
        if str(params.get("callback_query_id")) not in self._callbacks:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    def _editable(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The stored message an edit targets; ``None`` for inline messages."""
        if params.get("inline_message_id"):
            return None
        key = (_as_int(params.get("chat_id")), _as_int(params.get("message_id")))
        message = self._messages.get(key)  # type: ignore[arg-type]
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self._bot_user["id"]:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _apply_edit(self, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        before = {k: message.get(k) for k in changes}
        if before == changes:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _m_edit_message_text(self, params: dict[str, Any]) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._editable(params)
        if message is None:
            return True
        # Omitting reply_markup removes the inline keyboard, as on Telegram.
        return self._apply_edit(
            message,
            {
                "text": text,
                "entities": params.get("entities") or None,
                "reply_markup": self._inline_markup(params),
            },
        )

    def _m_edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._editable(params)
        if message is None:
            return True
        return self._apply_edit(message, {"reply_markup": self._inline_markup(params)})

    def _m_get_file(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        info = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if not self.omit_file_sizes:
            info["file_size"] = len(stored.content)
        return info

    def _m_answer_inline_query(self, params: dict[str, Any]) -> Any:
        if str(params.get("inline_query_id")) not in self._inline_queries:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if isinstance(results, str):
            import json as _json

            params["results"] = _json.loads(results)
        return True

    def _m_true(self, params: dict[str, Any]) -> Any:
        return True

    _METHODS: dict[str, Callable[[BotApiStandIn, dict[str, Any]], Any]] = {
        "getme": _m_get_me,
        "setwebhook": _m_set_webhook,
        "deletewebhook": _m_delete_webhook,
        "getwebhookinfo": _m_get_webhook_info,
        "setmycommands": _m_set_my_commands,
        "getmycommands": _m_get_my_commands,
        "deletemycommands": _m_delete_my_commands,
        "sendmessage": _m_send_message,
        "senddocument": _m_send_document,
        "sendchataction": _m_send_chat_action,
        "answercallbackquery": _m_answer_callback_query,
        "editmessagetext": _m_edit_message_text,
        "editmessagereplymarkup": _m_edit_message_reply_markup,
        "getfile": _m_get_file,
        "answerinlinequery": _m_answer_inline_query,
        "close": _m_true,
        "logout": _m_true,
    }


# ---------------------------------------------------------------- network guard


def _is_loopback_host(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port) means a local wildcard/loopback
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost.", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Make any non-loopback name lookup or connection in this process fail.

    Used by the tests so that a misconfigured ``base_url`` can never reach
    api.telegram.org (or anything else): it raises ``OSError`` instead.
    """
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback_host(host):
            raise OSError(f"loopback_only: refusing to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback_host(address[0]):
            raise OSError(f"loopback_only: refusing to connect to {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.getaddrinfo = real_getaddrinfo  # type: ignore[assignment]
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
