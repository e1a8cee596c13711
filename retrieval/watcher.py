"""Watching a folder and indexing new, changed or deleted article files.

Polling (stat every couple of seconds) rather than inotify: it needs no extra
dependency and works on network and container file systems. A file is indexed
only once its size and modification time have stayed the same for
``settle_seconds``, so a file that is still being copied is not read half
written; temporary names (``*.part``, ``*.tmp``, ``*~``, ...) are never read.

The first scan reconciles: articles of this folder whose files were deleted
while the watcher was stopped are removed. A file that fails to index is
reported and tried again only after a back-off that doubles each time (or at
once when it changes), while the files beside it go on being indexed.
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
RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0


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
        self._failed: dict[Path, tuple[Signature, int, float]] = {}  # signature, failures, next try
        self._reconciled = False

    def _scan(self) -> dict[Path, Signature]:
        found: dict[Path, Signature] = {}
        for path in discover_article_files([self.folder]).files:
            try:
                stat = path.stat()
            except OSError:
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
        return found

    def _due(self, path: Path, signature: Signature, now: float) -> bool:
        failed = self._failed.get(path)
        if failed is None:
            return self._indexed.get(path) != signature
        return failed[0] != signature or now >= failed[2]

    def poll_once(self, now: float | None = None) -> IndexReport | None:
        """Scan once; index settled new/changed files and drop deleted ones.

        Returns the indexing report, or None when nothing was ready.
        """
        now = time.monotonic() if now is None else now
        current = self._scan()
        settled: list[Path] = []
        for path, signature in current.items():
            if not self._due(path, signature, now):
                continue
            previous = self._seen.get(path)
            if previous is None or previous[0] != signature:
                self._seen[path] = (signature, now)  # new or still changing: wait
            elif now - previous[1] >= self.settle_seconds:
                settled.append(path)
        deleted = [path for path in self._indexed if path not in current]
        for path in [p for p in self._seen if p not in current]:
            del self._seen[path]
        reconcile = not self._reconciled
        if not settled and not deleted and not reconcile:
            return None
        report = self.indexer.index_paths(settled, prune=bool(deleted) or reconcile, prune_roots=[self.folder])
        self._reconciled = True
        failed_paths = {str(Path(e.path)) for e in report.errors}
        for path in deleted:
            del self._indexed[path]
            self._failed.pop(path, None)
        for path in settled:
            self._seen.pop(path, None)
            if str(path) in failed_paths:
                failures = self._failed.get(path, (None, 0, 0.0))[1] + 1
                wait = min(MAX_RETRY_SECONDS, RETRY_SECONDS * 2 ** (failures - 1))
                self._failed[path] = (current[path], failures, now + wait)
                logger.warning("%s failed %d time(s); next try in %.0f s unless it changes", path, failures, wait)
            else:
                self._failed.pop(path, None)
                self._indexed[path] = current[path]
        for error in report.errors:
            logger.warning("skipped: %s", error)
        if not settled and not deleted and not report.removed and not report.errors:
            return None  # the first scan's reconciliation found nothing to do
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
