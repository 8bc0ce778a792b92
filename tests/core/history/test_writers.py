"""Every process that fetches writes the history: ``watch`` (in-process and as two concurrent
commands), ``fetch``; and it costs no request. Real simulator over HTTP, real SQLite files."""

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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from solaxtray import cli
from solaxtray.core import paths
from solaxtray.core.api.backend import make_backend
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, daily_figures, default_history_path
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, SimInverter
from solaxtray.core.watch import run_watch

START = datetime(2026, 6, 10, 9, 0, tzinfo=UTC).timestamp()
SN = "SWTEST0001"
SN2 = "SWTEST0002"


def _fleet() -> list[SimInverter]:
    return [
        SimInverter(
            sn=SN,
            inverter_sn="X1TEST000001",
            type_code=15,
            pv_peak_w=5000,
            battery_wh=10_000,
            utc_offset_hours=2.0,
        ),
        SimInverter(
            sn=SN2,
            inverter_sn="X1TEST000002",
            type_code=18,
            pv_peak_w=800,
            has_meter=False,
            utc_offset_hours=2.0,
        ),
    ]


def _watch(hours: float, history: HistoryStore | None) -> tuple[list[dict[str, Any]], int]:
    """``run_watch`` for ``hours`` of simulated time; its snapshot lines and the requests sent."""
    clock = FakeClock(START)
    lines: list[dict[str, Any]] = []
    with CloudSimulator(inverters=_fleet(), clock=clock) as sim:
        backend = make_backend("token", api_url=sim.v2_url, token=DEMO_TOKEN, clock=clock)
        try:
            run_watch(
                serials=[SN, SN2],
                backend=backend,
                clock=clock,
                sleep=clock.sleep,
                emit=lines.append,
                should_stop=lambda: clock.now() >= START + hours * 3600,
                history=history,
            )
        finally:
            backend.close()
        return [x for x in lines if x["type"] == "snapshot"], len(sim.requests)


def key(item: dict[str, Any]) -> tuple[str, str]:
    return item["sn"], item["uploadTime"]


def _history_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert cli.main(["history", "--format", "json", *args]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return dict(json.loads(out))


def test_watch_then_history_gives_one_row_per_upload_with_the_values_fetched(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with HistoryStore.open(default_history_path()) as store:
        lines, _requests = _watch(3.0, store)
    assert len(lines) >= 2 * 30  # about 36 uploads per inverter in three hours
    rows = _history_json(capsys, "--from", "2026-06-10", "--to", "2026-06-10")["rows"]
    assert len(rows) == len(lines)
    by_key = {key(r): r for r in rows}
    assert len(by_key) == len(rows)
    for line in lines:
        row = by_key[key(line)]
        expected = {k: v for k, v in line.items() if k not in ("type", "ok")}
        assert {k: row[k] for k in expected} == expected
        assert row["utcTime"] == line["utcDateTime"]
    # Plant local time is UTC+2: the first answer is the last upload before 11:00 there.
    assert "2026-06-10T10:55" <= min(r["uploadTime"] for r in rows) < "2026-06-10T11:00"
    only = _history_json(capsys, "--sn", SN2.lower(), "--from", "2026-06-10", "--to", "2026-06-10")
    assert {r["sn"] for r in only["rows"]} == {SN2}


def test_history_costs_no_request(tmp_path: Path) -> None:
    """The same simulated two hours with and without the history: the same requests."""
    without_lines, without = _watch(2.0, None)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        with_lines, with_history = _watch(2.0, store)
        assert store.count() == len(with_lines)
    assert with_history == without
    assert len(with_lines) == len(without_lines)


def test_fetch_stores_what_it_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with CloudSimulator(inverters=_fleet()) as sim:
        os.environ["SOLAXTRAY_TOKEN"] = DEMO_TOKEN
        try:
            assert cli.main(["fetch", "--json", "--sn", SN, "--api-url", sim.v2_url]) == 0
        finally:
            del os.environ["SOLAXTRAY_TOKEN"]
    (fetched,) = json.loads(capsys.readouterr().out)["inverters"]
    today = fetched["uploadTime"][:10]
    (row,) = _history_json(capsys, "--from", today, "--to", today)["rows"]
    assert row["acpower"] == fetched["acpower"]
    assert row["uploadTime"] == fetched["uploadTime"]


def test_fetch_demo_never_writes_the_users_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "--demo", "--json"]) == 0
    assert not default_history_path().exists()


def test_a_broken_history_never_stops_fetch(capsys: pytest.CaptureFixture[str]) -> None:
    path = default_history_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 100)
    with CloudSimulator(inverters=_fleet()) as sim:
        os.environ["SOLAXTRAY_TOKEN"] = DEMO_TOKEN
        try:
            assert cli.main(["fetch", "--sn", SN, "--api-url", sim.v2_url]) == 0
        finally:
            del os.environ["SOLAXTRAY_TOKEN"]
    out, err = capsys.readouterr()
    assert SN in out
    assert err.startswith("Warning: The history database was damaged")
    assert err.count("\n") == 1


# --- two real watch commands at once ---------------------------------------------------------------


@pytest.fixture
def still_cloud() -> Iterator[CloudSimulator]:
    """One inverter that uploads only when told (an hour's cadence, phase far away)."""
    inverter = SimInverter(
        sn=SN, inverter_sn="X1TEST000001", type_code=15, pv_peak_w=5000, battery_wh=10_000
    )
    with CloudSimulator(inverters=[inverter], upload_interval=3600.0, phases={SN: 1800.0}) as sim:
        yield sim


def _reader(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _snapshot_line(lines: queue.Queue[str | None], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        raw = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert raw is not None, "watch ended early"
        item = dict(json.loads(raw))
        if item["type"] == "snapshot":
            return item


def test_two_concurrent_watch_commands_store_each_upload_once(
    still_cloud: CloudSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both processes fetch the same two uploads; the history holds each once."""
    SettingsStore(paths.settings_path()).save(Settings(poll_interval_s=10))
    env = {**os.environ, "SOLAXTRAY_TOKEN": DEMO_TOKEN, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "solaxtray",
        "watch",
        "--sn",
        SN,
        "--api-url",
        still_cloud.v2_url,
    ]
    procs, queues = [], []
    for i in range(2):
        err = (tmp_path / f"err{i}.txt").open("w")
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
        procs.append(proc)
        queues.append(q)
    try:
        first = [_snapshot_line(q, 30.0) for q in queues]
        assert first[0]["uploadTime"] == first[1]["uploadTime"]
        still_cloud.upload_now(SN)
        second = [_snapshot_line(q, 30.0) for q in queues]
        assert second[0]["uploadTime"] == second[1]["uploadTime"] != first[0]["uploadTime"]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    day = first[0]["uploadTime"][:10]
    last = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    rows = _history_json(capsys, "--from", day, "--to", last)["rows"]
    assert sorted(r["uploadTime"] for r in rows) == sorted(
        {first[0]["uploadTime"], second[0]["uploadTime"]}
    )
    assert all(p.returncode == 0 for p in procs)


# --- a whole day watched through the simulator ------------------------------------------------------


def _watched_day(tmp_path: Path, offline_hours: tuple[float, float] | None) -> HistoryStore:
    """``run_watch`` from ten minutes before the plant's midnight (UTC+2) to ten after the next."""
    start = datetime(2026, 6, 9, 21, 50, tzinfo=UTC).timestamp()
    clock = FakeClock(start)
    store = HistoryStore.open(tmp_path / "day.sqlite3", clock=clock)
    with CloudSimulator(inverters=_fleet()[:1], clock=clock) as sim:
        if offline_hours is not None:
            sim.script_offline(SN, offline_hours[0] * 3600, offline_hours[1] * 3600)
        backend = make_backend("token", api_url=sim.v2_url, token=DEMO_TOKEN, clock=clock)
        try:
            run_watch(
                serials=[SN],
                backend=backend,
                clock=clock,
                sleep=clock.sleep,
                emit=lambda line: None,
                should_stop=lambda: clock.now() >= start + 24 * 3600 + 20 * 60,
                history=store,
            )
        finally:
            backend.close()
    return store


def test_a_watched_day_gives_the_inverters_own_totals(tmp_path: Path) -> None:
    """The day's yield is the inverter's last ``yieldtoday``; export and import are the lifetime
    counters' rise from the last upload before midnight to the last one of the day."""
    day = date(2026, 6, 10)
    with _watched_day(tmp_path, None) as store:
        (figures, _fleet_day) = daily_figures(store, [SN], day, day)
        rows = store.rows([SN])
    before = [r.snapshot for r in rows if r.local.date() < day][-1]
    during = [r.snapshot for r in rows if r.local.date() == day]
    last = during[-1]
    assert len(during) >= 280  # an upload every five minutes, each stored once
    assert figures.samples == len(during)
    assert not figures.partial
    assert last.feedin_energy is not None
    assert before.feedin_energy is not None
    assert last.consume_energy is not None
    assert before.consume_energy is not None
    assert figures.yield_kwh == last.yield_today
    assert figures.export_kwh == pytest.approx(last.feedin_energy - before.feedin_energy, abs=0.011)
    assert figures.import_kwh == pytest.approx(
        last.consume_energy - before.consume_energy, abs=0.011
    )
    assert figures.yield_kwh is not None
    assert figures.yield_kwh > 1.0
    assert figures.import_kwh is not None
    assert figures.export_kwh is not None
    assert figures.consumption_kwh == pytest.approx(
        figures.yield_kwh + figures.import_kwh - figures.export_kwh, abs=0.011
    )


def test_an_inverter_offline_in_daylight_makes_the_day_partial(tmp_path: Path) -> None:
    """Offline from 11:10 to 13:10 plant time: no uploads, the day is partial, yet the yield is
    still the inverter's own count (it kept counting while its dongle was away)."""
    day = date(2026, 6, 10)
    with _watched_day(tmp_path, (13.0, 15.0)) as store:
        (figures, fleet) = daily_figures(store, [SN], day, day)
        during = [r.snapshot for r in store.rows([SN]) if r.local.date() == day]
    assert figures.partial
    assert fleet.partial
    assert figures.yield_kwh == during[-1].yield_today
    assert figures.samples < 288 - 20
