"""The learned ranker: a weighted sum of candidate features, trained on the training files.

A listwise logistic model (a softmax over each question's candidates), fitted
by ``training.py`` on ``news_qa_train.json`` and ``pquad_train.json`` and
shipped as a small JSON file (``models/ranker.json``: feature names, their
means and scales, and the weights). Scoring is a dot product: no dependency,
microseconds per question.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "models"


@dataclass(frozen=True)
class LinearModel:
    """``sum(weight * (feature - mean) / scale) + bias`` over named features."""

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float = 0.0
    threshold: float | None = None  # for a decision model: score above this means yes
    about: str = ""

    def score(self, values: Mapping[str, float]) -> float:
        """The model's score for one row of features (missing features count as their mean)."""
        total = self.bias
        for name, mean, scale, weight in zip(self.features, self.means, self.scales, self.weights):
            total += weight * (values.get(name, mean) - mean) / scale
        return total

    def scores(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        return [self.score(row) for row in rows]

    def probability(self, values: Mapping[str, float]) -> float:
        """The logistic of the score (decision models)."""
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.score(values)))))

    def to_json(self) -> dict:
        return {"features": list(self.features), "means": list(self.means), "scales": list(self.scales),
                "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold, "about": self.about}

    @classmethod
    def from_json(cls, data: Mapping) -> LinearModel:
        return cls(tuple(data["features"]), tuple(data["means"]), tuple(data["scales"]), tuple(data["weights"]),
                   float(data.get("bias", 0.0)), data.get("threshold"), data.get("about", ""))


@lru_cache(maxsize=8)
def load_model(name: str, directory: Path = MODELS_DIR) -> LinearModel:
    """``models/<name>.json`` (cached: the file is read once per process)."""
    return LinearModel.from_json(json.loads((directory / f"{name}.json").read_text(encoding="utf-8")))
