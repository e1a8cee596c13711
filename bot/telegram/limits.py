"""In-memory bookkeeping of the bot: what it served, how fast, and who asks too often.

Both classes are used from the event loop thread only, so they need no locks.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StatsSnapshot:
    """Figures for /stats (latencies in seconds; None before the first question)."""

    questions: int
    answered: int
    abstentions: int
    abstention_reasons: dict[str, int]
    rate_limited: int
    errors: int
    p50: float | None
    p95: float | None
    uptime: float


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``values`` (None if empty; the value itself if only one)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


class BotStats:
    """Counters since start and the latencies of the last ``window`` questions."""

    def __init__(self, window: int = 2000, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started = clock()
        self._latencies: deque[float] = deque(maxlen=window)
        self._reasons: Counter[str] = Counter()
        self.questions = 0
        self.answered = 0
        self.rate_limited = 0
        self.errors = 0

    def record_question(self, reason: str, seconds: float) -> None:
        """One question served; ``reason`` is ``Answer.reason`` ('answered' or why not)."""
        self.questions += 1
        if reason == "answered":
            self.answered += 1
        else:
            self._reasons[reason] += 1
        self._latencies.append(seconds)

    def record_rate_limited(self) -> None:
        """A question refused by the per-user limit."""
        self.rate_limited += 1

    def record_error(self) -> None:
        """An update whose handling raised."""
        self.errors += 1

    def snapshot(self) -> StatsSnapshot:
        """The current figures."""
        latencies = list(self._latencies)
        return StatsSnapshot(
            questions=self.questions, answered=self.answered,
            abstentions=sum(self._reasons.values()), abstention_reasons=dict(self._reasons),
            rate_limited=self.rate_limited, errors=self.errors,
            p50=percentile(latencies, 0.50), p95=percentile(latencies, 0.95),
            uptime=self._clock() - self._started)


@dataclass(frozen=True)
class RateDecision:
    """Whether a question may go ahead; ``notify`` is True for the first refusal in a row."""

    allowed: bool
    notify: bool = False
    retry_after: float = 0.0


class UserRateLimiter:
    """At most ``limit`` questions per user in any ``window`` seconds (sliding window).

    A user who keeps sending while limited is told once, then ignored until the
    window frees a slot: answering every refused message would spend the bot's
    own outgoing flood budget on the user flooding it.
    """

    _SWEEP_EVERY = 1000  # calls between removals of idle users, so memory stays bounded

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: dict[int, deque[float]] = {}
        self._told: set[int] = set()
        self._calls = 0

    def check(self, user_id: int) -> RateDecision:
        """Record an attempt by ``user_id`` and say whether it is allowed."""
        now = self._clock()
        self._calls += 1
        if self._calls % self._SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._times.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._told.discard(user_id)
            return RateDecision(True)
        notify = user_id not in self._told
        self._told.add(user_id)
        return RateDecision(False, notify, retry_after=times[0] + self.window - now)

    def _sweep(self, now: float) -> None:
        idle = [user for user, times in self._times.items() if not times or times[-1] <= now - self.window]
        for user in idle:
            del self._times[user]
            self._told.discard(user)
