"""Deciding whether the best sentences answer the question at all.

multilingual-e5 similarities are compressed (unrelated Persian sentences still
score around 0.75-0.8), so the top score alone separates poorly. The policy
combines it with lexical evidence: how many of the question's content words
(normalized, question words removed) occur in the top sentences. Thresholds were
calibrated on half of PersianQA (see README, "Abstention").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import match_tokens, normalize_for_matching
from .store import SentenceRecord

GREETINGS = frozenset(normalize_for_matching(w) for w in (
    "سلام", "درود", "سلام علیکم", "خداحافظ", "خدانگهدار", "ممنون", "مرسی", "متشکرم", "تشکر", "سپاس",
    "صبح بخیر", "شب بخیر", "عصر بخیر", "روز بخیر", "خوبی", "چطوری", "hi", "hello", "hey", "thanks",
    "thank you", "bye", "ok", "اوکی", "باشه",
))


def looks_like_question(text: str) -> bool:
    """False for empty, punctuation-only, or pure greeting/thanks messages."""
    normalized = normalize_for_matching(text)
    words = match_tokens(text, drop_stopwords=False)
    if not words:
        return False
    stripped = " ".join(words)
    if stripped in GREETINGS or normalized.strip(" !?؟.،,") in GREETINGS:
        return False
    return bool(match_tokens(text))


def lexical_overlap(question: str, sentence: str) -> float:
    """Fraction of the question's content tokens found in ``sentence`` (ZWNJ-insensitive)."""
    tokens = match_tokens(question)
    if not tokens:
        return 0.0
    haystack = normalize_for_matching(sentence)
    squashed = haystack.replace(" ", "")
    found = sum(1 for token in tokens if token in haystack or (len(token) > 3 and token in squashed))
    return found / len(tokens)


@dataclass(frozen=True)
class AbstentionPolicy:
    """Answer when the top sentence scores high, or fairly high with word overlap."""

    min_score: float = 0.80
    confident_score: float = 0.87
    min_overlap: float = 0.34
    overlap_depth: int = 3

    def accepts(self, question: str, ranked: Sequence[tuple[float, SentenceRecord]]) -> bool:
        """True if ``ranked`` (score, sentence), best first, answers ``question``."""
        if not ranked:
            return False
        top = ranked[0][0]
        if top >= self.confident_score:
            return True
        if top < self.min_score:
            return False
        overlap = max(lexical_overlap(question, record.text) for _, record in ranked[: self.overlap_depth])
        return overlap >= self.min_overlap
