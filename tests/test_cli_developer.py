"""The command line on the Developer API (``--backend developer``), against the project's
``DeveloperSimulator`` over real HTTP: the same JSON as the tokenId path, batching, the shared
budget, every error kind's exit status, the ``credentials`` commands through a real Secret Service,
and the client secret and access token kept out of every output and log."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import keyring
import pytest

from solaxtray.cli import main
from solaxtray.core import paths
from solaxtray.core.api.developer.client import DeveloperClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.secrets import access_token_username
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, Fault, Outcome
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DEV_TOKEN_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.watch import run_watch
from tests.keyring_fixture import SecretServiceBus

DEV_SN = DEMO_DEVICE_SERIALS[0]
UNKNOWN_DEV_SN = "ZZ9999ZZ999999"
WRONG_SECRET = "not-the-secret-7f3a9c1e"
"""Distinctive: it must show up nowhere."""


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def dev_sim() -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator() as sim:
        yield sim


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", DEMO_CLIENT_SECRET)


def _log_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in paths.log_dir().glob("*.log*"))


def _fetch(
    capsys: pytest.CaptureFixture[str], sim: DeveloperSimulator, *serials: str
) -> tuple[int, list[dict[str, Any]], str]:
    argv = ["fetch", "--json", "--backend", "developer", "--api-url", sim.base_url]
    for sn in serials:
        argv += ["--sn", sn]
    status = main(argv)
    out, err = capsys.readouterr()
    return status, json.loads(out)["inverters"], err


def _shape(value: Any) -> Any:
    """The JSON shape of a value: keys and nested keys, types, with null allowed anywhere."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else "other"


def _same_shape(dev: Any, tok: Any) -> bool:
    if dev is None or tok is None:
        return True
    if isinstance(dev, dict) and isinstance(tok, dict):
        return list(dev) == list(tok) and all(_same_shape(dev[k], tok[k]) for k in dev)
    return bool(_shape(dev) == _shape(tok))


# --- the same JSON, fewer requests ---------------------------------------------------------------


def test_demo_json_has_the_token_paths_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "--backend", "developer", "--demo", "--json"]) == 0
    dev = json.loads(capsys.readouterr().out)
    assert main(["fetch", "--demo", "--json"]) == 0
    tok = json.loads(capsys.readouterr().out)
    assert list(dev) == list(tok) == ["inverters"]
    assert [i["sn"] for i in dev["inverters"]] == list(DEMO_DEVICE_SERIALS)
    assert len(dev["inverters"]) == len(tok["inverters"]) == len(DEMO_SERIALS)
    for d, t in zip(dev["inverters"], tok["inverters"], strict=True):
        assert d["ok"] is t["ok"] is True
        assert _same_shape(d, t), (d, t)
        # The same plant behind both names: same serial and same kind of reading.
        assert d["inverterSN"] == t["inverterSN"]
        assert (d["soc"] is None) == (t["soc"] is None)
    assert not paths.ledger_path("developer").exists()  # the demo spends no real budget


def test_fetch_batches_serials_and_charges_the_developer_ledger(
    dev_sim: DeveloperSimulator, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status, items, err = _fetch(capsys, dev_sim, *DEMO_DEVICE_SERIALS)
    assert status == 0, err
    assert [i["sn"] for i in items] == list(DEMO_DEVICE_SERIALS)
    assert all(i["ok"] for i in items)
    endpoints = [r.endpoint for r in dev_sim.requests]
    # One sign-in, one request for the three inverters, one for their batteries.
    assert endpoints.count(DEV_TOKEN_ENDPOINT) == 1
    assert endpoints.count(DEV_REALTIME_ENDPOINT) == 2
    charged = paths.ledger_path("developer").read_text(encoding="utf-8").splitlines()
    assert len(charged) == len(dev_sim.requests)
    assert not paths.ledger_path().exists()  # the tokenId's budget is another one


def test_developer_budget_from_the_settings_stops_before_sending(
    dev_sim: DeveloperSimulator, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    SettingsStore(paths.settings_path()).save(Settings(per_day=2))
    status, _, err = _fetch(capsys, dev_sim, DEV_SN)
    assert status == 0, err
    sent = len(dev_sim.requests)
    status, items, err = _fetch(capsys, dev_sim, DEV_SN)
    assert status == 5
    assert items[0]["error"]["kind"] == "rate_limit"
    assert "request budget" in err
    assert len(dev_sim.requests) == sent  # nothing left the machine


def test_serials_and_server_from_the_settings(
    dev_sim: DeveloperSimulator, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    SettingsStore(paths.settings_path()).save(
        Settings(backend="developer", developer_host=dev_sim.base_url, serials=(DEV_SN,))
    )
    assert main(["fetch", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["inverters"]
    assert [i["sn"] for i in items] == [DEV_SN]
    # The saved serials are inverter serials: useless, and not used, with the tokenId API.
    assert main(["fetch", "--backend", "token"]) == 2
    assert "No serial number given" in capsys.readouterr().err


# --- every error kind's exit status --------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (10406, "realtime", 5, "rate_limit"),
        (10405, "realtime", 5, "rate_limit"),
        (11500, "realtime", 6, "server"),
        (10001, "realtime", 6, "server"),
        (10403, "realtime", 3, "auth"),
        (10401, "token", 3, "auth"),
        (10500, "realtime", 4, "device"),
    ],
)
def test_developer_error_code_exit_status(
    dev_sim: DeveloperSimulator,
    creds: None,
    capsys: pytest.CaptureFixture[str],
    case: tuple[int, str, int, str],
) -> None:
    code, route, status, kind = case
    dev_sim.inject_code(code, route=route, count=5)
    got, items, err = _fetch(capsys, dev_sim, DEV_SN)
    assert got == status, err
    assert (items[0]["sn"], items[0]["ok"], items[0]["error"]["kind"]) == (DEV_SN, False, kind)
    assert items[0]["error"]["message"]
    assert f"{DEV_SN}: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("fault", "status", "kind"),
    [(Fault.HTTP_500, 6, "server"), (Fault.HTML, 6, "server"), (Fault.TRUNCATED, 7, "protocol")],
)
def test_developer_transport_fault_exit_status(
    dev_sim: DeveloperSimulator, fault: Fault, status: int, kind: str
) -> None:
    # As a subprocess: its stderr is the CLI's alone. The fault hits the first request (sign-in).
    dev_sim.inject(fault)
    env = dict(
        os.environ, SOLAXTRAY_CLIENT_ID=DEMO_CLIENT_ID, SOLAXTRAY_CLIENT_SECRET=DEMO_CLIENT_SECRET
    )
    proc = _run(
        [
            "fetch",
            "--json",
            "--backend",
            "developer",
            "--api-url",
            dev_sim.base_url,
            "--sn",
            DEV_SN,
        ],
        env=env,
    )
    assert proc.returncode == status, proc.stderr
    item = json.loads(proc.stdout)["inverters"][0]
    assert (item["ok"], item["error"]["kind"]) == (False, kind)
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"{DEV_SN}: ")


def test_unknown_serial_is_4_and_does_not_spoil_its_neighbours(
    dev_sim: DeveloperSimulator, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status, items, err = _fetch(capsys, dev_sim, DEV_SN, UNKNOWN_DEV_SN)
    assert status == 4, err
    assert items[0]["ok"] is True
    assert (items[1]["sn"], items[1]["error"]["kind"]) == (UNKNOWN_DEV_SN, "device")


def test_wrong_secret_exits_3_and_is_never_shown(
    dev_sim: DeveloperSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", WRONG_SECRET)
    status, items, err = _fetch(capsys, dev_sim, DEV_SN, DEMO_DEVICE_SERIALS[1])
    assert status == 3
    assert {i["error"]["kind"] for i in items} == {"auth"}
    # One sign-in refused; no realtime request with credentials known to be wrong.
    assert [r.endpoint for r in dev_sim.requests] == [DEV_TOKEN_ENDPOINT]
    assert WRONG_SECRET not in err + json.dumps(items) + _log_text()


def test_unreachable_server_exits_6(creds: None, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status = main(
        ["fetch", "--backend", "developer", "--api-url", f"http://127.0.0.1:{port}", "--sn", DEV_SN]
    )
    assert status == 6
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["fetch", "--backend", "developer", "--sn", DEMO_SERIALS[0]], "registration number"),
        (["fetch", "--backend", "developer", "--sn", DEV_SN, "--api-url", "mars"], "region"),
        (["fetch", "--backend", "developer"], "inverter's own serial number"),
        (["fetch", "--backend", "oauth2", "--sn", DEV_SN], "developer"),
        (["fetch", "--sn", DEV_SN], "inverter's own serial number"),
        (["credentials"], "needs one of these actions"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], words: str, creds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err


def test_missing_credentials_exit_3(capsys: pytest.CaptureFixture[str], no_keyring: None) -> None:
    assert main(["fetch", "--backend", "developer", "--sn", DEV_SN]) == 3
    err = capsys.readouterr().err
    assert "Keyring not available" in err or "credentials set" in err
    assert "SOLAXTRAY_CLIENT_ID" in err


def test_credentials_from_the_environment_need_no_keyring(
    creds: None, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    with DeveloperSimulator() as sim:
        assert (
            main(["fetch", "--backend", "developer", "--api-url", sim.base_url, "--sn", DEV_SN])
            == 0
        )
    capsys.readouterr()


# --- credentials in the real Secret Service ------------------------------------------------------


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


@pytest.mark.keyring
def test_credentials_commands_and_a_shared_access_token(
    secret_service: SecretServiceBus,
    dev_sim: DeveloperSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outputs: list[str] = []

    def run(argv: list[str]) -> int:
        status = main(argv)
        out, err = capsys.readouterr()
        outputs.append(out + err)
        return status

    assert run(["credentials", "status"]) == 3
    assert "No Developer API client id is set" in outputs[-1]

    _stdin(monkeypatch, f"{DEMO_CLIENT_ID}\n  {DEMO_CLIENT_SECRET}  \n")
    assert run(["credentials", "set"]) == 0
    assert "saved in the keyring" in outputs[-1]
    assert keyring.get_password("solaxtray", "clientId") == DEMO_CLIENT_ID
    assert keyring.get_password("solaxtray", "clientSecret") == DEMO_CLIENT_SECRET
    assert run(["credentials", "status"]) == 0
    assert outputs[-1].count("stored in the keyring") == 2

    argv = ["fetch", "--backend", "developer", "--api-url", dev_sim.base_url, "--sn", DEV_SN]
    assert run(["--log-level", "DEBUG", *argv]) == 0
    token = dev_sim.current_access_token
    assert token is not None
    stored = keyring.get_password("solaxtray", access_token_username(DEMO_CLIENT_ID))
    assert stored is not None
    assert stored.startswith(token + " ")
    # A second process (here: a second run) picks up the token instead of signing in again,
    # which would invalidate the first one's.
    assert run(argv) == 0
    assert dev_sim.tokens_issued == 1

    assert run(["credentials", "clear"]) == 0
    assert "removed from the keyring" in outputs[-1]
    assert keyring.get_password("solaxtray", "clientSecret") is None
    assert keyring.get_password("solaxtray", access_token_username(DEMO_CLIENT_ID)) is None
    assert run(["credentials", "status"]) == 3
    assert run(argv) == 3

    everything = "\n".join(outputs) + _log_text()
    assert "DEBUG" in everything
    for secret in (DEMO_CLIENT_SECRET, token):
        assert secret not in everything
    for path in paths.config_dir().parent.parent.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert DEMO_CLIENT_SECRET not in text, path
            assert token not in text, path


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ("only-an-id\n", "client secret is empty"),
        ("an id with spaces\nsecret\n", "spaces"),
        ("same-value\nsame-value\n", "same text"),
    ],
)
def test_credentials_set_refuses_what_cannot_be_credentials(
    stdin: str,
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> None:
    _stdin(monkeypatch, stdin)
    assert main(["credentials", "set"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Credentials not saved: ")
    assert words in err


def test_credentials_status_from_the_environment_needs_no_keyring(
    creds: None, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    assert main(["credentials", "status"]) == 0
    out = capsys.readouterr().out
    assert "SOLAXTRAY_CLIENT_ID" in out
    assert "SOLAXTRAY_CLIENT_SECRET" in out
    assert DEMO_CLIENT_SECRET not in out


# --- watch ---------------------------------------------------------------------------------------


def test_watch_keeps_inside_the_developer_quota(tmp_path: Any) -> None:
    clock = FakeClock(1_780_000_000.0)
    with DeveloperSimulator(clock=clock, upload_interval=60.0, dev_per_minute=10) as sim:
        client = DeveloperClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=sim.base_url, clock=clock)
        ledger = RequestLedger(tmp_path / "ledger", clock=clock)
        lines: list[dict[str, Any]] = []
        end = clock.now() + 3600

        def step() -> bool:
            if clock.now() >= end - 1800 and sim.tokens_issued == 1:
                sim.expire_token()  # another program signed in: one renewal, charged too
            return clock.now() >= end

        with client:
            status = run_watch(
                serials=list(sim.device_serials),
                backend=client,
                settings=Settings(poll_interval_s=10),
                ledger=ledger,
                clock=clock,
                sleep=clock.sleep,
                emit=lines.append,
                should_stop=step,
            )
            made = client.requests_made
    assert status == 0
    snapshots = [line for line in lines if line["type"] == "snapshot"]
    assert {line["sn"] for line in snapshots} == set(sim.device_serials)
    assert len(snapshots) >= 3 * 50  # about one per upload per inverter
    assert sim.tokens_issued == 2
    dev = [r for r in sim.requests if r.endpoint in (DEV_TOKEN_ENDPOINT, DEV_REALTIME_ENDPOINT)]
    assert len(dev) == made
    refused = {Outcome.THROTTLED.value, Outcome.DAY_QUOTA.value, Outcome.BANNED.value}
    assert not [r for r in dev if r.result in refused]
    # Every request sent was charged to the shared ledger (the renewal included).
    assert ledger.used_today() >= made
    # Serials due together are asked together: the first round is one request for all three.
    realtime = [r for r in dev if r.endpoint == DEV_REALTIME_ENDPOINT]
    assert realtime[0].sn == ",".join(sim.device_serials)


def test_watch_with_rejected_credentials_ends_with_3(
    dev_sim: DeveloperSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", WRONG_SECRET)
    argv = ["watch", "--backend", "developer", "--api-url", dev_sim.base_url]
    assert main([*argv, "--sn", DEV_SN, "--sn", DEMO_DEVICE_SERIALS[1]]) == 3
    out, err = capsys.readouterr()
    assert "alert" in [json.loads(line)["type"] for line in out.splitlines()]
    assert [r.endpoint for r in dev_sim.requests] == [DEV_TOKEN_ENDPOINT]
    assert WRONG_SECRET not in out + err + _log_text()


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_watch_demo_developer_prints_every_inverter() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", "watch", "--demo", "--backend", "developer"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[str] = set()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the three inverters are due together: one batch
            item = json.loads(line)
            if item["type"] == "snapshot":
                seen.add(item["sn"])
            if seen == set(DEMO_DEVICE_SERIALS):
                break
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert seen == set(DEMO_DEVICE_SERIALS)
    assert code == 0, stderr
    assert "Traceback" not in stderr


def _run(argv: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
