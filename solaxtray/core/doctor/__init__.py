"""``solaxtray doctor``: every set-up check in one run, each a typed result. Qt-free.

One small module per group: ``credentials`` (keyring round trip, credentials set),
``cloud`` (accepted, server), ``serials`` (each serial's shape, account, upload age, plant
clock), ``desktop`` (tray host, notification service), ``local`` (start at login, writable
folders, requests today), ``history_db`` (the history database, read-only); ``factory`` builds
the set-up of this machine and its settings. ``run_doctor`` runs them in that order; the CLI and
the settings dialog both call it (the dialog off the GUI thread).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from solaxtray.core.api.developer.token_cache import TokenCache
from solaxtray.core.autostart import Autostart
from solaxtray.core.clock import Clock
from solaxtray.core.doctor.cloud import CloudTarget, check_cloud
from solaxtray.core.doctor.credentials import Credentials, check_keyring, read_credentials
from solaxtray.core.doctor.desktop import DesktopProbe, check_notifications, check_tray
from solaxtray.core.doctor.history_db import check_history
from solaxtray.core.doctor.local import check_autostart, check_requests_today, check_writable
from solaxtray.core.doctor.model import (
    MAX_REQUESTS,
    SYMBOLS,
    CheckResult,
    RequestBudget,
    Status,
    exit_status,
)
from solaxtray.core.ledger import RequestLedger

__all__ = [
    "MAX_REQUESTS",
    "SYMBOLS",
    "CheckResult",
    "CloudTarget",
    "DoctorSetup",
    "Status",
    "exit_status",
    "run_doctor",
]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class DoctorSetup:
    """Everything one run looks at; the seams (probe, autostart, ledger, folders, token cache)
    are what tests point at private services and throwaway files."""

    target: CloudTarget
    clock: Clock
    probe: DesktopProbe
    autostart: Autostart
    start_at_login: bool
    folders: list[tuple[str, str, Path]] = field(default_factory=list)
    """(id, title, folder) of every folder solaxtray writes in."""
    ledger: RequestLedger | None = None
    keyring_timeout: float = 10.0
    platform: str | None = None
    token_cache_for: Callable[[Credentials], TokenCache | None] | None = None
    """The Developer API's shared access-token cache for these credentials (None: memory)."""
    history: Path | None = None
    """The history database to check (read-only); None: not checked."""


def run_doctor(setup: DoctorSetup) -> list[CheckResult]:
    """Every check, in a stable order; never raises for a broken set-up (that is a result)."""
    budget = RequestBudget(setup.ledger, MAX_REQUESTS)
    backend = setup.target.backend
    results = [check_keyring(backend, setup.keyring_timeout)]
    creds_result, creds = read_credentials(backend, setup.keyring_timeout)
    results.append(creds_result)
    target = setup.target
    if creds is not None and setup.token_cache_for is not None and target.token_cache is None:
        target = CloudTarget(
            backend=target.backend,
            serials=target.serials,
            server=target.server,
            alternatives=target.alternatives,
            stale_minutes=target.stale_minutes,
            timeout=target.timeout,
            token_cache=setup.token_cache_for(creds),
        )
    results.extend(check_cloud(target, creds, budget, setup.clock))
    results.append(check_tray(setup.probe, setup.platform))
    results.append(check_notifications(setup.probe, setup.platform))
    results.append(check_autostart(setup.autostart, setup.start_at_login))
    for check_id, title, folder in setup.folders:
        results.append(check_writable(check_id, title, folder))
    if setup.history is not None:
        results.append(check_history(setup.history))
    results.append(check_requests_today(setup.ledger, budget.spent, budget.cap))
    logger.info(
        "doctor: %d checks, %d failed, %d requests",
        len(results),
        sum(r.status is Status.FAIL for r in results),
        budget.spent,
    )
    return results
