"""``pasokh bot``: configure logging, open the index, run the bot by long polling or webhook."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pasokh.bot.log_setup import configure_logging as configure_base_logging
from pasokh.bot.session import make_encoder
from pasokh.bot.settings import BotSettings, Settings

from .redaction import TokenRedactor

log = logging.getLogger("pasokh.bot")

_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


class MissingTokenError(Exception):
    """No bot token in the environment or ``.env``."""

    kind = "missing_token"


class BotStartError(Exception):
    """The bot could not start; ``kind`` says why (``messages.telegram_start_error`` words it)."""

    def __init__(self, kind: str, detail: str = "", exit_code: int = 1) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.exit_code = kind, detail, exit_code


@dataclass(frozen=True)
class BotOptions:
    """How to run: polling (default) or a webhook, and an optional folder to watch."""

    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    watch: Path | None = None
    feeds: tuple[str, ...] = ()


def configure_logging(settings: Settings) -> Callable[[], None]:
    """Log to stderr at ``settings.log_level`` with secrets scrubbed; returns an undo.

    httpx logs every request URL (which holds the token) at INFO: it is kept at
    WARNING, and the redactor still covers it if someone turns it up.
    """
    configure_base_logging(settings.log_level)
    logging.getLogger("telegram.ext").addFilter(_without_bootstrap_traceback)
    return TokenRedactor([settings.bot.token, settings.bot.webhook_secret]).install()


def _without_bootstrap_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed start-up (bad token, no network) with a traceback; run_bot reports it
    in one clear line instead, so only PTB's one-line message is kept."""
    if "Bootstrap" in record.getMessage():
        record.exc_info, record.exc_text = None, None
    return True


def run_bot(settings: Settings, options: BotOptions) -> None:
    """Run the bot until SIGINT/SIGTERM. Raises ``MissingTokenError`` or ``BotStartError``."""
    if not settings.bot.token:
        raise MissingTokenError()
    if options.webhook_url:
        settings = settings.with_overrides(bot=_with_webhook_secret(settings.bot))
    configure_logging(settings)
    # the token never reaches the log; where it is sent does (a .env in the working folder can redirect it)
    api_host = urlsplit(settings.bot.base_url).netloc if settings.bot.base_url else "api.telegram.org"
    log.info("Bot API server: %s (settings from %s)", api_host, settings.env_file or "the environment")
    from telegram.error import InvalidToken, NetworkError

    from .app import ALLOWED_UPDATES, build_application

    # uploads and --watch index inside the bot: one worker keeps a core free for answering
    encoder = make_encoder(settings, index_threads=1)
    application = build_application(settings, encoder)
    stops = []
    if options.watch:
        stops.append(_start_watcher(settings, application, options.watch))
    feeds = tuple(dict.fromkeys(options.feeds + settings.feeds))
    if feeds:
        stops.append(_start_feeds(settings, application, feeds))
    try:
        if options.webhook_url:
            log.info("webhook mode: listening on %s:%d for %s", options.listen, options.port, options.webhook_url)
            application.run_webhook(listen=options.listen, port=options.port,
                                    url_path=urlsplit(options.webhook_url).path.strip("/"),
                                    webhook_url=options.webhook_url, secret_token=settings.bot.webhook_secret,
                                    allowed_updates=ALLOWED_UPDATES)
        else:
            log.info("long polling (data: %s)", settings.data_dir)
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise BotStartError("invalid_token") from None
    except NetworkError as error:
        raise BotStartError("network", TokenRedactor([settings.bot.token]).redact(str(error))) from None
    except OSError as error:  # e.g. the webhook port is taken
        raise BotStartError("os", str(error)) from None
    finally:
        for stop in stops:
            stop.set()


def _start_watcher(settings: Settings, application, folder: Path):
    """Index ``folder`` in a background thread; the bot's searcher picks up each new snapshot."""
    from pasokh.bot.index_worker import WorkerIndexer
    from pasokh.retrieval.watcher import FolderWatcher

    watcher = FolderWatcher(folder, WorkerIndexer(application.bot_data.indexer()),
                            on_report=lambda report: log.info(
                                "watch %s: +%d ~%d -%d, %d errors (generation %d)", folder, len(report.added),
                                len(report.updated), len(report.removed), len(report.errors), report.generation))
    _, stop = watcher.start_thread()
    log.info("watching %s for new articles", folder)
    return stop


def _start_feeds(settings: Settings, application, feeds: tuple[str, ...]):
    """Poll ``feeds`` in a background thread; new entries are indexed by the bot's indexing process."""
    from pasokh.retrieval.ingest.feeds import FeedPoller

    worker = application.bot_data.indexer()
    poller = FeedPoller(feeds, settings.data_dir, worker.index_articles_blocking, interval=settings.feed_interval)
    _, stop = poller.start_thread()
    log.info("polling %d feed(s) every %.0f s", len(feeds), settings.feed_interval)
    return stop


def _with_webhook_secret(bot: BotSettings) -> BotSettings:
    """The configured webhook secret (validated) or a fresh random one."""
    if bot.webhook_secret is None:
        return bot.with_overrides(webhook_secret=secrets.token_urlsafe(32))
    if not _WEBHOOK_SECRET.match(bot.webhook_secret):
        raise BotStartError("bad_webhook_secret", exit_code=2)
    return bot
