"""The work behind each ``pasokh`` subcommand (imported only when a command runs).

Each ``cmd_*`` takes the parsed arguments and the settings and returns the exit
code; errors from the layers below reach ``main`` and are worded there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from pasokh.bot import messages
from pasokh.bot.session import make_encoder, open_indexer, open_searcher
from pasokh.bot.settings import Settings

from .exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError
from .render import render_json, render_text, to_json


def _print_json(value) -> None:
    print(to_json(value), flush=True)


def _encoder(settings: Settings):
    return make_encoder(settings, on_prepare=lambda: print(messages.PREPARING_MODEL, file=sys.stderr, flush=True))


def _progress_factory(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def factory(total: int):
        bar = tqdm(total=total, unit=messages.PROGRESS_UNIT, desc=messages.PROGRESS_INDEXING, file=sys.stderr,
                   dynamic_ncols=True)

        def advance(count: int) -> None:
            bar.update(count)

        advance.close = bar.close  # type: ignore[attr-defined]
        return advance

    return factory


def _print_errors(errors) -> None:
    for error in errors:
        print(f"{messages.ERROR}: {messages.error_text(error)}", file=sys.stderr)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh index``: embed new or changed articles and publish a new snapshot."""
    paths = args.paths or [Path("seeds")]
    for path in paths:
        if not path.exists():
            raise CliError(messages.not_found_path(path))
    indexer = open_indexer(settings, _encoder(settings), progress_factory=_progress_factory(args.quiet or args.json))
    report = indexer.index_paths(paths, prune=args.prune, wait=not args.no_wait, rebuild=args.rebuild,
                                 on_wait=lambda: print(messages.WAITING_FOR_LOCK, file=sys.stderr))
    _print_errors(report.errors)
    if args.json:
        _print_json({
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "duplicates": [{"file": f, "duplicate_of": d} for f, d in report.duplicates],
            "removed": report.removed, "errors": [messages.error_text(e) for e in report.errors],
            "sentences_embedded": report.sentences_embedded, "generation": report.generation,
            "seconds": round(report.seconds, 3),
        })
    else:
        for path, twin in report.duplicates:
            print(messages.duplicate_file(path, twin), file=sys.stderr)
        if report.reembedded:
            print(messages.reembedded_note(report.reembedded.value), file=sys.stderr)
        print(messages.index_summary(added=len(report.added), updated=len(report.updated),
                                     unchanged=len(report.unchanged), removed=len(report.removed),
                                     sentences=report.sentences_embedded, seconds=report.seconds,
                                     data_dir=settings.data_dir))
    return EXIT_ERROR if report.errors else EXIT_OK


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
                _print_json({"question": "", "answered": False, "results": []})
            continue
        if prompt and question in messages.EXIT_WORDS:
            return EXIT_OK
        answer = searcher.ask(question, k=k)
        if answer.truncated and as_json:  # the human form carries its own note
            _warn_truncated()
        print(render_json(answer) if as_json else render_text(answer) + "\n", flush=True)


def _warn_truncated() -> None:
    from pasokh.retrieval.search import MAX_QUESTION_CHARS

    print(f"{messages.WARNING}: {messages.truncated_text(MAX_QUESTION_CHARS)} (question truncated)",
          file=sys.stderr, flush=True)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh ask``: one question, a file of questions, or an interactive prompt."""
    if args.k < 1 or args.k > 50:
        raise CliError(messages.BAD_K, EXIT_USAGE)
    if args.question:
        question = " ".join(args.question)
        if not question.strip():
            raise CliError(messages.EMPTY_QUESTION, EXIT_USAGE)
        searcher = open_searcher(settings, _encoder(settings))
        answer = searcher.ask(question, k=args.k)
        if answer.truncated:
            _warn_truncated()
        print(render_json(answer) if args.json else render_text(answer))
        return EXIT_OK
    searcher = open_searcher(settings, _encoder(settings))
    if args.file:
        if args.file == "-":
            return _answer_stream(searcher, sys.stdin, k=args.k, as_json=args.json, prompt=None)
        try:
            with open(args.file, encoding="utf-8") as handle:
                return _answer_stream(searcher, handle, k=args.k, as_json=args.json, prompt=None)
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(messages.unreadable_questions(args.file, str(error)))
    interactive = sys.stdin.isatty()
    if interactive:
        print(messages.ASK_INTRO, file=sys.stderr)
    return _answer_stream(searcher, sys.stdin, k=args.k, as_json=args.json,
                          prompt=messages.ASK_PROMPT if interactive else None)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh status``: counts, model and sizes, without loading any model."""
    from pasokh.retrieval.store import DB_NAME, Store

    data_dir = settings.data_dir
    if not (data_dir / DB_NAME).exists():
        print(messages.no_index_status(data_dir))
        return EXIT_OK
    store = Store(data_dir, create=False)
    try:
        articles, sentences = store.counts()
        model, generation = store.get_meta("model_id"), store.generation()
    finally:
        store.close()
    print(messages.status_lines(articles=articles, sentences=sentences, model=model, generation=generation,
                                size_mb=_dir_size(data_dir) / 1e6, data_dir=data_dir))
    if not args.check:
        return EXIT_OK
    from pasokh.retrieval.consistency import check_data_dir

    consistency = check_data_dir(data_dir, settings.index_params)
    print(messages.consistency_text(consistency))
    return EXIT_OK if consistency.ok else EXIT_ERROR


def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh articles``: the indexed articles."""
    from pasokh.retrieval.store import Store

    store = Store(settings.data_dir, create=False)
    try:
        records = store.live_articles()
    finally:
        store.close()
    if args.json:
        _print_json([{"article_id": r.article_id, "title": r.title, "source": r.source, "url": r.url,
                      "published": r.published, "sentences": r.n_sentences, "path": r.path} for r in records])
        return EXIT_OK
    for r in records:
        print(messages.article_line(r.article_id, r.n_sentences, r.title, r.source))
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh remove ID...``: drop articles from the index."""
    from pasokh.retrieval.errors import NoIndexError
    from pasokh.retrieval.store import DB_NAME

    if not (settings.data_dir / DB_NAME).exists():
        raise NoIndexError(settings.data_dir)
    report = open_indexer(settings, _encoder(settings)).remove(args.article_ids)
    _print_errors(report.errors)
    for article_id in report.removed:
        print(messages.removed_article(article_id))
    return EXIT_ERROR if report.errors else EXIT_OK


def cmd_prepare_model(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh prepare-model``: build the bundled model now (otherwise done on first use)."""
    print(_encoder(settings).model_path())
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh eval DATASET``: hit@k, MRR and abstention rates."""
    from pasokh.retrieval.evaluation import evaluate, load_squad

    try:
        articles, questions = load_squad(args.dataset, args.split)
    except (OSError, ValueError, KeyError) as error:
        raise CliError(messages.unreadable_dataset(args.dataset, str(error)))
    progress = _progress_factory(args.json)
    advance = progress(len(questions)) if progress else None
    result = evaluate(articles, questions, _encoder(settings), progress=advance)
    if advance is not None:
        advance.close()  # type: ignore[attr-defined]
    if args.plot:
        from .eval_plot import plot_scores

        plot_scores(result.scores, args.plot)
    if args.json:
        _print_json(result.as_json())
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


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh bot``: run the Telegram bot until SIGINT/SIGTERM."""
    from pasokh.bot.telegram.run import BotOptions, BotStartError, MissingTokenError, run_bot

    if args.watch and not args.watch.is_dir():
        raise CliError(messages.not_a_folder(args.watch, "--watch"), EXIT_USAGE)
    options = BotOptions(webhook_url=args.webhook_url, listen=args.listen, port=args.port, watch=args.watch)
    try:
        run_bot(settings, options)
    except MissingTokenError as error:
        raise CliError(messages.telegram_start_error(error), EXIT_USAGE) from None
    except BotStartError as error:
        raise CliError(messages.telegram_start_error(error), error.exit_code) from None
    return EXIT_OK


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh watch DIR``: index the folder, then keep indexing what changes in it."""
    import logging
    import signal
    import threading

    from pasokh.retrieval.watcher import FolderWatcher

    if not args.folder.is_dir():
        raise CliError(messages.not_a_folder(args.folder))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    def report(result) -> None:
        changed = len(result.added) + len(result.updated) + len(result.removed)
        if changed or result.errors:
            print(messages.watch_report(generation=result.generation, added=len(result.added),
                                        updated=len(result.updated), removed=len(result.removed),
                                        errors=len(result.errors)), flush=True)
        _print_errors(result.errors)

    watcher = FolderWatcher(args.folder, open_indexer(settings, _encoder(settings)),
                            interval=args.interval, on_report=report)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(messages.watching(args.folder), file=sys.stderr, flush=True)
    watcher.run(stop)
    return EXIT_OK
