"""Vector snapshots: exact search, HNSW above the threshold (recall, tombstones,
compaction), memory-mapped loading, and the indexer/searcher on an HNSW snapshot."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np

from pasokh.retrieval import vector_index
from pasokh.retrieval.vector_index import IndexParams, VectorIndex, build_index

DIM = 384
SMALL = IndexParams(exact_max=1000)


def clustered(n: int, seed: int = 0, clusters: int = 200) -> np.ndarray:
    """Normalized vectors in clusters, like sentence embeddings (neighbours are close)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def queries_near(x: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = x[rng.integers(0, len(x), n)] + 0.5 * rng.standard_normal((n, DIM)).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def exact_top(q: np.ndarray, ids: np.ndarray, x: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(q @ x.T), axis=1)[:, :k]]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return sum(len(set(a) & set(b)) for a, b in zip(found, truth)) / truth.size


def test_flat_is_exact():
    x = clustered(3000)
    ids = np.arange(len(x)) * 7 + 3
    index = VectorIndex(DIM)
    index.add(ids, x)
    q = queries_near(x, 50)
    scores, found = index.search(q, 10)
    assert index.kind == "flat" and len(index) == 3000
    assert (found == exact_top(q, ids, x, 10)).all()
    assert np.allclose(scores[:, 0], (q @ x.T).max(axis=1), atol=1e-5)


def test_hnsw_above_threshold_recall_against_exact():
    x = clustered(6000)
    ids = np.arange(len(x)) * 3 + 1
    index = VectorIndex(DIM, params=SMALL)
    index.add(ids[:800], x[:800])
    assert index.kind == "flat"
    for start in range(800, 6000, 1300):  # grows past the threshold, then incrementally
        index.add(ids[start:start + 1300], x[start:start + 1300])
    assert index.kind == "hnsw" and len(index) == 6000
    q = queries_near(x, 200)
    _, found = index.search(q, 10)
    assert recall(found, exact_top(q, ids, x, 10)) >= 0.99


def test_hnsw_remove_leaves_tombstones_that_are_never_returned(tmp_path):
    x = clustered(4000)
    ids = np.arange(len(x)) + 100
    index = VectorIndex(DIM, params=SMALL)
    index.add(ids, x)
    doomed = ids[::7]
    index.remove(list(doomed))
    assert index.kind == "hnsw" and index.tombstones == len(doomed)
    assert len(index) == len(ids) - len(doomed)
    q = np.vstack([x[::7][:100], queries_near(x, 100)])  # including queries equal to removed vectors
    _, found = index.search(q, 20)
    assert not np.isin(found, doomed).any() and (found >= 0).all()
    keep = ~np.isin(ids, doomed)
    assert recall(found[:, :10], exact_top(q, ids[keep], x[keep], 10)) >= 0.99
    # the tombstones are in the snapshot file
    path = tmp_path / "gen-00000001.faiss"
    index.save(path)
    for mmap in (True, False):
        loaded = VectorIndex.load(path, mmap=mmap, params=SMALL)
        assert loaded.tombstones == len(doomed) and len(loaded) == len(index)
        assert (loaded.search(q, 20)[1] == found).all()
    assert set(index.ids()) == set(ids[keep])


def test_compaction_rebuilds_and_falls_back_to_flat():
    x = clustered(3000)
    ids = np.arange(len(x))
    index = VectorIndex(DIM, params=SMALL)
    index.add(ids, x)
    index.remove(list(ids[:700]))  # 23 % tombstones: rebuilt without them, still above the threshold
    assert index.kind == "hnsw" and index.tombstones == 0 and len(index) == 2300
    index.remove(list(ids[700:2500]))  # 500 left: exact again
    assert index.kind == "flat" and len(index) == 500
    q = queries_near(x[2500:], 20)
    assert (index.search(q, 5)[1] == exact_top(q, ids[2500:], x[2500:], 5)).all()


def test_mmap_load_same_results_and_copy_on_write(tmp_path):
    for n in (800, 2500):  # a flat snapshot and an HNSW one
        x = clustered(n, seed=n)
        ids = np.arange(n) + 10
        path = tmp_path / f"gen-{n:08d}.faiss"
        VectorIndex(DIM, build_index(DIM, ids, x, params=SMALL), params=SMALL).save(path)
        before = path.read_bytes()
        mapped = VectorIndex.load(path, params=SMALL)
        plain = VectorIndex.load(path, mmap=False, params=SMALL)
        other = VectorIndex.load(path, params=SMALL)
        q = queries_near(x, 30)
        assert (mapped.search(q, 10)[1] == plain.search(q, 10)[1]).all()
        other.add(np.array([10**6]), x[:1])
        mapped.remove([int(ids[0])])
        mapped.add(np.array([10**6 + 1]), x[1:2])
        assert len(other) == n + 1 and len(mapped) == n and len(plain) == n
        assert path.read_bytes() == before  # the file under the mapping never changes
        # a mapped snapshot stays readable after its file is deleted (stale snapshot cleanup)
        reader = VectorIndex.load(path)
        path.unlink()
        assert (reader.search(q, 10)[1] == plain.search(q, 10)[1]).all()


def test_old_flat_snapshot_loads(tmp_path):
    import faiss

    x = clustered(100)
    legacy = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    legacy.add_with_ids(x, np.arange(100, dtype=np.int64))
    faiss.write_index(legacy, str(tmp_path / "gen-00000001.faiss"))
    index = VectorIndex.load(tmp_path / "gen-00000001.faiss")
    assert index.kind == "flat" and len(index) == 100 and index.tombstones == 0
    assert index.search(x[:3], 1)[1][:, 0].tolist() == [0, 1, 2]


def test_indexer_and_searcher_on_an_hnsw_snapshot(monkeypatch, fresh_copy, encoder, tmp_path):
    """The seed index (14 sentences) with the threshold at 5: the indexer converts it
    to HNSW, re-indexing an edited article tombstones the old sentences, and the
    searcher still answers from the new ones."""
    from tests.helpers.paths import SEED_FILE, SEED_ID
    from pasokh.retrieval.articles import read_article
    from pasokh.retrieval.indexer import Indexer
    from pasokh.retrieval.search import Searcher
    from pasokh.retrieval.store import Store

    tiny = IndexParams(exact_max=5)
    monkeypatch.setattr(vector_index, "COMPACT_SHARE", 0.9)  # keep the tombstones of this tiny index
    article = read_article(SEED_FILE)
    edited = dataclasses.replace(article, text=article.text.replace("۶۷۰۰", "۶۸۰۰"),
                                 content_hash=article.content_hash[::-1])
    fresh = tmp_path / "fresh"
    shutil.copytree(fresh_copy, fresh)
    indexer = Indexer(fresh, encoder, index_params=tiny)
    indexer.index_articles([dataclasses.replace(edited, article_id="other", content_hash="x" * 64,
                                                text=edited.text + " پایان.")])
    indexer.index_articles([edited])
    store = Store(fresh)
    snapshot = VectorIndex.load(fresh / "snapshots" / store.get_meta("snapshot"), params=tiny)
    live_ids = store.live_sentence_ids()
    store.close()
    assert snapshot.kind == "hnsw" and snapshot.tombstones > 0
    assert set(snapshot.ids().tolist()) == live_ids
    searcher = Searcher(fresh, encoder, index_params=tiny)
    try:
        answer = searcher.ask("کره شمالی چند کانتینر به روسیه فرستاده است؟")
    finally:
        searcher.close()
    assert answer.answered
    assert {h.article_id for h in answer.hits} <= {SEED_ID, "other"}
    assert "۶۸۰۰" in answer.hits[0].text


def test_ivf_above_its_threshold_recall_tombstones_lookups_and_mapping(tmp_path):
    params = IndexParams(exact_max=500, ivf_min=2000, nprobe=32)
    x = clustered(6000, seed=3)
    ids = np.arange(len(x)) * 5 + 2
    index = VectorIndex(DIM, params=params)
    index.add(ids[:1500], x[:1500])
    assert index.kind == "hnsw"
    index.add(ids[1500:], x[1500:])
    assert index.kind == "ivf" and len(index) == 6000
    q = queries_near(x, 100)
    _, found = index.search(q, 10)
    assert recall(found, exact_top(q, ids, x, 10)) >= 0.9
    doomed = ids[::9]
    index.remove(list(doomed))
    assert index.tombstones == len(doomed)
    _, found = index.search(np.vstack([x[::9][:50], q]), 20)
    assert not np.isin(found, doomed).any()
    assert np.allclose(index.vectors([int(ids[1])])[0], x[1], atol=0.02)  # 8-bit codes, looked up by id
    path = tmp_path / "gen-00000001.faiss"
    index.save(path)
    mapped = VectorIndex.load(path, params=params)
    assert mapped.kind == "ivf" and (mapped.search(q, 10)[1] == index.search(q, 10)[1]).all()
