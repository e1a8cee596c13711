"""What text is embedded for a sentence (the quote shown is always the sentence itself)."""

from __future__ import annotations

from collections.abc import Sequence

from .articles import Article
from .store import NewSentence


def passage_text(article: Article, sentences: Sequence[NewSentence], position: int) -> str:
    """The text embedded for ``sentences[position]`` of ``article``."""
    return sentences[position].text
