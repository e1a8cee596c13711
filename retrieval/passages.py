"""What text is embedded for a sentence (the quote shown is always the sentence itself).

A sentence is embedded as ``"{title}. {sentence}"``. Sentences rarely repeat
what their article is about (``او گفت …``, ``این باشگاه …``), so without the title
a question naming the subject matches the lead sentence, or another article,
instead of the sentence that answers it. On PersianQA's even half the title
prefix alone took hit@1 from 0.596 to 0.742 and off-topic abstention up as well
(docs/quality.md). Neighbouring sentences as context were measured too and hurt
(hit@1 0.386 with the previous sentence): they blur which sentence answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from .articles import Article
from .normalize import normalize_for_matching
from .sentences import SentenceSpan

PASSAGE_FORMAT = "title6-dot-sentence/1"
"""Names what ``passage_text`` produces. Vectors embedded under another format
are not comparable (scores shift by about 0.01-0.02): the indexer records it and
re-embeds every article when it changes."""

MAX_TITLE_WORDS = 6
"""Titles are cut to their first words: a whole news headline (10-15 words)
outweighs a short sentence and pulls every sentence of the article towards the
same vector (seed article: the answering sentences scored up to 0.02 lower with
the full headline than with its first 6 words; Wikipedia titles are shorter)."""

_TERMINAL = ".!?؟…:؛"


def embedding_title(article: Article) -> str:
    """The title to prefix to every sentence of ``article``, or "" when it tells nothing.

    A title that is only the article id, or one derived from a first line that
    is a whole paragraph (cut with ``…``), is not a headline and is left out.
    """
    title = " ".join((article.title or "").split())
    if not title or title == article.article_id:
        return ""
    if title.endswith("…") and article.text.lstrip().startswith(title[:-1].rstrip()):
        return ""  # the first line of the body cut short, not a headline
    words = title.split()
    if len(words) > MAX_TITLE_WORDS:
        title = " ".join(words[:MAX_TITLE_WORDS]).rstrip(" ،,:;؛-")
    return title


def _folded(text: str) -> str:
    return normalize_for_matching(text).rstrip(_TERMINAL + " ")


def passage_text(article: Article, sentences: Sequence[SentenceSpan], position: int) -> str:
    """The text embedded for ``sentences[position]`` of ``article``: title, then the sentence."""
    sentence = sentences[position].text
    title = embedding_title(article)
    if not title:
        return sentence
    if _folded(sentence) == _folded(title):
        return sentence  # the headline line itself: embedding it twice adds nothing
    separator = " " if title[-1] in _TERMINAL else ". "
    return f"{title}{separator}{sentence}"
