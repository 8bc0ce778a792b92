"""The start-up panel of the settings window: start SolaX Tray when the user logs in, and the
language it starts in."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QVBoxLayout, QWidget

from solaxtray.core import autostart as autostart_mod
from solaxtray.core.autostart import Autostart
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import LANGUAGE_NAMES, LANGUAGES, _
from solaxtray.core.settings import Settings
from solaxtray.ui.settings.widgets import label_for


class StartupPanel(QWidget):
    """The switch writes or removes the platform's autostart entry at once; ``changed()`` after
    it did, ``failed(sentence)`` when it could not (the switch then flips back)."""

    changed = Signal()
    failed = Signal(str)

    def __init__(self, autostart: Autostart | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._autostart = autostart if autostart is not None else autostart_mod.for_platform()
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.autostart_check = QCheckBox(_("Start SolaX Tray when I &log in"), self)
        self.autostart_check.toggled.connect(self._on_autostart)
        layout.addWidget(self.autostart_check)

        form = QFormLayout()
        self.language_combo = QComboBox(self)
        self.language_combo.addItem(_("System language"), "")
        for code in LANGUAGES:
            # Each language in its own words: someone lost in a foreign language finds theirs.
            self.language_combo.addItem(LANGUAGE_NAMES[code], code)
        self.language_combo.setToolTip(_("The new language is used from the next start."))
        self.language_combo.activated.connect(lambda _i: self.changed.emit())
        form.addRow(
            label_for(self.language_combo, _("La&nguage:"), _("Language")),
            self.language_combo,
        )
        layout.addLayout(form)

    def load(self, settings: Settings) -> None:
        self._loading = True
        try:
            self.autostart_check.setChecked(settings.start_at_login)
            language = self.language_combo.findData(settings.language)
            self.language_combo.setCurrentIndex(max(0, language))
        finally:
            self._loading = False

    def values(self) -> dict[str, Any]:
        return {
            "start_at_login": self.autostart_check.isChecked(),
            "language": str(self.language_combo.currentData() or ""),
        }

    def _on_autostart(self, enabled: bool) -> None:
        if self._loading:
            return
        try:
            if enabled:
                self._autostart.enable()
            else:
                self._autostart.disable()
        except ConfigError as exc:
            self.failed.emit(exc.message)
            self.autostart_check.blockSignals(True)
            self.autostart_check.setChecked(not enabled)
            self.autostart_check.blockSignals(False)
            return
        self.changed.emit()
