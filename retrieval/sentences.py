"""Split an article into sentence spans that are exact slices of the original text.

Answers quote article sentences verbatim and cite them by offset, so every span
returned here satisfies ``text[span.char_start:span.char_end] == span.text``.
Nothing is normalized: normalization is only for matching (see ``normalize.py``).

Pipeline, per line of the article:

1. Line breaks are hard boundaries. In news text a line break separates a
   headline, a byline, a list item or a paragraph; a quoted span must never
   straddle two of them. (hazm would turn the break into a space, and its
   sentence could then no longer be found verbatim in the original.)
2. hazm's ``SentenceTokenizer`` proposes the base split; its output is aligned
   back onto the line by walking both strings while skipping whitespace.
3. Boundaries hazm misses are added (a terminator followed by a closing quote or
   bracket, ``…``, a tab after the terminator) and boundaries it wrongly makes
   are removed (initials and abbreviations such as ``U.S.``, ``ج.ا.ا.``, ``Dr.``).
4. Over-long spans (lists, run-on paragraphs) are cut at ``؛ ; :``, then
   ``، ,``, then whitespace so that no span exceeds ``MAX_SENTENCE_CHARS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_SENTENCE_CHARS = 600
# A clause cut shorter than this is not worth making: fall through to the next,
# weaker kind of delimiter instead of producing a crumb.
_MIN_CLAUSE_CHARS = MAX_SENTENCE_CHARS // 4

_LINE = re.compile(r"[^\n\r\x0b\x0c\x85\u2028\u2029]+")
_TERMINATORS = ".!?؟⸮…"
# Terminator run, optional closing quotes/brackets, then whitespace: the
# sentence ends after the closers. Requiring whitespace keeps `۱.۵`, `3.5`,
# `bbc.com` and `ج.ا.ا` whole.
_EXTRA_BOUNDARY = re.compile(r"[.!?؟⸮…]+[»\"”’'\)\]}›]*(?=\s)")
_OPENERS = "«\"“‘'([{‹"
# Last token is one or more single letters each followed by a dot: `U.S.`,
# `J.`, `ج.ا.ا.`, `ق.م.`.
_INITIALS = re.compile(r"(?:^|[\s«\"“‘'(\[{])(?:[^\W\d_]\.)+$")
_ABBREVIATION = re.compile(r"(?:^|[\s«\"“‘'(\[{])([A-Za-z]{1,5})\.$")
_LATIN_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "no", "nos",
        "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt", "mt", "fig",
        "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec",
    }
)
# Invisible characters that should not start or end a quoted span.
_EDGE_JUNK = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_CONTEXT_CHARS = 64
_LONG_SPAN_DELIMITERS = (
    re.compile(r"[؛;:](?=\s)"),
    re.compile(r"[،,](?=\s)"),
)


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of an article, located in the original text."""

    index: int  # 0-based position in the article
    char_start: int  # offsets into the ORIGINAL article text
    char_end: int
    text: str  # always == article_text[char_start:char_end]


class _AlignmentError(Exception):
    """hazm's output could not be walked back onto the original line."""


@lru_cache(maxsize=1)
def _hazm_tokenizer() -> Any:
    # Imported here, not at module level: importing hazm costs about a second
    # and the CLI's fast paths (help, listing) must not pay it.
    from hazm import SentenceTokenizer

    return SentenceTokenizer()


def split_sentences(text: str) -> list[SentenceSpan]:
    """Split ``text`` into sentences whose offsets point into ``text`` itself.

    Spans are in order, non-overlapping, stripped of surrounding whitespace and
    invisible control characters, never empty and never longer than
    ``MAX_SENTENCE_CHARS``. Empty or whitespace-only text gives ``[]``.
    """
    if not text or text.isspace():
        return []
    bounds: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        if line.group().isspace():
            continue
        for start, end in _split_line(line.group()):
            bounds.append((line.start() + start, line.start() + end))
    return [
        SentenceSpan(index=i, char_start=s, char_end=e, text=text[s:e])
        for i, (s, e) in enumerate(bounds)
    ]


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence bounds inside one line (no line breaks), relative to it."""
    try:
        cuts = set(_hazm_cuts(line))
    except _AlignmentError:
        # Should not happen with hazm 0.9 (it only changes whitespace), but a
        # future version might rewrite characters; our own rules still work.
        cuts = set()
    cuts.update(m.end() for m in _EXTRA_BOUNDARY.finditer(line))
    cuts = {c for c in cuts if 0 < c < len(line) and not _is_false_boundary(line, c)}
    points = [0, *sorted(cuts), len(line)]
    bounds: list[tuple[int, int]] = []
    for start, end in zip(points, points[1:]):
        start, end = _strip(line, start, end)
        if start < end:
            bounds.extend(_split_long(line, start, end))
    return bounds


def _hazm_cuts(line: str) -> list[int]:
    """End offsets (in ``line``) of the sentences hazm finds in ``line``.

    hazm returns sentence strings, not offsets, and may change whitespace, so
    each sentence is matched against the line one non-space character at a
    time rather than searched for as a substring.
    """
    pos = 0
    cuts: list[int] = []
    for sentence in _hazm_tokenizer().tokenize(line):
        for ch in sentence:
            if ch.isspace():
                continue
            while pos < len(line) and line[pos].isspace():
                pos += 1
            if pos >= len(line) or line[pos] != ch:
                raise _AlignmentError(sentence)
            pos += 1
        cuts.append(pos)
    if line[pos:].strip():
        raise _AlignmentError(line[pos:])
    return cuts


def _is_false_boundary(line: str, cut: int) -> bool:
    """True if the boundary at ``cut`` follows an initial or abbreviation."""
    # A bounded window: slicing the whole line at every cut would be quadratic
    # on a megabyte-long line, and an abbreviation is a few characters long.
    left = line[max(0, cut - _CONTEXT_CHARS) : cut].rstrip()
    if not left.endswith("."):
        return False
    if _INITIALS.search(left):
        return True
    abbreviation = _ABBREVIATION.search(left)
    if abbreviation and abbreviation.group(1).lower() in _LATIN_ABBREVIATIONS:
        return True
    # An English sentence does not start in lower case: "approx. three".
    right = line[cut : cut + _CONTEXT_CHARS].lstrip().lstrip(_OPENERS)
    return bool(right) and "a" <= right[0] <= "z"


def _strip(line: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past whitespace and invisible controls."""
    while start < end and (line[start].isspace() or line[start] in _EDGE_JUNK):
        start += 1
    while end > start and (line[end - 1].isspace() or line[end - 1] in _EDGE_JUNK):
        end -= 1
    return start, end


def _split_long(line: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``[start, end)`` into contiguous pieces of at most MAX_SENTENCE_CHARS."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = _long_span_cut(line, start)
        piece = _strip(line, start, cut)
        if piece[0] < piece[1]:
            pieces.append(piece)
        start, end = _strip(line, cut, end)
    if start < end:
        pieces.append((start, end))
    return pieces


def _long_span_cut(line: str, start: int) -> int:
    """Where to cut an over-long span that starts at ``start``.

    The last clause delimiter that keeps the piece within the limit wins (so we
    make as few cuts as possible); semicolons and colons are preferred to
    commas, commas to plain whitespace. A delimiter must be followed by
    whitespace, so `12:30`, `1,000` and URLs are never cut.
    """
    limit = start + MAX_SENTENCE_CHARS
    for delimiter in _LONG_SPAN_DELIMITERS:
        # endpos is one past the limit so the look-ahead can see the space.
        ends = [
            m.end()
            for m in delimiter.finditer(line, start, limit + 1)
            if start + _MIN_CLAUSE_CHARS <= m.end() <= limit
        ]
        if ends:
            return ends[-1]
    spaces = [m.start() for m in re.finditer(r"\s", line[start + 1 : limit + 1])]
    if spaces:
        return start + 1 + spaces[-1]
    # No whitespace at all for 600 characters (a pasted URL or base64 blob):
    # a hard cut is the only way to respect the limit.
    return limit
