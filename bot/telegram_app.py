"""Building the python-telegram-bot Application: client settings, handlers, start-up and shutdown."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from telegram import BotCommand, BotCommandScopeChat, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, MessageHandler,
                          filters)

from pasokh.retrieval.search import Searcher

from . import telegram_articles as articles
from . import telegram_handlers as handlers
from .bot_stats import BotStats, UserRateLimiter
from .telegram_config import BotConfig
from .telegram_format import EXAMPLE_QUESTION, mentions

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]

PUBLIC_COMMANDS = [
    BotCommand("start", "شروع و معرفی ربات"),
    BotCommand("help", "راهنمای پرسیدن"),
    BotCommand("sources", "فهرست مقاله‌های نمایه‌شده"),
    BotCommand("about", "دربارهٔ پاسخ"),
]
ADMIN_COMMANDS = PUBLIC_COMMANDS + [
    BotCommand("stats", "آمار پرسش‌ها و پاسخ‌ها (مدیران)"),
    BotCommand("reload", "خواندن دوبارهٔ نمایه (مدیران)"),
    BotCommand("add", "افزودن مقاله با متن یا پرونده (مدیران)"),
    BotCommand("remove", "حذف مقاله با شناسه (مدیران)"),
]


class RetryingRateLimiter(AIORateLimiter):
    """PTB's flood control (which retries 429s) that also retries server and connection errors.

    A 5xx or a dropped connection means Telegram did not take the request, so
    sending again cannot duplicate a message. Time-outs are not retried: the
    request may have arrived. Bad requests would only fail again.
    """

    def __init__(self, *, network_retries: int = 3, backoff: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        self._network_retries = network_retries
        self._backoff = backoff

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        """Run the request through flood control; retry network failures with backoff."""
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, TimedOut):
                raise
            except NetworkError as error:
                if attempt >= self._network_retries:
                    raise
                delay = self._backoff * 2 ** attempt
                attempt += 1
                log.warning("%s failed (%s); retry %d in %.1f s", endpoint, error, attempt, delay)
                await asyncio.sleep(delay)


class QueryBatcher:
    """Wraps an encoder so questions asked while it is busy are embedded in one call.

    The search pool's threads call ``encode_queries`` at once under load; the
    first becomes the leader and encodes everything queued while the previous
    call ran (the engine is ~15% faster per question in batches, and one call at
    a time never oversubscribes the cores). No timer: an idle bot answers at once.
    Other attributes are the wrapped encoder's.
    """

    def __init__(self, encoder) -> None:
        self.wrapped = encoder
        self._changed = threading.Condition()
        self._queued: list[dict] = []
        self._busy = False

    def __getattr__(self, name: str):
        return getattr(self.wrapped, name)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Same result as the wrapped encoder's, possibly computed together with other threads' texts."""
        mine = {"texts": list(texts)}
        with self._changed:
            self._queued.append(mine)
            while self._busy and "result" not in mine:
                self._changed.wait()
            leader = "result" not in mine
            if leader:
                self._busy = True
                batch, self._queued = self._queued, []
        if leader:
            self._encode(batch)
        if isinstance(mine["result"], BaseException):
            raise mine["result"]
        return mine["result"]

    def _encode(self, batch: list[dict]) -> None:
        try:
            vectors = self.wrapped.encode_queries([text for item in batch for text in item["texts"]])
            start = 0
            for item in batch:
                item["result"] = vectors[start:start + len(item["texts"])]
                start += len(item["texts"])
        except Exception as error:  # every asker of this batch sees the failure
            for item in batch:
                item["result"] = error
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


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
        return mentions(message.text or "", bot.username)


def build_application(config: BotConfig, searcher: Searcher) -> Application:
    """The bot, ready for ``run_polling``/``run_webhook`` (or manual start in tests).

    The application owns ``searcher`` from here on: it closes it at shutdown,
    and its encoder is wrapped in a ``QueryBatcher``.
    """
    if not isinstance(searcher.encoder, QueryBatcher):
        searcher.encoder = QueryBatcher(searcher.encoder)
    builder = (
        Application.builder()
        .token(config.token)
        .concurrent_updates(config.concurrent_updates)
        .rate_limiter(RetryingRateLimiter(overall_max_rate=config.outgoing_rate, max_retries=3,
                                           backoff=config.retry_backoff))
        .connect_timeout(5.0)
        .read_timeout(10.0)
        .write_timeout(10.0)
        .pool_timeout(10.0)  # answers wait for flood control, not for free connections
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.base_url:
        builder = builder.base_url(config.base_url).base_file_url(config.base_file_url)
    application = builder.build()
    application.bot_data.update({
        handlers.CONFIG: config,
        handlers.SEARCHER: searcher,
        handlers.STATS: BotStats(),
        handlers.LIMITER: UserRateLimiter(config.rate_limit, config.rate_window),
        handlers.EXECUTOR: ThreadPoolExecutor(config.search_workers, thread_name_prefix="pasokh-search"),
        handlers.RETIRED: [],
    })
    _add_handlers(application)
    return application


def _add_handlers(application: Application) -> None:
    new_message = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    commands = {
        "start": handlers.start, "help": handlers.help_command, "sources": handlers.sources,
        "about": handlers.about, "stats": handlers.stats, "reload": handlers.reload,
        "add": articles.add_text, "remove": articles.remove_article,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new_message))
    application.add_handler(MessageHandler(new_message & filters.TEXT & ~filters.COMMAND & AddressedToBot(),
                                           handlers.answer_question))
    # article files are taken from admins in private chats only (checked in the handler)
    application.add_handler(MessageHandler(new_message & filters.Document.ALL & filters.ChatType.PRIVATE,
                                           articles.receive_document))
    application.add_handler(MessageHandler(new_message & filters.COMMAND & filters.ChatType.PRIVATE,
                                           handlers.help_command))
    application.add_handler(CallbackQueryHandler(handlers.show_more, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(handlers.show_context, pattern=r"^ctx:"))
    application.add_handler(CallbackQueryHandler(handlers.stale_button))
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:
    """Register the command menu and warm the encoder and snapshot before the first user."""
    bot, data = application.bot, application.bot_data
    await bot.set_my_commands(PUBLIC_COMMANDS)
    for admin_id in sorted(data[handlers.CONFIG].admin_ids):
        try:
            await bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:  # e.g. the admin never opened a chat with the bot
            log.warning("could not set the admin command menu for %s: %s", admin_id, error)
    searcher = data[handlers.SEARCHER]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(data[handlers.EXECUTOR], searcher.ask, EXAMPLE_QUESTION)
    articles, sentences = await asyncio.to_thread(searcher.size)
    log.info("@%s ready: %d articles, %d sentences (generation %d) from %s",
             bot.username, articles, sentences, searcher.generation, searcher.data_dir)


async def _post_shutdown(application: Application) -> None:
    """Let running questions finish, then release the SQLite connections."""
    data = application.bot_data
    data[handlers.EXECUTOR].shutdown(wait=True, cancel_futures=True)
    for searcher in [data[handlers.SEARCHER], *data[handlers.RETIRED]]:
        searcher.close()
    data[handlers.RETIRED].clear()
    log.info("stopped; index closed")
