"""The doctor's typed results and its request budget. Qt-free."""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from solaxtray.core.errors import LedgerUnusable
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.redact import redact, shown

logger = logging.getLogger(__name__)

MAX_REQUESTS = 10
"""The most requests one doctor run may send to the cloud, everything included: a diagnosis must
never be what pushes an account towards its quota or its hour-long ban."""


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


SYMBOLS: dict[Status, str] = {Status.OK: "✓", Status.WARN: "⚠", Status.FAIL: "✗"}
"""Shape as well as colour: each status has its own mark."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict: a sentence saying what was found and, unless all is well, the fix."""

    id: str
    status: Status
    title: str
    message: str
    fix: str = ""

    def __post_init__(self) -> None:
        # A serial field may hold a pasted token, and any text may quote a server's words: what
        # is shown passes the same masking as the log files, and quoted values are cut short.
        object.__setattr__(self, "id", shown(self.id))
        object.__setattr__(self, "title", shown(self.title))
        object.__setattr__(self, "message", redact(self.message))
        object.__setattr__(self, "fix", redact(self.fix))

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "status": self.status.value,
            "title": self.title,
            "message": self.message,
            "fix": self.fix,
        }


def ok(id_: str, title: str, message: str) -> CheckResult:
    return CheckResult(id_, Status.OK, title, message)


def warn(id_: str, title: str, message: str, fix: str) -> CheckResult:
    return CheckResult(id_, Status.WARN, title, message, fix)


def fail(id_: str, title: str, message: str, fix: str) -> CheckResult:
    return CheckResult(id_, Status.FAIL, title, message, fix)


def exit_status(results: Iterable[CheckResult]) -> int:
    """0 when nothing failed (warnings allowed), 1 when any check failed."""
    return 1 if any(r.status is Status.FAIL for r in results) else 0


class RequestBudget:
    """The doctor's own cap (``MAX_REQUESTS``) on top of the shared request ledger.

    ``allows(n)`` asks before a step that may send up to ``n`` requests; ``spend(n, label)``
    records what it really sent, in the ledger too, so the tray app and ``watch`` wait for them.
    """

    def __init__(self, ledger: RequestLedger | None, cap: int = MAX_REQUESTS) -> None:
        self._ledger = ledger
        self.cap = cap
        self.spent = 0

    def __repr__(self) -> str:
        return f"RequestBudget(spent={self.spent}, cap={self.cap})"

    @property
    def left(self) -> int:
        return max(0, self.cap - self.spent)

    def allows(self, count: int = 1) -> bool:
        """False too when the ledger is unusable (something not a file in its place): without
        it the quota shared with the tray app cannot be kept, so the doctor sends nothing and
        ``check_requests_today`` reports why."""
        if count > self.left:
            return False
        if self._ledger is None:
            return True
        try:
            return self._ledger.wait_time(count) <= 0
        except LedgerUnusable:
            return False

    def spend(self, count: int, label: str = "doctor") -> None:
        if count <= 0:
            return
        self.spent += count
        if self._ledger is not None:
            with contextlib.suppress(LedgerUnusable):  # reported by check_requests_today
                self._ledger.charge(label, count)
