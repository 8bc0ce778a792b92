"""Monthly figures on arbitrary daily figures: the months add up to the days, a month is partial
exactly when a day of it is partial or missing, and no percentage leaves 0..100."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from solaxtray.core.history import DayFigures
from solaxtray.core.history.monthly import month_end, month_start, months_of_days

EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "60"))
FIRST = date(2028, 1, 27)
"""The end of January, a whole leap February, and March so far."""
TODAY = date(2028, 3, 4)
SERIALS = ("SWFUZZ0001", "all")

energy = st.one_of(st.none(), st.floats(min_value=0, max_value=1e4, allow_nan=False, width=32))
day_values = st.tuples(energy, energy, energy, energy, st.integers(0, 300), st.booleans())


@st.composite
def daily(draw: st.DrawFn) -> list[DayFigures]:
    out = []
    for offset in range((TODAY - FIRST).days + 1):
        day = FIRST + timedelta(days=offset)
        for sn in SERIALS:
            if draw(st.integers(0, 9)) == 0:
                continue  # now and then a day without figures
            y, e, i, c, samples, partial = draw(day_values)
            out.append(
                DayFigures(
                    date=day,
                    sn=sn,
                    yield_kwh=y,
                    export_kwh=e,
                    import_kwh=i,
                    consumption_kwh=c,
                    self_consumption_pct=None,
                    autarky_pct=None,
                    samples=samples,
                    partial=partial,
                )
            )
    return out[::-1] if draw(st.booleans()) else out  # any order


@settings(max_examples=EXAMPLES, deadline=None)
@given(daily())
def test_months_add_up_to_their_days(days: list[DayFigures]) -> None:
    months = months_of_days(days, TODAY)
    by_key = {(m.month, m.sn): m for m in months}
    assert len(by_key) == len(months)
    groups: dict[tuple[date, str], list[DayFigures]] = defaultdict(list)
    for d in days:
        groups[(month_start(d.date), d.sn)].append(d)
    assert set(groups) == set(by_key)
    for (month, sn), group in groups.items():
        figures = by_key[(month, sn)]
        for name in ("yield_kwh", "export_kwh", "import_kwh", "consumption_kwh"):
            present = [getattr(d, name) for d in group if getattr(d, name) is not None]
            total = getattr(figures, name)
            if not present:
                assert total is None
            else:
                assert total == round(math.fsum(present), 2)
        assert figures.samples == sum(d.samples for d in group)
        expected = (min(month_end(month), TODAY) - month).days + 1
        assert figures.days == len(group)
        assert figures.missing_days == expected - len(group)
        own_partial = any(d.partial for d in group) or len(group) < expected
        if sn != "all":
            assert figures.partial == own_partial
        else:
            assert figures.partial >= own_partial  # also when an inverter's month is
        assert figures.in_progress == (month == month_start(TODAY))
        for pct in (figures.self_consumption_pct, figures.autarky_pct):
            assert pct is None or 0.0 <= pct <= 100.0
    # Over the whole months, the months hold exactly the days' energy.
    for sn in SERIALS:
        whole = [m for m in months if m.sn == sn and not m.in_progress and m.yield_kwh is not None]
        day_total = math.fsum(
            d.yield_kwh
            for d in days
            if d.sn == sn and d.yield_kwh is not None and d.date < month_start(TODAY)
        )
        month_total = math.fsum(m.yield_kwh for m in whole if m.yield_kwh is not None)
        assert math.isclose(month_total, day_total, abs_tol=0.005 * max(1, len(whole)))
