"""Fitting the ranker and the abstention decision from the training files (``make train``).

    python -m pasokh.retrieval.training ../shared/data [--work-dir DIR]

1. Index the articles of ``news_qa_train.json`` (Persian news) and
   ``pquad_train.json`` (PQuAD, Wikipedia, CC BY-SA 4.0) with the bundled model, each
   in its own data directory under ``--work-dir`` (kept, so a second run only
   re-ranks).
2. Ask every question through the real ``Searcher`` and keep each candidate's
   features: training sees exactly what answering computes. A PQuAD
   paragraph's questions are asked with the other paragraphs of its Wikipedia
   article hidden: those share its title, so they are near-duplicates in the
   vectors, and an index of news articles has none.
3. The ranker: a listwise logistic model (softmax over each question's
   candidates, L2 penalty), by L-BFGS, on the news questions
   (``RANKER_FILES``). Written to ``models/ranker.json``.
4. The decision: each answerable question is asked again with its article
   hidden (off-topic). A logistic model over ``abstention.answer_signals``
   separates the two; its threshold is the one that refuses at most
   ``FALSE_REFUSALS`` of the answerable training questions. Written to
   ``models/abstention.json``.

The evaluation files are never read here; ``pasokh eval`` measures the result
on their held-out halves.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .abstention import answer_signals
from .evaluation import EvalQuestion, gold_position, load_squad
from .indexer import Indexer
from .ranker import MODELS_DIR, LinearModel
from .search import Searcher

RANKER_FEATURES = (
    "dense", "gap", "overlap", "idf_overlap", "bm25", "local_overlap", "local_stem_overlap",
    "local_bm25", "untitled_local_stem_overlap", "untitled_overlap", "title_line", "same_article_as_top",
    "article_best_gap", "when_date", "how_many_number", "how_many_digit", "why_reason", "log_length",
)
SIGNALS = ("top_score", "margin", "top_dense", "max_dense", "top_overlap", "top_idf_overlap",
           "top_local_stem_overlap", "top_untitled_overlap", "question_terms", "latin_question")
RANKER_L2 = 1.0
FALSE_REFUSALS = 0.02
"""Share of answerable training questions the threshold may refuse (the target on held-out data is 3 %)."""

TRAINING_FILES = ("news_qa_train.json", "pquad_train.json")
RANKER_FILES = ("news_qa_train.json",)
"""The ranker learns from news only: PQuAD's Wikipedia paragraphs reward other evidence (they name their
subject in every sentence), and mixing them in cost news hit@1 on the even half (docs/quality.md). The
decision learns from both, so that it holds across domains."""
_DENSE_ONLY = LinearModel(("dense",), (0.0,), (1.0,), (1.0,), about="dense score only (training bootstrap)")


@dataclass(frozen=True)
class _Scored:
    """A candidate as ``answer_signals`` reads it."""

    score: float
    dense: float
    features: dict[str, float]


@dataclass
class Group:
    """One question's candidates: feature rows, which is gold, and the abstention signals."""

    rows: list[dict[str, float]]
    gold: list[bool]
    question: str
    style: str = ""


def collect(dataset: Path, work_dir: Path, encoder, *, hide_same_title: bool,
            split: str = "all") -> tuple[list[Group], list[Group]]:
    """(answerable groups with the article present, the same questions with it hidden)."""
    articles, questions = load_squad(dataset, split)
    data_dir = work_dir / dataset.stem
    Indexer(data_dir, encoder).index_articles(articles)
    by_title: dict[str, set[str]] = {}
    for article in articles:
        by_title.setdefault(article.title, set()).add(article.article_id)
    title_of = {a.article_id: a.title for a in articles}
    searcher = Searcher(data_dir, encoder, ranker=_DENSE_ONLY)
    present, hidden = [], []
    try:
        spans = {r.article_id: searcher.store.sentences_of_article(r.key) for r in searcher.store.live_articles()}
        for number, question in enumerate(questions):
            if question.answer_start is None:
                continue
            siblings = frozenset(by_title[title_of[question.article_id]] - {question.article_id}) \
                if hide_same_title else frozenset()
            gold = gold_position(spans[question.article_id], question.answer_start)
            ranked = searcher.rank(question.question, 10_000, exclude_article_ids=siblings) or []
            present.append(_group(question, ranked, gold))
            away = searcher.rank(question.question, 10_000,
                                 exclude_article_ids=siblings | {question.article_id}) or []
            hidden.append(_group(question, away, None))
            if number % 200 == 0:
                print(f"  {dataset.name}: {number}/{len(questions)}", file=sys.stderr, flush=True)
    finally:
        searcher.close()
    return present, hidden


def collect_cached(dataset: Path, work_dir: Path, encoder, *, hide_same_title: bool):
    """``collect``, kept in ``work_dir`` keyed by the dataset's bytes and this code's feature list:
    refitting after a change to the fitting alone takes seconds."""
    import hashlib
    import pickle

    from . import features

    key = hashlib.sha256(dataset.read_bytes() + Path(features.__file__).read_bytes()).hexdigest()[:16]
    cache = work_dir / f"{dataset.stem}-{key}.groups.pickle"
    if cache.is_file():
        return pickle.loads(cache.read_bytes())
    got = collect(dataset, work_dir, encoder, hide_same_title=hide_same_title)
    work_dir.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(got))
    return got


def _group(question: EvalQuestion, ranked, gold: int | None) -> Group:
    return Group([c.features for c in ranked],
                 [gold is not None and c.record.article_id == question.article_id and c.record.position == gold
                  for c in ranked], question.question, question.style)


def fit_ranker(groups: list[Group], features=RANKER_FEATURES, l2: float = RANKER_L2) -> LinearModel:
    """The listwise logistic ranker over ``features``."""
    from scipy.optimize import minimize

    usable = [g for g in groups if any(g.gold)]
    matrices = [np.array([[row[f] for f in features] for row in g.rows], dtype=np.float64) for g in usable]
    stacked = np.vstack(matrices)
    means, scales = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    matrices = [(m - means) / scales for m in matrices]
    targets = [np.array(g.gold, dtype=np.float64) for g in usable]

    def loss(weights):
        total, gradient = 0.0, np.zeros_like(weights)
        for x, y in zip(matrices, targets):
            s = x @ weights
            p = np.exp(s - s.max())
            p /= p.sum()
            total -= np.log(p[y > 0].sum() + 1e-12)
            gradient += x.T @ (p - y / y.sum())
        n = len(matrices)
        return total / n + l2 * weights @ weights / 2 / n, gradient / n + l2 * weights / n

    weights = minimize(loss, np.zeros(len(features)), jac=True, method="L-BFGS-B").x
    return LinearModel(tuple(features), tuple(means.round(6)), tuple(scales.round(6)), tuple(weights.round(6)),
                       about=f"listwise logistic ranker, {len(usable)} questions ({', '.join(RANKER_FILES)})")


def fit_decision(answerable: list[dict[str, float]], offtopic: list[dict[str, float]],
                 false_refusals: float = FALSE_REFUSALS) -> LinearModel:
    """Logistic regression (answerable = 1) over ``SIGNALS``, thresholded for ``false_refusals``."""
    from scipy.optimize import minimize

    x = np.array([[s[f] for f in SIGNALS] for s in answerable + offtopic], dtype=np.float64)
    y = np.array([1.0] * len(answerable) + [0.0] * len(offtopic))
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([(x - means) / scales, np.ones((len(x), 1))])

    def loss(w):
        s = z @ w
        p = 1 / (1 + np.exp(-s))
        eps = 1e-12
        value = -(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)).mean() + 1e-3 * w[:-1] @ w[:-1]
        gradient = z.T @ (p - y) / len(y)
        gradient[:-1] += 2e-3 * w[:-1]
        return value, gradient

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x
    model = LinearModel(SIGNALS, tuple(means.round(6)), tuple(scales.round(6)), tuple(w[:-1].round(6)),
                        bias=float(round(w[-1], 6)))
    scores = np.sort([model.probability(s) for s in answerable])
    threshold = float(scores[int(false_refusals * len(scores))])
    return LinearModel(model.features, model.means, model.scales, model.weights, model.bias,
                       threshold=round(threshold, 6),
                       about=f"answerable vs off-topic, {len(answerable)} + {len(offtopic)} training questions; "
                             f"threshold refuses {false_refusals:.0%} of answerable ones")


def train(data: Path, work_dir: Path, out: Path = MODELS_DIR) -> dict:
    """Fit both models from the files in ``data`` and write them to ``out``; returns a summary."""
    from pasokh.embeddings.encoder import Encoder

    encoder = Encoder()
    present, hidden, ranker_groups = [], [], []
    for name in TRAINING_FILES:
        got = collect_cached(data / name, work_dir, encoder, hide_same_title=name.startswith("pquad"))
        present += got[0]
        hidden += got[1]
        if name in RANKER_FILES:
            ranker_groups += got[0]
    ranker = fit_ranker(ranker_groups)

    def signals(group: Group) -> dict[str, float] | None:
        scored = sorted((_Scored(ranker.score(row), row["dense"], row) for row in group.rows), key=lambda c: -c.score)
        return answer_signals(group.question, scored) if scored else None

    answerable = [s for s in map(signals, present) if s]
    offtopic = [s for s in map(signals, hidden) if s]
    decision = fit_decision(answerable, offtopic)
    out.mkdir(parents=True, exist_ok=True)
    for name, model in (("ranker", ranker), ("abstention", decision)):
        (out / f"{name}.json").write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    return {"questions": len(present), "ranker_features": len(ranker.features), "threshold": decision.threshold}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pasokh.retrieval.training", description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the folder holding news_qa_train.json and pquad_train.json")
    parser.add_argument("--work-dir", type=Path, default=Path(".train-work"),
                        help="where the training indexes are kept between runs (default .train-work)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write ranker.json and abstention.json")
    args = parser.parse_args(argv)
    print(json.dumps(train(args.data, args.work_dir, args.out), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    # run the imported module's main, so that pickled groups name pasokh.retrieval.training, not __main__
    from pasokh.retrieval.training import main as _main

    sys.exit(_main())
