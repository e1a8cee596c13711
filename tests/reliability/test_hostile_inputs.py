"""Hostile and unlucky input, each found by trying it as an outsider or an operator would, reproduced.

Every case runs against the real CLI (a subprocess) or the real indexer and
asserts the outcome: the file named, the others indexed, no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from pasokh.bot.settings import Settings, WarningKind
from pasokh.retrieval.indexer import Indexer
from pasokh.retrieval.search import Searcher
from pasokh.retrieval.store import Store
from pasokh.retrieval.watcher import FolderWatcher
from tests.helpers.cli import pasokh, pasokh_command
from tests.helpers.paths import REPO, SEED_QUESTION
from tests.reliability.suite import GOOD, poisoned_folder

def test_poisoned_files_are_named_and_the_good_one_is_indexed(tmp_path):
    folder = poisoned_folder(tmp_path / "in")
    done = pasokh("index", str(folder), "--json", data_dir=tmp_path / "data")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["added"] == ["good"]
    errors = " ".join(report["errors"])
    for name in ("surrogate.json", "deep.json", "loop-a.txt", "loop-b.txt", "bad-name.txt"):
        assert name in errors, (name, errors)
    assert "تودرتو" in errors and "پیوند نمادین" in errors  # worded, not Python's own words


def test_the_watcher_goes_on_past_a_failing_file_and_backs_off(tmp_path, encoder):
    folder = poisoned_folder(tmp_path / "in")
    (folder / "good.txt").unlink()
    indexer = Indexer(tmp_path / "data", encoder)
    watcher = FolderWatcher(folder, indexer, settle_seconds=0)
    watcher.poll_once(now=0)
    watcher.poll_once(now=1)  # settled: indexed (the bad ones fail)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")  # a good file dropped beside them
    watcher.poll_once(now=2)
    report = watcher.poll_once(now=3)
    assert report is not None and report.added == ["good"]
    assert not report.errors  # the failing files are not read again on every scan (back-off)
    assert watcher.poll_once(now=4) is None
    watcher.poll_once(now=3 + 31)  # after the back-off they are looked at again...
    retried = watcher.poll_once(now=3 + 32)  # ...and, once settled, tried again
    assert retried is not None and retried.errors


def test_the_watcher_reconciles_deletions_made_while_it_was_stopped(tmp_path, encoder):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text(GOOD.replace("۱۰", "۱۱"), encoding="utf-8")
    indexer = Indexer(tmp_path / "data", encoder)
    assert sorted(indexer.index_paths([folder]).added) == ["a", "b"]
    (folder / "b.txt").unlink()  # deleted while nothing was watching
    report = FolderWatcher(folder, indexer, settle_seconds=0).poll_once(now=0)
    assert report is not None and report.removed == ["b"]


def test_an_unreadable_folder_is_reported_and_never_pruned(tmp_path, encoder, monkeypatch):
    """As root every folder is readable, so the refusal the OS gives others is simulated at os.scandir."""
    folder = tmp_path / "in"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (locked / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text(GOOD.replace("۱۰", "۱۱"), encoding="utf-8")
    indexer = Indexer(tmp_path / "data", encoder)
    assert sorted(indexer.index_paths([folder]).added) == ["a", "b"]
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = indexer.index_paths([folder], prune=True)
    assert report.removed == [] and any("locked" in str(e) for e in report.errors)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 folder; the simulated test above covers it")
def test_a_mode_000_folder_is_reported_and_never_pruned(tmp_path):
    folder = tmp_path / "in"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (locked / "a.txt").write_text(GOOD, encoding="utf-8")
    assert pasokh("index", str(folder), data_dir=tmp_path / "data").returncode == 0
    locked.chmod(0)
    try:
        done = pasokh("index", str(folder), "--prune", "--json", data_dir=tmp_path / "data")
    finally:
        locked.chmod(0o755)
    assert "Traceback" not in done.stderr and json.loads(done.stdout)["removed"] == []


def test_one_huge_article_is_cut_and_the_cut_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lines.txt").write_text("\n".join(f"خط {i} خبر." for i in range(3000)), encoding="utf-8")
    env = dict(os.environ, PASOKH_MAX_SENTENCES="100")
    done = pasokh("index", str(folder), "--json", data_dir=tmp_path / "data", env=env)
    report = json.loads(done.stdout)
    assert report["cut"] == [{"file": str((folder / "lines.txt").resolve()), "kept": 100, "sentences": 3000}]
    assert report["sentences_embedded"] == 100
    human = pasokh("index", str(folder), "--rebuild", data_dir=tmp_path / "data", env=env)
    assert "PASOKH_MAX_SENTENCES" in human.stderr


def test_readers_retry_a_snapshot_removed_by_two_publishes(fresh_copy, encoder, monkeypatch, tmp_path):
    """Two publishes land between reading the snapshot's name and opening it: the reader loads the live one."""
    from pasokh.retrieval import search as search_module

    searcher = Searcher(fresh_copy, encoder)
    indexer = Indexer(fresh_copy, encoder)
    real_load = search_module.VectorIndex.load
    calls = []

    def load_after_two_publishes(path, **kwargs):
        if kwargs.get("mmap", True) is False:  # the indexer's own read of the snapshot it extends
            return real_load(path, **kwargs)
        if not calls:
            calls.append(None)
            for number in (1, 2):
                (tmp_path / f"x{number}.txt").write_text(GOOD.replace("۱۰", f"۱{number}"), encoding="utf-8")
                indexer.index_paths([tmp_path / f"x{number}.txt"])
        calls.append(path)
        return real_load(path, **kwargs)

    monkeypatch.setattr(search_module.VectorIndex, "load", staticmethod(load_after_two_publishes))
    try:
        answer = searcher.ask(SEED_QUESTION)
    finally:
        searcher.close()
    loaded = calls[1:]
    assert answer.answered and len(loaded) == 2 and loaded[0] != loaded[1]  # the vanished one, then the live one


def test_a_readable_env_file_with_the_token_is_warned_about(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123:secret\n", encoding="utf-8")
    env_file.chmod(0o644)
    warned = Settings.from_env({}, env_file=env_file).warnings
    assert [w.kind for w in warned] == [WarningKind.ENV_FILE_READABLE]
    env_file.chmod(0o600)
    assert Settings.from_env({}, env_file=env_file).warnings == ()
    done = subprocess.run(pasokh_command("status"), cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "PASOKH_ENV_FILE"}
                          | {"PASOKH_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0 and "chmod 600" not in done.stderr
    env_file.chmod(0o640)
    done = subprocess.run(pasokh_command("status"), cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "PASOKH_ENV_FILE"}
                          | {"PASOKH_DATA_DIR": str(tmp_path / "data")})
    assert "chmod 600" in done.stderr and "secret" not in done.stderr


def _tmpfs(path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_gives_a_message_and_leaves_nothing_half_written(tmp_path):
    data = tmp_path / "small"
    if not _tmpfs(data, "3m"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount permission)")
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        shutil.copytree(REPO / "seeds", data / "seeds-ok", dirs_exist_ok=True)
        assert pasokh("index", str(REPO / "seeds"), data_dir=data / "index").returncode == 0
        for number in range(40):
            (folder / f"n{number}.txt").write_text(
                "\n".join(f"خبر شماره {number} بند {i}: شورای شهر بودجه محله {i} را {i * number} میلیارد تصویب کرد."
                          for i in range(120)), encoding="utf-8")
        full = pasokh("index", str(folder), data_dir=data / "index")
        assert full.returncode == 1 and "Traceback" not in full.stderr
        assert "فضای دیسک" in full.stderr and "no space left" in full.stderr
        snapshots = sorted(p.name for p in (data / "index" / "snapshots").iterdir())
        store = Store(data / "index", create=False)
        live = store.get_meta("snapshot")
        store.close()
        assert snapshots == [live]  # no uncommitted snapshot left behind
        check = pasokh("status", "--check", data_dir=data / "index")
        assert check.returncode == 0, check.stdout  # the previous generation is whole
        shutil.rmtree(data / "seeds-ok")
        subprocess.run(["mount", "-o", "remount,size=64m", str(data)], check=True)
        again = pasokh("index", str(folder), data_dir=data / "index")
        assert again.returncode == 0, again.stderr  # space freed: the next run succeeds
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True)
