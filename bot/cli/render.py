"""Rendering answers for people (right-to-left Persian text) and programs (JSON).

People: one paragraph per quote, each line started with an RLM so bidi-aware
terminals lay it out right to left, wrapped at word boundaries to the
terminal's width. Terminals that do not reorder right-to-left text get
``visual`` lines instead: python-bidi turns each wrapped line into display
order, right-aligned.
Programs: one JSON object per question; fields may be added, none change.
"""

from __future__ import annotations

import json
import textwrap

from pasokh.bot import messages
from pasokh.retrieval.citations import Hit
from pasokh.retrieval.search import MAX_QUESTION_CHARS, Answer

RLM = "\u200f"  # right-to-left mark: sets the paragraph direction in bidi-aware terminals


def citation_line(hit: Hit, *, with_article: bool = True) -> str:
    """``[۱] «quote» — title، source، جملهٔ ۳`` (only the sentence number when ``with_article`` is False)."""
    parts = [hit.title] if with_article else []
    if with_article and hit.source:
        parts.append(hit.source)
    parts.append(messages.sentence_label(hit.sentence_index))
    return f"[{messages.fa_digits(hit.rank)}] «{hit.text}» — {'، '.join(parts)}"


def render_text(answer: Answer, *, width: int | None = None, visual: bool = False) -> str:
    """The human form of an answer; ``width`` wraps lines, ``visual`` reorders them for plain terminals."""
    lang = messages.reply_language(answer.question)
    paragraphs: list[str] = []
    if answer.truncated:
        paragraphs.append(messages.truncated_text(MAX_QUESTION_CHARS, lang))
    if not answer.answered:
        paragraphs.append(messages.reason_text(answer.reason, lang))
    seen_articles: set[str] = set()
    for hit in answer.hits:
        line = citation_line(hit, with_article=hit.article_id not in seen_articles)
        seen_articles.add(hit.article_id)
        if hit.url and hit.rank == 1:
            line += f"\n{hit.url}"
        paragraphs.append(line)
    return "\n\n".join(_lay_out(p, width, visual) for p in paragraphs)


def _lay_out(paragraph: str, width: int | None, visual: bool) -> str:
    lines: list[str] = []
    for line in paragraph.split("\n"):
        lines.extend(textwrap.wrap(line, width=width, break_long_words=False, break_on_hyphens=False)
                     if width and width > 20 else [line])
    if not visual:
        return "\n".join(RLM + line for line in lines)
    from bidi import get_display

    return "\n".join(get_display(line).rjust(width or 0) for line in lines)


def answer_json(answer: Answer) -> dict:
    """The stable JSON object for one question (``reason`` and ``truncated`` were added later)."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "results": [hit.as_json() for hit in answer.hits],
        "reason": answer.reason.value,
        "truncated": answer.truncated,
    }


def render_json(answer: Answer) -> str:
    """One line of JSON (UTF-8, not ASCII-escaped)."""
    return to_json(answer_json(answer))


def to_json(value) -> str:
    """One JSON document on one line (UTF-8, keys in a stable order)."""
    return json.dumps(value, ensure_ascii=False)
