"""Where ``pasokh ask`` reads questions from: a file, standard input, or a prompt with history.

Lines are read as bytes and decoded one by one, so a line that is not UTF-8
gets an error of its own and the questions after it are still answered. A
whole file in Windows-1256 (Persian office software) is read as such, with a
note. The interactive prompt is prompt_toolkit's: line editing with the arrow
keys, and a history kept in the data directory across sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pasokh.bot import messages
from pasokh.retrieval.text_encoding import WINDOWS_1256, as_windows_1256

from .exits import CliError

HISTORY_FILE = "ask-history"


def decode_question(raw: bytes | str) -> tuple[str, str | None]:
    """``(text, None)``, or ``("", problem)`` for a line that is not valid text."""
    if isinstance(raw, str):
        return raw, None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff"), None
    except UnicodeDecodeError:
        converted = as_windows_1256(raw)
        return (converted, None) if converted is not None else ("", "not_utf8")


def bad_line_json(problem: str) -> dict:
    """The JSON object for a line that could not be read (same keys as an answer, plus ``error``)."""
    return {"question": None, "answered": False, "results": [], "reason": "bad_input", "truncated": False,
            "error": messages.bad_question_text(problem)}


def read_questions_file(path: str) -> tuple[Iterator[bytes | str], str | None]:
    """The lines of ``path`` and a note naming its encoding when it is not UTF-8 (CliError if unreadable)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CliError(messages.unreadable_questions(path, error.strerror or str(error))) from None
    converted = as_windows_1256(data)
    if converted is not None:
        return iter(converted.splitlines()), WINDOWS_1256
    return iter(data.splitlines()), None


def interactive_lines(data_dir: Path) -> Iterator[str]:
    """Questions typed at the ``پرسش>`` prompt until Ctrl+D (history in ``data_dir``)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(data_dir / HISTORY_FILE))
    except OSError:
        history = InMemoryHistory()
    session = PromptSession(history=history)
    while True:
        try:
            yield session.prompt(messages.ASK_PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl+C clears the line, as in a shell
        except EOFError:
            return
