"""``fetch`` and ``watch`` when one inverter's answer holds a value no inverter reports: that inverter
gets one ``protocol`` error (exit 7) with a sentence, the others are shown, and ``watch`` goes on.
Both APIs, against the project's simulators over real HTTP (``edit_answers`` serves the odd value).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solaxtray.cli import main
from solaxtray.core.api.backend import TokenBackend
from solaxtray.core.api.developer.client import DeveloperClient
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.settings import Settings
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DeveloperSimulator,
)
from solaxtray.core.watch import run_watch
from tests.hostile import (
    DEEP,
    HUGE_INT,
    NON_LATIN1_TOKEN,
    OVERFLOWING_TIME,
    Edit,
    developer_edit,
    nested,
    token_answer_edit,
    token_id_edit,
)

ODD = DEMO_SERIALS[1]
ODD_DEVICE = DEMO_DEVICE_SERIALS[1]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def dev_sim() -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator() as sim:
        yield sim


def _fetch_json(
    capsys: pytest.CaptureFixture[str], argv: list[str], serials: tuple[str, ...]
) -> tuple[int, list[dict[str, Any]], str]:
    for sn in serials:
        argv = [*argv, "--sn", sn]
    status = main(["fetch", "--json", *argv])
    out, err = capsys.readouterr()
    return status, json.loads(out)["inverters"], err


def _assert_only_odd_failed(
    status: int, items: list[dict[str, Any]], err: str, serials: tuple[str, ...], odd: str
) -> None:
    assert status == 7, err
    assert [item["sn"] for item in items] == list(serials)
    for item in items:
        if item["sn"] != odd:
            assert item["ok"] is True, item
            continue
        assert item["ok"] is False
        assert item["error"]["kind"] == "protocol"
        assert item["error"]["title"] == "Unexpected answer from SolaX Cloud"
        assert item["error"]["message"].endswith(".")
    # One line on stderr, for the odd inverter, in words; no traceback.
    assert err.count("\n") == 1, err
    assert err.startswith(f"{odd}: Unexpected answer from SolaX Cloud: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "fields",
    [
        {"acpower": HUGE_INT},
        {"utcDateTime": OVERFLOWING_TIME},
        {"somethingNew": nested(DEEP)},
    ],
    ids=["400-digits", "year-10000", "nested-600"],
)
def test_fetch_token_id_one_odd_answer_is_exit_7_for_that_inverter(
    simulator: CloudSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, Any],
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    simulator.edit_answers(token_id_edit(ODD, **fields))
    status, items, err = _fetch_json(capsys, ["--api-url", simulator.v1_url], DEMO_SERIALS)
    _assert_only_odd_failed(status, items, err, DEMO_SERIALS, ODD)


@pytest.mark.parametrize(
    "fields",
    [
        {"dataTime": OVERFLOWING_TIME},
        {"totalActivePower": HUGE_INT},
    ],
    ids=["dataTime-year-10000", "400-digits"],
)
def test_fetch_developer_one_odd_inverter_is_exit_7_and_its_batch_is_shown(
    dev_sim: DeveloperSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, Any],
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    dev_sim.edit_answers(developer_edit(ODD_DEVICE, **fields))
    argv = ["--backend", "developer", "--api-url", dev_sim.base_url]
    status, items, err = _fetch_json(capsys, argv, DEMO_DEVICE_SERIALS)
    _assert_only_odd_failed(status, items, err, DEMO_DEVICE_SERIALS, ODD_DEVICE)


@pytest.mark.parametrize(
    "fields",
    [{"expires_in": HUGE_INT}, {"access_token": NON_LATIN1_TOKEN}],
    ids=["expires-400-digits", "non-latin1-token"],
)
def test_fetch_developer_odd_sign_in_answer_is_exit_7(
    dev_sim: DeveloperSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, Any],
) -> None:
    """The sign-in concerns every inverter of the request: each gets the protocol error."""
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    dev_sim.edit_answers(token_answer_edit(**fields))
    argv = ["--backend", "developer", "--api-url", dev_sim.base_url, "--sn", ODD_DEVICE]
    status = main(["fetch", "--json", *argv])
    out, err = capsys.readouterr()
    assert status == 7, err
    (item,) = json.loads(out)["inverters"]
    assert (item["sn"], item["ok"], item["error"]["kind"]) == (ODD_DEVICE, False, "protocol")
    assert "access token" in item["error"]["message"]
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert NON_LATIN1_TOKEN not in out + err


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**env, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )


def test_fetch_as_a_process_odd_answer_and_lone_surrogate(simulator: CloudSimulator) -> None:
    """As a real process, whose stdout is a UTF-8 stream: a lone surrogate in a field the JSON
    prints (``\\ud800``, valid JSON) must not stop the output, and the 400-digit number is one
    line on stderr."""
    odd, other = DEMO_SERIALS[0], DEMO_SERIALS[2]

    def edit(endpoint: str, sn: str | None, body: bytes) -> bytes:
        fields: dict[str, Any] = {"acpower": HUGE_INT} if sn == odd else {}
        if sn == other:
            fields = {"inverterSN": "H34A\ud800", "uploadTime": "2026-01-01 \udfff"}
        return token_id_edit(sn or "", **fields)(endpoint, sn, body)

    simulator.edit_answers(edit)
    env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN)
    argv = ["fetch", "--json", "--api-url", simulator.v1_url, "--sn", odd, "--sn", other]
    proc = _run(argv, env)
    assert proc.returncode == 7, proc.stderr
    first, second = json.loads(proc.stdout)["inverters"]
    assert first["error"]["kind"] == "protocol"
    assert second["ok"] is True
    assert second["inverterSN"] == "H34A\ufffd"
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    # The table prints too.
    proc = _run(argv[:1] + argv[2:], env)
    assert proc.returncode == 7, proc.stderr
    assert "Traceback" not in proc.stderr


# --- watch ---------------------------------------------------------------------------------------


def _watch_story(
    backend: Any, serials: list[str], clock: FakeClock, heal: Any
) -> list[tuple[float, dict[str, Any]]]:
    """Three hours of ``watch`` on the fake clock, each line with when it was emitted; ``heal()``
    is called after the first hour."""
    lines: list[tuple[float, dict[str, Any]]] = []
    start = clock.now()
    healed = False

    def should_stop() -> bool:
        nonlocal healed
        if not healed and clock.now() >= start + 3600:
            heal()
            healed = True
        return clock.now() >= start + 3 * 3600

    status = run_watch(
        serials=serials,
        backend=backend,
        settings=Settings(poll_interval_s=60),
        clock=clock,
        sleep=clock.sleep,
        emit=lambda line: lines.append((clock.now(), line)),
        should_stop=should_stop,
    )
    assert status == 0
    return lines


def _snapshot_times(lines: list[dict[str, Any]], sn: str) -> list[str]:
    return [line["uploadTime"] for line in lines if line["type"] == "snapshot" and line["sn"] == sn]


def _check_story(
    story: list[tuple[float, dict[str, Any]]], odd: str, others: list[str], uploads: int
) -> None:
    lines = [line for _, line in story]
    # The odd inverter: nothing in the first hour, then its uploads again once its answers heal.
    first_odd = next(at for at, line in story if line["type"] == "snapshot" and line["sn"] == odd)
    assert first_odd >= story[0][0] + 3000
    odd_times = _snapshot_times(lines, odd)
    assert odd_times, lines
    assert len(odd_times) >= uploads * 2 // 3 - 2
    # Its neighbours: every upload of the three hours.
    for sn in others:
        assert len(_snapshot_times(lines, sn)) >= uploads - 2, sn


@pytest.mark.parametrize(
    "edit",
    [
        token_id_edit(ODD, acpower=HUGE_INT),
        token_id_edit(ODD, utcDateTime=OVERFLOWING_TIME),
        token_id_edit(ODD, somethingNew=nested(DEEP)),
    ],
    ids=["400-digits", "year-10000", "nested-600"],
)
def test_watch_token_id_goes_on_after_odd_answers(edit: Edit) -> None:
    clock = FakeClock()
    with CloudSimulator(clock=clock, per_minute=1000, per_day=100_000) as sim:
        sim.edit_answers(edit)
        client = SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock)
        with TokenBackend(client) as backend:
            story = _watch_story(backend, list(DEMO_SERIALS), clock, lambda: sim.edit_answers(None))
    _check_story(story, ODD, [sn for sn in DEMO_SERIALS if sn != ODD], uploads=36)


@pytest.mark.parametrize(
    "edit",
    [
        developer_edit(ODD_DEVICE, dataTime=OVERFLOWING_TIME),
        developer_edit(ODD_DEVICE, totalActivePower=HUGE_INT),
    ],
    ids=["dataTime-year-10000", "400-digits"],
)
def test_watch_developer_goes_on_after_odd_answers(edit: Edit) -> None:
    clock = FakeClock()
    with DeveloperSimulator(clock=clock, dev_per_minute=1000) as sim:
        sim.edit_answers(edit)
        client = DeveloperClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=sim.base_url, clock=clock)
        with client:
            story = _watch_story(
                client, list(DEMO_DEVICE_SERIALS), clock, lambda: sim.edit_answers(None)
            )
    others = [sn for sn in DEMO_DEVICE_SERIALS if sn != ODD_DEVICE]
    _check_story(story, ODD_DEVICE, others, uploads=36)


def test_watch_developer_goes_on_after_an_odd_sign_in() -> None:
    clock = FakeClock()
    with DeveloperSimulator(clock=clock, dev_per_minute=1000) as sim:
        sim.edit_answers(token_answer_edit(access_token=NON_LATIN1_TOKEN))
        client = DeveloperClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=sim.base_url, clock=clock)
        with client:
            story = _watch_story(
                client, list(DEMO_DEVICE_SERIALS), clock, lambda: sim.edit_answers(None)
            )
    lines = [line for _, line in story]
    for sn in DEMO_DEVICE_SERIALS:
        assert _snapshot_times(lines, sn), sn


def _reader(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_watch_process_keeps_running_after_an_odd_answer(
    simulator: CloudSimulator, tmp_path: Path
) -> None:
    """The real command: the odd inverter's answer is logged as one warning, its neighbour's
    snapshot is printed after it, and Ctrl-C still ends watch with status 0."""
    odd, other = DEMO_SERIALS[0], DEMO_SERIALS[1]
    simulator.edit_answers(token_id_edit(odd, utcDateTime=OVERFLOWING_TIME))
    env = {**os.environ, "SOLAXTRAY_TOKEN": DEMO_TOKEN, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "solaxtray", "watch", "--api-url", simulator.v1_url]
    command += ["--sn", odd, "--sn", other]
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w", encoding="utf-8") as err_file:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err_file, text=True, env=env
        )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    try:
        seen: list[dict[str, Any]] = []
        while not any(line.get("sn") == other and line["type"] == "snapshot" for line in seen):
            raw = lines.get(timeout=30)
            assert raw is not None, err_path.read_text(encoding="utf-8")
            seen.append(json.loads(raw))
        assert [r.sn for r in simulator.requests][:2] == [odd, other]  # the odd one came first
        assert proc.poll() is None  # still running
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    err = err_path.read_text(encoding="utf-8")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert f"{odd}: Unexpected answer from SolaX Cloud" in err
    assert not [line for line in seen if line.get("sn") == odd and line["type"] == "snapshot"]
