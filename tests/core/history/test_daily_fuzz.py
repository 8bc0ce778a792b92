"""Daily figures on arbitrary uploads: never an error, never a negative energy or a percentage
outside 0..100, never more export or import than the counters rose."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, daily_figures
from tests.core.history.helpers import snap

DAY = date(2026, 6, 10)
EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "60"))

reading = st.tuples(
    st.integers(min_value=0, max_value=2 * 24 * 60 - 1),  # minute of yesterday and today
    st.one_of(st.none(), st.floats(min_value=0, max_value=60, allow_nan=False)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
    st.one_of(st.none(), st.floats(min_value=-1e4, max_value=1e5, allow_nan=False)),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(reading, max_size=60, unique_by=lambda r: r[0]))
def test_figures_are_always_sane(
    readings: list[tuple[int, float | None, float | None, float | None, float | None]],
) -> None:
    start = datetime.combine(DAY - timedelta(days=1), datetime.min.time())
    snaps = [
        snap(
            "SWFUZZ0001",
            str(start + timedelta(minutes=minute)),
            yield_today=y,
            feedin_energy=fe,
            consume_energy=ce,
            ac_power=ac,
        )
        for minute, y, fe, ce, ac in readings
    ]
    with HistoryStore.in_memory(
        clock=FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())
    ) as store:
        store.add_many(snaps)
        result = daily_figures(store, None, DAY - timedelta(days=1), DAY)
    for f in result:
        for value in (f.yield_kwh, f.export_kwh, f.import_kwh, f.consumption_kwh):
            assert value is None or value >= 0
        for pct in (f.self_consumption_pct, f.autarky_pct):
            assert pct is None or 0 <= pct <= 100
        assert f.samples > 0
    # Every step counted is a rise of the counter between uploads in time order (a glitch skipped
    # at most), so the days' export never exceeds the sum of the counter's rises.
    exported = [f.export_kwh for f in result if f.sn != "all" and f.export_kwh is not None]
    counter = [fe for _, _, fe, _, _ in sorted(readings) if fe is not None]
    rises = sum(max(0.0, b - a) for a, b in itertools.pairwise(counter))
    assert sum(exported) <= rises + 0.01 * len(exported)  # each day rounded to 0.01 kWh


def test_absurd_finite_values_never_give_an_infinite_figure() -> None:
    """1.7e308 kWh is finite, as a cloud may send it; two of them add past a float's range."""
    import math

    store = HistoryStore.in_memory(clock=FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp()))
    for sn in ("SWFUZZ0001", "SWFUZZ0002"):
        store.add_many(
            snap(
                sn,
                f"{DAY} {hour:02d}:00",
                yield_today=1.7e308,
                feedin_energy=1.7e308 * (hour % 2),
                consume_energy=1.7e308,
            )
            for hour in range(24)
        )
    for figures in daily_figures(store, None, DAY, DAY):
        for value in (
            figures.yield_kwh,
            figures.export_kwh,
            figures.import_kwh,
            figures.consumption_kwh,
            figures.self_consumption_pct,
            figures.autarky_pct,
        ):
            assert value is None or math.isfinite(value), figures
