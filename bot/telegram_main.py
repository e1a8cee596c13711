"""``pasokh bot``: configure logging, open the index, run the bot by long polling or webhook."""

from __future__ import annotations

import argparse
import logging
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from .cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError
from .telegram_config import BotConfig, MissingTokenError, TokenRedactor

log = logging.getLogger("pasokh.bot")

_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


def configure_logging(config: BotConfig) -> Callable[[], None]:
    """Log to stderr at ``PASOKH_LOG_LEVEL`` (default INFO) with secrets scrubbed; returns an undo.

    httpx logs every request URL (which holds the token) at INFO: it is kept at
    WARNING, and the redactor still covers it if someone turns it up.
    """
    level = logging.getLevelName(os.environ.get("PASOKH_LOG_LEVEL", "INFO").strip().upper())
    logging.basicConfig(level=level if isinstance(level, int) else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(_without_bootstrap_traceback)
    return TokenRedactor([config.token, config.webhook_secret]).install()


def _without_bootstrap_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed start-up (bad token, no network) with a traceback; run_bot reports it
    in one clear line instead, so only PTB's one-line message is kept."""
    if "Bootstrap" in record.getMessage():
        record.exc_info, record.exc_text = None, None
    return True


def run_bot(args: argparse.Namespace, data_dir: Path) -> int:
    """Run the bot until SIGINT/SIGTERM; returns the exit code (``CliError`` for user errors)."""
    try:
        config = BotConfig.from_env()
    except MissingTokenError as error:
        raise CliError(str(error), EXIT_USAGE) from None
    if args.webhook_url:
        config = _with_webhook_secret(config)
    configure_logging(config)
    # uploads and --watch index inside the bot: one worker keeps a core free for answering
    os.environ.setdefault("PASOKH_INDEX_THREADS", "1")
    if args.watch and not args.watch.is_dir():
        raise CliError(f"«{args.watch}» پوشه نیست (--watch needs a folder)", EXIT_USAGE)
    from telegram.error import InvalidToken, NetworkError

    from .cli_commands import _open_searcher
    from .telegram_app import ALLOWED_UPDATES, build_application

    application = build_application(config, _open_searcher(args))
    stop_watching = _start_watcher(application, args.watch) if args.watch else None
    try:
        if args.webhook_url:
            log.info("webhook mode: listening on %s:%d for %s", args.listen, args.port, args.webhook_url)
            application.run_webhook(listen=args.listen, port=args.port,
                                    url_path=urlsplit(args.webhook_url).path.strip("/"),
                                    webhook_url=args.webhook_url, secret_token=config.webhook_secret,
                                    allowed_updates=ALLOWED_UPDATES)
        else:
            log.info("long polling (data: %s)", data_dir)
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        raise CliError("تلگرام توکن ربات را نپذیرفت؛ TELEGRAM_BOT_TOKEN را بررسی کنید. "
                       "(Telegram rejected the bot token)") from None
    except NetworkError as error:
        detail = TokenRedactor([config.token]).redact(str(error))
        raise CliError(f"به سرور Bot API دسترسی نیست (cannot reach the Bot API): {detail}") from None
    except OSError as error:  # e.g. the webhook port is taken
        raise CliError(f"راه‌اندازی ربات ممکن نشد (cannot start the bot): {error}", EXIT_ERROR) from None
    finally:
        if stop_watching:
            stop_watching.set()
    return EXIT_OK


def _start_watcher(application, folder: Path):
    """Index ``folder`` in a background thread; the bot's searcher picks up each new snapshot."""
    from pasokh.retrieval.indexer import Indexer
    from pasokh.retrieval.watcher import FolderWatcher

    from .telegram_articles import INDEXER
    from .telegram_handlers import SEARCHER

    searcher = application.bot_data[SEARCHER]
    indexer = application.bot_data.setdefault(INDEXER, Indexer(searcher.data_dir, searcher.encoder))
    watcher = FolderWatcher(folder, indexer, on_report=lambda report: log.info(
        "watch %s: +%d ~%d -%d, %d errors (generation %d)", folder, len(report.added), len(report.updated),
        len(report.removed), len(report.errors), report.generation))
    _, stop = watcher.start_thread()
    log.info("watching %s for new articles", folder)
    return stop


def _with_webhook_secret(config: BotConfig) -> BotConfig:
    """The configured webhook secret (validated) or a fresh random one."""
    if config.webhook_secret is None:
        return replace(config, webhook_secret=secrets.token_urlsafe(32))
    if not _WEBHOOK_SECRET.match(config.webhook_secret):
        raise CliError("TELEGRAM_WEBHOOK_SECRET فقط می‌تواند حرف و رقم لاتین، _ و - داشته باشد (۱ تا ۲۵۶ نویسه). "
                       "(the webhook secret may only contain A-Z, a-z, 0-9, _ and -, 1-256 characters)",
                       EXIT_USAGE)
    return config
