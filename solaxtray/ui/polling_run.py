"""One account's polling, built for one run context and torn down as a whole.

The backend (the SolaX API client), the planner (scheduler and alert rules), the shared request
ledger and the poller belong together: they are made from one context, retuned together when
the budget or serials change, and stopped together. Why a module of its own: the tray app only
decides *when* to build, retune or stop (``core.tray_rules``); how the parts fit is said once here.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from solaxtray.core.clock import Clock
from solaxtray.core.context import RunContext
from solaxtray.core.settings import Settings
from solaxtray.ui.poller import Poller

if TYPE_CHECKING:
    from solaxtray.core.alerts import AlertEngine
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.watch import FleetWatch


@dataclass(eq=False, slots=True)
class PollingRun:
    """The parts that poll one account; see the module docstring."""

    backend: RealtimeBackend
    planner: FleetWatch
    ledger: RequestLedger
    poller: Poller

    @classmethod
    def build(
        cls,
        context: RunContext,
        settings: Settings,
        *,
        clock: Clock,
        ledger_path: Path,
        history: HistoryStore | None,
        alerts: AlertEngine | None,
        parent: QObject | None = None,
    ) -> PollingRun:
        """The parts for ``context`` (its serials, server and credentials), not yet started.

        ``alerts``: the rules of the previous build, kept so that nothing they announced is
        announced again. Raises ``ConfigError`` (before anything is made) when the backend
        cannot be built from the context's server and credentials.
        """
        from solaxtray.core.planning import make_planner

        credentials = context.credentials
        cache = None
        if (
            credentials is not None
            and credentials.share_access_token
            and credentials.client_id
            and not context.demo
        ):
            from solaxtray.core.planning import shared_token_cache

            cache = shared_token_cache(credentials.client_id)
        backend = context.open_backend(clock=clock, token_cache=cache)
        if context.demo:
            from solaxtray.core.tray_rules import demo_settings

            settings = demo_settings(settings)
        planner, ledger = make_planner(
            context.serials,
            settings,
            clock=clock,
            ledger_path=ledger_path,
            backend=backend,
            alerts=alerts,
            history=history,
        )
        poller = Poller(
            backend, planner, clock=clock, ledger=ledger, history=history, parent=parent
        )
        return cls(backend, planner, ledger, poller)

    def retune(self, context: RunContext, settings: Settings) -> int:
        """New serials, budget or interval for the running scheduler and alert rules, which keep
        what they learned (a rebuild would announce an inverter already in fault a second
        time). Returns the day's budget now kept."""
        from solaxtray.core.planning import retune

        per_day = retune(self.planner, self.ledger, settings, self.backend)
        self.planner.set_serials(context.serials)
        self.poller.replan()
        return per_day

    def stop(self) -> None:
        """Stop polling (a request in flight is abandoned) and close the backend."""
        self.poller.stop()
        self.poller.deleteLater()
        with contextlib.suppress(Exception):
            self.backend.close()
