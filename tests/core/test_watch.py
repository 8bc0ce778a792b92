"""The ``watch`` loop: in-process on a fake clock, and as the real command against the simulator."""

from __future__ import annotations

import itertools
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
from solaxtray.core.api.backend import TokenBackend
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
        backend=TokenBackend.from_fetch(cloud.fetch),
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


def test_run_watch_charges_the_ledger_what_the_developer_cloud_received(tmp_path: Path) -> None:
    """Each Developer API round reserves a realtime and a battery request, and sends the battery
    one only when an inverter uploaded since: the ledger holds what the cloud received, not what
    was reserved, so the budget is not spent on requests never sent."""
    from solaxtray.core.api.registry import DEVELOPER_SPEC
    from solaxtray.core.context import demo_context

    clock = FakeClock(START)
    # The cloud's time stands still: after the first round nothing is new, and the client sends
    # the realtime request alone.
    demo = DEVELOPER_SPEC.demo(FakeClock(START))
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    end = START + 600
    try:
        context = demo_context(DEVELOPER_SPEC, demo, Settings())
        backend = context.open_backend(clock=clock)
        try:
            run_watch(
                serials=list(context.serials),
                backend=backend,
                clock=clock,
                sleep=clock.sleep,
                emit=lambda _line: None,
                ledger=ledger,
                should_stop=lambda: clock.now() >= end,
            )
            made = backend.requests_made
        finally:
            backend.close()
    finally:
        demo.simulator.stop()
    assert made > 10
    assert ledger.used_today() == made


def test_run_watch_respects_a_full_ledger(tmp_path: Path) -> None:
    clock = FakeClock(START)
    cloud = Uploads(clock)
    shared = tmp_path / "ledger"
    other_process = RequestLedger(shared, clock=clock, per_minute=3)
    for _ in range(3):
        assert other_process.try_acquire("OTHER00001")
    run_watch(
        serials=[SN],
        backend=TokenBackend.from_fetch(cloud.fetch),
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
        backend=TokenBackend.from_fetch(fetch),
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

FIRST_LINE_S = 30.0
"""Start-up of a fresh interpreter on a loaded two-core CI machine, plus the first request."""
NEXT_LINE_S = 20.0
"""One plain poll interval (10 s, the least the settings allow) with room for a loaded machine."""


@pytest.fixture
def fast_cloud() -> Iterator[CloudSimulator]:
    inverter = SimInverter(
        sn=SN, inverter_sn="X1TEST000001", type_code=15, pv_peak_w=5000, battery_wh=10_000
    )
    # Uploads every 3 s: every poll of watch (10 s apart) finds a new one. Gaps that short are
    # never taken for a cadence (MIN_CADENCE_S), so watch keeps its plain 10 s interval.
    with CloudSimulator(inverters=[inverter], upload_interval=3.0) as sim:
        yield sim


def _reader(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)  # end of output: the process has closed stdout


def _status_held(cloud: CloudSimulator) -> int | None:
    reading = cloud.current_reading(SN)
    return None if reading is None else reading.status


def _event(line: dict[str, Any]) -> str:
    """A snapshot as its status code, an alert as its kind."""
    if line["type"] == "snapshot":
        return str(line["inverterStatus"]["code"])
    return str(line["kind"])


EXPECTED_STORIES = (
    ["103", "fault", "102", "102", "recovery"],
    # The repair came only after watch's next poll (a very slow machine): one more fault upload,
    # which must not alert again.
    ["103", "fault", "103", "102", "102", "recovery"],
)
"""What watch may print, whole: the fault at the first poll, then exactly two normal uploads and
the recovery, and nothing after it."""


def test_watch_command_reports_a_scripted_fault_once(
    fast_cloud: CloudSimulator, tmp_path: Path
) -> None:
    """One fault and one recovery, driven by what watch prints, never by guessed waits.

    The inverter is in fault before watch starts, so its first poll alerts. Seeing that alert, the
    test repairs the inverter from the next whole second on; the next two polls each find a new
    Normal Mode upload, and the second of them is the recovery. Ctrl-C then, and reading stdout to
    its end, shows that nothing else was said: every line of those polls is written before exit.
    Any line off the expected story fails at once.
    """
    SettingsStore(paths.settings_path()).save(Settings(poll_interval_s=10))
    fast_cloud.script_status(SN, [(0.0, 103)])
    ready_at = fast_cloud.upload_now(SN)
    # upload_now may land in the next second (an upload was already made in this one).
    while _status_held(fast_cloud) != 103:
        assert time.time() < ready_at + 5, "the simulator never made the fault upload"
        time.sleep(0.02)
    env = {**os.environ, "SOLAXTRAY_TOKEN": DEMO_TOKEN, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "solaxtray", "watch", "--sn", SN]
    command += ["--api-url", fast_cloud.v1_url]
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w", encoding="utf-8") as err_file:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err_file, text=True, env=env
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: list[dict[str, Any]] = []
    events: list[str] = []
    try:
        wait = FIRST_LINE_S
        while True:
            try:
                raw = lines.get(timeout=wait)
            except queue.Empty:
                pytest.fail(f"watch said nothing for {wait:.0f} s after {events}")
            if raw is None:
                break
            wait = NEXT_LINE_S
            seen.append(json.loads(raw))
            events.append(_event(seen[-1]))
            assert any(story[: len(events)] == events for story in EXPECTED_STORIES), (
                events,
                err_path.read_text(encoding="utf-8"),
            )
            if events == ["103", "fault"]:
                # Not in the fault's own second: the simulator would keep the fault then.
                fast_cloud.script_status(SN, [(1.0, 102)])
            elif events[-1] == "recovery":
                proc.send_signal(signal.SIGINT)
        proc.wait(timeout=NEXT_LINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err_path.read_text(encoding="utf-8")
    assert events in EXPECTED_STORIES, err
    fault, recovery = (x for x in seen if x["type"] == "alert")
    assert (fault["severity"], recovery["severity"]) == ("critical", "info")
    assert {x["sn"] for x in seen} == {SN}
    assert proc.returncode == 0, err  # Ctrl-C ends watch cleanly
    assert "Traceback" not in err
    assert DEMO_TOKEN not in err


@pytest.mark.parametrize("late_s", [0.0, 30.0, 35.0])
def test_a_ten_minute_demo_watch_fetches_each_inverter_once_per_upload(late_s: float) -> None:
    """``watch --demo`` over HTTP on a fake clock, started ``late_s`` after the demo cloud: once
    the 40 s rhythm is learned, each inverter is asked about every 40 s (not every 80 s, which
    shows only every other upload and doubles the lag)."""
    import statistics

    from solaxtray.core.api.tokenid.client import SolaxClient
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_UPLOAD_INTERVAL

    clock = FakeClock(START)
    with CloudSimulator.demo(clock) as sim:
        clock.advance(late_s)
        end = clock.now() + 600.0
        with SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock) as client:
            status = run_watch(
                serials=list(DEMO_SERIALS),
                backend=TokenBackend.from_fetch(client.fetch),
                clock=clock,
                sleep=clock.sleep,
                emit=lambda _line: None,
                should_stop=lambda: clock.now() >= end,
            )
        assert status == 0
        for sn in DEMO_SERIALS:
            late = sorted(r.time for r in sim.requests if r.sn == sn and r.time >= end - 240.0)
            gaps = [b - a for a, b in itertools.pairwise(late)]
            assert statistics.median(gaps) == pytest.approx(DEMO_UPLOAD_INTERVAL, abs=3.0), (
                sn,
                gaps,
            )
