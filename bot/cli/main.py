"""The ``pasokh`` command line: parse the arguments, read the settings once, run a command.

Heavy libraries (torch, faiss, hazm) are imported inside the commands that need
them, so ``pasokh --help`` and ``pasokh status`` answer instantly. Every error
a user can cause ends as one line in Persian and English and an exit code,
never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pasokh.bot import messages
from pasokh.bot.settings import SettingError, Settings

from .exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError

class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors worded in Persian and English like every other error."""

    def error(self, message: str):  # noqa: D102 (argparse's hook)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"pasokh: فرمان نادرست است (usage error): {message}\n")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """``--data-dir`` and ``--model``, accepted before or after the command."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--data-dir", type=Path, default=default,
                        help="index directory (default: $PASOKH_DATA_DIR or ~/.local/share/pasokh)")
    parser.add_argument("--model", default=default,
                        help="embedding model: 'bundled' (default, offline) or a Hugging Face id / local path")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="pasokh", description=messages.CLI_DESCRIPTION)
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    index = command("index", "index article files (.txt, .md, .json)")
    index.add_argument("paths", nargs="*",
                       help="files, folders or http(s) page URLs (default: the files already indexed, "
                            "to bring them up to date)")
    index.add_argument("--prune", action="store_true", help="remove indexed articles whose files are gone")
    index.add_argument("--rebuild", action="store_true",
                       help="embed every indexed article again (after changing --model)")
    index.add_argument("--no-wait", action="store_true", help="exit instead of waiting when another indexer runs")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument("--json", action="store_true", help="print the report as JSON")

    ask = command("ask", "ask a question (no question: interactive prompt)")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("-k", type=int, default=3, help="how many sentences to quote (default 3)")
    ask.add_argument("--json", action="store_true", help="JSON output, one object per question")
    ask.add_argument("--file", help="answer one question per line of FILE ('-' reads standard input)")
    ask.add_argument("--visual-rtl", action="store_true",
                     help="reorder right-to-left lines for terminals that show Persian backwards "
                          "(or PASOKH_VISUAL_RTL=1)")

    status = command("status", "what is indexed, with which model, where")
    status.add_argument("--check", action="store_true",
                        help="also check that the live snapshot holds exactly the live sentences (exit 1 if not)")
    articles = command("articles", "list the indexed articles")
    articles.add_argument("--json", action="store_true")
    remove = command("remove", "remove indexed articles by id")
    remove.add_argument("article_ids", nargs="+")
    watch = command("watch", "index new or changed article files in a folder, and feeds, as they arrive")
    watch.add_argument("folder", type=Path, nargs="?", help="a folder of article files")
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between folder scans (default 2)")
    watch.add_argument("--feed", action="append", default=[], metavar="URL",
                       help="an RSS or Atom feed to poll (repeatable; also PASOKH_FEEDS)")
    export = command("import-telegram", "import a channel's history from Telegram Desktop's JSON export")
    export.add_argument("export", type=Path, help="result.json of a channel export")
    export.add_argument("--username", help="the channel's public username, to link citations to its posts")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.add_argument("--json", action="store_true", help="print the summary as JSON")
    evaluate = command("eval", "measure retrieval on a SQuAD-style dataset")
    evaluate.add_argument("dataset", type=Path, help="e.g. ../shared/data/pqa_test.json")
    evaluate.add_argument("--split", choices=("even", "odd", "all"), default="all",
                          help="questions of the paragraphs at even or odd positions: tune on one half, "
                               "report the other (every paragraph is indexed)")
    evaluate.add_argument("--titles", choices=("keep", "none"), default="keep",
                          help="'none' drops every title, as for files without a header")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--plot", type=Path, help="write score distributions to this PNG (needs matplotlib)")
    bot = command("bot", "run the Telegram bot (token from TELEGRAM_BOT_TOKEN or .env)")
    bot.add_argument("--webhook-url", help="public HTTPS URL for webhook mode (default: long polling)")
    bot.add_argument("--listen", default="127.0.0.1", help="webhook listen address (default 127.0.0.1)")
    bot.add_argument("--port", type=int, default=8443, help="webhook listen port (default 8443)")
    bot.add_argument("--watch", type=Path, help="also index new or changed article files in this folder")
    bot.add_argument("--feed", action="append", default=[], metavar="URL",
                     help="also poll this RSS or Atom feed (repeatable; also PASOKH_FEEDS)")
    questions = command("questions", "what readers asked the bot, most asked first (text and time only)")
    questions.add_argument("--unanswered", action="store_true", help="only the questions the articles did not answer")
    questions.add_argument("--limit", type=int, default=50, help="how many distinct questions (default 50)")
    questions.add_argument("--json", action="store_true")
    command("prepare-model", "prepare the bundled embedding model now")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pasokh`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    from . import commands

    handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
    try:
        settings = Settings.from_env().with_overrides(data_dir=args.data_dir, model=args.model)
        for warning in settings.warnings:
            print(f"pasokh: {messages.WARNING}: {messages.setting_warning_text(warning)}", file=sys.stderr)
        return handler(args, settings)
    except CliError as error:
        print(f"pasokh: {error}", file=sys.stderr)
        return error.code
    except SettingError as error:
        print(f"pasokh: {messages.error_text(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:
        from pasokh.embeddings.encoder import ModelLoadError
        from pasokh.retrieval.errors import PasokhError

        if not isinstance(error, (PasokhError, ModelLoadError)):
            raise
        print(f"pasokh: {messages.error_text(error)}", file=sys.stderr)
        return EXIT_ERROR
