"""What can go wrong in the retrieval layer, as data.

Errors carry what happened and to what (a path, an id, a size), never words
for people: the front ends word them in the reader's language, with the hint
that fits where they are (``pasokh.bot.messages``). ``str(error)`` is a short
English line for logs and tracebacks.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any


class PasokhError(Exception):
    """Base of every error the front ends turn into a message.

    Picklable with its data (not just its text), so an error raised in the
    bot's indexing process reaches the bot whole.
    """

    def __reduce__(self):
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(kind: type, args: tuple, state: dict) -> PasokhError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class NoIndexError(PasokhError):
    """There is no index yet in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        super().__init__(f"no index in {self.data_dir}")


class StoreProblem(Enum):
    """Why a data directory cannot be used."""

    UNREADABLE = "unreadable"  # SQLite cannot open or read it
    NEWER_SCHEMA = "newer_schema"  # written by a newer Pasokh
    SNAPSHOT_UNREADABLE = "snapshot_unreadable"  # FAISS cannot read the live snapshot
    DISK_FULL = "disk_full"  # no space left while writing


class StoreError(PasokhError):
    """The data directory cannot be used; ``problem`` says why, ``detail`` is the library's text."""

    def __init__(self, problem: StoreProblem, path: Path, detail: str = "") -> None:
        self.problem = problem
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{problem.value}: {self.path}" + (f" ({detail})" if detail else ""))


class ModelMismatchError(PasokhError):
    """The index was built with another embedding model than the one asked with."""

    def __init__(self, index_model: str, asked_model: str) -> None:
        self.index_model = index_model
        self.asked_model = asked_model
        super().__init__(f"index built with {index_model}; asked with {asked_model}: re-index with the new model")


class IndexLockedError(PasokhError):
    """Another indexer holds the lock and the caller chose not to wait."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = Path(lock_path)
        super().__init__(f"another indexer holds {self.lock_path}")


class ArticleProblem(Enum):
    """Why one article file (or upload) could not be indexed."""

    NOT_FOUND = "not_found"
    UNREADABLE = "unreadable"  # details: reason
    BAD_NAME = "bad_name"  # a file name that is not valid text
    BAD_SUFFIX = "bad_suffix"  # details: suffix, supported
    TOO_LARGE = "too_large"  # details: size, limit
    UTF16 = "utf16"
    BINARY = "binary"
    NOT_UTF8 = "not_utf8"  # details: byte, cp1256 (True when it reads as Windows-1256)
    BAD_TEXT = "bad_text"  # text the store cannot hold (lone surrogates from a JSON escape)
    EMPTY = "empty"
    FRONT_MATTER_UNCLOSED = "front_matter_unclosed"
    BAD_YAML = "bad_yaml"  # details: reason
    YAML_NOT_MAPPING = "yaml_not_mapping"
    BAD_JSON = "bad_json"  # details: line, column, reason
    JSON_TOO_DEEP = "json_too_deep"
    JSON_NOT_OBJECT = "json_not_object"
    JSON_NO_TEXT = "json_no_text"
    METADATA_NOT_TEXT = "metadata_not_text"  # details: key
    METADATA_UNREADABLE = "metadata_unreadable"  # details: reason
    DUPLICATE_ID = "duplicate_id"  # details: article_id
    ID_CLAIMED = "id_claimed"  # details: article_id, other_path
    NO_SENTENCES = "no_sentences"
    UNKNOWN_ID = "unknown_id"  # details: article_id (remove)
    FOLDER_UNREADABLE = "folder_unreadable"  # details: reason
    LINK_LOOP = "link_loop"
    NOT_AN_EXPORT = "not_an_export"  # a JSON file that is not a Telegram Desktop channel export
    FETCH_FAILED = "fetch_failed"  # details: reason (a page or feed over HTTP)
    PAGE_TOO_LARGE = "page_too_large"  # details: limit
    NO_ARTICLE_TEXT = "no_article_text"  # a fetched page with no article text in it
    BAD_URL = "bad_url"  # not http(s)


class ArticleError(PasokhError):
    """One article that cannot be read or indexed: which file, what went wrong, and the particulars.

    ``path`` names the file (or the article id when there is none); ``details``
    hold the values a message needs (sizes, line numbers, ids).
    """

    def __init__(self, path: str | Path, problem: ArticleProblem, **details: Any) -> None:
        self.path = str(path)
        self.problem = problem
        self.details = details
        shown = ", ".join(f"{key}={value!r}" for key, value in details.items())
        super().__init__(f"{self.name}: {problem.value}" + (f" ({shown})" if shown else ""))

    @property
    def name(self) -> str:
        """The file's own name, or the whole URL of a page (what messages show)."""
        if "://" in self.path:
            return self.path
        return Path(self.path).name or self.path
