"""The battery's reserve (SolaX's minimum SOC) in the settings window: beside the capacity, named
for screen readers, reached with Tab right after the capacity, saved with the other settings, and
what it changes: the outage estimate stops there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from solaxtray.core import paths
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import FakeClock, SystemClock
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.outage import outage_lines
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.watch import FleetWatch
from solaxtray.ui.settings import SettingsDialog

pytestmark = pytest.mark.gui

WAIT_MS = 15_000
SN = "SWTEST0001"
START = 1_780_000_000.0
STEP = 300.0


def _dialog(qtbot: Any, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(
        settings or Settings(),
        store=SettingsStore(paths.settings_path()),
        clock=SystemClock(),
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    return dialog


def _saved() -> Settings:
    loaded, warning = SettingsStore(paths.settings_path()).load()
    assert warning is None
    return loaded


def test_the_field_is_named_labelled_and_explained(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    spin = dialog.alerts.reserve_spin
    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is spin]
    assert [label.text() for label in labels] == ["Reserve (&minimum SOC):"]
    assert spin.accessibleName() == "Battery reserve, minimum SOC (percent)"
    assert spin.lineEdit().accessibleName() == spin.accessibleName()
    assert "stops discharging" in spin.toolTip()
    assert "10 %" in spin.toolTip()
    assert (spin.minimum(), spin.maximum()) == (0, 100)
    assert spin.text() == "10 %"  # SolaX's default minimum SOC


def test_tab_goes_from_the_capacity_to_the_reserve(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    capacity, reserve = dialog.alerts.capacity_spin, dialog.alerts.reserve_spin
    capacity.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: capacity.hasFocus(), timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: reserve.hasFocus(), timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)  # the keyboard changes it
    assert reserve.value() == 11
    assert _saved().battery_reserve_percent == 11


def test_the_reserve_is_saved_and_shown_again(qtbot: Any) -> None:
    dialog = _dialog(qtbot, Settings(battery_reserve_percent=25))
    spin = dialog.alerts.reserve_spin
    assert spin.value() == 25
    assert dialog.alerts.values()["battery_reserve_percent"] == 25
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS) as got:
        spin.setValue(0)
    assert got.args[0].battery_reserve_percent == 0
    loaded = _saved()
    assert loaded.battery_reserve_percent == 0

    reopened = _dialog(qtbot, loaded)
    assert reopened.alerts.reserve_spin.text() == "0 %"
    assert reopened.collect() == loaded


def _eps(k: int, soc: float) -> Snapshot:
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(START + k * STEP, tz=UTC),
        inverter_type=InverterType.X1_HYBRID_G4,
        inverter_status=InverterStatus(107),
        upload_time=datetime(2026, 6, 1, 22, 0) + timedelta(seconds=k * STEP),
        soc=soc,
        bat_power=-2000.0,
        eps_power=(1900.0, None, None),
        pv_power=(0.0, 0.0, None, None),
        ac_power=0.0,
    )


def test_the_reserve_given_in_the_window_reaches_the_outage_estimate(qtbot: Any) -> None:
    clock = FakeClock(START)
    settings = Settings(battery_capacity_kwh=10.0)
    watch = FleetWatch([SN], clock=clock, settings=settings)
    dialog = _dialog(qtbot, settings)
    dialog.applied.connect(watch.retune_alerts)  # what the tray does with applied settings
    for k, soc in enumerate([44, 43, 42, 41, 40]):
        clock.advance(STEP)
        watch.on_snapshot(SN, _eps(k, soc))
    view = watch.outage(SN)
    assert view is not None
    # 10 kWh, 2 kW out of the battery: 30 points above the default 10 % reserve, 1.5 hours.
    assert outage_lines(view)[-1] == (
        "About 1 h 30 min left at this rate, down to the 10 % reserve (10.0 kWh battery)."
    )
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS):
        dialog.alerts.reserve_spin.setValue(40)
    view = watch.outage(SN)
    assert view is not None
    assert outage_lines(view)[-1] == (
        "The battery has reached its 40 % reserve: the inverter may stop supplying the EPS outputs."
    )
