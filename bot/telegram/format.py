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
from pasokh.bot.messages import Lang, fa_digits
from pasokh.retrieval.citations import Hit
from pasokh.retrieval.highlight import answer_spans
from pasokh.retrieval.search import MAX_QUESTION_CHARS, Answer, Reason
from pasokh.retrieval.store import ArticleRecord, SentenceRecord

RLM = "\u200f"  # right-to-left mark
MAX_MESSAGE_CHARS = 4096
"""Telegram's limit per message (counted here in UTF-16 units, as Telegram does)."""


_COMMAND = re.compile(r"(?<![\w/])/[a-z_]{2,32}\b")
LRM = "\u200e"


def rtl(text: str) -> str:
    """Start every line of ``text`` with an RLM; keep ``/commands`` left to right inside it
    (else a right-to-left line shows ``/sources`` as ``sources/``)."""
    return "\n".join(RLM + _COMMAND.sub(lambda m: LRM + m.group(0) + LRM, line) for line in text.split("\n"))


def e(text: str | None) -> str:
    """Article or user text, escaped for Telegram HTML."""
    return escape(text or "", quote=False)


def _link(label_html: str, url: str | None) -> str:
    if url and url.lower().startswith(("http://", "https://")):  # Telegram rejects other schemes
        return f'<a href="{escape(url, quote=True)}">{label_html}</a>'
    return label_html


def citation_html(hit: Hit, lang: Lang = Lang.FA) -> str:
    """``— title (linked to the article or channel post)، source، date`` for one article's quotes."""
    parts = [_link(e(hit.title), hit.url)]
    if hit.source:
        parts.append(e(hit.source))
    date = messages.published_date(hit.published, lang)
    if date:
        parts.append(e(date))
    return "— " + "، ".join(parts)


def quote_html(question: str, hit: Hit, lang: Lang = Lang.FA) -> str:
    """``<b>۱.</b> «quote with the answering words in bold» (جملهٔ ۲)``"""
    spans = answer_spans(question, hit.text)
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(e(hit.text[at:start]))
        pieces.append(f"<b>{e(hit.text[start:end])}</b>")
        at = end
    pieces.append(e(hit.text[at:]))
    return (f"<b>{messages.number(hit.rank, lang)}.</b> «{''.join(pieces)}» "
            f"<i>({e(messages.sentence_label(hit.sentence_index, lang))})</i>")


def _quote_blocks(question: str, hits: list[Hit], lang: Lang) -> list[str]:
    """One block per article, in the order the articles first appear: its quotes, then its citation once."""
    by_article: dict[str, list[Hit]] = {}  # dicts keep insertion order: the articles' first appearance
    for hit in hits:
        by_article.setdefault(hit.article_id, []).append(hit)
    return ["\n".join([quote_html(question, h, lang) for h in group] + [citation_html(group[0], lang)])
            for group in by_article.values()]


def answer_html(answer: Answer, hits: list[Hit] | None = None, *, more: list[Hit] | None = None) -> str:
    """The reply to a question: quotes grouped by article with one citation each, or why there are none.

    ``hits`` overrides ``answer.hits``; ``more`` are further, less relevant results shown below
    a heading (the "more results" button edits the answer to add them).
    """
    lang = messages.reply_language(answer.question)
    hits = answer.hits if hits is None else hits
    paragraphs = []
    if answer.truncated:
        paragraphs.append(f"<i>{e(messages.truncated_text(MAX_QUESTION_CHARS, lang))}</i>")
    if not answer.answered:
        paragraphs.append(e(messages.reason_text(answer.reason, lang)))
        if answer.reason is Reason.NO_MATCH:
            paragraphs.append(e(messages.text("rephrase", lang)))
            if answer.closest is not None:
                paragraphs.append("<i>" + _link(e(messages.text("closest", lang, title=answer.closest.title)),
                                                answer.closest.url) + "</i>")
    paragraphs.extend(_quote_blocks(answer.question, hits, lang))
    if more:
        paragraphs.append(f"<i>{e(messages.text('more_heading', lang))}</i>")
        paragraphs.extend(_quote_blocks(answer.question, more, lang))
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


def sources_html(articles: list[ArticleRecord], limit: int, *, for_editor: bool = False) -> str:
    """/sources: the indexed articles with source, link and Jalali date (and their ids, for editors)."""
    if not articles:
        return text_html("empty_index")
    blocks = [f"<b>{e(messages.SOURCES_TITLE)} ({fa_digits(len(articles))})</b>"]
    newest_first = list(reversed(articles))
    for number, article in enumerate(newest_first[:limit], 1):
        details = messages.sources_details(article.source, article.published, article.n_sentences,
                                           article_id=article.article_id if for_editor else None)
        blocks.append(f"<b>{fa_digits(number)}.</b> {_link(e(article.title), article.url)}\n"
                      + " — ".join(e(d) for d in details))
    if len(articles) > limit:
        blocks.append(e(messages.more_articles(len(articles) - limit)))
    return "\n\n".join(rtl(b) for b in blocks)


def welcome_html(articles: int, examples: list[str], newest_title: str | None) -> str:
    """/start: what the bot knows and what one could ask."""
    if not articles:
        return text_html("empty_index")
    return rtl(e(messages.welcome_text(articles, examples, newest_title)))


def help_html(bot_username: str | None, max_question_chars: int, rate_limit: int, *, admin: bool = False) -> str:
    """/help: how to ask, the buttons, groups, limits (and the editors' commands, for editors)."""
    mention = f"@{bot_username}" if bot_username else messages.BOT_NAME_PLACEHOLDER
    lines = "\n".join(e(line) for line in messages.help_lines(mention, max_question_chars, rate_limit, admin=admin))
    return rtl(f"<b>{e(messages.HELP_TITLE)}</b>\n\n{lines}")


def about_html(articles: int, sentences: int) -> str:
    """/about: what Pasokh does and does not do."""
    what, size = messages.about_text(articles, sentences)
    return rtl(f"<b>{e(messages.ABOUT_TITLE)}</b>\n\n{e(what)}\n\n{e(size)}")


def stats_html(snapshot, generation: int, articles: int, sentences: int) -> str:
    """/stats for admins (``snapshot`` is a ``limits.StatsSnapshot``)."""
    return titled_html(messages.STATS_TITLE, messages.stats_lines(snapshot, generation, articles, sentences))


def titled_html(title: str, lines: list[str]) -> str:
    """A bold title over plain lines (all escaped)."""
    return rtl(f"<b>{e(title)}</b>\n" + "\n".join(e(line) for line in lines))


def plain_html(text: str) -> str:
    """Any plain message of ours (already worded) as escaped RTL paragraphs."""
    return rtl(e(text))


def text_html(key: str, lang: Lang = Lang.FA) -> str:
    """One of the bot's fixed phrases as an RTL paragraph."""
    return plain_html(messages.text(key, lang))


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
