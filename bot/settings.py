"""Settings from the environment and an optional ``.env`` file."""

from __future__ import annotations

import os
from pathlib import Path


def load_dotenv(path: Path | None = None) -> None:
    """Read ``KEY=value`` lines from ``.env`` into the environment.

    Variables already set in the environment win. Quotes around values are
    removed; lines starting with ``#`` are comments. Values are never logged.
    """
    path = path or Path(os.environ.get("PASOKH_ENV_FILE", ".env"))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key and key not in os.environ:
            os.environ[key] = value
