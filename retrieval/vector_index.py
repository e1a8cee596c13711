"""FAISS vector snapshots: one immutable file per index generation.

Each generation is written to a temporary file, fsynced and renamed into place,
so a crash at any point leaves every published snapshot loadable. Vectors are
L2-normalized and searched by exact inner product (cosine similarity); FAISS
ids are the SQLite sentence ids.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

SNAPSHOT_DIR = "snapshots"
_NAME = re.compile(r"^gen-(\d{8})\.faiss$")


def _faiss():
    import faiss  # imported lazily: `pasokh status` must not pay for it

    return faiss


def snapshot_name(generation: int) -> str:
    """File name of the snapshot for ``generation``."""
    return f"gen-{generation:08d}.faiss"


class VectorIndex:
    """An in-memory FAISS index of sentence vectors keyed by sentence id."""

    def __init__(self, dimension: int, index=None) -> None:
        faiss = _faiss()
        self.dimension = dimension
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read a snapshot file."""
        faiss = _faiss()
        index = faiss.read_index(str(path))
        return cls(index.d, index)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def copy(self) -> VectorIndex:
        """An independent copy to modify while readers keep using this one."""
        faiss = _faiss()
        return VectorIndex(self.dimension, faiss.clone_index(self._index))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` (n x dim, normalized) under sentence ``ids``."""
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"vector dimension {vectors.shape[1]} != index dimension {self.dimension}")
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> None:
        """Remove the vectors of sentence ``ids``."""
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) for each query row; ids are -1 where fewer exist."""
        k = max(1, min(k, len(self))) if len(self) else 1
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(self) == 0:
            n = queries.shape[0]
            return np.zeros((n, k), np.float32), np.full((n, k), -1, np.int64)
        return self._index.search(queries, k)

    def vectors_of(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of sentence ``ids`` (n x dim)."""
        return np.vstack([self._index.reconstruct(int(i)) for i in ids]) if ids else np.zeros((0, self.dimension), np.float32)

    def save(self, path: Path) -> None:
        """Write atomically: temp file, fsync, rename, fsync the directory."""
        faiss = _faiss()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            faiss.write_index(self._index, str(temporary))
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                temporary.unlink()
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_snapshots(directory: Path, keep: set[int]) -> None:
    """Delete snapshot files (and leftover temp files) except generations in ``keep``.

    A reader that already loaded a snapshot keeps it in memory, so deleting the
    file does not disturb it; a reader about to load an old one retries with the
    live generation.
    """
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        match = _NAME.match(entry.name)
        if (match and int(match.group(1)) not in keep) or entry.name.endswith(".tmp"):
            try:
                entry.unlink()
            except FileNotFoundError:
                pass
