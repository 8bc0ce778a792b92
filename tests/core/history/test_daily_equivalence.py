"""The quicker daily figures against the plain ones they replaced, on random histories: the same
figures, value for value, whatever the uploads (glitches, resets, missing values, gaps, two
inverters, hourly rows)."""

from __future__ import annotations

import os
from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, daily_figures
from tests.core.history import daily_reference
from tests.core.history.helpers import snap

DAY = date(2026, 6, 10)
EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "60"))

# Small value ranges, so that falls (resets), single low readings (glitches) and equal values
# are common; now and then an absurd value.
level = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=3, allow_nan=False).map(lambda v: round(v, 1)),
    st.sampled_from([0.0, 0.05, 1e6, 1.7e308]),
)
counter = st.one_of(
    st.none(),
    st.floats(min_value=100, max_value=104, allow_nan=False).map(lambda v: round(v, 2)),
    st.sampled_from([0.0, 1e9, 1.7e308]),
)
reading = st.tuples(
    st.sampled_from(["SWEQUIV001", "SWEQUIV002"]),
    st.integers(min_value=0, max_value=3 * 24 * 12 - 1),  # five-minute slot of three days
    level,
    counter,
    counter,
    st.one_of(st.none(), st.sampled_from([0.0, 40.0, 60.0, 3000.0])),
    st.one_of(st.none(), st.sampled_from([0.0, 49.0, 51.0, 2000.0])),
)


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(
    readings=st.lists(reading, max_size=120, unique_by=lambda r: (r[0], r[1])),
    resolution=st.sampled_from([0, 3600]),
    now_minute=st.integers(min_value=2 * 24 * 60, max_value=4 * 24 * 60),
)
def test_the_quick_figures_are_the_plain_ones(
    readings: list[tuple[str, int, float | None, float | None, float | None, Any, Any]],
    resolution: int,
    now_minute: int,
) -> None:
    start = datetime.combine(DAY - timedelta(days=1), datetime.min.time())
    snaps = [
        snap(
            sn,
            str(start + timedelta(minutes=5 * slot)),
            yield_today=y,
            feedin_energy=fe,
            consume_energy=ce,
            ac_power=ac,
            pv_power=(pv, None, None, None),
        )
        for sn, slot, y, fe, ce, ac, pv in readings
    ]
    now = (start + timedelta(minutes=now_minute)).replace(tzinfo=UTC).timestamp() - 3600
    with HistoryStore.in_memory(clock=FakeClock(now)) as store:
        store.add_many(snaps, resolution_s=resolution)
        for first, last in ((DAY - timedelta(days=1), DAY + timedelta(days=1)), (DAY, DAY)):
            quick = daily_figures(store, None, first, last)
            plain = daily_reference.daily_figures(store, None, first, last)
            assert [repr(astuple(f)) for f in quick] == [repr(astuple(f)) for f in plain]
