"""The "Find my inverters" window: the Developer API account's inverters
(``solaxtray.core.discovery``), asked off the GUI thread, to tick and add to the settings. On the
tokenId API, which cannot list devices, it says where the numbers are printed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.discovery import WHERE_REGISTRATION_NUMBERS_ARE, DeviceInfo
from solaxtray.core.errors import SolaxTrayError
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.ui.background import BackgroundCaller

logger = logging.getLogger(__name__)

FIND_TIMEOUT_S = 120.0
_COLUMNS = (
    N_("Inverter serial"),
    N_("Registration no."),
    N_("Model"),
    N_("Plant"),
    N_("Online"),
)
"""Marked for translation; translated where shown."""


class DiscoverDialog(QDialog):
    """``find`` lists the inverters (None on the tokenId API); ``on_chosen`` gets the ticked
    inverters' serials when the user adds them."""

    def __init__(
        self,
        find: Callable[[], Sequence[DeviceInfo]] | None,
        on_chosen: Callable[[list[str]], None],
        *,
        known: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Find my inverters"))
        self.setObjectName("solaxtray-discover")
        self._find = find
        self._on_chosen = on_chosen
        self._known = set(known)
        self._caller = BackgroundCaller(self)
        self.devices: list[DeviceInfo] = []

        layout = QVBoxLayout(self)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Search status"))
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_(c) for c in _COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName(_("Inverters of the account; tick the ones to add"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.search_button = QPushButton(_("Search again"), self)
        self.search_button.setAccessibleName(_("Ask SolaX Cloud for the list again"))
        self.search_button.clicked.connect(self.start)
        self.add_button = QPushButton(_("Add ticked inverters"), self)
        self.add_button.setAccessibleName(_("Add the ticked inverters to the settings"))
        self.add_button.clicked.connect(self.add_ticked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.search_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 480)
        if find is None:
            self.status.setText(_(WHERE_REGISTRATION_NUMBERS_ARE))
            self.table.hide()
            self.search_button.setEnabled(False)
            self.add_button.setEnabled(False)

    def start(self) -> None:
        """Ask for the list off the GUI thread (one request per page)."""
        if self._find is None or self._caller.busy:
            return
        self.search_button.setEnabled(False)
        self.add_button.setEnabled(False)
        self.status.setText(_("Asking SolaX Cloud for your inverters…"))
        self._caller.call(self._find, self._found, timeout_s=FIND_TIMEOUT_S, name="discover")

    def _found(self, result: object, error: BaseException | None) -> None:
        self.search_button.setEnabled(True)
        if error is not None:
            text = (
                _("{title}: {message}").format(title=error.title, message=error.message)
                if isinstance(error, SolaxTrayError)
                else _("The search stopped unexpectedly.")
            )
            logger.info("inverter search failed: %s", type(error).__name__)
            self.status.setText(text)
            return
        assert isinstance(result, list | tuple)
        self.show_devices([d for d in result if isinstance(d, DeviceInfo)])

    def show_devices(self, devices: Sequence[DeviceInfo]) -> None:
        self.devices = list(devices)
        self.table.setRowCount(len(self.devices))
        for row, d in enumerate(self.devices):
            online = "—" if d.online is None else (_("yes") if d.online else _("no"))
            cells = (d.device_sn, d.registration_no or "—", d.model or "—", d.plant or "—", online)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    already = d.device_sn in self._known
                    item.setCheckState(
                        Qt.CheckState.Checked if already else Qt.CheckState.Unchecked
                    )
                    if already:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                        item.setToolTip(_("Already in the settings"))
                self.table.setItem(row, col, item)
        self.add_button.setEnabled(bool(self.devices))
        if self.devices:
            self.status.setText(
                ngettext(
                    "{n} inverter found. Tick the ones to watch and add them.",
                    "{n} inverters found. Tick the ones to watch and add them.",
                    len(self.devices),
                ).format(n=len(self.devices))
            )
        else:
            self.status.setText(_("SolaX Cloud lists no inverter for this application."))

    def ticked(self) -> list[str]:
        out: list[str] = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if (
                item is not None
                and item.checkState() == Qt.CheckState.Checked
                and item.text() not in self._known
            ):
                out.append(item.text())
        return out

    def add_ticked(self) -> None:
        chosen = self.ticked()
        if not chosen:
            self.status.setText(_("Tick at least one inverter to add."))
            return
        self._on_chosen(chosen)
        self._known.update(chosen)
        self.show_devices(self.devices)
        self.status.setText(
            ngettext(
                "Added {n} inverter to the settings.",
                "Added {n} inverters to the settings.",
                len(chosen),
            ).format(n=len(chosen))
        )

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)  # type: ignore[arg-type]
        if self._find is not None and not self.devices and not self._caller.busy:
            self.start()
