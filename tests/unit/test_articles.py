"""Reading article files: formats, metadata, errors and discovery."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pasokh.bot import messages
from pasokh.retrieval import articles
from pasokh.retrieval.errors import ArticleError
from pasokh.retrieval.articles import (
    Article,
    discover_article_files,
    parse_article_bytes,
    read_article,
)

from tests.helpers.paths import SEEDS  # noqa: E402
SEED = SEEDS / "000_040e5e524f598d68.txt"
BODY = "کره شمالی حدود ۶۷۰۰ کانتینر به روسیه فرستاد.\n\nشین گفت این کانتینرها حامل گلوله هستند.\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def said(error: ArticleError) -> str:
    """What the front ends show for ``error``."""
    return messages.error_text(error)


def error_for(path: Path) -> ArticleError:
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    return caught.value


# ---- the seed ---------------------------------------------------------------


def test_seed_reads_with_its_sidecar_metadata() -> None:
    article = read_article(SEED)
    raw = SEED.read_bytes()
    assert article.text == raw.decode("utf-8")
    assert article.content_hash == hashlib.sha256(raw).hexdigest()
    assert article.article_id == "040e5e524f598d68"
    assert article.source == "اکوایران (به نقل از بلومبرگ)"
    assert "کره شمالی" in article.title and "روسیه" in article.title
    assert article.url is None and article.published is None
    assert article.language == "fa"
    assert article.path == str(SEED)


def test_seed_sidecar_is_valid_json_with_the_expected_keys() -> None:
    meta = json.loads((SEEDS / "000_040e5e524f598d68.meta.json").read_text(encoding="utf-8"))
    assert set(meta) == {"id", "title", "source", "url", "published", "language"}
    assert "کره شمالی" in meta["title"] and "گلوله توپخانه" in meta["title"]


# ---- formats ----------------------------------------------------------------


def test_plain_txt_without_metadata_uses_defaults(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "news-1.txt", BODY))
    assert article == Article(
        article_id="news-1",
        title="کره شمالی حدود ۶۷۰۰ کانتینر به روسیه فرستاد.",
        source="",
        url=None,
        published=None,
        language="fa",
        text=BODY,
        path=str(tmp_path / "news-1.txt"),
        content_hash=hashlib.sha256(BODY.encode("utf-8")).hexdigest(),
    )


def test_txt_header_is_parsed_and_removed(tmp_path: Path) -> None:
    header = "Title: محموله‌های مهمات\nsource: بلومبرگ\nURL: https://example.com/a\nid: kn-42\n\n"
    article = read_article(write(tmp_path / "x.txt", header + BODY))
    assert article.text == BODY
    assert (article.title, article.source, article.url, article.article_id) == (
        "محموله‌های مهمات",
        "بلومبرگ",
        "https://example.com/a",
        "kn-42",
    )


def test_txt_header_needs_a_key_on_the_first_line_and_a_blank_line(tmp_path: Path) -> None:
    not_first = "مقدمه\ntitle: عنوان\n\n" + BODY
    assert read_article(write(tmp_path / "a.txt", not_first)).text == not_first
    no_blank = "title: عنوان\n" + BODY
    assert read_article(write(tmp_path / "b.txt", no_blank)).text == no_blank


def test_header_wins_over_sidecar_and_sidecar_fills_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", "title: از سرآیند\n\n" + BODY)
    write(tmp_path / "story.meta.json", json.dumps({"title": "از فایل جانبی", "source": "رویترز", "id": "s1"}))
    article = read_article(path)
    assert article.title == "از سرآیند"
    assert article.source == "رویترز"
    assert article.article_id == "s1"


def test_crlf_and_bom_are_normalized(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + "خط اول.\r\nخط دوم.\rخط سوم.\r\n".encode("utf-8")
    article = read_article(write(tmp_path / "crlf.txt", raw))
    assert article.text == "خط اول.\nخط دوم.\nخط سوم.\n"


def test_markdown_front_matter(tmp_path: Path) -> None:
    md = "---\ntitle: گزارش بلومبرگ\npublished: 2024-02-27\nid: 7\n---\n# عنوان داخل متن\n\n" + BODY
    article = read_article(write(tmp_path / "report.md", md))
    assert article.text == "# عنوان داخل متن\n\n" + BODY
    assert article.title == "گزارش بلومبرگ"
    assert article.published == "2024-02-27"  # YAML reads it as a date
    assert article.article_id == "7"


def test_markdown_without_front_matter_titles_from_heading(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "plain.md", "# کمک نظامی به کیف\n\n" + BODY))
    assert article.title == "کمک نظامی به کیف"
    assert article.text.startswith("# کمک نظامی")


def test_json_article(tmp_path: Path) -> None:
    obj = {"text": BODY, "title": "عنوان", "source": "ایسنا", "language": "fa", "id": "j-1", "extra": 1}
    article = read_article(write(tmp_path / "a.json", json.dumps(obj, ensure_ascii=False)))
    assert (article.text, article.title, article.source, article.article_id) == (BODY, "عنوان", "ایسنا", "j-1")


def test_parse_bytes_without_a_file() -> None:
    article = parse_article_bytes(BODY.encode("utf-8"), "upload.txt")
    assert article.path is None and article.article_id == "upload" and article.text == BODY


def test_ids_fall_back_to_a_short_ascii_hash(tmp_path: Path) -> None:
    article = read_article(write(tmp_path / "خبر کره.txt", BODY))
    expected = "a" + hashlib.sha256("خبر کره".encode("utf-8")).hexdigest()[:15]
    assert article.article_id == expected and len(expected) == 16
    bad_meta_id = read_article(write(tmp_path / "ok_name.txt", "id: شناسه فارسی\n\n" + BODY))
    assert bad_meta_id.article_id == "ok_name"


def test_long_first_line_title_is_cut_on_a_word(tmp_path: Path) -> None:
    line = "ولودیمیر زلنسکی رئیسجمهور اوکراین میگوید که علاوه بر شکست آمریکا در انجام تعهداتش اتحادیه اروپا تنها بخشی را ارسال کرده است."
    article = read_article(write(tmp_path / "long.txt", line + "\n"))
    assert len(article.title) <= 80
    assert article.title.endswith("…")
    assert line.startswith(article.title[:-1])
    assert line[len(article.title) - 1] == " "  # cut at a word boundary


# ---- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "english"),
    [
        ("latin1.txt", "café crème brûlée".encode("latin-1"), "not valid UTF-8"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("utf16.txt", "سلام".encode("utf-16"), "UTF-16"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", " \n\r\n\t\n", "empty"),
        ("header-only.txt", "title: فقط عنوان\n\n\n", "empty"),
        ("broken.json", '{"text": "سلام",', "malformed JSON"),
        ("no-text.json", '{"title": "بدون متن"}', "no non-empty string field 'text'"),
        ("list.json", '["text"]', "must be an object"),
        ("numeric-text.json", '{"text": 5}', "no non-empty string field 'text'"),
        ("bad-yaml.md", "---\ntitle: [unclosed\n---\nمتن", "malformed YAML"),
        ("open-yaml.md", "---\ntitle: x\nمتن بدون پایان", "never closed"),
        ("notes.docx", "متن", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_article_error_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes, english: str
) -> None:
    error = error_for(write(tmp_path / name, content))
    assert said(error).startswith(f"«{name}»: ")
    assert english in said(error)
    assert error.path == str(tmp_path / name)


def test_too_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real 5 MB file would work too; a smaller limit keeps the test fast.
    monkeypatch.setattr(articles, "MAX_ARTICLE_BYTES", 1000)
    path = write(tmp_path / "big.txt", "کره " * 300)
    assert "too large" in said(error_for(path))
    with pytest.raises(ArticleError) as caught:
        parse_article_bytes(path.read_bytes(), "big.txt")
    assert "too large" in said(caught.value)


def test_missing_file_and_bad_sidecar(tmp_path: Path) -> None:
    assert "not found" in said(error_for(tmp_path / "gone.txt"))
    path = write(tmp_path / "s.txt", BODY)
    write(tmp_path / "s.meta.json", "{not json")
    error = error_for(path)
    assert said(error).startswith("«s.meta.json»: ") and "malformed JSON" in said(error)


def test_persian_message_is_included() -> None:
    with pytest.raises(ArticleError) as caught:
        parse_article_bytes(b"caf\xe9 \xff\xfe au lait", "bad.txt")
    assert said(caught.value).startswith("«bad.txt»: پرونده با UTF-8 خوانده نمی‌شود (not valid UTF-8")


def test_windows_1256_persian_is_read_and_marked() -> None:
    """Persian office files are often Windows-1256: read them, and say so."""
    text = "وزير دفاع كره جنوبي گفت كه كره شمالي 6700 كانتينر فرستاده است."
    article = parse_article_bytes(text.encode("cp1256"), "old.txt")
    assert article.text == text and article.encoding == "cp1256"
    assert parse_article_bytes(text.encode("utf-8"), "new.txt").encoding == "utf-8"


# ---- discovery --------------------------------------------------------------


def test_discovery_walks_sorted_and_skips_junk(tmp_path: Path) -> None:
    keep = ["b.txt", "a.md", "sub/c.json", "sub/deeper/d.TXT"]
    junk = [
        ".hidden.txt", "draft.txt~", "e.txt.swp", "f.tmp", "g.txt.part", "h.crdownload",
        ".#lock.txt", "a.meta.json", "notes.docx", ".git/config.txt", "sub/.cache/x.txt",
    ]
    for name in keep + junk:
        write(tmp_path / name, BODY)
    found = discover_article_files([tmp_path]).files
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.md", "b.txt", "sub/c.json", "sub/deeper/d.TXT"]


def test_discovery_keeps_files_named_directly_and_dedupes(tmp_path: Path) -> None:
    odd = write(tmp_path / "notes.docx", b"x")
    article = write(tmp_path / "a.txt", BODY)
    found = discover_article_files([odd, tmp_path, article, tmp_path / "missing.txt"]).files
    assert found == [odd, article, tmp_path / "missing.txt"]
    assert "unsupported file type" in said(error_for(odd))
