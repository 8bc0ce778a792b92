"""The per-token quota of the simulated cloud, with the real service's escalation. Qt-free.

The document allows fewer than 10 requests a minute and 10,000 a day. The field notes add what
happens beyond: a throttle error per request over the line, and after several violations in a row
an hour-long ban, which invalid requests (a serial not on the account) can earn as well.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

WINDOW_S = 60.0
_KEEP_S = 3 * WINDOW_S
"""Arrivals kept behind the latest: a request may be admitted this much after a later one
(threads, a slow answer) and still be counted in every window it belongs to."""


class Outcome(enum.StrEnum):
    """What the simulator answered, as recorded in ``CloudSimulator.requests``."""

    OK = "ok"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 - an outcome name, not a secret
    NO_AUTH = "no_auth"
    NOT_ACCESSED = "not_accessed"
    THROTTLED = "throttled"
    DAY_QUOTA = "day_quota"
    BANNED = "banned"
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"


@dataclass(slots=True)
class TokenQuota:
    """One token's budget: a sliding minute, a UTC day, and the ban after violations in a row.

    Every call with a valid token counts, refused ones included: a client that keeps calling
    while throttled stays throttled, as on the real service.

    The minute is a true sliding window over the moments the requests *arrived* (``admit``'s
    ``now``), which threads may admit out of order: a request is judged by every arrival in the
    60 s up to its own, and ``peak_minute`` is the most arrivals ever seen in any 60 s (what
    a client that bursts at the minute's edge is caught by).
    """

    per_minute: int
    per_day: int
    ban_after: int
    ban_seconds: float
    arrivals: list[float] = field(default_factory=list)
    """Arrival times of the last few minutes, sorted."""
    peak_minute: int = 0
    """The most requests that arrived within any 60 s so far."""
    day: date | None = None
    day_count: int = 0
    violations_in_row: int = 0
    banned_until: float = -math.inf

    def admit(self, now: float) -> Outcome:
        """Count a call that arrived at ``now``; OK, or the refusal it earns."""
        if now < self.banned_until:
            return Outcome.BANNED
        in_window = self._arrive(now)
        today = datetime.fromtimestamp(now, tz=UTC).date()
        if today != self.day:
            self.day, self.day_count = today, 0
        self.day_count += 1
        if in_window > self.per_minute:
            return self.violation(now, Outcome.THROTTLED)
        if self.day_count > self.per_day:
            return self.violation(now, Outcome.DAY_QUOTA)
        return Outcome.OK

    def violation(self, now: float, outcome: Outcome) -> Outcome:
        """Count a violation; enough in a row start the ban (and this answer already says so)."""
        self.violations_in_row += 1
        if self.violations_in_row >= self.ban_after:
            self.violations_in_row = 0
            self.banned_until = now + self.ban_seconds
            return Outcome.BANNED
        return outcome

    def clean(self) -> None:
        """A valid request within the quota ends a streak of violations."""
        self.violations_in_row = 0

    def _arrive(self, now: float) -> int:
        """Add an arrival; return how many arrived in the 60 s up to it (itself included), and
        raise ``peak_minute`` for every window the arrival falls in."""
        arrivals = self.arrivals
        latest = arrivals[-1] if arrivals else now
        cut = bisect.bisect_right(arrivals, max(latest, now) - _KEEP_S)
        if cut:
            del arrivals[:cut]
        bisect.insort(arrivals, now)
        # Windows (t - 60, t] that hold this arrival end at it or at a later arrival within 60 s.
        start = bisect.bisect_left(arrivals, now)
        stop = bisect.bisect_left(arrivals, now + WINDOW_S)
        for index in range(start, stop):
            end = arrivals[index]
            count = bisect.bisect_right(arrivals, end) - bisect.bisect_right(
                arrivals, end - WINDOW_S
            )
            self.peak_minute = max(self.peak_minute, count)
        return bisect.bisect_right(arrivals, now) - bisect.bisect_right(arrivals, now - WINDOW_S)


def busiest_minute(times: Iterable[float]) -> int:
    """The most of ``times`` within any 60 s window ``(t - 60, t]``."""
    ordered = sorted(times)
    best = 0
    for index, end in enumerate(ordered):
        best = max(best, index + 1 - bisect.bisect_right(ordered, end - WINDOW_S))
    return best
