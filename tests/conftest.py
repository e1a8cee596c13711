"""Shared fixtures: the real bundled model, an index of the real seed article, the Bot API stand-in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.botapi_standin import BotApiStandIn, loopback_only
from tests.helpers.paths import SEED_ID, SEEDS


@pytest.fixture(scope="session")
def encoder():
    """The default (bundled, offline) encoder, one thread, prepared in the user's cache once."""
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


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    """A running Bot API stand-in on 127.0.0.1; the process may only talk to loopback meanwhile."""
    with loopback_only(), BotApiStandIn() as api:
        yield api


@pytest.fixture(scope="session")
def library_data_dir(tmp_path_factory, encoder) -> Path:
    """46 short articles (titles and text with HTML-like characters) indexed with the real model."""
    from pasokh.retrieval.indexer import Indexer

    source = tmp_path_factory.mktemp("library-src")
    (source / "special.json").write_text(json.dumps({
        "id": "special", "title": "شرکت <b>آلفا</b> & بتا", "source": "خبرگزاری <i>آزمون</i>",
        "url": "https://example.org/a?x=1&y=2", "published": "2024-03-01",
        "text": "شرکت آلفا & بتا اعلام کرد که نسخهٔ <b>جدید</b> نرم‌افزار حسابداری خود را در ماه آینده منتشر "
                "می‌کند. این نرم‌افزار برای شرکت‌های کوچک طراحی شده است."}, ensure_ascii=False), "utf-8")
    for i in range(45):
        (source / f"a{i:02d}.json").write_text(json.dumps({
            "id": f"a{i:02d}", "title": f"گزارش شمارهٔ {i} دربارهٔ بازار کتاب و نشر در شهرهای ایران <{i}>",
            "source": "خبرگزاری نمونه", "url": f"https://example.org/news/{i}", "published": "2024-01-05",
            "text": f"ناشران در نمایشگاه شمارهٔ {i} بیش از {i * 10} عنوان کتاب تازه عرضه کردند."},
            ensure_ascii=False), "utf-8")
    data_dir = tmp_path_factory.mktemp("library-index")
    report = Indexer(data_dir, encoder).index_paths([source])
    assert len(report.added) == 46 and not report.errors
    return data_dir
