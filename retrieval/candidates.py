"""Gathering a question's candidate sentences from both channels, and ranking them.

The dense channel (FAISS) finds sentences about the question; the lexical
channel (FTS5 over matching tokens) finds the ones that share its rarer words,
so a name or a two-word keyword question reaches its sentence even when the
vectors rank it low. The union is scored by the learned ranker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .features import CandidateInput, IndexStatistics, candidate_features
from .ranker import LinearModel
from .store import SentenceRecord, Store
from .vector_index import VectorIndex

DENSE_DEPTH = 30
"""Sentences taken from the dense channel (the gold sentence is among them for 98 % of
news_qa_train questions)."""

LEXICAL_DEPTH = 30
"""Sentences taken from the lexical channel."""


@dataclass(frozen=True)
class Candidate:
    """A retrieved sentence with its scores: ``score`` (the ranker's) orders results."""

    score: float
    dense: float
    features: dict[str, float]
    record: SentenceRecord


class RowsPurged(Exception):
    """Rows of the snapshot being searched were purged meanwhile: reload the live one."""


def gather(store: Store, index: VectorIndex, generation: int, vector: np.ndarray, terms: Sequence[str], *,
           exclude_article_ids: frozenset[str] = frozenset(),
           dense_depth: int = DENSE_DEPTH, lexical_depth: int = LEXICAL_DEPTH) -> list[CandidateInput]:
    """Candidates of generation ``generation`` from both channels (raises ``RowsPurged``)."""
    extra = 64 if exclude_article_ids else 0
    scores, ids = index.search(vector.reshape(1, -1), dense_depth + extra)
    dense = {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}
    lexical = [i for i, _ in store.lexical_search(terms, lexical_depth + extra) if i not in dense]
    records = store.sentences_by_ids([*dense, *lexical])
    if any(i not in records for i in dense):
        raise RowsPurged()
    lexical = [i for i in lexical if i in records and records[i].live_in(generation)]
    if lexical:
        extra_scores = index.vectors(lexical) @ vector.reshape(-1)
        dense.update((i, float(s)) for i, s in zip(lexical, extra_scores))
    return [CandidateInput(records[i], score) for i, score in dense.items()
            if records[i].article_id not in exclude_article_ids]


def rank(question: str, inputs: Sequence[CandidateInput], stats: IndexStatistics,
         model: LinearModel) -> list[Candidate]:
    """``inputs`` scored by ``model``, best first."""
    rows = candidate_features(question, inputs, stats)
    ranked = [Candidate(model.score(row), item.dense, row, item.record) for item, row in zip(inputs, rows)]
    ranked.sort(key=lambda c: -c.score)
    return ranked
