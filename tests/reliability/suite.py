"""The reliability suite: real ``pasokh`` processes killed, raced and overloaded, then checked.

    .venv/bin/python -m tests.reliability.suite [--random-kills N] [--reindexes N]   (make reliability)

A *bad state* is a data directory that ``pasokh status --check`` finds
inconsistent, or one from which the seed question is no longer answered, or
one a clean re-run of the indexer cannot bring up to date. A *failed
question* is a reader's answer that is not a JSON answer to its question.
``make test`` runs a few trials of each kind (tests/reliability/test_crash_safety.py);
this script runs more and prints the table the README shows.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.cli import pasokh, pasokh_command
from tests.helpers.paths import REPO, SEED_QUESTION, SEEDS

CRASH_POINTS = ("before_rows", "before_snapshot", "before_commit", "after_commit")


@dataclass
class Tally:
    """One row of the table."""

    trials: int = 0
    bad_states: int = 0
    failed_questions: int = 0
    notes: list[str] = field(default_factory=list)


def article_folder(root: Path, articles: int, sentences: int, seed: int = 0) -> Path:
    """A folder of news-like Persian articles, different for each ``seed``."""
    root.mkdir(parents=True, exist_ok=True)
    for number in range(articles):
        lines = [f"گزارش {seed}-{number}: شورای شهر تبریز در جلسهٔ {i} بودجهٔ محلهٔ {i} را "
                 f"{(i + 1) * (number + 7)} میلیارد تومان تصویب کرد." for i in range(sentences)]
        (root / f"s{seed}-{number}.txt").write_text(f"title: گزارش {seed}-{number}\n\n" + "\n".join(lines),
                                                    encoding="utf-8")
    return root


def bad_state(data_dir: Path) -> str | None:
    """Why ``data_dir`` is in a bad state, or None when it is whole and answers."""
    check = pasokh("status", "--check", data_dir=data_dir, timeout=120)
    if check.returncode != 0:
        return "check: " + check.stdout.strip().splitlines()[-1]
    asked = pasokh("ask", SEED_QUESTION, "--json", data_dir=data_dir, timeout=120)
    if asked.returncode != 0 or not json.loads(asked.stdout or "{}").get("answered"):
        return "the seed question is no longer answered"
    return None


def seeded(work: Path, name: str) -> Path:
    """A data directory holding the seed article (indexed once per ``work``, then copied)."""
    template = work / "_seed-template"
    if not template.exists():
        done = pasokh("index", str(SEEDS), data_dir=template, timeout=300)
        assert done.returncode == 0, done.stderr
    data = work / name
    shutil.copytree(template, data, ignore=shutil.ignore_patterns("index.lock"))
    return data


def kill_at_points(work: Path, points=CRASH_POINTS) -> Tally:
    """Stop an indexer at each named moment of a publish (SIGKILL), check, re-run, check."""
    tally = Tally()
    import os

    for number, point in enumerate(points):
        data = seeded(work, f"point-{number}")
        folder = article_folder(work / f"point-in-{number}", 3, 20, seed=number)
        env = dict(os.environ, PASOKH_CRASH_AT=point)
        crashed = pasokh("index", str(folder), data_dir=data, env=env, timeout=300)
        tally.trials += 1
        problem = None if crashed.returncode == -signal.SIGKILL else f"{point}: exit {crashed.returncode}"
        problem = problem or bad_state(data)
        rerun = pasokh("index", str(folder), "--json", data_dir=data, timeout=300)
        if not problem and rerun.returncode != 0:
            problem = f"{point}: the re-run failed: {rerun.stderr.strip()[-200:]}"
        problem = problem or bad_state(data)
        if problem:
            tally.bad_states += 1
            tally.notes.append(problem)
    return tally


def kill_at_random(work: Path, trials: int, rng: random.Random) -> Tally:
    """Kill an indexer of ~600 sentences at a random moment, check; the last run completes."""
    tally = Tally()
    data = seeded(work, "random")
    for trial in range(trials):
        folder = article_folder(work / f"random-in-{trial}", 6, 100, seed=100 + trial)
        process = subprocess.Popen(pasokh_command("--data-dir", str(data), "index", "--quiet", str(folder)),
                                   cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(2.0, 14.0))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        tally.trials += 1
        problem = bad_state(data)
        if problem:
            tally.bad_states += 1
            tally.notes.append(f"random kill {trial}: {problem}")
    final = pasokh("index", str(work), "--quiet", data_dir=data, timeout=900)
    if final.returncode != 0 or bad_state(data):
        tally.bad_states += 1
        tally.notes.append("the run after the kills did not complete")
    return tally


def reader_during_reindexes(work: Path, reindexes: int) -> Tally:
    """A reader asks in a loop (one process, ``ask --file -``) while the index is rebuilt again and again."""
    tally = Tally()
    data = seeded(work, "reader")
    reader = subprocess.Popen(pasokh_command("--data-dir", str(data), "ask", "--json", "--file", "-"), cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = [False]

    import threading

    def ask_forever() -> None:
        while not stop[0]:
            reader.stdin.write(SEED_QUESTION + "\n")
            reader.stdin.flush()
            line = reader.stdout.readline()
            tally.trials += 1
            try:
                answer = json.loads(line)
                ok = answer["question"] == SEED_QUESTION and answer["answered"]
            except (ValueError, KeyError):
                ok = False
            tally.failed_questions += not ok

    asker = threading.Thread(target=ask_forever, daemon=True)
    asker.start()
    for cycle in range(reindexes):
        folder = article_folder(work / f"reader-in-{cycle % 2}", 3, 30, seed=200 + cycle)
        done = pasokh("index", str(folder), "--prune", data_dir=data, timeout=300)
        if done.returncode != 0:
            tally.notes.append(f"re-index {cycle}: exit {done.returncode}")
    stop[0] = True
    asker.join(timeout=60)
    reader.stdin.close()
    reader.wait(timeout=60)
    if bad_state(data):
        tally.bad_states += 1
    tally.notes.append(f"{reindexes} re-indexes while the reader asked")
    return tally


def concurrent_indexers(work: Path) -> Tally:
    """Three indexers and a remover at once on one data directory."""
    tally = Tally(trials=1)
    data = seeded(work, "concurrent")
    folders = [article_folder(work / f"concurrent-in-{n}", 2, 15, seed=300 + n) for n in range(3)]
    processes = [subprocess.Popen(pasokh_command("--data-dir", str(data), "index", "--quiet", str(f)), cwd=REPO,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for f in folders]
    processes.append(subprocess.Popen(pasokh_command("--data-dir", str(data), "remove", "s300-0"), cwd=REPO,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    codes = [p.wait(timeout=600) for p in processes]
    listed = json.loads(pasokh("articles", "--json", data_dir=data).stdout)
    ids = {a["article_id"] for a in listed}
    expected = {"040e5e524f598d68", "s300-1", "s301-0", "s301-1", "s302-0", "s302-1"}
    problem = bad_state(data)
    if problem or any(codes[:3]) or not expected <= ids:
        tally.bad_states += 1
        tally.notes.append(problem or f"exit codes {codes}, articles {sorted(ids)}")
    return tally


GOOD = "title: مترو\n\nشهرداری تهران اعلام کرد که خط ۱۰ متروی پایتخت تا پایان سال ۱۴۰۴ به بهره‌برداری می‌رسد.\n"


def poisoned_folder(folder: Path) -> Path:
    """A good article among files that once each stopped a whole run."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "surrogate.json").write_text('{"title": "x", "text": "\\ud800 خبر"}', encoding="utf-8")
    (folder / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    os.symlink(folder / "loop-b.txt", folder / "loop-a.txt")
    os.symlink(folder / "loop-a.txt", folder / "loop-b.txt")
    with open(os.path.join(os.fsencode(folder), b"\xff\xfebad-name.txt"), "wb") as handle:
        handle.write(GOOD.encode("utf-8"))
    return folder


def hostile_outcomes(work: Path) -> list[tuple[str, str]]:
    """The hostile inputs against the CLI: what each one got (``ok: …`` or ``FAIL: …``)."""
    rows = []
    data = seeded(work, "data")
    folder = poisoned_folder(work / "poisoned")
    done = pasokh("index", str(folder), "--json", data_dir=data)
    report = json.loads(done.stdout or "{}")
    named = all(n in " ".join(report.get("errors", [])) for n in
                ("surrogate.json", "deep.json", "loop-a.txt", "bad-name.txt"))
    ok = done.returncode == 1 and "Traceback" not in done.stderr and report.get("added") == ["good"] and named
    rows.append(("\\ud800, 100,000 [, a symlink loop, a non-UTF-8 name, beside a good file",
                 ("ok: each named, the good one indexed" if ok else "FAIL: " + done.stderr[-200:])))
    stream = subprocess.run(pasokh_command("--data-dir", str(data), "ask", "--json", "--file", "-"),
                            input=b"a\n\xff\xfe\n" + SEED_QUESTION.encode() + b"\n", capture_output=True,
                            timeout=120, cwd=REPO)
    lines = stream.stdout.decode().splitlines()
    ok = stream.returncode == 0 and len(lines) == 3 and json.loads(lines[1])["reason"] == "bad_input"
    rows.append(("invalid UTF-8 in a question stream", "ok: an error object, the stream goes on" if ok else "FAIL"))
    piped = subprocess.run(" ".join(pasokh_command("--data-dir", str(data), "articles")) + " | head -c 1",
                           shell=True, capture_output=True, text=True, timeout=60, cwd=REPO)
    rows.append(("`pasokh articles | head -c 1`", "FAIL: traceback" if "Traceback" in piped.stderr else "ok"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--random-kills", type=int, default=30)
    parser.add_argument("--reindexes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="pasokh-reliability-") as scratch:
        work = Path(scratch)
        rows = {
            "kill -9 at each publish point": kill_at_points(work),
            "kill -9 at random moments": kill_at_random(work, args.random_kills, rng),
            "reader during re-indexes": reader_during_reindexes(work, args.reindexes),
            "3 indexers and a remove at once": concurrent_indexers(work),
        }
        hostile = hostile_outcomes(work / "hostile")
    print("| trial | runs | bad states | failed questions | notes |")
    print("|---|---|---|---|---|")
    for name, tally in rows.items():
        print(f"| {name} | {tally.trials} | {tally.bad_states} | {tally.failed_questions} | "
              f"{'; '.join(tally.notes) or '-'} |")
    print()
    print("| hostile input | outcome |")
    print("|---|---|")
    for name, outcome in hostile:
        print(f"| {name} | {outcome} |")
    bad = sum(t.bad_states + t.failed_questions for t in rows.values())
    return 1 if bad or any(outcome.startswith("FAIL") for _, outcome in hostile) else 0


if __name__ == "__main__":
    sys.exit(main())
