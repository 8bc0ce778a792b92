"""The tray's model puts the alert rules' notes (here an EPS episode's figures) into the popup's
inverter view, the tooltip and the menu's status line. Real FleetWatch, FakeClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from solaxtray.core.clock import FakeClock
from solaxtray.core.fleet import FleetModel
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.watch import FleetWatch

SN = "SWTEST0001"


def _eps(k: int, soc: float, clock: FakeClock) -> Snapshot:
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(clock.now(), UTC),
        upload_time=datetime(2026, 6, 1, 21, 0) + timedelta(minutes=5 * k),
        inverter_status=InverterStatus.EPS,
        soc=soc,
        bat_power=-900.0,
        eps_power=(850.0, None, None),
        ac_power=0.0,
    )


def test_an_eps_episode_shows_its_time_left_in_the_tray() -> None:
    clock = FakeClock()
    model = FleetModel(clock, local_offset=lambda _t: 0.0)
    model.set_serials((SN,))
    planner = FleetWatch([SN], clock=clock)
    model.planner = planner
    for k, soc in enumerate([40.0, 39.0, 38.0]):
        clock.advance(300)
        snap = _eps(k, soc, clock)
        planner.on_snapshot(SN, snap)
        model.on_snapshot(SN, snap)
    view = model.view()
    # 1 point per 5 minutes: 12 an hour, 38 left: 190 minutes.
    assert view.status_line.endswith(" · EPS 38 %, ~3 h 10 min left")
    assert "EPS 38 %, ~3 h 10 min left" in view.tooltip_lines
    assert "About 3 h 10 min left at this rate." in view.inverters[0].notes
