"""The account panel of the settings window: which SolaX API, its secrets, its server, and Test
connection.

The secrets live in their own fields (``secrets.py``: saved only to the keyring, a locked keyring
is its own state, with the Retry button here). Test connection runs
:func:`solaxtray.core.connection_check.run_check` off the GUI thread and shows its sentence.

Why the API choice explains itself: accounts made since September 2026 have no tokenId at all, and
the two APIs name an inverter by different numbers (the dongle's registration number for the
tokenId, the inverter's own serial for the Developer API), the most common mix-up there is.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.api.registry import DEFAULT_KIND, all_specs, spec_of
from solaxtray.core.api.servers import KNOWN_SERVERS
from solaxtray.core.connection_check import (
    BackendFactory,
    CheckResult,
    CheckTools,
    ConnectionCheck,
    LedgerFor,
    progress_sentence,
    result_sentence,
    run_check,
)
from solaxtray.core.errors import (
    ConfigError,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S
from solaxtray.core.settings import (
    DEFAULT_DEVELOPER_HOST,
    Settings,
)
from solaxtray.ui.background import BackgroundCaller, CallTimedOut
from solaxtray.ui.settings.secrets import SecretFields, SecretState
from solaxtray.ui.settings.widgets import label_for

logger = logging.getLogger(__name__)

KEYRING_TIMEOUT_S = DEFAULT_TIMEOUT_S
"""The keyring's own time limit (``core.secrets``), one number for every keyring wait."""
TEST_TIMEOUT_S = 30.0
DEFAULT_SERVER_LABEL = N_("Default (www.solaxcloud.com)")

BACKEND_LABELS: dict[str, str] = {spec.name: spec.wording.choice for spec in all_specs()}
"""Each API as a choice, in the registry's order (English source texts, translated when shown)."""
REGION_LABELS: dict[str, str] = {
    "eu": N_("Europe (openapi-eu.solaxcloud.com)"),
    "cn": N_("China (openapi-cn.solaxcloud.com)"),
    "in": N_("India (openapi-in.solaxcloud.com)"),
}


def _default_backend(kind: str, **kwargs: Any) -> Any:
    from solaxtray.core.api.backend import make_backend

    return make_backend(kind, **kwargs)


def _shared_token_cache(client_id: str) -> Any:
    from solaxtray.core.planning import shared_token_cache

    return shared_token_cache(client_id)


class AccountPanel(QGroupBox):
    """``backend_chosen(kind)`` when the user picks the other API; ``changed()`` after the server
    or region was edited; ``token_changed()`` / ``credentials_changed()`` after the keyring got a
    new tokenId / client id and secret.

    ``collect`` gives the settings the whole window shows, validated (Test connection reads the
    first inverter and the server from them).
    """

    backend_chosen = Signal(str)
    changed = Signal()
    token_changed = Signal()
    credentials_changed = Signal()

    def __init__(
        self,
        *,
        collect: Callable[[], Settings],
        demo: bool = False,
        token_store: Any = None,
        credentials_store: Any = None,
        backend_factory: BackendFactory | None = None,
        ledger_for: LedgerFor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("SolaX account"), parent)
        self._collect = collect
        self._demo = demo
        self._backend_factory = backend_factory or _default_backend
        self._ledger_for = ledger_for
        self._rejected: set[str] = set()
        """Fingerprints (salted hashes, never the secrets) of credentials the cloud rejected in a
        test: testing them again would only count towards the hour-long ban."""
        self._salt = os.urandom(16)
        self._caller = BackgroundCaller(self)
        self._kind: str = DEFAULT_KIND
        self._build(token_store, credentials_store)

    def _build(self, token_store: Any, credentials_store: Any) -> None:
        account_layout = QVBoxLayout(self)
        self.backend_combo = QComboBox(self)
        for kind, label in BACKEND_LABELS.items():
            self.backend_combo.addItem(_(label), kind)
        # The longest choice would otherwise set the width of the whole dialog.
        self.backend_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.backend_combo.setMinimumContentsLength(32)
        self.backend_combo.activated.connect(lambda _i: self._on_backend_activated())
        label_for(self.backend_combo, _("SolaX &API:"), _("SolaX API"), account_layout)
        self.backend_help = QLabel("", self)
        self.backend_help.setWordWrap(True)
        account_layout.addWidget(self.backend_combo)
        account_layout.addWidget(self.backend_help)

        self.secrets = SecretFields(
            demo=self._demo,
            token_store=token_store,
            credentials_store=credentials_store,
            parent=self,
        )
        self.secrets.state_changed.connect(self._sync_retry)
        self.secrets.token_changed.connect(self.token_changed)
        self.secrets.credentials_changed.connect(self.credentials_changed)
        account_layout.addWidget(self.secrets)

        self.server_form = QFormLayout()
        self.server_combo = QComboBox(self)
        self.server_combo.setEditable(True)
        self.server_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.server_combo.setMinimumContentsLength(24)
        self.server_combo.addItem(_(DEFAULT_SERVER_LABEL), None)
        for name, url in KNOWN_SERVERS.items():
            self.server_combo.addItem(f"{name} — {url}", name)
        self.server_combo.activated.connect(lambda _i: self.changed.emit())
        line_edit = self.server_combo.lineEdit()
        if line_edit is not None:
            line_edit.editingFinished.connect(self.changed.emit)
        self.server_form.addRow(
            label_for(self.server_combo, _("Ser&ver:"), _("Server")), self.server_combo
        )

        self.region_combo = QComboBox(self)
        self.region_combo.setEditable(True)
        self.region_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.region_combo.setMinimumContentsLength(24)
        for name, label in REGION_LABELS.items():
            self.region_combo.addItem(_(label), name)
        self.region_combo.activated.connect(lambda _i: self.changed.emit())
        region_edit = self.region_combo.lineEdit()
        if region_edit is not None:
            region_edit.editingFinished.connect(self.changed.emit)
        self.server_form.addRow(
            label_for(self.region_combo, _("Developer API re&gion:"), _("Developer API region")),
            self.region_combo,
        )
        account_layout.addLayout(self.server_form)

        row = QHBoxLayout()
        self.retry_button = QPushButton(_("Retry"), self)
        self.retry_button.clicked.connect(self.secrets.load_secret_state)
        self.retry_button.hide()
        self.test_button = QPushButton(_("Test connection"), self)
        self.test_button.setToolTip(
            _(
                "Checks the token or the client id and secret with SolaX Cloud; with a serial number "
                "in the list, also reads the first inverter."
            )
        )
        self.test_button.clicked.connect(self.test_connection)
        row.addStretch(1)
        row.addWidget(self.retry_button)
        row.addWidget(self.test_button)
        account_layout.addLayout(row)
        self.test_result = QLabel("", self)
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        account_layout.addWidget(self.test_result)

        if self._demo:
            self.backend_combo.setEnabled(False)
            self.test_button.setEnabled(False)

    # --- the API and its server -----------------------------------------------------------------

    def load(self, settings: Settings) -> None:
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

    def values(self) -> dict[str, Any]:
        """The settings fields this panel shows (the API is the dialog's to save)."""
        return {"api_url": self._server_value(), "developer_host": self._region_value()}

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

    def select(self, kind: str) -> None:
        """Show ``kind`` in the combo box as the user would pick it (``backend_chosen`` follows)."""
        index = self.backend_combo.findData(kind)
        if index < 0:
            raise ValueError(f"unknown backend {kind!r}")
        self.backend_combo.setCurrentIndex(index)
        self._on_backend_activated()

    def _on_backend_activated(self) -> None:
        kind = self.backend_combo.currentData()
        if isinstance(kind, str) and kind != self._kind:
            self.backend_chosen.emit(kind)

    def show_backend(self, kind: str) -> None:
        """Only the chosen API's secrets, server and help are shown."""
        self._kind = kind
        index = self.backend_combo.findData(kind)
        if index >= 0 and self.backend_combo.currentIndex() != index:
            self.backend_combo.setCurrentIndex(index)
        spec = spec_of(kind)
        self.backend_help.setText(_(spec.wording.help))
        self.secrets.show_backend(kind)
        # Each API's server field is the one for its own server setting.
        self.server_form.setRowVisible(self.server_combo, spec.server_setting == "api_url")
        self.server_form.setRowVisible(self.region_combo, spec.server_setting == "developer_host")
        self._sync_retry()

    def secret_state(self) -> str:
        """The keyring state of the shown API's secrets (a ``SecretState``)."""
        return self.secrets.secret_state()

    def load_secret_state(self) -> None:
        """Ask the keyring about the shown API's secrets (Retry does this too)."""
        self.secrets.load_secret_state()

    def _sync_retry(self) -> None:
        self.retry_button.setVisible(self.secrets.secret_state() == SecretState.LOCKED)

    # --- test connection -------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Check the typed (or stored) secrets with SolaX Cloud, off the GUI thread: by reading
        the first inverter when there is one, else (Developer API) by signing in. The tokenId
        API has no request without an inverter: then only the token's form is checked, and the
        sentence says so."""
        try:
            settings = self._collect()
        except ConfigError as exc:
            self.test_result.setText(exc.message)
            return
        spec = spec_of(self._kind)
        typed = self.secrets.typed_values()
        server = getattr(settings, spec.server_setting, None)
        check = ConnectionCheck(
            kind=self._kind,
            server=server if isinstance(server, str) else None,
            serial=settings.serials[0] if settings.serials else None,
            typed_token=typed.get("token", ""),
            typed_client_id=typed.get("client_id", ""),
            typed_client_secret=typed.get("client_secret", ""),
        )
        tools = CheckTools(
            stored_token=self.secrets.token_store.get,
            stored_credentials=self.secrets.credentials_store.get,
            backend_factory=self._backend_factory,
            ledger_for=self._ledger_for,
            token_cache_for=_shared_token_cache,
        )
        rejected = frozenset(self._rejected)
        salt = self._salt
        self.test_button.setEnabled(False)
        self.test_result.setText(progress_sentence(check))
        self._caller.call(
            lambda: run_check(check, tools, rejected=rejected, salt=salt),
            self._on_tested,
            timeout_s=TEST_TIMEOUT_S,
            name="solaxtray-test",
        )

    def _on_tested(self, result: Any, error: BaseException | None) -> None:
        self.test_button.setEnabled(not self._demo)
        if error is None and isinstance(result, CheckResult):
            if isinstance(result.outcome, TokenRejected):
                self._rejected.add(result.fingerprint)
            self.test_result.setText(result_sentence(result.outcome))
        elif isinstance(error, SolaxTrayError):
            self.test_result.setText(f"{error.title}: {error.message}")
        elif isinstance(error, CallTimedOut):
            self.test_result.setText(_("No answer from SolaX Cloud in time. Check the connection."))
        else:
            logger.error("connection test failed", exc_info=error)
            self.test_result.setText(_("The test failed unexpectedly; the details are in the log."))
