"""Re-ranking dense candidates with lexical evidence.

The dense score alone prefers sentences that are "about" the question; a small
bonus for sentences that contain the question's content words moves the one
that actually answers it up. With titles in the passage vectors (passages.py)
the dense scores of one article's sentences sit closer together, so the best
weight is smaller than before: PersianQA even half, hit@1 0.742 -> 0.763 with
weight 0.02 (0.015-0.03 is a plateau; 0.05 gave 0.739). BM25 with stemming,
candidate-local IDF and answer-type cues were measured on top and added
nothing beyond noise (docs/quality.md), so this stays one cheap feature.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .normalize import match_tokens, normalize_for_matching
from .store import SentenceRecord

LEXICAL_WEIGHT = 0.02


def lexical_overlap(question: str, sentence: str, *, tokens: list[str] | None = None) -> float:
    """Fraction of the question's content tokens found in ``sentence``.

    Matching is on normalized text, so ZWNJ, Arabic letter forms and digit
    scripts do not matter; a token also counts if it appears with the spaces
    squeezed out (the seed article writes ``کرهجنوبی`` for ``کره جنوبی``).
    """
    tokens = match_tokens(question) if tokens is None else tokens  # callers scoring many sentences pass them
    if not tokens:
        return 0.0
    haystack = normalize_for_matching(sentence)
    squashed = haystack.replace(" ", "")
    found = sum(1 for token in tokens if token in haystack or (len(token) > 3 and token in squashed))
    return found / len(tokens)


@dataclass(frozen=True)
class Candidate:
    """A retrieved sentence with its scores: ``score`` orders results."""

    score: float
    dense: float
    overlap: float
    record: SentenceRecord


def fuse(question: str, pairs: Iterable[tuple[float, SentenceRecord]], *,
         weight: float = LEXICAL_WEIGHT) -> list[Candidate]:
    """Score each (dense score, sentence) pair and sort best first."""
    candidates = []
    tokens = match_tokens(question)
    for dense, record in pairs:
        overlap = lexical_overlap(question, record.text, tokens=tokens)
        candidates.append(Candidate(dense + weight * overlap, dense, overlap, record))
    candidates.sort(key=lambda c: -c.score)
    return candidates
