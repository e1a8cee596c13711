"""Indexing inside the bot, in a child process, so readers' answers do not slow down meanwhile.

Embedding an upload or a channel post is seconds of CPU-bound torch work;
done in the bot's own process it holds the interpreter lock and a core while
readers wait (an upload once took other readers' p95 to 1.6 s). The worker is
one long-lived ``spawn``-ed process (the passage model loads once, on the
first job) running one torch thread, so the bot keeps a core, the event loop
and its GIL. Jobs run one at a time in arrival order, through the same
``Indexer`` and data-directory lock as every other path. Progress comes back
through a queue; a worker that dies is replaced on the next job.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pasokh.retrieval.articles import Article
from pasokh.retrieval.indexer import IndexReport

from .settings import Settings

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]  # (sentences done, sentences in the job)

# ---- the child process ---------------------------------------------------------------------

_worker_settings: Settings | None = None
_worker_progress = None
_worker_indexer = None


def _initialize(settings: Settings, progress) -> None:
    global _worker_settings, _worker_progress
    _worker_settings, _worker_progress = settings, progress


def _indexer():
    global _worker_indexer
    if _worker_indexer is None:
        from .session import make_encoder, open_indexer

        def progress_factory(total: int):
            done = [0]

            def advance(count: int) -> None:
                done[0] += count
                _worker_progress.put((_job_id, done[0], total))

            return advance

        _worker_indexer = open_indexer(_worker_settings, make_encoder(_worker_settings, index_threads=1),
                                       progress_factory=progress_factory)
    return _worker_indexer


_job_id = 0


def _pid() -> int:
    import os

    return os.getpid()


def _run(job_id: int, action: str, payload) -> IndexReport:
    global _job_id
    _job_id = job_id
    indexer = _indexer()
    if action == "articles":
        return indexer.index_articles(payload)
    if action == "paths":
        paths, prune, roots = payload
        return indexer.index_paths(paths, prune=prune, prune_roots=roots)
    if action == "remove":
        return indexer.remove(payload)
    raise ValueError(action)


# ---- the bot's side ------------------------------------------------------------------------

class IndexWorker:
    """The bot's handle on its indexing process (created lazily, replaced if it dies)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._progress = self._context.Queue()
        self._pool: ProcessPoolExecutor | None = None
        self._callbacks: dict[int, ProgressCallback] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read_progress, name="pasokh-index-progress", daemon=True)
        self._reader.start()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=self._context, initializer=_initialize,
                                                 initargs=(self.settings, self._progress))
            return self._pool

    def _read_progress(self) -> None:
        while not self._closed.is_set():
            try:
                job_id, done, total = self._progress.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            callback = self._callbacks.get(job_id)
            if callback:
                callback(done, total)

    def _job_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _pool_died(self, attempt: int) -> None:
        """A job found the process dead: the next submit starts a new one (a second death is raised)."""
        log.warning("the indexing process died; starting a new one")
        with self._lock:
            self._pool = None
        if attempt:
            raise

    async def _submit(self, action: str, payload, on_progress: ProgressCallback | None) -> IndexReport:
        job_id = self._job_id()
        loop = asyncio.get_running_loop()
        if on_progress:
            self._callbacks[job_id] = lambda done, total: loop.call_soon_threadsafe(on_progress, done, total)
        try:
            for attempt in range(2):
                try:
                    return await asyncio.wrap_future(self._executor().submit(_run, job_id, action, payload))
                except BrokenProcessPool:
                    self._pool_died(attempt)
            raise AssertionError("unreachable")
        finally:
            self._callbacks.pop(job_id, None)

    def _submit_blocking(self, action: str, payload) -> IndexReport:
        """``_submit`` for threads that wait (the feed poller, the folder watcher)."""
        job_id = self._job_id()
        for attempt in range(2):
            try:
                return self._executor().submit(_run, job_id, action, payload).result()
            except BrokenProcessPool:
                self._pool_died(attempt)
        raise AssertionError("unreachable")

    async def index_articles(self, articles: Sequence[Article], *,
                             on_progress: ProgressCallback | None = None) -> IndexReport:
        """Index parsed articles (an upload, channel posts) as one new generation."""
        return await self._submit("articles", list(articles), on_progress)

    async def remove(self, article_ids: Sequence[str]) -> IndexReport:
        """Remove articles by id."""
        return await self._submit("remove", list(article_ids), None)

    def index_articles_blocking(self, articles: Sequence[Article]) -> IndexReport:
        """``index_articles``, waited for (the feed poller's thread calls it)."""
        return self._submit_blocking("articles", list(articles))

    def index_paths_blocking(self, paths: Sequence[Path], *, prune: bool = False,
                             prune_roots: Sequence[Path] | None = None) -> IndexReport:
        """``Indexer.index_paths`` in the worker, waited for (the folder watcher's thread calls it)."""
        return self._submit_blocking("paths", (list(paths), prune, prune_roots))

    def pid(self) -> int:
        """The indexing process's pid (starting it if needed): for logs and tests."""
        return self._executor().submit(_pid).result()

    def close(self) -> None:
        """Let the running job finish, then stop the process."""
        self._closed.set()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)


class WorkerIndexer:
    """What ``FolderWatcher`` needs of an indexer, done by the worker process."""

    def __init__(self, worker: IndexWorker) -> None:
        self.worker = worker

    def index_paths(self, paths, *, prune: bool = False, prune_roots=None, **_ignored) -> IndexReport:
        return self.worker.index_paths_blocking(paths, prune=prune, prune_roots=prune_roots)
