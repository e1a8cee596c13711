"""One indexer at a time per data directory.

An exclusive lock on ``index.lock`` (``filelock``, an ``flock`` on Unix): the
kernel releases it when the holder dies, even by ``kill -9``, so a crashed
indexer never leaves the data directory locked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import IndexLockedError

LOCK_NAME = "index.lock"


class IndexLock:
    """The indexers' lock on one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        # the file stays: deleting a lock file between holders lets two of them lock different inodes
        self._lock = FileLock(self.path, preserve_lock_file=True, thread_local=False)

    def acquire(self, *, wait: bool, on_wait: Callable[[], None] | None = None) -> None:
        """Take the lock; if another indexer holds it, wait (calling ``on_wait`` once) or raise."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
            return
        except Timeout:
            if not wait:
                raise IndexLockedError(self.path) from None
        if on_wait:
            on_wait()
        self._lock.acquire()

    def release(self) -> None:
        """Give the lock back."""
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> IndexLock:
        self.acquire(wait=True)
        return self

    def __exit__(self, *_exc) -> None:
        self.release()
