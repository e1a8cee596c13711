"""The work behind each ``pasokh`` subcommand (imported only when a command runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from pasokh.retrieval.data_dir import default_data_dir

from .cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError, print_json
from .render import MESSAGES, persian_digits, render_json, render_text


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _encoder(args: argparse.Namespace):
    from pasokh.embeddings.encoder import Encoder

    try:
        return Encoder(args.model, log=lambda message: print(message, file=sys.stderr))
    except ValueError as error:  # a bad PASOKH_PRECISION / PASOKH_QUERY_ENGINE value
        raise CliError(f"تنظیم نادرست (bad setting): {error}", EXIT_USAGE)


def _progress_factory(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def factory(total: int):
        bar = tqdm(total=total, unit="جمله", desc="نمایه‌سازی", file=sys.stderr, dynamic_ncols=True)

        def advance(count: int) -> None:
            bar.update(count)

        advance.close = bar.close  # type: ignore[attr-defined]
        return advance

    return factory


def cmd_index(args: argparse.Namespace) -> int:
    """``pasokh index``: embed new or changed articles and publish a new snapshot."""
    from pasokh.retrieval.indexer import Indexer, IndexLockedError, ModelMismatchError
    from pasokh.retrieval.store import StoreError

    paths = args.paths or [Path("seeds")]
    for path in paths:
        if not path.exists():
            raise CliError(f"«{path}» پیدا نشد (no such file or folder)")
    data_dir = _data_dir(args)
    indexer = Indexer(data_dir, _encoder(args), progress_factory=_progress_factory(args.quiet or args.json))
    waiting = lambda: print("نمایه‌ساز دیگری در حال کار است؛ منتظر می‌مانم… (another indexer is running; waiting)",
                            file=sys.stderr)
    try:
        report = indexer.index_paths(paths, prune=args.prune, wait=not args.no_wait, on_wait=waiting,
                                     rebuild=args.rebuild)
    except IndexLockedError:
        raise CliError("نمایه‌ساز دیگری در حال کار است (another indexer holds the lock); بعداً دوباره اجرا کنید.")
    except ModelMismatchError as error:
        raise CliError(str(error))
    except StoreError as error:
        raise CliError(f"پوشهٔ داده قابل استفاده نیست (data directory unusable): {error}")
    for error in report.errors:
        print(f"خطا: {error}", file=sys.stderr)
    if args.json:
        print_json({
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "duplicates": [{"file": f, "duplicate_of": d} for f, d in report.duplicates],
            "removed": report.removed, "errors": [str(e) for e in report.errors],
            "sentences_embedded": report.sentences_embedded, "generation": report.generation,
            "seconds": round(report.seconds, 3),
        })
    else:
        for path, twin in report.duplicates:
            print(f"تکراری: «{path}» همان متن «{twin}» است و دوباره نمایه نشد.", file=sys.stderr)
        print(f"نمایه به‌روز شد: {persian_digits(len(report.added))} مقالهٔ تازه، "
              f"{persian_digits(len(report.updated))} به‌روزشده، {persian_digits(len(report.unchanged))} بی‌تغییر، "
              f"{persian_digits(len(report.removed))} حذف‌شده، {persian_digits(report.sentences_embedded)} جمله "
              f"در {report.seconds:.1f} ثانیه. ({data_dir})")
    return EXIT_ERROR if report.errors else EXIT_OK


def _open_searcher(args: argparse.Namespace):
    from pasokh.retrieval.search import NoIndexError, Searcher
    from pasokh.retrieval.store import StoreError

    data_dir = _data_dir(args)
    try:
        searcher = Searcher(data_dir, _encoder(args))
    except NoIndexError:
        raise CliError(f"هنوز نمایه‌ای در «{data_dir}» نیست؛ اول «pasokh index» را اجرا کنید. "
                       "(no index yet: run `pasokh index`)")
    except StoreError as error:
        raise CliError(f"پوشهٔ داده خوانده نمی‌شود (data directory unreadable): {error}")
    try:
        searcher.check_model()
    except ValueError as error:
        raise CliError(str(error))
    return searcher


def _answer_stream(searcher, lines: TextIO, *, k: int, as_json: bool, prompt: str | None) -> int:
    while True:
        if prompt:
            print(prompt, end="", file=sys.stderr, flush=True)
        line = lines.readline()
        if not line:
            return EXIT_OK
        question = line.strip()
        if not question:
            if as_json:
                print_json({"question": "", "answered": False, "results": []})
            continue
        if prompt and question in ("exit", "quit", "خروج"):
            return EXIT_OK
        answer = searcher.ask(question, k=k)
        if answer.truncated and as_json:  # the human form carries its own note
            print(f"هشدار: {MESSAGES['truncated']} (question truncated)", file=sys.stderr, flush=True)
        print(render_json(answer) if as_json else render_text(answer) + "\n", flush=True)


def cmd_ask(args: argparse.Namespace) -> int:
    """``pasokh ask``: one question, a file of questions, or an interactive prompt."""
    if args.k < 1 or args.k > 50:
        raise CliError("مقدار -k باید بین ۱ و ۵۰ باشد (k must be 1..50)", EXIT_USAGE)
    if args.question:
        question = " ".join(args.question)
        if not question.strip():
            raise CliError(MESSAGES["empty_question"], EXIT_USAGE)
        searcher = _open_searcher(args)
        answer = searcher.ask(question, k=args.k)
        if answer.truncated:
            print(f"هشدار: {MESSAGES['truncated']} (question truncated)", file=sys.stderr)
        print(render_json(answer) if args.json else render_text(answer))
        return EXIT_OK
    searcher = _open_searcher(args)
    if args.file:
        if args.file == "-":
            return _answer_stream(searcher, sys.stdin, k=args.k, as_json=args.json, prompt=None)
        try:
            with open(args.file, encoding="utf-8") as handle:
                return _answer_stream(searcher, handle, k=args.k, as_json=args.json, prompt=None)
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"«{args.file}» خوانده نمی‌شود: {error}")
    interactive = sys.stdin.isatty()
    if interactive:
        print("پرسش خود را بنویسید (خروج: Ctrl+D)", file=sys.stderr)
    return _answer_stream(searcher, sys.stdin, k=args.k, as_json=args.json,
                          prompt="پرسش> " if interactive else None)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def cmd_status(args: argparse.Namespace) -> int:
    """``pasokh status``: counts, model and sizes, without loading any model."""
    from pasokh.retrieval.store import DB_NAME, Store, StoreError

    data_dir = _data_dir(args)
    if not (data_dir / DB_NAME).exists():
        print(f"هنوز نمایه‌ای نیست (no index yet) — پوشهٔ داده: {data_dir}")
        return EXIT_OK
    try:
        store = Store(data_dir, create=False)
        articles, sentences = store.counts()
        model, generation = store.get_meta("model_id"), store.generation()
        store.close()
    except StoreError as error:
        raise CliError(f"پوشهٔ داده خوانده نمی‌شود (data directory unreadable): {error}")
    size = _dir_size(data_dir)
    print(f"مقاله‌ها (articles): {articles}\nجمله‌ها (sentences): {sentences}\n"
          f"مدل (model): {model or '-'}\nنسل نمایه (generation): {generation}\n"
          f"حجم نمایه (index size): {size / 1e6:.1f} MB\nپوشهٔ داده (data dir): {data_dir}")
    return EXIT_OK


def cmd_articles(args: argparse.Namespace) -> int:
    """``pasokh articles``: the indexed articles."""
    from pasokh.retrieval.store import Store, StoreError

    try:
        store = Store(_data_dir(args), create=False)
    except StoreError:
        raise CliError("هنوز نمایه‌ای نیست؛ اول «pasokh index» را اجرا کنید. (no index yet)")
    records = store.live_articles()
    store.close()
    if args.json:
        print_json([{"article_id": r.article_id, "title": r.title, "source": r.source, "url": r.url,
                     "published": r.published, "sentences": r.n_sentences, "path": r.path} for r in records])
        return EXIT_OK
    for r in records:
        print(f"{r.article_id}\t{persian_digits(r.n_sentences)} جمله\t{r.title}" + (f" — {r.source}" if r.source else ""))
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    """``pasokh remove ID...``: drop articles from the index."""
    from pasokh.retrieval.indexer import Indexer, IndexLockedError
    from pasokh.retrieval.store import DB_NAME

    data_dir = _data_dir(args)
    if not (data_dir / DB_NAME).exists():
        raise CliError(f"هنوز نمایه‌ای در «{data_dir}» نیست (no index yet).")
    try:
        report = Indexer(data_dir, _encoder(args)).remove(args.article_ids)
    except IndexLockedError:
        raise CliError("نمایه‌ساز دیگری در حال کار است (another indexer holds the lock).")
    for error in report.errors:
        print(f"خطا: {error}", file=sys.stderr)
    for article_id in report.removed:
        print(f"حذف شد: {article_id}")
    return EXIT_ERROR if report.errors else EXIT_OK


def cmd_prepare_model(args: argparse.Namespace) -> int:
    """``pasokh prepare-model``: build the bundled model now (otherwise done on first use)."""
    encoder = _encoder(args)
    print(encoder.model_path())
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """``pasokh eval DATASET``: hit@k, MRR and abstention rates."""
    from pasokh.retrieval.evaluation import evaluate, load_squad

    try:
        articles, questions = load_squad(args.dataset, args.split)
    except (OSError, ValueError, KeyError) as error:
        raise CliError(f"«{args.dataset}» خوانده نمی‌شود (cannot read dataset): {error}")
    progress = _progress_factory(args.json)
    advance = progress(len(questions)) if progress else None
    result = evaluate(articles, questions, _encoder(args), progress=advance)
    if advance is not None:
        advance.close()  # type: ignore[attr-defined]
    if args.plot:
        from .eval_plot import plot_scores

        plot_scores(result.scores, args.plot)
    if args.json:
        print_json(result.as_json())
        return EXIT_OK
    figures = result.as_json()
    print(f"dataset {args.dataset} (split {args.split}): {figures['paragraphs']} paragraphs, "
          f"{figures['sentences']} sentences, {figures['answerable']} answerable questions")
    print("| hit@1 | hit@3 | hit@5 | MRR | abstain answerable | abstain off-topic | abstain unanswerable | mean quote chars |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {figures['hit@1']:.3f} | {figures['hit@3']:.3f} | {figures['hit@5']:.3f} | {figures['mrr']:.3f} "
          f"| {figures['abstain_answerable']:.3f} | {figures['abstain_offtopic']:.3f} "
          f"| {figures['abstain_impossible']:.3f} | {figures['mean_quote_chars']:.0f} |")
    return EXIT_OK


def cmd_bot(args: argparse.Namespace) -> int:
    """``pasokh bot``: run the Telegram bot until SIGINT/SIGTERM."""
    from .telegram_main import run_bot

    return run_bot(args, data_dir=_data_dir(args))


def cmd_watch(args: argparse.Namespace) -> int:
    """``pasokh watch DIR``: index the folder, then keep indexing what changes in it."""
    import logging
    import signal
    import threading

    from pasokh.retrieval.indexer import Indexer
    from pasokh.retrieval.watcher import FolderWatcher

    if not args.folder.is_dir():
        raise CliError(f"«{args.folder}» پوشه نیست (not a folder)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def report(result) -> None:
        changed = len(result.added) + len(result.updated) + len(result.removed)
        if changed or result.errors:
            print(f"نمایه به‌روز شد (generation {result.generation}): +{len(result.added)} "
                  f"~{len(result.updated)} -{len(result.removed)}، {len(result.errors)} خطا", flush=True)

    watcher = FolderWatcher(args.folder, Indexer(_data_dir(args), _encoder(args)),
                            interval=args.interval, on_report=report)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"در حال پاییدن «{args.folder}» (watching; Ctrl+C to stop)", file=sys.stderr, flush=True)
    watcher.run(stop)
    return EXIT_OK
