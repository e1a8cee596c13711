"""Drawing the score distributions of an evaluation (optional matplotlib)."""

from __future__ import annotations

from pathlib import Path


def plot_scores(scores: dict[str, list[float]], path: Path) -> None:
    """Histogram of top dense scores for correct, wrong and off-topic answers."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise SystemExit("pasokh eval --plot needs matplotlib: pip install 'pasokh[plot]'") from error
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for label, values in scores.items():
        if values:
            axis.hist(values, bins=40, range=(0.7, 1.0), alpha=0.5, label=f"{label} ({len(values)})")
    axis.set_xlabel("top dense score (cosine)")
    axis.set_ylabel("questions")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
