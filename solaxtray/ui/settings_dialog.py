"""The settings window: token, serial numbers, server, alerts, start at login.

Every change that validates is saved at once (``SettingsStore``) and announced with ``applied``, so
the app re-plans without a restart. The token is the exception: it is typed into a masked field and
saved only to the keyring, on a worker thread with a time limit (a locked keyring can block
forever; a locked keyring is its own state with a Retry button). "Test connection" runs one fetch
off the GUI thread and says what came back in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core import autostart as autostart_mod
from solaxtray.core.autostart import Autostart
from solaxtray.core.clock import Clock
from solaxtray.core.errors import ConfigError, SecretStoreError, SecretStoreLocked, SolaxTrayError
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_power
from solaxtray.core.servers import KNOWN_SERVERS
from solaxtray.core.settings import NotifySettings, Settings, SettingsStore, normalize_serial
from solaxtray.ui.background import BackgroundCaller, CallTimedOut, emit

logger = logging.getLogger(__name__)

KEYRING_TIMEOUT_S = 10.0
TEST_TIMEOUT_S = 30.0
DEFAULT_SERVER_LABEL = "Default (www.solaxcloud.com)"

NOTIFY_LABELS: dict[str, str] = {
    "fault": "Inverter fault",
    "eps": "Grid outage (EPS)",
    "recovery": "Back to normal",
    "offline": "No data / offline",
    "token_rejected": "Token rejected",
    "rate_limited": "Too many requests",
    "low_soc": "Low battery",
}


class TokenState:
    """What the dialog knows about the stored token (never the token itself)."""

    LOADING = "loading"
    SET = "set"
    ENV = "env"
    NOT_SET = "not_set"
    LOCKED = "locked"
    NO_KEYRING = "no_keyring"


class SecretStoreLike:
    """The parts of ``core.secrets.TokenStore`` used here (a typing aid)."""

    def get(self) -> str | None:  # pragma: no cover - protocol
        raise NotImplementedError

    def set(self, value: str) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def status(self) -> Any:  # pragma: no cover - protocol
        raise NotImplementedError


ClientFactory = Callable[[str, str | None], Any]
"""(token, api_url or None) -> an object with ``fetch(sn) -> Snapshot`` and ``close()``."""


def _default_client(token: str, api_url: str | None) -> Any:
    from solaxtray.core.client import SolaxClient
    from solaxtray.core.servers import DEFAULT_API_URL

    return SolaxClient(token, api_url=api_url or DEFAULT_API_URL)


def _default_token_store() -> Any:
    from solaxtray.core.secrets import TokenStore

    return TokenStore()


def describe_snapshot(snap: Snapshot) -> str:
    """The test result in words: "Connected: X3-Hybrid-G4 · SN ABC1234567 — Normal Mode, 2.4 kW"."""
    kind = snap.inverter_type.label if snap.inverter_type is not None else "Inverter"
    status = snap.inverter_status.label if snap.inverter_status is not None else "status unknown"
    return f"Connected: {kind} · SN {snap.sn} — {status}, {format_power(snap.ac_power)}"


class SettingsDialog(QDialog):
    """``applied(Settings)`` after every saved change; ``token_changed()`` after the keyring got
    a new token."""

    applied = Signal(object)
    token_changed = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        store: SettingsStore,
        clock: Clock,
        demo: bool = False,
        token_store: Any = None,
        client_factory: ClientFactory | None = None,
        autostart: Autostart | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("SolaX Tray settings")
        self.setObjectName("solaxtray-settings")
        self.settings = settings
        self._store = store
        self._clock = clock
        self._demo = demo
        self._token_store = token_store if token_store is not None else _default_token_store()
        self._client_factory = client_factory or _default_client
        self._autostart = autostart if autostart is not None else autostart_mod.for_platform()
        self._caller = BackgroundCaller(self)
        self.token_state = TokenState.LOADING
        self._loading = True
        self._build()
        self._load_values(settings)
        self._loading = False

    # --- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)

        token_box = QGroupBox("SolaX Cloud token", self)
        token_layout = QVBoxLayout(token_box)
        self.token_status = QLabel("Checking the keyring…", token_box)
        self.token_status.setWordWrap(True)
        self.token_edit = QLineEdit(token_box)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("Paste the tokenId from SolaX Cloud (Service → API)")
        self.token_edit.returnPressed.connect(self.save_token)
        row = QHBoxLayout()
        row.addWidget(self.token_edit, 1)
        self.save_token_button = QPushButton("Save token", token_box)
        self.save_token_button.clicked.connect(self.save_token)
        self.retry_button = QPushButton("Retry", token_box)
        self.retry_button.clicked.connect(self.load_token_state)
        self.retry_button.hide()
        self.test_button = QPushButton("Test connection", token_box)
        self.test_button.clicked.connect(self.test_connection)
        row.addWidget(self.save_token_button)
        row.addWidget(self.retry_button)
        row.addWidget(self.test_button)
        token_layout.addWidget(self.token_status)
        token_layout.addLayout(row)
        self.test_result = QLabel("", token_box)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        token_layout.addWidget(self.test_result)
        layout.addWidget(token_box)

        serial_box = QGroupBox("Inverters (dongle registration numbers)", self)
        serial_layout = QVBoxLayout(serial_box)
        self.serial_list = QListWidget(serial_box)
        self.serial_edit = QLineEdit(serial_box)
        self.serial_edit.setPlaceholderText("10 letters and digits, printed on the dongle")
        self.serial_edit.returnPressed.connect(self.add_serial)
        self.add_serial_button = QPushButton("Add", serial_box)
        self.add_serial_button.clicked.connect(self.add_serial)
        self.remove_serial_button = QPushButton("Remove", serial_box)
        self.remove_serial_button.clicked.connect(self.remove_serial)
        row = QHBoxLayout()
        row.addWidget(self.serial_edit, 1)
        row.addWidget(self.add_serial_button)
        row.addWidget(self.remove_serial_button)
        self.serial_error = QLabel("", serial_box)
        self.serial_error.setWordWrap(True)
        serial_layout.addWidget(self.serial_list)
        serial_layout.addLayout(row)
        serial_layout.addWidget(self.serial_error)
        layout.addWidget(serial_box)

        form = QFormLayout()
        self.server_combo = QComboBox(self)
        self.server_combo.setEditable(True)
        self.server_combo.addItem(DEFAULT_SERVER_LABEL, None)
        for name, url in KNOWN_SERVERS.items():
            self.server_combo.addItem(f"{name} — {url}", name)
        self.server_combo.activated.connect(lambda _i: self._apply())
        line_edit = self.server_combo.lineEdit()
        if line_edit is not None:
            line_edit.editingFinished.connect(self._apply)
        form.addRow("Server", self.server_combo)

        self.low_soc_spin = QSpinBox(self)
        self.low_soc_spin.setRange(0, 99)
        self.low_soc_spin.setSuffix(" %")
        self.low_soc_spin.setSpecialValueText("Off")
        self.low_soc_spin.valueChanged.connect(lambda _v: self._apply())
        form.addRow("Low battery alert below", self.low_soc_spin)

        self.stale_spin = QSpinBox(self)
        self.stale_spin.setRange(1, 24 * 60)
        self.stale_spin.setSuffix(" min")
        self.stale_spin.valueChanged.connect(lambda _v: self._apply())
        form.addRow("No-data alert after", self.stale_spin)

        self.autostart_check = QCheckBox("Start SolaX Tray when I log in", self)
        self.autostart_check.toggled.connect(self._on_autostart)
        form.addRow("", self.autostart_check)
        layout.addLayout(form)

        notify_box = QGroupBox("Notify me about", self)
        notify_layout = QVBoxLayout(notify_box)
        self.notify_checks: dict[str, QCheckBox] = {}
        for f in fields(NotifySettings):
            check = QCheckBox(NOTIFY_LABELS.get(f.name, f.name.replace("_", " ")), notify_box)
            check.toggled.connect(lambda _on: self._apply())
            notify_layout.addWidget(check)
            self.notify_checks[f.name] = check
        layout.addWidget(notify_box)

        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

        if self._demo:
            self.token_status.setText("Demo mode: the built-in simulator needs no token.")
            for widget in (self.token_edit, self.save_token_button, self.test_button):
                widget.setEnabled(False)

    def _load_values(self, settings: Settings) -> None:
        self.serial_list.clear()
        self.serial_list.addItems(list(settings.serials))
        index = self.server_combo.findData(settings.api_url)
        if index >= 0:
            self.server_combo.setCurrentIndex(index)
        else:
            self.server_combo.setEditText(settings.api_url or "")
        self.low_soc_spin.setValue(settings.low_soc_percent or 0)
        self.stale_spin.setValue(settings.stale_minutes)
        for name, check in self.notify_checks.items():
            check.setChecked(bool(getattr(settings.notify, name)))
        self.autostart_check.setChecked(settings.start_at_login)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._demo and self.token_state == TokenState.LOADING:
            self.load_token_state()

    # --- settings -------------------------------------------------------------------------------

    def _server_value(self) -> str | None:
        index = self.server_combo.currentIndex()
        text = self.server_combo.currentText().strip()
        if index >= 0 and self.server_combo.itemText(index) == text:
            data = self.server_combo.itemData(index)
            return data if isinstance(data, str) else None
        return text or None

    def collect(self) -> Settings:
        """The settings the widgets show, validated (raises ConfigError with a sentence)."""
        serials = tuple(
            item.text()
            for item in (self.serial_list.item(i) for i in range(self.serial_list.count()))
            if item is not None
        )
        notify = NotifySettings(**{n: c.isChecked() for n, c in self.notify_checks.items()})
        low = self.low_soc_spin.value()
        candidate = replace(
            self.settings,
            serials=serials,
            api_url=self._server_value(),
            low_soc_percent=low or None,
            stale_minutes=self.stale_spin.value(),
            notify=notify,
            start_at_login=self.autostart_check.isChecked(),
        )
        return candidate.validated()

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
        try:
            sn = normalize_serial(self.serial_edit.text())
        except ConfigError as exc:
            self.serial_error.setText(exc.message)
            return
        existing = {self.serial_list.item(i).text() for i in range(self.serial_list.count())}
        if sn in existing:
            self.serial_error.setText(f"{sn} is already in the list.")
            return
        self.serial_error.setText("")
        self.serial_list.addItem(sn)
        self.serial_edit.clear()
        self._apply()

    def remove_serial(self) -> None:
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

    # --- token ------------------------------------------------------------------------------------

    def _set_token_state(self, state: str, text: str) -> None:
        self.token_state = state
        self.token_status.setText(text)
        self.retry_button.setVisible(state == TokenState.LOCKED)
        can_store = state not in (TokenState.LOCKED, TokenState.NO_KEYRING, TokenState.LOADING)
        self.save_token_button.setEnabled(can_store and not self._demo)

    def load_token_state(self) -> None:
        """Ask the keyring where the token is, on a worker thread with a time limit."""
        self._set_token_state(TokenState.LOADING, "Checking the keyring…")
        store = self._token_store
        self._caller.call(
            store.status, self._on_status, timeout_s=KEYRING_TIMEOUT_S, name="solaxtray-keyring"
        )

    def _on_status(self, status: Any, error: BaseException | None) -> None:
        if error is not None:
            self._keyring_failed(error)
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

    def _keyring_failed(self, error: BaseException) -> None:
        if isinstance(error, SecretStoreLocked | CallTimedOut):
            message = (
                error.message
                if isinstance(error, SecretStoreLocked)
                else "The keyring did not answer in time; it may be locked or waiting for you."
            )
            self._set_token_state(TokenState.LOCKED, f"Keyring locked: {message}")
        elif isinstance(error, SecretStoreError):
            self._set_token_state(TokenState.NO_KEYRING, f"{error.title}: {error.message}")
        else:
            logger.error("keyring access failed", exc_info=error)
            self._set_token_state(TokenState.NO_KEYRING, "The keyring failed; see the log.")

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
                self._keyring_failed(error)
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

    # --- test connection -------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Fetch the first serial with the typed (or stored) token, off the GUI thread."""
        try:
            settings = self.collect()
        except ConfigError as exc:
            self.test_result.setText(exc.message)
            return
        if not settings.serials:
            self.test_result.setText("Add a serial number first.")
            return
        typed = self.token_edit.text().strip()
        store = self._token_store
        factory = self._client_factory
        sn = settings.serials[0]
        api_url = settings.api_url

        def run() -> Snapshot:
            token = typed or store.get()
            if not token:
                raise ConfigError("Enter the token first.", title="No token")
            client = factory(token, api_url)
            try:
                snap: Snapshot = client.fetch(sn)
                return snap
            finally:
                client.close()

        self.test_button.setEnabled(False)
        self.test_result.setText(f"Asking SolaX Cloud about {sn}…")
        self._caller.call(run, self._on_tested, timeout_s=TEST_TIMEOUT_S, name="solaxtray-test")

    def _on_tested(self, result: Any, error: BaseException | None) -> None:
        self.test_button.setEnabled(not self._demo)
        if error is None and isinstance(result, Snapshot):
            self.test_result.setText(describe_snapshot(result))
        elif isinstance(error, SolaxTrayError):
            self.test_result.setText(f"{error.title}: {error.message}")
        elif isinstance(error, CallTimedOut):
            self.test_result.setText("No answer from SolaX Cloud in time. Check the connection.")
        else:
            logger.error("connection test failed", exc_info=error)
            self.test_result.setText("The test failed unexpectedly; the details are in the log.")


_SETUP_HINT = "Paste the tokenId from SolaX Cloud (Service → API) and choose Save token."
