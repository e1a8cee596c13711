"""Telegram HTML for answers and commands, and splitting long messages.

Pure functions only. Every piece of article or user text goes through
``html.escape`` here and nowhere else; every paragraph starts with an RLM (or
a Persian letter) so clients lay it out right to left even when it begins
with a digit or Latin. The words come from ``pasokh.bot.messages``.
"""

from __future__ import annotations

import functools
import re
from html import escape

from pasokh.bot import messages
from pasokh.bot.messages import fa_digits
from pasokh.retrieval.citations import Hit
from pasokh.retrieval.search import MAX_QUESTION_CHARS, Answer
from pasokh.retrieval.store import ArticleRecord, SentenceRecord

RLM = "\u200f"  # right-to-left mark
MAX_MESSAGE_CHARS = 4096
"""Telegram's limit per message (counted here in UTF-16 units, as Telegram does)."""


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
    parts.append(messages.sentence_label(hit.sentence_index))
    return "— " + "، ".join(parts)


def answer_html(answer: Answer, hits: list[Hit] | None = None) -> str:
    """The reply to a question: quotes with citations, or the polite reason for none.

    ``hits`` overrides ``answer.hits`` (a later page of "more results").
    """
    hits = answer.hits if hits is None else hits
    paragraphs = []
    if answer.truncated:
        paragraphs.append(f"<i>{e(messages.truncated_text(MAX_QUESTION_CHARS))}</i>")
    if not answer.answered:
        paragraphs.append(e(messages.reason_text(answer.reason)))
    for hit in hits:
        paragraphs.append(f"<b>{fa_digits(hit.rank)}.</b> «{e(hit.text)}»\n{citation_html(hit)}")
    return "\n\n".join(rtl(p) for p in paragraphs)


def context_html(records: list[SentenceRecord], focus_id: int) -> str:
    """The sentences around ``focus_id``, the cited one in bold, with the article's citation."""
    first = records[0]
    head = f"<b>{e(messages.CONTEXT_LABEL)}</b> — {_link(e(first.title), first.url)}"
    if first.source:
        head += f"، {e(first.source)}"
    lines = [head]
    for record in records:
        line = f"({fa_digits(record.position + 1)}) {e(record.text)}"
        lines.append(f"<b>{line}</b>" if record.sentence_id == focus_id else line)
    return "\n\n".join(rtl(line) for line in lines)


def sources_html(articles: list[ArticleRecord], limit: int) -> str:
    """/sources: the indexed articles with source, link and date."""
    if not articles:
        return text_html("empty_index")
    blocks = [f"<b>{e(messages.SOURCES_TITLE)} ({fa_digits(len(articles))})</b>"]
    for number, article in enumerate(articles[:limit], 1):
        details = messages.sources_details(article.source, article.published, article.n_sentences)
        blocks.append(f"<b>{fa_digits(number)}.</b> {_link(e(article.title), article.url)}\n"
                      + " — ".join(e(d) for d in details))
    if len(articles) > limit:
        blocks.append(e(messages.more_articles(len(articles) - limit)))
    return "\n\n".join(rtl(b) for b in blocks)


def welcome_html(articles: int, example: str | None, newest_title: str | None) -> str:
    """/start: what the bot knows and how to ask."""
    if not articles:
        return text_html("empty_index")
    return rtl(e(messages.welcome_text(articles, example, newest_title)))


def help_html(bot_username: str | None, max_question_chars: int, rate_limit: int) -> str:
    """/help: how to ask, the buttons, groups, limits."""
    mention = f"@{bot_username}" if bot_username else messages.BOT_NAME_PLACEHOLDER
    lines = "\n".join(e(line) for line in messages.help_lines(mention, max_question_chars, rate_limit))
    return rtl(f"<b>{e(messages.HELP_TITLE)}</b>\n\n{lines}\n\n{e(messages.HELP_COMMANDS)}")


def about_html(articles: int, sentences: int) -> str:
    """/about: what Pasokh does and does not do."""
    what, size = messages.about_text(articles, sentences)
    return rtl(f"<b>{e(messages.ABOUT_TITLE)}</b>\n\n{e(what)}\n\n{e(size)}")


def stats_html(snapshot, generation: int, articles: int, sentences: int) -> str:
    """/stats for admins (``snapshot`` is a ``limits.StatsSnapshot``)."""
    lines = messages.stats_lines(snapshot, generation, articles, sentences)
    return rtl(f"<b>{e(messages.STATS_TITLE)}</b>\n" + "\n".join(e(line) for line in lines))


def rate_limited_html(limit: int, retry_after: float) -> str:
    """The polite refusal when a user asks too often."""
    return plain_html(messages.rate_limited_text(limit, retry_after))


def plain_html(text: str) -> str:
    """Any plain message of ours (already worded) as escaped RTL paragraphs."""
    return rtl(e(text))


def text_html(key: str) -> str:
    """One of the fixed ``messages.BOT_TEXTS`` as an RTL paragraph."""
    return plain_html(messages.BOT_TEXTS[key])


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
