"""A news page as an article: title, date and body text extracted with trafilatura.

trafilatura drops characters Python does not call printable, and the
zero-width non-joiner of ``می‌گوید`` is one of them: the page would be quoted
as ``میگوید``. It is swapped for a printable placeholder before extraction and
back after, so the stored text is the page's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..articles import Article, content_hash, title_from_text
from ..errors import ArticleError, ArticleProblem
from .web import MAX_PAGE_BYTES, FetchError, fetch

_ZWNJ, _PLACEHOLDER = "\u200c", "\ufffc"
MIN_PAGE_LETTERS = 80


@dataclass(frozen=True)
class PageText:
    """What trafilatura found on a page."""

    title: str | None
    date: str | None
    text: str


def extract(html: bytes | str, url: str | None = None) -> PageText | None:
    """The article on a page, or None when there is none."""
    import trafilatura

    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    found = trafilatura.bare_extraction(html.replace(_ZWNJ, _PLACEHOLDER), url=url, with_metadata=True,
                                        favor_recall=True, include_comments=False)
    if found is None or not getattr(found, "text", None):
        return None

    def restore(value: str | None) -> str | None:
        return value.replace(_PLACEHOLDER, _ZWNJ) if value else value

    return PageText(restore(found.title), found.date, restore(found.text))


def url_article_id(url: str) -> str:
    """A stable article id for a page or feed entry: from its link."""
    return "w" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:15]


def page_article(url: str, html: bytes | str, *, source: str = "", title: str | None = None,
                 published: str | None = None) -> Article:
    """The article at ``url`` from its HTML (the feed's title and date win over the page's)."""
    page = extract(html, url)
    if page is None or sum(ch.isalpha() for ch in page.text) < MIN_PAGE_LETTERS:
        raise ArticleError(url, ArticleProblem.NO_ARTICLE_TEXT)
    return web_article(url, page.text.strip(), source=source, title=title or page.title,
                       published=published or page.date)


def web_article(url: str, text: str, *, source: str, title: str | None, published: str | None) -> Article:
    """A page's or a feed entry's text as an article keyed by its link."""
    return Article(article_id=url_article_id(url), title=title or title_from_text(text), source=source, url=url,
                   published=published, language="fa", text=text, path=None, content_hash=content_hash(text))


def fetch_page_article(url: str, *, source: str = "", title: str | None = None, published: str | None = None,
                       max_bytes: int = MAX_PAGE_BYTES) -> Article:
    """Fetch ``url`` and extract its article; raises ``ArticleError`` naming the URL."""
    try:
        fetched = fetch(url, max_bytes=max_bytes)
    except FetchError as error:
        raise _article_error(error, max_bytes) from None
    return page_article(fetched.url, fetched.body or b"", source=source or _host(fetched.url), title=title,
                        published=published)


def _article_error(error: FetchError, max_bytes: int) -> ArticleError:
    if error.kind == "too_large":
        return ArticleError(error.url, ArticleProblem.PAGE_TOO_LARGE, limit=max_bytes)
    if error.kind == "bad_url":
        return ArticleError(error.url, ArticleProblem.BAD_URL)
    return ArticleError(error.url, ArticleProblem.FETCH_FAILED, reason=error.detail or error.kind)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc
