"""Watching a folder and indexing new, changed or deleted article files.

Polling (stat every couple of seconds) rather than inotify: it needs no extra
dependency and works on network and container file systems. A file is indexed
only once its size and modification time have stayed the same for
``settle_seconds``, so a file that is still being copied is not read half
written; temporary names (``*.part``, ``*.tmp``, ``*~``, ...) are never read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .articles import discover_article_files
from .indexer import Indexer, IndexReport

logger = logging.getLogger(__name__)

Signature = tuple[int, int]  # (mtime_ns, size)


class FolderWatcher:
    """Keeps the index in step with the article files under one folder."""

    def __init__(self, folder: Path, indexer: Indexer, *, interval: float = 2.0,
                 settle_seconds: float = 1.0, on_report: Callable[[IndexReport], None] | None = None) -> None:
        self.folder = Path(folder)
        self.indexer = indexer
        self.interval = interval
        self.settle_seconds = settle_seconds
        self.on_report = on_report
        self._indexed: dict[Path, Signature] = {}
        self._seen: dict[Path, tuple[Signature, float]] = {}

    def _scan(self) -> dict[Path, Signature]:
        found: dict[Path, Signature] = {}
        for path in discover_article_files([self.folder]):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
        return found

    def poll_once(self, now: float | None = None) -> IndexReport | None:
        """Scan once; index settled new/changed files and drop deleted ones.

        Returns the indexing report, or None when nothing was ready.
        """
        now = time.monotonic() if now is None else now
        current = self._scan()
        settled: list[Path] = []
        for path, signature in current.items():
            if self._indexed.get(path) == signature:
                continue
            previous = self._seen.get(path)
            if previous is None or previous[0] != signature:
                self._seen[path] = (signature, now)  # new or still changing: wait
            elif now - previous[1] >= self.settle_seconds:
                settled.append(path)
        deleted = [path for path in self._indexed if path not in current]
        for path in [p for p in self._seen if p not in current]:
            del self._seen[path]
        if not settled and not deleted:
            return None
        report = self.indexer.index_paths(settled, prune=bool(deleted), prune_roots=[self.folder])
        for path in deleted:
            del self._indexed[path]
        for path in settled:
            self._indexed[path] = current[path]
            del self._seen[path]
        for error in report.errors:
            logger.warning("skipped: %s", error)
        if self.on_report:
            self.on_report(report)
        return report

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; failures are logged and polling goes on."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep watching: one bad run must not end the service
                logger.exception("indexing %s failed; will retry", self.folder)
            stop.wait(self.interval)

    def start_thread(self) -> tuple[threading.Thread, threading.Event]:
        """Run in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop,), name="pasokh-watch", daemon=True)
        thread.start()
        return thread, stop
