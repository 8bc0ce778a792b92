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

energy = st.one_of(
    st.none(),
    # Daily figures are rounded to the hundredth of a kWh, as ``daily_figures`` gives them.
    st.floats(min_value=0, max_value=1e4, allow_nan=False).map(lambda v: round(v, 2)),
)
absurd = st.one_of(energy, st.just(1.7e308))
"""Absurd but finite, as a cloud may send: two of them overflow a sum."""
plain_days = st.tuples(energy, energy, energy, energy, st.integers(0, 300), st.booleans())
absurd_days = st.tuples(absurd, absurd, absurd, absurd, st.integers(0, 300), st.booleans())


@st.composite
def daily(draw: st.DrawFn) -> list[DayFigures]:
    out = []
    day_values = absurd_days if draw(st.integers(0, 4)) == 0 else plain_days
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
            assert total == _expected_sum(present)
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
        day_total = _expected_sum(
            [
                d.yield_kwh
                for d in days
                if d.sn == sn and d.yield_kwh is not None and d.date < month_start(TODAY)
            ]
        )
        if day_total is None or any(m.yield_kwh is None for m in whole):
            continue  # an overflow has no total to compare (and says so: ``None``)
        month_total = math.fsum(m.yield_kwh for m in whole if m.yield_kwh is not None)
        # Each month and the days' total are rounded to the hundredth once.
        assert math.isclose(month_total, day_total, abs_tol=0.005 * (len(whole) + 1) + 1e-9)


def _expected_sum(values: list[float]) -> float | None:
    """What a month's total must be: the rounded sum, ``None`` for none or past a float."""
    if not values:
        return None
    try:
        total = math.fsum(values)
    except OverflowError:
        return None
    return round(total, 2) if math.isfinite(total) else None
