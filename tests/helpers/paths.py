"""Where the repository, the seed article and its id are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SEED_FILE = SEEDS / "000_040e5e524f598d68.txt"
SEED_ID = "040e5e524f598d68"
SEED_QUESTION = "کره شمالی چند کانتینر به روسیه فرستاده است؟"
