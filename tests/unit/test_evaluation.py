"""``pasokh eval`` and ``evaluate()`` on a tiny SQuAD-style dataset written here (real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import pasokh

# (title, context, [(question, answer or None for unanswerable, 0-based sentence of the answer)])
PARAGRAPHS = [
    ("برج میلاد",
     "برج میلاد بلندترین برج ایران است و در شهر تهران قرار دارد. ساخت این برج در سال ۱۳۷۶ آغاز شد "
     "و در سال ۱۳۸۶ به پایان رسید. ارتفاع برج میلاد ۴۳۵ متر است.",
     [("برج میلاد در کدام شهر قرار دارد؟", "تهران", 0),
      ("ارتفاع برج میلاد چقدر است؟", "۴۳۵ متر", 2),
      ("ساخت برج میلاد در چه سالی آغاز شد؟", "۱۳۷۶", 1),
      ("معمار برج میلاد چه کسی بود؟", None, None)]),
    ("دریاچه ارومیه",
     "دریاچه ارومیه در شمال غربی ایران قرار دارد. این دریاچه بزرگ‌ترین دریاچه داخلی ایران است. "
     "آب دریاچه ارومیه بسیار شور است و ماهی در آن زندگی نمی‌کند.",
     [("چرا در دریاچه ارومیه ماهی زندگی نمی‌کند؟", "بسیار شور", 2),
      ("دریاچه ارومیه در کدام بخش ایران است؟", "شمال غربی", 0)]),
    # a paragraph break inside the context, as in PQuAD
    ("زعفران",
     "زعفران گران‌ترین ادویه جهان است.\nبیشتر زعفران جهان در استان خراسان ایران تولید می‌شود. "
     "گل زعفران در پاییز برداشت می‌شود.",
     [("بیشتر زعفران جهان در کجا تولید می‌شود؟", "استان خراسان", 1),
      ("گل زعفران در چه فصلی برداشت می‌شود؟", "پاییز", 2)]),
    ("تیم ملی فوتبال ایران",
     "تیم ملی فوتبال ایران سه بار قهرمان جام ملت‌های آسیا شده است. ورزشگاه آزادی خانه اصلی این تیم است.",
     [("تیم ملی فوتبال ایران چند بار قهرمان آسیا شده است؟", "سه بار", 0),
      ("ورزشگاه اصلی تیم ملی فوتبال ایران کدام است؟", "ورزشگاه آزادی", 1)]),
]
ANSWERABLE = sum(1 for _, _, qas in PARAGRAPHS for _, answer, _ in qas if answer)


def _squad() -> dict:
    data = []
    for number, (title, context, qas) in enumerate(PARAGRAPHS):
        questions = []
        for index, (question, answer, _) in enumerate(qas):
            entry = {"id": f"{number}-{index}", "question": question, "is_impossible": answer is None,
                     "answers": [] if answer is None else
                     [{"text": answer, "answer_start": context.index(answer)}]}
            questions.append(entry)
        data.append({"title": title, "paragraphs": [{"context": context, "qas": questions}]})
    return {"version": "tiny", "data": data}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("eval") / "tiny.json"
    path.write_text(json.dumps(_squad(), ensure_ascii=False), encoding="utf-8")
    return path


def test_load_squad_splits_by_paragraph_position(dataset):
    from pasokh.retrieval.evaluation import load_squad

    articles, questions = load_squad(dataset, "all")
    assert [a.article_id for a in articles] == ["p00000", "p00001", "p00002", "p00003"]
    assert articles[0].title == "برج میلاد" and len(questions) == 10
    assert sum(q.answer_start is None for q in questions) == 1
    even, even_questions = load_squad(dataset, "even")
    odd, odd_questions = load_squad(dataset, "odd")
    # every paragraph is indexed whichever half is asked about; the split picks the questions
    assert [a.article_id for a in even] == [a.article_id for a in odd] == [a.article_id for a in articles]
    assert {q.article_id for q in even_questions} == {"p00000", "p00002"}
    assert {q.article_id for q in odd_questions} == {"p00001", "p00003"}
    assert {q.style for q in questions} == {"squad", "unanswerable"}
    untitled, _ = load_squad(dataset, "all", titles=False)
    assert [a.title for a in untitled] == [a.article_id for a in untitled]


def test_gold_sentence_is_the_one_holding_answer_start():
    from pasokh.retrieval.evaluation import gold_position
    from pasokh.retrieval.store import SentenceRecord

    def record(position: int, start: int, end: int) -> SentenceRecord:
        return SentenceRecord(position, 1, position, start, end, "x" * (end - start), "a", "t", "s", None, None,
                              1, None)

    sentences = [record(0, 0, 10), record(1, 11, 20)]
    assert gold_position(sentences, 3) == 0
    assert gold_position(sentences, 10) == 1  # in the space between: the next sentence
    assert gold_position(sentences, 25) is None


def test_evaluate_ranks_the_answering_sentence_first(dataset, encoder, tmp_path):
    from pasokh.retrieval.evaluation import evaluate, load_squad

    articles, questions = load_squad(dataset, "all")
    result = evaluate(articles, questions, encoder, data_dir=tmp_path / "index")
    assert result.paragraphs == 4 and result.answerable == ANSWERABLE
    assert result.sentences == 11  # the line break in «زعفران» is a sentence boundary
    assert result.offsets_exact
    assert result.hit_at[1] >= 0.8 and result.hit_at[5] == 1.0
    assert 0.8 <= result.mrr <= 1.0
    # distinct topics: a question asked with its paragraph hidden has nothing to quote
    assert result.abstain_offtopic >= 0.7 and result.abstain_answerable <= 0.2
    assert 20 < result.mean_quote_chars < 120  # one sentence, not a paragraph
    assert len(result.scores["offtopic"]) == ANSWERABLE
    figures = result.as_json()
    assert figures["answerable"] == ANSWERABLE and figures["offsets_exact"] is True
    assert figures["by_style"]["squad"]["answerable"] == ANSWERABLE
    assert figures["by_style"]["unanswerable"]["questions"] == 1


def test_eval_command_prints_one_json_object(dataset):
    done = pasokh("eval", str(dataset), "--split", "even", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert {"hit@1", "hit@3", "hit@5", "mrr", "abstain_answerable", "abstain_offtopic",
            "abstain_impossible", "mean_quote_chars", "offsets_exact"} <= set(figures)
    assert figures["paragraphs"] == 4 and figures["answerable"] == 5
    assert figures["offsets_exact"] is True and figures["hit@5"] == 1.0
    assert figures["split"] == "even" and figures["titles"] == "keep" and "squad" in figures["by_style"]
    table = pasokh("eval", str(dataset), "--split", "odd", "--titles", "none")
    assert table.returncode == 0 and "| squad (" in table.stdout and "titles none" in table.stdout


def test_eval_command_rejects_an_unreadable_dataset(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    done = pasokh("eval", str(broken))
    assert done.returncode == 1 and "Traceback" not in done.stderr
