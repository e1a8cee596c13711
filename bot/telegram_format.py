"""Telegram HTML for answers and commands, callback data, and splitting long messages.

Pure functions only. Every piece of article or user text goes through
``html.escape``; every paragraph starts with an RLM (or a Persian letter) so
clients lay it out right to left even when it begins with a digit or Latin.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from pasokh.retrieval.citations import Hit
from pasokh.retrieval.search import Answer
from pasokh.retrieval.store import ArticleRecord, SentenceRecord

from .render import MESSAGES, RLM, persian_digits

MAX_MESSAGE_CHARS = 4096
"""Telegram's limit per message (counted here in UTF-16 units, as Telegram does)."""

EXAMPLE_QUESTION = "کره شمالی چند کانتینر به روسیه فرستاده است؟"
MORE_LABEL = "نتایج بیشتر"
CONTEXT_LABEL = "متن پیرامون"

TEXTS = {
    "admin_only": "این دستور فقط برای مدیران ربات است؛ برای پرسیدن، پرسش خود را بنویسید.",
    "error": "متأسفم، در پاسخ به این پیام مشکلی پیش آمد. لطفاً کمی بعد دوباره امتحان کنید.",
    "stale_question": "پرسش اصلی دیگر در دسترس نیست؛ لطفاً پرسش را دوباره بفرستید.",
    "no_more": "نتیجهٔ دیگری نیست.",
    "stale_sentence": "این جمله دیگر در نمایه نیست (نمایه به‌روز شده است)؛ پرسش را دوباره بفرستید.",
    "unknown_button": "این دکمه دیگر کار نمی‌کند؛ پرسش را دوباره بفرستید.",
}


def rtl(text: str) -> str:
    """Start every line of ``text`` with an RLM."""
    return "\n".join(RLM + line for line in text.split("\n"))


def e(text: str | None) -> str:
    """Article or user text, escaped for Telegram HTML."""
    return escape(text or "", quote=False)


def _link(label_html: str, url: str | None) -> str:
    if url and url.lower().startswith(("http://", "https://")):  # Telegram rejects other schemes
        return f'<a href="{escape(url, quote=True)}">{label_html}</a>'
    return label_html


def citation_html(hit: Hit) -> str:
    """``— title (linked when there is a URL)، source، جملهٔ ۳``"""
    parts = [_link(e(hit.title), hit.url)]
    if hit.source:
        parts.append(e(hit.source))
    parts.append(f"جملهٔ {persian_digits(hit.sentence_index)}")
    return "— " + "، ".join(parts)


def answer_html(answer: Answer, hits: list[Hit] | None = None) -> str:
    """The reply to a question: quotes with citations, or the polite reason for none.

    ``hits`` overrides ``answer.hits`` (a later page of "more results").
    """
    hits = answer.hits if hits is None else hits
    paragraphs = []
    if answer.truncated:
        paragraphs.append(f"<i>{e(MESSAGES['truncated'])}</i>")
    if not answer.answered:
        paragraphs.append(e(MESSAGES.get(answer.reason, MESSAGES["no_match"])))
    for hit in hits:
        paragraphs.append(f"<b>{persian_digits(hit.rank)}.</b> «{e(hit.text)}»\n{citation_html(hit)}")
    return "\n\n".join(rtl(p) for p in paragraphs)


def context_html(records: list[SentenceRecord], focus_id: int) -> str:
    """The sentences around ``focus_id``, the cited one in bold, with the article's citation."""
    first = records[0]
    head = f"<b>{CONTEXT_LABEL}</b> — {_link(e(first.title), first.url)}"
    if first.source:
        head += f"، {e(first.source)}"
    lines = [head]
    for record in records:
        line = f"({persian_digits(record.position + 1)}) {e(record.text)}"
        lines.append(f"<b>{line}</b>" if record.sentence_id == focus_id else line)
    return "\n\n".join(rtl(line) for line in lines)


def sources_html(articles: list[ArticleRecord], limit: int) -> str:
    """/sources: the indexed articles with source, link and date."""
    if not articles:
        return rtl(e(MESSAGES["empty_index"]))
    blocks = [f"<b>مقاله‌های نمایه‌شده ({persian_digits(len(articles))})</b>"]
    for number, article in enumerate(articles[:limit], 1):
        details = [e(article.source) if article.source else "منبع نامشخص"]
        if article.published:
            details.append(f"تاریخ: {persian_digits(e(article.published))}")
        details.append(f"{persian_digits(article.n_sentences)} جمله")
        blocks.append(f"<b>{persian_digits(number)}.</b> {_link(e(article.title), article.url)}\n"
                      + " — ".join(details))
    if len(articles) > limit:
        blocks.append(f"و {persian_digits(len(articles) - limit)} مقالهٔ دیگر.")
    return "\n\n".join(rtl(b) for b in blocks)


def welcome_html(articles: int, newest_title: str | None) -> str:
    """/start: what the bot knows and how to ask."""
    if not articles:
        return rtl(e(MESSAGES["empty_index"]))
    text = (f"سلام! من «پاسخ» هستم و به پرسش‌های فارسی دربارهٔ {persian_digits(articles)} مقالهٔ خبری "
            "نمایه‌شده، با نقل جمله‌های خود مقاله‌ها و ذکر منبع، پاسخ می‌دهم.\n\n"
            f"کافی است پرسش خود را بنویسید؛ مثلاً:\n«{EXAMPLE_QUESTION}»")
    if newest_title:
        text += f"\n\nتازه‌ترین مقاله: «{e(newest_title)}»"
    return rtl(text + "\n\nراهنما: /help — فهرست مقاله‌ها: /sources")


def help_html(bot_username: str | None, max_question_chars: int, rate_limit: int) -> str:
    """/help: how to ask, the buttons, groups, limits."""
    mention = f"@{e(bot_username)}" if bot_username else "نام ربات"
    return rtl(
        "<b>راهنمای پاسخ</b>\n\n"
        f"• پرسش خود را به فارسی بنویسید (تا {persian_digits(max_question_chars)} نویسه). پاسخ، جمله‌هایی "
        "از خود مقاله‌هاست، با نام مقاله، منبع و شمارهٔ جمله.\n"
        f"• «{MORE_LABEL}»: جمله‌های مرتبط بعدی. «{CONTEXT_LABEL}»: جمله‌های پیش و پس از جملهٔ نقل‌شده.\n"
        f"• در گروه‌ها: مرا با {mention} صدا بزنید یا به پیام من پاسخ دهید.\n"
        f"• هر کاربر حداکثر {persian_digits(rate_limit)} پرسش در دقیقه.\n\n"
        "دستورها: /start /help /sources /about")


def about_html(articles: int, sentences: int) -> str:
    """/about: what Pasokh does and does not do."""
    return rtl(
        "<b>دربارهٔ پاسخ</b>\n\n"
        "پاسخ متن تازه نمی‌سازد: فقط جمله‌هایی از مقاله‌های نمایه‌شده را بی‌تغییر و با منبع نقل می‌کند. "
        "پرسش با مدل multilingual-e5-small روی همین سرور با جمله‌ها سنجیده می‌شود و اگر هیچ جمله‌ای به اندازهٔ "
        "کافی مرتبط نباشد، پاسخی نمی‌دهد.\n\n"
        f"نمایه: {persian_digits(articles)} مقاله، {persian_digits(sentences)} جمله.")


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{persian_digits(round(seconds * 1000))} میلی‌ثانیه"


def stats_html(snapshot, generation: int, articles: int, sentences: int) -> str:
    """/stats for admins (``snapshot`` is a ``bot_stats.StatsSnapshot``)."""
    reasons = "، ".join(f"{e(reason)}: {persian_digits(count)}"
                        for reason, count in sorted(snapshot.abstention_reasons.items()))
    return rtl(
        "<b>آمار پاسخ</b>\n"
        f"پرسش‌ها: {persian_digits(snapshot.questions)} — پاسخ‌داده: {persian_digits(snapshot.answered)}، "
        f"بی‌پاسخ: {persian_digits(snapshot.abstentions)}" + (f" ({reasons})" if reasons else "") + "\n"
        f"زمان پاسخ: میانه {_ms(snapshot.p50)}، صدک ۹۵: {_ms(snapshot.p95)}\n"
        f"محدودشده: {persian_digits(snapshot.rate_limited)}، خطا: {persian_digits(snapshot.errors)}\n"
        f"نمایه: نسل {persian_digits(generation)}، {persian_digits(articles)} مقاله، "
        f"{persian_digits(sentences)} جمله\n"
        f"مدت کار: {persian_digits(round(snapshot.uptime / 60))} دقیقه")


def reload_html(generation: int, articles: int, sentences: int) -> str:
    """/reload succeeded."""
    return rtl(f"نمایه دوباره خوانده شد: نسل {persian_digits(generation)}، "
               f"{persian_digits(articles)} مقاله، {persian_digits(sentences)} جمله.")


def rate_limited_html(limit: int, retry_after: float) -> str:
    """The polite refusal when a user asks too often."""
    return rtl(f"کمی آهسته‌تر، لطفاً! هر کاربر حداکثر {persian_digits(limit)} پرسش در دقیقه می‌تواند بفرستد؛ "
               f"حدود {persian_digits(max(1, round(retry_after)))} ثانیهٔ دیگر دوباره بپرسید.")


def text_html(key: str) -> str:
    """One of the fixed ``TEXTS`` as an RTL paragraph."""
    return rtl(e(TEXTS[key]))


# ---- questions addressed to the bot in groups ----

@functools.lru_cache(maxsize=8)
def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"@{re.escape(username)}(?![A-Za-z0-9_])", re.IGNORECASE)


def mentions(text: str, bot_username: str | None) -> bool:
    """Whether ``text`` contains ``@bot_username``."""
    return bool(bot_username) and bool(_mention_pattern(bot_username).search(text))


def strip_mention(text: str, bot_username: str | None) -> str:
    """The question in ``text``: ``@bot_username`` removed, whitespace collapsed."""
    if bot_username:
        text = _mention_pattern(bot_username).sub(" ", text)
    return " ".join(text.split())


# ---- callback data: short and self-contained, so buttons work after a restart ----

@dataclass(frozen=True)
class MoreButton:
    """"more:<offset>:<question key>": results from ``offset`` on for the replied-to question."""

    offset: int
    key: str


@dataclass(frozen=True)
class ContextButton:
    """"ctx:<sentence id>": the sentences around a cited sentence."""

    sentence_id: int


_CALLBACK = re.compile(r"^(?:more:(\d{1,3}):([0-9a-f]{10})|ctx:(\d{1,18}))$")


def question_key(question: str) -> str:
    """A short fingerprint of a question: the button checks it still has the same question."""
    return hashlib.blake2b(" ".join(question.split()).encode(), digest_size=5).hexdigest()


def parse_callback(data: str | None) -> MoreButton | ContextButton | None:
    """The button behind callback ``data``; None for anything else."""
    found = _CALLBACK.match(data or "")
    if not found:
        return None
    if found.group(3):
        return ContextButton(int(found.group(3)))
    return MoreButton(int(found.group(1)), found.group(2))


def answer_keyboard(question: str, hits: list[Hit], next_offset: int | None) -> InlineKeyboardMarkup | None:
    """"more results" (when ``next_offset`` is set) and one "context" button per hit."""
    rows = []
    if next_offset is not None:
        rows.append([InlineKeyboardButton(MORE_LABEL, callback_data=f"more:{next_offset}:{question_key(question)}")])
    if hits:
        label = (lambda h: CONTEXT_LABEL) if len(hits) == 1 else (
            lambda h: f"{CONTEXT_LABEL} {persian_digits(h.rank)}")
        rows.append([InlineKeyboardButton(label(h), callback_data=f"ctx:{h.sentence_id}") for h in hits])
    return InlineKeyboardMarkup(rows) if rows else None


# ---- splitting: at paragraph, then line, then word boundaries, never inside markup ----

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
_OPEN_ENTITY = re.compile(r"&[#\w]*$")


def units(text: str) -> int:
    """Length in UTF-16 code units (what Telegram counts)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_html(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Cut ``text`` into messages of at most ``limit`` units.

    Cuts prefer blank lines, then line ends, then spaces, and never fall inside
    a tag or an entity; a tag open at a cut is closed and reopened around it.
    """
    chunks = []
    text = text.strip()
    while units(text) > limit:
        head, text = _cut(text, limit)
        chunks.append(head)
    if text:
        chunks.append(text)
    return chunks


def _cut(text: str, limit: int) -> tuple[str, str]:
    budget = limit
    while True:
        end = _cut_index(text, budget)
        head = text[:end].rstrip()
        stack = _open_tags(head)
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        if units(head) + units(closing) <= limit or budget <= 1:
            break
        budget -= units(closing)
    reopening = "".join(tag for _, tag in stack)
    return head + closing, reopening + text[end:].lstrip("\n ")


def _cut_index(text: str, budget: int) -> int:
    hard = _prefix_within(text, budget)
    window = text[:hard]
    for separator, earliest in (("\n\n", 1), ("\n", 1), (" ", hard // 2)):
        at = window.rfind(separator)
        if at >= earliest:
            return _outside_markup(text, at) or hard
    return _outside_markup(text, hard) or hard


def _prefix_within(text: str, budget: int) -> int:
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def _outside_markup(text: str, index: int) -> int:
    """``index`` moved back to the start of the tag or entity it falls in, if any."""
    tag_start = text.rfind("<", 0, index)
    if tag_start != -1 and text.rfind(">", tag_start, index) == -1:
        index = tag_start
    entity = _OPEN_ENTITY.search(text, 0, index)
    return entity.start() if entity else index


def _open_tags(html_text: str) -> list[tuple[str, str]]:
    stack: list[tuple[str, str]] = []
    for found in _TAG.finditer(html_text):
        name = found.group(2).lower()
        if not found.group(1):
            stack.append((name, found.group(0)))
        elif any(open_name == name for open_name, _ in stack):
            while stack and stack.pop()[0] != name:
                pass
    return stack
