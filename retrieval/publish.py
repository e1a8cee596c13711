"""Making one new generation live: rows and snapshot first, then one commit.

The protocol that makes a crash at any moment safe: new sentence rows and the
new FAISS snapshot file are written first, both invisible to readers; one
SQLite commit then switches the live generation. Killed before the commit,
the previous generation is untouched and the uncommitted snapshot file is
cleared by the next run; killed after, the new one is whole. A full disk
ends the same way: the uncommitted file is removed at once, the previous
generation stays, and the next run succeeds once there is space.

``CrashPoint`` names the moments of this protocol; the reliability suite
stops a real indexer there (``PASOKH_CRASH_AT``) and checks what it left.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sqlite3
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import numpy as np

from pasokh.embeddings.encoder import ModelInfo

from .articles import Article
from .errors import StoreError, StoreProblem
from .passages import PASSAGE_FORMAT
from .sentences import SentenceSpan
from .store import Store
from .vector_index import SNAPSHOT_DIR, IndexParams, VectorIndex, remove_stale_snapshots, snapshot_name

log = logging.getLogger(__name__)


class CrashPoint(Enum):
    """Where a publish can be interrupted (for the reliability suite)."""

    BEFORE_ROWS = "before_rows"
    BEFORE_SNAPSHOT = "before_snapshot"  # rows written, snapshot not yet
    BEFORE_COMMIT = "before_commit"  # snapshot file written, generation not yet switched
    AFTER_COMMIT = "after_commit"  # live, stale snapshots not yet removed


def _maybe_crash(point: CrashPoint, crash_at: str | None) -> None:
    if crash_at == point.value:
        os.kill(os.getpid(), signal.SIGKILL)


def publish(store: Store, data_dir: Path, batch: Sequence[tuple[Article, Sequence[SentenceSpan], np.ndarray]],
            replaced: Sequence[int], *, info: ModelInfo | None, index_params: IndexParams,
            fresh_index: bool = False, crash_at: str | None = None) -> tuple[int, int, int]:
    """Publish ``batch`` (article, sentences, vectors) and retire the article rows ``replaced``.

    Returns ``(generation, sentences added, sentences removed)``; raises ``StoreError`` (a
    full disk, an unreadable snapshot) with the previous generation left live.
    """
    generation = store.generation() + 1
    snapshots = Path(data_dir) / SNAPSHOT_DIR
    current = None if fresh_index else store.get_meta("snapshot")
    name = snapshot_name(generation)
    # read into memory, not mapped: this copy is about to be modified
    try:
        index = VectorIndex.load(snapshots / current, mmap=False, params=index_params) if current else None
    except RuntimeError as error:
        raise StoreError(StoreProblem.SNAPSHOT_UNREADABLE, snapshots / current, str(error)) from error
    # a snapshot of this generation left by an interrupted run was never committed: it is not live
    (snapshots / name).unlink(missing_ok=True)
    _maybe_crash(CrashPoint.BEFORE_ROWS, crash_at)
    try:
        with store.transaction():
            store.purge_retired(generation)
            removed_ids: list[int] = []
            for key in replaced:
                removed_ids.extend(store.sentence_ids_of(key))
                store.retire_article(key, generation)
            new_ids: list[int] = []
            vectors: list[np.ndarray] = []
            for article, sentences, article_vectors in batch:
                new_ids.extend(store.add_article(article, sentences, generation))
                vectors.append(article_vectors)
            _maybe_crash(CrashPoint.BEFORE_SNAPSHOT, crash_at)
            if index is None:
                index = VectorIndex(vectors[0].shape[1] if vectors else 384, params=index_params)
            index.remove(removed_ids)
            if vectors:
                index.add(np.asarray(new_ids, dtype=np.int64), np.vstack(vectors))
            index.save(snapshots / name)
            if batch and info is not None:
                store.set_meta("model_id", info.model_id)
                store.set_meta("dimension", str(info.dimension))
                store.set_meta("fingerprint", info.fingerprint)
                store.set_meta("passage_format", PASSAGE_FORMAT)
            store.set_meta("snapshot", name)
            store.set_meta("generation", str(generation))
            _maybe_crash(CrashPoint.BEFORE_COMMIT, crash_at)
    except BaseException as error:
        (snapshots / name).unlink(missing_ok=True)  # not committed: never leave it behind
        if _is_disk_full(error):
            raise StoreError(StoreProblem.DISK_FULL, Path(data_dir), str(error)) from error
        raise
    _maybe_crash(CrashPoint.AFTER_COMMIT, crash_at)
    remove_stale_snapshots(snapshots, keep={generation, generation - 1})
    log.info("generation %d live: +%d / -%d sentences", generation, len(new_ids), len(removed_ids))
    return generation, len(new_ids), len(removed_ids)


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(error, sqlite3.OperationalError) and "full" in str(error).lower():
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("no space left" in text or "errno 28" in text)
