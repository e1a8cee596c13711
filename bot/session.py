"""Opening the encoder, searcher and indexer from the settings: the same for the CLI and the bot.

Both front ends go through here, so a setting means the same thing whichever
way a question or an article arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from pasokh.embeddings.encoder import Encoder, PassageEncoder, QueryEncoder
from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.search import Searcher
from pasokh.retrieval.vector_index import set_faiss_threads

from .settings import Settings

ProgressFactory = Callable[[int], Callable[[int], None]]


def make_encoder(settings: Settings, *, index_threads: int | None = None,
                 on_prepare: Callable[[], None] | None = None) -> Encoder:
    """The encoder the settings describe (nothing is loaded until first use).

    ``index_threads`` overrides the setting's default: the bot embeds uploads
    with one worker, so a core stays free for answering.
    """
    set_faiss_threads(settings.faiss_threads)
    return Encoder(settings.model, threads=settings.threads,
                   index_threads=settings.index_threads or index_threads,
                   cache_dir=settings.cache_dir, query_engine=settings.query_engine,
                   precision=settings.precision, on_prepare=on_prepare)


def open_searcher(settings: Settings, encoder: QueryEncoder) -> Searcher:
    """A searcher on the settings' data directory, its model checked.

    Raises ``NoIndexError``, ``StoreError`` or ``ModelMismatchError``.
    """
    searcher = Searcher(settings.data_dir, encoder, index_params=settings.index_params)
    try:
        searcher.check_model()
    except Exception:
        searcher.close()
        raise
    return searcher


def open_indexer(settings: Settings, encoder: PassageEncoder, *,
                 progress_factory: ProgressFactory | None = None) -> Indexer:
    """An indexer on the settings' data directory."""
    return Indexer(settings.data_dir, encoder, progress_factory=progress_factory,
                   commit_seconds=settings.commit_seconds, index_params=settings.index_params,
                   max_sentences=settings.max_sentences, crash_at=settings.crash_at)
