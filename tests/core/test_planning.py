"""The planner and ledger of one account, built and retuned from the settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from solaxtray.core.clock import FakeClock
from solaxtray.core.planning import make_planner, retune
from solaxtray.core.settings import Settings


class _Backend:
    per_minute = 9
    per_day = 5_000
    max_serials_per_request = 10


def test_budget_is_the_lower_of_settings_and_api(tmp_path: Path) -> None:
    clock = FakeClock(1_780_000_000.0)
    watch, ledger = make_planner(
        ["H34A10I1234567"],
        Settings(per_minute=4),
        clock=clock,
        ledger_path=tmp_path / "ledger",
        backend=_Backend(),
    )
    assert (ledger.per_minute, ledger.per_day) == (4, 5_000)
    assert (watch.scheduler.per_minute, watch.scheduler.per_day) == (4, 5_000)
    assert watch.scheduler.batch_size == 10


def test_retune_applies_new_settings_and_keeps_the_plan(tmp_path: Path) -> None:
    clock = FakeClock(1_780_000_000.0)
    settings = Settings()
    watch, ledger = make_planner(
        ["SXABC12345"], settings, clock=clock, ledger_path=tmp_path / "l", backend=_Backend()
    )
    scheduler = watch.scheduler
    newer = replace(
        settings,
        per_minute=3,
        per_day=200,
        poll_interval_s=120,
        stale_minutes=45,
        low_soc_percent=15,
    )
    kept = retune(watch, ledger, newer, _Backend())
    assert kept == 200
    assert watch.scheduler is scheduler  # the learned rhythms stay
    assert (scheduler.per_minute, scheduler.per_day, scheduler.poll_interval_s) == (3, 200, 120.0)
    assert scheduler.max_idle_s >= 120.0
    assert (ledger.per_minute, ledger.per_day) == (3, 200)
    assert watch.alerts.stale_s == 45 * 60.0
    assert watch.alerts.low_soc_percent == 15
