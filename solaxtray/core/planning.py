"""The planner and the ledger of one account, built and retuned from the settings. Qt-free.

The core's ``FleetWatch`` (scheduler and alert rules for one account's serials) is the poller's
planner, and the shared ``RequestLedger`` of the chosen SolaX API has the last word on every
request. The budget kept is always the lower of the user's and the API's (``quota.kept_budget``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from solaxtray.core.alerts import AlertEngine
from solaxtray.core.clock import Clock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.quota import MAX_PER_DAY, MAX_PER_MINUTE, kept_budget
from solaxtray.core.settings import Settings
from solaxtray.core.watch import FleetWatch, rows_reader

if TYPE_CHECKING:
    from solaxtray.core.secrets import KeyringTokenCache

logger = logging.getLogger(__name__)


class Budgeted(Protocol):
    """The budget and batch size a backend (``core.backend.RealtimeBackend``) says its API
    allows."""

    @property
    def per_minute(self) -> int: ...

    @property
    def per_day(self) -> int: ...

    @property
    def max_serials_per_request(self) -> int: ...


def make_planner(
    serials: Sequence[str],
    settings: Settings,
    *,
    clock: Clock,
    ledger_path: Path,
    backend: Budgeted | None = None,
    alerts: AlertEngine | None = None,
    history: object | None = None,
) -> tuple[FleetWatch, RequestLedger]:
    """The planner and request ledger for one account's serials, tuned by the user's settings.

    The budget kept is the lower of the user's and the backend's: the two APIs' quotas differ, and
    a user may only lower them. ``alerts``: the rules of a previous build, kept so that nothing
    they already announced is announced again. ``history``: the history store, read by the
    weak-string rule (at most every half hour per inverter).
    """
    per_minute, per_day = _budget(settings, backend)
    ledger = RequestLedger(ledger_path, clock=clock, per_minute=per_minute, per_day=per_day)
    watch = FleetWatch(
        serials,
        clock=clock,
        settings=settings,
        per_minute=per_minute,
        per_day=per_day,
        batch_size=backend.max_serials_per_request if backend is not None else 1,
        alerts=alerts,
        history_rows=rows_reader(history),
    )
    return watch, ledger


def _budget(settings: Settings, backend: Budgeted | None) -> tuple[int, int]:
    if backend is None:
        budget = kept_budget(settings.per_minute, settings.per_day, MAX_PER_MINUTE, MAX_PER_DAY)
    else:
        budget = kept_budget(
            settings.per_minute, settings.per_day, backend.per_minute, backend.per_day
        )
    return budget.per_minute, budget.per_day


def retune(
    planner: FleetWatch, ledger: RequestLedger | None, settings: Settings, backend: Budgeted
) -> int:
    """Apply new settings to a running planner and its ledger (interval, budget, alert
    thresholds), keeping what they learned. Returns the day's budget now kept."""
    per_minute, per_day = _budget(settings, backend)
    planner.retune(settings, per_minute=per_minute, per_day=per_day)
    if ledger is not None:
        ledger.per_minute = per_minute
        ledger.per_day = per_day
    return per_day


def shared_token_cache(client_id: str) -> KeyringTokenCache:
    """The Developer API access token shared through the keyring with other solaxtray processes
    of the same application (``solaxtray watch`` next to the tray), so neither renews the other's
    token away. Keyring trouble makes it a memory-only cache, never a stop."""
    from solaxtray.core.secrets import KeyringTokenCache

    return KeyringTokenCache(client_id=client_id)
