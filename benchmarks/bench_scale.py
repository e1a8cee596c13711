"""Scale benchmark: indexing throughput, index size, memory and latency at 1k/10k/100k sentences.

    .venv/bin/python benchmarks/bench_scale.py                 # 1k, 10k and 100k sentences
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000,10000 --keep /tmp/pasokh-bench

For each size it builds a corpus of that many sentences from
``news_corpus.jsonl`` (beyond the corpus' 22,140 sentences, article *variants*:
the article's sentences in a shuffled order plus one sentence spliced in from
another article, so that texts, content hashes and sentence neighbourhoods
differ), then measures, each in its own process:

- ``pasokh index`` of the corpus: sentences/s, wall time, peak RSS (wait4);
- a serving process: ``Searcher.ask`` (embedding + search + citation lookup +
  re-rank + abstention) over the 300 questions of ``news_questions.txt``
  after 10 warm-up questions: p50/p99 latency, peak and current RSS; for an
  approximate (HNSW) index also recall@10 against exact search over the same
  vectors;
- a cold ``pasokh --data-dir D ask "…"`` in a new process: wall time (median
  of 5 questions) and peak RSS.

The machine (cores, CPU model, load) and the settings in effect
(``PASOKH_PRECISION``, threads, exact/HNSW threshold) are printed with the
numbers, then a markdown table. The data is read from ``../shared/data``
relative to the repository unless ``--data`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine_info import cpu_model

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPUS_FILE = "news_corpus.jsonl"
QUESTIONS_FILE = "news_questions.txt"
WARMUP = 10
COLD_RUNS = 5


# ---- the machine ------------------------------------------------------------------
def machine() -> dict:
    model = cpu_model()
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "memory": memory,
            "python": platform.python_version()}


def settings() -> dict:
    from pasokh.bot.session import make_encoder
    from pasokh.bot.settings import Settings
    from pasokh.retrieval import vector_index

    settings = Settings.from_env()
    encoder = make_encoder(settings)
    return {"precision": encoder.precision, "query_threads": encoder.threads,
            "index_threads": encoder.index_threads, "query_engine": encoder.query_engine,
            "faiss_threads": settings.faiss_threads, "exact_max": settings.index_params.exact_max,
            "hnsw_m": vector_index.HNSW_M, "ef_search": settings.index_params.ef_search}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- corpora ------------------------------------------------------------------------
def base_articles(data: Path) -> list[dict]:
    """The news articles with their sentences (Pasokh's own splitter)."""
    from pasokh.retrieval.sentences import split_sentences

    articles = []
    with open(data / CORPUS_FILE, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            sentences = [s.text for s in split_sentences(record["text"])]
            if sentences:
                articles.append({"title": record.get("title") or "", "source": record.get("source") or "",
                                 "url": record.get("url"), "text": record["text"], "sentences": sentences})
    return articles


def corpus_articles(base: list[dict], size: int):
    """Yield (id, article dict, sentence count) until ``size`` sentences: the originals
    first, then variants (shuffled sentences plus one spliced from another article)."""
    total = 0
    round_ = 0
    while True:
        for i, article in enumerate(base):
            if total >= size:
                return
            if round_ == 0:
                text, count = article["text"], len(article["sentences"])
            else:
                rng = random.Random(round_ * 1_000_003 + i)
                sentences = list(article["sentences"])
                rng.shuffle(sentences)
                donor = base[rng.randrange(len(base))]["sentences"]
                sentences.insert(rng.randrange(len(sentences) + 1), donor[rng.randrange(len(donor))])
                text, count = " ".join(sentences), len(sentences)
            yield (f"r{round_}-{i:05d}", {"title": article["title"], "source": article["source"],
                                          "url": article["url"], "text": text}, count)
            total += count
        round_ += 1


def write_corpus(base: list[dict], size: int, folder: Path) -> tuple[int, int]:
    """Write the corpus as .json article files; returns (articles, sentences by the splitter)."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = sentences = 0
    for article_id, article, count in corpus_articles(base, size):
        sub = folder / article_id[:4]  # a few hundred files per folder
        sub.mkdir(exist_ok=True)
        (sub / f"{article_id}.json").write_text(json.dumps({"id": article_id, **article}, ensure_ascii=False),
                                                encoding="utf-8")
        articles += 1
        sentences += count
    return articles, sentences


# ---- processes ------------------------------------------------------------------------
def run_with_rusage(command: list[str], env: dict | None = None) -> tuple[float, float, str, str]:
    """Run ``command`` and reap it with wait4: (wall s, peak RSS MB, stdout, stderr)."""
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file,
                               env=env, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out_file.seek(0)
    err_file.seek(0)
    out, err = out_file.read().decode(), err_file.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:5])} … failed ({process.returncode}): {err[-2000:]}")
    run_with_rusage.cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, out, err


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# ---- the serving worker (runs in its own process) ------------------------------------
def _proc_status() -> dict:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values


def serve_worker(data_dir: Path, questions_file: Path) -> None:
    """Warm Searcher: latency of ``ask`` over the questions; RSS; HNSW recall@10."""
    import numpy as np

    from pasokh.bot.session import make_encoder, open_searcher
    from pasokh.bot.settings import Settings
    from pasokh.retrieval.vector_index import SNAPSHOT_DIR, VectorIndex, build_index

    questions = [q.strip() for q in questions_file.read_text(encoding="utf-8").splitlines() if q.strip()]
    settings = Settings.from_env(data_dir=data_dir)
    encoder = make_encoder(settings)
    searcher = open_searcher(settings, encoder)
    for question in questions[:WARMUP]:
        searcher.ask(question)
    times = []
    answered = 0
    for question in questions:
        started = time.perf_counter()
        answer = searcher.ask(question)
        times.append(time.perf_counter() - started)
        answered += answer.answered
    status = _proc_status()
    index, _generation = searcher._current_index()
    result = {"questions": len(questions), "answered": answered,
              "p50_ms": 1000 * float(np.percentile(times, 50)), "p99_ms": 1000 * float(np.percentile(times, 99)),
              "mean_ms": 1000 * statistics.fmean(times), "rss_mb": status.get("VmRSS"),
              "peak_rss_mb": status.get("VmHWM"), "rss_anon_mb": status.get("RssAnon"),
              "rss_file_mb": status.get("RssFile"), "index_kind": index.kind, "vectors": len(index),
              "tombstones": index.tombstones, "ef_search": settings.index_params.ef_search}
    # the embedding part alone, for the breakdown
    started = time.perf_counter()
    vectors = np.vstack([encoder.encode_queries([q]) for q in questions[:100]])
    result["embed_ms"] = 1000 * (time.perf_counter() - started) / 100
    started = time.perf_counter()
    for row in vectors:
        index.search(row.reshape(1, -1), 20)
    result["search_ms"] = 1000 * (time.perf_counter() - started) / len(vectors)
    if index.is_approximate:
        everything = np.vstack([encoder.encode_queries([q]) for q in questions])
        name = searcher.store.get_meta("snapshot")
        snapshot = VectorIndex.load(data_dir / SNAPSHOT_DIR / name, mmap=False)
        ids, stored = snapshot._live_entries()
        exact_scores = everything @ stored.T
        exact = np.argsort(-exact_scores, axis=1)[:, :10]
        tenth = np.take_along_axis(exact_scores, exact, axis=1)[:, 9]

        def recalls(found_ids: np.ndarray, found_scores: np.ndarray) -> tuple[float, float]:
            # by id, and tie-aware: a result counts if it scores at least the exact 10th
            # (the bigger corpora repeat sentences, so equal vectors tie and ids are arbitrary)
            by_id = sum(len(set(ids[exact[i]]) & set(found_ids[i, :10])) for i in range(len(found_ids)))
            by_score = sum(int((found_scores[i, :10] >= tenth[i] - 1e-5).sum()) for i in range(len(found_ids)))
            return by_id / exact.size, by_score / exact.size

        scores, approx = index.search(everything, 10)
        result["recall_at_10_ids"], result["recall_at_10"] = recalls(approx, scores)
        sweep = {}
        for ef in (32, 64, 128, 256, 512):
            started = time.perf_counter()
            rows = [index.search(row.reshape(1, -1), 20, ef_search=ef) for row in everything]
            elapsed = 1000 * (time.perf_counter() - started) / len(everything)
            by_id, by_score = recalls(np.vstack([r[1] for r in rows]), np.vstack([r[0] for r in rows]))
            sweep[ef] = {"recall_at_10": by_score, "recall_at_10_ids": by_id, "search_ms": elapsed}
        result["ef_sweep"] = sweep
        exact_index = VectorIndex(index.dimension, build_index(index.dimension, ids, stored, kind="flat"))
        started = time.perf_counter()
        for row in everything:
            exact_index.search(row.reshape(1, -1), 20)
        result["exact_search_ms"] = 1000 * (time.perf_counter() - started) / len(everything)
    searcher.close()
    print(json.dumps(result))


# ---- one size ------------------------------------------------------------------------------
def bench_size(size: int, base: list[dict], data: Path, work: Path) -> dict:
    corpus = work / f"corpus-{size}"
    data_dir = work / f"data-{size}"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    articles, _ = write_corpus(base, size, corpus)
    print(f"[{size}] corpus: {articles} articles in {corpus}  (load {load()})", flush=True)

    env = dict(os.environ)
    load_before = load()
    wall, peak_rss, out, _ = run_with_rusage([str(BIN / "pasokh"), "--data-dir", str(data_dir), "index",
                                              "--quiet", "--json", str(corpus)], env)
    report = json.loads(out.strip().splitlines()[-1])
    embedded = report["sentences_embedded"]
    row = {"size": size, "articles": len(report["added"]), "sentences": embedded,
           "duplicates": len(report["duplicates"]), "index_wall_s": wall, "index_run_s": report["seconds"],
           "index_rate": embedded / report["seconds"], "index_rate_wall": embedded / wall,
           "index_peak_rss_mb": peak_rss, "index_cpu_s": run_with_rusage.cpu,
           "index_rate_per_cpu_s": embedded / run_with_rusage.cpu, "load_indexing": f"{load_before} → {load()}",
           "disk_mb": disk_mb(data_dir), "snapshot_mb": disk_mb(data_dir / "snapshots")}
    print(f"[{size}] indexed {embedded} sentences in {wall:.1f} s wall ({row['index_rate']:.0f}/s in the run, "
          f"peak RSS {peak_rss:.0f} MB, {row['index_rate_per_cpu_s']:.0f} sentences per CPU-second)  (load {load()})",
          flush=True)

    load_before = load()
    _, serve_rss, out, _ = run_with_rusage([sys.executable, __file__, "--_serve", str(data_dir),
                                            "--data", str(data)], env)
    serve = json.loads(out.strip().splitlines()[-1])
    serve["process_peak_rss_mb"] = serve_rss  # includes the recall analysis
    serve["load_serving"] = f"{load_before} → {load()}"
    row.update(serve)
    print(f"[{size}] warm ask p50 {serve['p50_ms']:.1f} ms p99 {serve['p99_ms']:.1f} ms "
          f"(embed {serve['embed_ms']:.1f} ms, search {serve['search_ms']:.2f} ms), "
          f"{serve['index_kind']}, RSS serving {serve['peak_rss_mb']:.0f} MB "
          f"({serve['rss_file_mb']:.0f} MB file-backed: mapped snapshot, libraries)"
          + (f", recall@10 {serve['recall_at_10']:.4f}" if "recall_at_10" in serve else "")
          + f"  (load {load()})", flush=True)

    questions = [q.strip() for q in (data / QUESTIONS_FILE).read_text(encoding="utf-8").splitlines() if q.strip()]
    colds, cold_rss = [], []
    for question in questions[:COLD_RUNS]:
        wall, rss, _, _ = run_with_rusage([str(BIN / "pasokh"), "--data-dir", str(data_dir), "ask", question], env)
        colds.append(wall)
        cold_rss.append(rss)
    row["cold_ask_s"] = statistics.median(colds)
    row["cold_ask_max_s"] = max(colds)
    row["cold_ask_rss_mb"] = max(cold_rss)
    print(f"[{size}] cold ask {row['cold_ask_s']:.2f} s median of {COLD_RUNS} (max {max(colds):.2f} s), "
          f"peak RSS {max(cold_rss):.0f} MB  (load {load()})", flush=True)
    return row


def table(rows: list[dict]) -> str:
    lines = ["| sentences | index kind | indexing (sentences/s) | index wall | index on disk (FAISS) | "
             "peak RSS indexing | peak RSS serving | warm ask p50 / p99 | embed / search | recall@10 vs exact | "
             "cold `pasokh ask` |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        recall = f"{r['recall_at_10']:.4f}" if "recall_at_10" in r else "exact"
        lines.append(
            f"| {r['sentences']:,} | {r['index_kind']} | {r['index_rate']:.0f} | {r['index_wall_s']:.0f} s | "
            f"{r['disk_mb']:.0f} MB ({r['snapshot_mb']:.0f} MB) | {r['index_peak_rss_mb']:.0f} MB | "
            f"{r['peak_rss_mb']:.0f} MB | {r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms | "
            f"{r['embed_ms']:.1f} / {r['search_ms']:.2f} ms | {recall} | "
            f"{r['cold_ask_s']:.2f} s ({r['cold_ask_rss_mb']:.0f} MB) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sentence counts")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                        help="folder with news_corpus.jsonl and news_questions.txt (default ../shared/data)")
    parser.add_argument("--keep", type=Path, help="build corpora and indexes here and keep them")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument("--_serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = args.data
    missing = [name for name in (CORPUS_FILE, QUESTIONS_FILE) if not (data / name).is_file()]
    if missing:
        print(f"bench_scale: {', '.join(missing)} not found in {data} (pass --data DIR: the folder with "
              f"{CORPUS_FILE} and {QUESTIONS_FILE})", file=sys.stderr)
        return 2
    if args._serve:
        serve_worker(args._serve, data / QUESTIONS_FILE)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    work = args.keep or Path(tempfile.mkdtemp(prefix="pasokh-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    about = machine()
    config = settings()
    print(f"machine: {about['cores']} cores, {about['cpu']}, {about['memory']} RAM, Python {about['python']}")
    print(f"settings: {json.dumps(config)}")
    print(f"load average at start: {load()}", flush=True)
    started = time.perf_counter()
    base = base_articles(data)
    print(f"{len(base)} articles, {sum(len(a['sentences']) for a in base)} sentences "
          f"(split in {time.perf_counter() - started:.1f} s)", flush=True)
    rows = []
    try:
        for size in sizes:
            rows.append(bench_size(size, base, data, work))
            if args.json:
                args.json.write_text(json.dumps({"machine": about, "settings": config, "rows": rows},
                                                ensure_ascii=False, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Machine: {about['cores']} cores ({about['cpu']}), {about['memory']} RAM, Python {about['python']}; "
          f"load average at the end: {load()}")
    print(f"Settings: {json.dumps(config)}")
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
