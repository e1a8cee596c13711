"""Sentence splitting on the seed article and on hand-written Persian texts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pasokh.retrieval.sentences import MAX_SENTENCE_CHARS, SentenceSpan, split_sentences

from tests.helpers.paths import SEED_FILE as SEED  # noqa: E402


def seed_text() -> str:
    # newline="" keeps the file's line endings exactly as stored.
    with SEED.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def assert_valid_spans(text: str, spans: list[SentenceSpan]) -> None:
    """The invariants every split must satisfy, whatever the text."""
    previous_end = 0
    for position, span in enumerate(spans):
        assert span.index == position
        assert text[span.char_start : span.char_end] == span.text
        assert span.text == span.text.strip() and span.text
        assert span.char_start >= previous_end, "spans overlap or are out of order"
        assert len(span.text) <= MAX_SENTENCE_CHARS
        previous_end = span.char_end
    # Nothing is lost: every visible character of the text is in some span.
    covered = "".join(s.text for s in spans)
    assert "".join(covered.split()) == "".join(text.split())


def texts(spans: list[SentenceSpan]) -> list[str]:
    return [s.text for s in spans]


def test_seed_article_splits_into_its_sentences() -> None:
    text = seed_text()
    spans = split_sentences(text)
    print(f"seed sentences: {len(spans)}")
    assert_valid_spans(text, spans)
    # 8 paragraphs; paragraphs 2, 3, 5, 6 and 8 hold two sentences, paragraph
    # 3 holds three.
    assert len(spans) == 14
    assert spans[0].text.startswith("به گزارش اکوایران")
    assert spans[0].text.endswith("ادامه دهد.")
    assert spans[2].text == "شین گفت این کانتینرها احتمالاً حامل حدود ۳ میلیون گلوله ۱۵۲ میلیمتری هستند."
    assert spans[-1].text.endswith("را پیش ببرد.")
    # Every sentence of the seed ends with its full stop.
    assert all(s.text.endswith(".") for s in spans)


def test_seed_decimal_stays_inside_one_sentence() -> None:
    spans = split_sentences(seed_text())
    holding = [s for s in spans if "۱.۵ میلیون گلوله" in s.text]
    assert len(holding) == 1
    assert holding[0].text.startswith("رهبر اوکراین گفت")


def test_empty_and_whitespace_only_text_give_no_spans() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\r\n\t \n") == []
    assert split_sentences("\u200c \n") == []


def test_crlf_paragraphs_and_leading_whitespace() -> None:
    text = "  \r\n\r\n   کره شمالی موشک پرتاب کرد.\r\n\r\nژاپن واکنش نشان داد. سئول هم نگران است.\r\n"
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == ["کره شمالی موشک پرتاب کرد.", "ژاپن واکنش نشان داد.", "سئول هم نگران است."]
    assert not any("\r" in s.text or "\n" in s.text for s in spans)


def test_sentence_across_a_single_newline_is_not_lost() -> None:
    # hazm alone would return "... بیش از ۳۰ درصد افزایش ..." with a space
    # where the original has a newline; looked up verbatim it would vanish.
    text = "قیمت نفت امروز بیش از ۳۰ درصد\nافزایش یافت. بازارها آرام ماندند."
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == ["قیمت نفت امروز بیش از ۳۰ درصد", "افزایش یافت.", "بازارها آرام ماندند."]


def test_decimals_are_not_boundaries() -> None:
    text = "ارزش صادرات ۱.۵ میلیون دلار بود و رشد 3.5 درصدی داشت. نرخ تورم ۲٫۵ درصد کاهش یافت."
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == [
        "ارزش صادرات ۱.۵ میلیون دلار بود و رشد 3.5 درصدی داشت.",
        "نرخ تورم ۲٫۵ درصد کاهش یافت.",
    ]


def test_question_exclamation_and_ellipsis_end_sentences() -> None:
    text = "آیا مذاکرات ادامه می‌یابد؟ هنوز معلوم نیست! شاید هفته بعد… کسی نمی‌داند?"
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == ["آیا مذاکرات ادامه می‌یابد؟", "هنوز معلوم نیست!", "شاید هفته بعد…", "کسی نمی‌داند?"]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = "سخنگو گفت: «ما آماده گفتگو هستیم.» خبرنگاران سؤالی نپرسیدند (که عجیب بود.) جلسه تمام شد."
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == [
        "سخنگو گفت: «ما آماده گفتگو هستیم.»",
        "خبرنگاران سؤالی نپرسیدند (که عجیب بود.)",
        "جلسه تمام شد.",
    ]


def test_guillemet_quote_without_inner_terminator_is_one_sentence() -> None:
    text = "وزیر گفت «این تصمیم نهایی است»، و جلسه را ترک کرد. سپس بیانیه‌ای منتشر شد."
    spans = split_sentences(text)
    assert texts(spans)[0] == "وزیر گفت «این تصمیم نهایی است»، و جلسه را ترک کرد."


def test_initials_and_abbreviations_do_not_split() -> None:
    text = (
        "مقامات U.S. و نمایندگان ج.ا.ا. در ژنو دیدار کردند. "
        "Dr. Smith met J. Doe in Geneva. Talks lasted approx. three hours."
    )
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == [
        "مقامات U.S. و نمایندگان ج.ا.ا. در ژنو دیدار کردند.",
        "Dr. Smith met J. Doe in Geneva.",
        "Talks lasted approx. three hours.",
    ]


def test_arabic_letter_forms_and_missing_zwnj() -> None:
    # Arabic ي/ك and no ZWNJ at all, as in the seed; the text must come back
    # untouched (no normalization in quoted spans).
    text = "رييس جمهور كشور گفت ميشود. كرهجنوبي اعتراض كرد؟ پاسخي داده نشد."
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == ["رييس جمهور كشور گفت ميشود.", "كرهجنوبي اعتراض كرد؟", "پاسخي داده نشد."]


def test_mixed_english_sentence() -> None:
    text = "خبرگزاری رویترز نوشت: The talks failed again. این گزارش تأیید نشد."
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert texts(spans) == ["خبرگزاری رویترز نوشت: The talks failed again.", "این گزارش تأیید نشد."]


def test_long_run_on_paragraph_is_cut_at_clause_delimiters() -> None:
    clause = "کشورهای عضو درباره تحریم‌های تازه و سهمیه صادرات نفت گفتگو کردند، "
    body = clause * 7 + "نتیجه‌ای اعلام نشد؛ " + clause * 12 + "و جلسه بعدی به ماه آینده موکول شد."
    text = "مقدمه کوتاه.\n" + body
    assert len(body) > 2 * MAX_SENTENCE_CHARS
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert len(spans) == 4
    assert spans[0].text == "مقدمه کوتاه."
    # The semicolon is preferred to the commas before it (all within 600).
    assert spans[1].text.endswith("نتیجه‌ای اعلام نشد؛")
    # No semicolon in the next 600 characters: the last comma that fits.
    assert spans[2].text.endswith("کردند،")
    assert len(spans[2].text) > MAX_SENTENCE_CHARS - len(clause)
    assert spans[3].text.endswith("موکول شد.")


def test_long_text_without_any_delimiter_is_cut_at_whitespace_or_hard() -> None:
    words = " ".join(["واژه"] * 400)
    blob = "x" * 1500
    text = words + "\n" + blob
    spans = split_sentences(text)
    assert_valid_spans(text, spans)
    assert all(not s.text.endswith(" ") for s in spans)
    assert sum(len(s.text) for s in spans if s.text.startswith("x")) == 1500


@pytest.mark.parametrize(
    "text",
    [
        "بدون نقطه پایانی",
        "\ufeffآغاز با نشانه ترتیب بایت. جمله دوم.",
        "۱. بند اول\n۲. بند دوم\n\n\n۳. بند سوم",
        "«نقل قول.»",
        "...",
    ],
)
def test_invariants_on_odd_inputs(text: str) -> None:
    spans = split_sentences(text)
    assert spans
    for span in spans:
        assert text[span.char_start : span.char_end] == span.text
    assert [s.char_start for s in spans] == sorted(s.char_start for s in spans)


def test_importing_the_module_does_not_import_hazm() -> None:
    # hazm costs about a second to import; only split_sentences may pay it.
    code = "import sys, pasokh.retrieval.sentences; print('hazm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
