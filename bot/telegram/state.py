"""What the bot keeps for its whole run: one typed object in ``bot_data``.

``ContextTypes(bot_data=BotState)`` makes ``context.bot_data`` this object, so
handlers read ``context.bot_data.searcher`` instead of string keys.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from telegram.ext import CallbackContext, ExtBot

from pasokh.bot.settings import BotSettings, Settings
from pasokh.embeddings.encoder import Encoder
from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.search import Searcher

from .limits import BotStats, UserRateLimiter


class BotState:
    """The bot's long-lived state; filled in by ``app.build_application``."""

    settings: BotSettings
    session_settings: Settings
    searcher: Searcher
    encoder: Encoder
    stats: BotStats
    limiter: UserRateLimiter
    executor: ThreadPoolExecutor
    _indexer: Indexer | None = None

    def indexer(self) -> Indexer:
        """The bot's indexer, created on first use (it loads the passage model then)."""
        if self._indexer is None:
            from pasokh.bot.session import open_indexer

            self._indexer = open_indexer(self.session_settings, self.encoder)
        return self._indexer


Context = CallbackContext[ExtBot, dict, dict, BotState]
