"""The text embedded for a sentence: the article's title, then the sentence (no model needed)."""

from __future__ import annotations

import hashlib

from pasokh.retrieval.articles import Article
from pasokh.retrieval.passages import MAX_TITLE_WORDS, embedding_title, passage_text
from pasokh.retrieval.sentences import SentenceSpan as NewSentence


def _article(title: str, text: str = "جمله اول. جمله دوم.", article_id: str = "a1") -> Article:
    return Article(article_id=article_id, title=title, source="s", url=None, published=None, language="fa",
                   text=text, path=None, content_hash=hashlib.sha256(text.encode()).hexdigest())


SENTENCES = [NewSentence(0, 0, 9, "جمله اول."), NewSentence(1, 10, 19, "جمله دوم.")]


def test_title_prefixes_every_sentence():
    article = _article("رئال مادرید")
    assert passage_text(article, SENTENCES, 0) == "رئال مادرید. جمله اول."
    assert passage_text(article, SENTENCES, 1) == "رئال مادرید. جمله دوم."


def test_title_ending_in_punctuation_gets_no_extra_dot():
    assert passage_text(_article("چرا قیمت‌ها بالا رفت؟"), SENTENCES, 1) == "چرا قیمت‌ها بالا رفت؟ جمله دوم."


def test_long_headline_is_cut_to_its_first_words():
    headline = "وزیر دفاع کره جنوبی: کره شمالی میلیون‌ها گلوله توپخانه به روسیه فرستاده است"
    title = embedding_title(_article(headline))
    assert title == "وزیر دفاع کره جنوبی: کره شمالی" and len(title.split()) == MAX_TITLE_WORDS


def test_titles_that_tell_nothing_are_left_out():
    assert passage_text(_article(""), SENTENCES, 0) == "جمله اول."
    assert passage_text(_article("a1"), SENTENCES, 0) == "جمله اول."  # the id stood in for a title
    # a title derived from a first line that is a whole paragraph, cut with «…»
    body = "این یک بند طولانی است که عنوان ندارد و " * 5
    assert embedding_title(_article("این یک بند طولانی است که…", text=body)) == ""


def test_the_headline_line_itself_is_not_doubled():
    article = _article("کره شمالی", text="کره شمالی\nجمله اول.")
    sentences = [NewSentence(0, 0, 9, "کره شمالی"), NewSentence(1, 10, 19, "جمله اول.")]
    assert passage_text(article, sentences, 0) == "کره شمالی"
    assert passage_text(article, sentences, 1) == "کره شمالی. جمله اول."
