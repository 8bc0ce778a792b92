"""The per-token quota of the simulated cloud, with the real service's escalation. Qt-free.

The document allows fewer than 10 requests a minute and 10,000 a day. The field notes add what
happens beyond: a throttle error per request over the line, and after several violations in a row
an hour-long ban, which invalid requests (a serial not on the account) can earn as well.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime


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
    """

    per_minute: int
    per_day: int
    ban_after: int
    ban_seconds: float
    window: deque[float] = field(default_factory=deque)
    day: date | None = None
    day_count: int = 0
    violations_in_row: int = 0
    banned_until: float = -math.inf

    def admit(self, now: float) -> Outcome:
        """Count a call at ``now``; OK, or the refusal it earns."""
        if now < self.banned_until:
            return Outcome.BANNED
        self.window.append(now)
        while self.window and self.window[0] <= now - 60.0:
            self.window.popleft()
        today = datetime.fromtimestamp(now, tz=UTC).date()
        if today != self.day:
            self.day, self.day_count = today, 0
        self.day_count += 1
        if len(self.window) > self.per_minute:
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
