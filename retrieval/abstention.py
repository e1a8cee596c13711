"""Deciding whether the best sentences answer the question at all, and which follow-ups to quote.

multilingual-e5 similarities are compressed (unrelated Persian sentences still
score 0.75-0.8), and a news index holds many articles on neighbouring topics,
so no single score separates "answered" from "not in the articles". The
decision is a logistic model over several signals of the ranked list (the
ranker's score and margin, the best dense score, how much of the question's
rarer wording the best sentence holds), trained by ``training.py`` on
answerable questions and on the same questions with their article hidden
(off-topic), with the threshold set for few false refusals
(``models/abstention.json``; docs/quality.md has the calibration).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .candidates import Candidate
from .normalize import match_tokens
from .ranker import LinearModel, load_model

_PERSIAN_LETTER = re.compile(r"[\u0600-\u06FF]")

def answer_signals(question: str, ranked: Sequence[Candidate]) -> dict[str, float]:
    """What the decision weighs, from the ranked candidates (best first, at least one)."""
    top = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else top.score - 5.0
    features = top.features
    return {
        "top_score": top.score,
        "margin": top.score - second,
        "top_dense": top.dense,
        "max_dense": max(c.dense for c in ranked),
        "top_overlap": features.get("overlap", 0.0),
        "top_idf_overlap": features.get("idf_overlap", 0.0),
        "top_local_stem_overlap": features.get("local_stem_overlap", 0.0),
        "top_untitled_overlap": features.get("untitled_overlap", 0.0),
        "question_terms": math.log1p(len(match_tokens(question))),
        "latin_question": float(not _PERSIAN_LETTER.search(question)),
    }


@dataclass(frozen=True)
class AbstentionPolicy:
    """Answer when the decision model says the best sentence answers; quote follow-ups close to it."""

    model: LinearModel = field(default_factory=lambda: load_model("abstention"))
    follow_up_margin: float = 0.08
    """Results after the first are quoted only within this cosine distance of the best one
    (seed article: its other sentences sit within 0.07 of the best; sentences of an unrelated
    article 0.15 below)."""
    follow_up_ratio: float = 0.15
    """...and only when the ranker gives them at least this share of the best one's weight
    (a softmax over the candidates): a follow-up that adds nothing is left out."""

    def confidence(self, question: str, ranked: Sequence[Candidate]) -> float:
        """How likely the best candidate answers ``question`` (0..1)."""
        return self.model.probability(answer_signals(question, ranked)) if ranked else 0.0

    def accepts(self, question: str, ranked: Sequence[Candidate]) -> bool:
        """True if ``ranked`` (best first) answer ``question``."""
        if not ranked:
            return False
        threshold = self.model.threshold if self.model.threshold is not None else 0.5
        return self.confidence(question, ranked) >= threshold

    more_ratio: float = 0.02
    """"More results" offers candidates down to this share of the best one's ranker weight; below it
    nothing relevant is left and the button goes away."""
    more_margin: float = 0.15

    def worth_offering(self, ranked: Sequence[Candidate], shown: Sequence[Candidate]) -> list[Candidate]:
        """The candidates after ``shown`` that are still related enough to offer, best first."""
        if not ranked:
            return []
        skip = {id(c) for c in shown}
        return [c for c in ranked if id(c) not in skip and _close(ranked[0], c, self.more_margin, self.more_ratio)]

    def worth_quoting(self, ranked: Sequence[Candidate]) -> list[Candidate]:
        """The best candidate and the follow-ups close enough to it to be worth reading."""
        if not ranked:
            return []
        top = ranked[0]
        return [top] + [c for c in ranked[1:] if _close(top, c, self.follow_up_margin, self.follow_up_ratio)]


def _close(top: Candidate, candidate: Candidate, margin: float, ratio: float) -> bool:
    """Within ``margin`` cosine of the best and at least ``ratio`` of its ranker weight."""
    return candidate.dense >= top.dense - margin and math.exp(candidate.score - top.score) >= ratio
