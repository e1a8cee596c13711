"""Running ``pasokh`` as a user would: a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .paths import REPO


def pasokh_command(*args: str) -> list[str]:
    """The argv of ``pasokh ARGS`` in this interpreter."""
    return [sys.executable, "-m", "pasokh.bot.cli", *args]


def pasokh(*args: str, data_dir: Path | None = None, stdin: str | bytes | None = None, timeout: int = 300,
           env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run ``pasokh [--data-dir D] ARGS`` and wait for it (text output)."""
    command = pasokh_command()
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(command + list(args), input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)
