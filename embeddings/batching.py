"""Embedding the questions of many threads in one encoder call."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from .encoder import QueryEncoder


class QueryBatcher:
    """A ``QueryEncoder`` that embeds questions asked while the encoder is busy in one call.

    The bot's search threads call ``encode_queries`` at once under load; the
    first becomes the leader and encodes everything queued while the previous
    call ran (the engine is ~15% faster per question in batches, and one call at
    a time never oversubscribes the cores). No timer: an idle bot answers at once.
    """

    def __init__(self, encoder: QueryEncoder) -> None:
        self.wrapped = encoder
        self._changed = threading.Condition()
        self._queued: list[dict] = []
        self._busy = False

    @property
    def model_id(self) -> str:
        """The wrapped encoder's model id."""
        return self.wrapped.model_id

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
