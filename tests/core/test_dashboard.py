"""What the popup's dashboard says, decided without a display: the labelled figures now and
today (from a real history file), the cards, relative ages, the diagnostics, the chart models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from solaxtray.core.dashboard import (
    GAP_S,
    STATE_SYMBOLS,
    age_text,
    day_bars,
    day_curve_model,
    diagnostics_lines,
    fleet_day,
    inverter_card,
    now_tiles,
    plant_offset,
    plant_today,
    today_tiles,
)
from solaxtray.core.history import CurvePoint, daily_figures, day_curve
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, TrayState, TrayView, build_view
from tests.core.history.helpers import snap
from tests.dashboard_history import OFFSET_H, filled_history, plant_moment

TODAY = date(2026, 6, 15)
A, B = "SWAAAAAAA1", "SWBBBBBBB2"
UTC_PLUS_ONE = 3600.0


def view_of(newest: dict[str, Snapshot], now: float, **fields: object) -> TrayView:
    inverters = []
    for sn, s in newest.items():
        at = s.fetched_at.timestamp() - 20.0
        inverters.append(
            InverterInput(sn=sn, snapshot=s, upload_age_s=now - at, next_poll_at=now + 40.0)
        )
    return build_view(
        FleetInput(
            inverters=inverters,
            now=now,
            requests_today=321,
            daily_quota=9000,
            local_offset=lambda _at: UTC_PLUS_ONE,
            **fields,  # type: ignore[arg-type]
        )
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrayView, list, list]:  # type: ignore[type-arg]
    store, newest = filled_history(
        tmp_path_factory.mktemp("dashboard") / "history.sqlite3",
        (A, B),
        TODAY,
        days=29,
        gap_day=TODAY - timedelta(days=3),
    )
    now = plant_moment(TODAY, "14:02")
    view = view_of(newest, now)
    figures = daily_figures(store, None, TODAY - timedelta(days=29), TODAY)
    points = day_curve(store, None, TODAY)
    store.close()
    return view, figures, points


def tiles(items: tuple) -> dict[str, tuple[str, str, str]]:  # type: ignore[type-arg]
    return {t.key: (t.label, t.value, t.detail) for t in items}


def test_now_tiles_are_labelled_and_say_which_battery(history: tuple) -> None:  # type: ignore[type-arg]
    view, _figures, _points = history
    shown = tiles(now_tiles(view))
    assert list(shown) == ["pv", "home", "grid", "battery"]
    label, value, detail = shown["pv"]
    assert (label, value) == ("PV", "7.4 kW")
    assert detail.startswith("AC output ")
    assert shown["home"][:2] == ("Home", "800 W")
    assert shown["grid"] == ("Grid", "6.6 kW", "exporting")
    # Two batteries: the mean, said so in the label, each one named in the tooltip.
    assert shown["battery"][0] == "Batteries (2, mean)"
    battery = now_tiles(view)[3]
    assert A in battery.tooltip
    assert B in battery.tooltip
    assert "not weighted by capacity" in battery.tooltip
    assert battery.spoken.startswith("Batteries (2, mean): ")


def test_one_battery_importing_grid() -> None:
    s = snap(A, "2026-06-15 21:00", feedin_power=-350.0, soc=41.0, bat_power=-300.0, ac_power=50.0)
    now = s.fetched_at.timestamp()
    view = view_of({A: s}, now)
    shown = tiles(now_tiles(view))
    assert shown["grid"] == ("Grid", "350 W", "importing")
    assert shown["battery"] == ("Battery", "41 %", "discharging 300 W")


def test_no_battery_and_no_meter() -> None:
    s = snap(A, "2026-06-15 12:00", ac_power=800.0, pv_power=(820.0, None, None, None))
    view = view_of({A: s}, s.fetched_at.timestamp())
    shown = tiles(now_tiles(view))
    assert shown["battery"] == ("Battery", "—", "none reported")
    assert shown["grid"] == ("Grid", "—", "not measured")


def test_today_tiles_from_the_history(history: tuple) -> None:  # type: ignore[type-arg]
    view, figures, _points = history
    today = fleet_day(figures, TODAY)
    assert today is not None
    shown = tiles(today_tiles(view, today))
    assert list(shown) == ["yield", "self_consumption", "autarky", "import", "export"]
    # The yield is the cloud's day counter summed (the snapshots of 14:00).
    assert shown["yield"][:2] == ("Yield", "49.0 kWh")
    assert shown["self_consumption"][:2] == (
        "Self-consumption",
        f"{today.self_consumption_pct:.0f} %",
    )
    assert shown["autarky"][:2] == ("Autarky", f"{today.autarky_pct:.0f} %")
    assert shown["import"][1] == f"{today.import_kwh:.1f} kWh"
    assert shown["export"][1] == f"{today.export_kwh:.1f} kWh"


def test_today_without_history_is_dashes_not_zeros(history: tuple) -> None:  # type: ignore[type-arg]
    view, _figures, _points = history
    shown = tiles(today_tiles(view, None))
    assert shown["yield"][1] == "49.0 kWh"  # the cloud's own counter needs no history
    assert shown["autarky"][1] == "—"
    assert shown["import"][1] == "—"


def test_a_partial_day_says_so(history: tuple) -> None:  # type: ignore[type-arg]
    view, figures, _points = history
    gap = fleet_day(figures, TODAY - timedelta(days=3))
    assert gap is not None
    assert gap.partial
    assert "partial day" in tiles(today_tiles(view, gap))["export"][2]


def test_plant_day_and_offset_come_from_the_uploads(history: tuple) -> None:  # type: ignore[type-arg]
    view, _figures, _points = history
    assert plant_offset(view, lambda _at: -5 * 3600.0) == OFFSET_H * 3600
    assert plant_today(view, lambda _at: -5 * 3600.0) == TODAY
    empty = build_view(FleetInput(now=plant_moment(TODAY, "23:30")))
    assert plant_today(empty, lambda _at: 3600.0) == TODAY
    assert plant_today(empty, lambda _at: 7200.0) == TODAY + timedelta(days=1)


def test_the_curve_model_places_samples_on_the_plant_day(history: tuple) -> None:  # type: ignore[type-arg]
    _view, _figures, points = history
    curve = day_curve_model(points, TODAY, offset_s=OFFSET_H * 3600)
    assert len(curve.xs) == len(points) > 100
    assert curve.xs[0] == 0.0  # the first slot is the plant's midnight
    assert curve.xs[-1] == 14 * 3600.0
    assert curve.has_soc
    assert curve.power_axis.lo < 0 < curve.power_axis.hi  # export below the axis
    assert curve.soc_axis.hi == 100.0
    noon = curve.xs.index(12 * 3600.0)
    text = curve.readout(noon)
    assert text.startswith("At 12:00: PV 8.5 kW, home 800 W, grid exporting ")
    assert "battery idle" in text or "battery charging" in text
    assert text.endswith(" %.")
    assert "arrow keys" in curve.summary()


def test_the_curve_is_broken_at_a_gap_never_bridged() -> None:
    base = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    points = [
        CurvePoint(base + timedelta(minutes=m), 100.0 * m, 300.0, 0.0, None, None)
        for m in (0, 5, 10, 60, 65)
    ]
    curve = day_curve_model(points, TODAY, offset_s=0.0)
    assert GAP_S < 50 * 60
    runs = curve.runs("pv")
    assert [len(r) for r in runs] == [3, 2]
    assert curve.runs("battery") == []
    assert not curve.has_soc
    assert curve.readout(0) == "At 08:00: PV 0 W, home 300 W, grid balanced, battery —."


def test_points_outside_the_day_are_left_out() -> None:
    late = CurvePoint(datetime(2026, 6, 16, 0, 5, tzinfo=UTC), 1.0, 1.0, 1.0, 1.0, 50.0)
    assert day_curve_model([late], TODAY, offset_s=0.0).empty
    assert day_curve_model([], TODAY, offset_s=0.0).summary().endswith("no history for today yet.")


def test_daily_bars_over_a_week_and_a_month(history: tuple) -> None:  # type: ignore[type-arg]
    _view, figures, _points = history
    week = day_bars(figures, TODAY, 7)
    assert [b.day for b in week.bars] == [TODAY - timedelta(days=6 - i) for i in range(7)]
    assert week.label(6) == "Mon"  # 15 June 2026
    gap = week.bars[3]
    assert gap.partial
    assert week.readout(3).endswith("(partial day).")
    full = week.bars[5]
    assert full.yield_kwh == pytest.approx(64.94, abs=0.05)
    assert week.readout(5) == (
        f"Sun 14 Jun: yield {full.yield_kwh:.1f} kWh, consumption {full.consumption_kwh:.1f} kWh."
    )
    assert week.axis.hi >= 64.94
    month = day_bars(figures, TODAY, 30)
    assert len(month.bars) == 30
    assert month.label(29) == "15"
    assert "last 30 days" in month.summary()


def test_days_without_history_are_gaps_not_zeros() -> None:
    bars = day_bars([], TODAY, 7)
    assert bars.empty
    assert all(b.yield_kwh is None for b in bars.bars)
    assert bars.readout(0) == "Tue 9 Jun: no history."
    assert bars.summary().endswith("no history yet.")


def test_card_and_relative_age(history: tuple) -> None:  # type: ignore[type-arg]
    view, _figures, _points = history
    card = inverter_card(view.inverters[0], view.now, lambda _at: UTC_PLUS_ONE)
    assert card.status == f"{STATE_SYMBOLS[TrayState.PRODUCING]} Normal Mode"
    assert card.power.startswith("AC ")
    assert " · PV " in card.power
    assert card.battery is not None
    assert card.yield_today.endswith(" kWh today")
    assert card.age is not None
    assert card.age.relative == "2 min ago"
    assert card.age.absolute == "Mon 15 Jun 2026 14:00:00"


def test_a_fault_card_has_its_own_shape() -> None:
    s = snap(A, "2026-06-15 12:00", inverter_status=InverterStatus.FAULT, ac_power=0.0)
    view = view_of({A: s}, s.fetched_at.timestamp())
    card = inverter_card(view.inverters[0], view.now)
    assert card.status.startswith("■ Fault Mode")
    assert len(set(STATE_SYMBOLS.values())) == len(STATE_SYMBOLS)


def test_age_text_edges() -> None:
    assert age_text(None, 0.0).absolute == "unknown"
    assert age_text(5.0, 1e300).absolute == "unknown"
    assert age_text(90.0, 1_781_000_000.0, lambda _at: 0.0).relative == "1 min ago"


def test_diagnostics_hold_the_polling_internals(history: tuple) -> None:  # type: ignore[type-arg]
    view, _figures, _points = history
    lines = diagnostics_lines(view)
    assert lines[0] == "Requests: 321 of 9,000 today (4 %)"
    assert lines[1] == f"{A}: next poll in 40 s"
    assert diagnostics_lines(view, elapsed=30.0)[1] == f"{A}: next poll in 10 s"


def test_the_offset_the_history_recorded_names_the_plant_day() -> None:
    """Just after the machine's midnight, a plant four hours behind is still in the evening."""
    empty = build_view(FleetInput(now=datetime(2026, 11, 30, 0, 5, tzinfo=UTC).timestamp()))
    assert plant_today(empty, lambda _at: 0.0) == date(2026, 11, 30)
    assert plant_today(empty, lambda _at: 0.0, -4 * 3600.0) == date(2026, 11, 29)
