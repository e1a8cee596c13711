"""Configuring the operator's log once, the same way for ``pasokh bot`` and ``pasokh watch``."""

from __future__ import annotations

import logging
import sys

QUIET_LOGGERS = {
    "httpx": logging.WARNING,  # logs every request URL, which holds the bot token
    "httpcore": logging.WARNING,
    "faiss.loader": logging.WARNING,  # probes its CPU builds and logs each ModuleNotFoundError at INFO
}


def configure_logging(level_name: str) -> None:
    """Log to stderr at ``level_name`` (INFO if unknown), libraries' chatter kept out."""
    level = logging.getLevelName(level_name.strip().upper())
    logging.basicConfig(level=level if isinstance(level, int) else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
