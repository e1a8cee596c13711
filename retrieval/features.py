"""The evidence the ranker weighs for each candidate sentence of a question.

Every feature is computed from the question, the candidate list and the
index's term statistics, at query time, in pure Python (about 2 ms for 60
candidates). The ranker (``ranker.py``) picks features by name, so a model
trained on an older list keeps working as features are added. Names and why
each one is there (docs/quality.md has the measurements):

- ``dense``, ``gap``: cosine to the title-prefixed passage vector, and its
  distance to the best candidate's.
- ``overlap``: share of the question's words found in the sentence (substring,
  so ``کره جنوبی`` also finds ``کرهجنوبی``).
- ``idf_overlap``: the same, each word weighted by its IDF over the whole index.
- ``bm25``: BM25 over the index's statistics, relative to the best candidate.
- ``local_*``: overlaps weighted by IDF *among the candidates*: the words that
  every sentence of the article shares count little, the words that single
  out one sentence count much. ``local_stem_overlap`` matches on the first
  five letters (Persian inflects by suffix).
- ``untitled_*``: the same without the question's words that are in the
  article's title: the title is already in every sentence's vector, and a
  Wikipedia paragraph names its subject in sentences that do not answer.
- ``title_line``: the sentence is the headline itself.
- ``same_article_as_top``, ``article_best_gap``: how the sentence's article
  fares among the candidates.
- ``when_date``, ``how_many_number``, ``how_many_digit``, ``why_reason``:
  the question's kind meets a sentence that holds that kind of answer.
- ``log_length``: how long the sentence is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .answer_cues import SentenceCues, question_kind, sentence_cues
from .normalize import match_tokens, normalize_for_matching
from .store import SentenceRecord

STEM_CHARS = 5
MIN_IDF_SENTENCES = 2000
_NO_CUES = SentenceCues(False, False, False, False)
_TERMINAL = ".!?؟…:؛ "


@dataclass(frozen=True)
class CandidateInput:
    """One retrieved sentence before ranking: its record and its dense score."""

    record: SentenceRecord
    dense: float


@dataclass(frozen=True)
class IndexStatistics:
    """What the whole index says about the question's words: sentence count and document frequencies."""

    sentences: int
    document_counts: Mapping[str, int]

    def idf(self, term: str) -> float:
        """BM25's IDF (never below a small positive floor, as FTS5 does).

        The sentence count is taken as at least ``MIN_IDF_SENTENCES``: in an index of one
        article every word is "common", and IDFs from 14 sentences would be nothing like the
        ones the ranker was trained with (news_qa_train: 1,998 sentences)."""
        n = self.document_counts.get(term, 0)
        total = max(self.sentences, MIN_IDF_SENTENCES)
        return max(1e-6, math.log((total - n + 0.5) / (n + 0.5)))


def _stem(token: str) -> str:
    return token[:STEM_CHARS]


def _fold(text: str) -> str:
    return normalize_for_matching(text).rstrip(_TERMINAL)


def candidate_features(question: str, candidates: Sequence[CandidateInput],
                       stats: IndexStatistics) -> list[dict[str, float]]:
    """One ``{feature name: value}`` per candidate, in order."""
    if not candidates:
        return []
    question_tokens = list(dict.fromkeys(match_tokens(question)))
    question_set = set(question_tokens)
    kind = question_kind(question)
    # the store keeps each sentence's tokens (the lexical channel's terms): no re-tokenizing per question
    sentence_tokens = [c.record.terms.split() for c in candidates]
    normalized_texts = [normalize_for_matching(c.record.text) for c in candidates]
    title_stems: dict[int, set[str]] = {}
    folded_titles: dict[int, str] = {}
    sentence_sets = [set(tokens) for tokens in sentence_tokens]
    stem_sets = [{_stem(t) for t in tokens} for tokens in sentence_sets]
    question_stems = {_stem(t) for t in question_set}

    n = len(candidates)
    local_df = Counter(t for tokens in sentence_sets for t in tokens & question_set)
    local_stem_df = Counter(t for stems in stem_sets for t in stems & question_stems)
    local_idf = {t: math.log((n + 1) / (local_df.get(t, 0) + 0.5)) for t in question_set}
    local_stem_idf = {t: math.log((n + 1) / (local_stem_df.get(t, 0) + 0.5)) for t in question_stems}
    global_idf = {t: stats.idf(t) for t in question_set}
    average_length = sum(len(tokens) for tokens in sentence_tokens) / n or 1.0

    top_dense = max(c.dense for c in candidates)
    top_article = max(candidates, key=lambda c: c.dense).record.article_key
    article_best: dict[int, float] = {}
    for c in candidates:
        article_best[c.record.article_key] = max(article_best.get(c.record.article_key, -1.0), c.dense)

    rows: list[dict[str, float]] = []
    bm25_values = []
    for c, tokens, token_set, stems, normalized in zip(candidates, sentence_tokens, sentence_sets, stem_sets,
                                                         normalized_texts):
        record = c.record
        if record.article_key not in title_stems:
            title_stems[record.article_key] = {_stem(t) for t in match_tokens(record.title)}
            folded_titles[record.article_key] = _fold(record.title)
        counts = Counter(tokens)
        bm25_values.append((_bm25(global_idf, counts, len(tokens), average_length),
                            _bm25(local_idf, counts, len(tokens), average_length)))
        untitled = question_stems - title_stems[record.article_key]
        untitled_idf = sum(local_stem_idf[t] for t in untitled) or 1.0
        cues = sentence_cues(normalized) if (kind.when or kind.how_many or kind.why) else _NO_CUES
        idf_overlap = _weighted_share(question_set, token_set, global_idf)
        rows.append({
            "dense": c.dense,
            "gap": c.dense - top_dense,
            "overlap": _substring_share(question_tokens, normalized),
            "idf_overlap": idf_overlap,
            "local_overlap": _weighted_share(question_set, token_set, local_idf),
            "local_stem_overlap": _weighted_share(question_stems, stems, local_stem_idf),
            "untitled_local_stem_overlap": sum(local_stem_idf[t] for t in untitled if t in stems) / untitled_idf
            if untitled else 0.0,
            "untitled_overlap": sum(1 for t in untitled if t in stems) / len(untitled) if untitled else 0.0,
            "title_line": float(normalized.rstrip(_TERMINAL) == folded_titles[record.article_key]),
            "same_article_as_top": float(record.article_key == top_article),
            "article_best_gap": article_best[record.article_key] - top_dense,
            "when_date": float(kind.when and cues.date),
            "how_many_number": float(kind.how_many and cues.number),
            "how_many_digit": float(kind.how_many and cues.digit),
            "why_reason": float(kind.why and cues.reason),
            "log_length": math.log1p(len(tokens)),
        })
    best_bm25 = max(b for b, _ in bm25_values) or 1.0
    best_local = max(b for _, b in bm25_values) or 1.0
    for row, (bm25, local_bm25) in zip(rows, bm25_values):
        row["bm25"] = bm25 / best_bm25
        row["local_bm25"] = local_bm25 / best_local
    return rows


def _bm25(idf: Mapping[str, float], counts: Counter, length: int, average_length: float) -> float:
    """BM25 (k1 1.2, b 0.75) of one sentence's term ``counts`` for the question terms that ``idf`` weighs."""
    return sum(idf[t] * counts[t] * 2.2 / (counts[t] + 1.2 * (0.25 + 0.75 * length / average_length))
               for t in idf if counts.get(t))


def _substring_share(tokens: Sequence[str], normalized_sentence: str) -> float:
    """Share of ``tokens`` found in the normalized sentence, also with its spaces squeezed out
    (the seed article writes ``کرهجنوبی`` for ``کره جنوبی``)."""
    if not tokens:
        return 0.0
    squashed = normalized_sentence.replace(" ", "")
    found = sum(1 for t in tokens if t in normalized_sentence or (len(t) > 3 and t in squashed))
    return found / len(tokens)


def _weighted_share(wanted: set[str], present: set[str], weights: Mapping[str, float]) -> float:
    total = sum(weights[t] for t in wanted)
    return sum(weights[t] for t in wanted if t in present) / total if total else 0.0
