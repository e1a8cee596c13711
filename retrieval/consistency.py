"""Checking that a data directory is whole: the live snapshot holds exactly the live sentences.

What ``pasokh status --check`` runs after a crash or a full disk, and what the
reliability suite counts as a "bad state".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import NoIndexError
from .store import DB_NAME, Store
from .vector_index import SNAPSHOT_DIR, IndexParams, VectorIndex


@dataclass(frozen=True)
class Consistency:
    """What the check found; ``ok`` when nothing is wrong."""

    generation: int
    sentences: int
    snapshot: str | None
    snapshot_readable: bool
    missing_vectors: int  # live sentences the snapshot has no vector for
    stray_vectors: int  # vectors of sentences that are not live
    stray_files: tuple[str, ...]  # leftover temporary files in the snapshot folder

    @property
    def ok(self) -> bool:
        return self.snapshot_readable and not (self.missing_vectors or self.stray_vectors or self.stray_files)


def check_data_dir(data_dir: Path, index_params: IndexParams = IndexParams()) -> Consistency:
    """Compare the store's live sentences with the live snapshot's ids (read-only)."""
    data_dir = Path(data_dir)
    if not (data_dir / DB_NAME).exists():
        raise NoIndexError(data_dir)
    store = Store(data_dir, create=False)
    try:
        with store.consistent_read():  # one view of generation, snapshot name and rows
            generation = store.generation()
            name = store.get_meta("snapshot")
            live = store.live_sentence_ids()
    finally:
        store.close()
    folder = data_dir / SNAPSHOT_DIR
    strays = tuple(sorted(p.name for p in folder.glob("*.tmp"))) if folder.is_dir() else ()
    ids: set[int] = set()
    readable = True
    if name:
        try:
            ids = set(VectorIndex.load(folder / name, params=index_params).ids().tolist())
        except RuntimeError:
            readable = False
    elif live:
        readable = False
    return Consistency(generation, len(live), name, readable, len(live - ids) if readable else len(live),
                       len(ids - live), strays)
