"""The inverters panel of the settings window: the watched serial numbers, named in the terms of
the API in use (the dongle's registration number for the tokenId API, the inverter's own serial
for the Developer API), and the "Check set-up…" and "Find my inverters…" buttons."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.api.registry import DEFAULT_KIND, spec_of
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import N_, _
from solaxtray.core.settings import normalize_serials
from solaxtray.ui.settings.widgets import label_for
from solaxtray.ui.setup_tools import SettingsHost, SetupButtons

SERIAL_LIST_ROWS = 4
"""Rows the serial list shows before it scrolls."""
DEMO_SERIALS_NOTE = N_("The demo's simulated inverters cannot be changed.")


class InvertersPanel(QGroupBox):
    """``changed()`` after a serial was added or removed. In the demo the list shows the demo's
    inverters read-only: the demo never changes the user's own."""

    changed = Signal()

    def __init__(self, host: SettingsHost, *, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(_(spec_of(DEFAULT_KIND).wording.serial_title), parent)
        self._demo = demo
        self._kind: str = DEFAULT_KIND
        serial_layout = QVBoxLayout(self)
        self.serial_list = QListWidget(self)
        # A handful of rows, not Qt's default 192 px of empty list: most users have one inverter,
        # and the list scrolls.
        self.serial_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.serial_list.setMaximumHeight(self.fontMetrics().height() * SERIAL_LIST_ROWS + 12)
        self.serial_edit = QLineEdit(self)
        self.serial_edit.returnPressed.connect(self.add_serial)
        self.add_serial_button = QPushButton(_("Add"), self)
        self.add_serial_button.clicked.connect(self.add_serial)
        self.remove_serial_button = QPushButton(_("Remove"), self)
        self.remove_serial_button.clicked.connect(self.remove_serial)
        self.serial_edit_label = label_for(self.serial_edit, "", "")
        self.serial_list_label = label_for(self.serial_list, "", "")
        row = QHBoxLayout()
        row.addWidget(self.serial_edit, 1)
        row.addWidget(self.add_serial_button)
        row.addWidget(self.remove_serial_button)
        self.serial_error = QLabel("", self)
        self.serial_error.setWordWrap(True)
        serial_layout.addWidget(self.serial_list_label)
        serial_layout.addWidget(self.serial_list)
        serial_layout.addWidget(self.serial_edit_label)
        serial_layout.addLayout(row)
        serial_layout.addWidget(self.serial_error)
        # "Check set-up…" and "Find my inverters…": their own windows (ui/setup_tools.py).
        self.setup_tools = SetupButtons(host, demo=demo, parent=self)
        serial_layout.addWidget(self.setup_tools)
        if demo:
            for widget in (self.serial_edit, self.add_serial_button, self.remove_serial_button):
                widget.setEnabled(False)

    def show_serials(self, serials: Sequence[str]) -> None:
        self.serial_list.clear()
        self.serial_list.addItems(list(serials))
        if self._demo:
            self.serial_error.setText(_(DEMO_SERIALS_NOTE))

    def listed_serials(self) -> tuple[str, ...]:
        return tuple(
            item.text()
            for item in (self.serial_list.item(i) for i in range(self.serial_list.count()))
            if item is not None
        )

    def show_backend(self, kind: str) -> None:
        """Name the serials in the terms of ``kind``'s API."""
        self._kind = kind
        wording = spec_of(kind).wording
        self.setTitle(_(wording.serial_title))
        self.serial_edit.setPlaceholderText(_(wording.serial_placeholder))
        for label, widget, (text, name) in (
            (self.serial_edit_label, self.serial_edit, wording.serial_field),
            (self.serial_list_label, self.serial_list, wording.serial_list),
        ):
            label.setText(_(text))
            widget.setAccessibleName(_(name))

    def add_serial(self) -> None:
        if self._demo:
            self.serial_error.setText(_(DEMO_SERIALS_NOTE))
            return
        try:
            (sn,) = normalize_serials([self.serial_edit.text()], self._kind)
        except ConfigError as exc:
            self.serial_error.setText(exc.message)
            return
        if sn in self.listed_serials():
            self.serial_error.setText(_("{sn} is already in the list.").format(sn=sn))
            return
        self.serial_error.setText("")
        self.serial_list.addItem(sn)
        self.serial_edit.clear()
        self.changed.emit()

    def remove_serial(self) -> None:
        if self._demo:
            self.serial_error.setText(_(DEMO_SERIALS_NOTE))
            return
        row = self.serial_list.currentRow()
        if row < 0:
            self.serial_error.setText(_("Select a serial number to remove."))
            return
        self.serial_list.takeItem(row)
        self.serial_error.setText("")
        self.changed.emit()
