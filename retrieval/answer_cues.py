"""What kind of answer a question wants, and whether a sentence holds that kind of thing.

Cheap cues for the ranker: a "when" question prefers a sentence with a date or
a weekday, a "how many" question one with a number, a "why" question one that
gives a reason. Matched on normalized text, whole words only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import normalize_for_matching


def _words(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(normalize_for_matching(w)) for w in words)
    return re.compile(rf"(?:^|\s)(?:{alternatives})(?=\s|$|[؟?!.،,:؛])")


_WHEN = _words(["کی", "چه زمانی", "چه تاریخی", "چه روزی", "چه ساعتی", "چه سالی", "چه ماهی", "تاریخ", "زمان",
                "چه موقع", "کدام روز", "کدام تاریخ", "چه روزهایی", "چه روزایی", "روزای",
                "when", "what date", "what year", "what time"])
_HOW_MANY = _words(["چند", "چقدر", "چقد", "چه تعداد", "چه میزان", "رقم", "میزان", "تعداد", "درصد",
                    "how many", "how much", "what percentage"])
_WHY = _words(["چرا", "به چه دلیل", "علت", "دلیل", "برای چه", "به چه علت", "why"])
_DATE = _words(["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن",
                "اسفند", "ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر",
                "نوامبر", "دسامبر", "محرم", "صفر", "رمضان", "شوال", "ذیحجه", "شنبه", "یکشنبه", "دوشنبه",
                "سه شنبه", "سهشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "امروز", "دیروز", "فردا", "امسال", "سال",
                "ماه", "هفته", "ساعت", "روز", "روزهای", "روزها", "تاریخ", "آینده", "پایان", "اواخر", "اوایل",
                "نیمه"])
_NUMBER = re.compile(r"\d|" + _words(["هزار", "میلیون", "میلیارد", "درصد", "یک", "دو", "سه", "چهار", "پنج", "شش",
                                      "هفت", "هشت", "نه", "ده", "صد", "نیم"]).pattern)
_REASON = _words(["زیرا", "چرا که", "چراکه", "به دلیل", "به علت", "به خاطر", "بخاطر", "دلیل", "علت", "باعث",
                  "موجب", "سبب", "چون", "تا"])
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class QuestionKind:
    """What the question asks for."""

    when: bool
    how_many: bool
    why: bool


def question_kind(question: str) -> QuestionKind:
    """The kinds of answer ``question`` asks for (several may hold, or none)."""
    text = normalize_for_matching(question)
    return QuestionKind(bool(_WHEN.search(text)), bool(_HOW_MANY.search(text)), bool(_WHY.search(text)))


@dataclass(frozen=True)
class SentenceCues:
    """What kinds of answer a sentence could give."""

    date: bool
    number: bool
    digit: bool
    reason: bool


def sentence_cues(normalized_sentence: str) -> SentenceCues:
    """Cues of a sentence already passed through ``normalize_for_matching``."""
    text = normalized_sentence
    return SentenceCues(bool(_DATE.search(text)), bool(_NUMBER.search(text)), bool(_DIGIT.search(text)),
                        bool(_REASON.search(text)))
