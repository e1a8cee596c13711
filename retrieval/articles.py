"""Read article files (.txt, .md, .json) into ``Article`` records.

The stored ``Article.text`` is the body exactly as it will be quoted: sentence
offsets point into it. The only changes made to the file's bytes are decoding,
dropping a UTF-8 BOM, turning CRLF/CR into LF and removing a metadata header or
front matter; the body itself is never trimmed or normalized.

Every problem with a file is raised as ``ArticleError`` naming the file and
the problem (``errors.ArticleProblem``); the front ends word it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ArticleError, ArticleProblem
from .text_encoding import WINDOWS_1256, as_windows_1256, is_valid_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".json")
MAX_ARTICLE_BYTES = 5_000_000
METADATA_KEYS = ("title", "source", "url", "published", "language", "id")
SIDECAR_SUFFIX = ".meta.json"
TITLE_MAX_CHARS = 80

# Article ids go into Telegram callback data (64 bytes at most), so they must
# be short plain ASCII.
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_HEADER_LINE = re.compile(r"^(title|source|url|published|language|id)[ \t]*:[ \t]*(.*?)[ \t]*$", re.IGNORECASE)
_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_TEMP_SUFFIXES = (".swp", ".swo", ".tmp", ".part", ".crdownload")


@dataclass(frozen=True)
class Article:
    """One article: its body, where it came from and its metadata."""

    article_id: str
    title: str
    source: str
    url: str | None
    published: str | None
    language: str  # e.g. "fa"
    text: str  # the article body exactly as stored; offsets point into this
    path: str | None  # file it came from, if any
    content_hash: str  # sha256 hex of `text` (utf-8)
    encoding: str = "utf-8"  # what the file was decoded from ("cp1256" for a Windows-1256 file, converted)


@dataclass(frozen=True)
class Discovery:
    """The article files under some paths, and what could not be looked into."""

    files: list[Path]
    problems: list[ArticleError]  # names that are not text, link loops, unreadable folders
    unreadable_folders: list[Path]  # never pruned under: their files may well still be there


def discover_article_files(paths: Sequence[Path]) -> Discovery:
    """Expand ``paths`` into the article files to read, without duplicates.

    A file named directly is always kept, whatever its suffix or even if it is
    missing, so that ``read_article`` reports the problem to the user. A
    directory is walked recursively in sorted order, keeping files with a
    supported suffix and skipping hidden files and folders, editor/download
    temporaries (``~``, ``.swp``, ``.tmp``, ``.part``, ``.crdownload``, ``.#*``)
    and sidecar metadata (``*.meta.json``). A file name that is not valid text,
    a symbolic-link loop or a folder that cannot be read is reported, and the
    walk goes on.
    """
    found: list[Path] = []
    problems: list[ArticleError] = []
    unreadable: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        given = Path(given)
        candidates = _walk(given, problems, unreadable) if given.is_dir() else [given]
        for candidate in candidates:
            if not is_valid_text(str(candidate)):
                problems.append(ArticleError(_printable(candidate), ArticleProblem.BAD_NAME))
                continue
            try:
                key = str(candidate.resolve())
            except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a symlink loop
                problems.append(ArticleError(candidate, ArticleProblem.LINK_LOOP))
                continue
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return Discovery(found, problems, unreadable)


def _printable(path: Path) -> str:
    """A file name with undecodable bytes shown as �, so it can be printed and logged."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def _walk(root: Path, problems: list[ArticleError], unreadable: list[Path]) -> list[Path]:
    files: list[Path] = []

    def refused(error: OSError) -> None:
        folder = Path(error.filename or root)
        unreadable.append(folder)
        problems.append(ArticleError(_printable(folder), ArticleProblem.FOLDER_UNREADABLE,
                                     reason=error.strerror or str(error)))

    # os.walk does not follow symlinked folders, so a link loop cannot hang us.
    for folder, subfolders, names in os.walk(root, onerror=refused):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            if _is_article_name(name):
                files.append(Path(folder) / name)
    return files


def _is_article_name(name: str) -> bool:
    lower = name.lower()
    if name.startswith((".", "~$", "#")) or name.endswith("~"):
        return False
    if lower.endswith(_TEMP_SUFFIXES) or lower.endswith(SIDECAR_SUFFIX):
        return False
    return lower.endswith(SUPPORTED_SUFFIXES)


def sidecar_path(path: Path) -> Path:
    """The sidecar metadata file for ``path``: ``x.txt`` -> ``x.meta.json``."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_article(path: Path) -> Article:
    """Read one article file, merging metadata from its sidecar if there is one.

    Metadata inside the file (a ``.txt`` header, ``.md`` front matter or the
    ``.json`` fields) wins over the sidecar ``<stem>.meta.json``: the sidecar
    only fills in what the file itself does not say.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise ArticleError(name, ArticleProblem.NOT_FOUND)
    try:
        size = path.stat().st_size
        # Checked before reading so a huge file is never loaded into memory.
        if size > MAX_ARTICLE_BYTES:
            raise _too_large(name, size)
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(name, ArticleProblem.UNREADABLE, reason=exc.strerror) from exc
    sidecar = sidecar_path(path)
    extra = _read_sidecar(sidecar) if sidecar.is_file() and sidecar != path else None
    return parse_article_bytes(data, path.name, path=name, extra_metadata=extra)


def parse_article_bytes(data: bytes, filename: str, *, path: str | None = None,
                        extra_metadata: Mapping[str, Any] | None = None) -> Article:
    """Parse the bytes of an article file named ``filename`` (suffix decides the format).

    ``path`` is recorded on the article and used in error messages (the
    filename is used when it is None). ``extra_metadata`` (e.g. a sidecar) has
    the lowest priority: metadata inside the file wins.
    """
    where = path or filename
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleError(where, ArticleProblem.BAD_SUFFIX, suffix=suffix, supported=SUPPORTED_SUFFIXES)
    text, encoding = _decode(data, where)
    if suffix == ".json":
        meta, body = _parse_json(text, where)
    elif suffix == ".md":
        meta, body = _split_front_matter(text, where)
    else:
        meta, body = _split_txt_header(text)
    body = _normalize_newlines(body)
    if not body.strip():
        raise ArticleError(where, ArticleProblem.EMPTY)
    merged = {**_clean_metadata(extra_metadata or {}, where), **_clean_metadata(meta, where)}
    return Article(
        article_id=_article_id(merged.get("id"), Path(filename).stem),
        title=merged.get("title") or title_from_text(body),
        source=merged.get("source") or "",
        url=merged.get("url"),
        published=merged.get("published"),
        language=merged.get("language") or "fa",
        text=body,
        path=path,
        content_hash=content_hash(body),
        encoding=encoding,
    )


def content_hash(text: str) -> str:
    """What tells the indexer an article changed, whatever path it came in by."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _too_large(where: str, size: int) -> ArticleError:
    return ArticleError(where, ArticleProblem.TOO_LARGE, size=size, limit=MAX_ARTICLE_BYTES)


def _decode(data: bytes, where: str) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-8, or Windows-1256 when it is not
    UTF-8 but reads as Persian (common for office files); anything else is an error."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise _too_large(where, len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ArticleError(where, ArticleProblem.UTF16)
    if b"\x00" in data:
        raise ArticleError(where, ArticleProblem.BINARY)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        converted = as_windows_1256(data)
        if converted is not None:
            return converted, WINDOWS_1256
        raise ArticleError(where, ArticleProblem.NOT_UTF8, byte=exc.start) from exc


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_txt_header(text: str) -> tuple[dict[str, Any], str]:
    """Split an optional ``key: value`` header block off the top of a .txt file.

    The header counts only if the very first line is a key line and the key
    lines are followed by a blank line; otherwise the whole file is the body.
    """
    lines = _normalize_newlines(text).split("\n")
    meta: dict[str, Any] = {}
    for number, line in enumerate(lines):
        match = _HEADER_LINE.match(line)
        if match:
            meta[match.group(1).lower()] = match.group(2)
            continue
        if meta and not line.strip():
            return meta, "\n".join(lines[number + 1 :])
        break
    return {}, text


def _split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """Split optional YAML front matter (between ``---`` lines) off a .md file."""
    lines = _normalize_newlines(text).split("\n")
    if not lines or not _FRONT_MATTER_FENCE.match(lines[0]):
        return {}, text
    for number in range(1, len(lines)):
        if _FRONT_MATTER_END.match(lines[number]):
            break
    else:
        raise ArticleError(where, ArticleProblem.FRONT_MATTER_UNCLOSED)
    import yaml  # lazily: only markdown files with front matter need it

    try:
        meta = yaml.safe_load("\n".join(lines[1:number]))
    except yaml.YAMLError as exc:
        raise ArticleError(where, ArticleProblem.BAD_YAML, reason=str(exc)) from exc
    meta = {} if meta is None else meta
    if not isinstance(meta, dict):
        raise ArticleError(where, ArticleProblem.YAML_NOT_MAPPING)
    return meta, "\n".join(lines[number + 1 :])


def _parse_json(text: str, where: str) -> tuple[dict[str, Any], str]:
    obj = _load_json_object(text, where)
    body = obj.get("text")
    if not isinstance(body, str) or not body.strip():
        raise ArticleError(where, ArticleProblem.JSON_NO_TEXT)
    return {k: v for k, v in obj.items() if k != "text"}, body


def _read_sidecar(sidecar: Path) -> dict[str, Any]:
    where = str(sidecar)
    try:
        data = sidecar.read_bytes()
    except OSError as exc:
        raise ArticleError(where, ArticleProblem.METADATA_UNREADABLE, reason=exc.strerror) from exc
    return _load_json_object(_decode(data, where)[0], where)


def _load_json_object(text: str, where: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ArticleError(where, ArticleProblem.JSON_TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise ArticleError(where, ArticleProblem.BAD_JSON, line=exc.lineno, column=exc.colno, reason=exc.msg) from exc
    if not isinstance(obj, dict):
        raise ArticleError(where, ArticleProblem.JSON_NOT_OBJECT)
    if not all(is_valid_text(v) for v in (*obj.keys(), *obj.values()) if isinstance(v, str)):
        raise ArticleError(where, ArticleProblem.BAD_TEXT)  # e.g. a "\ud800" escape: no UTF-8 can hold it
    return obj


def _clean_metadata(meta: Mapping[str, Any], where: str) -> dict[str, str]:
    """Known keys only (case-insensitive), as stripped strings; empty -> absent."""
    clean: dict[str, str] = {}
    for key, value in meta.items():
        key = str(key).lower()
        if key not in METADATA_KEYS or value is None:
            continue
        # YAML reads `published: 2024-02-27` as a date and `id: 42` as an int.
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ArticleError(where, ArticleProblem.METADATA_NOT_TEXT, key=key)
        if value.strip():
            clean[key] = value.strip()
    return clean


def _article_id(meta_id: str | None, stem: str) -> str:
    if meta_id and _ID_PATTERN.match(meta_id):
        return meta_id
    if _ID_PATTERN.match(stem):
        return stem
    return "a" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:15]


def title_from_text(text: str) -> str:
    """First non-empty line, cut to TITLE_MAX_CHARS on a word boundary with ``…``."""
    line = next(line.strip() for line in text.split("\n") if line.strip())
    line = _MARKDOWN_HEADING.sub("", line)
    if len(line) <= TITLE_MAX_CHARS:
        return line
    cut = line[: TITLE_MAX_CHARS - 1]
    space = cut.rfind(" ")
    # Only back off to a space if that keeps a reasonable part of the line.
    if space >= TITLE_MAX_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ،,:;؛-") + "…"
