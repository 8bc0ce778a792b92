"""The tray's poller asks SolaX's alarm list on its worker thread, once, when a round shows a
fault beginning, charges it in the ledger, and the fault alert it emits carries the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from solaxtray.core.alerts import AlertKind
from solaxtray.core.api.backend import make_backend
from solaxtray.core.clock import SystemClock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.simulator import SimInverter
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEV_ALARM_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.watch import FleetWatch
from solaxtray.ui.poller import Poller

WAIT_MS = 10_000
INV = SimInverter(sn="SWTEST0001", inverter_sn="H3TEST00000001", type_code=14, pv_peak_w=5000)


def test_a_fault_alert_from_the_poller_names_solax_alarm(qtbot: Any, tmp_path: Path) -> None:
    clock = SystemClock()
    with DeveloperSimulator(inverters=[INV], clock=clock) as dev:
        dev.script_status(INV.sn, [(0, 103)])
        dev.upload_now(INV.sn)
        backend = make_backend(
            "developer",
            api_url=dev.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            timeout=(2.0, 10.0),
        )
        ledger = RequestLedger(tmp_path / "ledger", clock=clock)
        planner = FleetWatch([INV.inverter_sn], clock=clock)
        poller = Poller(backend, planner, clock=clock, ledger=ledger)
        alerts: list[Any] = []
        poller.alerts.connect(alerts.extend)
        try:
            poller.start()
            qtbot.waitUntil(lambda: any(a.kind is AlertKind.FAULT for a in alerts), timeout=WAIT_MS)
            fault = next(a for a in alerts if a.kind is AlertKind.FAULT)
            assert fault.details["alarm"]["code"] == "IE 01"
            assert "SolaX reports alarm IE 01" in fault.body
            sent = list(dev.requests)
            assert sum(1 for r in sent if r.endpoint == DEV_ALARM_ENDPOINT) == 1
            assert ledger.used_today() == len(sent)
            reason = planner.fault_reason(INV.inverter_sn)
            assert reason is not None
            assert reason.alarm is not None
        finally:
            poller.stop()
            backend.close()
