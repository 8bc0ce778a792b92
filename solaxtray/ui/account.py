"""The account the tray polls: from settings, flags and the keyring to a running poller.

It reads the chosen API's credentials off the GUI thread (a locked keyring can block), resolves
the run context as the command line does (``core.context``), builds the polling for it
(``ui/polling_run.py``) and, when the settings change, redoes only what the context says changed
(``core.tray_rules.settings_step``). What it learns goes into the shared ``FleetModel``; the tray
app draws that model and owns the windows, the notifications and the settings dialog. Why apart
from the tray app: "what is polled, and is it polling" is one state machine, with its own
failure paths (keyring, server, credentials), and reads best without the widgets around it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from solaxtray.core import paths
from solaxtray.core.api.registry import BackendKind, BackendSpec, spec_of
from solaxtray.core.clock import Clock
from solaxtray.core.context import (
    Credentials,
    Overrides,
    RunContext,
    changes,
    demo_context,
    load_credentials,
    reconfigured,
    resolve,
)
from solaxtray.core.demo_session import DemoSession
from solaxtray.core.errors import ApiError, ConfigError, RateLimited
from solaxtray.core.fleet import FleetModel
from solaxtray.core.i18n import _
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import AppCondition, condition_for_error
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S
from solaxtray.core.settings import Settings
from solaxtray.core.tray_rules import (
    SettingsStep,
    keyring_condition,
    server_is_valid,
    settings_step,
)
from solaxtray.ui.background import BackgroundCaller
from solaxtray.ui.polling_run import PollingRun

if TYPE_CHECKING:
    from solaxtray.core.alerts import AlertEngine
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger

logger = logging.getLogger(__name__)

KEYRING_TIMEOUT_S = DEFAULT_TIMEOUT_S
"""The keyring's own time limit (``core.secrets``), one number for every keyring wait."""

SecretLoader = Callable[[], Mapping[str, str | None]]
"""A stand-in for the keyring (tests): credential attribute -> value."""


class Account(QObject):
    """What is polled and how; see the module docstring.

    Signals (all on the GUI thread): ``changed`` when the model changed and the view may follow;
    ``settled`` when the start is over (a poller runs, or a condition says why not);
    ``settings_needed`` when only Settings can fix what is wrong; ``warning(title, message)``
    for a problem that is not an alert; ``alerts(list)`` from the poller.
    """

    changed = Signal()
    settled = Signal()
    settings_needed = Signal()
    warning = Signal(str, str)
    alerts = Signal(list)

    def __init__(
        self,
        model: FleetModel,
        settings: Settings,
        overrides: Overrides,
        *,
        clock: Clock,
        demo: DemoSession | None,
        secret_loaders: Mapping[BackendKind, SecretLoader] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        self._overrides = overrides
        """This run's command-line choices: the run context puts them above the settings."""
        self._clock = clock
        self.demo = demo
        self._secret_loaders = dict(secret_loaders or {})
        self._caller = BackgroundCaller(self)
        self.history: HistoryStore | None = None
        """Where the polling stores every answer (set before the first build)."""
        self.context: RunContext | None = None
        """What is polled (API, serials, server, credentials, ledger, budget), resolved by the
        same run context as the command line's; ``None`` until the credentials are read."""
        self.run: PollingRun | None = None
        """The backend, planner, ledger and poller of the account polled now, if any."""
        self._kept_alerts: AlertEngine | None = None
        """The alert rules outlive a rebuild (and a moment with no serials): what they announced
        is not announced again."""
        self._started = False

    @property
    def spec(self) -> BackendSpec:
        """The SolaX API in use: the run context's, or (before it is resolved) ``--backend`` for
        this run, else the settings' choice."""
        if self.context is not None:
            return self.context.spec
        return spec_of(self._overrides.backend or self.settings.backend)

    # --- start and stop ---------------------------------------------------------------------------

    def start(self) -> None:
        """Poll the demo's cloud, or read the credentials and poll the user's account.

        Called once the history is open (or known to be unavailable): every build stores its
        answers there. A settings change before then is simply read by this start."""
        self._started = True
        if self.demo is not None:
            spec = self.spec
            cloud = self.demo.start(spec, self._clock)
            logger.info("demo mode: simulated %s API at %s", spec.name, cloud.server)
            self._configure(demo_context(spec, cloud, self.settings, self._overrides.serials))
        else:
            self.load_credentials()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()
            self.run = None
        self.model.planner = None

    def refresh_now(self) -> None:
        """Poll now; or, when the keyring or the credentials were the trouble, read them again."""
        if self.run is not None:
            self.run.poller.refresh_now()
        elif self.demo is None and self.model.condition in (
            AppCondition.KEYRING_LOCKED,
            AppCondition.KEYRING_MISSING,
            AppCondition.NO_CREDENTIALS,
        ):
            self.load_credentials()

    # --- credentials ------------------------------------------------------------------------------

    def load_credentials(self) -> None:
        """Read the chosen API's secrets on a worker thread with a time limit: a locked keyring
        can block."""
        if self.demo is not None or not self._started:
            return  # the demo's credentials are its cloud's; before the start, the start reads
        spec = self.spec
        stand_in = self._secret_loaders.get(spec.kind)

        def load() -> Credentials:
            if stand_in is not None:
                # A test's stand-in for the keyring: no access token shared through the real one.
                return Credentials.from_values(spec.kind, stand_in())
            return load_credentials(spec, KEYRING_TIMEOUT_S, check_env_token=True)

        self._caller.call(
            load,
            lambda result, error: self._on_credentials(spec, result, error),
            timeout_s=KEYRING_TIMEOUT_S,
            name="solaxtray-keyring",
        )

    def _on_credentials(
        self, spec: BackendSpec, result: Credentials | None, error: BaseException | None
    ) -> None:
        if spec is not self.spec:
            return  # the user switched APIs while the keyring was read: a newer read is coming
        what = spec.wording.credentials
        if error is not None:
            # Settings open for a missing or locked keyring as for a missing token: that is where
            # the user can retry, and the only place that explains what to do.
            self.settings_needed.emit()
            self._set_condition(*keyring_condition(error))
            logger.warning("%s not available: %s", what, error)
            return
        if not isinstance(result, Credentials) or not result.complete:
            logger.info("no %s set: opening the settings", what)
            detail = spec.wording.missing_detail
            self._set_condition(AppCondition.NO_CREDENTIALS, _(detail) if detail else None)
            self.settings_needed.emit()
            return
        context = self._resolved(lambda: resolve(self.settings, self._overrides))
        if context is not None:
            self._configure(context.with_credentials(result))

    def _resolved(self, how: Callable[[], RunContext]) -> RunContext | None:
        """The run context ``how`` resolves, or ``None`` after saying why it cannot be (a server
        or region that names no usable address: a notification, and the tooltip)."""
        try:
            return how()
        except ConfigError as exc:
            self.stop()
            self._set_condition(
                AppCondition.SERVER_TROUBLE,
                _("{title}: {message}").format(title=exc.title, message=exc.message),
            )
            self.warning.emit(exc.title, exc.message)
            return None

    # --- building the polling ---------------------------------------------------------------------

    def _configure(self, context: RunContext) -> None:
        """(Re)build backend, scheduler and poller for one run context (account and serials).

        The alert rules of the previous build are kept (what they know of each inverter's state
        and of the token): new credentials or a new server must not announce a fault again that
        the user was already told about. A new account's token state starts over.
        """
        credentials = context.credentials or Credentials(context.kind)
        old_alerts = self.run.planner.alerts if self.run is not None else self._kept_alerts
        current = self.context.credentials if self.context is not None else None
        if old_alerts is not None and credentials != current:
            old_alerts.token_changed()
        self.stop()
        self.context = context
        self.model.set_serials(context.serials)
        self.model.condition = AppCondition.OK
        self.model.condition_detail = None
        if not context.serials:
            self._set_condition(AppCondition.NO_SERIALS)
            if not context.demo:
                self.settings_needed.emit()
            return
        try:
            run = PollingRun.build(
                context,
                self.settings,
                clock=self._clock,
                ledger_path=self._ledger_path(context.spec, context),
                history=self.history,
                alerts=old_alerts,
                parent=self,
            )
        except ConfigError as exc:
            if server_is_valid(context.spec, context.server):
                # The server is fine, so the token or the client id/secret cannot be used (for
                # example a pasted token with spaces): that is for Settings, like a rejected one.
                self._set_condition(AppCondition.CREDENTIALS_REJECTED, exc.message)
                if not context.demo:
                    self.settings_needed.emit()
            else:
                self._set_condition(
                    AppCondition.SERVER_TROUBLE,
                    _("{title}: {message}").format(title=exc.title, message=exc.message),
                )
                self.warning.emit(exc.title, exc.message)
            return
        self.run = run
        self._kept_alerts = run.planner.alerts
        self.model.planner = run.planner
        self.model.daily_quota = context.budget.per_day
        poller = run.poller
        poller.snapshot.connect(self._on_snapshot)
        poller.failed.connect(self._on_failed)
        poller.alerts.connect(self.alerts)
        poller.state_changed.connect(self._on_poll_state)
        poller.resumed.connect(lambda _gap: self.changed.emit())
        poller.start()
        self.settled.emit()

    def _ledger_path(self, spec: BackendSpec, context: RunContext | None = None) -> Path:
        """The shared ledger of ``spec``'s API; the demo's own, in its throwaway directory: the
        demo's requests never count against the user's real budget."""
        if context is not None and context.ledger_path is not None:
            return context.ledger_path
        if self.demo is not None:
            return self.demo.ledger_path(spec)
        return paths.ledger_path(spec.kind)

    def ledger_for(self, kind: str, per_minute: int, per_day: int) -> RequestLedger:
        """The ledger "Test connection" goes through: the running one when the test is on the API
        being polled, else that API's shared file, so a test never escapes the budget. Called on
        the dialog's worker thread (the ledger takes a file lock)."""
        run, context, spec = self.run, self.context, spec_of(kind)
        if run is not None and context is not None and context.spec is spec:
            return run.ledger
        from solaxtray.core.ledger import RequestLedger

        return RequestLedger(
            self._ledger_path(spec),
            clock=self._clock,
            per_minute=min(self.settings.per_minute, per_minute),
            per_day=min(self.settings.per_day, per_day),
        )

    # --- poller results ---------------------------------------------------------------------------

    def _on_snapshot(self, sn: str, snap: Snapshot) -> None:
        self.model.on_snapshot(sn, snap)
        self.changed.emit()

    def _on_failed(self, sn: str, error: ApiError) -> None:
        logger.info("%s: %s — %s", sn, error.title, error.message)
        self.model.on_error(sn, error)
        if isinstance(error, RateLimited):
            self.model.condition = condition_for_error(error)
        self.changed.emit()

    def _on_poll_state(self) -> None:
        """The day's count comes with the poller's rounds: reading the ledger file here would
        take its lock on the GUI thread."""
        if self.run is not None and self.run.poller.used_today is not None:
            self.model.requests_today = self.run.poller.used_today

    def _set_condition(self, condition: AppCondition, detail: str | None = None) -> None:
        self.model.condition = condition
        self.model.condition_detail = detail
        self.settled.emit()

    # --- settings changes -------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """The user saved new settings: redo only what they change."""
        old = self.settings
        self.settings = settings
        if self.run is not None:
            # The alert thresholds apply to the running rules at once, keeping what they learned.
            self.run.planner.retune_alerts(settings)
        if self.demo is not None:
            if self.context is not None:
                self.context = reconfigured(self.context, settings)
            self.changed.emit()
            return
        if settings.backend != old.backend:
            # The user chose the other API: this run's command-line choices were for the old one.
            logger.info("switching to the %s API", settings.backend)
            self._overrides = Overrides()
            self.stop()
            self.context = None
            self.load_credentials()
            return
        if self.context is None or self.context.credentials is None:
            if self.model.condition is AppCondition.SERVER_TROUBLE:
                self.load_credentials()  # the server was refused before the first build
            else:
                self.changed.emit()  # the credentials are still being read: they resolve anew
            return
        old_context = self.context
        context = self._resolved(lambda: reconfigured(old_context, settings, self._overrides))
        if context is None:
            return
        refused = self.model.condition is AppCondition.SERVER_TROUBLE  # nothing runs: rebuild
        step = settings_step(old, settings, changes(old_context, context), refused=refused)
        if step is SettingsStep.REBUILD:
            self._configure(context)
        elif step is SettingsStep.REPLAN:
            self._replan_in_place(context)
        else:
            self.context = context
            self.changed.emit()

    def _replan_in_place(self, context: RunContext) -> None:
        """New serials, budget or interval: the running scheduler and alert rules take them, so
        the learned upload rhythm and the alert state stay."""
        if self.run is None or not context.serials:
            self._configure(context)
            return
        self.context = context
        self.model.daily_quota = self.run.retune(context, self.settings)
        self.model.set_serials(context.serials)
        if self.model.condition is AppCondition.NO_SERIALS:
            self.model.condition = AppCondition.OK
        self.changed.emit()
