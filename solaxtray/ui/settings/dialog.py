"""The settings window: one panel per section (``account``, ``inverters``, ``alerts``,
``startup``), laid out to fit the screen.

Every change that validates is saved at once (``SettingsStore``) and announced with ``applied``, so
the app re-plans without a restart. The secrets are the exception: the account panel saves them
only to the keyring. The window keeps what belongs to no single panel: which API is shown (each
API keeps its own serial numbers while the user switches), the demo's rules, saving, and the fit
to the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.api.registry import spec_of
from solaxtray.core.autostart import Autostart
from solaxtray.core.clock import Clock
from solaxtray.core.connection_check import BackendFactory, LedgerFor
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import N_, _
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.ui.settings.account import AccountPanel
from solaxtray.ui.settings.alerts import AlertsPanel
from solaxtray.ui.settings.inverters import InvertersPanel
from solaxtray.ui.settings.secrets import SecretState
from solaxtray.ui.settings.startup import StartupPanel
from solaxtray.ui.settings.widgets import name_controls

logger = logging.getLogger(__name__)

TITLE_ALLOWANCE_PX = 48
"""Room kept above the dialog for a title bar (not part of the widget's own geometry)."""
FRAME_ALLOWANCE_PX = 16
WIDE_SCREEN_PX = 1100
"""From this free width on, the form stands in two columns (it then fits 1366x768 unscrolled)."""
DEMO_NOTE = N_(
    "This is the demo: it shows its own simulated inverters and saves nothing. Your settings, "
    "keyring and request budget are not touched."
)


class SettingsDialog(QDialog):
    """``applied(Settings)`` after every saved change; ``token_changed()`` after the keyring got
    a new tokenId, ``credentials_changed()`` after it got a new Developer API client id and secret.

    ``backend``: the API in use when it is not the saved one (``--backend`` for this run); the
    dialog shows it first. In demo mode it is the API the demo runs on, and the choice is fixed
    there: the demo needs no secrets, and ``--backend`` picks its API. ``demo_serials`` are the
    inverters the demo shows: listed read-only in place of the user's own, which the demo never
    changes.
    """

    applied = Signal(object)
    token_changed = Signal()
    credentials_changed = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        store: SettingsStore,
        clock: Clock,
        demo: bool = False,
        backend: str | None = None,
        token_store: Any = None,
        credentials_store: Any = None,
        backend_factory: BackendFactory | None = None,
        autostart: Autostart | None = None,
        ledger_for: LedgerFor | None = None,
        demo_serials: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("SolaX Tray settings"))
        self.setObjectName("solaxtray-settings")
        self.settings = settings
        self._store = store
        self._clock = clock
        self._demo = demo
        self._demo_serials = tuple(demo_serials)
        self._serials_by_backend: dict[str, tuple[str, ...]] = {}
        self._shown_backend = backend or settings.backend
        self._loading = True
        self._fitted = False
        self._free: QRect | None = None
        """The screen area the dialog was last fitted to (it may grow inside it)."""
        self._build(
            token_store=token_store,
            credentials_store=credentials_store,
            backend_factory=backend_factory,
            ledger_for=ledger_for,
            autostart=autostart,
        )
        self.content.installEventFilter(self)
        self._load_values(settings)
        self._loading = False

    # --- layout -----------------------------------------------------------------------------------

    def _build(
        self,
        *,
        token_store: Any,
        credentials_store: Any,
        backend_factory: BackendFactory | None,
        ledger_for: LedgerFor | None,
        autostart: Autostart | None,
    ) -> None:
        # Everything but the closing row scrolls: on a small screen (800x600 netbooks, scaled
        # displays) the form is taller than the screen, and the Close button must stay reachable.
        # On a wide screen the two halves stand side by side (``fit_to_screen``), so the whole
        # form fits a 1366x768 screen without scrolling.
        outer = QVBoxLayout(self)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget(self.scroll_area)
        self.columns = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.content)
        left = QVBoxLayout()
        right = QVBoxLayout()
        self.columns.addLayout(left, 1)
        self.columns.addLayout(right, 1)

        self.demo_note = QLabel(_(DEMO_NOTE), self.content)
        self.demo_note.setWordWrap(True)
        self.demo_note.setVisible(self._demo)
        left.addWidget(self.demo_note)

        self.account = AccountPanel(
            collect=self.collect,
            demo=self._demo,
            token_store=token_store,
            credentials_store=credentials_store,
            backend_factory=backend_factory,
            ledger_for=ledger_for,
            parent=self.content,
        )
        self.account.backend_chosen.connect(self._on_backend_chosen)
        self.account.changed.connect(self._apply)
        self.account.token_changed.connect(self.token_changed)
        self.account.credentials_changed.connect(self.credentials_changed)
        left.addWidget(self.account)

        left.addStretch(1)

        # The account alone on the left, the rest on the right: the columns come out about as
        # tall as each other. On a narrow screen the two stand one above the other, in reading
        # order.
        self.inverters = InvertersPanel(self, demo=self._demo, parent=self.content)
        self.inverters.changed.connect(self._apply)
        right.addWidget(self.inverters)
        self.alerts = AlertsPanel(self.content)
        self.alerts.changed.connect(self._apply)
        right.addWidget(self.alerts)
        self.startup = StartupPanel(autostart, self.content)
        self.startup.changed.connect(self._apply)
        self.startup.failed.connect(self.message_text)
        right.addWidget(self.startup)
        right.addStretch(1)
        self.scroll_area.setWidget(self.content)
        outer.addWidget(self.scroll_area, 1)

        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.close)
        outer.addWidget(self.buttons)
        name_controls(self)

    def message_text(self, text: str) -> None:
        """Show a sentence in the line above the Close button."""
        self.message.setText(text)

    def _load_values(self, settings: Settings) -> None:
        serials = settings.serials if settings.backend == self._shown_backend else ()
        self.inverters.show_serials(self._demo_serials if self._demo else serials)
        self._serials_by_backend = {settings.backend: settings.serials}
        self.account.load(settings)
        self.alerts.load(settings)
        self.startup.load(settings)
        self._show_backend(self._shown_backend)

    @property
    def backend(self) -> str:
        """The API the dialog shows (and saves): ``token`` or ``developer``."""
        return self._shown_backend

    @property
    def serial_edit(self) -> QLineEdit:
        """The field a found inverter is typed into (for the setup tools)."""
        return self.inverters.serial_edit

    def add_serial(self) -> None:
        """Add the serial typed into ``serial_edit``, as the Add button does."""
        self.inverters.add_serial()

    def select_backend(self, kind: str) -> None:
        """Choose an API as the user does with the combo box (and save at once)."""
        self.account.select(kind)

    def _show_backend(self, kind: str) -> None:
        self._shown_backend = kind
        self.account.show_backend(kind)
        self.inverters.show_backend(kind)

    def _on_backend_chosen(self, kind: str) -> None:
        if kind == self._shown_backend or self._loading:
            return
        old = self._shown_backend
        self._serials_by_backend[old] = self.inverters.listed_serials()
        restored = self._serials_by_backend.get(kind, ())
        self.inverters.show_serials(restored)
        self.inverters.serial_error.setText(
            ""
            if restored or not self._serials_by_backend[old]
            else _(spec_of(kind).wording.switched_serials)
        )
        self.account.test_result.setText("")
        self._show_backend(kind)
        self._apply()
        if (
            self.isVisible()
            and self.account.secret_state() == SecretState.LOADING
            and not self._demo
        ):
            self.account.load_secret_state()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if not self._fitted:
            self._fitted = True
            self.fit_to_screen()
        super().showEvent(event)
        if not self._demo and self.account.secret_state() == SecretState.LOADING:
            self.account.load_secret_state()

    def fit_to_screen(self, free: QRect | None = None) -> None:
        """As large as the form wants, but inside the screen's free area (``free``, default the
        dialog's screen's available geometry) with room for the window manager's title bar;
        what does not fit scrolls. On a wide screen the form stands in two columns."""
        if free is None:
            free = self.screen().availableGeometry()
        self._free = QRect(free)
        wide = free.width() >= WIDE_SCREEN_PX
        self.columns.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        self.columns.activate()
        width, height = self._wanted_size(free)
        self.resize(width, height)
        x = free.left() + max(0, (free.width() - self.width()) // 2)
        y = free.top() + max(0, (free.height() - self.height() - TITLE_ALLOWANCE_PX) // 2)
        self.move(x, y + TITLE_ALLOWANCE_PX - FRAME_ALLOWANCE_PX)

    def _wanted_size(self, free: QRect) -> tuple[int, int]:
        content = self.content.sizeHint()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        outer = self.layout()
        margins = outer.contentsMargins() if outer is not None else None
        extra_w = (margins.left() + margins.right()) if margins is not None else 0
        chrome = self.sizeHint().height() - self.scroll_area.sizeHint().height()
        width = min(content.width() + bar + extra_w, free.width() - FRAME_ALLOWANCE_PX)
        # Wrapped sentences need more lines in a narrower window: ask for the height at the
        # width the content will really get.
        wanted = content.height()
        if self.content.hasHeightForWidth():
            wanted = max(wanted, self.content.heightForWidth(width - extra_w - bar))
        height = min(wanted + chrome, free.height() - TITLE_ALLOWANCE_PX)
        return max(width, 200), max(height, 200)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            watched is self.content
            and event.type() == QEvent.Type.LayoutRequest
            and self._free is not None
            and self.isVisible()
        ):
            # A sentence that arrives later (the keyring's answer, a test result) may need more
            # room than the form had when it was fitted.
            QTimer.singleShot(0, self._grow_to_content)
        return super().eventFilter(watched, event)

    def _grow_to_content(self) -> None:
        """Grow (never shrink, never move more than needed) to what the form now wants, inside
        the free area the dialog was fitted to."""
        free = self._free
        if free is None or not self.isVisible():
            return
        width, height = self._wanted_size(free)
        width, height = max(width, self.width()), max(height, self.height())
        if (width, height) == (self.width(), self.height()):
            return
        self.resize(width, height)
        x = min(self.x(), free.right() + 1 - FRAME_ALLOWANCE_PX - width)
        y = min(self.y(), free.bottom() + 1 - FRAME_ALLOWANCE_PX - height)
        self.move(max(free.left(), x), max(free.top(), y))

    # --- settings -------------------------------------------------------------------------------

    def collect(self) -> Settings:
        """The settings the widgets show, validated (raises ConfigError with a sentence)."""
        changes: dict[str, Any] = {
            "serials": self.inverters.listed_serials(),
            **self.account.values(),
            **self.alerts.values(),
            **self.startup.values(),
        }
        if not self._demo:
            changes["backend"] = self._shown_backend
        else:
            # The demo's API and inverters are this run's; the settings keep the user's own.
            changes["serials"] = self.settings.serials
        return replace(self.settings, **changes).validated()

    def _apply(self) -> bool:
        if self._loading:
            return False
        try:
            settings = self.collect()
        except ConfigError as exc:
            self.message.setText(exc.message)
            return False
        if settings == self.settings:
            return True
        try:
            self._store.save(settings)
        except (ConfigError, OSError) as exc:
            text = exc.message if isinstance(exc, ConfigError) else str(exc)
            self.message.setText(_("The settings could not be saved: {text}").format(text=text))
            return False
        self.settings = settings
        self.message.setText(_("Saved."))
        logger.info("settings saved")
        self.applied.emit(settings)
        return True
