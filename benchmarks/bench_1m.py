"""A million sentences on one box: an approximate, memory-mapped index, its recall, speed, memory and disk.

    .venv/bin/python benchmarks/bench_1m.py [--real 100000] [--total 1000000] [--keep DIR]   (make bench-1m)

1. *Real* vectors: ``--real`` sentences of ``news_corpus.jsonl`` (varied as in
   ``bench_scale.py``) indexed by ``pasokh index``, the real pipeline.
2. *Derived* vectors for the rest, to reach ``--total``: each is a real vector
   with Gaussian noise (sigma 0.2 of its own scale) and renormalized, so the
   neighbourhood structure resembles real news sentences. They are stated as
   such in the output and are not embeddings of any text.
3. The index Pasokh builds at that size (``vector_index.build_index``: IVF
   with 8-bit codes above ``IndexParams.ivf_min``), saved, then loaded
   memory-mapped in a fresh process that measures: recall@10 against exact
   search for the 300 questions of ``news_questions.txt`` (on the real slice
   alone, and on all vectors), search p50/p99, the process's RSS, disk size.

About an hour on two cores, most of it embedding the real slice (the data
directory can be kept with ``--keep`` and reused).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_scale import QUESTIONS_FILE, base_articles, disk_mb, machine, write_corpus

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def real_slice(data: Path, size: int, work: Path) -> Path:
    """A data directory with ``size`` real news sentences (reused if already there)."""
    data_dir = work / f"real-{size}"
    if (data_dir / "pasokh.sqlite3").exists():
        return data_dir
    folder = work / f"corpus-{size}"
    if not folder.exists():
        write_corpus(base_articles(data), size, folder)
    started = time.perf_counter()
    subprocess.run([str(BIN / "pasokh"), "--data-dir", str(data_dir), "index", "--quiet", str(folder)],
                   check=True, cwd=REPO)
    print(f"embedded the real slice in {time.perf_counter() - started:.0f} s", flush=True)
    return data_dir


def stored_vectors(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    from pasokh.retrieval.store import Store
    from pasokh.retrieval.vector_index import SNAPSHOT_DIR, VectorIndex

    store = Store(data_dir, create=False)
    name = store.get_meta("snapshot")
    store.close()
    index = VectorIndex.load(data_dir / SNAPSHOT_DIR / name, mmap=False)
    ids = index.ids()
    return ids, index.vectors(ids.tolist())


def derived(real: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """``count`` vectors near the real ones (noise, renormalized): not embeddings of any text."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, real.shape[1]), np.float32)
    scale = 0.2 * real.std(axis=0, keepdims=True)
    for start in range(0, count, 50_000):
        stop = min(count, start + 50_000)
        rows = real[rng.integers(0, len(real), stop - start)]
        rows = rows + rng.standard_normal(rows.shape).astype(np.float32) * scale
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def measure(index_path: str, queries_path: str, exact_path: str) -> dict:
    """In a fresh process: load mapped, search, compare with the exact top-10s, report RSS."""
    code = f"""
import json, time, statistics, numpy as np, sys
sys.path.insert(0, {str(REPO)!r})
from pasokh.retrieval.vector_index import VectorIndex
index = VectorIndex.load({index_path!r})
q = np.load({queries_path!r}); truth = np.load({exact_path!r})
for row in q[:10]: index.search(row, 10)
times, found = [], []
for row in q:
    t = time.perf_counter(); _, ids = index.search(row, 10); times.append(time.perf_counter() - t); found.append(ids[0])
found = np.array(found)
def recall(truth, f): return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(f, truth)]))
status = {{l.split(':')[0]: int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith(('VmRSS', 'VmHWM'))}}
print(json.dumps({{"kind": index.kind, "vectors": len(index), "recall_all": recall(truth, found),
                  "p50_ms": 1000 * statistics.median(times), "p99_ms": 1000 * float(np.percentile(times, 99)),
                  "rss_mb": status["VmRSS"], "peak_rss_mb": status["VmHWM"]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def exact_top(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, rows = flat.search(queries, k)
    return ids[rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the work folder here")
    args = parser.parse_args()
    from pasokh.embeddings.encoder import Encoder
    from pasokh.retrieval.vector_index import IndexParams, VectorIndex, build_index

    print(f"machine: {machine()}", flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="pasokh-1m-"))
    work.mkdir(parents=True, exist_ok=True)
    real_ids, real_vectors = stored_vectors(real_slice(args.data, args.real, work))
    extra = derived(real_vectors, max(0, args.total - len(real_ids)))
    ids = np.concatenate([real_ids, np.arange(len(extra), dtype=np.int64) + int(real_ids.max()) + 1])
    vectors = np.vstack([real_vectors, extra])
    del extra
    questions = [q.strip() for q in (args.data / QUESTIONS_FILE).read_text(encoding="utf-8").splitlines() if q.strip()]
    queries = Encoder().encode_queries(questions)
    np.save(work / "queries.npy", queries)
    np.save(work / "exact-real.npy", exact_top(real_vectors, real_ids, queries))
    np.save(work / "exact-all.npy", exact_top(vectors, ids, queries))
    params = IndexParams()
    rows = []
    for label, subset_ids, subset in (("real slice", real_ids, real_vectors), ("real + derived", ids, vectors)):
        kind = "ivf" if len(subset_ids) > params.exact_max else "flat"
        started = time.perf_counter()
        index = VectorIndex(subset.shape[1], build_index(subset.shape[1], subset_ids, subset, kind=kind,
                                                         params=params), params=params)
        built = time.perf_counter() - started
        path = work / f"{label.replace(' ', '-')}.faiss"
        index.save(path)
        del index
        truth = "exact-real.npy" if label == "real slice" else "exact-all.npy"
        figures = measure(str(path), str(work / "queries.npy"), str(work / truth))
        figures.update(label=label, build_s=built, disk_mb=path.stat().st_size / 1e6)
        rows.append(figures)
        print(json.dumps(figures), flush=True)
    print(f"\n{len(real_ids):,} real sentence vectors (pasokh index of news_corpus.jsonl, varied), "
          f"{len(ids) - len(real_ids):,} derived vectors (real ones with noise: not embeddings of any text)")
    print(f"IVF: {int(4 * np.sqrt(len(ids)))} lists, 8-bit codes, nprobe {params.nprobe}; searched memory-mapped, "
          "one thread, in a fresh process\n")
    print("| vectors | index | recall@10 vs exact | search p50 / p99 | RSS serving | index on disk | build |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['vectors']:,} ({r['label']}) | {r['kind']} | {r['recall_all']:.3f} | {r['p50_ms']:.2f} / "
              f"{r['p99_ms']:.2f} ms | {r['rss_mb']:.0f} MB | {r['disk_mb']:.0f} MB | {r['build_s']:.0f} s |")
    print(f"\nreal slice data directory: {disk_mb(work / f'real-{args.real}'):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
