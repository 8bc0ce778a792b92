"""The demo's made-up year: twelve months of figures, every past day whole (the seam between the
cheap daily months and the hourly past month included), and the same history on every run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, daily_figures, monthly_figures, plant_today
from solaxtray.core.history.demo import seed_demo_history
from solaxtray.core.history.monthly import add_months
from solaxtray.core.simulator import CloudSimulator

JUNE_DAY = 1_781_528_400.0
"""15 June 2026, 13:00 UTC."""


@pytest.mark.parametrize("hours_later", [0, 7, 13, 19])
def test_every_past_day_of_the_demo_year_is_whole(hours_later: int) -> None:
    clock = FakeClock(JUNE_DAY + hours_later * 3600.0)
    with CloudSimulator.demo(clock=clock) as sim, HistoryStore.in_memory(clock=clock) as store:
        seed_demo_history(store, sim)
        today = plant_today(store)
        first = add_months(today, -11)
        days = daily_figures(store, None, first - timedelta(days=40), today)
        broken = [(d.date, d.sn) for d in days if d.partial and d.date != today]
        assert broken == []
        months = [m for m in monthly_figures(store, None, first, today) if m.sn == "all"]
    assert [m.month for m in months] == [add_months(today, i) for i in range(-11, 1)]
    assert months[-1].in_progress
    whole = [m for m in months[1:-1] if not m.partial]
    assert len(whole) == 10
    assert all(m.yield_kwh is not None and m.yield_kwh > 0 for m in months)
