"""Deciding whether the best sentences answer the question at all.

multilingual-e5 similarities are compressed (unrelated Persian sentences still
score around 0.75-0.8), so the top score alone separates poorly. The policy
combines it with lexical evidence: how many of the question's content words
(normalized, question words removed) occur in the top sentences. Thresholds were
calibrated on the even half of PersianQA (docs/quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import match_tokens, normalize_for_matching
from .fusion import Candidate

_PERSIAN_LETTER = re.compile(r"[\u0600-\u06FF]")

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


@dataclass(frozen=True)
class AbstentionPolicy:
    """Answer when the top sentence scores high, or fairly high with word overlap."""

    # even half of PersianQA, titles in the passage vectors: 3.0 % of answerable
    # and 97.9 % of off-topic questions abstained (docs/quality.md)
    min_score: float = 0.84
    confident_score: float = 0.865
    min_overlap: float = 0.6
    overlap_depth: int = 3
    follow_up_margin: float = 0.08
    """Results after the first are quoted only within this cosine distance of the best one
    (seed article: its other sentences sit within 0.07 of the best; sentences of an unrelated
    article 0.15 below)."""

    def accepts(self, question: str, candidates: Sequence[Candidate]) -> bool:
        """True if ``candidates`` (best first) answer ``question``."""
        if not candidates:
            return False
        top = max(c.dense for c in candidates)
        if top >= self.confident_score:
            return True
        if top < self.min_score:
            return False
        if not _PERSIAN_LETTER.search(question):
            # a question in another script shares no words with Persian text;
            # the dense score is the only evidence, and it cleared min_score
            return True
        overlap = max(c.overlap for c in candidates[: self.overlap_depth])
        return overlap >= self.min_overlap
