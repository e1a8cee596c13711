"""Re-indexing while readers keep answering; watching a folder for new articles."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers.paths import REPO, SEED_FILE, SEED_ID
from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.search import Searcher
from pasokh.retrieval.watcher import FolderWatcher

SEED_QUESTION = "کره شمالی چند کانتینر به روسیه فرستاده است؟"
NEW_QUESTION = "سد کرج چند میلیون متر مکعب آب دارد؟"
NEW_ARTICLE = """title: ذخایر سدهای تهران
source: خبرگزاری آزمایشی

شرکت آب منطقه‌ای تهران اعلام کرد که حجم آب سد امیرکبیر کرج به ۷۵ میلیون متر مکعب رسیده است.
این مقدار نسبت به سال گذشته ۱۲ درصد کمتر است. مدیرعامل این شرکت از شهروندان خواست در مصرف آب صرفه‌جویی کنند.
"""


def seed_folder(root: Path) -> Path:
    folder = root / "articles"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    shutil.copy(SEED_FILE.with_suffix(".meta.json"), folder / SEED_FILE.with_suffix(".meta.json").name)
    return folder


def test_watcher_indexes_settled_files_and_skips_partial_and_bad_ones(tmp_path, encoder):
    folder = seed_folder(tmp_path)
    data = tmp_path / "data"
    watcher = FolderWatcher(folder, Indexer(data, encoder), settle_seconds=1.0)
    assert watcher.poll_once(now=0.0) is None  # just seen: not settled yet
    first = watcher.poll_once(now=1.5)
    assert first.added == [SEED_ID]
    searcher = Searcher(data, encoder)

    partial = folder / "dams.txt.part"
    partial.write_text(NEW_ARTICLE[:60], encoding="utf-8")  # a download in progress
    (folder / "broken.txt").write_bytes(b"\x00\x01binary")
    assert watcher.poll_once(now=2.0) is None
    report = watcher.poll_once(now=3.5)
    assert [Path(e.path).name for e in report.errors] == ["broken.txt"] and not report.added

    partial.write_text(NEW_ARTICLE, encoding="utf-8")
    partial.rename(folder / "dams.txt")  # the download finished
    assert watcher.poll_once(now=4.0) is None
    assert not searcher.ask(NEW_QUESTION).answered
    assert watcher.poll_once(now=5.5).added == ["dams"]
    answer = searcher.ask(NEW_QUESTION)  # same searcher: it moved to the new snapshot by itself
    assert answer.answered and answer.hits[0].article_id == "dams" and "۷۵ میلیون" in answer.hits[0].text

    (folder / "dams.txt").unlink()
    assert watcher.poll_once(now=7.0).removed == ["dams"]
    assert [a.article_id for a in searcher.articles()] == [SEED_ID]
    searcher.close()


def _bulk(folder: Path, count: int) -> None:
    sentences = [s.strip() for s in SEED_FILE.read_text(encoding="utf-8").replace("\n", " ").split(".") if s.strip()]
    for n in range(count):
        body = ". ".join(f"{sentences[(n + i) % len(sentences)]} (بخش {n}-{i})" for i in range(10)) + "."
        (folder / f"bulk-{n:03d}.txt").write_text(f"title: گزارش {n}\n\n{body}\n", encoding="utf-8")


def test_questions_keep_working_while_another_process_reindexes(tmp_path, encoder):
    folder = seed_folder(tmp_path)
    data = tmp_path / "data"
    Indexer(data, encoder).index_paths([folder])
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    _bulk(incoming, 25)
    (incoming / "dams.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    searcher = Searcher(data, encoder)
    failures: list[str] = []
    generations: set[int] = set()
    asked = 0
    stop = threading.Event()

    def ask_in_a_loop() -> None:
        nonlocal asked
        while not stop.is_set():
            try:
                answer = searcher.ask(SEED_QUESTION)
                if not answer.answered or "۶۷۰۰" not in answer.hits[0].text:
                    failures.append(repr(answer))
                generations.add(searcher.generation)
                asked += 1
            except Exception as error:  # every failure is a test failure
                failures.append(repr(error))

    reader = threading.Thread(target=ask_in_a_loop)
    reader.start()
    env = dict(os.environ, PASOKH_COMMIT_SECONDS="1")
    done = subprocess.run([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(data), "index", "--quiet",
                           str(incoming)], env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    time.sleep(0.5)
    stop.set()
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert failures == [] and asked > 20
    assert len(generations) >= 2  # the reader really moved between snapshots
    answer = searcher.ask(NEW_QUESTION)
    assert answer.answered and answer.hits[0].article_id == "dams"
    searcher.close()


def test_watch_command_picks_up_a_new_file(tmp_path, encoder):
    folder = seed_folder(tmp_path)
    data = tmp_path / "data"
    process = subprocess.Popen([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(data), "watch",
                                str(folder), "--interval", "0.3"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not (data / "pasokh.sqlite3").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        (folder / "dams.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        searcher = None
        answered = False
        while time.monotonic() < deadline and not answered:
            time.sleep(0.3)
            try:
                searcher = searcher or Searcher(data, encoder)
            except Exception:
                continue
            answer = searcher.ask(NEW_QUESTION)
            answered = answer.answered and answer.hits[0].article_id == "dams"
        assert answered, "the watcher did not index the new file"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err
