"""The alerts panel of the settings window: which notifications to send, the low-battery
threshold beside its switch, how long a silence may last before the no-data alert, the
battery's capacity (optional), which turns the outage estimate's discharge into time left, and
beside it the battery's reserve (SolaX's minimum SOC), where that time runs out."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.i18n import N_, _
from solaxtray.core.settings import BATTERY_CAPACITY_KWH, NotifySettings, Settings
from solaxtray.ui.settings.widgets import label_for

DEFAULT_LOW_SOC = 20
"""The threshold offered when the low-battery alert is switched on."""
CAPACITY_NOT_SET = BATTERY_CAPACITY_KWH[0] - 0.1
"""The capacity field's lowest value, shown as "not set": every value the field can hold is
either that or a capacity the settings accept (stepping up from it gives the smallest)."""

NOTIFY_LABELS: dict[str, str] = {
    "fault": N_("Inverter fault"),
    "eps": N_("Grid outage (EPS)"),
    "recovery": N_("Back to normal"),
    "offline": N_("No data / offline"),
    "token_rejected": N_("Token or credentials rejected, serial number unknown"),
    "rate_limited": N_("Too many requests"),
    "low_soc": N_("Low battery"),
    "weak_string": N_("Weak PV string"),
}


class AlertsPanel(QWidget):
    """``changed()`` after the user changed any of its values."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.stale_spin = QSpinBox(self)
        self.stale_spin.setRange(1, 24 * 60)
        self.stale_spin.setSuffix(_(" min"))
        self.stale_spin.valueChanged.connect(lambda _v: self.changed.emit())
        form.addRow(
            label_for(
                self.stale_spin, _("No-data alert a&fter:"), _("No-data alert after (minutes)")
            ),
            self.stale_spin,
        )
        self.capacity_spin = QDoubleSpinBox(self)
        self.capacity_spin.setDecimals(1)
        self.capacity_spin.setRange(CAPACITY_NOT_SET, BATTERY_CAPACITY_KWH[1])
        self.capacity_spin.setSingleStep(0.1)
        self.capacity_spin.setSuffix(_(" kWh"))
        self.capacity_spin.setSpecialValueText(_("not set"))
        self.capacity_spin.setToolTip(
            _(
                "The battery's usable capacity. With it, the time left during a grid outage is "
                "estimated from the energy in the battery, not only from how fast the charge "
                "falls."
            )
        )
        self.capacity_spin.valueChanged.connect(lambda _v: self.changed.emit())
        # The reserve shares the capacity's row: both describe the battery, and a row of its own
        # would make the window too tall for a 1366x768 screen.
        self.reserve_spin = QSpinBox(self)
        self.reserve_spin.setRange(0, 100)
        self.reserve_spin.setSuffix(" %")
        self.reserve_spin.setToolTip(
            _(
                "The charge at which the inverter stops discharging the battery (its minimum "
                "SOC; SolaX's default is 10 %). The time left during a grid outage counts down "
                "to it, or to empty at 0 %."
            )
        )
        self.reserve_spin.valueChanged.connect(lambda _v: self.changed.emit())
        battery_row = QHBoxLayout()
        battery_row.addWidget(self.capacity_spin)
        battery_row.addWidget(
            label_for(
                self.reserve_spin,
                _("Reserve (&minimum SOC):"),
                _("Battery reserve, minimum SOC (percent)"),
            )
        )
        battery_row.addWidget(self.reserve_spin)
        battery_row.addStretch(1)
        QWidget.setTabOrder(self.capacity_spin, self.reserve_spin)
        form.addRow(
            label_for(self.capacity_spin, _("&Battery capacity:"), _("Battery capacity (kWh)")),
            battery_row,
        )
        layout.addLayout(form)

        notify_box = QGroupBox(_("Notify me about"), self)
        notify_layout = QVBoxLayout(notify_box)
        self.notify_checks: dict[str, QCheckBox] = {}
        for f in fields(NotifySettings):
            check = QCheckBox(_(NOTIFY_LABELS.get(f.name, f.name.replace("_", " "))), notify_box)
            check.toggled.connect(lambda _on: self.changed.emit())
            self.notify_checks[f.name] = check
            if f.name != "low_soc":
                notify_layout.addWidget(check)
                continue
            # The threshold belongs to its switch: usable only while the switch is on, so the
            # two can never say different things ("Off" beside a ticked box).
            self.low_soc_spin = QSpinBox(notify_box)
            self.low_soc_spin.setRange(1, 99)
            self.low_soc_spin.setPrefix(_("below "))
            self.low_soc_spin.setSuffix(" %")
            self.low_soc_spin.setAccessibleName(_("Low battery alert below (percent)"))
            self.low_soc_spin.valueChanged.connect(lambda _v: self.changed.emit())
            check.toggled.connect(self.low_soc_spin.setEnabled)
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(self.low_soc_spin)
            row.addStretch(1)
            notify_layout.addLayout(row)
        layout.addWidget(notify_box)

    def load(self, settings: Settings) -> None:
        self.low_soc_spin.setValue(settings.low_soc_percent or DEFAULT_LOW_SOC)
        self.stale_spin.setValue(settings.stale_minutes)
        capacity = settings.battery_capacity_kwh
        self.capacity_spin.setValue(CAPACITY_NOT_SET if capacity is None else capacity)
        self.reserve_spin.setValue(settings.battery_reserve_percent)
        for name, check in self.notify_checks.items():
            check.setChecked(bool(getattr(settings.notify, name)))
        # The low-battery alert is on only with both its switch and a threshold.
        low_on = settings.notify.low_soc and settings.low_soc_percent is not None
        self.notify_checks["low_soc"].setChecked(low_on)
        self.low_soc_spin.setEnabled(low_on)

    def values(self) -> dict[str, Any]:
        """The settings fields this panel shows, as the widgets have them."""
        notify = NotifySettings(**{n: c.isChecked() for n, c in self.notify_checks.items()})
        low_on = self.notify_checks["low_soc"].isChecked()
        return {
            "low_soc_percent": self.low_soc_spin.value() if low_on else None,
            "stale_minutes": self.stale_spin.value(),
            "battery_capacity_kwh": self.battery_capacity(),
            "battery_reserve_percent": self.reserve_spin.value(),
            "notify": notify,
        }

    def battery_capacity(self) -> float | None:
        """The capacity in the field, ``None`` while it shows "not set"."""
        value = round(self.capacity_spin.value(), 1)
        return None if value < BATTERY_CAPACITY_KWH[0] else value
