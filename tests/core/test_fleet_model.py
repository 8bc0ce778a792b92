"""FleetModel: the poller's facts (snapshots, errors, the planner) turned into the tray's view.

Real parts throughout: a FakeClock, the real FleetWatch/PollScheduler as the planner, the real
presentation rules; only the machine's time zone is fixed (UTC), so the tests mean the same on
every machine.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import NetworkError, RateLimited
from solaxtray.core.fleet import FleetModel
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import AppCondition, format_age
from solaxtray.core.watch import FleetWatch

EAST = "SNEAST0001"  # a plant at UTC+9
WEST = "SNWEST0002"  # a plant at UTC-5


def _on_utc(clock: FakeClock, **kwargs: str) -> FleetModel:
    return FleetModel(clock, local_offset=lambda _t: 0.0, **kwargs)


def _snapshot(sn: str, upload_at: float, zone_h: float, clock: FakeClock) -> Snapshot:
    """What a plant ``zone_h`` hours from UTC reports: its own wall time, with no zone."""
    wall = datetime.fromtimestamp(upload_at + zone_h * 3600, UTC).replace(tzinfo=None)
    return Snapshot(
        sn=sn,
        fetched_at=datetime.fromtimestamp(clock.now(), UTC),
        upload_time=wall,
        ac_power=1500.0,
        pv_power=(1600.0, None, None, None),
        inverter_status=InverterStatus.NORMAL,
    )


def test_plants_in_far_zones_show_a_sane_age_once_an_upload_is_seen_arriving() -> None:
    clock = FakeClock()
    model = _on_utc(clock)
    model.set_serials((EAST, WEST))
    start = clock.now()
    zones = {EAST: 9.0, WEST: -5.0}
    for sn, zone in zones.items():
        model.on_snapshot(sn, _snapshot(sn, start - 100.0, zone, clock))
    clock.advance(240.0)  # asked again: nothing new yet
    for sn, zone in zones.items():
        model.on_snapshot(sn, _snapshot(sn, start - 100.0, zone, clock))
    clock.advance(150.0)  # the next upload (made 90 s ago) is found
    for sn, zone in zones.items():
        model.on_snapshot(sn, _snapshot(sn, clock.now() - 90.0, zone, clock))
    clock.advance(30.0)

    view = model.view()
    for inverter in view.inverters:
        assert inverter.upload_age_s == pytest.approx(120.0), inverter.sn
    assert model.ages.zone_offset(EAST) == 9 * 3600.0
    assert model.ages.zone_offset(WEST) == -5 * 3600.0
    # The tooltip says when, in this machine's clock (UTC here), whatever the plant's zone.
    when = datetime.fromtimestamp(clock.now() - 120.0, UTC).strftime("%H:%M")
    assert f"updated {when}" in view.tooltip
    assert "future" not in view.tooltip


def test_before_learning_an_eastern_plant_never_reads_as_in_the_future() -> None:
    clock = FakeClock()
    model = _on_utc(clock)
    model.set_serials((EAST,))
    model.on_snapshot(EAST, _snapshot(EAST, clock.now() - 60.0, 9.0, clock))
    clock.advance(45.0)
    age = model.view().inverters[0].upload_age_s
    assert age is not None
    assert age >= 0
    assert "future" not in format_age(age)


def test_a_removed_serial_is_forgotten_and_starts_afresh_when_added_back() -> None:
    clock = FakeClock()
    model = _on_utc(clock)
    model.set_serials((WEST,))
    model.on_snapshot(WEST, _snapshot(WEST, clock.now() - 30.0, -5.0, clock))
    clock.advance(200.0)
    model.on_snapshot(WEST, _snapshot(WEST, clock.now() - 30.0, -5.0, clock))
    assert model.ages.zone_offset(WEST) == -5 * 3600.0

    model.set_serials(())
    assert model.ages.zone_offset(WEST) is None
    assert model.ages.age(WEST, clock.now()) is None
    model.set_serials((WEST,))
    assert model.view().inverters[0].upload_age_s is None


@pytest.mark.parametrize(
    ("backend", "wanted", "unwanted"),
    [("developer", "client id and secret", "tokenId"), ("token", "tokenId", "client id")],
)
def test_the_setup_sentence_names_the_credentials_of_the_api_in_use(
    backend: str, wanted: str, unwanted: str
) -> None:
    clock = FakeClock()
    model = _on_utc(clock, backend=backend)
    model.set_serials((EAST,))
    for condition in (AppCondition.NO_CREDENTIALS, AppCondition.CREDENTIALS_REJECTED):
        model.condition = condition
        view = model.view()
        assert wanted in view.tooltip
        assert unwanted not in view.tooltip
    model.condition = AppCondition.KEYRING_MISSING
    expected_env = "SOLAXTRAY_CLIENT_SECRET" if backend == "developer" else "SOLAXTRAY_TOKEN"
    assert expected_env in model.view().tooltip


def test_a_pause_or_backoff_is_shown_as_a_retry_time() -> None:
    clock = FakeClock()
    model = _on_utc(clock)
    model.set_serials((EAST, WEST))
    planner = FleetWatch([EAST, WEST], clock=clock)
    model.planner = planner
    assert not any(inv.retrying for inv in model.view().inverters)

    planner.on_error(WEST, NetworkError("connection refused", sn=WEST))
    view = model.view()
    by_sn = {inv.sn: inv for inv in view.inverters}
    assert by_sn[WEST].retrying
    next_try = by_sn[WEST].next_poll_at
    assert next_try is not None
    assert next_try > clock.now()

    planner.on_error(EAST, RateLimited("slow down", sn=EAST, retry_after=600.0))
    paused_until = planner.scheduler.paused_until
    assert paused_until is not None
    view = model.view()
    assert all(inv.retrying for inv in view.inverters)
    assert all(
        inv.next_poll_at is not None and inv.next_poll_at >= paused_until for inv in view.inverters
    )
