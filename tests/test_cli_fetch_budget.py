"""``fetch`` over many serial numbers says up front what it will cost: a list the day's budget
cannot cover is refused before any request, one that takes minutes says how long."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from solaxtray.cli.fetch import budget_notice
from solaxtray.core import i18n, paths
from solaxtray.core.errors import RateLimited
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator


def _solaxtray(*argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_quick_fetch_says_nothing() -> None:
    assert budget_notice(3, 3, per_minute=9, left_today=9000) is None
    assert budget_notice(9, 9, per_minute=9, left_today=9) is None


def test_a_fetch_that_takes_minutes_says_how_long() -> None:
    i18n.configure(cli="en")
    assert budget_notice(100, 100, per_minute=9, left_today=9000) == (
        "100 requests for 100 serial numbers take about 12 minutes at the account's 9 a minute."
    )
    i18n.configure(cli="de")
    notice = budget_notice(1000, 10_000, per_minute=9, left_today=9000)
    assert notice is not None
    assert "10.000" in notice  # the language's digit grouping


def test_a_list_the_days_budget_cannot_cover_is_refused() -> None:
    i18n.configure(cli="en")
    with pytest.raises(RateLimited) as caught:
        budget_notice(10_000, 10_000, per_minute=9, left_today=9000)
    assert caught.value.message == (
        "10,000 serial numbers need 10,000 requests, but the account has 9,000 left today: "
        "ask for fewer at a time."
    )


def test_fetch_refuses_before_any_request_when_the_day_is_short(
    simulator: CloudSimulator,
) -> None:
    SettingsStore(paths.settings_path()).save(Settings(per_day=2))
    serials = [arg for sn in DEMO_SERIALS[:3] for arg in ("--sn", sn)]
    proc = _solaxtray("fetch", "--json", "--api-url", simulator.v1_url, *serials)
    assert proc.returncode == 5, proc.stderr  # the rate-limit status
    # Said once for the whole list, not once per serial.
    assert proc.stderr == (
        f"{DEMO_SERIALS[0]} and 2 more: Too many requests: 3 serial numbers need 3 requests, but "
        "the account has 2 left today: ask for fewer at a time.\n"
    )
    items = json.loads(proc.stdout)["inverters"]
    assert [i["error"]["kind"] for i in items] == ["rate_limit"] * 3
    assert not simulator.requests


def test_fetch_within_the_days_budget_goes_ahead(simulator: CloudSimulator) -> None:
    SettingsStore(paths.settings_path()).save(Settings(per_day=3))
    serials = [arg for sn in DEMO_SERIALS[:3] for arg in ("--sn", sn)]
    proc = _solaxtray("fetch", "--api-url", simulator.v1_url, *serials)
    assert proc.returncode == 0, proc.stderr
    assert len(simulator.requests) == 3
