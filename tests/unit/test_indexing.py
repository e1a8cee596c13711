"""Indexing: incremental, idempotent, crash-safe, locked; bad files reported."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.paths import REPO, SEED_FILE, SEED_ID
from pasokh.bot import messages
from pasokh.retrieval.errors import IndexLockedError, ModelMismatchError, StoreError
from pasokh.retrieval.index_lock import IndexLock
from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.search import Searcher
from pasokh.retrieval.store import Store

NEW_ARTICLE = """تهران (خبرگزاری آزمایشی) — شهرداری تهران اعلام کرد که خط ۱۰ متروی پایتخت تا پایان سال ۱۴۰۴ به بهره‌برداری می‌رسد.
به گفته مدیرعامل شرکت مترو، این خط ۴۳ کیلومتر طول و ۳۵ ایستگاه خواهد داشت.

هزینهٔ ساخت این خط حدود ۲۵ هزار میلیارد تومان برآورد شده است. مسافران می‌توانند با کارت بلیت الکترونیک از آن استفاده کنند.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_reindexing_unchanged_articles_does_nothing(fresh_copy, encoder):
    before = Store(fresh_copy)
    generation, counts = before.generation(), before.counts()
    snapshot = before.get_meta("snapshot")
    before.close()
    report = Indexer(fresh_copy, encoder).index_paths([REPO / "seeds"])
    assert report.unchanged == [SEED_ID] and report.sentences_embedded == 0
    after = Store(fresh_copy)
    assert (after.generation(), after.counts(), after.get_meta("snapshot")) == (generation, counts, snapshot)


def test_new_changed_and_pruned_articles(tmp_path, encoder):
    articles = tmp_path / "articles"
    shutil.copy(SEED_FILE, articles / SEED_FILE.name) if articles.exists() else None
    articles.mkdir(exist_ok=True)
    shutil.copy(SEED_FILE, articles / SEED_FILE.name)
    shutil.copy(SEED_FILE.with_suffix(".meta.json"), articles / SEED_FILE.with_suffix(".meta.json").name)
    metro = write(articles / "metro.txt", "title: خط ۱۰ مترو\nsource: آزمایشی\n\n" + NEW_ARTICLE)
    data = tmp_path / "data"
    indexer = Indexer(data, encoder)
    first = indexer.index_paths([articles])
    assert sorted(first.added) == sorted([SEED_ID, "metro"]) and not first.errors

    searcher = Searcher(data, encoder)
    answer = searcher.ask("خط ۱۰ مترو چند ایستگاه دارد؟")
    assert answer.answered and answer.hits[0].article_id == "metro"
    assert any("۳۵ ایستگاه" in h.text for h in answer.hits)

    # the article changes: old sentences go, new ones answer, without re-opening the searcher
    write(metro, "title: خط ۱۰ مترو\nsource: آزمایشی\n\n" + NEW_ARTICLE.replace("۳۵ ایستگاه", "۴۰ ایستگاه"))
    second = indexer.index_paths([articles])
    assert second.updated == ["metro"] and second.unchanged == [SEED_ID]
    answer = searcher.ask("خط ۱۰ مترو چند ایستگاه دارد؟")
    assert any("۴۰ ایستگاه" in h.text for h in answer.hits)
    assert all("۳۵ ایستگاه" not in h.text for h in searcher.ask("خط ۱۰ مترو چند ایستگاه دارد؟", k=10).hits)

    # the same text under another name is indexed once
    shutil.copy(metro, articles / "metro-copy.txt")
    third = indexer.index_paths([articles])
    assert [twin for _, twin in third.duplicates] == ["metro"] and third.sentences_embedded == 0

    # files gone + --prune: removed from the index
    metro.unlink()
    (articles / "metro-copy.txt").unlink()
    fourth = indexer.index_paths([articles], prune=True)
    assert fourth.removed == ["metro"]
    assert [a.article_id for a in searcher.articles()] == [SEED_ID]
    assert not searcher.ask("خط ۱۰ مترو چند ایستگاه دارد؟").answered
    searcher.close()


def test_bad_files_are_reported_and_others_still_index(tmp_path, encoder):
    folder = tmp_path / "in"
    write(folder / "good.txt", NEW_ARTICLE)
    (folder / "cp1256.txt").write_bytes("خبر فوري درباره اقتصاد".encode("cp1256"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 PK\x03\x04")
    write(folder / "empty.md", "")
    write(folder / "broken.json", '{"title": "x", "text": ')
    report = Indexer(tmp_path / "data", encoder).index_paths([folder])
    assert report.added == ["cp1256", "good"]  # a Windows-1256 file is read, and reported as converted
    assert [(Path(f).name, e) for f, e in report.converted] == [("cp1256.txt", "cp1256")]
    failed = sorted(Path(e.path).name for e in report.errors)
    assert failed == ["binary.txt", "broken.json", "empty.md"]
    assert all(Path(e.path).name in str(e) for e in report.errors)


def test_remove_article(fresh_copy, encoder):
    report = Indexer(fresh_copy, encoder).remove([SEED_ID, "nope"])
    assert report.removed == [SEED_ID] and len(report.errors) == 1
    store = Store(fresh_copy)
    assert store.counts() == (0, 0)


def test_other_model_is_refused(fresh_copy):
    from pasokh.embeddings.encoder import Encoder

    class OtherModel(Encoder):
        @property
        def model_id(self) -> str:
            return "someone/else"

    folder = fresh_copy.parent / "more"
    write(folder / "metro.txt", NEW_ARTICLE)
    with pytest.raises(ModelMismatchError, match="re-index"):
        Indexer(fresh_copy, OtherModel()).index_paths([folder])
    with pytest.raises(ModelMismatchError, match="re-index"):
        Searcher(fresh_copy, OtherModel()).ask("کره شمالی چند کانتینر فرستاد؟")


def test_second_indexer_waits_or_refuses(fresh_copy):
    holder = IndexLock(fresh_copy)
    holder.acquire(wait=False)
    try:
        with pytest.raises(IndexLockedError):
            IndexLock(fresh_copy).acquire(wait=False)
        # a second process asked not to wait exits non-zero with a clear message
        done = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                               "index", "--no-wait", str(REPO / "seeds")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and "another indexer" in done.stderr
    finally:
        holder.release()


def test_newer_schema_is_refused(fresh_copy):
    import sqlite3

    db = sqlite3.connect(fresh_copy / "pasokh.sqlite3")
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(fresh_copy)


def _make_articles(folder: Path, count: int) -> None:
    sentences = [s.strip() for s in SEED_FILE.read_text(encoding="utf-8").replace("\n", " ").split(".") if s.strip()]
    for n in range(count):
        body = ". ".join(sentences[(n + i) % len(sentences)] + f" (گزارش {n}-{i})" for i in range(12)) + "."
        write(folder / f"bulk-{n:03d}.txt", f"title: گزارش آزمایشی {n}\nsource: آزمون\n\n{body}\n")


def test_sigkill_during_indexing_keeps_previous_snapshot(fresh_copy, encoder):
    folder = fresh_copy.parent / "bulk"
    _make_articles(folder, 60)
    # publish a generation every second, so the kill lands after partial work was committed
    env = dict(os.environ, PASOKH_THREADS="1", PASOKH_COMMIT_SECONDS="1")
    process = subprocess.Popen([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                                "index", "--quiet", str(folder)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store(fresh_copy)
    start_generation, deadline = store.generation(), time.monotonic() + 120
    while store.generation() < start_generation + 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    store.close()
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the indexer finished before it could be killed"

    searcher = Searcher(fresh_copy, encoder)
    answer = searcher.ask("کره شمالی چند کانتینر به روسیه فرستاده است؟")
    assert answer.answered and answer.hits[0].article_id in {SEED_ID} | {f"bulk-{n:03d}" for n in range(60)}
    searcher.close()

    report = Indexer(fresh_copy, encoder).index_paths([folder])
    assert not report.errors
    store = Store(fresh_copy)
    assert store.counts()[0] == 61
    store.close()


def test_switching_model_needs_rebuild(fresh_copy, encoder):
    """A local model path is another model: asking says to re-index; --rebuild re-embeds everything."""
    local_model = encoder.model_path()  # the prepared directory, used as a plain sentence-transformers path
    asked = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                            "--model", local_model, "ask", "کره شمالی چند کانتینر فرستاد؟"],
                           capture_output=True, text=True, timeout=300, cwd=REPO)
    assert asked.returncode == 1 and "re-index" in asked.stderr and "Traceback" not in asked.stderr
    rebuilt = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                              "--model", local_model, "index", "--rebuild", "--json", str(REPO / "seeds")],
                             capture_output=True, text=True, timeout=300, cwd=REPO)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["updated"] == [SEED_ID]
    answered = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                               "--model", local_model, "ask", "--json",
                               "کره شمالی چند کانتینر به روسیه فرستاده است؟"],
                              capture_output=True, text=True, timeout=300, cwd=REPO)
    result = json.loads(answered.stdout)
    assert result["answered"] and "۶۷۰۰" in result["results"][0]["text"]
    store = Store(fresh_copy)
    assert store.get_meta("model_id") == local_model and store.counts() == (1, 14)
    store.close()


def test_changed_passage_format_re_embeds_everything(fresh_copy, encoder):
    store = Store(fresh_copy)
    with store.transaction():
        store.set_meta("passage_format", "sentence/0")  # as written by an older Pasokh
    generation = store.generation()
    store.close()
    report = Indexer(fresh_copy, encoder).index_paths([REPO / "seeds"])
    assert report.updated == [SEED_ID] and report.sentences_embedded == 14
    store = Store(fresh_copy)
    from pasokh.retrieval.passages import PASSAGE_FORMAT

    assert store.get_meta("passage_format") == PASSAGE_FORMAT and store.generation() == generation + 1
    store.close()
    again = Indexer(fresh_copy, encoder).index_paths([REPO / "seeds"])
    assert again.sentences_embedded == 0


def test_ids_are_never_reused_after_a_purge(tmp_path, encoder):
    folder = tmp_path / "in"
    write(folder / "x.txt", NEW_ARTICLE)
    write(folder / "y.txt", "title: باران\n\nامروز در تبریز باران شدیدی بارید. مدارس تعطیل نشدند.\n")
    indexer = Indexer(tmp_path / "data", encoder)
    indexer.index_paths([folder])
    store = Store(tmp_path / "data")
    y_key = next(a.key for a in store.live_articles() if a.article_id == "y")
    old_ids = set(store.sentence_ids_of(y_key))
    indexer.remove(["y"])
    indexer.remove(["x"])  # a second generation purges y's rows
    write(tmp_path / "z" / "z.txt", "title: برف\n\nدر اردبیل برف بارید. جاده‌ها بسته شد.\n")
    indexer.index_paths([tmp_path / "z"])
    z_key = next(a.key for a in store.live_articles() if a.article_id == "z")
    assert not old_ids & set(store.sentence_ids_of(z_key))
    assert store.sentences_by_ids(old_ids) == {}  # an old button's id finds nothing, not z
    store.close()


def test_metadata_change_is_an_update(tmp_path, encoder):
    article = write(tmp_path / "in" / "m.txt", "title: عنوان اول\nsource: الف\n\n" + NEW_ARTICLE)
    indexer = Indexer(tmp_path / "data", encoder)
    indexer.index_paths([article.parent])
    write(article, "title: عنوان دوم\nsource: الف\n\n" + NEW_ARTICLE)
    report = indexer.index_paths([article.parent])
    assert report.updated == ["m"]
    store = Store(tmp_path / "data")
    assert [a.title for a in store.live_articles()] == ["عنوان دوم"]
    store.close()


def test_same_file_name_in_another_folder_is_not_silently_replaced(tmp_path, encoder):
    write(tmp_path / "a" / "story.txt", NEW_ARTICLE)
    write(tmp_path / "b" / "story.txt", "title: دیگر\n\nخبری کاملاً متفاوت دربارهٔ کشاورزی در خوزستان.\n")
    indexer = Indexer(tmp_path / "data", encoder)
    indexer.index_paths([tmp_path / "a"])
    report = indexer.index_paths([tmp_path / "b"])
    assert not report.updated and len(report.errors) == 1 and "id:" in messages.error_text(report.errors[0])


def test_missing_snapshot_is_a_message_and_index_recovers(fresh_copy, encoder):
    for snapshot in (fresh_copy / "snapshots").glob("gen-*.faiss"):
        snapshot.unlink()
    asked = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(fresh_copy),
                            "ask", "کره شمالی چند کانتینر به روسیه فرستاده است؟"],
                           capture_output=True, text=True, timeout=120, cwd=REPO)
    assert asked.returncode == 1 and "--rebuild" in asked.stderr and "Traceback" not in asked.stderr
    report = Indexer(fresh_copy, encoder).index_paths([REPO / "seeds"])
    assert report.sentences_embedded == 14
    searcher = Searcher(fresh_copy, encoder)
    assert searcher.ask("کره شمالی چند کانتینر به روسیه فرستاده است؟").answered
    searcher.close()


def test_unknown_model_is_a_message(tmp_path):
    folder = tmp_path / "in"
    write(folder / "x.txt", NEW_ARTICLE)
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(tmp_path / "data"),
                           "--model", "no-such-org/no-such-model", "index", str(folder)],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert done.returncode == 1 and "no-such-org/no-such-model" in done.stderr
    assert "Traceback" not in done.stderr
