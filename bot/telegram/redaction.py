"""Keeping the bot token (and the webhook secret) out of every log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable


class TokenRedactor(logging.Filter):
    """Replaces secrets in log records (message, arguments, traceback) with ``<token>``.

    httpx logs request URLs, and PTB wraps httpx errors whose text may contain
    them; Bot API URLs carry the token, so every record is scrubbed.
    """

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        found = set()
        for secret in secrets:
            if secret:
                found.add(secret)
                # the part after "id:" is the actual secret; scrub it on its own too
                tail = secret.split(":", 1)[-1]
                if len(tail) >= 8:
                    found.add(tail)
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed %-args: the handler reports those itself
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # formatters reuse exc_text, so the traceback is rendered once, scrubbed
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self) -> Callable[[], None]:
        """Scrub every record created in this process from now on; returns an undo function.

        A handler filter would miss handlers added later (and records that
        propagate past logger filters), so the record factory is wrapped instead.
        """
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            self.filter(record)
            return record

        logging.setLogRecordFactory(factory)

        def uninstall() -> None:
            if logging.getLogRecordFactory() is factory:
                logging.setLogRecordFactory(previous)

        return uninstall
