"""Answering questions about the real seed article with the real model."""

from __future__ import annotations

import pytest

from tests.helpers.paths import SEED_FILE, SEED_ID

# (question, 0-based position of the sentence that answers it, a phrase of that sentence)
SEED_QUESTIONS = [
    ("کره شمالی چند کانتینر به روسیه فرستاده است؟", 1, "۶۷۰۰ کانتینر"),
    ("این کانتینرها حامل چند گلوله هستند؟", 2, "۳ میلیون گلوله"),
    ("روسیه در ازای مهمات به کره شمالی چه می‌دهد؟", 3, "مواد غذایی"),
    ("کمک‌های غذایی به کیم چه کمکی می‌کند؟", 4, "تثبیت قیمت"),
    ("اگر انتقال تسلیحات افزایش یابد روسیه چه خواهد کرد؟", 5, "فناوری نظامی"),
    ("اتحادیه اروپا چند درصد از گلوله‌های وعده داده شده را ارسال کرده است؟", 7, "۳۰ درصد"),
    ("تصاویر ماهواره‌ای چند کشتی باری را نشان می‌دهند؟", 9, "چهار کشتی"),
    ("کاخ سفید درباره مسیر محموله‌ها چه گفت؟", 10, "قطار"),
    ("متحدان دوران جنگ سرد کدام کشورها هستند؟", 11, "متحدان دوران جنگ سرد"),
    ("تحریم‌های بین‌المللی چه اثری بر اقتصاد کره شمالی داشته است؟", 12, "جان تازه"),
    ("وزیر دفاع کره جنوبی کیست؟", 1, "شین وون شیک"),
    ("كره شمالي چند كانتينر به روسيه فرستاده است؟", 1, "۶۷۰۰"),  # Arabic ي/ك as typed on some keyboards
    ("How many containers did North Korea ship to Russia?", 1, "۶۷۰۰"),
]

OFF_TOPIC = [
    "پایتخت فرانسه کجاست؟",
    "بهترین دستور پخت قورمه سبزی چیست؟",
    "تیم فوتبال پرسپولیس چند بار قهرمان لیگ شده است؟",
    "What is the weather in Paris?",
]


@pytest.mark.parametrize("question,position,phrase", SEED_QUESTIONS)
def test_seed_question_answered_at_rank_one(seed_searcher, question, position, phrase):
    answer = seed_searcher.ask(question)
    assert answer.answered, question
    top = answer.hits[0]
    assert (top.sentence_index, top.article_id) == (position + 1, SEED_ID), top.text
    assert phrase in top.text
    assert [h.rank for h in answer.hits] == list(range(1, len(answer.hits) + 1))
    assert 1 <= len(answer.hits) <= 3  # follow-ups only when they add something


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_question_abstains(seed_searcher, question):
    answer = seed_searcher.ask(question)
    assert not answer.answered and answer.hits == [] and answer.reason == "no_match"


@pytest.mark.parametrize("text,reason", [
    ("", "not_a_question"), ("   ", "not_a_question"), ("؟؟؟", "not_a_question"), ("!!!", "not_a_question"),
    ("\u200c", "not_a_question"), ("سلام", "greeting"), ("سلام!", "greeting"), ("hello", "greeting"),
    ("ممنون", "thanks"), ("خیلی ممنون از ربات", "thanks"), ("خداحافظ", "farewell"),
])
def test_greetings_and_empty_input_are_not_questions(seed_searcher, text, reason):
    answer = seed_searcher.ask(text)
    assert not answer.answered and answer.reason == reason and answer.hits == []


@pytest.mark.parametrize("name,phrase", [("زلنسکی", "زلنسکی"), ("شین وون شیک", "شین وون شیک"),
                                         ("Zelensky", "زلنسکی"), ("پیونگیانگ", "پیونگیانگ")])
def test_a_name_alone_finds_its_sentence(seed_searcher, name, phrase):
    """Names and keywords are answered from the sentence that holds them (the lexical channel)."""
    answer = seed_searcher.ask(name)
    assert answer.answered, name
    assert phrase in answer.hits[0].text


def test_quotes_are_exact_slices_of_the_original(seed_searcher):
    original = SEED_FILE.read_text(encoding="utf-8")
    for question, _, _ in SEED_QUESTIONS:
        for hit in seed_searcher.ask(question, k=5).hits:
            assert original[hit.char_start:hit.char_end] == hit.text
    # the decimal stays as written (hazm's normalizer would show «۱ ٫ ۵»)
    ranked = seed_searcher.rank("زلنسکی می‌گوید کره شمالی چند میلیون گلوله توپخانه به روسیه منتقل کرده است؟", 3)
    assert any("۱.۵ میلیون" in c.record.text for c in ranked)


def test_huge_question_is_truncated_and_answered(seed_searcher):
    question = "کره شمالی چند کانتینر به روسیه فرستاده است؟ " * 500
    assert len(question) > 20_000
    answer = seed_searcher.ask(question)
    assert answer.truncated and len(answer.question) <= 1000
    assert answer.answered and "۶۷۰۰" in answer.hits[0].text


def test_html_in_question_is_just_text(seed_searcher):
    answer = seed_searcher.ask("<b>کره شمالی</b> چند کانتینر به روسیه فرستاده است؟ &amp;")
    assert answer.answered and "۶۷۰۰" in answer.hits[0].text


def test_context_returns_neighbours(seed_searcher):
    top = seed_searcher.ask(SEED_QUESTIONS[0][0]).hits[0]
    around = seed_searcher.context(top.sentence_id, radius=1)
    assert [r.position for r in around] == [0, 1, 2]


def test_unrelated_sentences_are_not_quoted_after_a_good_answer(tmp_path, encoder):
    """With two articles, a question about one quotes its sentence, not filler from the other."""
    import shutil

    from pasokh.retrieval.indexer import Indexer
    from pasokh.retrieval.search import Searcher
    from tests.helpers.paths import SEEDS

    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "dams.txt").write_text("title: ذخایر سدها\n\nحجم آب سد امیرکبیر کرج به ۷۵ میلیون متر مکعب رسیده است.\n",
                                     encoding="utf-8")
    Indexer(tmp_path / "data", encoder).index_paths([folder])
    searcher = Searcher(tmp_path / "data", encoder)
    answer = searcher.ask("حجم آب سد کرج چقدر است؟")
    assert answer.answered and [h.article_id for h in answer.hits] == ["dams"]
    searcher.close()
