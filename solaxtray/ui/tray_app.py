"""The running tray app: builds the parts and connects them (everything after the icon is up).

Nothing else reaches for globals: the clock, settings store, secret stores, backend, scheduler,
poller, notifier, tray and windows are made here and handed to each other. Decisions live in the
core (``presentation.build_view``, the scheduler, the alert rules); this module moves facts between
them and the widgets.

Why a module of its own: ``ui/app.py`` puts the tray icon up first, with only Qt's basics loaded,
and imports this module (and through it the HTTP clients, the keyring, the polling core and the
windows) once the event loop runs, so the icon appears about as fast as a bare Qt tray icon's.
The popup and the fallback window are built the first time they are needed.

What is polled (API, serials, server, credentials, ledger, budget) is resolved by the Qt-free run
context (``core.context``), the same as the command line's; when the settings change, the context
is reconfigured and says what changed, and only that is redone.

Over 500 lines: the wiring of the tray app, the one module that builds the objects and connects
the signals.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from solaxtray.core import paths
from solaxtray.core.alerts import Alert
from solaxtray.core.api.registry import BackendKind, BackendSpec, spec_of
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.context import (
    Change,
    Credentials,
    Overrides,
    RunContext,
    changes,
    demo_context,
    load_credentials,
    reconfigured,
    resolve,
)
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    RateLimited,
    SecretStoreError,
    SecretStoreLocked,
)
from solaxtray.core.fleet import FleetModel
from solaxtray.core.i18n import N_, _
from solaxtray.core.locale_format import format_time, weekday_short
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import (
    AppCondition,
    TrayView,
    condition_for_error,
)
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S
from solaxtray.core.settings import MemorySettingsStore, Settings, SettingsStore
from solaxtray.ui.background import BackgroundCaller
from solaxtray.ui.icon import IconCache, panel_is_dark, wants_template_icon
from solaxtray.ui.notifier import Notifier, default_sender
from solaxtray.ui.options import AppOptions
from solaxtray.ui.poller import Poller
from solaxtray.ui.tray import Tray, TrayMenu

if TYPE_CHECKING:
    from solaxtray.core.alerts import AlertEngine
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.simulator import CloudSimulator
    from solaxtray.core.watch import FleetWatch
    from solaxtray.ui.fallback_window import FallbackWindow
    from solaxtray.ui.popup import PopupWindow

logger = logging.getLogger(__name__)

KEYRING_TIMEOUT_S = DEFAULT_TIMEOUT_S
"""The keyring's own time limit (``core.secrets``), one number for every keyring wait."""
PAUSE_HOUR_S = 3600.0
VIEW_REFRESH_MS = 30_000
NO_TRAY_LINE = N_(
    "No system tray was found, so SolaX Tray shows its status window instead; the icon moves to "
    "the tray if one starts later."
)
TRAY_APPEARED_LINE = N_(
    "A system tray appeared: SolaX Tray's icon is there now and its status window closed."
)
"""While a window is open, its ages ("updated 40 s ago") are refreshed this often; with no window
open nothing ticks between polls."""


def _desktop_files_done(_written: object, error: BaseException | None) -> None:
    """File-system problems are logged where they happen; anything else is logged here."""
    if error is not None:
        logger.warning(
            "Could not install solaxtray's icon and desktop entry (%s), so notifications may "
            "show a generic icon.",
            type(error).__name__,
        )


class TrayApp(QObject):
    """The running application: owns every part and the signal wiring between them."""

    def __init__(
        self,
        options: AppOptions,
        *,
        clock: Clock | None = None,
        settings_store: SettingsStore | None = None,
        token_loader: Callable[[], str | None] | None = None,
        developer_loader: Callable[[], tuple[str | None, str | None]] | None = None,
        tray_available: Callable[[], bool] | None = None,
        tray: Tray | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.clock: Clock = clock if clock is not None else SystemClock()
        if settings_store is None:
            # The demo never reads or writes the user's settings file (nor sets it aside).
            settings_store = (
                MemorySettingsStore() if options.demo else SettingsStore(paths.settings_path())
            )
        self.store = settings_store
        self.settings, self._settings_warning = self.store.load()
        self._secret_overrides: dict[BackendKind, Callable[[], Mapping[str, str | None]]] = {}
        """Stand-ins for the keyring (tests), by API; the rest read through their spec."""
        if token_loader is not None:
            self._secret_overrides[BackendKind.TOKEN] = lambda: {"token": token_loader()}
        if developer_loader is not None:
            self._secret_overrides[BackendKind.DEVELOPER] = lambda: dict(
                zip(("client_id", "client_secret"), developer_loader(), strict=True)
            )
        self._overrides = Overrides(
            backend=options.backend,
            serials=tuple(options.serials or ()),
            server=options.api_url or None,
        )
        """This run's command-line choices: the run context puts them above the settings."""
        self.context: RunContext | None = None
        """What is polled (API, serials, server, credentials, ledger, budget), resolved by the
        same run context as the command line's; ``None`` until the credentials are read."""
        self._caller = BackgroundCaller(self)
        self._simulator: CloudSimulator | None = None
        self._demo_dir: Path | None = None
        self.backend: RealtimeBackend | None = None
        self.poller: Poller | None = None
        self.planner: FleetWatch | None = None
        self._kept_alerts: AlertEngine | None = None
        """The alert rules outlive a rebuild (and a moment with no serials): what they announced
        is not announced again."""
        self.ledger: RequestLedger | None = None
        self.history: HistoryStore | None = None
        """Every answer is stored here (the popup reads today's figures from it); opened at
        start: the user's database, or the demo's throwaway one."""
        self.model = FleetModel(self.clock)
        self.model.stale_after_s = self.settings.stale_minutes * 60.0

        self._icons = IconCache()
        self._dark = panel_is_dark()
        self._template = wants_template_icon()
        if tray is None:
            self.menu = TrayMenu(self)
            tray_kwargs: dict[str, Any] = {}
            if options.tray_wait_s is not None:
                tray_kwargs["wait_s"] = options.tray_wait_s
            if tray_available is not None:
                tray_kwargs["tray_available"] = tray_available
            self.tray = Tray(self.menu, self._render_icon, parent=self, **tray_kwargs)
        else:
            # ``run_app`` put the icon up before this module was imported: take it over.
            self.menu = tray.menu
            self.tray = tray
            tray.set_renderer(self._render_icon)
        self.notifier = Notifier(
            clock=self.clock,
            kind_enabled=self._kind_enabled,
            tray=self.tray.icon,
            sender=default_sender(),
            parent=self,
        )
        self.fallback: FallbackWindow | None = None
        self.popup: PopupWindow | None = None
        self.settings_dialog: QWidget | None = None
        self._view: TrayView | None = None
        self._starting = True
        """Until the first plan exists (or a condition is known) the icon keeps its "starting"
        look: an empty fleet would read "No inverter configured" for a moment."""
        self._ticker = QTimer(self)
        self._ticker.setInterval(VIEW_REFRESH_MS)
        self._ticker.timeout.connect(self.refresh_view)

        self.menu.open_details.connect(self.show_details)
        self.menu.refresh.connect(self.refresh_now)
        self.menu.pause_hour.connect(lambda: self.notifier.pause_for(PAUSE_HOUR_S))
        self.menu.pause_tomorrow.connect(self.notifier.pause_until_tomorrow)
        self.menu.resume.connect(self.notifier.resume)
        self.menu.settings.connect(self.show_settings)
        self.menu.quit.connect(self.quit)
        self.notifier.pause_changed.connect(self._on_pause_changed)
        self.tray.toggle_popup.connect(self.toggle_details)
        self.notifier.clicked.connect(self.show_details)
        self.tray.unavailable.connect(self._on_no_tray)
        self.tray.shown.connect(self._on_tray_shown)

    def _kind_enabled(self, kind: str) -> bool:
        """Read through ``self.settings`` on every alert, so a settings change applies at once."""
        return self.settings.notify.enabled(kind)

    # --- start and stop ---------------------------------------------------------------------------

    def start(self) -> None:
        self.model.condition = AppCondition.OK
        self.tray.show_starting()
        QTimer.singleShot(0, self._start_work)

    def _start_work(self) -> None:
        if self._settings_warning:
            self._warn(_("Settings were reset"), self._settings_warning)
        self._open_history()
        if self.options.demo:
            self._start_demo()
        else:
            self._install_desktop_files()
            self._load_credentials()

    def _install_desktop_files(self) -> None:
        """The icon and desktop entry that notifications name, for a ``pip install`` that has
        none; off the GUI thread (a slow home directory must not hold the icon up). Never in the
        demo, which writes nothing of the user's."""
        from solaxtray.core import desktop_files

        if desktop_files.supported():
            self._caller.call(
                desktop_files.install_desktop_files,
                _desktop_files_done,
                name="solaxtray-desktop-files",
            )

    def shutdown(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        self._close_backend()
        if self.history is not None:
            self.history.close()
            self.history = None
        if self._simulator is not None:
            with contextlib.suppress(Exception):
                self._simulator.stop()
            self._simulator = None
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
            self._demo_dir = None
        self.notifier.close()
        self.tray.hide()

    def quit(self) -> None:
        logger.info("quit requested")
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # --- sources of data -------------------------------------------------------------------------

    @property
    def spec(self) -> BackendSpec:
        """The SolaX API in use: the run context's, or (before it is resolved) ``--backend`` for
        this run, else the settings' choice."""
        if self.context is not None:
            return self.context.spec
        return spec_of(self._overrides.backend or self.settings.backend)

    @property
    def credentials(self) -> Credentials | None:
        return self.context.credentials if self.context is not None else None

    @property
    def backend_kind(self) -> str:
        """The SolaX API in use, by name (a ``BackendKind``)."""
        return self.spec.kind

    def _start_demo(self) -> None:
        """The built-in simulator on the chosen API: the same demo story either way."""
        spec = self.spec
        demo = spec.demo(self.clock)
        self._simulator = demo.simulator
        if self.history is not None:
            from solaxtray.core.history.demo import seed_demo_history

            # The demo opens on a plausible day so far and past month, from the same plant model.
            seed_demo_history(self.history, demo.simulator, serial_of=demo.history_serial)
        logger.info("demo mode: simulated %s API at %s", spec.name, demo.server)
        self._configure(demo_context(spec, demo, self.settings, self._overrides.serials))

    def _open_history(self) -> None:
        """Open the history database; a damaged one is set aside with a notification, and the
        app runs on without history rather than not at all."""
        from solaxtray.core.history import HistoryStore, default_history_path

        if self.options.demo:
            # The demo never touches the user's history: its own database, deleted at quit.
            if self._demo_dir is None:
                self._demo_dir = Path(tempfile.mkdtemp(prefix="solaxtray-demo-"))
            path = self._demo_dir / "history.sqlite3"
        else:
            path = default_history_path()
        try:
            self.history = HistoryStore.open(path, clock=self.clock)
        except Exception:  # history is a bonus: the tray must start without it
            logger.exception("Could not open the history database %s", path)
            return
        if self.history.warning:
            title = (
                _("History was reset") if self.history.path is not None else _("History not saved")
            )
            self._warn(title, self.history.warning)

    def _load_credentials(self) -> None:
        """Read the chosen API's secrets on a worker thread with a time limit: a locked keyring
        can block."""
        spec = self.spec
        stand_in = self._secret_overrides.get(spec.kind)

        def load() -> Credentials:
            if stand_in is not None:
                # A test's stand-in for the keyring: no access token shared through the real one.
                return Credentials.from_values(spec.kind, stand_in())
            return load_credentials(spec, KEYRING_TIMEOUT_S)

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
            self.show_settings()
            if isinstance(error, SecretStoreLocked):
                self._set_condition(AppCondition.KEYRING_LOCKED, error.message)
            elif isinstance(error, SecretStoreError):
                self._set_condition(AppCondition.KEYRING_MISSING, error.message)
            else:
                self._set_condition(
                    AppCondition.KEYRING_LOCKED,
                    _(
                        "The keyring did not answer in time. Unlock it, then choose Retry in Settings."
                    ),
                )
            logger.warning("%s not available: %s", what, error)
            return
        if not isinstance(result, Credentials) or not result.complete:
            logger.info("no %s set: opening the settings", what)
            detail = spec.wording.missing_detail
            self._set_condition(AppCondition.NO_CREDENTIALS, _(detail) if detail else None)
            self.show_settings()
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
            self._stop_polling(keep_context=True)
            self._set_condition(
                AppCondition.SERVER_TROUBLE,
                _("{title}: {message}").format(title=exc.title, message=exc.message),
            )
            self._warn(exc.title, exc.message)
            return None

    def _close_backend(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(Exception):
                self.backend.close()
            self.backend = None

    def _configure(self, context: RunContext) -> None:
        """(Re)build backend, scheduler and poller for one run context (account and serials).

        The alert rules of the previous build are kept (what they know of each inverter's state
        and of the token): new credentials or a new server must not announce a fault again that
        the user was already told about. A new account's token state starts over.
        """
        credentials = context.credentials or Credentials(context.kind)
        serials, demo = context.serials, context.demo
        old_alerts = self.planner.alerts if self.planner is not None else self._kept_alerts
        if old_alerts is not None and credentials != self.credentials:
            old_alerts.token_changed()
        if self.poller is not None:
            self.poller.stop()
            self.poller.deleteLater()
            self.poller = None
        self._close_backend()
        self.context = context
        self.planner = None
        self.ledger = None
        self.model.planner = None
        self.model.set_serials(serials)
        self.model.condition = AppCondition.OK
        self.model.condition_detail = None
        if not serials:
            self._set_condition(AppCondition.NO_SERIALS)
            if not demo:
                self.show_settings()
            return
        cache = None
        if credentials.share_access_token and credentials.client_id and not demo:
            from solaxtray.core.planning import shared_token_cache

            cache = shared_token_cache(credentials.client_id)
        spec = context.spec
        try:
            backend = context.open_backend(clock=self.clock, token_cache=cache)
        except ConfigError as exc:
            if _server_is_valid(spec, context.server):
                # The server is fine, so the token or the client id/secret cannot be used (for
                # example a pasted token with spaces): that is for Settings, like a rejected one.
                self._set_condition(AppCondition.CREDENTIALS_REJECTED, exc.message)
                if not demo:
                    self.show_settings()
            else:
                self._set_condition(
                    AppCondition.SERVER_TROUBLE,
                    _("{title}: {message}").format(title=exc.title, message=exc.message),
                )
                self._warn(exc.title, exc.message)
            return
        self.backend = backend
        ledger_path = context.ledger_path or self._demo_ledger_path(spec)
        from solaxtray.core.planning import make_planner

        settings = self.settings
        if demo:
            settings = _demo_settings(settings)
        self.planner, ledger = make_planner(
            serials,
            settings,
            clock=self.clock,
            ledger_path=ledger_path,
            backend=backend,
            alerts=old_alerts,
            history=self.history,
        )
        self.ledger = ledger
        self._kept_alerts = self.planner.alerts
        self.model.planner = self.planner
        self.model.daily_quota = context.budget.per_day
        self.poller = Poller(
            backend,
            self.planner,
            clock=self.clock,
            ledger=ledger,
            history=self.history,
            parent=self,
        )
        self.poller.snapshot.connect(self._on_snapshot)
        self.poller.failed.connect(self._on_failed)
        self.poller.alerts.connect(self._on_alerts)
        self.poller.state_changed.connect(self._on_poll_state)
        self.poller.resumed.connect(lambda _gap: self.refresh_view())
        self.poller.start()
        self._starting = False
        self.refresh_view()

    # --- poller results ---------------------------------------------------------------------------

    def _on_snapshot(self, sn: str, snap: Snapshot) -> None:
        self.model.on_snapshot(sn, snap)
        self.refresh_view()

    def _on_failed(self, sn: str, error: ApiError) -> None:
        logger.info("%s: %s — %s", sn, error.title, error.message)
        self.model.on_error(sn, error)
        if isinstance(error, RateLimited):
            condition = condition_for_error(error)
            self.model.condition = condition
        self.refresh_view()

    def _on_alerts(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            logger.info(
                "alert: %s — %s", getattr(alert, "title", alert), getattr(alert, "body", "")
            )
        self.notifier.notify_all(alerts)

    def _on_poll_state(self) -> None:
        """The day's count comes with the poller's rounds: reading the ledger file here would
        take its lock on the GUI thread."""
        if self.poller is not None and self.poller.used_today is not None:
            self.model.requests_today = self.poller.used_today

    # --- what the user sees ----------------------------------------------------------------------

    def _render_icon(self, view: TrayView) -> QIcon | None:
        return self._icons.update(view, dark_panel=self._dark, template=self._template)

    def _set_condition(self, condition: AppCondition, detail: str | None = None) -> None:
        self._starting = False
        self.model.condition = condition
        self.model.condition_detail = detail
        self.refresh_view()

    def refresh_view(self) -> None:
        if self._starting:
            return
        # The wording of set-up and credential problems depends on the API in use.
        self.model.backend = self.backend_kind
        view = self.model.view()
        self._view = view
        self.tray.update_view(view)
        if self.fallback is not None:
            self.fallback.update_view(view, self._icons.icon)
        if self.popup is not None and self.popup.isVisible():
            self.popup.update_view(view)
        self._sync_ticker()

    @property
    def view(self) -> TrayView | None:
        return self._view

    def _sync_ticker(self) -> None:
        shown = (self.popup is not None and self.popup.isVisible()) or (
            self.fallback is not None and self.fallback.isVisible()
        )
        if shown and not self._ticker.isActive():
            self._ticker.start()
        elif not shown and self._ticker.isActive():
            self._ticker.stop()

    def _on_pause_changed(self) -> None:
        until = self.notifier.paused_until
        if until is None:
            self.menu.set_paused(None)
        else:
            from datetime import datetime

            moment = datetime.fromtimestamp(until)
            self.menu.set_paused(
                _("{weekday} {time}").format(
                    weekday=weekday_short(moment), time=format_time(moment)
                )
            )

    def _on_no_tray(self) -> None:
        """Say it on the terminal too: someone who started us there sees why no icon came."""
        if sys.stderr is not None:  # a windowed Windows app has no terminal
            print(_(NO_TRAY_LINE), file=sys.stderr, flush=True)
        self._show_fallback()

    def _on_tray_shown(self) -> None:
        """The icon is in a tray (perhaps a new icon object, see ``Tray``): notifications go to
        it, and the status window that stood in for it goes away."""
        self.notifier.set_tray(self.tray.icon)
        if self.fallback is not None and self.fallback.isVisible():
            self.fallback.hide()
            self._sync_ticker()
            logger.info("a system tray appeared; status window closed")
            if sys.stderr is not None:
                print(_(TRAY_APPEARED_LINE), file=sys.stderr, flush=True)

    def _show_fallback(self) -> None:
        if self.fallback is None:
            from solaxtray.ui.fallback_window import FallbackWindow

            self.fallback = FallbackWindow(self.menu)
            if self._view is not None:
                self.fallback.update_view(self._view, self._icons.icon)
        self.fallback.show()
        self.fallback.raise_()
        self._sync_ticker()

    def _ensure_popup(self) -> PopupWindow:
        if self.popup is None:
            from solaxtray.ui.popup import PopupWindow

            popup = PopupWindow(history=self.history)
            popup.refresh_requested.connect(self.refresh_now)
            popup.settings_requested.connect(self.show_settings)
            self.popup = popup
        if self._view is not None:
            self.popup.update_view(self._view)
        return self.popup

    def show_details(self) -> None:
        """From the menu or another launch: an ordinary window, which stays until closed."""
        popup = self._ensure_popup()
        popup.show_window()
        self._sync_ticker()

    def toggle_details(self) -> None:
        """A click on the icon: the popup next to it, gone again on the next click."""
        popup = self._ensure_popup()
        if popup.isVisible():
            popup.hide()
        else:
            popup.set_popup_mode(True)
            popup.show_near(self.tray.icon.geometry())
        self._sync_ticker()

    def bring_to_front(self) -> None:
        """Another launch knocked: show what we have (the fallback window or the popup)."""
        if self.fallback is not None and not self.tray.visible:
            self._show_fallback()
        else:
            self.show_details()

    def refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.refresh_now()
        elif not self.options.demo and self.model.condition in (
            AppCondition.KEYRING_LOCKED,
            AppCondition.KEYRING_MISSING,
            AppCondition.NO_CREDENTIALS,
        ):
            self._load_credentials()

    def show_settings(self) -> None:
        from solaxtray.ui.settings import SettingsDialog

        if self.settings_dialog is None:
            dialog = SettingsDialog(
                self.settings,
                store=self.store,
                clock=self.clock,
                demo=self.options.demo,
                backend=self.backend_kind,
                ledger_for=self._ledger_for,
                demo_serials=tuple(self.model.serials) if self.options.demo else (),
            )
            dialog.applied.connect(self._on_settings_applied)
            dialog.token_changed.connect(self._on_token_changed)
            dialog.credentials_changed.connect(self._on_token_changed)
            self.settings_dialog = dialog
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()

    def _demo_ledger_path(self, spec: BackendSpec) -> Path:
        """The demo's requests must not count against the user's real budget: its own ledger in
        its throwaway directory."""
        if self._demo_dir is None:
            self._demo_dir = Path(tempfile.mkdtemp(prefix="solaxtray-demo-"))
        return self._demo_dir / f"ledger-{spec.name}"

    def _ledger_for(self, kind: str, per_minute: int, per_day: int) -> RequestLedger:
        """The ledger "Test connection" goes through: the running one when the test is on the API
        being polled, else that API's shared file, so a test never escapes the budget. Called on
        the dialog's worker thread (the ledger takes a file lock)."""
        ledger, context, spec = self.ledger, self.context, spec_of(kind)
        if ledger is not None and context is not None and context.spec is spec:
            return ledger
        from solaxtray.core.ledger import RequestLedger

        return RequestLedger(
            self._demo_ledger_path(spec) if self.options.demo else paths.ledger_path(kind),
            clock=self.clock,
            per_minute=min(self.settings.per_minute, per_minute),
            per_day=min(self.settings.per_day, per_day),
        )

    def _on_settings_applied(self, settings: Settings) -> None:
        old = self.settings
        self.settings = settings
        self.model.stale_after_s = settings.stale_minutes * 60.0
        if self.planner is not None:
            # The alert thresholds apply to the running rules at once, keeping what they learned.
            self.planner.retune_alerts(settings)
        if self.options.demo:
            if self.context is not None:
                self.context = reconfigured(self.context, settings)
            self.refresh_view()
            return
        if settings.backend != old.backend:
            # The user chose the other API: this run's command-line choices were for the old one.
            logger.info("switching to the %s API", settings.backend)
            self._overrides = Overrides()
            self._stop_polling()
            self._load_credentials()
            return
        if self.context is None or self.context.credentials is None:
            if self.model.condition is AppCondition.SERVER_TROUBLE:
                self._load_credentials()  # the server was refused before the first build
            else:
                self.refresh_view()  # the credentials are still being read: they resolve anew
            return
        old_context = self.context
        context = self._resolved(lambda: reconfigured(old_context, settings, self._overrides))
        if context is None:
            return
        what = changes(old_context, context)
        refused = self.model.condition is AppCondition.SERVER_TROUBLE  # nothing runs: rebuild
        if refused or what & (Change.API | Change.SERVER | Change.CREDENTIALS):
            self._configure(context)
        elif what & (Change.SERIALS | Change.BUDGET) or (
            old.poll_interval_s != settings.poll_interval_s
            or (old.per_minute, old.per_day) != (settings.per_minute, settings.per_day)
        ):
            self._replan_in_place(context)
        else:
            self.context = context
            self.refresh_view()

    def _replan_in_place(self, context: RunContext) -> None:
        """New serials, budget or interval: the running scheduler and alert rules take them, so
        the learned upload rhythm and the alert state stay (a rebuild would announce an inverter
        already in fault a second time)."""
        serials = context.serials
        if self.planner is None or self.poller is None or self.backend is None or not serials:
            self._configure(context)
            return
        self.context = context
        from solaxtray.core.planning import retune

        per_day = retune(self.planner, self.ledger, self.settings, self.backend)
        self.planner.set_serials(serials)
        self.model.set_serials(serials)
        self.model.daily_quota = per_day
        if self.model.condition is AppCondition.NO_SERIALS:
            self.model.condition = AppCondition.OK
        self.poller.replan()
        self.refresh_view()

    def _stop_polling(self, *, keep_context: bool = False) -> None:
        """``keep_context``: the credentials stay for the next try (a server being fixed)."""
        if self.poller is not None:
            self.poller.stop()
            self.poller.deleteLater()
            self.poller = None
        self._close_backend()
        if not keep_context:
            self.context = None
        self.planner = None
        self.model.planner = None

    def _on_token_changed(self) -> None:
        """New secrets in the keyring (either API's): read them again and start over."""
        if not self.options.demo:
            self._load_credentials()

    def _warn(self, title: str, message: str) -> None:
        """A problem at start that is not an alert (settings reset, bad server): a notification."""
        from solaxtray.ui.notifier import Urgency

        logger.warning("%s: %s", title, message)
        self.notifier.send(title, message, Urgency.NORMAL)


def _server_is_valid(spec: BackendSpec, api_url: str | None) -> bool:
    """Whether the server or region names a usable address (then a ConfigError from building
    the backend is about the credentials)."""
    try:
        spec.resolve_server(api_url or spec.default_server)
    except ConfigError:
        return False
    return True


def _demo_settings(settings: Settings) -> Settings:
    """The demo polls at its simulator's upload interval: at the user's interval (a minute or
    more) the fault and grid-outage episodes of the first two minutes would show late. Still
    far below the per-minute limit."""
    from dataclasses import replace

    from solaxtray.core.simulator import DEMO_UPLOAD_INTERVAL

    return replace(settings, poll_interval_s=max(1, round(DEMO_UPLOAD_INTERVAL)))


__all__ = ["Credentials", "FleetModel", "TrayApp"]
