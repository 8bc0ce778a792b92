"""The alert rules' facts per inverter, as the popup, the tooltip and the menu's line show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from solaxtray.core.alarms import FaultReason, InverterAlarm, reason_sentence
from solaxtray.core.clock import FakeClock
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.notes import inverter_notes
from solaxtray.core.presentation import FleetInput, InverterInput, build_view
from solaxtray.core.watch import FleetWatch

START = 1_780_000_000.0
SN = "SWTEST0001"
OTHER = "SWTEST0002"


def snap(k: int, status: int, soc: float = 50.0, sn: str = SN) -> Snapshot:
    return Snapshot(
        sn=sn,
        fetched_at=datetime.fromtimestamp(START + k * 300, tz=UTC),
        inverter_type=InverterType.X1_HYBRID_G4,
        inverter_status=InverterStatus(status),
        upload_time=datetime(2026, 6, 1, 10, 0) + timedelta(minutes=5 * k),
        soc=soc,
        bat_power=-1200.0,
        eps_power=(1100.0, None, None),
        ac_power=0.0,
    )


def test_an_eps_episode_reaches_the_tooltip_the_menu_line_and_the_popup() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN, OTHER], clock=clock)
    for k, soc in enumerate([60, 55, 50]):
        clock.advance(300)
        watch.on_snapshot(SN, snap(k, 107, soc))
    watch.on_snapshot(OTHER, snap(0, 102, 80, sn=OTHER))
    notes = inverter_notes(watch, SN)
    assert notes.lines == (
        "EPS mode since 10:00 (10 min).",
        "The EPS outputs deliver 1.1 kW.",
        "Battery 50 %, falling about 60 points an hour.",
        "About 50 min left at this rate.",
    )
    assert notes.short == "EPS 50 %, ~50 min left"
    assert inverter_notes(watch, OTHER).lines == ()
    inputs = [
        InverterInput(sn=SN, snapshot=snap(2, 107, 50), notes=notes.lines, short_note=notes.short),
        InverterInput(sn=OTHER, snapshot=snap(0, 102, 80, sn=OTHER)),
    ]
    view = build_view(FleetInput(inverters=inputs, now=clock.now()))
    assert view.status_line.endswith(" · SWTEST0001: EPS 50 %, ~50 min left")
    assert view.tooltip_lines[2] == "SWTEST0001: EPS 50 %, ~50 min left"
    assert view.inverters[0].notes == notes.lines
    assert view.inverters[1].notes == ()


def test_one_inverter_needs_no_serial_in_its_short_note() -> None:
    inputs = [InverterInput(sn=SN, snapshot=snap(0, 107), short_note="EPS 50 %")]
    view = build_view(FleetInput(inverters=inputs, now=START))
    assert view.status_line.endswith(" · EPS 50 %")
    assert "EPS 50 %" in view.tooltip_lines


def test_a_fault_reason_is_shown_until_the_inverter_recovers() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock)
    alarm = InverterAlarm("IE 03", "Grid Volt Fault")
    watch.note_fault_reasons(
        {SN: FaultReason(SN, "solax_cloud", reason_sentence(alarm), alarm, requested=True)}
    )
    clock.advance(300)
    told = watch.on_snapshot(SN, snap(0, 103))
    assert "SolaX reports alarm IE 03: Grid Volt Fault." in told[0].body
    notes = inverter_notes(watch, SN)
    assert notes.lines == ("SolaX reports alarm IE 03: Grid Volt Fault.",)
    assert notes.short == "alarm IE 03"
    for k in (1, 2):
        clock.advance(300)
        watch.on_snapshot(SN, snap(k, 102))
    assert inverter_notes(watch, SN).lines == ()


def test_a_fault_without_a_looked_up_reason_says_where_the_code_is() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock)
    clock.advance(300)
    told = watch.on_snapshot(SN, snap(0, 104))
    assert told[0].details is not None
    assert told[0].details["alarm_source"] == "inverter_display"
    assert "the fault code is on the inverter's display and in the SolaX app" in told[0].body
    assert inverter_notes(watch, SN).lines == (told[0].details["reason"],)


def test_no_source_no_notes() -> None:
    assert inverter_notes(None, SN).lines == ()


def test_a_reason_not_used_by_its_answer_is_not_kept_for_a_later_fault() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock)
    alarm = InverterAlarm("IE 03", "Grid Volt Fault")
    watch.note_fault_reasons(
        {SN: FaultReason(SN, "solax_cloud", reason_sentence(alarm), alarm, requested=True)}
    )
    clock.advance(300)
    assert watch.on_snapshot(SN, snap(0, 102)) == []  # no fault after all
    clock.advance(300)
    told = watch.on_snapshot(SN, snap(1, 103))
    assert "IE 03" not in told[0].body
