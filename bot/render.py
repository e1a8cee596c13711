"""Rendering answers for people (right-to-left Persian text) and programs (JSON)."""

from __future__ import annotations

import json

from pasokh.retrieval.citations import Hit
from pasokh.retrieval.search import Answer

RLM = "\u200f"  # right-to-left mark: sets the paragraph direction in bidi-aware terminals
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

MESSAGES = {
    "no_match": "پاسخی برای این پرسش در مقاله‌های نمایه‌شده پیدا نشد.",
    "not_a_question": "این پیام پرسش به نظر نمی‌رسد؛ پرسشی دربارهٔ مقاله‌ها بنویسید، مثلاً: «کره شمالی چند کانتینر به روسیه فرستاده است؟»",
    "empty_index": "هنوز مقاله‌ای نمایه نشده است. اول `pasokh index` را اجرا کنید.",
    "truncated": "پرسش بسیار بلند بود و فقط ۱۰۰۰ نویسهٔ اول آن بررسی شد.",
    "empty_question": "پرسش خالی است؛ یک پرسش بنویسید. (empty question)",
}


def persian_digits(value: int | str) -> str:
    """Write ASCII digits as Persian digits."""
    return str(value).translate(_PERSIAN_DIGITS)


def citation_line(hit: Hit) -> str:
    """``[۱] «quote» — title، source، جملهٔ ۳``"""
    parts = [hit.title]
    if hit.source:
        parts.append(hit.source)
    parts.append(f"جملهٔ {persian_digits(hit.sentence_index)}")
    return f"[{persian_digits(hit.rank)}] «{hit.text}» — {'، '.join(parts)}"


def render_text(answer: Answer) -> str:
    """The human form of an answer: one RTL paragraph per quoted sentence."""
    lines: list[str] = []
    if answer.truncated:
        lines.append(MESSAGES["truncated"])
    if not answer.answered:
        lines.append(MESSAGES.get(answer.reason, MESSAGES["no_match"]))
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
    return json.dumps(answer_json(answer), ensure_ascii=False)
