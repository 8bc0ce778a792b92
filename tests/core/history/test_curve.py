"""Today's fleet curve: slots, sums, carried values, the battery mean and the null fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from solaxtray.core.history import CurvePoint, HistoryStore, day_curve
from tests.core.history.helpers import snap

DAY = date(2026, 6, 10)


def test_the_fleet_curve_sums_per_slot_and_carries_one_missed_upload(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add_many(
            [
                # hybrid: uploads at :00:30 and :05:30 (plant time, UTC+1)
                snap(
                    "SWHYB00001",
                    f"{DAY} 12:00:30",
                    pv_power=(1000.0, 500.0, None, None),
                    ac_power=1200.0,
                    feedin_power=200.0,
                    bat_power=300.0,
                    soc=40.0,
                ),
                snap(
                    "SWHYB00001",
                    f"{DAY} 12:05:30",
                    pv_power=(900.0, 500.0, None, None),
                    ac_power=1100.0,
                    feedin_power=-100.0,
                    bat_power=300.0,
                    soc=42.0,
                ),
                # second hybrid, only at 12:01
                snap(
                    "SWHYB00002",
                    f"{DAY} 12:01:00",
                    pv_power=(100.0, None, None, None),
                    ac_power=600.0,
                    feedin_power=-50.0,
                    bat_power=-500.0,
                    soc=80.0,
                ),
                # micro without meter or battery
                snap(
                    "SWMICRO001",
                    f"{DAY} 12:02:00",
                    pv_power=(300.0, None, None, None),
                    ac_power=290.0,
                    soc=None,
                ),
                # another day: never in this day's curve
                snap("SWMICRO001", "2026-06-11 00:02:00", pv_power=(0.0, None, None, None)),
            ]
        )
        curve = day_curve(store, None, DAY)
        only = day_curve(store, ["SWMICRO001"], DAY)
    assert curve == [
        CurvePoint(
            at=datetime(2026, 6, 10, 11, 0, tzinfo=UTC),
            pv_w=1500.0 + 100.0 + 300.0,
            home_w=1000.0 + 650.0 + 290.0,
            grid_w=-200.0 + 50.0,
            battery_w=-200.0,
            soc_pct=60.0,
        ),
        CurvePoint(
            at=datetime(2026, 6, 10, 11, 5, tzinfo=UTC),
            pv_w=1400.0 + 100.0 + 300.0,  # the others' last uploads stand in
            home_w=1200.0 + 650.0 + 290.0,
            grid_w=100.0 + 50.0,
            battery_w=-200.0,
            soc_pct=61.0,
        ),
    ]
    assert [p.grid_w for p in only] == [None]
    assert [p.soc_pct for p in only] == [None]


def test_an_upload_older_than_the_carry_window_drops_out(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.add(snap("SWAAAAAAA1", f"{DAY} 08:00:00", pv_power=(100.0, None, None, None)))
        store.add(snap("SWAAAAAAA2", f"{DAY} 08:00:00", pv_power=(50.0, None, None, None)))
        store.add(snap("SWAAAAAAA2", f"{DAY} 08:30:00", pv_power=(70.0, None, None, None)))
        curve = day_curve(store, None, DAY)
    assert [(p.at.minute, p.pv_w) for p in curve] == [(0, 150.0), (30, 70.0)]
    assert day_curve(HistoryStore.in_memory(), None, DAY) == []
