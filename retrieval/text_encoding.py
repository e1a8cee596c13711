"""Telling UTF-8 from Windows-1256, the code page of Persian office files.

Persian text saved by older Windows software is often Windows-1256: it is not
valid UTF-8, and decoded as Windows-1256 it reads as Persian. A file or line
that decodes either way is taken as UTF-8; one that is not UTF-8 but gives
mostly Arabic-script letters as Windows-1256 is reported as such, so the user
hears what happened instead of "not valid UTF-8 at byte 3".
"""

from __future__ import annotations

WINDOWS_1256 = "cp1256"
_MIN_ARABIC_SCRIPT_SHARE = 0.5
_MIN_ARABIC_LETTERS = 4


def as_windows_1256(data: bytes) -> str | None:
    """``data`` decoded as Windows-1256 if it is not UTF-8 and reads as Persian/Arabic; else None."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode(WINDOWS_1256)
    except UnicodeDecodeError:
        return None
    if any(ch < " " and ch not in "\t\n\r" for ch in text):
        return None  # control characters: binary, not text
    letters = [ch for ch in text if ch.isalpha()]
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff")
    if arabic < _MIN_ARABIC_LETTERS or arabic / len(letters) < _MIN_ARABIC_SCRIPT_SHARE:
        return None
    return text


def is_valid_text(text: str) -> bool:
    """False for strings holding lone surrogates (undecodable bytes in argv, ``"\\ud800"`` in JSON)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
