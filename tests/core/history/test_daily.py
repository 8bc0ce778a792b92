"""Daily figures against days computed by hand: a plain day, yesterday's yield lingering after
midnight, a counter reset, a gap, the step across midnight, both summer-time changes, the fleet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import DayFigures, HistoryStore, daily_figures
from solaxtray.core.models import Snapshot
from tests.core.history.helpers import snap

SN = "SWAAAAAAA1"
DAY = date(2026, 6, 10)
LATER = FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())


def half_hours(day: date) -> list[datetime]:
    start = datetime.combine(day, datetime.min.time())
    return [start + timedelta(minutes=30 * i) for i in range(48)]


def plain_day(
    day: date = DAY, sn: str = SN, overrides: dict[str, dict[str, Any]] | None = None
) -> list[Snapshot]:
    """48 uploads, every half hour from 00:00 to 23:30, plus yesterday's 23:30.

    - ``yieldtoday``: 19.5 (yesterday's) at 00:00, reset to 0 at 00:30, +1.0 per half hour from
      06:30 to 18:00 (24 steps): 24.0 kWh.
    - ``feedinenergy``: +0.5 per half hour from 10:30 to 16:00 (12 steps): 6.0 kWh.
    - ``consumeenergy``: +0.25 per half hour outside 06:30-18:00, the step from yesterday's 23:30
      to 00:00 included (24 steps): 6.0 kWh.
    So consumption = 24 + 6 - 6 = 24 kWh, self-consumption (24-6)/24 = 75 %, autarky (24-6)/24 = 75 %.
    """
    out = [
        snap(
            sn,
            f"{day - timedelta(days=1)} 23:30:00",
            yield_today=19.5,
            feedin_energy=500.0,
            consume_energy=800.0,
            pv_power=(0.0, 0.0, None, None),
            ac_power=0.0,
        )
    ]
    y, fe, ce = 0.0, 500.0, 800.0
    for t in half_hours(day):
        minutes = t.hour * 60 + t.minute
        if 6 * 60 + 30 <= minutes <= 18 * 60:
            y += 1.0
        else:
            ce += 0.25
        if 10 * 60 + 30 <= minutes <= 16 * 60:
            fe += 0.5
        producing = 6 * 60 <= minutes <= 18 * 60
        values: dict[str, Any] = {
            "yield_today": 19.5 if minutes == 0 else y,
            "feedin_energy": round(fe, 2),
            "consume_energy": round(ce, 2),
            "pv_power": (1000.0 if producing else 0.0, 0.0, None, None),
            "ac_power": 1000.0 if producing else 0.0,
        }
        values.update((overrides or {}).get(t.strftime("%H:%M"), {}))
        out.append(snap(sn, t.isoformat(sep=" "), **values))
    return out


def figures(
    tmp_path: Path,
    snaps: list[Snapshot],
    first: date = DAY,
    last: date = DAY,
    clock: FakeClock = LATER,
) -> list[DayFigures]:
    with HistoryStore.open(tmp_path / "h.sqlite3", clock=clock) as store:
        store.add_many(snaps)
        return daily_figures(store, None, first, last)


def one(result: list[DayFigures], sn: str = SN, day: date = DAY) -> DayFigures:
    (match,) = [f for f in result if f.sn == sn and f.date == day]
    return match


def test_a_plain_day(tmp_path: Path) -> None:
    result = figures(tmp_path, plain_day())
    assert one(result) == DayFigures(
        date=DAY,
        sn=SN,
        yield_kwh=24.0,
        export_kwh=6.0,
        import_kwh=6.0,
        consumption_kwh=24.0,
        self_consumption_pct=75.0,
        autarky_pct=75.0,
        samples=48,
        partial=False,
    )
    fleet = one(result, "all")
    assert (fleet.yield_kwh, fleet.samples, fleet.partial) == (24.0, 48, False)
    assert [f.sn for f in result] == [SN, "all"]


def test_midnight_each_step_counts_once(tmp_path: Path) -> None:
    """Two whole days: the step across midnight belongs to the second, yesterday's lingering
    19.5 kWh is not today's yield, and the two days' imports add up to the counter's rise."""
    first = plain_day(DAY)
    second = [
        snap(
            SN,
            str(s.upload_time),
            yield_today=s.yield_today,
            feedin_energy=(s.feedin_energy or 0) + 6.0,
            consume_energy=(s.consume_energy or 0) + 6.0,
            pv_power=s.pv_power,
            ac_power=s.ac_power,
        )
        for s in plain_day(DAY + timedelta(days=1))[1:]
    ]
    # the first day ends at 23:30 with yield 24.0; the second day starts with 24.0 lingering.
    second[0] = snap(
        SN,
        f"{DAY + timedelta(days=1)} 00:00:00",
        yield_today=24.0,
        feedin_energy=506.0,
        consume_energy=806.25,
        ac_power=0.0,
    )
    result = figures(tmp_path, first + second, DAY, DAY + timedelta(days=1))
    d1, d2 = one(result), one(result, day=DAY + timedelta(days=1))
    assert (d1.yield_kwh, d1.import_kwh, d1.export_kwh) == (24.0, 6.0, 6.0)
    assert (d2.yield_kwh, d2.import_kwh, d2.export_kwh) == (24.0, 6.0, 6.0)
    assert not d1.partial
    assert not d2.partial


def test_a_counter_reset_loses_only_its_step_and_marks_the_day_partial(tmp_path: Path) -> None:
    """The export counter restarts from 0 at 12:00 (a replaced meter): the step into 12:00 (0.5)
    is unknown, the other 11 steps count: 5.5 kWh."""
    snaps = plain_day()
    reset = []
    for s in snaps:
        assert s.upload_time is not None
        if s.upload_time >= datetime.combine(DAY, datetime.min.time()) + timedelta(hours=12):
            s = snap(
                SN,
                s.upload_time.isoformat(sep=" "),
                yield_today=s.yield_today,
                feedin_energy=round((s.feedin_energy or 0) - 501.5, 2),
                consume_energy=s.consume_energy,
                pv_power=s.pv_power,
                ac_power=s.ac_power,
            )
        reset.append(s)
    f = one(figures(tmp_path, reset))
    assert f.export_kwh == 5.5
    assert f.import_kwh == 6.0
    assert f.consumption_kwh == 24.5
    assert f.partial


def test_a_single_zero_reading_is_a_glitch_not_a_reset(tmp_path: Path) -> None:
    snaps = plain_day(overrides={"12:00": {"feedin_energy": 0.0, "yield_today": 0.0}})
    f = one(figures(tmp_path, snaps))
    assert (f.yield_kwh, f.export_kwh, f.partial) == (24.0, 6.0, False)


def test_a_daylight_gap_marks_the_day_partial_without_inventing(tmp_path: Path) -> None:
    """No uploads 11:30-12:30 (the app was closed): yield and the counters' rises are still
    measured (lifetime counters lose nothing), but the day is partial."""
    snaps = [
        s
        for s in plain_day()
        if s.upload_time is None
        or s.upload_time.strftime("%H:%M") not in ("11:30", "12:00", "12:30")
    ]
    f = one(figures(tmp_path, snaps))
    assert (f.yield_kwh, f.export_kwh, f.import_kwh, f.samples) == (24.0, 6.0, 6.0, 45)
    assert f.partial


def test_a_night_gap_of_an_inverter_that_sleeps_is_not_partial(tmp_path: Path) -> None:
    """A grid-tie inverter without a meter stops uploading after dusk: nothing is missed."""
    snaps = [
        snap(
            SN,
            f"{DAY} {h:02d}:{m:02d}:00",
            yield_today=max(0.0, (h - 6) * 1.0),
            pv_power=(500.0, None, None, None),
            ac_power=480.0,
        )
        for h in range(6, 19)
        for m in (0, 30)
    ]
    snaps[-1] = snap(
        SN, f"{DAY} 18:30:00", yield_today=12.0, pv_power=(0.0, None, None, None), ac_power=0.0
    )
    f = one(figures(tmp_path, snaps))
    assert (f.yield_kwh, f.export_kwh, f.import_kwh, f.consumption_kwh) == (12.0, None, None, None)
    assert (f.self_consumption_pct, f.autarky_pct) == (None, None)
    assert not f.partial


def test_a_late_first_upload_of_a_metered_inverter_is_partial(tmp_path: Path) -> None:
    """Started at 08:00: the night's import is not in the counters' steps of this day."""
    snaps = [s for s in plain_day()[1:] if s.upload_time is not None and s.upload_time.hour >= 8]
    f = one(figures(tmp_path, snaps))
    assert f.partial
    assert f.import_kwh == 2.75  # the 11 evening steps only
    assert f.yield_kwh == 24.0


def test_an_early_last_upload_of_a_past_day_is_partial(tmp_path: Path) -> None:
    snaps = [
        s
        for s in plain_day()
        if s.upload_time is not None and (s.upload_time.date() < DAY or s.upload_time.hour < 15)
    ]
    assert one(figures(tmp_path, snaps)).partial


def test_today_is_partial_only_when_uploads_stopped(tmp_path: Path) -> None:
    """At 12:10 plant time (10:10 UTC) with uploads until 12:00 today is whole so far; with the
    last at 11:00 while producing, it is partial."""
    now = FakeClock(datetime(2026, 6, 10, 11, 10, tzinfo=UTC).timestamp())
    until_noon = [
        s
        for s in plain_day()
        if s.upload_time is not None
        and (
            s.upload_time.date() < DAY
            or s.upload_time.hour < 12
            or s.upload_time.strftime("%H:%M") == "12:00"
        )
    ]
    assert not one(figures(tmp_path / "a", until_noon, clock=now)).partial
    until_eleven = [
        s
        for s in until_noon
        if s.upload_time is not None
        and (
            s.upload_time.date() < DAY
            or s.upload_time.hour < 11
            or s.upload_time.strftime("%H:%M") == "11:00"
        )
    ]
    assert one(figures(tmp_path / "b", until_eleven, clock=now)).partial


def dst_day(day: date, offsets: list[float]) -> list[Snapshot]:
    """Uploads every half hour of real time from the plant's midnight, with each upload's own
    UTC offset; import +0.25 per step, so the import is 0.25 x (uploads - 1 + 1 for midnight)."""
    out = [
        snap(
            SN,
            f"{day - timedelta(days=1)} 23:30:00",
            offset_h=offsets[0],
            consume_energy=100.0,
            feedin_energy=50.0,
            yield_today=3.0,
        )
    ]
    midnight_utc = datetime.combine(day, datetime.min.time()) - timedelta(hours=offsets[0])
    ce = 100.0
    for i, offset in enumerate(offsets):
        utc = midnight_utc + timedelta(minutes=30 * i)
        local = utc + timedelta(hours=offset)
        ce += 0.25
        out.append(
            snap(
                SN,
                local.isoformat(sep=" "),
                offset_h=offset,
                consume_energy=ce,
                feedin_energy=50.0,
                yield_today=0.0,
            )
        )
    return out


def test_spring_forward_day_has_46_uploads_and_no_gap(tmp_path: Path) -> None:
    """29 March 2026, Europe: 02:00 CET becomes 03:00 CEST. 23 hours = 46 half hours; the wall
    clock jumps 01:30 -> 03:00 but only 30 minutes pass."""
    day = date(2026, 3, 29)
    offsets = [1.0] * 4 + [2.0] * 42
    f = one(figures(tmp_path, dst_day(day, offsets), day, day), day=day)
    assert f.samples == 46
    assert f.import_kwh == 11.5  # 46 steps of 0.25, the one from 23:30 into midnight included
    assert not f.partial


def test_fall_back_day_has_50_uploads_in_real_order(tmp_path: Path) -> None:
    """25 October 2026: 03:00 CEST becomes 02:00 CET; 02:00 and 02:30 come twice. 25 hours = 50
    half hours, all kept, the counter followed in real time (no false reset)."""
    day = date(2026, 10, 25)
    offsets = [2.0] * 6 + [1.0] * 44
    f = one(figures(tmp_path, dst_day(day, offsets), day, day), day=day)
    assert f.samples == 50
    assert f.import_kwh == 12.5
    assert not f.partial


def test_the_fleet_sums_and_compares_like_with_like(tmp_path: Path) -> None:
    """A metered hybrid (24 kWh, export 6, import 6) and a micro-inverter without a meter
    (yield 2.0): the fleet yields 26, exports 6; its self-consumption uses the hybrid only."""
    micro = [
        snap(
            "SWMICRO001",
            f"{DAY} {h:02d}:{m:02d}:00",
            yield_today=min(2.0, max(0.0, (h - 8) * 0.25)),
            pv_power=(300.0 if 6 <= h < 18 else 0.0, None, None, None),
        )
        for h in range(24)
        for m in (0, 30)
    ]
    result = figures(tmp_path, plain_day() + micro)
    assert [f.sn for f in result] == [SN, "SWMICRO001", "all"]
    fleet = one(result, "all")
    assert fleet == DayFigures(
        date=DAY,
        sn="all",
        yield_kwh=26.0,
        export_kwh=6.0,
        import_kwh=6.0,
        consumption_kwh=24.0,
        self_consumption_pct=75.0,
        autarky_pct=75.0,
        samples=96,
        partial=False,
    )


def test_filters_and_empty_ranges(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3", clock=LATER) as store:
        store.add_many(plain_day())
        assert daily_figures(store, ["SWOTHER001"], DAY, DAY) == []
        assert daily_figures(store, None, DAY + timedelta(days=1), DAY) == []
        assert [f.date for f in daily_figures(store, [SN], DAY - timedelta(days=1), DAY)] == [
            DAY - timedelta(days=1),
            DAY - timedelta(days=1),
            DAY,
            DAY,
        ]


def test_an_inverter_without_counters_has_no_invented_export(tmp_path: Path) -> None:
    value = None
    snaps = plain_day(
        overrides={
            f"{h:02d}:{m:02d}": {"feedin_energy": value, "consume_energy": value}
            for h in range(24)
            for m in (0, 30)
        }
    )
    f = one(figures(tmp_path, snaps))
    assert (f.export_kwh, f.import_kwh, f.consumption_kwh, f.autarky_pct) == (None,) * 4
