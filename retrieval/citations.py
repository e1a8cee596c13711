"""The cited sentence every front end renders: one small dataclass."""

from __future__ import annotations

from dataclasses import dataclass

from .store import SentenceRecord


@dataclass(frozen=True)
class Hit:
    """One quoted sentence with its citation.

    ``text`` is ``article_text[char_start:char_end]`` of the original article,
    never a normalized form. ``sentence_index`` is 1-based.
    """

    rank: int
    score: float
    text: str
    article_id: str
    title: str
    source: str
    url: str | None
    sentence_index: int
    char_start: int
    char_end: int
    sentence_id: int
    published: str | None = None

    def as_json(self) -> dict:
        """The stable JSON form (the ``results`` items of ``pasokh ask --json``)."""
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "text": self.text,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "sentence_index": self.sentence_index,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "published": self.published,
        }


def hit_from_record(rank: int, score: float, record: SentenceRecord) -> Hit:
    """Build the citation for a stored sentence."""
    return Hit(rank=rank, score=score, text=record.text, article_id=record.article_id,
               title=record.title, source=record.source, url=record.url,
               sentence_index=record.position + 1, char_start=record.char_start,
               char_end=record.char_end, sentence_id=record.sentence_id, published=record.published)
