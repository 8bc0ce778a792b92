"""Monthly figures against months computed by hand: the plant's month boundaries, a summer-time
change, missing days, a counter reset, the current month, a leap February, the fleet, and the
cache of past months.

Every day below is made of hourly uploads (stored as an hourly resolution) whose values are
known by construction:

- ``yieldtoday``: 0 until 08:00, +1 kWh an hour from 09:00 to 16:00, so 8 kWh a day;
- ``feedinenergy``: +0.5 kWh at each upload from 12:00 to 15:00: 2 kWh a day;
- ``consumeenergy``: +0.25 kWh at each upload before 08:00 and after 16:00 (the step into 00:00
  from yesterday's 23:00 counts for the new day): 15 steps, 3.75 kWh a day;
- so consumption 8 + 3.75 − 2 = 9.75 kWh a day.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import (
    DayFigures,
    HistoryStore,
    MonthCache,
    MonthFigures,
    monthly_figures,
    months_json,
)
from solaxtray.core.history.monthly import add_months, months_between, months_of_days
from solaxtray.core.models import Snapshot
from tests.core.history.helpers import snap

SN = "SWMONTH001"
YIELD, EXPORT, IMPORT = 8.0, 2.0, 3.75


def hourly(
    sn: str,
    first: date,
    last: date,
    *,
    offset_h: Callable[[datetime], float] = lambda _: 2.0,
    skip: Iterable[date] = (),
    meter: bool = True,
    reset_at: datetime | None = None,
) -> list[Snapshot]:
    """Hourly uploads from ``first`` 00:00 to ``last`` 23:00 (plant time), leaving out the days
    in ``skip``; the feed-in counter falls by 1000 kWh at ``reset_at`` (a replaced meter)."""
    skipped = set(skip)
    out: list[Snapshot] = []
    feedin, consume = 5000.0, 3000.0
    day = first
    while day <= last:
        for h in range(24):
            local = datetime.combine(day, datetime.min.time()) + timedelta(hours=h)
            offset = offset_h(local)
            if offset != offset_h(local - timedelta(hours=1)) and offset > offset_h(
                local - timedelta(hours=1)
            ):
                continue  # the hour that summer time skips
            if 12 <= h <= 15:
                feedin += 0.5
            if h < 8 or h > 16:
                consume += 0.25
            if reset_at is not None and local == reset_at:
                feedin -= 1000.0
            if day in skipped:
                continue
            values: dict[str, Any] = {
                "yield_today": float(max(0, min(h, 16) - 8)),
                "pv_power": (1000.0 if 8 <= h <= 16 else 0.0, None, None, None),
                "ac_power": 1000.0 if 8 <= h <= 16 else 0.0,
            }
            if meter:
                values |= {"feedin_energy": round(feedin, 2), "consume_energy": round(consume, 2)}
            out.append(snap(sn, local.isoformat(sep=" "), offset_h=offset, **values))
        day += timedelta(days=1)
    return out


def store_with(tmp_path: Path, now: datetime, *groups: list[Snapshot]) -> HistoryStore:
    store = HistoryStore.open(tmp_path / "history.sqlite3", clock=FakeClock(now.timestamp()))
    for group in groups:
        store.add_many(group, resolution_s=3600)
    return store


def yield_of(figures: list[MonthFigures], month: date) -> float:
    value = month_of(figures, month).yield_kwh
    assert value is not None
    return value


def month_of(figures: list[MonthFigures], month: date, sn: str = SN) -> MonthFigures:
    found = [f for f in figures if f.month == month and f.sn == sn]
    assert len(found) == 1, figures
    return found[0]


def test_a_whole_month_in_the_plants_zone(tmp_path: Path) -> None:
    # UTC+2: 1 July 00:00 at the plant is 30 June 22:00 UTC, and belongs to July.
    rows = hourly(SN, date(2026, 5, 31), date(2026, 7, 1))
    with store_with(tmp_path, datetime(2026, 7, 10, tzinfo=UTC), rows) as store:
        figures = monthly_figures(store, None, date(2026, 5, 1), date(2026, 7, 31))
    june = month_of(figures, date(2026, 6, 1))
    assert (june.yield_kwh, june.export_kwh, june.import_kwh) == (240.0, 60.0, 112.5)
    assert june.consumption_kwh == 292.5
    assert june.self_consumption_pct == 75.0
    assert june.autarky_pct == pytest.approx(61.5)
    assert (june.days, june.missing_days, june.samples) == (30, 0, 720)
    assert not june.partial
    assert not june.in_progress
    may = month_of(figures, date(2026, 5, 1))
    assert (may.days, may.missing_days, may.partial) == (1, 30, True)
    july = month_of(figures, date(2026, 7, 1))
    assert (july.days, july.samples, july.missing_days, july.partial) == (1, 24, 9, True)
    assert july.in_progress
    assert [f.sn for f in figures] == [SN, "all"] * 3


def test_the_month_of_the_spring_change_has_one_hour_less(tmp_path: Path) -> None:
    """Europe, 29 March 2026: 02:00 becomes 03:00; the plant's day has 23 uploads, no gap."""

    def cet(local: datetime) -> float:
        return 2.0 if local >= datetime(2026, 3, 29, 3) else 1.0

    rows = hourly(SN, date(2026, 2, 28), date(2026, 3, 31), offset_h=cet)
    with store_with(tmp_path, datetime(2026, 4, 10, tzinfo=UTC), rows) as store:
        march = month_of(
            monthly_figures(store, [SN], date(2026, 3, 1), date(2026, 3, 1)), date(2026, 3, 1)
        )
    assert (march.days, march.missing_days, march.samples) == (31, 0, 31 * 24 - 1)
    assert not march.partial
    assert (march.yield_kwh, march.export_kwh) == (248.0, 62.0)
    assert march.import_kwh == 30 * IMPORT + 3.5  # the lost hour had no step


def test_missing_days_make_the_month_partial_not_silently_low(tmp_path: Path) -> None:
    gone = [date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 12)]
    rows = hourly(SN, date(2026, 5, 31), date(2026, 6, 30), skip=gone)
    with store_with(tmp_path, datetime(2026, 7, 10, tzinfo=UTC), rows) as store:
        june = month_of(
            monthly_figures(store, None, date(2026, 6, 1), date(2026, 6, 30)), date(2026, 6, 1)
        )
    assert (june.days, june.missing_days, june.partial) == (27, 3, True)
    assert june.yield_kwh == 27 * YIELD
    # The lifetime counter lost nothing while nobody looked, but the step across the gap is
    # longer than a day's gap limit, so it is not counted: never an invented number.
    assert june.export_kwh == 27 * EXPORT


def test_a_counter_reset_mid_month_loses_one_step_and_says_partial(tmp_path: Path) -> None:
    rows = hourly(SN, date(2026, 5, 31), date(2026, 6, 30), reset_at=datetime(2026, 6, 15, 12))
    with store_with(tmp_path, datetime(2026, 7, 10, tzinfo=UTC), rows) as store:
        figures = monthly_figures(store, None, date(2026, 6, 1), date(2026, 6, 30))
    june = month_of(figures, date(2026, 6, 1))
    assert june.partial
    assert june.missing_days == 0
    assert june.export_kwh == 29 * EXPORT + 1.5
    assert june.yield_kwh == 30 * YIELD
    assert month_of(figures, date(2026, 6, 1), "all").partial


def test_the_current_month_counts_only_the_days_so_far(tmp_path: Path) -> None:
    rows = [
        r
        for r in hourly(SN, date(2026, 5, 31), date(2026, 6, 15))
        if r.upload_time is not None and r.upload_time <= datetime(2026, 6, 15, 14)
    ]
    now = datetime(2026, 6, 15, 12, 0, 30, tzinfo=UTC)  # 14:00:30 at the plant
    with store_with(tmp_path, now, rows) as store:
        june = month_of(
            monthly_figures(store, None, date(2026, 1, 1), date(2026, 12, 31)), date(2026, 6, 1)
        )
        assert [
            f.month for f in monthly_figures(store, None, date(2026, 6, 1), date(2027, 1, 1))
        ] == [date(2026, 6, 1)] * 2
    assert june.in_progress
    assert (june.days, june.missing_days, june.partial) == (15, 0, False)
    assert june.yield_kwh == 14 * YIELD + 6.0


@pytest.mark.parametrize(
    ("skip", "days", "partial"), [((), 29, False), ((date(2028, 2, 29),), 28, True)]
)
def test_a_leap_february_has_29_days(
    tmp_path: Path, skip: tuple[date, ...], days: int, partial: bool
) -> None:
    rows = hourly(SN, date(2028, 1, 31), date(2028, 3, 1), skip=skip)
    with store_with(tmp_path, datetime(2028, 3, 10, tzinfo=UTC), rows) as store:
        february = month_of(
            monthly_figures(store, None, date(2028, 2, 1), date(2028, 2, 1)), date(2028, 2, 1)
        )
    assert (february.days, february.missing_days, february.partial) == (days, 29 - days, partial)
    assert february.yield_kwh == days * YIELD


def test_the_fleet_sums_and_compares_like_with_like(tmp_path: Path) -> None:
    other = "SWMONTH002"
    metered = hourly(SN, date(2026, 5, 31), date(2026, 6, 30))
    bare = hourly(other, date(2026, 5, 31), date(2026, 6, 30), meter=False)
    with store_with(tmp_path, datetime(2026, 7, 10, tzinfo=UTC), metered, bare) as store:
        figures = monthly_figures(store, None, date(2026, 6, 1), date(2026, 6, 30))
    fleet = month_of(figures, date(2026, 6, 1), "all")
    assert fleet.yield_kwh == 480.0
    assert fleet.export_kwh == 60.0
    # Only the metered inverter's yield is set against its export: 75 %, not (480 − 60) / 480.
    assert fleet.self_consumption_pct == 75.0
    assert month_of(figures, date(2026, 6, 1), other).export_kwh is None


def test_past_months_come_from_the_cache_until_their_rows_change(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    rows = hourly(SN, date(2026, 4, 30), date(2026, 6, 15))
    clock = FakeClock(datetime(2026, 6, 15, 21, 45, tzinfo=UTC).timestamp())  # 23:45 there
    cache = MonthCache()
    with HistoryStore.open(path, clock=clock) as store:
        store.add_many(rows, resolution_s=3600)
        first = monthly_figures(store, None, date(2026, 5, 1), date(2026, 6, 30), cache=cache)
        assert len(cache) == 1  # May; June is not over
        # Behind the store's back (another program, same row count): the cache still holds May.
        with sqlite3.connect(path) as other:
            other.execute(
                "UPDATE samples SET yield_today = 100 WHERE upload_time = '2026-05-10T12:00:00'"
            )
        cached = monthly_figures(store, None, date(2026, 5, 1), date(2026, 6, 30), cache=cache)
        fresh = monthly_figures(store, None, date(2026, 5, 1), date(2026, 6, 30))
        assert cached == first
        # 100 at 12:00, then 5 at 13:00: read as a reset, so the day counts 100 + 8.
        assert month_of(fresh, date(2026, 5, 1)).yield_kwh == 31 * YIELD + 100
        # A row added to May (a late writer) changes its signature: May is read again.
        store.add(snap(SN, "2026-05-20 23:30:00", offset_h=2.0, yield_today=50.0))
        again = monthly_figures(store, None, date(2026, 5, 1), date(2026, 6, 30), cache=cache)
        assert yield_of(again, date(2026, 5, 1)) == yield_of(fresh, date(2026, 5, 1)) + 42
        # The current month is always read again.
        store.add(snap(SN, "2026-06-15 23:30:00", offset_h=2.0, yield_today=9.0))
        latest = monthly_figures(store, None, date(2026, 5, 1), date(2026, 6, 30), cache=cache)
        assert yield_of(latest, date(2026, 6, 1)) == yield_of(first, date(2026, 6, 1)) + 1


def test_month_arithmetic_holds_at_the_ends_of_the_calendar() -> None:
    assert add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 11, 30), 1 - 12) == date(2025, 12, 1)
    assert add_months(date(1, 3, 1), -12) == date(1, 1, 1)
    assert add_months(date(9999, 12, 31), 1) == date(9999, 12, 1)
    assert months_between(date(9999, 11, 5), date.max) == [date(9999, 11, 1), date(9999, 12, 1)]
    assert months_between(date(2026, 6, 30), date(2026, 6, 1)) == []


def test_absurd_days_that_add_up_past_a_float_are_no_figure_not_a_crash() -> None:
    """A cloud may send 1.7e308 kWh; two such days overflow a float's sum (``math.fsum`` raises
    where ``sum`` gives inf): the month has no yield, and JSON stays JSON."""
    days = [
        DayFigures(
            date=date(2026, 6, d),
            sn=SN,
            yield_kwh=1.7e308,
            export_kwh=1.0,
            import_kwh=1.0,
            consumption_kwh=1.7e308,
            self_consumption_pct=None,
            autarky_pct=None,
            samples=10,
            partial=False,
        )
        for d in (1, 2)
    ]
    (june,) = months_of_days(days, date(2026, 7, 10))
    assert june.yield_kwh is None
    assert june.consumption_kwh is None
    assert june.export_kwh == 2.0
    assert june.self_consumption_pct is None
    text = json.dumps(months_json([june]), allow_nan=False)
    assert json.loads(text)["months"][0]["yield_kwh"] is None
