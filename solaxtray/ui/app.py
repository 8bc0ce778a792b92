"""Start-up of the tray app: the icon first, everything else a moment later.

``run_app`` makes the QApplication, claims the single instance, puts up the tray icon in its
"starting" state and starts the event loop; only then is ``ui/tray_app.py`` imported and the
``TrayApp`` built (HTTP clients, keyring, polling core, simulator in demo mode), and it takes the
icon over. Why: a tray app starts at login beside everything else, and the icon is what the user
waits for; loading the rest first made it appear two to three times later than a bare Qt tray
icon (``benchmarks/startup.py``). So this module imports nothing heavy at run time.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtWidgets import QApplication

from solaxtray.core import paths
from solaxtray.core.errors import SolaxTrayError
from solaxtray.core.i18n import N_, _
from solaxtray.ui.options import AppOptions
from solaxtray.ui.single_instance import SingleInstance, instance_name
from solaxtray.ui.tray import Tray, TrayMenu

if TYPE_CHECKING:
    import socket
    import types

    from PySide6.QtWidgets import QMessageBox

    from solaxtray.ui.tray_app import TrayApp

logger = logging.getLogger(__name__)

APP_ID = "solaxtray"
WINDOWS_APP_USER_MODEL_ID = "io.github.solaxtray.SolaXTray"
ALREADY_RUNNING = N_("solaxtray is already running; its window was brought up.")
DEMO_ALREADY_RUNNING = N_(
    "The solaxtray demo is already running; its window was brought up instead of a second demo."
)


def single_instance_name(options: AppOptions) -> str:
    """The single-instance name of this launch: the demo and the real app each have their own,
    so that either can run beside the other and neither is taken for the other."""
    return instance_name(paths.data_dir(), demo=options.demo)


def already_running_text(options: AppOptions) -> str:
    """The sentence a second launch prints before it gives way to the first."""
    return _(DEMO_ALREADY_RUNNING if options.demo else ALREADY_RUNNING)


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
        import traceback

        logger.critical(
            "Uncaught error: %s",
            "".join(traceback.format_exception_only(exc_type, exc)).strip(),
            exc_info=(exc_type, exc, tb),
        )
        if self.shown or QApplication.instance() is None:
            return
        self.shown = True
        if isinstance(exc, SolaxTrayError):
            text = _("{title}: {message}").format(title=exc.title, message=exc.message)
        else:
            text = _("SolaX Tray ran into an unexpected problem and carries on.")
        if self.log_file:
            text = _("{problem} The details are in the log file {path}.").format(
                problem=text, path=self.log_file
            )
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, _("SolaX Tray: unexpected error"), text)
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
        import signal
        import socket

        super().__init__(app)
        self._read: socket.socket
        self._write: socket.socket
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
        import signal

        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()


class Launch(QObject):
    """One launch of the tray app: the tray icon from the first moment, the ``TrayApp`` once the
    event loop runs (``build``), which takes the icon over.

    ``finished`` says the launch is over with no app to run: it gave way to an instance that
    claimed the name first (``stopped_as_duplicate``), or Quit was chosen before the app was
    built. ``run_app`` ends the event loop on it; the launch itself never reaches for the
    process's application object.
    """

    finished = Signal()

    def __init__(
        self, app: QApplication, options: AppOptions, single: SingleInstance, *, claimed: bool
    ) -> None:
        super().__init__(app)
        self.options = options
        self._single = single
        self._claimed = claimed
        self.stopped_as_duplicate = False
        single.activated.connect(self.bring_to_front)
        self.tray_app: TrayApp | None = None
        self.menu = TrayMenu(self)
        kwargs: dict[str, Any] = {}
        if options.tray_wait_s is not None:
            kwargs["wait_s"] = options.tray_wait_s
        self.tray = Tray(self.menu, parent=self, **kwargs)
        # Quit works even before the app is built (which then connects its own Quit).
        self.menu.quit.connect(self._menu_quit)

    def show_icon(self) -> None:
        self.tray.show_starting()

    def build(self) -> None:
        if not self._claimed:
            # The icon went up before the name was claimed; only a launch at the very same
            # moment can have taken it since, and then this one gives way.
            self._claimed = True
            if not self._single.claim():
                print(already_running_text(self.options), file=sys.stderr)
                self.stopped_as_duplicate = True
                self.tray.hide()
                self.finished.emit()
                return
        from solaxtray.ui.tray_app import TrayApp

        self.tray_app = TrayApp(self.options, tray=self.tray, parent=self)
        self.tray_app.start()

    def _menu_quit(self) -> None:
        if self.tray_app is None:
            self.quit()

    def quit(self) -> None:
        if self.tray_app is not None:
            self.tray_app.quit()
        else:
            logger.info("quit requested while starting")
            self.finished.emit()

    def bring_to_front(self) -> None:
        if self.tray_app is not None:
            self.tray_app.bring_to_front()

    def shutdown(self) -> None:
        if self.tray_app is not None:
            self.tray_app.shutdown()
        else:
            self.tray.hide()


def run_app(options: AppOptions) -> int:
    """Start the tray app and run until Quit; the exit status (0 on Quit)."""
    _set_windows_app_id()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_ID)
    app.setOrganizationName(APP_ID)
    app.setQuitOnLastWindowClosed(False)
    from solaxtray.ui.language import apply_language

    apply_language(app)

    single = SingleInstance(single_instance_name(options), app)
    claimed = False
    if single.probe() is not False:  # another instance, or no cheap way to tell (Windows)
        if not single.claim():
            print(already_running_text(options), file=sys.stderr)
            return 0
        claimed = True

    launch = Launch(app, options, single, claimed=claimed)
    launch.finished.connect(app.quit)
    launch.show_icon()
    # The icon is up (a StatusNotifierItem registers during show); the rest can follow.
    hook = ErrorDialogHook(paths.log_path())
    hook.install()
    quitter = _SignalQuitter(app, launch.quit)
    QTimer.singleShot(0, launch.build)
    try:
        status = app.exec()
    finally:
        launch.shutdown()
        quitter.restore()
        single.release()
        hook.uninstall()
    logger.info("solaxtray stopped")
    return int(status)


__all__ = ["AppOptions", "ErrorDialogHook", "Launch", "run_app"]
