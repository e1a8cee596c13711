"""Building the python-telegram-bot Application: client settings, handlers, start-up and shutdown."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes,
                          InlineQueryHandler, MessageHandler, TypeHandler, filters)

from pasokh.bot import messages
from pasokh.bot.question_log import QuestionLog
from pasokh.bot.session import open_searcher
from pasokh.bot.settings import Settings
from pasokh.embeddings.batching import QueryBatcher
from pasokh.embeddings.encoder import Encoder

from . import admin, channel, gate, handlers
from .gate import AddressedToBot
from .callbacks import Buttons
from .limits import BotStats, UserRateLimiter
from .state import BotState

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query", "channel_post",
                   "edited_channel_post"]

PUBLIC_COMMANDS = [BotCommand(name, text) for name, text in messages.COMMAND_MENU.items()]
ADMIN_COMMANDS = PUBLIC_COMMANDS + [BotCommand(name, text) for name, text in messages.ADMIN_COMMAND_MENU.items()]
WARM_UP_QUESTION = "warm-up"
"""Asked once at start-up so the encoder and snapshot are loaded before the first reader."""


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


def build_application(settings: Settings, encoder: Encoder) -> Application:
    """The bot on ``settings.data_dir``, ready for ``run_polling``/``run_webhook`` (or manual start in tests).

    Questions are embedded through a ``QueryBatcher`` around ``encoder``; uploads
    are embedded by ``encoder`` itself. The application closes its searcher at
    shutdown. Raises what ``session.open_searcher`` raises.
    """
    config = settings.bot
    searcher = open_searcher(settings, QueryBatcher(encoder))
    builder = (
        Application.builder()
        .token(config.token)
        .context_types(ContextTypes(bot_data=BotState))
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
    state: BotState = application.bot_data
    state.settings = config
    state.session_settings = settings
    state.searcher = searcher
    state.encoder = encoder
    state.stats = BotStats()
    state.limiter = UserRateLimiter(config.rate_limit, config.rate_window)
    state.executor = ThreadPoolExecutor(config.search_workers, thread_name_prefix="pasokh-search")
    state.buttons = Buttons(config.token)
    state.question_log = QuestionLog(settings.data_dir) if settings.question_log else None
    _add_handlers(application)
    return application


def _add_handlers(application: Application) -> None:
    application.add_handler(TypeHandler(Update, gate.enforce_rate_limit), group=-1)
    new_message = filters.UpdateType.MESSAGE
    edited = filters.UpdateType.EDITED_MESSAGE
    commands = {
        "start": handlers.start, "help": handlers.help_command, "sources": handlers.sources,
        "about": handlers.about, "stats": admin.stats, "unanswered": admin.unanswered, "reload": admin.reload,
        "add": admin.add_text, "remove": admin.remove_article,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new_message))
    questions = (filters.TEXT & ~filters.COMMAND) | (filters.PHOTO & filters.CAPTION)
    application.add_handler(MessageHandler(new_message & questions & AddressedToBot(), handlers.answer_question))
    application.add_handler(MessageHandler(edited & questions & AddressedToBot(), handlers.edited_question))
    # article files are taken from admins in private chats only (checked in the handler)
    application.add_handler(MessageHandler(new_message & filters.Document.ALL & filters.ChatType.PRIVATE,
                                           admin.receive_document))
    application.add_handler(MessageHandler(new_message & filters.COMMAND & filters.ChatType.PRIVATE,
                                           handlers.help_command))
    other_media = (filters.Sticker.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
                   | filters.ANIMATION | filters.PHOTO | filters.LOCATION | filters.CONTACT | filters.POLL)
    application.add_handler(MessageHandler(new_message & other_media & filters.ChatType.PRIVATE, handlers.not_text))
    application.add_handler(CallbackQueryHandler(handlers.show_more, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(handlers.show_context, pattern=r"^ctx:"))
    application.add_handler(CallbackQueryHandler(handlers.feedback, pattern=r"^fb:"))
    application.add_handler(CallbackQueryHandler(admin.remove_confirmed, pattern=r"^rm:"))
    application.add_handler(CallbackQueryHandler(handlers.stale_button))
    application.add_handler(InlineQueryHandler(handlers.inline_answer))
    application.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POSTS, channel.index_post))
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:
    """Register the command menu and warm the encoder and snapshot before the first user."""
    bot, state = application.bot, application.bot_data
    await bot.set_my_commands(PUBLIC_COMMANDS)
    for admin_id in sorted(state.settings.admin_ids):
        try:
            await bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:  # e.g. the admin never opened a chat with the bot
            log.warning("could not set the admin command menu for %s: %s", admin_id, error)
    searcher = state.searcher
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(state.executor, searcher.ask, WARM_UP_QUESTION)
    articles, sentences = await asyncio.to_thread(searcher.size)
    log.info("@%s ready: %d articles, %d sentences (generation %d) from %s",
             bot.username, articles, sentences, searcher.generation, searcher.data_dir)


async def _post_shutdown(application: Application) -> None:
    """Let running questions finish, then release the SQLite connection."""
    state = application.bot_data
    state.executor.shutdown(wait=True, cancel_futures=True)
    state.close_indexer()
    state.searcher.close()
    if state.question_log is not None:
        state.question_log.close()
    log.info("stopped; index closed")
