"""Polling RSS and Atom feeds (feedparser) and indexing their entries as they appear or change.

Each feed is fetched with a conditional GET (ETag / Last-Modified) every
``interval`` seconds; a feed that fails waits twice as long each time (up to
``MAX_BACKOFF_SECONDS``) while the others go on. An entry becomes an article
keyed by its link: a new link is a new article, an entry whose text changed
re-indexes its article, an unchanged one costs nothing (the indexer compares
content hashes). An entry that carries only a summary has its page fetched and
its text extracted (``pages.py``). What was seen is kept in ``feeds.json`` in
the data directory, so a restart does not fetch every page again.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..articles import Article
from ..errors import ArticleError
from .pages import fetch_page_article, web_article
from .web import MAX_PAGE_BYTES, FetchError, fetch

log = logging.getLogger(__name__)

STATE_FILE = "feeds.json"
FEED_INTERVAL_SECONDS = 300.0
MAX_BACKOFF_SECONDS = 3600.0
SUMMARY_ONLY_LETTERS = 400
"""An entry with no content of its own and a description shorter than this (in letters) carries only a
summary: its page is fetched. A longer description is taken as the article (some feeds put it all there)."""


@dataclass
class FeedState:
    """What one feed's last fetch left behind."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_try: float = 0.0
    entries: dict[str, str] = field(default_factory=dict)  # link -> hash of the entry as the feed gave it


@dataclass
class FeedReport:
    """One poll of one feed."""

    url: str
    not_modified: bool = False
    articles: list[Article] = field(default_factory=list)  # new or changed entries
    errors: list[ArticleError] = field(default_factory=list)  # entries whose page could not be read
    failed: str | None = None  # the feed itself could not be fetched or parsed


def entry_text(entry) -> tuple[str, bool]:
    """The entry's own text as plain text, and whether it is the full content (not just a summary)."""
    for item in entry.get("content") or []:
        if item.get("value"):
            return html_to_text(item["value"]), True
    return html_to_text(entry.get("summary") or ""), False


def html_to_text(html: str) -> str:
    """Feed HTML as text: block elements become line breaks, markup goes, entities are decoded."""
    if "<" not in html and "&" not in html:
        return html.strip()
    import lxml.html

    try:
        root = lxml.html.fromstring(f"<div>{html}</div>")
    except (ValueError, lxml.etree.ParserError):
        return html.strip()
    for block in root.iter("p", "br", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"):
        block.tail = "\n" + (block.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line).strip()


def _published(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc).isoformat()
    return entry.get("published") or entry.get("updated")


class FeedPoller:
    """Polls feeds and hands new or changed entries, as articles, to ``on_articles``."""

    def __init__(self, feeds: Sequence[str], state_dir: Path, on_articles: Callable[[list[Article]], object], *,
                 interval: float = FEED_INTERVAL_SECONDS, max_page_bytes: int = MAX_PAGE_BYTES,
                 timeout: float = 20.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.feeds = list(dict.fromkeys(feeds))
        self.state_path = Path(state_dir) / STATE_FILE
        self.on_articles = on_articles
        self.interval = interval
        self.max_page_bytes = max_page_bytes
        self.timeout = timeout
        self._clock = clock
        self.states = self._load()

    def _load(self) -> dict[str, FeedState]:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        states = {}
        for url in self.feeds:
            saved = raw.get(url) if isinstance(raw, dict) else None
            states[url] = FeedState(saved.get("etag"), saved.get("last_modified"),
                                    entries=dict(saved.get("entries") or {})) if isinstance(saved, dict) else FeedState()
        return states

    def _save(self) -> None:
        data = {url: {"etag": s.etag, "last_modified": s.last_modified, "entries": s.entries}
                for url, s in self.states.items()}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_name(self.state_path.name + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.state_path)

    def poll_once(self, now: float | None = None) -> list[FeedReport]:
        """Fetch every feed that is due; index what is new. One feed's failure never stops the others."""
        now = self._clock() if now is None else now
        reports = []
        for url in self.feeds:
            state = self.states[url]
            if now < state.next_try:
                continue
            report = self._poll(url, state)
            if report.failed:
                state.failures += 1
                state.next_try = now + min(MAX_BACKOFF_SECONDS, self.interval * 2 ** state.failures)
                log.warning("feed %s failed (%s); next try in %.0f s", url, report.failed, state.next_try - now)
            else:
                state.failures = 0
                state.next_try = now + self.interval
            reports.append(report)
        if reports:  # nothing was due: the state is unchanged
            self._save()
        return reports

    def _poll(self, url: str, state: FeedState) -> FeedReport:
        import feedparser

        report = FeedReport(url)
        try:
            fetched = fetch(url, etag=state.etag, last_modified=state.last_modified,
                            max_bytes=self.max_page_bytes, timeout=self.timeout)
        except FetchError as error:
            report.failed = error.detail or error.kind
            return report
        if fetched.body is None:
            report.not_modified = True
            return report
        parsed = feedparser.parse(fetched.body)
        if parsed.get("bozo") and not parsed.entries:
            report.failed = f"not a feed ({type(parsed.get('bozo_exception')).__name__})"
            return report
        feed_title = parsed.feed.get("title") or fetched.url
        changed: dict[str, str] = {}
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                continue
            text, full = entry_text(entry)
            fingerprint = hashlib.sha256(f"{entry.get('title')}\n{text}".encode("utf-8")).hexdigest()[:16]
            if state.entries.get(link) == fingerprint:
                continue
            try:
                report.articles.append(self._article(entry, link, text, full, feed_title))
                changed[link] = fingerprint
            except ArticleError as error:
                log.warning("feed %s: entry %s skipped: %s", url, link, error)
                report.errors.append(error)
        if report.articles:
            try:
                self.on_articles(report.articles)
            except Exception as error:  # e.g. the disk is full: keep the entries to try again
                log.exception("feed %s: indexing %d entries failed", url, len(report.articles))
                report.failed = f"indexing failed: {error}"
                return report
        state.entries.update(changed)
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
        return report

    def _article(self, entry, link: str, text: str, full: bool, feed_title: str) -> Article:
        title = " ".join((entry.get("title") or "").split()) or None
        published = _published(entry)
        if not full and sum(ch.isalpha() for ch in text) < SUMMARY_ONLY_LETTERS:
            return fetch_page_article(link, source=feed_title, title=title, published=published,
                                      max_bytes=self.max_page_bytes)
        return web_article(link, text, source=feed_title, title=title, published=published)

    def run(self, stop: threading.Event, *, tick: float = 1.0) -> None:
        """Poll until ``stop`` is set (checking every ``tick`` seconds which feeds are due)."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling: one bad round must not end the service
                log.exception("polling feeds failed; will retry")
            stop.wait(tick)

    def start_thread(self, stop: threading.Event | None = None) -> tuple[threading.Thread, threading.Event]:
        """Run in a daemon thread; set the returned event (or ``stop``) to stop it."""
        stop = stop or threading.Event()
        thread = threading.Thread(target=self.run, args=(stop,), name="pasokh-feeds", daemon=True)
        thread.start()
        return thread, stop
