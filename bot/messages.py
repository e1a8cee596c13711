"""Every word Pasokh says to people, in Persian and (for English questions and errors) English.

Front ends never hold their own strings: the CLI, the JSON output's error
objects and the Telegram bot all take them from here, keyed by the retrieval
layer's ``Reason`` and error types. Plain text only: Telegram markup and
escaping are ``telegram.format``'s job. Numbers in Persian text are written in
Persian digits (``fa_digits``), so a sentence never mixes ``۱۴`` and ``11.6``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pasokh.embeddings.encoder import ModelLoadError
from pasokh.retrieval.errors import (ArticleError, ArticleProblem, IndexLockedError, ModelMismatchError,
                                     NoIndexError, StoreError, StoreProblem)
from pasokh.retrieval.search import Reason

from .settings import SettingError, SettingWarning, WarningKind

_FA_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")
_FA_INTEGER_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


class Lang(str, Enum):
    """The language of the bot's own words (quotes stay as written)."""

    FA = "fa"
    EN = "en"


class Audience(Enum):
    """Who reads an error: the hint differs (a reader cannot run ``pasokh index``)."""

    CLI = "cli"
    READER = "reader"
    EDITOR = "editor"


def fa_digits(value: object) -> str:
    """``value`` with ASCII digits written as Persian digits (``12`` -> ``۱۲``)."""
    return str(value).translate(_FA_INTEGER_DIGITS)


def fa_number(value: float, decimals: int = 1) -> str:
    """A decimal number in Persian digits with the Persian decimal separator (``11.6`` -> ``۱۱٫۶``)."""
    return f"{value:.{decimals}f}".translate(_FA_DIGITS)


def number(value: object, lang: Lang) -> str:
    """Digits in the reader's script."""
    return fa_digits(value) if lang is Lang.FA else str(value)


# ---- answers -------------------------------------------------------------------------------

_REASONS = {
    Reason.NO_MATCH: ("پاسخی برای این پرسش در مقاله‌های نمایه‌شده پیدا نشد.",
                      "No answer to this question was found in the indexed articles."),
    Reason.NOT_A_QUESTION: ("این پیام پرسش به نظر نمی‌رسد؛ پرسشی دربارهٔ مقاله‌ها بنویسید.",
                            "That does not look like a question; ask something about the articles."),
    Reason.EMPTY_INDEX: ("هنوز مقاله‌ای نمایه نشده است.", "No articles are indexed yet."),
}
EMPTY_INDEX_CLI_HINT = ("اول «pasokh index» را اجرا کنید.", "run `pasokh index` first.")
EMPTY_INDEX_READER_HINT = ("به‌زودی مقاله‌ها افزوده می‌شوند.", "Articles will be added soon.")


def reason_text(reason: Reason, lang: Lang = Lang.FA) -> str:
    """Why there is no quote, in one sentence."""
    fa, en = _REASONS.get(reason, _REASONS[Reason.NO_MATCH])
    return fa if lang is Lang.FA else en


def truncated_text(limit: int, lang: Lang = Lang.FA) -> str:
    """The note on a question cut to ``limit`` characters."""
    if lang is Lang.FA:
        return f"پرسش بسیار بلند بود و فقط {fa_digits(limit)} نویسهٔ اول آن بررسی شد."
    return f"The question was very long; only its first {limit} characters were used."


def sentence_label(index: int) -> str:
    """``جملهٔ ۳`` in a citation."""
    return f"جملهٔ {fa_digits(index)}"


EMPTY_QUESTION = "پرسش خالی است؛ یک پرسش بنویسید. (empty question)"
ASK_PROMPT = "پرسش> "
ASK_INTRO = "پرسش خود را بنویسید (خروج: Ctrl+D)"
EXIT_WORDS = frozenset({"exit", "quit", "خروج"})
WARNING = "هشدار"
ERROR = "خطا"


# ---- the command line ----------------------------------------------------------------------

CLI_DESCRIPTION = ("پاسخ: پاسخ به پرسش‌های فارسی دربارهٔ مقاله‌های خبری با نقل جمله و منبع "
                   "(answer Persian questions about news articles, with citations)")
PROGRESS_UNIT = "جمله"
PROGRESS_INDEXING = "نمایه‌سازی"
PREPARING_MODEL = "آماده‌سازی مدل همراه (یک بار، حدود ۱۵ ثانیه)… (preparing the bundled model once, ~15 s)"
WAITING_FOR_LOCK = "نمایه‌ساز دیگری در حال کار است؛ منتظر می‌مانم… (another indexer is running; waiting)"
BAD_K = "مقدار -k باید بین ۱ و ۵۰ باشد (k must be 1..50)"


def not_found_path(path: Path) -> str:
    return f"«{path}» پیدا نشد (no such file or folder)"


def not_a_folder(path: Path, option: str | None = None) -> str:
    hint = f"{option} needs a folder" if option else "not a folder"
    return f"«{path}» پوشه نیست ({hint})"


def unreadable_dataset(path: Path, detail: str) -> str:
    return f"«{path}» خوانده نمی‌شود (cannot read dataset): {detail}"


def unreadable_questions(path: str, detail: str) -> str:
    return f"«{path}» خوانده نمی‌شود (cannot read the questions file): {detail}"


def duplicate_file(path: str, twin: str) -> str:
    return f"تکراری: «{path}» همان متن «{twin}» است و دوباره نمایه نشد."


def index_summary(*, added: int, updated: int, unchanged: int, removed: int, sentences: int,
                  seconds: float, data_dir: Path) -> str:
    """The last line of ``pasokh index``."""
    return (f"نمایه به‌روز شد: {fa_digits(added)} مقالهٔ تازه، {fa_digits(updated)} به‌روزشده، "
            f"{fa_digits(unchanged)} بی‌تغییر، {fa_digits(removed)} حذف‌شده، {fa_digits(sentences)} جمله "
            f"در {fa_number(seconds)} ثانیه. ({data_dir})")


_REEMBEDDED = {
    "rebuild": "همهٔ مقاله‌ها با مدل کنونی دوباره جاسازی شدند.",
    "passage_format": "قالب متن جاسازی‌شده در این نسخه عوض شده بود؛ همهٔ مقاله‌ها دوباره جاسازی شدند.",
    "snapshot_missing": "پروندهٔ بردارهای نمایه پیدا نشد؛ همهٔ مقاله‌ها از متن ذخیره‌شده دوباره جاسازی شدند.",
}


def reembedded_note(reason: str) -> str:
    """Why every article was embedded again (``IndexReport.reembedded``)."""
    return _REEMBEDDED[reason]


def watch_report(*, generation: int, added: int, updated: int, removed: int, errors: int) -> str:
    return (f"نمایه به‌روز شد (نسل {fa_digits(generation)}): {fa_digits(added)} تازه، {fa_digits(updated)} "
            f"به‌روزشده، {fa_digits(removed)} حذف‌شده، {fa_digits(errors)} خطا")


def watching(folder: Path) -> str:
    return f"در حال پاییدن «{folder}» (watching; Ctrl+C to stop)"


def removed_article(article_id: str) -> str:
    return f"حذف شد: {article_id}"


def no_index_status(data_dir: Path) -> str:
    return f"هنوز نمایه‌ای نیست (no index yet) — پوشهٔ داده: {data_dir}"


def status_lines(*, articles: int, sentences: int, model: str | None, generation: int, size_mb: float,
                 data_dir: Path) -> str:
    return (f"مقاله‌ها (articles): {articles}\nجمله‌ها (sentences): {sentences}\n"
            f"مدل (model): {model or '-'}\nنسل نمایه (generation): {generation}\n"
            f"حجم نمایه (index size): {size_mb:.1f} MB\nپوشهٔ داده (data dir): {data_dir}")


def consistency_text(consistency) -> str:
    """``pasokh status --check`` (``consistency.Consistency``)."""
    if consistency.ok:
        return f"بررسی: سالم — نمایه و {fa_digits(consistency.sentences)} جملهٔ آن با هم می‌خوانند. (check: ok)"
    problems = []
    if not consistency.snapshot_readable:
        problems.append(_bilingual("پروندهٔ بردارهای نمایه نیست یا خوانده نمی‌شود", "snapshot missing or unreadable"))
    if consistency.missing_vectors:
        problems.append(_bilingual(f"{fa_digits(consistency.missing_vectors)} جمله بردار ندارد",
                                   f"{consistency.missing_vectors} sentences have no vector"))
    if consistency.stray_vectors:
        problems.append(_bilingual(f"{fa_digits(consistency.stray_vectors)} بردار بی‌جمله",
                                   f"{consistency.stray_vectors} vectors of no live sentence"))
    if consistency.stray_files:
        problems.append(_bilingual("پرونده‌های نیمه‌کاره: " + "، ".join(consistency.stray_files),
                                   "leftover temporary files"))
    return "بررسی: ناسالم (check failed) — " + "؛ ".join(problems) + \
        " — «pasokh index --rebuild» نمایه را از متن‌ها دوباره می‌سازد."


def article_line(article_id: str, sentences: int, title: str, source: str) -> str:
    return f"{article_id}\t{fa_digits(sentences)} جمله\t{title}" + (f" — {source}" if source else "")


# ---- errors --------------------------------------------------------------------------------

def _bilingual(fa: str, en: str) -> str:
    return f"{fa} ({en})"


_ARTICLE_PROBLEMS: dict[ArticleProblem, tuple[str, str]] = {
    ArticleProblem.NOT_FOUND: ("پرونده پیدا نشد یا پرونده نیست", "file not found or not a regular file"),
    ArticleProblem.UNREADABLE: ("پرونده خوانده نشد", "cannot read file: {reason}"),
    ArticleProblem.BAD_NAME: ("نام پرونده متن معتبری نیست", "the file name is not valid text"),
    ArticleProblem.BAD_SUFFIX: ("پسوند «{suffix}» پشتیبانی نمی‌شود؛ فقط {supported_fa}",
                                "unsupported file type; use one of {supported_en}"),
    ArticleProblem.TOO_LARGE: ("پرونده بزرگ‌تر از حد مجاز است ({size} بایت؛ حداکثر {limit})",
                               "file too large: {size:,} bytes, limit {limit:,}"),
    ArticleProblem.UTF16: ("پرونده UTF-16 است؛ آن را با UTF-8 ذخیره کنید", "file is UTF-16; save it as UTF-8"),
    ArticleProblem.BINARY: ("پرونده دودویی است، نه متن", "binary file (contains NUL bytes)"),
    ArticleProblem.NOT_UTF8: ("پرونده با UTF-8 خوانده نمی‌شود", "not valid UTF-8 at byte {byte}"),
    ArticleProblem.BAD_TEXT: ("متن پرونده نویسه‌های نامعتبر دارد", "the text holds invalid characters"),
    ArticleProblem.EMPTY: ("متن مقاله خالی است", "the article text is empty"),
    ArticleProblem.FRONT_MATTER_UNCLOSED: ("سرآیند YAML با --- بسته نشده است",
                                           "front matter opened with --- is never closed"),
    ArticleProblem.BAD_YAML: ("سرآیند YAML نامعتبر است", "malformed YAML front matter: {reason}"),
    ArticleProblem.YAML_NOT_MAPPING: ("سرآیند YAML باید کلید و مقدار باشد", "front matter must be a mapping"),
    ArticleProblem.BAD_JSON: ("JSON نامعتبر است (سطر {line_fa}، ستون {column_fa})",
                              "malformed JSON: {reason} at line {line} column {column}"),
    ArticleProblem.JSON_TOO_DEEP: ("JSON بیش از حد تودرتو است", "JSON nested too deeply"),
    ArticleProblem.JSON_NOT_OBJECT: ("JSON باید یک شیء باشد", "JSON must be an object"),
    ArticleProblem.JSON_NO_TEXT: ("فیلد «text» با متن ناخالی در JSON نیست", "JSON has no non-empty string field 'text'"),
    ArticleProblem.METADATA_NOT_TEXT: ("مقدار «{key}» در فراداده باید متن باشد", "metadata field '{key}' must be text"),
    ArticleProblem.METADATA_UNREADABLE: ("پرونده فراداده خوانده نشد", "cannot read metadata: {reason}"),
    ArticleProblem.DUPLICATE_ID: ("شناسهٔ «{article_id}» تکراری است", "duplicate id in this run"),
    ArticleProblem.ID_CLAIMED: ("شناسهٔ «{article_id}» از آنِ «{other_path}» است؛ برای این پرونده سطر id: بنویسید "
                                "یا نامش را عوض کنید",
                                "id already used by another file; add an id: header or rename"),
    ArticleProblem.NO_SENTENCES: ("جمله‌ای در متن پیدا نشد", "no sentences found"),
    ArticleProblem.UNKNOWN_ID: ("شناسهٔ «{article_id}» در نمایه نیست", "no such article"),
    ArticleProblem.FOLDER_UNREADABLE: ("پوشه خوانده نشد", "cannot read folder: {reason}"),
    ArticleProblem.LINK_LOOP: ("پیوند نمادین به خودش برمی‌گردد", "symbolic link loop"),
}


def article_problem_text(error: ArticleError) -> str:
    """What is wrong with one article, without the file name: ``فارسی (English)``."""
    fa, en = _ARTICLE_PROBLEMS[error.problem]
    details = dict(error.details)
    supported = details.get("supported", ())
    details.update(
        suffix=details.get("suffix") or "—",
        supported_fa=" ".join(supported), supported_en=", ".join(supported),
        line_fa=fa_digits(details.get("line", "")), column_fa=fa_digits(details.get("column", "")),
    )
    fa_details = {**details, **{k: fa_digits(f"{v:,}") for k, v in details.items()
                                if k in ("size", "limit") and isinstance(v, int)}}
    return _bilingual(fa.format(**fa_details), en.format(**details))


def article_error_text(error: ArticleError) -> str:
    """``«file name»: فارسی (English)``"""
    return f"«{error.name}»: {article_problem_text(error)}"


def error_text(error: BaseException, audience: Audience = Audience.CLI) -> str:
    """One line for an error the front ends report instead of a traceback."""
    if isinstance(error, ArticleError):
        return article_error_text(error)
    if isinstance(error, NoIndexError):
        if audience is Audience.READER:
            return reason_text(Reason.EMPTY_INDEX) + " " + EMPTY_INDEX_READER_HINT[0]
        return (f"هنوز نمایه‌ای در «{error.data_dir}» نیست؛ اول «pasokh index» را اجرا کنید. "
                "(no index yet: run `pasokh index`)")
    if isinstance(error, ModelMismatchError):
        return (f"این نمایه با مدل «{error.index_model}» ساخته شده، نه «{error.asked_model}». "
                f"با همان مدل بپرسید یا دوباره نمایه بسازید: pasokh --model {error.asked_model} index --rebuild\n"
                f"(index built with {error.index_model}; asked with {error.asked_model}: re-index with the new model)")
    if isinstance(error, IndexLockedError):
        return _bilingual("نمایه‌ساز دیگری در حال کار است؛ بعداً دوباره اجرا کنید",
                          "another indexer holds the lock")
    if isinstance(error, StoreError):
        return _store_error_text(error)
    if isinstance(error, ModelLoadError):
        return (f"مدل «{error.model}» بارگیری نشد (cannot load model {error.model!r}): {error.detail}. "
                "Without network access only the bundled model and local model folders work.")
    if isinstance(error, SettingError):
        return _bilingual(f"تنظیم نادرست: {error.name}={error.value}؛ مقدارهای مجاز: {'، '.join(error.allowed)}",
                          f"bad setting {error.name}={error.value!r}: use one of {', '.join(error.allowed)}")
    return _bilingual("خطای پیش‌بینی‌نشده", f"{type(error).__name__}: {error}")


def _store_error_text(error: StoreError) -> str:
    if error.problem is StoreProblem.NEWER_SCHEMA:
        return _bilingual(f"پوشهٔ داده «{error.path.parent}» با نسخهٔ تازه‌تری از پاسخ ساخته شده است؛ پاسخ را به‌روز کنید",
                          f"{error.path} was written by a newer Pasokh ({error.detail}); upgrade Pasokh")
    if error.problem is StoreProblem.SNAPSHOT_UNREADABLE:
        return _bilingual("پروندهٔ بردارهای نمایه خوانده نمی‌شود؛ «pasokh index --rebuild» همه را دوباره می‌سازد",
                          f"snapshot {error.path.name} cannot be read ({error.detail}); "
                          "run `pasokh index --rebuild`")
    if error.problem is StoreProblem.DISK_FULL:
        return _bilingual(f"فضای دیسک در «{error.path}» پر است؛ نمایهٔ پیشین دست‌نخورده ماند. پس از آزاد کردن فضا "
                          "دوباره اجرا کنید", "no space left on the device; the previous index is intact")
    return _bilingual(f"پوشهٔ داده «{error.path}» خوانده نمی‌شود",
                      f"data directory unreadable: {error.detail or error.path}")


def setting_warning_text(warning: SettingWarning) -> str:
    """A warning about the settings, shown once at start."""
    d = warning.details
    if warning.kind is WarningKind.NOT_A_NUMBER:
        return _bilingual(f"{d['name']}={d['value']} عدد معتبری نیست؛ مقدار پیش‌فرض به کار می‌رود",
                          f"{d['name']}={d['value']!r} is not a number >= {d['minimum']}; using {d['default']}")
    if warning.kind is WarningKind.BAD_ADMIN_ID:
        return _bilingual(f"شناسهٔ «{d['value']}» در PASOKH_ADMIN_IDS عددی نیست و نادیده گرفته شد",
                          f"PASOKH_ADMIN_IDS: ignoring {d['value']!r} (not a numeric Telegram user id)")
    return _bilingual(f"پروندهٔ «{d['path']}» توکن ربات را دارد و دیگران هم می‌توانند آن را بخوانند؛ "
                      f"«chmod 600 {d['path']}» را اجرا کنید",
                      f"{d['path']} holds the bot token and is readable by others (mode {d['mode']}): chmod 600 it")


# ---- Telegram: readers ---------------------------------------------------------------------

COMMAND_MENU = {
    "start": "شروع و معرفی ربات",
    "help": "راهنمای پرسیدن",
    "sources": "فهرست مقاله‌های نمایه‌شده",
    "about": "دربارهٔ پاسخ",
}
ADMIN_COMMAND_MENU = {
    "stats": "آمار پرسش‌ها و پاسخ‌ها (مدیران)",
    "reload": "خواندن دوبارهٔ نمایه (مدیران)",
    "add": "افزودن مقاله با متن یا پرونده (مدیران)",
    "remove": "حذف مقاله با شناسه (مدیران)",
}
MORE_LABEL = "نتایج بیشتر"
CONTEXT_LABEL = "متن پیرامون"
UNKNOWN_SOURCE = "منبع نامشخص"
SOURCES_TITLE = "مقاله‌های نمایه‌شده"
HELP_TITLE = "راهنمای پاسخ"
ABOUT_TITLE = "دربارهٔ پاسخ"
STATS_TITLE = "آمار پاسخ"

BOT_TEXTS = {
    "admin_only": "این دستور فقط برای مدیران ربات است؛ برای پرسیدن، پرسش خود را بنویسید.",
    "error": "متأسفم، در پاسخ به این پیام مشکلی پیش آمد. لطفاً کمی بعد دوباره امتحان کنید.",
    "stale_question": "پرسش اصلی دیگر در دسترس نیست؛ لطفاً پرسش را دوباره بفرستید.",
    "no_more": "نتیجهٔ دیگری نیست.",
    "stale_sentence": "این جمله دیگر در نمایه نیست (نمایه به‌روز شده است)؛ پرسش را دوباره بفرستید.",
    "unknown_button": "این دکمه دیگر کار نمی‌کند؛ پرسش را دوباره بفرستید.",
    "empty_index": reason_text(Reason.EMPTY_INDEX) + " " + EMPTY_INDEX_READER_HINT[0],
}


def welcome_text(articles: int, example: str | None, newest_title: str | None) -> str:
    """/start."""
    text = (f"سلام! من «پاسخ» هستم و به پرسش‌های فارسی دربارهٔ {fa_digits(articles)} مقالهٔ خبری "
            "نمایه‌شده، با نقل جمله‌های خود مقاله‌ها و ذکر منبع، پاسخ می‌دهم.\n\n"
            "کافی است پرسش خود را بنویسید")
    text += f"؛ مثلاً:\n«{example}»" if example else "."
    if newest_title:
        text += f"\n\nتازه‌ترین مقاله: «{newest_title}»"
    return text + "\n\nراهنما: /help — فهرست مقاله‌ها: /sources"


def help_lines(mention: str, max_question_chars: int, rate_limit: int) -> list[str]:
    """/help, one bullet a line (``mention`` is already ``@name`` or a placeholder)."""
    return [
        f"• پرسش خود را به فارسی بنویسید (تا {fa_digits(max_question_chars)} نویسه). پاسخ، جمله‌هایی "
        "از خود مقاله‌هاست، با نام مقاله، منبع و شمارهٔ جمله.",
        f"• «{MORE_LABEL}»: جمله‌های مرتبط بعدی. «{CONTEXT_LABEL}»: جمله‌های پیش و پس از جملهٔ نقل‌شده.",
        f"• در گروه‌ها: مرا با {mention} صدا بزنید یا به پیام من پاسخ دهید.",
        f"• هر کاربر حداکثر {fa_digits(rate_limit)} پرسش در دقیقه.",
    ]


HELP_COMMANDS = "دستورها: /start /help /sources /about"
BOT_NAME_PLACEHOLDER = "نام ربات"


def about_text(articles: int, sentences: int) -> tuple[str, str]:
    """/about: (what Pasokh does, the index size line)."""
    return ("پاسخ متن تازه نمی‌سازد: فقط جمله‌هایی از مقاله‌های نمایه‌شده را بی‌تغییر و با منبع نقل می‌کند. "
            "پرسش با مدل multilingual-e5-small روی همین سرور با جمله‌ها سنجیده می‌شود و اگر هیچ جمله‌ای به اندازهٔ "
            "کافی مرتبط نباشد، پاسخی نمی‌دهد.",
            f"نمایه: {fa_digits(articles)} مقاله، {fa_digits(sentences)} جمله.")


def sources_details(source: str | None, published: str | None, sentences: int) -> list[str]:
    """The details under one article in /sources (already plain text)."""
    details = [source or UNKNOWN_SOURCE]
    if published:
        details.append(f"تاریخ: {fa_digits(published)}")
    details.append(f"{fa_digits(sentences)} جمله")
    return details


def more_articles(count: int) -> str:
    return f"و {fa_digits(count)} مقالهٔ دیگر."


def rate_limited_text(limit: int, retry_after: float) -> str:
    """The polite refusal when a user asks too often."""
    return (f"کمی آهسته‌تر، لطفاً! هر کاربر حداکثر {fa_digits(limit)} پرسش در دقیقه می‌تواند بفرستد؛ "
            f"حدود {fa_digits(max(1, round(retry_after)))} ثانیهٔ دیگر دوباره بپرسید.")


def milliseconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{fa_digits(round(seconds * 1000))} میلی‌ثانیه"


REASON_LABELS = {
    Reason.NO_MATCH: "پاسخی در مقاله‌ها نبود",
    Reason.NOT_A_QUESTION: "پرسش نبود",
    Reason.EMPTY_INDEX: "نمایه خالی بود",
}


def stats_lines(snapshot, generation: int, articles: int, sentences: int) -> list[str]:
    """/stats for admins (``snapshot`` is a ``limits.StatsSnapshot``)."""
    reasons = "، ".join(f"{REASON_LABELS.get(reason, reason)}: {fa_digits(count)}"
                        for reason, count in sorted(snapshot.abstention_reasons.items()))
    return [
        f"پرسش‌ها: {fa_digits(snapshot.questions)} — پاسخ‌داده: {fa_digits(snapshot.answered)}، "
        f"بی‌پاسخ: {fa_digits(snapshot.abstentions)}" + (f" ({reasons})" if reasons else ""),
        f"زمان پاسخ: میانه {milliseconds(snapshot.p50)}، صدک ۹۵: {milliseconds(snapshot.p95)}",
        f"محدودشده: {fa_digits(snapshot.rate_limited)}، خطا: {fa_digits(snapshot.errors)}",
        f"نمایه: نسل {fa_digits(generation)}، {fa_digits(articles)} مقاله، {fa_digits(sentences)} جمله",
        f"مدت کار: {fa_digits(round(snapshot.uptime / 60))} دقیقه",
    ]


def reload_text(generation: int, articles: int, sentences: int) -> str:
    return (f"نمایه دوباره خوانده شد: نسل {fa_digits(generation)}، "
            f"{fa_digits(articles)} مقاله، {fa_digits(sentences)} جمله.")


def reload_failed(error: BaseException) -> str:
    return f"بارگذاری دوبارهٔ نمایه ممکن نشد: {error_text(error, Audience.EDITOR)}"


# ---- Telegram: editors ---------------------------------------------------------------------

EDITOR_TEXTS = {
    "add_usage": "برای افزودن مقاله، متن آن را پس از /add بفرستید (سطرهای اختیاری title: و source: در آغاز)، "
                 "یا پروندهٔ ‎.txt، ‎.md یا ‎.json را بفرستید.",
    "bad_suffix": "فقط پرونده‌های ‎.txt، ‎.md و ‎.json پذیرفته می‌شوند.",
    "too_large": "پرونده بزرگ‌تر از حد مجاز است.",
    "indexing": "در حال نمایه‌سازی…",
    "unchanged": "این مقاله پیش‌تر با همین متن نمایه شده است.",
    "remove_usage": "شناسهٔ مقاله را پس از /remove بنویسید؛ شناسه‌ها را با /sources ببینید.",
}


def upload_duplicate(twin_id: str) -> str:
    return f"همین متن پیش‌تر با شناسهٔ «{twin_id}» نمایه شده است؛ دوباره افزوده نشد."


def upload_unchanged(article_id: str) -> str:
    return EDITOR_TEXTS["unchanged"] + f" (شناسه: {article_id})"


def upload_done(*, updated: bool, article_id: str, title: str, sentences: int) -> str:
    verb = "به‌روز شد" if updated else "افزوده شد"
    return (f"مقاله {verb}.\nشناسه: {article_id}\nعنوان: {title}\n"
            f"جمله‌ها: {fa_digits(sentences)}\nاکنون همه می‌توانند دربارهٔ آن بپرسند.")


# ---- Telegram: starting the bot ------------------------------------------------------------

def telegram_start_error(error: BaseException) -> str:
    """Why ``pasokh bot`` could not start (``run.MissingTokenError`` / ``run.BotStartError``)."""
    kind = getattr(error, "kind", "missing_token")
    detail = getattr(error, "detail", "")
    if kind == "missing_token":
        return ("توکن ربات تعریف نشده است؛ آن را در متغیر محیطی TELEGRAM_BOT_TOKEN یا فایل .env بگذارید. "
                "(no bot token: set TELEGRAM_BOT_TOKEN in the environment or in .env)")
    if kind == "bad_webhook_secret":
        return ("TELEGRAM_WEBHOOK_SECRET فقط می‌تواند حرف و رقم لاتین، _ و - داشته باشد (۱ تا ۲۵۶ نویسه). "
                "(the webhook secret may only contain A-Z, a-z, 0-9, _ and -, 1-256 characters)")
    if kind == "invalid_token":
        return ("تلگرام توکن ربات را نپذیرفت؛ TELEGRAM_BOT_TOKEN را بررسی کنید. "
                "(Telegram rejected the bot token)")
    if kind == "network":
        return f"به سرور Bot API دسترسی نیست (cannot reach the Bot API): {detail}"
    return f"راه‌اندازی ربات ممکن نشد (cannot start the bot): {detail}"
