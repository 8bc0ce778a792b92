"""The ``watch`` loop: in-process on a fake clock, and as the real command against the simulator."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core import paths
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import EXIT_STATUS, ErrorKind, SerialUnknown, TokenRejected
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, SimInverter
from solaxtray.core.watch import FleetWatch, run_watch

START = 1_780_000_000.0
SN = "SWTEST0001"


class Uploads:
    """A cloud stand-in for the in-process loop: a new upload every 300 s, status scripted."""

    def __init__(self, clock: FakeClock, statuses: dict[int, int] | None = None) -> None:
        self.clock = clock
        self.statuses = statuses or {}
        self.calls: list[float] = []

    def fetch(self, sn: str) -> Snapshot:
        now = self.clock.now()
        self.calls.append(now)
        k = int((now - START) // 300)
        upload = datetime.fromtimestamp(START + k * 300, tz=UTC).replace(tzinfo=None)
        return Snapshot(
            sn=sn,
            fetched_at=datetime.fromtimestamp(now, tz=UTC),
            inverter_type=InverterType.X1_HYBRID_G4,
            inverter_status=InverterStatus(self.statuses.get(k, 102)),
            upload_time=upload,
            pv_power=(2000.0, None, None, None),
            ac_power=1900.0,
        )


def test_run_watch_emits_fresh_snapshots_and_alerts(tmp_path: Path) -> None:
    clock = FakeClock(START)
    cloud = Uploads(clock, statuses={k: 103 for k in range(10, 14)})
    lines: list[dict[str, Any]] = []
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    end = START + 3 * 3600
    status = run_watch(
        serials=[SN],
        fetch=cloud.fetch,
        clock=clock,
        sleep=clock.sleep,
        emit=lines.append,
        ledger=ledger,
        should_stop=lambda: clock.now() >= end,
    )
    assert status == 0
    snapshots = [line for line in lines if line["type"] == "snapshot"]
    alerts = [line for line in lines if line["type"] == "alert"]
    # One line per upload (36 in three hours), never one per request.
    assert len(snapshots) == len({line["uploadTime"] for line in snapshots}) == 36
    assert len(cloud.calls) > len(snapshots)  # some polls found nothing new, and said nothing
    assert snapshots[0]["sn"] == SN
    assert snapshots[0]["inverterStatus"] == {"code": 102, "name": "Normal Mode"}
    assert [(a["kind"], a["severity"]) for a in alerts] == [
        ("fault", "critical"),
        ("recovery", "info"),
    ]
    assert alerts[0]["title"] == "Fault Mode — X1-Hybrid-G4"
    assert ledger.used_today() == len(cloud.calls)


def test_run_watch_respects_a_full_ledger(tmp_path: Path) -> None:
    clock = FakeClock(START)
    cloud = Uploads(clock)
    shared = tmp_path / "ledger"
    other_process = RequestLedger(shared, clock=clock, per_minute=3)
    for _ in range(3):
        assert other_process.try_acquire("OTHER00001")
    run_watch(
        serials=[SN],
        fetch=cloud.fetch,
        clock=clock,
        sleep=clock.sleep,
        emit=lambda line: None,
        ledger=RequestLedger(shared, clock=clock, per_minute=3),
        should_stop=lambda: clock.now() >= START + 30,
    )
    assert cloud.calls == []  # the budget was spent elsewhere for the next minute


@pytest.mark.parametrize(
    ("error", "kind", "alert_kind"),
    [
        (TokenRejected("token invalid"), ErrorKind.AUTH, "token_rejected"),
        (SerialUnknown("not yours"), ErrorKind.DEVICE, "serial_unknown"),
    ],
)
def test_run_watch_ends_when_nothing_can_be_polled(
    error: Exception, kind: ErrorKind, alert_kind: str
) -> None:
    clock = FakeClock(START)
    calls: list[str] = []

    def fetch(sn: str) -> Snapshot:
        calls.append(sn)
        raise error

    lines: list[dict[str, Any]] = []
    status = run_watch(
        serials=[SN, "SWTEST0002"],
        fetch=fetch,
        clock=clock,
        sleep=clock.sleep,
        emit=lines.append,
        should_stop=lambda: clock.now() >= START + 86_400,
    )
    assert status == EXIT_STATUS[kind]
    # No retry loop on a rejected token or serial: one request per serial at most.
    assert len(calls) <= 2
    assert {line["kind"] for line in lines} == {alert_kind}


def test_fleet_watch_is_the_pollers_planner() -> None:
    clock = FakeClock(START)
    cloud = Uploads(clock)
    fleet = FleetWatch([SN], clock=clock, settings=Settings(poll_interval_s=30))
    plan = fleet.next_poll()
    assert plan == (SN, START)
    assert fleet.on_snapshot(SN, cloud.fetch(SN)) == []
    plan = fleet.next_poll()
    assert plan is not None
    assert plan[1] == pytest.approx(START + 30)
    clock.jump(4 * 3600)
    assert fleet.on_wall_gap(4 * 3600) == []
    plan = fleet.next_poll()
    assert plan is not None
    assert plan[1] - clock.now() <= 5
    view = fleet.view(SN)
    assert view is not None
    assert view.last_result == "fresh"


# --- the real command against the real simulator over HTTP ----------------------------------------


@pytest.fixture
def fast_cloud() -> Iterator[CloudSimulator]:
    inverter = SimInverter(
        sn=SN, inverter_sn="X1TEST000001", type_code=15, pv_peak_w=5000, battery_wh=10_000
    )
    with CloudSimulator(inverters=[inverter], upload_interval=3.0) as sim:
        yield sim


def _reader(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def test_watch_command_reports_a_scripted_fault_once(fast_cloud: CloudSimulator) -> None:
    # The shortest plain poll interval the settings allow keeps the test near half a minute.
    SettingsStore(paths.settings_path()).save(Settings(poll_interval_s=10))
    env = {**os.environ, "SOLAXTRAY_TOKEN": DEMO_TOKEN, "PYTHONUNBUFFERED": "1"}
    # The inverter is in fault when watch starts (start-up alerts once), and is repaired as soon
    # as watch has said so; two normal uploads in a row make the recovery.
    fast_cloud.script_status(SN, [(0.0, 103)])
    fast_cloud.upload_now(SN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", "watch", "--api-url", fast_cloud.v1_url, "--sn", SN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[dict[str, Any]] = []
    repaired = False
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            try:
                seen.append(json.loads(lines.get(timeout=1)))
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            kinds = [x["kind"] for x in seen if x["type"] == "alert"]
            if kinds == ["fault"] and not repaired:
                fast_cloud.script_status(SN, [(0.0, 102)])
                fast_cloud.upload_now(SN)
                repaired = True
            if "recovery" in kinds:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    alerts = [(x["kind"], x["severity"]) for x in seen if x["type"] == "alert"]
    assert alerts == [("fault", "critical"), ("recovery", "info")], err
    snapshots = [x for x in seen if x["type"] == "snapshot"]
    assert len(snapshots) >= 3
    assert {x["sn"] for x in snapshots} == {SN}
    statuses = [x["inverterStatus"]["code"] for x in snapshots]
    assert 103 in statuses
    assert statuses[-1] == 102
    assert proc.returncode == 0  # Ctrl-C ends watch cleanly
    assert "Traceback" not in err
    assert DEMO_TOKEN not in err
