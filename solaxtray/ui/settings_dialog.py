"""The settings window: which SolaX API and its secrets, serial numbers, server, alerts, start at
login.

Every change that validates is saved at once (``SettingsStore``) and announced with ``applied``, so
the app re-plans without a restart. The secrets are the exception: the tokenId, or the Developer
API's client id and secret, are typed into masked fields and saved only to the keyring, on a worker
thread with a time limit (a locked keyring can block forever; a locked keyring is its own state
with a Retry button). "Test connection" runs one fetch off the GUI thread, on either API, and says
what came back in words.

Why the API choice explains itself: accounts made since September 2026 have no tokenId at all, and
the two APIs name an inverter by different numbers (the dongle's registration number for the
tokenId, the inverter's own serial for the Developer API), the most common mix-up there is.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any, NamedTuple

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core import autostart as autostart_mod
from solaxtray.core.autostart import Autostart
from solaxtray.core.clock import Clock
from solaxtray.core.errors import (
    ConfigError,
    SecretStoreError,
    SecretStoreLocked,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.ledger import RequestBudget
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_power
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S
from solaxtray.core.servers import KNOWN_SERVERS
from solaxtray.core.settings import (
    BACKEND_DEVELOPER,
    BACKEND_TOKEN,
    DEFAULT_DEVELOPER_HOST,
    NotifySettings,
    Settings,
    SettingsStore,
    normalize_serials,
)
from solaxtray.ui.background import BackgroundCaller, CallTimedOut, emit
from solaxtray.ui.setup_tools import SetupButtons

logger = logging.getLogger(__name__)

TITLE_ALLOWANCE_PX = 48
"""Room kept above the dialog for a title bar (not part of the widget's own geometry)."""
FRAME_ALLOWANCE_PX = 16
KEYRING_TIMEOUT_S = DEFAULT_TIMEOUT_S
"""The keyring's own time limit (``core.secrets``), one number for every keyring wait."""
TEST_TIMEOUT_S = 30.0
DEFAULT_SERVER_LABEL = "Default (www.solaxcloud.com)"

BACKEND_LABELS: dict[str, str] = {
    BACKEND_TOKEN: "tokenId (SolaX Cloud API page)",
    BACKEND_DEVELOPER: "Developer API (client id and secret, for accounts made since September 2026)",
}
BACKEND_HELP: dict[str, str] = {
    BACKEND_TOKEN: (
        "Accounts made before September 2026: sign in at www.solaxcloud.com, open Service → API "
        "and copy the tokenId. Inverters are named by the 10-character registration number of "
        "their Pocket WiFi/LAN/4G dongle."
    ),
    BACKEND_DEVELOPER: (
        "Accounts made since September 2026 have no tokenId: sign in at developer.solaxcloud.com, "
        "create an application (or open yours) and copy its client id and client secret. "
        "Inverters are named by their own serial number, printed on the inverter's label, not by "
        "the dongle's registration number."
    ),
}
SERIAL_TITLES: dict[str, str] = {
    BACKEND_TOKEN: "Inverters (dongle registration numbers)",
    BACKEND_DEVELOPER: "Inverters (the inverters' own serial numbers)",
}
SERIAL_FIELD_LABELS: dict[str, tuple[str, str]] = {
    BACKEND_TOKEN: ("Add a &registration number:", "Registration number to add"),
    BACKEND_DEVELOPER: ("Add an inverter's &serial number:", "Inverter serial number to add"),
}
"""The visible label (with its keyboard mnemonic) and the accessible name of the serial field."""
SERIAL_LIST_LABELS: dict[str, tuple[str, str]] = {
    BACKEND_TOKEN: ("&Watched dongles:", "Watched dongle registration numbers"),
    BACKEND_DEVELOPER: ("&Watched inverters:", "Watched inverter serial numbers"),
}
SERIAL_LIST_ROWS = 4
"""Rows the serial list shows before it scrolls."""
DEFAULT_LOW_SOC = 20
"""The threshold offered when the low-battery alert is switched on."""
WIDE_SCREEN_PX = 1100
"""From this free width on, the form stands in two columns (it then fits 1366x768 unscrolled)."""
DEMO_NOTE = (
    "This is the demo: it shows its own simulated inverters and saves nothing. Your settings, "
    "keyring and request budget are not touched."
)
DEMO_SERIALS_NOTE = "The demo's simulated inverters cannot be changed."
SERIAL_PLACEHOLDERS: dict[str, str] = {
    BACKEND_TOKEN: "10 letters and digits, printed on the dongle",
    BACKEND_DEVELOPER: "Serial number on the inverter's label",
}
REGION_LABELS: dict[str, str] = {
    "eu": "Europe (openapi-eu.solaxcloud.com)",
    "cn": "China (openapi-cn.solaxcloud.com)",
    "in": "India (openapi-in.solaxcloud.com)",
}

NOTIFY_LABELS: dict[str, str] = {
    "fault": "Inverter fault",
    "eps": "Grid outage (EPS)",
    "recovery": "Back to normal",
    "offline": "No data / offline",
    "token_rejected": "Token or credentials rejected",
    "rate_limited": "Too many requests",
    "low_soc": "Low battery",
    "weak_string": "Weak PV string",
}


class TokenState:
    """What the dialog knows about the stored token (never the token itself)."""

    LOADING = "loading"
    SET = "set"
    ENV = "env"
    NOT_SET = "not_set"
    LOCKED = "locked"
    NO_KEYRING = "no_keyring"


TestLedger = RequestBudget
"""The app's shared request ledger for one API (``core.ledger.RequestLedger``)."""


LedgerFor = Callable[[str, int, int], TestLedger | None]
"""(API kind, the backend's per-minute and per-day budget) -> the ledger the app keeps for that
API. Called on the test's worker thread: the ledger takes a file lock."""


class _Tested(NamedTuple):
    outcome: Snapshot | SolaxTrayError | str
    """A snapshot of the first inverter, the error, or a sentence saying what was checked
    without an inverter."""
    fingerprint: str


SIGNED_IN = (
    "Signed in: SolaX Cloud accepted the client id and secret. Add an inverter's serial "
    "number to test reading it as well."
)
SIGNED_IN_BEFORE = (
    "The client id and secret are in use: the app holds a valid access token from them, so no "
    "request was needed. Add an inverter's serial number to test reading it as well."
)
FORM_ONLY = (
    "The tokenId has the right form. SolaX Cloud checks a tokenId only together with a "
    "registration number, so no request was sent: add a registration number, then test again."
)


class _NotAgain(SolaxTrayError):
    """The same credentials were just rejected: another try only counts towards a ban."""

    title = "Not tested again"


class _BudgetUsed(SolaxTrayError):
    title = "Request budget used up"


BackendFactory = Callable[..., Any]
"""``core.backend.make_backend``'s signature: (kind, *, api_url, token, client_id, client_secret,
token_cache) -> a backend with ``fetch_many(serials)`` and ``close()``."""


def _default_backend(kind: str, **kwargs: Any) -> Any:
    from solaxtray.core.backend import make_backend

    return make_backend(kind, **kwargs)


def _default_token_store() -> Any:
    from solaxtray.core.secrets import TokenStore

    return TokenStore()


def _default_credentials_store() -> Any:
    from solaxtray.core.secrets import DeveloperCredentials

    return DeveloperCredentials()


def describe_snapshot(snap: Snapshot) -> str:
    """The test result in words: "Connected: X3-Hybrid-G4 · SN ABC1234567 — Normal Mode, 2.4 kW"."""
    kind = snap.inverter_type.label if snap.inverter_type is not None else "Inverter"
    status = snap.inverter_status.label if snap.inverter_status is not None else "status unknown"
    return f"Connected: {kind} · SN {snap.sn} — {status}, {format_power(snap.ac_power)}"


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
        self.setWindowTitle("SolaX Tray settings")
        self.setObjectName("solaxtray-settings")
        self.settings = settings
        self._store = store
        self._clock = clock
        self._demo = demo
        self._demo_serials = tuple(demo_serials)
        self._token_store = token_store if token_store is not None else _default_token_store()
        self._credentials_store = (
            credentials_store if credentials_store is not None else _default_credentials_store()
        )
        self._backend_factory = backend_factory or _default_backend
        self._ledger_for = ledger_for
        self._rejected: set[str] = set()
        """Fingerprints (salted hashes, never the secrets) of credentials the cloud rejected in a
        test: testing them again would only count towards the hour-long ban."""
        self._salt = os.urandom(16)
        self._autostart = autostart if autostart is not None else autostart_mod.for_platform()
        self._caller = BackgroundCaller(self)
        self.token_state = TokenState.LOADING
        self.credentials_state = TokenState.LOADING
        self._serials_by_backend: dict[str, tuple[str, ...]] = {}
        self._shown_backend = backend or settings.backend
        self._loading = True
        self._fitted = False
        self._free: QRect | None = None
        """The screen area the dialog was last fitted to (it may grow inside it)."""
        self._build()
        self.content.installEventFilter(self)
        self._load_values(settings)
        self._loading = False

    # --- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
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
        layout = QVBoxLayout()
        right = QVBoxLayout()
        self.columns.addLayout(layout, 1)
        self.columns.addLayout(right, 1)

        self.demo_note = QLabel(DEMO_NOTE, self.content)
        self.demo_note.setWordWrap(True)
        self.demo_note.setVisible(self._demo)
        layout.addWidget(self.demo_note)

        account_box = QGroupBox("SolaX account", self)
        account_layout = QVBoxLayout(account_box)
        self.backend_combo = QComboBox(account_box)
        for kind, label in BACKEND_LABELS.items():
            self.backend_combo.addItem(label, kind)
        # The longest choice would otherwise set the width of the whole dialog.
        self.backend_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.backend_combo.setMinimumContentsLength(32)
        self.backend_combo.activated.connect(lambda _i: self._on_backend_changed())
        _label_for(self.backend_combo, "SolaX &API:", "SolaX API", account_layout)
        self.backend_help = QLabel("", account_box)
        self.backend_help.setWordWrap(True)
        account_layout.addWidget(self.backend_combo)
        account_layout.addWidget(self.backend_help)

        self.token_panel = QWidget(account_box)
        token_layout = QVBoxLayout(self.token_panel)
        token_layout.setContentsMargins(0, 0, 0, 0)
        self.token_status = QLabel("Checking the keyring…", self.token_panel)
        self.token_status.setWordWrap(True)
        self.token_edit = QLineEdit(self.token_panel)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste the tokenId from SolaX Cloud (Service → API)")
        self.token_edit.returnPressed.connect(self.save_token)
        self.save_token_button = QPushButton("Save token", self.token_panel)
        self.save_token_button.clicked.connect(self.save_token)
        token_layout.addWidget(self.token_status)
        _label_for(self.token_edit, "&tokenId:", "tokenId", token_layout)
        row = QHBoxLayout()
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.save_token_button)
        token_layout.addLayout(row)
        account_layout.addWidget(self.token_panel)

        self.developer_panel = QWidget(account_box)
        dev_layout = QFormLayout(self.developer_panel)
        dev_layout.setContentsMargins(0, 0, 0, 0)
        self.credentials_status = QLabel("Checking the keyring…", self.developer_panel)
        self.credentials_status.setWordWrap(True)
        dev_layout.addRow(self.credentials_status)
        self.client_id_edit = QLineEdit(self.developer_panel)
        self.client_id_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_id_edit.setPlaceholderText("From your application on developer.solaxcloud.com")
        dev_layout.addRow(
            _label_for(self.client_id_edit, "Client &id:", "Client id"), self.client_id_edit
        )
        self.client_secret_edit = QLineEdit(self.developer_panel)
        self.client_secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret_edit.setPlaceholderText("Shown beside the client id")
        self.client_secret_edit.returnPressed.connect(self.save_credentials)
        dev_layout.addRow(
            _label_for(self.client_secret_edit, "Client &secret:", "Client secret"),
            self.client_secret_edit,
        )
        self.save_credentials_button = QPushButton("Save client id and secret", self)
        self.save_credentials_button.clicked.connect(self.save_credentials)
        dev_layout.addRow("", self.save_credentials_button)
        account_layout.addWidget(self.developer_panel)

        row = QHBoxLayout()
        self.retry_button = QPushButton("Retry", account_box)
        self.retry_button.clicked.connect(self.load_secret_state)
        self.retry_button.hide()
        self.test_button = QPushButton("Test connection", account_box)
        self.test_button.setToolTip(
            "Checks the token or the client id and secret with SolaX Cloud; with a serial number "
            "in the list, also reads the first inverter."
        )
        self.test_button.clicked.connect(self.test_connection)
        row.addStretch(1)
        row.addWidget(self.retry_button)
        row.addWidget(self.test_button)
        account_layout.addLayout(row)
        self.test_result = QLabel("", account_box)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        account_layout.addWidget(self.test_result)
        layout.addWidget(account_box)

        self.serial_box = QGroupBox(SERIAL_TITLES[BACKEND_TOKEN], self)
        serial_layout = QVBoxLayout(self.serial_box)
        self.serial_list = QListWidget(self.serial_box)
        # A handful of rows, not Qt's default 192 px of empty list: most users have one inverter,
        # and the list scrolls.
        self.serial_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.serial_list.setMaximumHeight(self.fontMetrics().height() * SERIAL_LIST_ROWS + 12)
        self.serial_edit = QLineEdit(self.serial_box)
        self.serial_edit.returnPressed.connect(self.add_serial)
        self.add_serial_button = QPushButton("Add", self.serial_box)
        self.add_serial_button.clicked.connect(self.add_serial)
        self.remove_serial_button = QPushButton("Remove", self.serial_box)
        self.remove_serial_button.clicked.connect(self.remove_serial)
        self.serial_edit_label = _label_for(self.serial_edit, "", "")
        self.serial_list_label = _label_for(self.serial_list, "", "")
        row = QHBoxLayout()
        row.addWidget(self.serial_edit, 1)
        row.addWidget(self.add_serial_button)
        row.addWidget(self.remove_serial_button)
        self.serial_error = QLabel("", self.serial_box)
        self.serial_error.setWordWrap(True)
        serial_layout.addWidget(self.serial_list_label)
        serial_layout.addWidget(self.serial_list)
        serial_layout.addWidget(self.serial_edit_label)
        serial_layout.addLayout(row)
        serial_layout.addWidget(self.serial_error)
        # "Check set-up…" and "Find my inverters…": their own windows (ui/setup_tools.py).
        self.setup_tools = SetupButtons(self, demo=self._demo, parent=self.serial_box)
        serial_layout.addWidget(self.setup_tools)
        layout.addWidget(self.serial_box)
        layout.addStretch(1)

        self.form = QFormLayout()
        self.server_combo = QComboBox(self)
        self.server_combo.setEditable(True)
        self.server_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.server_combo.setMinimumContentsLength(24)
        self.server_combo.addItem(DEFAULT_SERVER_LABEL, None)
        for name, url in KNOWN_SERVERS.items():
            self.server_combo.addItem(f"{name} — {url}", name)
        self.server_combo.activated.connect(lambda _i: self._apply())
        line_edit = self.server_combo.lineEdit()
        if line_edit is not None:
            line_edit.editingFinished.connect(self._apply)
        self.form.addRow(_label_for(self.server_combo, "Se&rver:", "Server"), self.server_combo)

        self.region_combo = QComboBox(self)
        self.region_combo.setEditable(True)
        self.region_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.region_combo.setMinimumContentsLength(24)
        for name, label in REGION_LABELS.items():
            self.region_combo.addItem(label, name)
        self.region_combo.activated.connect(lambda _i: self._apply())
        region_edit = self.region_combo.lineEdit()
        if region_edit is not None:
            region_edit.editingFinished.connect(self._apply)
        self.form.addRow(
            _label_for(self.region_combo, "Developer API re&gion:", "Developer API region"),
            self.region_combo,
        )

        self.stale_spin = QSpinBox(self)
        self.stale_spin.setRange(1, 24 * 60)
        self.stale_spin.setSuffix(" min")
        self.stale_spin.valueChanged.connect(lambda _v: self._apply())
        self.form.addRow(
            _label_for(self.stale_spin, "No-data alert a&fter:", "No-data alert after (minutes)"),
            self.stale_spin,
        )

        self.autostart_check = QCheckBox("Start SolaX Tray when I &log in", self)
        self.autostart_check.toggled.connect(self._on_autostart)
        self.form.addRow("", self.autostart_check)
        right.addLayout(self.form)

        notify_box = QGroupBox("Notify me about", self)
        notify_layout = QVBoxLayout(notify_box)
        self.notify_checks: dict[str, QCheckBox] = {}
        for f in fields(NotifySettings):
            check = QCheckBox(NOTIFY_LABELS.get(f.name, f.name.replace("_", " ")), notify_box)
            check.toggled.connect(lambda _on: self._apply())
            self.notify_checks[f.name] = check
            if f.name != "low_soc":
                notify_layout.addWidget(check)
                continue
            # The threshold belongs to its switch: usable only while the switch is on, so the
            # two can never say different things ("Off" beside a ticked box).
            self.low_soc_spin = QSpinBox(notify_box)
            self.low_soc_spin.setRange(1, 99)
            self.low_soc_spin.setPrefix("below ")
            self.low_soc_spin.setSuffix(" %")
            self.low_soc_spin.setAccessibleName("Low battery alert below (percent)")
            self.low_soc_spin.valueChanged.connect(lambda _v: self._apply())
            check.toggled.connect(self.low_soc_spin.setEnabled)
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(self.low_soc_spin)
            row.addStretch(1)
            notify_layout.addLayout(row)
        right.addWidget(notify_box)
        right.addStretch(1)
        self.scroll_area.setWidget(self.content)
        outer.addWidget(self.scroll_area, 1)

        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.close)
        outer.addWidget(self.buttons)

        if self._demo:
            self.backend_combo.setEnabled(False)
            demo_text = "Demo mode: the built-in simulator needs no secrets."
            self.token_status.setText(demo_text)
            self.credentials_status.setText(demo_text)
            for widget in (
                self.token_edit,
                self.save_token_button,
                self.client_id_edit,
                self.client_secret_edit,
                self.save_credentials_button,
                self.test_button,
                self.serial_edit,
                self.add_serial_button,
                self.remove_serial_button,
            ):
                widget.setEnabled(False)
        _name_controls(self)

    def _load_values(self, settings: Settings) -> None:
        self.serial_list.clear()
        serials = settings.serials if settings.backend == self._shown_backend else ()
        if self._demo:
            serials = self._demo_serials
            self.serial_error.setText(DEMO_SERIALS_NOTE)
        self.serial_list.addItems(list(serials))
        self._serials_by_backend = {settings.backend: settings.serials}
        index = self.server_combo.findData(settings.api_url)
        if index >= 0:
            self.server_combo.setCurrentIndex(index)
        else:
            self.server_combo.setEditText(settings.api_url or "")
        region = self.region_combo.findData(settings.developer_host.strip().lower())
        if region >= 0:
            self.region_combo.setCurrentIndex(region)
        else:
            self.region_combo.setEditText(settings.developer_host)
        self.low_soc_spin.setValue(settings.low_soc_percent or DEFAULT_LOW_SOC)
        self.stale_spin.setValue(settings.stale_minutes)
        for name, check in self.notify_checks.items():
            check.setChecked(bool(getattr(settings.notify, name)))
        # The low-battery alert is on only with both its switch and a threshold.
        low_on = settings.notify.low_soc and settings.low_soc_percent is not None
        self.notify_checks["low_soc"].setChecked(low_on)
        self.low_soc_spin.setEnabled(low_on)
        self.autostart_check.setChecked(settings.start_at_login)
        self._show_backend(self._shown_backend)

    @property
    def backend(self) -> str:
        """The API the dialog shows (and saves): ``token`` or ``developer``."""
        return self._shown_backend

    def select_backend(self, kind: str) -> None:
        """Choose an API as the user does with the combo box (and save at once)."""
        index = self.backend_combo.findData(kind)
        if index < 0:
            raise ValueError(f"unknown backend {kind!r}")
        self.backend_combo.setCurrentIndex(index)
        self._on_backend_changed()

    def _show_backend(self, kind: str) -> None:
        """Only the chosen API's secrets, server and serial help are shown."""
        self._shown_backend = kind
        index = self.backend_combo.findData(kind)
        if index >= 0 and self.backend_combo.currentIndex() != index:
            self.backend_combo.setCurrentIndex(index)
        developer = kind == BACKEND_DEVELOPER
        self.backend_help.setText(BACKEND_HELP[kind])
        self.token_panel.setVisible(not developer)
        self.developer_panel.setVisible(developer)
        self.serial_box.setTitle(SERIAL_TITLES[kind])
        self.serial_edit.setPlaceholderText(SERIAL_PLACEHOLDERS[kind])
        for label, widget, (text, name) in (
            (self.serial_edit_label, self.serial_edit, SERIAL_FIELD_LABELS[kind]),
            (self.serial_list_label, self.serial_list, SERIAL_LIST_LABELS[kind]),
        ):
            label.setText(text)
            widget.setAccessibleName(name)
        self.form.setRowVisible(self.server_combo, not developer)
        self.form.setRowVisible(self.region_combo, developer)
        self._sync_retry()

    def _on_backend_changed(self) -> None:
        kind = self.backend_combo.currentData()
        if not isinstance(kind, str) or kind == self._shown_backend or self._loading:
            return
        old = self._shown_backend
        self._serials_by_backend[old] = self._listed_serials()
        self.serial_list.clear()
        restored = self._serials_by_backend.get(kind, ())
        self.serial_list.addItems(list(restored))
        self.serial_error.setText(
            ""
            if restored or not self._serials_by_backend[old]
            else (
                "The two APIs name inverters by different numbers: add the "
                + (
                    "inverters' own serial numbers (on their labels)."
                    if kind == BACKEND_DEVELOPER
                    else "10-character registration numbers of the dongles."
                )
            )
        )
        self.test_result.setText("")
        self._show_backend(kind)
        self._apply()
        if self.isVisible() and self._secret_state() == TokenState.LOADING and not self._demo:
            self.load_secret_state()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if not self._fitted:
            self._fitted = True
            self.fit_to_screen()
        super().showEvent(event)
        if not self._demo and self._secret_state() == TokenState.LOADING:
            self.load_secret_state()

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

    def _server_value(self) -> str | None:
        index = self.server_combo.currentIndex()
        text = self.server_combo.currentText().strip()
        if index >= 0 and self.server_combo.itemText(index) == text:
            data = self.server_combo.itemData(index)
            return data if isinstance(data, str) else None
        return text or None

    def _region_value(self) -> str:
        index = self.region_combo.currentIndex()
        text = self.region_combo.currentText().strip()
        if index >= 0 and self.region_combo.itemText(index) == text:
            data = self.region_combo.itemData(index)
            return data if isinstance(data, str) else DEFAULT_DEVELOPER_HOST
        return text or DEFAULT_DEVELOPER_HOST

    def _listed_serials(self) -> tuple[str, ...]:
        return tuple(
            item.text()
            for item in (self.serial_list.item(i) for i in range(self.serial_list.count()))
            if item is not None
        )

    def collect(self) -> Settings:
        """The settings the widgets show, validated (raises ConfigError with a sentence)."""
        notify = NotifySettings(**{n: c.isChecked() for n, c in self.notify_checks.items()})
        low_on = self.notify_checks["low_soc"].isChecked()
        changes: dict[str, Any] = {
            "serials": self._listed_serials(),
            "api_url": self._server_value(),
            "developer_host": self._region_value(),
            "low_soc_percent": self.low_soc_spin.value() if low_on else None,
            "stale_minutes": self.stale_spin.value(),
            "notify": notify,
            "start_at_login": self.autostart_check.isChecked(),
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
            self.message.setText(f"The settings could not be saved: {text}")
            return False
        self.settings = settings
        self.message.setText("Saved.")
        logger.info("settings saved")
        emit(self.applied, settings)
        return True

    def add_serial(self) -> None:
        if self._demo:
            self.serial_error.setText(DEMO_SERIALS_NOTE)
            return
        try:
            (sn,) = normalize_serials([self.serial_edit.text()], self._shown_backend)
        except ConfigError as exc:
            self.serial_error.setText(exc.message)
            return
        if sn in self._listed_serials():
            self.serial_error.setText(f"{sn} is already in the list.")
            return
        self.serial_error.setText("")
        self.serial_list.addItem(sn)
        self.serial_edit.clear()
        self._apply()

    def remove_serial(self) -> None:
        if self._demo:
            self.serial_error.setText(DEMO_SERIALS_NOTE)
            return
        row = self.serial_list.currentRow()
        if row < 0:
            self.serial_error.setText("Select a serial number to remove.")
            return
        self.serial_list.takeItem(row)
        self.serial_error.setText("")
        self._apply()

    def _on_autostart(self, enabled: bool) -> None:
        if self._loading:
            return
        try:
            if enabled:
                self._autostart.enable()
            else:
                self._autostart.disable()
        except ConfigError as exc:
            self.message.setText(exc.message)
            self.autostart_check.blockSignals(True)
            self.autostart_check.setChecked(not enabled)
            self.autostart_check.blockSignals(False)
            return
        self._apply()

    # --- secrets ----------------------------------------------------------------------------------

    def _secret_state(self) -> str:
        if self._shown_backend == BACKEND_DEVELOPER:
            return self.credentials_state
        return self.token_state

    def _sync_retry(self) -> None:
        self.retry_button.setVisible(self._secret_state() == TokenState.LOCKED)

    def _set_token_state(self, state: str, text: str) -> None:
        self.token_state = state
        self.token_status.setText(text)
        can_store = state not in (TokenState.LOCKED, TokenState.NO_KEYRING, TokenState.LOADING)
        self.save_token_button.setEnabled(can_store and not self._demo)
        self._sync_retry()

    def _set_credentials_state(self, state: str, text: str) -> None:
        self.credentials_state = state
        self.credentials_status.setText(text)
        can_store = state not in (TokenState.LOCKED, TokenState.NO_KEYRING, TokenState.LOADING)
        self.save_credentials_button.setEnabled(can_store and not self._demo)
        self._sync_retry()

    def load_secret_state(self) -> None:
        """Ask the keyring about the shown API's secrets (Retry does this too)."""
        if self._shown_backend == BACKEND_DEVELOPER:
            self.load_credentials_state()
        else:
            self.load_token_state()

    def load_token_state(self) -> None:
        """Ask the keyring where the token is, on a worker thread with a time limit."""
        self._set_token_state(TokenState.LOADING, "Checking the keyring…")
        store = self._token_store
        self._caller.call(
            store.status, self._on_status, timeout_s=KEYRING_TIMEOUT_S, name="solaxtray-keyring"
        )

    def _on_status(self, status: Any, error: BaseException | None) -> None:
        if error is not None:
            self._set_token_state(*_keyring_trouble(error))
            return
        describe = getattr(status, "describe", None)
        text = describe() if callable(describe) else "Token status unknown."
        source = getattr(status, "source", "none")
        if source == "env":
            self._set_token_state(TokenState.ENV, text)
        elif getattr(status, "is_set", False):
            self._set_token_state(TokenState.SET, "A token is stored in the keyring.")
        else:
            self._set_token_state(TokenState.NOT_SET, "No token yet. " + _SETUP_HINT)

    def load_credentials_state(self) -> None:
        """Ask the keyring whether the client id and secret are there (worker thread, limit)."""
        self._set_credentials_state(TokenState.LOADING, "Checking the keyring…")
        store = self._credentials_store
        self._caller.call(
            store.status,
            self._on_credentials_status,
            timeout_s=KEYRING_TIMEOUT_S,
            name="solaxtray-keyring",
        )

    def _on_credentials_status(self, status: Any, error: BaseException | None) -> None:
        if error is not None:
            self._set_credentials_state(*_keyring_trouble(error))
            return
        id_status, secret_status = status
        from_env = [s for s in (id_status, secret_status) if getattr(s, "source", "") == "env"]
        have_id = bool(getattr(id_status, "is_set", False))
        have_secret = bool(getattr(secret_status, "is_set", False))
        if from_env:
            text = " ".join(s.describe() for s in from_env)
            self._set_credentials_state(TokenState.ENV, text)
        elif have_id and have_secret:
            self._set_credentials_state(
                TokenState.SET, "A client id and secret are stored in the keyring."
            )
        elif have_id or have_secret:
            missing = "client secret" if have_id else "client id"
            self._set_credentials_state(
                TokenState.NOT_SET,
                f"The {missing} is missing. Enter both and choose Save client id and secret.",
            )
        else:
            self._set_credentials_state(TokenState.NOT_SET, "No client id yet. " + _DEV_HINT)

    def save_token(self) -> None:
        from solaxtray.core.secrets import check_token

        try:
            token, warning = check_token(self.token_edit.text())
        except SecretStoreError as exc:
            self.token_status.setText(f"{exc.title}: {exc.message}")
            return
        store = self._token_store
        self.save_token_button.setEnabled(False)
        self.token_status.setText("Saving the token in the keyring…")

        def done(_result: object, error: BaseException | None) -> None:
            if error is not None:
                self._set_token_state(*_keyring_trouble(error))
                return
            self.token_edit.clear()
            text = "The token is saved in the keyring."
            if warning:
                text += " " + warning
            self._set_token_state(TokenState.SET, text)
            emit(self.token_changed)

        self._caller.call(
            lambda: store.set(token), done, timeout_s=KEYRING_TIMEOUT_S, name="solaxtray-keyring"
        )

    def save_credentials(self) -> None:
        """Check the typed client id and secret, then store both in the keyring (worker thread)."""
        from solaxtray.core.secrets import check_credential

        try:
            client_id = check_credential(self.client_id_edit.text(), "client id")
            secret = check_credential(self.client_secret_edit.text(), "client secret")
        except SecretStoreError as exc:
            self.credentials_status.setText(f"{exc.title}: {exc.message}")
            return
        store = self._credentials_store
        self.save_credentials_button.setEnabled(False)
        self.credentials_status.setText("Saving the client id and secret in the keyring…")

        def done(_result: object, error: BaseException | None) -> None:
            if (
                isinstance(error, SecretStoreError)
                and not isinstance(error, SecretStoreLocked)
                and error.title == "Credentials not saved"  # refused before storing anything
            ):
                self._set_credentials_state(TokenState.NOT_SET, f"{error.title}: {error.message}")
                return
            if error is not None:
                self._set_credentials_state(*_keyring_trouble(error))
                return
            self.client_id_edit.clear()
            self.client_secret_edit.clear()
            self._set_credentials_state(
                TokenState.SET, "The client id and secret are saved in the keyring."
            )
            emit(self.credentials_changed)

        self._caller.call(
            lambda: store.set(client_id, secret),
            done,
            timeout_s=KEYRING_TIMEOUT_S,
            name="solaxtray-keyring",
        )

    # --- test connection -------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Check the typed (or stored) secrets with SolaX Cloud, off the GUI thread: by reading
        the first inverter when there is one, else (Developer API) by signing in. The tokenId
        API has no request without an inverter: then only the token's form is checked, and the
        sentence says so."""
        try:
            settings = self.collect()
        except ConfigError as exc:
            self.test_result.setText(exc.message)
            return
        factory = self._backend_factory
        sn = settings.serials[0] if settings.serials else None
        kind = self._shown_backend
        if kind == BACKEND_DEVELOPER:
            typed = (self.client_id_edit.text().strip(), self.client_secret_edit.text().strip())
            credentials = self._credentials_store
            host = settings.developer_host

            def open_backend() -> tuple[Any, str]:
                client_id, secret = typed if all(typed) else credentials.get()
                if not client_id or not secret:
                    raise ConfigError(
                        "Enter the client id and secret first.", title="No credentials"
                    )
                check(fingerprint(BACKEND_DEVELOPER, host, client_id, secret))
                cache = None
                if not all(typed):
                    # The stored application's token is shared with the running app: a test
                    # must not sign in again and so invalidate the token the app polls with.
                    from solaxtray.core.planning import shared_token_cache

                    cache = shared_token_cache(client_id)
                backend = factory(
                    BACKEND_DEVELOPER,
                    api_url=host,
                    client_id=client_id,
                    client_secret=secret,
                    token_cache=cache,
                )
                return backend, fingerprint(BACKEND_DEVELOPER, host, client_id, secret)

        else:
            typed_token = self.token_edit.text().strip()
            store = self._token_store
            api_url = settings.api_url

            def open_backend() -> tuple[Any, str]:
                token = typed_token or store.get()
                if not token:
                    raise ConfigError("Enter the token first.", title="No token")
                check(fingerprint(BACKEND_TOKEN, api_url, token))
                backend = factory(BACKEND_TOKEN, api_url=api_url, token=token)
                return backend, fingerprint(BACKEND_TOKEN, api_url, token)

        salt = self._salt
        rejected = frozenset(self._rejected)
        ledger_for = self._ledger_for

        def fingerprint(*parts: str | None) -> str:
            return hashlib.sha256(salt + "\0".join(p or "" for p in parts).encode()).hexdigest()

        def check(print_: str) -> None:
            if print_ in rejected:
                what = "client id and secret" if kind == BACKEND_DEVELOPER else "token"
                raise _NotAgain(
                    f"SolaX Cloud rejected this {what} a moment ago. Another try would only "
                    "count towards its hour-long block of the account: change the "
                    f"{what} (or the server) first."
                )

        def run() -> _Tested:
            backend, print_ = open_backend()
            if sn is None:
                try:
                    return _Tested(credentials_only(backend), print_)
                finally:
                    backend.close()
            try:
                need = max(1, int(backend.requests_for(1)))
                ledger = (
                    ledger_for(kind, int(backend.per_minute), int(backend.per_day))
                    if ledger_for is not None
                    else None
                )
                if ledger is not None and not ledger.try_acquire(sn, need):
                    raise _BudgetUsed(
                        "The app's request budget for SolaX Cloud is used up for the moment "
                        "(the test counts towards it, like every request). Try again in about "
                        f"{_in_words(ledger.wait_time(need))}."
                    )
                before = int(backend.requests_made)
                try:
                    outcome = backend.fetch_many([sn])[sn]
                finally:
                    # A Developer API sign-in is a request too: charge what was really sent.
                    spent = int(backend.requests_made) - before
                    if ledger is not None:
                        ledger.finish(sn, max(0, spent - need))
            finally:
                backend.close()
            if not isinstance(outcome, Snapshot | SolaxTrayError):
                raise TypeError(f"unexpected answer {type(outcome).__name__}")
            return _Tested(outcome, print_)

        def credentials_only(backend: Any) -> SolaxTrayError | str:
            sign_in = getattr(backend, "sign_in", None)
            if kind != BACKEND_DEVELOPER or not callable(sign_in):
                return FORM_ONLY
            ledger = (
                ledger_for(kind, int(backend.per_minute), int(backend.per_day))
                if ledger_for is not None
                else None
            )
            if ledger is not None and ledger.wait_time(1) > 0:
                raise _BudgetUsed(
                    "The app's request budget for SolaX Cloud is used up for the moment "
                    "(the test counts towards it, like every request). Try again in about "
                    f"{_in_words(ledger.wait_time(1))}."
                )
            before = int(backend.requests_made)
            try:
                sent = bool(sign_in())
            except SolaxTrayError as exc:
                return exc
            finally:
                if ledger is not None:
                    ledger.charge("", int(backend.requests_made) - before)
            return SIGNED_IN if sent else SIGNED_IN_BEFORE

        self.test_button.setEnabled(False)
        if sn is not None:
            self.test_result.setText(f"Asking SolaX Cloud about {sn}…")
        elif kind == BACKEND_DEVELOPER:
            self.test_result.setText("Asking SolaX Cloud to check the client id and secret…")
        else:
            self.test_result.setText("Checking the tokenId…")
        self._caller.call(run, self._on_tested, timeout_s=TEST_TIMEOUT_S, name="solaxtray-test")

    def _on_tested(self, result: Any, error: BaseException | None) -> None:
        self.test_button.setEnabled(not self._demo)
        if error is None and isinstance(result, _Tested):
            if isinstance(result.outcome, TokenRejected):
                self._rejected.add(result.fingerprint)
            if isinstance(result.outcome, Snapshot):
                self.test_result.setText(describe_snapshot(result.outcome))
            elif isinstance(result.outcome, str):
                self.test_result.setText(result.outcome)
            else:
                self.test_result.setText(f"{result.outcome.title}: {result.outcome.message}")
            return
        if error is None and isinstance(result, Snapshot):
            self.test_result.setText(describe_snapshot(result))
        elif isinstance(error, SolaxTrayError):
            self.test_result.setText(f"{error.title}: {error.message}")
        elif isinstance(error, CallTimedOut):
            self.test_result.setText("No answer from SolaX Cloud in time. Check the connection.")
        else:
            logger.error("connection test failed", exc_info=error)
            self.test_result.setText("The test failed unexpectedly; the details are in the log.")


def _in_words(seconds: float) -> str:
    seconds = max(1.0, seconds)
    if seconds < 90:
        return f"{round(seconds)} seconds"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{round(minutes / 60)} hours"


def _keyring_trouble(error: BaseException) -> tuple[str, str]:
    """The state and sentence for a keyring that failed or did not answer."""
    if isinstance(error, SecretStoreLocked | CallTimedOut):
        message = (
            error.message
            if isinstance(error, SecretStoreLocked)
            else "The keyring did not answer in time; it may be locked or waiting for you."
        )
        return TokenState.LOCKED, f"Keyring locked: {message}"
    if isinstance(error, SecretStoreError):
        return TokenState.NO_KEYRING, f"{error.title}: {error.message}"
    logger.error("keyring access failed", exc_info=error)
    return TokenState.NO_KEYRING, "The keyring failed; see the log."


_SETUP_HINT = "Paste the tokenId from SolaX Cloud (Service → API) and choose Save token."
_DEV_HINT = (
    "Copy the client id and secret of your application on the SolaX Developer Platform "
    "(developer.solaxcloud.com) and choose Save client id and secret."
)


def _label_for(
    widget: QWidget, text: str, accessible_name: str, layout: QBoxLayout | None = None
) -> QLabel:
    """A visible label that names ``widget`` (its buddy: the mnemonic focuses it) and the same
    name for screen readers: a placeholder alone disappears as soon as something is typed."""
    label = QLabel(text, widget.parentWidget())
    label.setBuddy(widget)
    if accessible_name:
        widget.setAccessibleName(accessible_name)
    if layout is not None:
        layout.addWidget(label)
    return label


def _name_controls(root: QWidget) -> None:
    """Give every button its text as accessible name, and the line edit inside an editable
    combo box or a spin box the name of its owner; the other controls are named where built."""
    for button in root.findChildren(QAbstractButton):
        if not button.accessibleName():
            button.setAccessibleName(button.text().replace("&", "").strip())
    for edit in root.findChildren(QLineEdit):
        owner = edit.parentWidget()
        if not edit.accessibleName() and isinstance(owner, QComboBox | QAbstractSpinBox):
            edit.setAccessibleName(owner.accessibleName())
    for combo in root.findChildren(QComboBox):
        # The drop-down list is a control of its own for a screen reader.
        if not combo.view().accessibleName():
            combo.view().setAccessibleName(combo.accessibleName())


INTERACTIVE_TYPES: tuple[type[QWidget], ...] = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
)
"""The kinds of control that must each carry an accessible name."""
