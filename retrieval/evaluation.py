"""Measuring answers on SQuAD-style datasets (news_qa, PersianQA, PQuAD).

Every paragraph of the file becomes an article of one temporary index (a
newsroom's index holds every article, whichever are asked about); ``split``
picks the questions, by paragraph position, so one half can be tuned on and
the other reported. The gold sentence of a question is the sentence holding
its ``answer_start``. Off-topic questions are each answerable question asked
again with its own article hidden from the results. ``titles=False`` drops
every title, as for a ``.txt`` without a header: the ranker then has the bare
sentences only.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pasokh.embeddings.encoder import QueryEncoder

from .abstention import AbstentionPolicy
from .articles import Article
from .indexer import Indexer
from .search import Searcher
from .store import SentenceRecord

CANDIDATES = 20


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the dataset, with where its answer starts (None if unanswerable)."""

    question: str
    article_id: str
    answer_start: int | None
    style: str = "squad"


@dataclass
class _Tally:
    questions: int = 0
    answerable: int = 0
    hits: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0, 5: 0})
    reciprocal: float = 0.0
    abstained_answerable: int = 0
    abstained_offtopic: int = 0
    abstained_impossible: int = 0
    impossible: int = 0

    def figures(self) -> dict:
        n = max(1, self.answerable)
        return {"questions": self.questions, "answerable": self.answerable,
                "hit@1": round(self.hits[1] / n, 4), "hit@3": round(self.hits[3] / n, 4),
                "hit@5": round(self.hits[5] / n, 4), "mrr": round(self.reciprocal / n, 4),
                "abstain_answerable": round(self.abstained_answerable / n, 4),
                "abstain_offtopic": round(self.abstained_offtopic / n, 4),
                "abstain_impossible": round(self.abstained_impossible / max(1, self.impossible), 4)}


@dataclass
class EvalResult:
    """Aggregated figures (fractions in 0..1), overall and per question style."""

    paragraphs: int = 0
    sentences: int = 0
    answerable: int = 0
    hit_at: dict[int, float] = field(default_factory=dict)
    mrr: float = 0.0
    abstain_answerable: float = 0.0
    abstain_offtopic: float = 0.0
    abstain_impossible: float = 0.0
    mean_quote_chars: float = 0.0
    offsets_exact: bool = True
    by_style: dict[str, dict] = field(default_factory=dict)
    scores: dict[str, list[float]] = field(default_factory=dict)  # correct / wrong / offtopic confidences

    def as_json(self) -> dict:
        """Stable JSON form (without the raw score lists); new keys may be added, none change."""
        return {
            "paragraphs": self.paragraphs, "sentences": self.sentences, "answerable": self.answerable,
            "hit@1": round(self.hit_at.get(1, 0.0), 4), "hit@3": round(self.hit_at.get(3, 0.0), 4),
            "hit@5": round(self.hit_at.get(5, 0.0), 4), "mrr": round(self.mrr, 4),
            "abstain_answerable": round(self.abstain_answerable, 4),
            "abstain_offtopic": round(self.abstain_offtopic, 4),
            "abstain_impossible": round(self.abstain_impossible, 4),
            "mean_quote_chars": round(self.mean_quote_chars, 1), "offsets_exact": self.offsets_exact,
            "by_style": self.by_style,
        }


def load_squad(path: Path, split: str = "all", *, titles: bool = True) -> tuple[list[Article], list[EvalQuestion]]:
    """Every paragraph as an article, and the questions of ``split`` (even, odd or all, by paragraph position)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles: list[Article] = []
    questions: list[EvalQuestion] = []
    for entry in data["data"]:
        for paragraph in entry["paragraphs"]:
            position = len(articles)
            text = paragraph["context"]
            article_id = f"p{position:05d}"
            title = (entry.get("title") or article_id) if titles else article_id
            articles.append(Article(
                article_id=article_id, title=title, source="dataset", url=None, published=None, language="fa",
                text=text, path=None, content_hash=hashlib.sha256((article_id + text).encode("utf-8")).hexdigest()))
            if split != "all" and (split == "even") != (position % 2 == 0):
                continue
            for qa in paragraph["qas"]:
                answers = qa.get("answers") or []
                start = None if qa.get("is_impossible") or not answers else int(answers[0]["answer_start"])
                style = qa.get("style") or ("unanswerable" if start is None else "squad")
                questions.append(EvalQuestion(qa["question"], article_id, start, style))
    return articles, questions


def gold_position(sentences: list[SentenceRecord], answer_start: int) -> int | None:
    """The position of the sentence holding ``answer_start`` (the next one if it falls between two)."""
    for record in sentences:
        if record.char_start <= answer_start < record.char_end:
            return record.position
    later = [r.position for r in sentences if r.char_start > answer_start]
    return min(later) if later else None


def evaluate(articles: list[Article], questions: list[EvalQuestion], encoder: QueryEncoder, *,
             policy: AbstentionPolicy | None = None, data_dir: Path | None = None,
             progress: Callable[[int], None] | None = None) -> EvalResult:
    """Index ``articles`` and measure ranking and abstention on ``questions``."""
    with tempfile.TemporaryDirectory(prefix="pasokh-eval-") as scratch:
        directory = Path(data_dir or scratch)
        Indexer(directory, encoder).index_articles(articles)
        searcher = Searcher(directory, encoder, policy=policy)
        try:
            return _measure(searcher, articles, questions, progress)
        finally:
            searcher.close()


def _measure(searcher: Searcher, articles: list[Article], questions: list[EvalQuestion],
             progress: Callable[[int], None] | None) -> EvalResult:
    result = EvalResult(paragraphs=len(articles))
    texts = {a.article_id: a.text for a in articles}
    sentences = {r.article_id: searcher.store.sentences_of_article(r.key) for r in searcher.store.live_articles()}
    result.sentences = sum(len(v) for v in sentences.values())
    result.offsets_exact = all(texts[r.article_id][r.char_start:r.char_end] == r.text
                               for records in sentences.values() for r in records)
    overall, styles = _Tally(), defaultdict(_Tally)
    quote_chars: list[int] = []
    result.scores = {"correct": [], "wrong": [], "offtopic": []}
    policy = searcher.policy
    for question in questions:
        ranked = searcher.rank(question.question, CANDIDATES) or []
        accepted = bool(ranked) and policy.accepts(question.question, ranked)
        tallies = (overall, styles[question.style])
        for tally in tallies:
            tally.questions += 1
        if question.answer_start is None:
            for tally in tallies:
                tally.impossible += 1
                tally.abstained_impossible += not accepted
        else:
            gold = gold_position(sentences[question.article_id], question.answer_start)
            rank = next((i for i, c in enumerate(ranked, 1)
                         if c.record.article_id == question.article_id and c.record.position == gold), None)
            hidden = searcher.rank(question.question, CANDIDATES,
                                   exclude_article_ids=frozenset({question.article_id})) or []
            off_accepted = bool(hidden) and policy.accepts(question.question, hidden)
            for tally in tallies:
                tally.answerable += 1
                tally.abstained_answerable += not accepted
                tally.abstained_offtopic += off_accepted is False
                for depth in tally.hits:
                    tally.hits[depth] += rank is not None and rank <= depth
                tally.reciprocal += 1.0 / rank if rank else 0.0
            if ranked:
                result.scores["correct" if rank == 1 else "wrong"].append(policy.confidence(question.question, ranked))
                quote_chars.append(len(ranked[0].record.text))
            if hidden:
                result.scores["offtopic"].append(policy.confidence(question.question, hidden))
        if progress:
            progress(1)
    figures = overall.figures()
    result.answerable = overall.answerable
    result.hit_at = {depth: figures[f"hit@{depth}"] for depth in (1, 3, 5)}
    result.mrr = figures["mrr"]
    result.abstain_answerable = figures["abstain_answerable"]
    result.abstain_offtopic = figures["abstain_offtopic"]
    result.abstain_impossible = figures["abstain_impossible"]
    result.mean_quote_chars = sum(quote_chars) / max(1, len(quote_chars))
    result.by_style = {style: tally.figures() for style, tally in sorted(styles.items())}
    return result
