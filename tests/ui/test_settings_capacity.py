"""The battery capacity in the settings window: an optional field ("not set" = none) saved with
the other settings, and what it changes: the outage estimate counts the battery's energy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

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
    spin = dialog.alerts.capacity_spin
    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is spin]
    assert [label.text() for label in labels] == ["&Battery capacity:"]
    assert spin.accessibleName() == "Battery capacity (kWh)"
    assert "grid outage" in spin.toolTip()
    assert "energy in the battery" in spin.toolTip()


def test_the_capacity_is_saved_and_shown_again(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    spin = dialog.alerts.capacity_spin
    assert spin.text() == "not set"
    assert dialog.alerts.values()["battery_capacity_kwh"] is None
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS) as got:
        spin.setValue(11.6)
    assert got.args[0].battery_capacity_kwh == pytest.approx(11.6)
    loaded = _saved()
    assert loaded.battery_capacity_kwh == pytest.approx(11.6)

    reopened = _dialog(qtbot, loaded)
    assert reopened.alerts.capacity_spin.value() == pytest.approx(11.6)
    assert reopened.alerts.capacity_spin.text() == "11.6 kWh"
    assert reopened.collect() == loaded


def test_stepping_below_the_smallest_capacity_unsets_it(qtbot: Any) -> None:
    dialog = _dialog(qtbot, Settings(battery_capacity_kwh=0.5))
    spin = dialog.alerts.capacity_spin
    assert spin.text() == "0.5 kWh"
    spin.stepDown()
    assert spin.text() == "not set"
    assert _saved().battery_capacity_kwh is None
    spin.stepUp()  # from "not set", the smallest capacity the settings accept
    assert _saved().battery_capacity_kwh == pytest.approx(0.5)


def _eps(k: int, soc: float) -> Snapshot:
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(START + k * STEP, tz=UTC),
        inverter_type=InverterType.X1_HYBRID_G4,
        inverter_status=InverterStatus(107 if k else 102),
        upload_time=datetime(2026, 6, 1, 22, 0) + timedelta(seconds=k * STEP),
        soc=soc,
        bat_power=-2000.0,
        eps_power=(1900.0, None, None),
        pv_power=(0.0, 0.0, None, None),
        ac_power=0.0,
    )


def test_the_capacity_given_in_the_window_reaches_the_outage_estimate(qtbot: Any) -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock, settings=Settings())  # started without a capacity
    dialog = _dialog(qtbot)
    dialog.applied.connect(watch.retune_alerts)  # what the tray does with applied settings
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS):
        dialog.alerts.capacity_spin.setValue(10.0)
    for k, soc in enumerate([44, 43, 42, 41, 40]):
        clock.advance(STEP)
        watch.on_snapshot(SN, _eps(k, soc))
    view = watch.outage(SN)
    assert view is not None
    # 10 kWh at 40 %, 30 points above the default 10 % reserve: 3 kWh; 2 kW out of the
    # battery: 1.5 hours (the slope alone says 2.5).
    assert (
        "About 1 h 30 min left at this rate, down to the 10 % reserve (10.0 kWh battery)."
        in outage_lines(view)
    )
