"""Two buttons for the settings dialog, "Check set-up…" and "Find my inverters…", each opening
its own window (``doctor_dialog``, ``discover_dialog``). The inverters panel of
the settings window shows them; they use only the window's public face (``SettingsHost``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from solaxtray.core.api.registry import Capability, spec_of
from solaxtray.core.discovery import DeviceInfo, discover_saved
from solaxtray.core.doctor import CheckResult, run_doctor
from solaxtray.core.doctor.factory import saved_setup
from solaxtray.core.i18n import _
from solaxtray.core.settings import Settings
from solaxtray.ui.discover_dialog import DiscoverDialog
from solaxtray.ui.doctor_dialog import DoctorDialog

logger = logging.getLogger(__name__)


class SettingsHost(Protocol):
    """What the buttons need of the settings dialog."""

    @property
    def settings(self) -> Settings: ...

    @property
    def serial_edit(self) -> QLineEdit: ...

    @property
    def backend(self) -> str: ...

    def add_serial(self) -> None: ...


class SetupButtons(QWidget):
    """``run_checks`` and ``find`` default to the real ones for the saved settings; tests pass
    their own. In the demo both are off: the demo never touches the user's keyring or ledger."""

    def __init__(
        self,
        host: SettingsHost,
        *,
        demo: bool = False,
        run_checks: Callable[[Settings, str], Sequence[CheckResult]] | None = None,
        find: Callable[[Settings], Sequence[DeviceInfo]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._host = host
        self._run_checks = run_checks or (lambda s, kind: run_doctor(saved_setup(s, kind)))
        self._find = find or discover_saved
        self.doctor_window: DoctorDialog | None = None
        self.discover_window: DiscoverDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.check_button = QPushButton(_("Check set-up…"), self)
        self.check_button.setAccessibleName(_("Check the whole set-up and show what to fix"))
        self.check_button.clicked.connect(self.open_doctor)
        self.find_button = QPushButton(_("Find my inverters…"), self)
        self.find_button.setAccessibleName(_("List the inverters of the account"))
        self.find_button.clicked.connect(self.open_discover)
        row.addWidget(self.check_button)
        row.addWidget(self.find_button)
        row.addStretch(1)
        if demo:
            for button in (self.check_button, self.find_button):
                button.setEnabled(False)
                button.setToolTip(_("Not in the demo: it checks your own set-up."))

    def open_doctor(self) -> None:
        settings, kind = self._host.settings, self._host.backend
        self.doctor_window = DoctorDialog(lambda: self._run_checks(settings, kind), self.window())
        self.doctor_window.show()

    def open_discover(self) -> None:
        settings = self._host.settings
        find: Callable[[], Sequence[DeviceInfo]] | None = None
        if spec_of(self._host.backend).has(Capability.DISCOVERY):
            find = functools.partial(self._find, settings)
        known = settings.serials if spec_of(settings.backend) is spec_of(self._host.backend) else ()
        self.discover_window = DiscoverDialog(find, self._add, known=known, parent=self.window())
        self.discover_window.show()

    def _add(self, serials: list[str]) -> None:
        for sn in serials:
            self._host.serial_edit.setText(sn)
            self._host.add_serial()
