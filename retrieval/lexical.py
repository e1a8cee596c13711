"""The lexical channel's words: what is indexed for a sentence and what a question looks up.

Dense vectors find sentences that are *about* the question; names, numbers and
two-word keyword questions need the words themselves. Sentences are indexed
by their matching tokens (``normalize.match_tokens``: Arabic letter forms,
digits, ZWNJ and detached affixes folded, function words dropped) in an SQLite
FTS5 table that lives in the same database and commits in the same
transaction as the sentence rows, so the lexical channel is always exactly as
live as the snapshot (``store.Store.lexical_search``).
"""

from __future__ import annotations

from .normalize import match_tokens

PREFIX_CHARS = 5
"""Longer question words also match longer words that start with their first five letters
(``کانتینر`` finds ``کانتینرها``, ``فرستاد`` finds ``فرستاده``): Persian inflects by suffix."""

MAX_QUERY_TERMS = 16


def sentence_terms(text: str) -> str:
    """The space-separated terms indexed for one sentence."""
    return " ".join(match_tokens(text))


def fts_query(terms: list[str]) -> str | None:
    """An FTS5 ``MATCH`` expression: any of the terms, long ones also by prefix; None if there are none."""
    parts = []
    for term in dict.fromkeys(terms[:MAX_QUERY_TERMS]):
        if len(term) > PREFIX_CHARS and not term[0].isdigit():
            parts.append(_quoted(term[:PREFIX_CHARS]) + "*")
        else:
            parts.append(_quoted(term))
    return " OR ".join(dict.fromkeys(parts)) or None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
