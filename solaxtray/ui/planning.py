"""The bridge between the Qt poller and the polling core: the core's ``FleetWatch`` (scheduler and
alert rules for one token's serials) is the poller's planner, and the shared ``RequestLedger``
has the last word on every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from solaxtray.core.clock import Clock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.settings import Settings
from solaxtray.core.watch import FleetWatch


def make_planner(
    serials: Sequence[str], settings: Settings, *, clock: Clock, ledger_path: Path
) -> tuple[FleetWatch, RequestLedger]:
    """The planner and request ledger for one token's serials, tuned by the user's settings."""
    ledger = RequestLedger(
        ledger_path, clock=clock, per_minute=settings.per_minute, per_day=settings.per_day
    )
    return FleetWatch(serials, clock=clock, settings=settings), ledger
