"""Shared fixtures: the real bundled model and an index of the real seed article."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_FILE = SEEDS / "000_040e5e524f598d68.txt"
SEED_ID = "040e5e524f598d68"

sys.path.insert(0, str(Path(__file__).resolve().parent))
# one thread per encoder keeps timings sane on 2-core machines running other work
os.environ.setdefault("PASOKH_THREADS", "1")


@pytest.fixture(scope="session")
def encoder():
    """The default (bundled, offline) encoder, prepared in the user's cache once."""
    from pasokh.embeddings.encoder import Encoder

    return Encoder()


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory, encoder) -> Path:
    """A data directory with the seed article indexed (shared, read-only for tests)."""
    from pasokh.retrieval.indexer import Indexer

    data_dir = tmp_path_factory.mktemp("seed-index")
    report = Indexer(data_dir, encoder).index_paths([SEEDS])
    assert report.added == [SEED_ID] and not report.errors
    return data_dir


@pytest.fixture(scope="session")
def seed_searcher(seed_data_dir, encoder):
    """A Searcher over the seed index."""
    from pasokh.retrieval.search import Searcher

    searcher = Searcher(seed_data_dir, encoder)
    yield searcher
    searcher.close()


@pytest.fixture
def fresh_copy(tmp_path, seed_data_dir) -> Path:
    """A private copy of the seed index that a test may modify."""
    target = tmp_path / "data"
    shutil.copytree(seed_data_dir, target, ignore=shutil.ignore_patterns("index.lock"))
    return target
