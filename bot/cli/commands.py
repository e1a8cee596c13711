"""The work behind each ``pasokh`` subcommand (imported only when a command runs).

Each ``cmd_*`` takes the parsed arguments and the settings and returns the exit
code; errors from the layers below reach ``main`` and are worded there.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from pasokh.bot import messages
from pasokh.bot.session import make_encoder, open_indexer, open_searcher
from pasokh.bot.settings import Settings
from pasokh.embeddings.encoder import resolve_precision

from pasokh.retrieval.text_encoding import is_valid_text

from .exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError
from .questions_input import bad_line_json, decode_question, interactive_lines, read_questions_file
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
    """``pasokh index``: embed new or changed articles and publish a new snapshot.

    With no path, the files already indexed are read again: whatever changed is
    re-embedded, so ``pasokh index`` alone brings the index up to date from any folder.
    """
    urls = [p for p in args.paths if "://" in p]
    paths = [Path(p) for p in args.paths if "://" not in p] or ([] if urls else _indexed_paths(settings))
    for path in paths:
        if not path.exists() and args.paths:
            raise CliError(messages.not_found_path(path))
    pages, page_errors = _fetch_pages(urls)
    indexer = open_indexer(settings, _encoder(settings), progress_factory=_progress_factory(args.quiet or args.json))
    report = indexer.index_paths(paths, prune=args.prune, wait=not args.no_wait, rebuild=args.rebuild,
                                 on_wait=lambda: print(messages.WAITING_FOR_LOCK, file=sys.stderr),
                                 also=pages, errors=page_errors)
    _print_errors(report.errors)
    if args.json:
        _print_json({
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "duplicates": [{"file": f, "duplicate_of": d} for f, d in report.duplicates],
            "removed": report.removed, "errors": [messages.error_text(e) for e in report.errors],
            "sentences_embedded": report.sentences_embedded, "generation": report.generation,
            "seconds": round(report.seconds, 3),
            "converted": [{"file": f, "encoding": e} for f, e in report.converted],
            "cut": [{"file": f, "kept": kept, "sentences": total} for f, kept, total in report.cut],
        })
    else:
        for path, twin in report.duplicates:
            print(messages.duplicate_file(path, twin), file=sys.stderr)
        for path, encoding in report.converted:
            print(messages.converted_file(path, encoding), file=sys.stderr)
        for path, kept, total in report.cut:
            print(f"{messages.WARNING}: {messages.cut_article(path, kept, total)}", file=sys.stderr)
        if report.reembedded:
            print(messages.reembedded_note(report.reembedded.value), file=sys.stderr)
        print(messages.index_summary(added=len(report.added), updated=len(report.updated),
                                     unchanged=len(report.unchanged), removed=len(report.removed),
                                     sentences=report.sentences_embedded, seconds=report.seconds,
                                     data_dir=settings.data_dir))
    return EXIT_ERROR if report.errors else EXIT_OK


def _fetch_pages(urls: list[str]):
    """The articles on web pages (``pasokh index URL``), and the pages that could not be read."""
    from pasokh.retrieval.errors import ArticleError
    from pasokh.retrieval.ingest.pages import fetch_page_article

    pages, errors = [], []
    for url in urls:
        try:
            pages.append(fetch_page_article(url))
        except ArticleError as error:
            errors.append(error)
    return pages, errors


def _indexed_paths(settings: Settings) -> list[Path]:
    """The files of the articles already indexed (``pasokh index`` with no path); a usage error if none."""
    from pasokh.retrieval.store import DB_NAME, Store

    paths: list[Path] = []
    if (settings.data_dir / DB_NAME).exists():
        store = Store(settings.data_dir, create=False)
        try:
            paths = sorted({Path(r.path) for r in store.live_articles() if r.path})
        finally:
            store.close()
    if not paths:
        raise CliError(messages.INDEX_NEEDS_A_PATH, EXIT_USAGE)
    return paths


def _answer_stream(searcher, lines, *, k: int, as_json: bool, prompt: str | None, render) -> int:
    """Answer each line of ``lines`` (bytes or text) as it arrives; a line that is not text
    gets an error object (or message) and the stream goes on."""
    for raw in lines:
        question, problem = decode_question(raw)
        if problem:
            if as_json:
                _print_json(bad_line_json(problem))
            else:
                print(f"{messages.ERROR}: {messages.bad_question_text(problem)}", file=sys.stderr, flush=True)
            continue
        question = question.strip()
        if not question:
            if as_json:
                _print_json({"question": "", "answered": False, "results": [], "reason": "not_a_question",
                             "truncated": False})
            continue
        if prompt and question in messages.EXIT_WORDS:
            return EXIT_OK
        answer = searcher.ask(question, k=k)
        if answer.truncated and as_json:  # the human form carries its own note
            _warn_truncated()
        print(render_json(answer) if as_json else render(answer) + "\n", flush=True)
    return EXIT_OK


def _warn_truncated() -> None:
    from pasokh.retrieval.search import MAX_QUESTION_CHARS

    print(f"{messages.WARNING}: {messages.truncated_text(MAX_QUESTION_CHARS)} (question truncated)",
          file=sys.stderr, flush=True)


def _renderer(args: argparse.Namespace, settings: Settings):
    """Human output: wrapped to the terminal's width (when there is one), reordered with --visual-rtl."""
    visual = args.visual_rtl or settings.visual_rtl
    width = shutil.get_terminal_size((0, 0)).columns if sys.stdout.isatty() else None
    return lambda answer: render_text(answer, width=width or (80 if visual else None), visual=visual)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh ask``: one question, a file of questions, or an interactive prompt."""
    if args.k < 1 or args.k > 50:
        raise CliError(messages.BAD_K, EXIT_USAGE)
    render = _renderer(args, settings)
    if args.question:
        question = " ".join(args.question)
        if not is_valid_text(question):
            raise CliError(messages.bad_question_text("not_utf8"), EXIT_USAGE)
        if not question.strip():
            raise CliError(messages.EMPTY_QUESTION, EXIT_USAGE)
        searcher = open_searcher(settings, _encoder(settings))
        answer = searcher.ask(question, k=args.k)
        if answer.truncated and args.json:
            _warn_truncated()
        print(render_json(answer) if args.json else render(answer))
        return EXIT_OK
    searcher = open_searcher(settings, _encoder(settings))
    stream = dict(k=args.k, as_json=args.json, render=render)
    if args.file == "-":
        return _answer_stream(searcher, iter(sys.stdin.buffer.readline, b""), prompt=None, **stream)
    if args.file:
        lines, note = read_questions_file(args.file)
        if note:
            print(f"{messages.WARNING}: {messages.converted_file(args.file, note)}", file=sys.stderr)
        return _answer_stream(searcher, lines, prompt=None, **stream)
    if not sys.stdin.isatty():
        return _answer_stream(searcher, iter(sys.stdin.buffer.readline, b""), prompt=None, **stream)
    print(messages.ASK_INTRO, file=sys.stderr)
    return _answer_stream(searcher, interactive_lines(settings.data_dir), prompt=messages.ASK_PROMPT, **stream)


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
                                size_mb=_dir_size(data_dir) / 1e6, data_dir=data_dir,
                                precision=resolve_precision(settings.precision)))
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


def cmd_questions(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh questions``: the bot's question log, most asked first."""
    from pasokh.bot.question_log import LOG_NAME, QuestionLog

    if not (settings.data_dir / LOG_NAME).exists():
        rows = []
    else:
        log = QuestionLog(settings.data_dir)
        try:
            rows = log.counts(unanswered_only=args.unanswered, limit=max(1, args.limit))
        finally:
            log.close()
    if args.json:
        _print_json([row.as_json() for row in rows])
        return EXIT_OK
    if not rows:
        print(messages.EDITOR_TEXTS["unanswered_empty"] if args.unanswered else messages.NO_QUESTIONS_YET)
    for row in rows:
        print(messages.question_line(row.times, row.text, row.answered, row.helpful, row.unhelpful))
    return EXIT_OK


def cmd_prepare_model(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh prepare-model``: build the bundled model now (otherwise done on first use)."""
    print(_encoder(settings).model_path())
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh eval DATASET``: hit@k, MRR and abstention rates, overall and per question style."""
    from pasokh.retrieval.evaluation import evaluate, load_squad

    try:
        articles, questions = load_squad(args.dataset, args.split, titles=args.titles == "keep")
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
    figures = result.as_json()
    if args.json:
        _print_json({**figures, "split": args.split, "titles": args.titles})
        return EXIT_OK
    print(f"dataset {args.dataset} (split {args.split}, titles {args.titles}): {figures['paragraphs']} paragraphs, "
          f"{figures['sentences']} sentences, {figures['answerable']} answerable questions")
    columns = ("hit@1", "hit@3", "hit@5", "mrr", "abstain_answerable", "abstain_offtopic", "abstain_impossible")
    print("| questions | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    rows = [("all", figures)] + list(figures["by_style"].items())
    for name, row in rows:
        print(f"| {name} ({row.get('questions', len(questions))}) | "
              + " | ".join(f"{row[c]:.3f}" for c in columns) + " |")
    print(f"mean quote: {figures['mean_quote_chars']:.0f} characters; every quote an exact slice: "
          f"{figures['offsets_exact']}")
    return EXIT_OK


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh bot``: run the Telegram bot until SIGINT/SIGTERM."""
    from pasokh.bot.telegram.run import BotOptions, BotStartError, MissingTokenError, run_bot

    if args.watch and not args.watch.is_dir():
        raise CliError(messages.not_a_folder(args.watch, "--watch"), EXIT_USAGE)
    options = BotOptions(webhook_url=args.webhook_url, listen=args.listen, port=args.port, watch=args.watch,
                         feeds=tuple(args.feed))
    try:
        run_bot(settings, options)
    except MissingTokenError as error:
        raise CliError(messages.telegram_start_error(error), EXIT_USAGE) from None
    except BotStartError as error:
        raise CliError(messages.telegram_start_error(error), error.exit_code) from None
    return EXIT_OK


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh watch [DIR] [--feed URL]``: index the folder and the feeds, then keep indexing what changes."""
    import signal
    import threading

    from pasokh.bot.log_setup import configure_logging
    from pasokh.retrieval.ingest.feeds import FeedPoller
    from pasokh.retrieval.watcher import FolderWatcher

    feeds = tuple(dict.fromkeys(list(args.feed) + list(settings.feeds)))
    if args.folder is None and not feeds:
        raise CliError(messages.WATCH_NEEDS_SOMETHING, EXIT_USAGE)
    if args.folder is not None and not args.folder.is_dir():
        raise CliError(messages.not_a_folder(args.folder))
    configure_logging(settings.log_level)
    indexer = open_indexer(settings, _encoder(settings))

    def report(result) -> None:
        changed = len(result.added) + len(result.updated) + len(result.removed)
        if changed or result.errors:
            print(messages.watch_report(generation=result.generation, added=len(result.added),
                                        updated=len(result.updated), removed=len(result.removed),
                                        errors=len(result.errors)), flush=True)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if feeds:
        poller = FeedPoller(feeds, settings.data_dir, lambda articles: report(indexer.index_articles(articles)),
                            interval=settings.feed_interval)
        poller.start_thread(stop)
        print(messages.watching_feeds(len(feeds), settings.feed_interval), file=sys.stderr, flush=True)
    if args.folder is None:
        stop.wait()
        return EXIT_OK
    watcher = FolderWatcher(args.folder, indexer, interval=args.interval, on_report=report)
    print(messages.watching(args.folder), file=sys.stderr, flush=True)
    watcher.run(stop)
    return EXIT_OK


def cmd_import_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """``pasokh import-telegram result.json``: a channel's history, with the same ids as its live posts."""
    from pasokh.retrieval.ingest.telegram_export import batches, read_export
    from pasokh.retrieval.ingest.telegram_posts import Skip, post_to_article

    export = read_export(args.export, username=args.username.lstrip("@") if args.username else None)
    articles, skipped = [], export.skipped_entries
    for post in export.posts:
        article = post_to_article(post)
        if isinstance(article, Skip):
            skipped += 1
        else:
            articles.append(article)
    indexer = open_indexer(settings, _encoder(settings))
    progress = _progress_factory(args.quiet or args.json)
    bar = progress(len(articles)) if progress else None
    totals = {"added": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "errors": 0}
    for batch in batches(articles, IMPORT_BATCH):
        # each batch is its own generation: an interruption keeps what was imported
        result = indexer.index_articles(batch)
        for key in totals:
            totals[key] += len(getattr(result, key))
        _print_errors(result.errors)
        if bar:
            bar(len(batch))
    if bar:
        bar.close()  # type: ignore[attr-defined]
    summary = {"channel": export.name, "posts": len(export.posts), "skipped": skipped, **totals}
    if args.json:
        _print_json(summary)
    else:
        print(messages.import_summary(**summary))
    return EXIT_ERROR if totals["errors"] else EXIT_OK


IMPORT_BATCH = 200
"""Posts published per generation while importing an export."""
