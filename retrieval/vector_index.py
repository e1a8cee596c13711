"""FAISS vector snapshots: one immutable file per index generation.

Each generation is written to a temporary file, fsynced and renamed into place,
so a crash at any point leaves every published snapshot loadable. Vectors are
L2-normalized and searched by inner product (cosine similarity); FAISS ids are
the SQLite sentence ids.

Exact or approximate (docs/performance.md has the measurements):

- Up to ``IndexParams.exact_max`` sentences the snapshot is ``IndexIDMap2(IndexFlatIP)``:
  exact search, about 1 ms per question at 10k sentences.
- Above it, the index becomes ``IndexIDMap2(IndexHNSWFlat)`` (built once from
  the flat vectors, then grown incrementally with ``add``). HNSW cannot remove
  vectors, so ``remove`` leaves a *tombstone*: the entry's id in the id map
  becomes -1 and searches skip it with an id selector. The tombstones are part
  of the snapshot file itself (the id map), so one file stays the whole truth.
  When tombstones pass ``COMPACT_SHARE`` of the entries the index is rebuilt
  from its live vectors (flat again if few are left). HNSW stores the full
  float32 vectors, so nothing is lost by the conversion.
- Above ``IndexParams.ivf_min`` (200,000) an HNSW graph of float32 vectors
  takes 2 GB a million: the index becomes ``IndexIDMap2(IndexIVFScalarQuantizer)``,
  8-bit codes in ``4·√n`` lists trained on a sample of the vectors, searched in
  ``nprobe`` lists (recall@10 against exact search in docs/performance.md),
  with the same tombstones. Its lists are memory-mapped like the rest.

Snapshots are loaded memory-mapped (``IO_FLAG_MMAP_IFC``): a cold ``pasokh ask``
maps the vectors instead of copying them, and processes serving the same
snapshot share its pages. Snapshot files are never modified in place (a new
generation is a new file, and a deleted file stays readable while mapped), so
the mapping is safe. A mapped index is copied into owned memory before its
first modification.

FAISS runs with one OpenMP thread unless ``set_faiss_threads`` says otherwise
(the ``PASOKH_FAISS_THREADS`` setting): one question is searched by one thread
anyway, and on a 2-core machine with the other core busy a 2-thread FAISS
search took 48 ms instead of 10 ms.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pasokh.embeddings.memory import release_freed_memory as _release_freed_memory

SNAPSHOT_DIR = "snapshots"
_NAME = re.compile(r"^gen-(\d{8})\.faiss$")


HNSW_M = 32
"""HNSW graph degree (2*M links per vector on the bottom layer)."""

EF_CONSTRUCTION = 80
"""HNSW candidate list while inserting."""

COMPACT_SHARE = 0.2
"""Rebuild an HNSW index once this share of its entries are tombstones."""


@dataclass(frozen=True)
class IndexParams:
    """When to search approximately, and how widely (settings ``PASOKH_EXACT_MAX``, ``PASOKH_EF_SEARCH``)."""

    exact_max: int = 50_000
    """Exact (flat) search up to this many vectors; HNSW above."""
    ef_search: int = 512
    """HNSW candidate list while searching (at least ``k``). At 94,791 news
    sentences, recall@10 against exact search: 0.979 at 128, 0.990 at 256, 0.996
    at 512 (0.76 ms a question; exact search there takes 4.6 ms)."""
    ivf_min: int = 200_000
    """IVF with 8-bit codes above this many vectors (``PASOKH_IVF_MIN``)."""
    nprobe: int = 48
    """IVF lists searched per question (``PASOKH_NPROBE``)."""


_LIVE_IDS = (0, 1 << 62)  # sentence ids are >= 0; tombstones are -1

_faiss_module = None
_faiss_threads = 1


def set_faiss_threads(threads: int) -> None:
    """OpenMP threads for FAISS searches in this process (default 1)."""
    global _faiss_threads
    _faiss_threads = max(1, threads)
    if _faiss_module is not None:
        _faiss_module.omp_set_num_threads(_faiss_threads)


def _faiss():
    global _faiss_module
    if _faiss_module is None:
        import faiss  # imported lazily: `pasokh status` must not pay for it

        faiss.omp_set_num_threads(_faiss_threads)
        _faiss_module = faiss
    return _faiss_module


def snapshot_name(generation: int) -> str:
    """File name of the snapshot for ``generation``."""
    return f"gen-{generation:08d}.faiss"


class VectorIndex:
    """A FAISS index of sentence vectors keyed by sentence id (exact or HNSW)."""

    def __init__(self, dimension: int, index=None, *, owned: bool = True,
                 params: IndexParams = IndexParams()) -> None:
        faiss = _faiss()
        self.dimension = dimension
        self.params = params
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._owned = owned
        self._path: Path | None = None  # the file a mapped index maps
        self._dead = self._count_tombstones() if self.is_approximate else 0

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True, params: IndexParams = IndexParams()) -> VectorIndex:
        """Read a snapshot file (memory-mapped unless ``mmap=False``)."""
        faiss = _faiss()
        if mmap:
            try:
                index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
                loaded = cls(index.d, index, owned=False, params=params)
                loaded._path = Path(path)
                return loaded
            except RuntimeError:
                pass  # an index type FAISS cannot map: read it
        index = faiss.read_index(str(path))
        return cls(index.d, index, params=params)

    # ---- what it is ---------------------------------------------------------
    @property
    def kind(self) -> str:
        """``flat`` (exact), ``hnsw`` or ``ivf``."""
        faiss = _faiss()
        inner = faiss.downcast_index(self._index.index)
        if isinstance(inner, faiss.IndexHNSW):
            return "hnsw"
        if isinstance(inner, faiss.IndexIVF):
            return "ivf"
        return "flat"

    @property
    def is_approximate(self) -> bool:
        """True for HNSW and IVF (removals are tombstones), False for exact search."""
        return self.kind != "flat"

    @property
    def tombstones(self) -> int:
        """Removed entries still in an HNSW graph."""
        return self._dead

    def __len__(self) -> int:
        return int(self._index.ntotal) - self._dead

    # ---- changes ------------------------------------------------------------
    def _own(self) -> None:
        """Copy a mapped index into owned memory before its first change.

        A clone of a mapped index still points into the file: read the file
        again (one copy), or go through bytes if it is gone (two copies, briefly).
        """
        if self._owned:
            return
        faiss = _faiss()
        owned = None
        try:
            if self._path is not None:
                owned = faiss.read_index(str(self._path))
        except RuntimeError:
            pass
        self._index = owned if owned is not None else faiss.deserialize_index(faiss.serialize_index(self._index))
        self._owned = True
        self._path = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` (n x dim, normalized) under sentence ``ids``."""
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"vector dimension {vectors.shape[-1]} != index dimension {self.dimension}")
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._own()
        if _GROWTH.index(_kind_for(len(self) + len(ids), self.params)) > _GROWTH.index(self.kind):
            live_ids, live_vectors = self._live_entries()
            self._rebuild(np.concatenate([live_ids, ids]), np.vstack([live_vectors, vectors]))
            return
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: list[int]) -> None:
        """Remove the vectors of sentence ``ids``."""
        if not len(ids):
            return
        self._own()
        ids = np.asarray(ids, dtype=np.int64)
        if not self.is_approximate:
            self._index.remove_ids(ids)
            return
        faiss = _faiss()
        id_map = faiss.vector_to_array(self._index.id_map)
        doomed = np.isin(id_map, ids) & (id_map >= 0)
        if not doomed.any():
            return
        id_map[doomed] = -1
        faiss.copy_array_to_vector(id_map, self._index.id_map)
        self._index.construct_rev_map()
        self._dead = int((id_map < 0).sum())
        if self._dead > COMPACT_SHARE * self._index.ntotal:
            self._rebuild(*self._live_entries())

    def _live_entries(self) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        id_map = faiss.vector_to_array(self._index.id_map)
        n = int(self._index.ntotal)
        vectors = self._index.index.reconstruct_n(0, n) if n else np.zeros((0, self.dimension), np.float32)
        live = id_map >= 0
        return id_map[live], vectors[live]

    def _rebuild(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._index = None
        self._index = build_index(self.dimension, ids, vectors, params=self.params)
        self._owned = True
        self._dead = 0
        _release_freed_memory()

    def _count_tombstones(self) -> int:
        faiss = _faiss()
        return int((faiss.vector_to_array(self._index.id_map) < 0).sum())

    # ---- queries ------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, *, ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) for each query row; ids are -1 where fewer exist."""
        k = max(1, min(k, len(self))) if len(self) else 1
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries.reshape(1, -1)
        if len(self) == 0:
            n = queries.shape[0]
            return np.zeros((n, k), np.float32), np.full((n, k), -1, np.int64)
        kind = self.kind
        if kind == "flat":
            return self._index.search(queries, k)
        faiss = _faiss()
        if kind == "hnsw":
            search = faiss.SearchParametersHNSW()
            search.efSearch = max(ef_search or self.params.ef_search, k)
        else:
            search = faiss.SearchParametersIVF()
            search.nprobe = self.params.nprobe
        if self._dead:
            selector = faiss.IDSelectorRange(*_LIVE_IDS)  # sees the ids after the id map: skips -1
            search.sel = selector
        scores, labels = self._index.search(queries, k, params=search)
        return scores, labels

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of sentence ``ids`` (for candidates the lexical channel found)."""
        if not len(ids):
            return np.zeros((0, self.dimension), np.float32)
        return np.vstack([self._index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def ids(self) -> np.ndarray:
        """The live sentence ids, in storage order (``pasokh status --check`` compares them with the store)."""
        faiss = _faiss()
        id_map = faiss.vector_to_array(self._index.id_map)
        return id_map[id_map >= 0]

    # ---- files --------------------------------------------------------------
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


IVF_TRAINING_PER_LIST = 40
"""Training vectors per IVF list (FAISS asks for 30-256); a sample, so training stays a few minutes."""


_GROWTH = ("flat", "hnsw", "ivf")  # an index only changes kind upwards while it grows


def _kind_for(count: int, params: IndexParams) -> str:
    if count > params.ivf_min:
        return "ivf"
    return "hnsw" if count > params.exact_max else "flat"


def build_index(dimension: int, ids: np.ndarray, vectors: np.ndarray, *,
                params: IndexParams = IndexParams(), kind: str | None = None):
    """A new FAISS index over ``vectors``: flat up to ``params.exact_max`` vectors, HNSW up to
    ``params.ivf_min``, IVF above (``kind`` forces one)."""
    faiss = _faiss()
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or _kind_for(len(ids), params)
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = EF_CONSTRUCTION
        inner.hnsw.efSearch = params.ef_search
    elif kind == "ivf":
        lists = max(16, int(4 * np.sqrt(len(ids))))
        inner = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dimension), dimension, lists,
                                              faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(ids), min(len(ids), IVF_TRAINING_PER_LIST * lists),
                                                 replace=False)
        inner.train(vectors[np.sort(sample)])
        inner.make_direct_map()  # candidates found by the lexical channel are looked up by id
        inner.nprobe = params.nprobe
    else:
        inner = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIDMap2(inner)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_snapshots(directory: Path, keep: set[int]) -> None:
    """Delete snapshot files (and leftover temp files) except generations in ``keep``.

    A reader that already loaded a snapshot keeps it in memory (or mapped: an
    unlinked file stays readable while mapped), so deleting the file does not
    disturb it; a reader about to load an old one retries with the live generation.
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
