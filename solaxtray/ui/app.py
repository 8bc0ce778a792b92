"""The one place that builds the tray app and connects its parts.

Nothing else reaches for globals: the clock, settings store, token store, client, scheduler, poller,
notifier, tray and windows are made here and handed to each other. Decisions live in the core
(``presentation.build_view``, the scheduler, the alert rules); this module moves facts between
them and the widgets.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import socket
import sys
import tempfile
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from solaxtray.core import paths
from solaxtray.core.alerts import Health
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    RateLimited,
    SecretStoreError,
    SecretStoreLocked,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import (
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    StatusTracker,
    TrayView,
    build_view,
    condition_for_error,
)
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.watch import FleetWatch
from solaxtray.ui.background import BackgroundCaller
from solaxtray.ui.fallback_window import FallbackWindow
from solaxtray.ui.icon import IconCache, panel_is_dark, wants_template_icon
from solaxtray.ui.notifier import Notifier, default_sender
from solaxtray.ui.planning import make_planner
from solaxtray.ui.poller import Poller
from solaxtray.ui.popup import PopupWindow
from solaxtray.ui.single_instance import SingleInstance, instance_name
from solaxtray.ui.tray import Tray, TrayMenu

if TYPE_CHECKING:
    from solaxtray.core.client import SolaxClient
    from solaxtray.core.simulator import CloudSimulator

logger = logging.getLogger(__name__)

APP_ID = "solaxtray"
WINDOWS_APP_USER_MODEL_ID = "io.github.solaxtray.SolaXTray"
KEYRING_TIMEOUT_S = 10.0
PAUSE_HOUR_S = 3600.0
VIEW_REFRESH_MS = 30_000
"""While a window is open, its ages ("updated 40 s ago") are refreshed this often; with no window
open nothing ticks between polls."""


@dataclass(frozen=True, slots=True)
class AppOptions:
    """What the command line decides for one run (it overrides the saved settings)."""

    demo: bool = False
    serials: list[str] | None = None
    api_url: str | None = None
    tray_wait_s: float | None = None
    """How long to wait for a system tray before the fallback window (``None``: the default)."""


class FleetModel:
    """Everything known about the watched serials, turned into a :class:`TrayView` on demand."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.serials: tuple[str, ...] = ()
        self.snapshots: dict[str, Snapshot] = {}
        self.errors: dict[str, ApiError] = {}
        self.condition = AppCondition.OK
        self.condition_detail: str | None = None
        self.status = StatusTracker()
        self.stale_after_s: float | None = None
        self.requests_today: int | None = None
        self.daily_quota = 10_000
        self.planner: FleetWatch | None = None
        self.recent_alerts: list[Any] = []

    def set_serials(self, serials: tuple[str, ...]) -> None:
        self.serials = serials
        for gone in set(self.snapshots) - set(serials):
            del self.snapshots[gone]
        for gone in set(self.errors) - set(serials):
            del self.errors[gone]

    def on_snapshot(self, sn: str, snap: Snapshot) -> None:
        self.snapshots[sn] = snap
        self.errors.pop(sn, None)
        self.status.observe(sn, snap.inverter_status, self._clock.now())
        if self.condition in (
            AppCondition.NO_NETWORK,
            AppCondition.RATE_LIMITED,
            AppCondition.BANNED,
            AppCondition.SERVER_TROUBLE,
        ):
            self.condition = AppCondition.OK
            self.condition_detail = None

    def on_error(self, sn: str, error: ApiError) -> None:
        self.errors[sn] = error
        if isinstance(error, TokenRejected):
            self.condition = AppCondition.TOKEN_REJECTED
            self.condition_detail = error.message

    def upload_age(self, snap: Snapshot) -> float | None:
        """Seconds since the upload. ``uploadTime`` is the plant's wall clock with no zone; the
        plant is nearly always in the user's own zone, so it is read as local time here."""
        if snap.upload_time is None:
            return None
        try:
            return self._clock.now() - snap.upload_time.timestamp()
        except (OverflowError, OSError, ValueError):
            return None

    def _next_poll(self, sn: str) -> float | None:
        if self.planner is None:
            return None
        view = self.planner.view(sn)
        return view.next_poll if view is not None else None

    def _availability(self, sn: str) -> Availability:
        """The alert rules tell night ("asleep") from an outage ("offline")."""
        if self.planner is None:
            return Availability.ONLINE
        health = self.planner.health(sn)
        if health is Health.ASLEEP:
            return Availability.ASLEEP
        if health is Health.OFFLINE:
            return Availability.OFFLINE
        return Availability.ONLINE

    def view(self) -> TrayView:
        inverters = [
            InverterInput(
                sn=sn,
                snapshot=self.snapshots.get(sn),
                error=self.errors.get(sn),
                upload_age_s=(
                    self.upload_age(self.snapshots[sn]) if sn in self.snapshots else None
                ),
                next_poll_at=self._next_poll(sn),
                availability=self._availability(sn),
                status_since=self.status.since(sn),
            )
            for sn in self.serials
        ]
        return build_view(
            FleetInput(
                inverters=inverters,
                condition=self.condition,
                now=self._clock.now(),
                requests_today=self.requests_today,
                daily_quota=self.daily_quota,
                stale_after_s=self.stale_after_s,
                condition_detail=self.condition_detail,
            )
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
        tray_available: Callable[[], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.store = settings_store or SettingsStore(paths.settings_path())
        self.settings, self._settings_warning = self.store.load()
        self._token_loader = token_loader or _keyring_token
        self._caller = BackgroundCaller(self)
        self._simulator: CloudSimulator | None = None
        self._demo_dir: Path | None = None
        self._client: SolaxClient | None = None
        self.poller: Poller | None = None
        self.planner: FleetWatch | None = None
        self.ledger: RequestLedger | None = None
        self.token: str | None = None
        self.model = FleetModel(self.clock)
        self.model.stale_after_s = self.settings.stale_minutes * 60.0

        self.menu = TrayMenu(self)
        self._icons = IconCache()
        self._dark = panel_is_dark()
        self._template = wants_template_icon()
        tray_kwargs: dict[str, Any] = {}
        if options.tray_wait_s is not None:
            tray_kwargs["wait_s"] = options.tray_wait_s
        if tray_available is not None:
            tray_kwargs["tray_available"] = tray_available
        self.tray = Tray(self.menu, self._render_icon, parent=self, **tray_kwargs)
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
        self.tray.unavailable.connect(self._show_fallback)

    def _kind_enabled(self, kind: str) -> bool:
        """Read through ``self.settings`` on every alert, so a settings change applies at once."""
        return self.settings.notify.enabled(kind)

    # --- start and stop ---------------------------------------------------------------------------

    def start(self) -> None:
        self.model.condition = AppCondition.OK
        self.refresh_view()
        self.tray.start()
        if self._settings_warning:
            self._warn("Settings were reset", self._settings_warning)
        if self.options.demo:
            self._start_demo()
        else:
            self._load_token()

    def shutdown(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        if self._simulator is not None:
            with contextlib.suppress(Exception):
                self._simulator.stop()
            self._simulator = None
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)
            self._demo_dir = None
        self.tray.hide()

    def quit(self) -> None:
        logger.info("quit requested")
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # --- sources of data -------------------------------------------------------------------------

    def _start_demo(self) -> None:
        from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

        sim = CloudSimulator.demo(clock=self.clock)
        sim.start()
        self._simulator = sim
        logger.info("demo mode: simulated SolaX Cloud at %s", sim.base_url)
        serials = tuple(self.options.serials or DEMO_SERIALS)
        self._configure(DEMO_TOKEN, serials, sim.v2_url, demo=True)

    def _load_token(self) -> None:
        """Read the token on a worker thread with a time limit: a locked keyring can block."""
        self._caller.call(
            self._token_loader,
            self._on_token,
            timeout_s=KEYRING_TIMEOUT_S,
            name="solaxtray-keyring",
        )

    def _on_token(self, token: Any, error: BaseException | None) -> None:
        if error is not None:
            if isinstance(error, SecretStoreLocked):
                self._set_condition(AppCondition.KEYRING_LOCKED, error.message)
            elif isinstance(error, SecretStoreError):
                self._set_condition(AppCondition.KEYRING_MISSING, error.message)
            else:
                self._set_condition(
                    AppCondition.KEYRING_LOCKED,
                    "The keyring did not answer in time. Unlock it, then choose Retry in Settings.",
                )
            logger.warning("token not available: %s", error)
            return
        if not token:
            logger.info("no token set: opening the settings")
            self._set_condition(AppCondition.NO_TOKEN)
            self.show_settings()
            return
        self._configure(str(token), self._serials(), self._api_url(), demo=False)

    def _serials(self) -> tuple[str, ...]:
        if self.options.serials:
            return tuple(self.options.serials)
        return self.settings.serials

    def _api_url(self) -> str | None:
        return self.options.api_url or self.settings.api_url

    def _configure(
        self, token: str, serials: tuple[str, ...], api_url: str | None, *, demo: bool
    ) -> None:
        """(Re)build client, scheduler and poller for a token and a set of serials."""
        from solaxtray.core.client import SolaxClient
        from solaxtray.core.servers import DEFAULT_API_URL

        if self.poller is not None:
            self.poller.stop()
            self.poller.deleteLater()
            self.poller = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        self.token = token
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
        try:
            client = SolaxClient(token, api_url=api_url or DEFAULT_API_URL, clock=self.clock)
        except ConfigError as exc:
            self._set_condition(AppCondition.SERVER_TROUBLE, f"{exc.title}: {exc.message}")
            self._warn(exc.title, exc.message)
            return
        self._client = client
        ledger_path = paths.ledger_path()
        if demo:
            # The demo token's requests must not count against the user's real token budget.
            if self._demo_dir is None:
                self._demo_dir = Path(tempfile.mkdtemp(prefix="solaxtray-demo-"))
            ledger_path = self._demo_dir / "ledger"
        self.planner, ledger = make_planner(
            serials, self.settings, clock=self.clock, ledger_path=ledger_path
        )
        self.ledger = ledger
        self.model.planner = self.planner
        self.model.daily_quota = self.settings.per_day
        self.poller = Poller(
            client.fetch, self.planner, clock=self.clock, ledger=ledger, parent=self
        )
        self.poller.snapshot.connect(self._on_snapshot)
        self.poller.failed.connect(self._on_failed)
        self.poller.alerts.connect(self._on_alerts)
        self.poller.state_changed.connect(self._on_poll_state)
        self.poller.resumed.connect(lambda _gap: self.refresh_view())
        self.poller.start()
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

    def _on_alerts(self, alerts: list[Any]) -> None:
        for alert in alerts:
            logger.info(
                "alert: %s — %s", getattr(alert, "title", alert), getattr(alert, "body", "")
            )
        self.model.recent_alerts = (self.model.recent_alerts + list(alerts))[-20:]
        self.notifier.notify_all(alerts)

    def _on_poll_state(self) -> None:
        if self.ledger is not None:
            try:
                self.model.requests_today = self.ledger.used_today()
            except OSError:
                self.model.requests_today = None

    # --- what the user sees ----------------------------------------------------------------------

    def _render_icon(self, view: TrayView) -> QIcon | None:
        return self._icons.update(view, dark_panel=self._dark, template=self._template)

    def _set_condition(self, condition: AppCondition, detail: str | None = None) -> None:
        self.model.condition = condition
        self.model.condition_detail = detail
        self.refresh_view()

    def refresh_view(self) -> None:
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

            self.menu.set_paused(datetime.fromtimestamp(until).strftime("%a %H:%M"))

    def _show_fallback(self) -> None:
        if self.fallback is None:
            self.fallback = FallbackWindow(self.menu)
            if self._view is not None:
                self.fallback.update_view(self._view, self._icons.icon)
        self.fallback.show()
        self.fallback.raise_()
        self._sync_ticker()

    def _ensure_popup(self) -> PopupWindow:
        if self.popup is None:
            popup = PopupWindow()
            popup.refresh_requested.connect(self.refresh_now)
            popup.settings_requested.connect(self.show_settings)
            self.popup = popup
        if self._view is not None:
            self.popup.update_view(self._view)
        return self.popup

    def show_details(self) -> None:
        """From the menu or another launch: an ordinary window, which stays until closed."""
        popup = self._ensure_popup()
        popup.set_popup_mode(False)
        popup.show()
        popup.raise_()
        popup.activateWindow()
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
            AppCondition.NO_TOKEN,
        ):
            self._load_token()

    def show_settings(self) -> None:
        from solaxtray.ui.settings_dialog import SettingsDialog

        if self.settings_dialog is None:
            dialog = SettingsDialog(
                self.settings,
                store=self.store,
                clock=self.clock,
                demo=self.options.demo,
            )
            dialog.applied.connect(self._on_settings_applied)
            dialog.token_changed.connect(self._on_token_changed)
            self.settings_dialog = dialog
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()

    def _on_settings_applied(self, settings: Settings) -> None:
        old = self.settings
        self.settings = settings
        self.model.stale_after_s = settings.stale_minutes * 60.0
        if self.planner is not None:
            # The alert thresholds apply to the running rules at once, keeping what they learned.
            self.planner.alerts.stale_s = settings.stale_minutes * 60.0
            self.planner.alerts.low_soc_percent = settings.low_soc_percent
        if self.options.demo:
            self.refresh_view()
            return
        relevant = (old.serials, old.api_url, old.per_minute, old.per_day, old.poll_interval_s)
        new = (
            settings.serials,
            settings.api_url,
            settings.per_minute,
            settings.per_day,
            settings.poll_interval_s,
        )
        if relevant != new and self.token:
            self._configure(self.token, self._serials(), self._api_url(), demo=False)
        else:
            self.refresh_view()

    def _on_token_changed(self) -> None:
        if not self.options.demo:
            self._load_token()

    def _warn(self, title: str, message: str) -> None:
        """A problem at start that is not an alert (settings reset, bad server): a notification."""
        from solaxtray.ui.notifier import Urgency

        logger.warning("%s: %s", title, message)
        self.notifier.send(title, message, Urgency.NORMAL)


def _keyring_token() -> str | None:
    from solaxtray.core.secrets import TokenStore

    return TokenStore().get()


# --- process-level set-up ---------------------------------------------------------------------------


class ErrorDialogHook:
    """``sys.excepthook`` for the GUI: log the error, show one dialog, keep running.

    PySide calls ``sys.excepthook`` for an exception escaping a slot and then carries on, so the
    app survives; the user sees one dialog (not one per repeat of the same bug) pointing to the log.
    """

    def __init__(self, log_file: Path | None = None) -> None:
        self.log_file = log_file
        self.shown = False
        self.dialog: QMessageBox | None = None
        self._previous = sys.excepthook

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: types.TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        logger.critical(
            "Uncaught error: %s",
            "".join(traceback.format_exception_only(exc_type, exc)).strip(),
            exc_info=(exc_type, exc, tb),
        )
        if self.shown or QApplication.instance() is None:
            return
        self.shown = True
        where = f" The details are in the log file {self.log_file}." if self.log_file else ""
        if isinstance(exc, SolaxTrayError):
            text = f"{exc.title}: {exc.message}"
        else:
            text = "SolaX Tray ran into an unexpected problem and carries on."
        box = QMessageBox(QMessageBox.Icon.Warning, "SolaX Tray: unexpected error", text + where)
        box.setObjectName("solaxtray-error-dialog")
        box.setModal(False)
        box.show()
        self.dialog = box


def _set_windows_app_id() -> None:  # pragma: no cover - Windows only
    """Without an explicit AppUserModelID, Windows groups our notifications and taskbar entry
    under python.exe."""
    if sys.platform == "win32":
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(WINDOWS_APP_USER_MODEL_ID)


class _SignalQuitter(QObject):
    """SIGTERM and SIGINT end the event loop cleanly (status 0) without a polling timer: the
    signal handler's wake-up byte arrives on a socket that Qt watches."""

    def __init__(self, app: QApplication, on_signal: Callable[[], None]) -> None:
        super().__init__(app)
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)
        self._on_signal = on_signal
        self._previous = {
            sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGTERM, signal.SIGINT)
        }

    def _on_wakeup(self) -> None:
        with contextlib.suppress(OSError):
            self._read.recv(64)
        logger.info("stop signal received")
        self._on_signal()

    def restore(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


def run_app(options: AppOptions) -> int:
    """Start the tray app and run until Quit; the exit status (0 on Quit)."""
    _set_windows_app_id()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_ID)
    app.setOrganizationName(APP_ID)
    app.setQuitOnLastWindowClosed(False)

    single = SingleInstance(instance_name(paths.data_dir()), app)
    if not single.claim():
        print("solaxtray is already running; its window was brought up.", file=sys.stderr)
        return 0

    hook = ErrorDialogHook(paths.log_path())
    hook.install()
    tray_app = TrayApp(options)
    single.activated.connect(tray_app.bring_to_front)
    quitter = _SignalQuitter(app, tray_app.quit)
    QTimer.singleShot(0, tray_app.start)
    try:
        status = app.exec()
    finally:
        tray_app.shutdown()
        quitter.restore()
        single.release()
        hook.uninstall()
    logger.info("solaxtray stopped")
    return int(status)


__all__ = ["AppOptions", "ErrorDialogHook", "FleetModel", "TrayApp", "run_app"]
