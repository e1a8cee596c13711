"""Which words of a quoted sentence answer the question, to be shown in bold.

For a "how many / when" question the numbers and dates are the answer; for
any other, the question's own rarer words show where the sentence meets it.
Returns character spans into the original sentence: the quote itself is never
changed, only marked.
"""

from __future__ import annotations

import re

from .answer_cues import question_kind, sentence_cues
from .features import STEM_CHARS as _STEM
from .normalize import match_tokens, normalize_for_matching

_WORD = re.compile(r"[^\s«»\"“”()\[\]،,؛;:.!?؟…]+")
_YEAR = re.compile(r"1[34]\d\d|19\d\d|20\d\d")
MAX_SHARE = 0.4
"""At most this share of a sentence's words is bolded: beyond it, bold stops marking anything."""


def answer_spans(question: str, sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets in ``sentence`` of the words to emphasize, in order, not overlapping."""
    kind = question_kind(question)
    wanted = set(match_tokens(question))  # function words already dropped
    stems = {t[:_STEM] for t in wanted if len(t) > _STEM}
    words = list(_WORD.finditer(sentence))
    spans: list[tuple[int, int]] = []
    for word in words:
        normalized = normalize_for_matching(word.group())
        tokens = match_tokens(normalized, drop_stopwords=False)
        if not tokens:
            continue
        cues = sentence_cues(normalized)
        answers_kind = (kind.how_many and cues.number) or (kind.when and (cues.date or _is_year(tokens)))
        echoes = any(t in wanted or (len(t) > _STEM and t[:_STEM] in stems) for t in tokens)
        if answers_kind or (echoes and not (kind.how_many or kind.when)):
            spans.append(word.span())
    if len(spans) > MAX_SHARE * max(1, len(words)):
        return []
    return _merge(spans, sentence)


def _is_year(tokens: list[str]) -> bool:
    return any(_YEAR.fullmatch(t) for t in tokens)


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Join spans separated only by spaces (``۶۷۰۰ کانتینر`` in one bold run)."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not text[merged[-1][1]:start].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
