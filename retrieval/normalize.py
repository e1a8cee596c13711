"""Normalization for matching Persian text: lexical features and queries only.

The output is never shown to users (answers quote the original article text).
Its only job is to make spellings that mean the same compare equal:
``می‌شود``/``میشود``, ``كشور``/``کشور``, ``۱٫۵``/``1.5``, ``رئیس``/``رییس``.

Pure Python and standard library only, with no hazm import: the query path
calls this on every question and must stay fast.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic code points that Persian writes differently, plus letters that are
# spelling variants of a plain letter. ئ -> ی makes `رئیس` match `رییس`, and ۀ
# -> ه matches the `ه` + hamza spelling once the hamza (a diacritic) is gone.
_LETTER_MAP = {
    "ي": "ی",
    "ى": "ی",
    "ئ": "ی",
    "ك": "ک",
    "ة": "ه",
    "ۀ": "ه",
    "ە": "ه",
    "أ": "ا",
    "إ": "ا",
    "ٱ": "ا",
    "ؤ": "و",
}
_DIGIT_MAP = {
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian ۰-۹
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic ٠-٩
    "٫": ".",  # Arabic decimal separator
    "٬": ",",  # Arabic thousands separator
}
# Removed outright: diacritics (harakat, superscript alef), tatweel, and the
# zero-width / bidi controls. ZWNJ goes too, so `می‌شود` == `میشود`.
_REMOVED = (
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640"]
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
_TABLE = str.maketrans(
    {**_LETTER_MAP, **_DIGIT_MAP, **{ch: None for ch in _REMOVED}}
)
_WHITESPACE = re.compile(r"\s+")

# A number keeps its decimal point (`1.5`) and thousands groups (`1,000` ->
# `1000`); anything else is a run of letters/digits.
_TOKEN = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)*|\d+(?:\.\d+)*)|[^\W_]+")

# When a writer types a space instead of a ZWNJ (`می شود`, `کتاب ها`), glue the
# pieces back so they match the ZWNJ-less form `میشود`, `کتابها`.
_PREFIXES = frozenset({"می", "نمی"})
_SUFFIXES = frozenset({"ها", "های", "هایی", "هایش", "هایشان", "تر", "ترین"})


def normalize_for_matching(text: str) -> str:
    """Fold ``text`` to a canonical form for comparing words, not for display.

    NFKC folds presentation forms and ligatures, Arabic letter forms become
    Persian, Persian/Arabic digits become ASCII (``٫`` -> ``.``), diacritics,
    tatweel, ZWNJ and other invisible controls are removed, Latin is
    lower-cased and whitespace is collapsed to single spaces and stripped.
    """
    # NFKC first: it turns presentation forms (ﻙ, ﯾ, ﷲ) into base letters that
    # the table below then maps; it leaves Persian letters such as پ چ ژ گ ک ی
    # and آ (kept composed) unchanged.
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TABLE).lower()
    return _WHITESPACE.sub(" ", text).strip()


def match_tokens(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Tokens of ``normalize_for_matching(text)`` for lexical matching.

    Tokens are runs of letters/digits; numbers keep their decimal point
    (``1.5``). A detached ``می``/``نمی`` prefix or ``ها``/``تر``-style suffix
    is joined to its neighbour word. With ``drop_stopwords``, words in
    ``STOPWORDS`` are removed; numbers are always kept.
    """
    raw = [
        (m.group(), m.group(1) is not None)
        for m in _TOKEN.finditer(normalize_for_matching(text))
    ]
    tokens: list[str] = []
    is_number: list[bool] = []
    pending_prefix = ""
    for token, number in raw:
        if number:
            token = token.replace(",", "")
        if pending_prefix and not number:
            token, pending_prefix = pending_prefix + token, ""
        elif pending_prefix:
            tokens.append(pending_prefix)
            is_number.append(False)
            pending_prefix = ""
        if not number and token in _PREFIXES:
            pending_prefix = token
            continue
        if not number and token in _SUFFIXES and tokens and not is_number[-1]:
            tokens[-1] += token
            continue
        tokens.append(token)
        is_number.append(number)
    if pending_prefix:
        tokens.append(pending_prefix)
        is_number.append(False)
    if not drop_stopwords:
        return tokens
    return [t for t, n in zip(tokens, is_number) if n or t not in STOPWORDS]


_PERSIAN_STOPWORDS = """
و در به از که این آن را با است بود شد برای تا یا هم نیز چه چند چندم چندمین
چقدر چقد کجا کجای کی چرا چگونه چطور چطوری آیا کدام کدامین چیست کیست چی چیه
هست هستند نیست بودند بوده شده شود میشود شدند میشوند باشد باشند
می نمی ها های ای یک یکی
اینکه آنکه آنچه اینها آنها ایشان او وی من تو ما شما خود خودش خودشان
بر پس اما ولی اگر هر همه هیچ دیگر نه بی باید چون زیرا حتی فقط مانند مثل
کسی چیزی کرد کرده کند میکند کنند میکنند کردند داد داده دهد میدهد دارد داشت
دارند داشته اند ام ایم اید توسط طی درباره
"""
_ENGLISH_STOPWORDS = """
the a an of in on at to for from by with and or is are was were be been
what who whom whose which when where why how did does do that this it as
"""

STOPWORDS: frozenset[str] = frozenset(
    normalize_for_matching(word)
    for word in (_PERSIAN_STOPWORDS + _ENGLISH_STOPWORDS).split()
)
"""Persian function and question words plus a few English ones, normalized."""
