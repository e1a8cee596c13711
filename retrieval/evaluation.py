"""Measuring retrieval on SQuAD-style datasets (PersianQA, PQuAD).

Each paragraph becomes an article in a temporary index. The gold sentence of a
question is the sentence containing its ``answer_start``. Off-topic questions
are simulated by asking each paragraph's questions with that paragraph hidden
from the results (for exact search this equals an index without it).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pasokh.embeddings.encoder import Encoder

from .abstention import AbstentionPolicy
from .articles import Article
from .indexer import Indexer
from .search import Searcher
from .store import SentenceRecord


@dataclass(frozen=True)
class EvalQuestion:
    """One question of the dataset, with where its answer starts (None if unanswerable)."""

    question: str
    article_id: str
    answer_start: int | None


@dataclass
class EvalResult:
    """Aggregated figures (fractions in 0..1)."""

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
    scores: dict[str, list[float]] = field(default_factory=dict)  # correct / wrong / offtopic top scores

    def as_json(self) -> dict:
        """Stable JSON form (without the raw score lists)."""
        return {
            "paragraphs": self.paragraphs, "sentences": self.sentences, "answerable": self.answerable,
            "hit@1": round(self.hit_at.get(1, 0.0), 4), "hit@3": round(self.hit_at.get(3, 0.0), 4),
            "hit@5": round(self.hit_at.get(5, 0.0), 4), "mrr": round(self.mrr, 4),
            "abstain_answerable": round(self.abstain_answerable, 4),
            "abstain_offtopic": round(self.abstain_offtopic, 4),
            "abstain_impossible": round(self.abstain_impossible, 4),
            "mean_quote_chars": round(self.mean_quote_chars, 1), "offsets_exact": self.offsets_exact,
        }


def load_squad(path: Path, split: str = "all") -> tuple[list[Article], list[EvalQuestion]]:
    """Paragraphs as articles and their questions; ``split`` is even, odd or all (by paragraph position)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles: list[Article] = []
    questions: list[EvalQuestion] = []
    position = 0
    for entry in data["data"]:
        for paragraph in entry["paragraphs"]:
            keep = split == "all" or (split == "even") == (position % 2 == 0)
            position += 1
            if not keep:
                continue
            text = paragraph["context"]
            article_id = f"p{position - 1:05d}"
            articles.append(Article(
                article_id=article_id, title=entry.get("title") or article_id, source="dataset",
                url=None, published=None, language="fa", text=text, path=None,
                content_hash=hashlib.sha256((article_id + text).encode("utf-8")).hexdigest()))
            for qa in paragraph["qas"]:
                answers = qa.get("answers") or []
                start = None if qa.get("is_impossible") or not answers else int(answers[0]["answer_start"])
                questions.append(EvalQuestion(qa["question"], article_id, start))
    return articles, questions


def _gold_position(sentences: list[SentenceRecord], answer_start: int) -> int | None:
    for record in sentences:
        if record.char_start <= answer_start < record.char_end:
            return record.position
    # an answer starting in the whitespace between sentences belongs to the next one
    later = [r.position for r in sentences if r.char_start > answer_start]
    return min(later) if later else None


def evaluate(articles: list[Article], questions: list[EvalQuestion], encoder: Encoder, *,
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
    sentences = {}
    for record in searcher.store.live_articles():
        sentences[record.article_id] = searcher.store.sentences_of_article(record.key)
    result.sentences = sum(len(v) for v in sentences.values())
    for records in sentences.values():
        for r in records:
            result.offsets_exact &= texts[r.article_id][r.char_start:r.char_end] == r.text
    hits = {1: 0, 3: 0, 5: 0}
    reciprocal = 0.0
    abstained = {"answerable": 0, "offtopic": 0, "impossible": 0}
    counts = {"answerable": 0, "offtopic": 0, "impossible": 0}
    quote_chars: list[int] = []
    result.scores = {"correct": [], "wrong": [], "offtopic": []}
    for question in questions:
        ranked = searcher.rank(question.question, 20) or []
        accepted = bool(ranked) and searcher.policy.accepts(question.question, ranked)
        if question.answer_start is None:
            counts["impossible"] += 1
            abstained["impossible"] += not accepted
        else:
            counts["answerable"] += 1
            abstained["answerable"] += not accepted
            gold = _gold_position(sentences[question.article_id], question.answer_start)
            rank = next((i for i, c in enumerate(ranked, 1)
                         if c.record.article_id == question.article_id and c.record.position == gold), None)
            for depth in hits:
                hits[depth] += rank is not None and rank <= depth
            reciprocal += 1.0 / rank if rank else 0.0
            if ranked:
                result.scores["correct" if rank == 1 else "wrong"].append(ranked[0].dense)
                quote_chars.append(len(ranked[0].record.text))
        hidden = searcher.rank(question.question, 20, exclude_article_ids=frozenset({question.article_id})) or []
        counts["offtopic"] += 1
        off_accepted = bool(hidden) and searcher.policy.accepts(question.question, hidden)
        abstained["offtopic"] += not off_accepted
        if hidden:
            result.scores["offtopic"].append(max(c.dense for c in hidden))
        if progress:
            progress(1)
    result.answerable = counts["answerable"]
    n = max(1, counts["answerable"])
    result.hit_at = {depth: value / n for depth, value in hits.items()}
    result.mrr = reciprocal / n
    result.abstain_answerable = abstained["answerable"] / n
    result.abstain_offtopic = abstained["offtopic"] / max(1, counts["offtopic"])
    result.abstain_impossible = abstained["impossible"] / max(1, counts["impossible"])
    result.mean_quote_chars = sum(quote_chars) / max(1, len(quote_chars))
    return result
