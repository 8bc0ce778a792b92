"""The running tray app: builds the parts and connects them (everything after the icon is up).

Nothing else reaches for globals: the clock, settings store, secret stores, backend, scheduler,
poller, notifier, tray and windows are made here and handed to each other. Decisions live in the
core (``presentation.build_view``, the scheduler, the alert rules, ``core.tray_rules``); this
module moves facts between them and the widgets. The parts it wires have modules of their own:
what is polled and whether it polls (``ui/account.py``), the windows (``ui/windows.py``), the
way to notifications (``ui/alert_wiring.py``), the history opened on a worker thread
(``ui/history_opener.py``) and the demo's world (``core.demo_session``).

Why a module of its own: ``ui/app.py`` puts the tray icon up first, with only Qt's basics loaded,
and imports this module (and through it the HTTP clients, the keyring, the polling core and the
windows) once the event loop runs, so the icon appears about as fast as a bare Qt tray icon's.
The popup and the fallback window are built the first time they are needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from solaxtray.core import paths
from solaxtray.core.api.registry import BackendKind, BackendSpec
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.context import Credentials, Overrides, RunContext
from solaxtray.core.demo_session import DemoSession
from solaxtray.core.fleet import FleetModel
from solaxtray.core.i18n import _
from solaxtray.core.presentation import AppCondition, TrayView
from solaxtray.core.settings import MemorySettingsStore, Settings, SettingsStore
from solaxtray.ui.account import Account, SecretLoader
from solaxtray.ui.alert_wiring import AlertWiring
from solaxtray.ui.background import BackgroundCaller, CallTimedOut
from solaxtray.ui.icon import IconCache, panel_is_dark, wants_template_icon
from solaxtray.ui.notifier import Notifier, default_sender
from solaxtray.ui.options import AppOptions
from solaxtray.ui.tray import Tray, TrayMenu
from solaxtray.ui.windows import Windows

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.watch import FleetWatch
    from solaxtray.ui.fallback_window import FallbackWindow
    from solaxtray.ui.poller import Poller
    from solaxtray.ui.popup import PopupWindow

logger = logging.getLogger(__name__)

HISTORY_OPEN_TIMEOUT_S = 30.0
"""The longest wait for the history to open before polling starts without it: a file another
program holds locked is waited for (twice SQLite's busy timeout, with room to spare)."""


def _desktop_files_done(_written: object, error: BaseException | None) -> None:
    """File-system problems are logged where they happen; anything else is logged here."""
    if error is not None:
        logger.warning(
            "Could not install solaxtray's icon and desktop entry (%s), so notifications may "
            "show a generic icon.",
            type(error).__name__,
        )


def _close_late_history(store: HistoryStore) -> None:
    """The history opened after the tray gave up waiting: polling already runs without it, so
    its connection is closed rather than left open until quit."""
    logger.warning("The history database opened too late for this run; it is used next start")
    store.close()


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
        stand_ins: dict[BackendKind, SecretLoader] = {}
        """Stand-ins for the keyring (tests), by API; the rest read through their spec."""
        if token_loader is not None:
            stand_ins[BackendKind.TOKEN] = lambda: {"token": token_loader()}
        if developer_loader is not None:
            stand_ins[BackendKind.DEVELOPER] = lambda: dict(
                zip(("client_id", "client_secret"), developer_loader(), strict=True)
            )
        self._caller = BackgroundCaller(self)
        self.demo: DemoSession | None = DemoSession() if options.demo else None
        """The demo's simulated cloud and throwaway directory (``None`` outside the demo)."""
        self.history: HistoryStore | None = None
        """Every answer is stored here (the popup reads today's figures from it); opened at
        start: the user's database, or the demo's throwaway one."""
        self.model = FleetModel(self.clock)
        self.model.stale_after_s = self.settings.stale_minutes * 60.0
        self.account = Account(
            self.model,
            self.settings,
            # This run's command-line choices: the run context puts them above the settings.
            Overrides(
                backend=options.backend,
                serials=tuple(options.serials or ()),
                server=options.api_url or None,
            ),
            clock=self.clock,
            demo=self.demo,
            secret_loaders=stand_ins,
            parent=self,
        )

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
        self.alerts = AlertWiring(self.notifier, self.menu, self)
        self.windows = Windows(self.menu, self.tray, lambda: self._icons.icon, self)
        self.settings_dialog: QWidget | None = None
        self._view: TrayView | None = None
        self._stopped = False
        self._starting = True
        """Until the first plan exists (or a condition is known) the icon keeps its "starting"
        look: an empty fleet would read "No inverter configured" for a moment."""

        self.menu.open_details.connect(self.show_details)
        self.menu.refresh.connect(self.refresh_now)
        self.menu.settings.connect(self.show_settings)
        self.menu.quit.connect(self.quit)
        self.tray.toggle_popup.connect(self.toggle_details)
        self.notifier.clicked.connect(self.show_details)
        self.tray.unavailable.connect(self.windows.on_no_tray)
        self.tray.shown.connect(self._on_tray_shown)
        self.windows.tick.connect(self.refresh_view)
        self.windows.refresh_requested.connect(self.refresh_now)
        self.windows.settings_requested.connect(self.show_settings)
        self.account.changed.connect(self.refresh_view)
        self.account.settled.connect(self._on_settled)
        self.account.settings_needed.connect(self.show_settings)
        self.account.warning.connect(self.alerts.warn)
        self.account.alerts.connect(self.alerts.on_alerts)

    def _kind_enabled(self, kind: str) -> bool:
        """Read through ``self.settings`` on every alert, so a settings change applies at once."""
        return self.settings.notify.enabled(kind)

    # --- the parts, as the rest of the app sees them ----------------------------------------------

    @property
    def context(self) -> RunContext | None:
        """What is polled (API, serials, server, credentials, ledger, budget), resolved by the
        same run context as the command line's; ``None`` until the credentials are read."""
        return self.account.context

    @property
    def spec(self) -> BackendSpec:
        """The SolaX API in use (``--backend`` or the settings' choice until it is resolved)."""
        return self.account.spec

    @property
    def backend_kind(self) -> str:
        """The SolaX API in use, by name (a ``BackendKind``)."""
        return self.spec.kind

    @property
    def credentials(self) -> Credentials | None:
        return self.context.credentials if self.context is not None else None

    @property
    def backend(self) -> RealtimeBackend | None:
        return self.account.run.backend if self.account.run is not None else None

    @property
    def planner(self) -> FleetWatch | None:
        return self.account.run.planner if self.account.run is not None else None

    @property
    def ledger(self) -> RequestLedger | None:
        return self.account.run.ledger if self.account.run is not None else None

    @property
    def poller(self) -> Poller | None:
        return self.account.run.poller if self.account.run is not None else None

    @property
    def popup(self) -> PopupWindow | None:
        return self.windows.popup

    @property
    def fallback(self) -> FallbackWindow | None:
        return self.windows.fallback

    @property
    def view(self) -> TrayView | None:
        return self._view

    # --- start and stop ---------------------------------------------------------------------------

    def start(self) -> None:
        self.model.condition = AppCondition.OK
        self.tray.show_starting()
        QTimer.singleShot(0, self._start_work)

    def _start_work(self) -> None:
        if self._settings_warning:
            self.alerts.warn(_("Settings were reset"), self._settings_warning)
        if self.demo is None:
            self._install_desktop_files()
        self._open_history()

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

    def _open_history(self) -> None:
        """Open the history database on a worker thread, then start polling into it.

        Why off the GUI thread: opening runs SQLite's integrity check (tens of milliseconds per
        year of history), another program may hold the file locked for seconds, and the demo
        fills its own database with a day and a month of uploads; meanwhile the icon answers
        and the windows show what they have (the popup fills in when the history arrives).
        The polling waits for it, because every answer is stored there.
        """
        from solaxtray.core.history import default_history_path
        from solaxtray.ui.history_opener import open_history

        demo, spec, clock = self.demo, self.spec, self.clock
        # The demo never touches the user's history: its own database, deleted at quit.
        path = demo.history_path if demo is not None else default_history_path()
        self._caller.call(
            lambda: open_history(path, clock, demo, spec),
            self._on_history,
            timeout_s=HISTORY_OPEN_TIMEOUT_S,
            name="solaxtray-history",
            discard=_close_late_history,
        )

    def _on_history(self, store: HistoryStore | None, error: BaseException | None) -> None:
        if self._stopped:
            if store is not None:
                store.close()  # quit came first
            return
        if isinstance(error, CallTimedOut):
            # History is a bonus: the tray runs on without it rather than not at all.
            logger.warning("The history database did not open in time; running without history")
        elif error is not None:
            logger.error("Could not open the history database", exc_info=error)
        elif store is not None:
            self.history = store
            self.account.history = store
            self.windows.set_history(store)
            if store.warning:
                title = _("History was reset") if store.path is not None else _("History not saved")
                self.alerts.warn(title, store.warning)
        self.account.start()

    def shutdown(self) -> None:
        self._stopped = True
        self.account.stop()
        if self.history is not None:
            self.history.close()
            self.history = None
        if self.demo is not None:
            self.demo.close()
        self.notifier.close()
        self.tray.hide()

    def quit(self) -> None:
        logger.info("quit requested")
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # --- what the user sees ----------------------------------------------------------------------

    def _render_icon(self, view: TrayView) -> QIcon | None:
        return self._icons.update(view, dark_panel=self._dark, template=self._template)

    def _on_settled(self) -> None:
        """The start is over (a poller runs, or a condition says why not): the view shows."""
        self._starting = False
        self.refresh_view()

    def refresh_view(self) -> None:
        if self._starting:
            return
        # The wording of set-up and credential problems depends on the API in use.
        self.model.backend = self.backend_kind
        view = self.model.view()
        self._view = view
        self.tray.update_view(view)
        self.windows.update_view(view)

    def _on_tray_shown(self) -> None:
        """The icon is in a tray (perhaps a new icon object, see ``Tray``): notifications go to
        it, and the status window that stood in for it goes away."""
        self.notifier.set_tray(self.tray.icon)
        self.windows.on_tray_shown()

    def show_details(self) -> None:
        """From the menu, a notification or another launch: the details window, which stays."""
        self.windows.show_details()

    def toggle_details(self) -> None:
        """A click on the icon: the popup next to it, gone again on the next click."""
        self.windows.toggle_details()

    def bring_to_front(self) -> None:
        """Another launch knocked: show what we have (the fallback window or the popup)."""
        self.windows.bring_to_front()

    def refresh_now(self) -> None:
        self.account.refresh_now()

    # --- settings ---------------------------------------------------------------------------------

    def show_settings(self) -> None:
        from solaxtray.ui.settings import SettingsDialog

        if self.settings_dialog is None:
            dialog = SettingsDialog(
                self.settings,
                store=self.store,
                clock=self.clock,
                demo=self.options.demo,
                backend=self.backend_kind,
                ledger_for=self.account.ledger_for,
                demo_serials=tuple(self.model.serials) if self.options.demo else (),
            )
            dialog.applied.connect(self._on_settings_applied)
            # New secrets in the keyring (either API's): read them again and start over.
            dialog.token_changed.connect(self.account.load_credentials)
            dialog.credentials_changed.connect(self.account.load_credentials)
            self.settings_dialog = dialog
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()

    def _on_settings_applied(self, settings: Settings) -> None:
        self.settings = settings
        self.model.stale_after_s = settings.stale_minutes * 60.0
        self.account.apply_settings(settings)


__all__ = ["Credentials", "FleetModel", "TrayApp"]
