"""Answering a question: embed it, search the live snapshot, cite, or abstain."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pasokh.embeddings.encoder import QueryEncoder

from .abstention import AbstentionPolicy
from .candidates import Candidate, RowsPurged, gather, rank
from .citations import Hit, hit_from_record
from .errors import ModelMismatchError, NoIndexError, StoreError, StoreProblem
from .features import IndexStatistics
from .normalize import match_tokens
from .ranker import LinearModel, load_model
from .small_talk import SmallTalk, small_talk
from .store import DB_NAME, ArticleRecord, SentenceRecord, Store
from .vector_index import SNAPSHOT_DIR, IndexParams, VectorIndex

MAX_QUESTION_CHARS = 1000
"""Longer questions are cut to this many characters (with a warning)."""

_CANDIDATES = 20
_SNAPSHOT_RETRIES = 5


class Reason(StrEnum):
    """Why an answer is what it is; the value is what ``--json`` prints as ``reason``."""

    ANSWERED = "answered"
    NOT_A_QUESTION = "not_a_question"  # empty, punctuation, emoji
    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"
    NO_MATCH = "no_match"
    EMPTY_INDEX = "empty_index"


@dataclass(frozen=True)
class Answer:
    """The outcome of one question."""

    question: str
    answered: bool
    hits: list[Hit] = field(default_factory=list)
    reason: Reason = Reason.ANSWERED
    truncated: bool = False
    closest: Hit | None = None
    """When nothing answers: the best sentence found anyway (never quoted as an answer; its article's
    title is offered as "the closest article")."""
    more: list[Hit] = field(default_factory=list)
    """Further results still relevant enough to offer under "more results", best first."""


_SMALL_TALK_REASONS = {SmallTalk.NOTHING: Reason.NOT_A_QUESTION, SmallTalk.GREETING: Reason.GREETING,
                       SmallTalk.THANKS: Reason.THANKS, SmallTalk.FAREWELL: Reason.FAREWELL}


def prepare_question(raw: str) -> tuple[str, bool]:
    """Strip the question and cut it to ``MAX_QUESTION_CHARS``; returns (text, truncated)."""
    text = " ".join(raw.split())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS]
    space = cut.rfind(" ")
    # at a word boundary: half a word would be a question word of its own ("ف" of "فرستاده")
    return (cut[:space] if space > MAX_QUESTION_CHARS - 50 else cut), True


class Searcher:
    """Answers questions from one data directory.

    Before every question it checks which snapshot generation is live and, if a
    re-index published a new one, switches to it; a question is always answered
    from a single snapshot.
    """

    def __init__(self, data_dir: Path, encoder: QueryEncoder, *, policy: AbstentionPolicy | None = None,
                 index_params: IndexParams = IndexParams(), ranker: LinearModel | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.encoder = encoder
        self.policy = policy or AbstentionPolicy()
        self.ranker = ranker or load_model("ranker")
        self.index_params = index_params
        if not (self.data_dir / DB_NAME).exists():
            raise NoIndexError(self.data_dir)
        self.store = Store(self.data_dir, create=False)  # StoreError: unreadable, not missing
        self._index: VectorIndex | None = None
        self._generation = -1
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the SQLite connection."""
        self.store.close()

    @property
    def generation(self) -> int:
        """The generation the last question was answered from."""
        return self._generation

    def check_model(self) -> None:
        """Raise ModelMismatchError if the index was built with another model than the encoder's."""
        with self._lock:
            recorded = self.store.get_meta("model_id")
        if recorded and recorded != self.encoder.model_id:
            raise ModelMismatchError(recorded, self.encoder.model_id)

    def reload(self) -> None:
        """Load the live snapshot now (``/reload``), instead of at the next question."""
        self.check_model()
        with self._lock:
            self._generation = -1
        self._current_index()

    def _current_index(self) -> tuple[VectorIndex | None, int]:
        """The live snapshot and its generation (loaded when a publish made a new one live)."""
        with self._lock:
            for _attempt in range(_SNAPSHOT_RETRIES):
                with self.store.consistent_read():  # the generation and its snapshot's name, together
                    generation = self.store.generation()
                    name = self.store.get_meta("snapshot")
                if generation == self._generation:
                    return self._index, self._generation
                path = self.data_dir / SNAPSHOT_DIR / name if name else None
                try:
                    self._index = VectorIndex.load(path, params=self.index_params) if path else None
                except RuntimeError as error:
                    if self.store.generation() != generation:
                        continue  # two publishes landed meanwhile and removed it: load the live one
                    # FAISS cannot read the live snapshot: deleted or damaged by hand
                    raise StoreError(StoreProblem.SNAPSHOT_UNREADABLE, path, str(error)) from error
                self._generation = generation
                return self._index, self._generation
            raise StoreError(StoreProblem.SNAPSHOT_UNREADABLE, self.data_dir / SNAPSHOT_DIR, "keeps changing")

    def ask(self, question: str, k: int = 3, *, more: int = 0) -> Answer:
        """Answer ``question`` with up to ``k`` cited sentences, or abstain; ``more`` asks for up to that
        many further results that are still worth offering (``Answer.more``)."""
        text, truncated = prepare_question(question)
        talk = small_talk(text)
        if talk is not None:
            return Answer(text, False, reason=_SMALL_TALK_REASONS[talk], truncated=truncated)
        ranked = self.rank(text, max(k + more, _CANDIDATES))
        if ranked is None:
            return Answer(text, False, reason=Reason.EMPTY_INDEX, truncated=truncated)
        if not ranked or not self.policy.accepts(text, ranked):
            closest = hit_from_record(0, ranked[0].score, ranked[0].record) if ranked else None
            return Answer(text, False, reason=Reason.NO_MATCH, truncated=truncated, closest=closest)
        shown = self.policy.worth_quoting(ranked[:k])
        hits = [hit_from_record(number, c.score, c.record) for number, c in enumerate(shown, 1)]
        further = self.policy.worth_offering(ranked, shown)[:more] if more else []
        extra = [hit_from_record(number, c.score, c.record) for number, c in enumerate(further, len(hits) + 1)]
        return Answer(text, True, hits, truncated=truncated, more=extra)

    def rank(self, question: str, depth: int = _CANDIDATES, *,
             exclude_article_ids: frozenset[str] = frozenset()) -> list[Candidate] | None:
        """The best ``depth`` candidates, best first, with no abstention;
        None when the index is empty. ``exclude_article_ids`` hides articles (evaluation)."""
        self.check_model()
        vector = self.encoder.encode_queries([question])[0]
        terms = match_tokens(question)
        for _attempt in range(3):
            index, generation = self._current_index()
            if index is None or len(index) == 0:
                return None
            try:
                with self._lock:  # one SQLite connection shared by the bot's worker threads
                    inputs = gather(self.store, index, generation, vector, terms,
                                    exclude_article_ids=exclude_article_ids)
                    stats = IndexStatistics(len(index), self.store.term_document_counts(terms))
                break
            except RowsPurged:  # rows of an older snapshot were purged under us: reload the live one
                with self._lock:
                    self._generation = -1
        else:
            raise StoreError(StoreProblem.SNAPSHOT_UNREADABLE, self.data_dir / SNAPSHOT_DIR, "keeps changing")
        return rank(question, inputs, stats, self.ranker)[:depth]

    def articles(self) -> list[ArticleRecord]:
        """The articles of the live snapshot."""
        with self._lock:
            return self.store.live_articles()

    def size(self) -> tuple[int, int]:
        """(articles, sentences) in the live snapshot."""
        with self._lock:
            return self.store.counts()

    def context(self, sentence_id: int, radius: int = 2) -> list[SentenceRecord]:
        """The sentence ``sentence_id`` and up to ``radius`` neighbours on each side; nothing once its
        article is removed or replaced (its rows linger one generation for older readers)."""
        with self._lock:
            found = self.store.sentences_by_ids([sentence_id])
            if sentence_id not in found or not found[sentence_id].live_in(self.store.generation()):
                return []
            record = found[sentence_id]
            return self.store.sentences_of_article(record.article_key, record.position - radius,
                                                   record.position + radius)
