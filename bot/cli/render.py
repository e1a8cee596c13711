"""Rendering answers for people (right-to-left Persian text) and programs (JSON)."""

from __future__ import annotations

import json

from pasokh.bot import messages
from pasokh.retrieval.citations import Hit
from pasokh.retrieval.search import MAX_QUESTION_CHARS, Answer

RLM = "\u200f"  # right-to-left mark: sets the paragraph direction in bidi-aware terminals


def citation_line(hit: Hit) -> str:
    """``[۱] «quote» — title، source، جملهٔ ۳``"""
    parts = [hit.title]
    if hit.source:
        parts.append(hit.source)
    parts.append(messages.sentence_label(hit.sentence_index))
    return f"[{messages.fa_digits(hit.rank)}] «{hit.text}» — {'، '.join(parts)}"


def render_text(answer: Answer) -> str:
    """The human form of an answer: one RTL paragraph per quoted sentence."""
    lines: list[str] = []
    if answer.truncated:
        lines.append(messages.truncated_text(MAX_QUESTION_CHARS))
    if not answer.answered:
        lines.append(messages.reason_text(answer.reason))
    for hit in answer.hits:
        line = citation_line(hit)
        if hit.url:
            line += f"\n{hit.url}"
        lines.append(line)
    return "\n\n".join(RLM + line.replace("\n", "\n" + RLM) for line in lines)


def answer_json(answer: Answer) -> dict:
    """The stable JSON object for one question."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "results": [hit.as_json() for hit in answer.hits],
    }


def render_json(answer: Answer) -> str:
    """One line of JSON (UTF-8, not ASCII-escaped)."""
    return to_json(answer_json(answer))


def to_json(value) -> str:
    """One JSON document on one line (UTF-8, keys in a stable order)."""
    return json.dumps(value, ensure_ascii=False)
