"""Where Pasokh keeps its index, and the messages about what is in it."""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    """``$PASOKH_DATA_DIR``, else ``$XDG_DATA_HOME/pasokh`` (``~/.local/share/pasokh``)."""
    if os.environ.get("PASOKH_DATA_DIR"):
        return Path(os.environ["PASOKH_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "pasokh"


def model_mismatch_message(index_model: str, asked_model: str) -> str:
    """The error shown when the index and the encoder disagree."""
    return (f"این نمایه با مدل «{index_model}» ساخته شده، نه «{asked_model}». "
            f"با همان مدل بپرسید یا دوباره نمایه بسازید: pasokh --model {asked_model} index --rebuild\n"
            f"(index built with {index_model}; asked with {asked_model}: re-index with the new model)")
