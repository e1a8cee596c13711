"""Settings of the Telegram bot, read from the environment, and keeping the token out of logs."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields

from pasokh.retrieval.search import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
_SECRET_FIELDS = ("token", "webhook_secret")


class MissingTokenError(Exception):
    """No bot token in the environment or ``.env``."""

    def __init__(self) -> None:
        super().__init__(
            f"توکن ربات تعریف نشده است؛ آن را در متغیر محیطی {TOKEN_ENV} یا فایل .env بگذارید. "
            f"(no bot token: set {TOKEN_ENV} in the environment or in .env)")


@dataclass(frozen=True)
class BotConfig:
    """Everything the bot needs besides the searcher. ``repr`` never shows secrets."""

    token: str
    base_url: str | None = None  # PTB form, e.g. http://127.0.0.1:8081/bot (the token is appended)
    base_file_url: str | None = None
    webhook_secret: str | None = None
    admin_ids: frozenset[int] = frozenset()
    rate_limit: int = 20  # questions per user per rate_window seconds
    rate_window: float = 60.0
    max_question_chars: int = MAX_QUESTION_CHARS
    answer_k: int = 3  # sentences per answer (and per "more results" page)
    max_results: int = 30  # "more results" stops here
    # threads running searcher.ask; as many questions can share one encoder call (QueryBatcher)
    search_workers: int = 16
    concurrent_updates: int = 64
    # Telegram allows a bot about 30 messages a second overall; 0 disables outgoing flood control
    outgoing_rate: float = 30.0
    retry_backoff: float = 0.5  # first wait before re-sending after a 5xx/connection error (doubles)
    # "typing…" is only sent when an answer takes longer than this: a fast answer needs no
    # indicator, and every chat action costs a request against the flood limit
    typing_delay: float = 0.25
    sources_limit: int = 50  # /sources lists at most this many articles

    def __repr__(self) -> str:
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in _SECRET_FIELDS and value:
                value = "<hidden>"
            shown.append(f"{item.name}={value!r}")
        return f"BotConfig({', '.join(shown)})"

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` may use /stats and /reload."""
        return user_id is not None and user_id in self.admin_ids

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> BotConfig:
        """Read the settings from ``environ`` (default ``os.environ``); raise MissingTokenError.

        Malformed optional values are logged as warnings and replaced by defaults,
        so a typo in ``PASOKH_ADMIN_IDS`` does not keep the bot from starting.
        """
        env = os.environ if environ is None else environ
        token = env.get(TOKEN_ENV, "").strip()
        if not token:
            raise MissingTokenError()
        base_url, base_file_url = api_urls(env.get(BASE_URL_ENV, "").strip())
        values = dict(
            token=token, base_url=base_url, base_file_url=base_file_url,
            webhook_secret=env.get(WEBHOOK_SECRET_ENV, "").strip() or None,
            admin_ids=parse_admin_ids(env.get("PASOKH_ADMIN_IDS", "")),
            rate_limit=_number(env, "PASOKH_RATE_LIMIT", 20, int, minimum=1),
            search_workers=_number(env, "PASOKH_SEARCH_WORKERS", 16, int, minimum=1),
            concurrent_updates=_number(env, "PASOKH_CONCURRENT_UPDATES", 64, int, minimum=1),
            outgoing_rate=_number(env, "PASOKH_OUTGOING_RATE", 30.0, float, minimum=0),
            typing_delay=_number(env, "PASOKH_TYPING_DELAY", 0.25, float, minimum=0),
        )
        values.update(overrides)
        return cls(**values)


def api_urls(base_url: str) -> tuple[str | None, str | None]:
    """``(base_url, base_file_url)`` for a Bot API server; ``(None, None)`` means Telegram's.

    ``http://host:8081`` and ``http://host:8081/bot`` both give
    ``http://host:8081/bot`` and ``http://host:8081/file/bot``.
    """
    base_url = base_url.rstrip("/")
    if not base_url:
        return None, None
    if not base_url.endswith("/bot"):
        base_url += "/bot"
    return base_url, base_url[: -len("/bot")] + "/file/bot"


def parse_admin_ids(raw: str) -> frozenset[int]:
    """Comma-separated Telegram user ids; bad entries are skipped with a warning."""
    ids = set()
    for entry in raw.replace(" ", "").split(","):
        if not entry:
            continue
        try:
            ids.add(int(entry))
        except ValueError:
            log.warning("PASOKH_ADMIN_IDS: ignoring %r (not a numeric Telegram user id)", entry)
    return frozenset(ids)


def _number(env: Mapping[str, str], name: str, default, kind: Callable, *, minimum: float):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        log.warning("%s=%r is not a number >= %s; using %s", name, raw, minimum, default)
        return default
    return value


class TokenRedactor(logging.Filter):
    """Replaces secrets in log records (message, arguments, traceback) with ``<token>``.

    httpx logs request URLs, and PTB wraps httpx errors whose text may contain
    them; Bot API URLs carry the token, so every record is scrubbed.
    """

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        found = set()
        for secret in secrets:
            if secret:
                found.add(secret)
                # the part after "id:" is the actual secret; scrub it on its own too
                tail = secret.split(":", 1)[-1]
                if len(tail) >= 8:
                    found.add(tail)
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed %-args: the handler reports those itself
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # formatters reuse exc_text, so the traceback is rendered once, scrubbed
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self) -> Callable[[], None]:
        """Scrub every record created in this process from now on; returns an undo function.

        A handler filter would miss handlers added later (and records that
        propagate past logger filters), so the record factory is wrapped instead.
        """
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            self.filter(record)
            return record

        logging.setLogRecordFactory(factory)

        def uninstall() -> None:
            if logging.getLogRecordFactory() is factory:
                logging.setLogRecordFactory(previous)

        return uninstall
