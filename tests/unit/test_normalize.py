"""Matching normalization and tokens on real Persian spellings."""

from __future__ import annotations

import subprocess
import sys

from pasokh.retrieval.normalize import STOPWORDS, match_tokens, normalize_for_matching

from tests.helpers.paths import SEED_FILE as SEED  # noqa: E402


def test_zwnj_and_no_zwnj_compare_equal() -> None:
    assert normalize_for_matching("می‌شود") == normalize_for_matching("میشود") == "میشود"
    assert normalize_for_matching("کره‌جنوبی") == normalize_for_matching("کرهجنوبی")


def test_arabic_letter_forms_become_persian() -> None:
    assert normalize_for_matching("كشور") == normalize_for_matching("کشور") == "کشور"
    assert normalize_for_matching("رئيس") == normalize_for_matching("رییس") == "رییس"
    assert normalize_for_matching("مؤسسه") == "موسسه"
    assert normalize_for_matching("أحمد إسلام") == "احمد اسلام"
    assert normalize_for_matching("مدرسة") == "مدرسه"
    assert normalize_for_matching("خانهٔ") == normalize_for_matching("خانه")


def test_persian_letters_survive_nfkc_untouched() -> None:
    word = "پژوهشگاه چگونگی آب گذرگاه یک"
    assert normalize_for_matching(word) == word


def test_presentation_forms_are_folded() -> None:
    # ﻛﺘﺎﺏ is کتاب written with Arabic presentation-form code points.
    assert normalize_for_matching("\ufedb\ufe98\ufe8e\ufe8f") == "کتاب"


def test_digits_become_ascii() -> None:
    assert normalize_for_matching("۱۵۲") == "152"
    assert normalize_for_matching("١٥٢") == "152"
    assert normalize_for_matching("۱٫۵") == "1.5"
    assert normalize_for_matching("۱.۵ میلیون") == "1.5 میلیون"


def test_diacritics_tatweel_and_controls_are_removed() -> None:
    assert normalize_for_matching("کِتابُ") == "کتاب"
    assert normalize_for_matching("مُحَمَّد") == "محمد"
    assert normalize_for_matching("كتـــاب") == "کتاب"
    assert normalize_for_matching("\u200fسلام\u200e \u2067دنیا\u2069\ufeff") == "سلام دنیا"


def test_latin_lowercased_and_whitespace_collapsed() -> None:
    assert normalize_for_matching("  NATO\t و\n\n  IAEA  ") == "nato و iaea"


def test_question_tokens_drop_question_words_keep_content_and_numbers() -> None:
    question = "کره شمالی چند گلوله ۱۵۲ میلی‌متری به روسیه فرستاده است؟"
    assert match_tokens(question) == ["کره", "شمالی", "گلوله", "152", "میلیمتری", "روسیه", "فرستاده"]
    assert match_tokens("چرا زلنسکی از اتحادیه اروپا انتقاد کرد؟") == ["زلنسکی", "اتحادیه", "اروپا", "انتقاد"]


def test_decimal_number_is_one_token() -> None:
    assert match_tokens("کره شمالی ۱.۵ میلیون گلوله فرستاد") == ["کره", "شمالی", "1.5", "میلیون", "گلوله", "فرستاد"]
    assert "1.5" in match_tokens("۱٫۵ میلیون")
    assert match_tokens("۱٬۰۰۰ نفر و 2,500 نفر") == ["1000", "نفر", "2500", "نفر"]


def test_sentence_final_full_stop_is_not_part_of_a_number() -> None:
    assert match_tokens("حدود ۶۷۰۰.") == ["حدود", "6700"]


def test_detached_affixes_match_zwnj_and_joined_spellings() -> None:
    spaced = match_tokens("کمک ها ارسال می شود", drop_stopwords=False)
    zwnj = match_tokens("کمک‌ها ارسال می‌شود", drop_stopwords=False)
    joined = match_tokens("کمکها ارسال میشود", drop_stopwords=False)
    assert spaced == zwnj == joined == ["کمکها", "ارسال", "میشود"]


def test_keep_stopwords_when_asked() -> None:
    assert match_tokens("آیا این خبر درست است؟", drop_stopwords=False) == ["آیا", "این", "خبر", "درست", "است"]
    assert match_tokens("آیا این خبر درست است؟") == ["خبر", "درست"]


def test_english_tokens_and_stopwords() -> None:
    assert match_tokens("What did the NATO chief say?") == ["nato", "chief", "say"]


def test_stopwords_are_stored_normalized() -> None:
    assert all(normalize_for_matching(word) == word for word in STOPWORDS)
    assert {"چند", "چرا", "آیا", "کدام", "است", "the", "what"} <= STOPWORDS
    assert "میشود" in STOPWORDS


def test_seed_tokens_match_a_zwnj_question() -> None:
    # The seed has no ZWNJ ("میلیمتری"); a question typed properly has one.
    seed = set(match_tokens(SEED.read_text(encoding="utf-8")))
    question = match_tokens("گلوله‌های ۱۵۲ میلی‌متری کره‌شمالی")
    assert question == ["گلولههای", "152", "میلیمتری", "کرهشمالی"]
    assert set(question) <= seed


def test_normalize_does_not_import_hazm() -> None:
    # The query path must stay fast; hazm costs about a second to import.
    code = (
        "import sys, pasokh.retrieval.normalize as n; n.match_tokens('آیا کره شمالی؟'); "
        "print('hazm' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
