"""The secrets of the account panel: the tokenId, or the Developer API's client id and secret.

They are typed into masked fields and saved only to the keyring, on a worker thread with a time
limit: a locked keyring can block forever, so a locked keyring is its own state (the account
panel offers Retry). What the keyring holds is never read back into a field, only its state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.api.registry import DEFAULT_KIND, spec_of
from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.i18n import N_, _
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S
from solaxtray.ui.background import BackgroundCaller, CallTimedOut
from solaxtray.ui.settings.widgets import label_for

logger = logging.getLogger(__name__)

KEYRING_TIMEOUT_S = DEFAULT_TIMEOUT_S
"""The keyring's own time limit (``core.secrets``), one number for every keyring wait."""
_SETUP_HINT = N_("Paste the tokenId from SolaX Cloud (Service → API) and choose Save token.")
_DEV_HINT = N_(
    "Copy the client id and secret of your application on the SolaX Developer Platform "
    "(developer.solaxcloud.com) and choose Save client id and secret."
)


class SecretState:
    """What the window knows about the stored secrets of an API (never the secrets themselves)."""

    LOADING = "loading"
    SET = "set"
    ENV = "env"
    NOT_SET = "not_set"
    LOCKED = "locked"
    NO_KEYRING = "no_keyring"


def _default_token_store() -> Any:
    from solaxtray.core.secrets import TokenStore

    return TokenStore()


def _default_credentials_store() -> Any:
    from solaxtray.core.secrets import DeveloperCredentials

    return DeveloperCredentials()


class SecretFields(QWidget):
    """The shown API's secret fields and what the keyring holds for them.

    ``state_changed()`` after ``token_state`` or ``credentials_state`` changed;
    ``token_changed()`` / ``credentials_changed()`` after the keyring got a new tokenId / client
    id and secret. ``token_store`` and ``credentials_store`` default to the keyring's.
    """

    state_changed = Signal()
    token_changed = Signal()
    credentials_changed = Signal()

    def __init__(
        self,
        *,
        demo: bool = False,
        token_store: Any = None,
        credentials_store: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._demo = demo
        self.token_store = token_store if token_store is not None else _default_token_store()
        self.credentials_store = (
            credentials_store if credentials_store is not None else _default_credentials_store()
        )
        self._caller = BackgroundCaller(self)
        self._kind: str = DEFAULT_KIND
        self.token_state = SecretState.LOADING
        self.credentials_state = SecretState.LOADING
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.token_panel = QWidget(self)
        token_layout = QVBoxLayout(self.token_panel)
        token_layout.setContentsMargins(0, 0, 0, 0)
        self.token_status = QLabel(_("Checking the keyring…"), self.token_panel)
        self.token_status.setWordWrap(True)
        self.token_edit = QLineEdit(self.token_panel)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(_("Paste the tokenId from SolaX Cloud (Service → API)"))
        self.token_edit.returnPressed.connect(self.save_token)
        self.save_token_button = QPushButton(_("Save token"), self.token_panel)
        self.save_token_button.clicked.connect(self.save_token)
        token_layout.addWidget(self.token_status)
        label_for(self.token_edit, _("&tokenId:"), _("tokenId"), token_layout)
        row = QHBoxLayout()
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.save_token_button)
        token_layout.addLayout(row)
        layout.addWidget(self.token_panel)

        self.developer_panel = QWidget(self)
        dev_layout = QFormLayout(self.developer_panel)
        dev_layout.setContentsMargins(0, 0, 0, 0)
        self.credentials_status = QLabel(_("Checking the keyring…"), self.developer_panel)
        self.credentials_status.setWordWrap(True)
        dev_layout.addRow(self.credentials_status)
        self.client_id_edit = QLineEdit(self.developer_panel)
        self.client_id_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_id_edit.setPlaceholderText(
            _("From your application on developer.solaxcloud.com")
        )
        dev_layout.addRow(
            label_for(self.client_id_edit, _("Client &id:"), _("Client id")), self.client_id_edit
        )
        self.client_secret_edit = QLineEdit(self.developer_panel)
        self.client_secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_secret_edit.setPlaceholderText(_("Shown beside the client id"))
        self.client_secret_edit.returnPressed.connect(self.save_credentials)
        dev_layout.addRow(
            label_for(self.client_secret_edit, _("Client s&ecret:"), _("Client secret")),
            self.client_secret_edit,
        )
        self.save_credentials_button = QPushButton(_("Save client id and secret"), self)
        self.save_credentials_button.clicked.connect(self.save_credentials)
        dev_layout.addRow("", self.save_credentials_button)
        layout.addWidget(self.developer_panel)

        if demo:
            demo_text = _("Demo mode: the built-in simulator needs no secrets.")
            self.token_status.setText(demo_text)
            self.credentials_status.setText(demo_text)
            for widget in (
                self.token_edit,
                self.save_token_button,
                self.client_id_edit,
                self.client_secret_edit,
                self.save_credentials_button,
            ):
                widget.setEnabled(False)

    def _panel_key(self) -> str:
        """The shown API's panel: by its first credential field (a tokenId, or a client id
        with its secret)."""
        return spec_of(self._kind).credential_fields[0].attribute

    def _panels(self) -> dict[str, tuple[QWidget, Callable[[], str], Callable[[], None]]]:
        """Panel, keyring state and state loader of each kind of credentials."""
        return {
            "token": (self.token_panel, lambda: self.token_state, self.load_token_state),
            "client_id": (
                self.developer_panel,
                lambda: self.credentials_state,
                self.load_credentials_state,
            ),
        }

    def show_backend(self, kind: str) -> None:
        """Only ``kind``'s fields are shown."""
        self._kind = kind
        shown = self._panel_key()
        for key, (panel, _state, _load) in self._panels().items():
            panel.setVisible(key == shown)
        self.state_changed.emit()

    def secret_state(self) -> str:
        """The keyring state of the shown API's secrets (a ``SecretState``)."""
        return str(self._panels()[self._panel_key()][1]())

    def typed_values(self) -> dict[str, str]:
        """What is typed into the shown API's credential fields (stripped), by attribute."""
        typed = {
            "token": self.token_edit.text().strip(),
            "client_id": self.client_id_edit.text().strip(),
            "client_secret": self.client_secret_edit.text().strip(),
        }
        return {
            f.attribute: typed.get(f.attribute, "") for f in spec_of(self._kind).credential_fields
        }

    def _set_token_state(self, state: str, text: str) -> None:
        self.token_state = state
        self.token_status.setText(text)
        can_store = state not in (SecretState.LOCKED, SecretState.NO_KEYRING, SecretState.LOADING)
        self.save_token_button.setEnabled(can_store and not self._demo)
        self.state_changed.emit()

    def _set_credentials_state(self, state: str, text: str) -> None:
        self.credentials_state = state
        self.credentials_status.setText(text)
        can_store = state not in (SecretState.LOCKED, SecretState.NO_KEYRING, SecretState.LOADING)
        self.save_credentials_button.setEnabled(can_store and not self._demo)
        self.state_changed.emit()

    def load_secret_state(self) -> None:
        """Ask the keyring about the shown API's secrets (Retry does this too)."""
        self._panels()[self._panel_key()][2]()

    def load_token_state(self) -> None:
        """Ask the keyring where the token is, on a worker thread with a time limit."""
        self._set_token_state(SecretState.LOADING, _("Checking the keyring…"))
        store = self.token_store
        self._caller.call(
            store.status, self._on_status, timeout_s=KEYRING_TIMEOUT_S, name="solaxtray-keyring"
        )

    def _on_status(self, status: Any, error: BaseException | None) -> None:
        if error is not None:
            self._set_token_state(*_keyring_trouble(error))
            return
        describe = getattr(status, "describe", None)
        text = describe() if callable(describe) else _("Token status unknown.")
        source = getattr(status, "source", "none")
        if source == "env":
            self._set_token_state(SecretState.ENV, text)
        elif getattr(status, "is_set", False):
            self._set_token_state(SecretState.SET, _("A token is stored in the keyring."))
        else:
            self._set_token_state(
                SecretState.NOT_SET, _("No token yet. {hint}").format(hint=_(_SETUP_HINT))
            )

    def load_credentials_state(self) -> None:
        """Ask the keyring whether the client id and secret are there (worker thread, limit)."""
        self._set_credentials_state(SecretState.LOADING, _("Checking the keyring…"))
        store = self.credentials_store
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
            self._set_credentials_state(SecretState.ENV, text)
        elif have_id and have_secret:
            self._set_credentials_state(
                SecretState.SET, _("A client id and secret are stored in the keyring.")
            )
        elif have_id or have_secret:
            self._set_credentials_state(
                SecretState.NOT_SET,
                _("The client secret is missing. Enter both and choose Save client id and secret.")
                if have_id
                else _(
                    "The client id is missing. Enter both and choose Save client id and secret."
                ),
            )
        else:
            self._set_credentials_state(
                SecretState.NOT_SET, _("No client id yet. {hint}").format(hint=_(_DEV_HINT))
            )

    def save_token(self) -> None:
        from solaxtray.core.secrets import check_token

        try:
            token, warning = check_token(self.token_edit.text())
        except SecretStoreError as exc:
            self.token_status.setText(f"{exc.title}: {exc.message}")
            return
        store = self.token_store
        self.save_token_button.setEnabled(False)
        self.token_status.setText(_("Saving the token in the keyring…"))

        def done(_result: object, error: BaseException | None) -> None:
            if error is not None:
                self._set_token_state(*_keyring_trouble(error))
                return
            self.token_edit.clear()
            text = _("The token is saved in the keyring.")
            if warning:
                text += " " + warning
            self._set_token_state(SecretState.SET, text)
            self.token_changed.emit()

        self._caller.call(
            lambda: store.set(token), done, timeout_s=KEYRING_TIMEOUT_S, name="solaxtray-keyring"
        )

    def save_credentials(self) -> None:
        """Check the typed client id and secret, then store both in the keyring (worker thread)."""
        from solaxtray.core.secrets import check_credential

        try:
            client_id = check_credential(self.client_id_edit.text(), N_("client id"))
            secret = check_credential(self.client_secret_edit.text(), N_("client secret"))
        except SecretStoreError as exc:
            self.credentials_status.setText(
                _("{title}: {message}").format(title=exc.title, message=exc.message)
            )
            return
        store = self.credentials_store
        self.save_credentials_button.setEnabled(False)
        self.credentials_status.setText(_("Saving the client id and secret in the keyring…"))

        def done(_result: object, error: BaseException | None) -> None:
            if (
                isinstance(error, SecretStoreError)
                and not isinstance(error, SecretStoreLocked)
                and error.title == _("Credentials not saved")  # refused before storing anything
            ):
                self._set_credentials_state(
                    SecretState.NOT_SET,
                    _("{title}: {message}").format(title=error.title, message=error.message),
                )
                return
            if error is not None:
                self._set_credentials_state(*_keyring_trouble(error))
                return
            self.client_id_edit.clear()
            self.client_secret_edit.clear()
            self._set_credentials_state(
                SecretState.SET, _("The client id and secret are saved in the keyring.")
            )
            self.credentials_changed.emit()

        self._caller.call(
            lambda: store.set(client_id, secret),
            done,
            timeout_s=KEYRING_TIMEOUT_S,
            name="solaxtray-keyring",
        )


def _keyring_trouble(error: BaseException) -> tuple[str, str]:
    """The state and sentence for a keyring that failed or did not answer."""
    if isinstance(error, SecretStoreLocked | CallTimedOut):
        message = (
            error.message
            if isinstance(error, SecretStoreLocked)
            else _("The keyring did not answer in time; it may be locked or waiting for you.")
        )
        return SecretState.LOCKED, _("Keyring locked: {message}").format(message=message)
    if isinstance(error, SecretStoreError):
        return SecretState.NO_KEYRING, _("{title}: {message}").format(
            title=error.title, message=error.message
        )
    logger.error("keyring access failed", exc_info=error)
    return SecretState.NO_KEYRING, _("The keyring failed; see the log.")
