"""What the bot keeps for its whole run: one typed object in ``bot_data``.

``ContextTypes(bot_data=BotState)`` makes ``context.bot_data`` this object, so
handlers read ``context.bot_data.searcher`` instead of string keys.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from telegram import Message
from telegram.ext import CallbackContext, ExtBot

from pasokh.bot.index_worker import IndexWorker
from pasokh.bot.question_log import QuestionLog
from pasokh.bot.settings import BotSettings, Settings
from pasokh.embeddings.encoder import Encoder
from pasokh.retrieval.search import Searcher

from .callbacks import Buttons
from .limits import BotStats, UserRateLimiter

REMEMBERED_REPLIES = 2000
"""Replies remembered (question message -> the bot's reply) so an edited question edits its answer."""


class BotState:
    """The bot's long-lived state; filled in by ``app.build_application``."""

    settings: BotSettings
    session_settings: Settings
    searcher: Searcher
    encoder: Encoder
    stats: BotStats
    limiter: UserRateLimiter
    executor: ThreadPoolExecutor
    buttons: Buttons
    question_log: QuestionLog | None = None
    _worker: IndexWorker | None = None

    def __init__(self) -> None:
        self._replies: OrderedDict[tuple[int, int], int] = OrderedDict()
        self.background: set = set()  # indexing tasks for channel posts, running

    def indexer(self) -> IndexWorker:
        """The bot's indexing process, started on first use (it loads the passage model then)."""
        if self._worker is None:
            self._worker = IndexWorker(self.session_settings)
        return self._worker

    def close_indexer(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def remember_reply(self, chat_id: int, question_id: int, sent: Message | None) -> None:
        if sent is None:
            return
        self._replies[(chat_id, question_id)] = sent.message_id
        while len(self._replies) > REMEMBERED_REPLIES:
            self._replies.popitem(last=False)

    def reply_to(self, chat_id: int, question_id: int) -> int | None:
        """The bot's reply to message ``question_id`` in ``chat_id``, if this run sent it."""
        return self._replies.get((chat_id, question_id))


Context = CallbackContext[ExtBot, dict, dict, BotState]
