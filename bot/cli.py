"""The ``pasokh`` command line: index articles, ask questions, inspect the index.

Heavy libraries (torch, faiss, hazm) are imported inside the commands that need
them, so ``pasokh --help`` and ``pasokh status`` answer instantly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .settings import load_dotenv

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure to report to the user as a message, not a traceback."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pasokh",
        description="پاسخ: پاسخ به پرسش‌های فارسی دربارهٔ مقاله‌های خبری با نقل جمله و منبع "
                    "(answer Persian questions about news articles, with citations)")
    parser.add_argument("--data-dir", type=Path, help="index directory (default: $PASOKH_DATA_DIR or ~/.local/share/pasokh)")
    parser.add_argument("--model", help="embedding model: 'bundled' (default, offline) or a Hugging Face id / local path")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = commands.add_parser("index", help="index article files (.txt, .md, .json)")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    index.add_argument("--prune", action="store_true", help="remove indexed articles whose files are gone")
    index.add_argument("--rebuild", action="store_true",
                       help="embed every indexed article again (after changing --model)")
    index.add_argument("--no-wait", action="store_true", help="exit instead of waiting when another indexer runs")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument("--json", action="store_true", help="print the report as JSON")

    ask = commands.add_parser("ask", help="ask a question (no question: interactive prompt)")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("-k", type=int, default=3, help="how many sentences to quote (default 3)")
    ask.add_argument("--json", action="store_true", help="JSON output, one object per question")
    ask.add_argument("--file", help="answer one question per line of FILE ('-' reads standard input)")

    commands.add_parser("status", help="what is indexed, with which model, where")
    articles = commands.add_parser("articles", help="list the indexed articles")
    articles.add_argument("--json", action="store_true")
    remove = commands.add_parser("remove", help="remove indexed articles by id")
    remove.add_argument("article_ids", nargs="+")
    watch = commands.add_parser("watch", help="index new or changed article files in a folder as they arrive")
    watch.add_argument("folder", type=Path)
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between scans (default 2)")
    evaluate = commands.add_parser("eval", help="measure retrieval on a SQuAD-style dataset")
    evaluate.add_argument("dataset", type=Path, help="e.g. ../shared/data/pqa_test.json")
    evaluate.add_argument("--split", choices=("even", "odd", "all"), default="all",
                          help="paragraphs by position: tune on one half, report the other")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--plot", type=Path, help="write score distributions to this PNG (needs matplotlib)")
    bot = commands.add_parser("bot", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN or .env)")
    bot.add_argument("--webhook-url", help="public HTTPS URL for webhook mode (default: long polling)")
    bot.add_argument("--listen", default="127.0.0.1", help="webhook listen address (default 127.0.0.1)")
    bot.add_argument("--port", type=int, default=8443, help="webhook listen port (default 8443)")
    bot.add_argument("--watch", type=Path, help="also index new or changed article files in this folder")
    commands.add_parser("prepare-model", help="prepare the bundled embedding model now")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pasokh`` console script."""
    load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    from . import cli_commands

    handler = getattr(cli_commands, "cmd_" + args.command.replace("-", "_"))
    try:
        return handler(args)
    except CliError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return error.code
    except (RuntimeError, OSError) as error:
        from pasokh.embeddings.encoder import ModelLoadError
        from pasokh.retrieval.store import StoreError

        if not isinstance(error, (ModelLoadError, StoreError)):
            raise
        print(f"pasokh: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def print_json(value) -> None:
    """Print one JSON document (UTF-8, keys in a stable order)."""
    print(json.dumps(value, ensure_ascii=False), flush=True)


if __name__ == "__main__":  # pragma: no cover
    # run the imported module's main, so that its classes are the ones the commands raise
    from pasokh.bot.cli import main as _main

    sys.exit(_main())
