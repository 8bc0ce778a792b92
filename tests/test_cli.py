"""The command line against the project's simulator over real HTTP: output shapes, every exit
status, and the token kept out of every output and log. In-process (``main([...])``) for speed, and
as a subprocess (``python -m solaxtray`` and the ``solaxtray`` console script) for the real thing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solaxtray import __version__
from solaxtray.cli import build_parser, main
from solaxtray.core import paths
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator, Fault

FAKE_TOKEN = "987650123498765012349876"
"""A distinctive token the simulator does not know: it must show up nowhere."""
SN = DEMO_SERIALS[0]
UNKNOWN_SN = "ZZZZZ99999"

SPEC_FIELDS = {
    "inverterSN",
    "acpower",
    "yieldtoday",
    "yieldtotal",
    "feedinpower",
    "feedinenergy",
    "consumeenergy",
    "feedinpowerM2",
    "soc",
    "peps1",
    "peps2",
    "peps3",
    "batPower",
    "powerdc1",
    "powerdc2",
    "powerdc3",
    "powerdc4",
    "inverterType",
    "inverterStatus",
    "uploadTime",
}


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def demo_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    return DEMO_TOKEN


def _log_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in paths.log_dir().glob("*.log*"))


def _fetch_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    status = main(["fetch", "--json", *argv])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


# --- success -------------------------------------------------------------------------------------


def test_fetch_json_shape(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data, err = _fetch_json(
        capsys, "--api-url", simulator.v1_url, "--sn", SN, "--sn", DEMO_SERIALS[2]
    )
    assert status == 0, err
    assert err == ""
    items = data["inverters"]
    assert isinstance(items, list)
    assert [i["sn"] for i in items] == [SN, DEMO_SERIALS[2]]
    first = items[0]
    assert first["ok"] is True
    assert set(first) >= SPEC_FIELDS
    assert isinstance(first["acpower"], float | int)
    assert set(first["inverterType"]) == {"code", "name"}
    assert isinstance(first["inverterType"]["code"], int)
    assert isinstance(first["inverterStatus"]["name"], str)
    # uploadTime is ISO 8601 (no zone: it is the plant's wall clock).
    assert "T" in first["uploadTime"]
    reading = simulator.current_reading(SN)
    assert reading is not None
    # One request per serial, through the real HTTP server.
    assert [r.sn for r in simulator.requests] == [SN, DEMO_SERIALS[2]]


def test_fetch_v2_endpoint(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data, err = _fetch_json(capsys, "--api-url", simulator.v2_url, "--sn", SN)
    assert status == 0, err
    assert data["inverters"][0]["ok"] is True
    assert [r.endpoint for r in simulator.requests] == ["v2"]


def test_fetch_table(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["fetch", "--api-url", simulator.v1_url, "--sn", SN.lower()])
    out, err = capsys.readouterr()
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Serial", "Status", "Type"]
    assert lines[1].startswith(SN)
    assert any(word in lines[1] for word in ("Mode", "Status"))


def test_serials_and_server_from_settings(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    SettingsStore(paths.settings_path()).save(
        Settings(serials=(DEMO_SERIALS[1],), api_url=simulator.v1_url)
    )
    status, data, err = _fetch_json(capsys)
    assert status == 0, err
    assert [i["sn"] for i in data["inverters"]] == [DEMO_SERIALS[1]]


def test_api_url_from_environment(
    simulator: CloudSimulator,
    demo_token: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_API_URL", simulator.v1_url)
    status, _, err = _fetch_json(capsys, "--sn", SN)
    assert status == 0, err
    assert len(simulator.requests) == 1


def test_top_level_options_apply_to_the_subcommand(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--api-url", simulator.v1_url, "--sn", SN, "fetch", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert json.loads(out)["inverters"][0]["sn"] == SN


def test_fetch_demo_needs_no_token(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, err = _fetch_json(capsys, "--demo")
    assert status == 0, err
    items = data["inverters"]
    assert [i["sn"] for i in items] == list(DEMO_SERIALS)
    assert all(i["ok"] for i in items)


# --- every exit status ---------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("fault", "status", "kind"),
    [
        (Fault.THROTTLE, 5, "rate_limit"),
        (Fault.BAN, 5, "rate_limit"),
        (Fault.HTTP_500, 6, "server"),
        (Fault.BUSY, 6, "server"),
        (Fault.TRUNCATED, 7, "protocol"),
    ],
)
def test_fault_exit_status(simulator: CloudSimulator, fault: Fault, status: int, kind: str) -> None:
    # As a subprocess: its stderr is the CLI's alone (the simulator runs in this process).
    simulator.inject(fault)
    env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN)
    proc = _run(["fetch", "--json", "--api-url", simulator.v1_url, "--sn", SN], env=env)
    assert proc.returncode == status, proc.stderr
    item = json.loads(proc.stdout)["inverters"][0]
    assert item["ok"] is False
    assert item["error"]["kind"] == kind
    assert item["error"]["message"]
    # One line on stderr that names the serial and says what happened, no traceback.
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"{SN}: ")


def test_rejected_token_exits_3(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", FAKE_TOKEN)
    code, data, err = _fetch_json(capsys, "--api-url", simulator.v1_url, "--sn", SN)
    assert code == 3
    assert data["inverters"][0]["error"]["kind"] == "auth"
    assert "Token rejected" in err


def test_unknown_serial_exits_4_and_first_failure_decides(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, err = _fetch_json(
        capsys, "--api-url", simulator.v1_url, "--sn", SN, "--sn", UNKNOWN_SN
    )
    assert code == 4
    ok, failed = data["inverters"]
    assert ok["ok"] is True
    assert (failed["sn"], failed["ok"], failed["error"]["kind"]) == (UNKNOWN_SN, False, "device")
    assert UNKNOWN_SN in err

    simulator.inject(Fault.HTTP_503, sn=SN)
    code, _, _ = _fetch_json(capsys, "--api-url", simulator.v1_url, "--sn", SN, "--sn", UNKNOWN_SN)
    assert code == 6


def test_unreachable_server_exits_6(demo_token: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/proxyApp/proxy/api/"
    code, data, err = _fetch_json(capsys, "--api-url", url, "--sn", SN)
    assert code == 6
    assert data["inverters"][0]["error"]["kind"] == "network"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["fetch", "--sn", "ABC"], "exactly 10"),
        (["fetch", "--sn", "H34A10I1234567"], "registration number"),
        (["fetch", "--sn", "ABCDE12345", "--api-url", "http://example.com/"], "https://"),
        (["fetch"], "No serial number given"),
        (["fetch", "--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
        (["token"], "needs one of these actions"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], words: str, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert words in err
    assert "Traceback" not in err


def test_missing_token_exits_3(capsys: pytest.CaptureFixture[str], no_keyring: None) -> None:
    assert main(["fetch", "--sn", SN]) == 3
    _, err = capsys.readouterr()
    assert "Keyring not available" in err


def test_corrupt_settings_warns_and_continues(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.settings_path().parent.mkdir(parents=True)
    paths.settings_path().write_text("{oops", encoding="utf-8")
    code, _, err = _fetch_json(capsys, "--api-url", simulator.v1_url, "--sn", SN)
    assert code == 0
    assert err.startswith("Warning: The settings file was damaged")


def test_unexpected_error_is_one_sentence_pointing_at_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from solaxtray.cli import fetch

    def broken(_args: object) -> int:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(fetch, "run", broken)
    assert main(["fetch", "--sn", SN]) == 1
    _, err = capsys.readouterr()
    assert err.count("\n") == 1  # one sentence, nothing else
    assert "unexpected error" in err
    assert str(paths.log_path()) in err
    assert "Traceback" not in err
    assert "internal detail" in _log_text()  # the details went to the log file


# --- the shared request budget ------------------------------------------------------------------


def test_fetch_spends_the_shared_budget_and_stops_when_it_is_gone(
    simulator: CloudSimulator, demo_token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    SettingsStore(paths.settings_path()).save(Settings(per_day=1))
    status, _, err = _fetch_json(capsys, "--api-url", simulator.v1_url, "--sn", SN)
    assert status == 0, err
    assert paths.ledger_path().exists()
    assert SN in paths.ledger_path().read_text(encoding="utf-8")

    status, data, err = _fetch_json(capsys, "--api-url", simulator.v1_url, "--sn", SN)
    assert status == 5
    assert data["inverters"][0]["error"]["kind"] == "rate_limit"
    assert "request budget" in err
    assert len(simulator.requests) == 1  # the second request never left the machine


def test_demo_does_not_spend_the_real_budget(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "--demo"]) == 0
    capsys.readouterr()
    assert not paths.ledger_path().exists()


# --- version, help ------------------------------------------------------------------------------


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"solaxtray {__version__}"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("fetch", "watch", "token", "simulate", "--demo", "--sn", "--api-url"):
        assert word in out
    assert main(["fetch", "--help"]) == 0
    assert "--json" in capsys.readouterr().out


def test_parser_knows_every_subcommand() -> None:
    parser = build_parser()
    for argv in (["fetch"], ["watch"], ["token", "set"], ["token", "status"], ["simulate"]):
        assert parser.parse_args(argv).command == argv[0]


# --- watch ---------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_watch_demo_prints_json_lines_and_ctrl_c_exits_0() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", "watch", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the first snapshot line is enough; requests are spread out
            item = json.loads(line)
            if item["type"] == "snapshot":
                break
        assert item["sn"] in DEMO_SERIALS
        assert set(item) >= SPEC_FIELDS
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C
        code = proc.wait(timeout=10)
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_watch_with_rejected_token_ends_with_3(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", FAKE_TOKEN)
    assert main(["watch", "--api-url", simulator.v1_url, "--sn", SN]) == 3
    out, err = capsys.readouterr()
    kinds = [json.loads(line)["type"] for line in out.splitlines()]
    assert "alert" in kinds
    assert "Token rejected" in out + err
    assert FAKE_TOKEN not in out + err


# --- tray app and self-test dispatch ------------------------------------------------------------


def test_no_command_starts_the_tray_app_with_the_flags(
    monkeypatch: pytest.MonkeyPatch, simulator: CloudSimulator
) -> None:
    from solaxtray.ui import app

    seen: list[app.AppOptions] = []

    def fake_run_app(options: app.AppOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    assert main(["--demo"]) == 0
    assert main(["--sn", "abcde12345", "--sn", "SX7Y8Z9W0Q", "--api-url", "v2-na"]) == 0
    monkeypatch.setenv("SOLAXTRAY_API_URL", simulator.v1_url)
    assert main([]) == 0
    assert [(o.demo, o.serials, o.api_url) for o in seen] == [
        (True, None, None),
        (False, ["ABCDE12345", "SX7Y8Z9W0Q"], "v2-na"),
        (False, None, simulator.v1_url),
    ]


def test_backend_flag_reaches_the_tray_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import fields

    from solaxtray.ui import app

    if "backend" not in {f.name for f in fields(app.AppOptions)}:
        pytest.skip("this tray app takes the API from its settings only")
    seen: list[app.AppOptions] = []

    def fake_run_app(options: app.AppOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    assert main(["--backend", "developer", "--demo"]) == 0
    assert main(["--backend", "developer", "--sn", "h34a10i9012345", "--api-url", "cn"]) == 0
    assert [(o.backend, o.demo, o.serials, o.api_url) for o in seen] == [
        ("developer", True, None, None),
        ("developer", False, ["H34A10I9012345"], "cn"),
    ]
    # An inverter serial for the tokenId API (or the other way round) is refused before any window.
    assert main(["--backend", "developer", "--sn", "SWDEMOHYB3"]) == 2


def test_tray_flags_are_checked_before_any_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--api-url", "http://example.com/"]) == 2
    assert "https://" in capsys.readouterr().err


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="Windows and macOS always have a display"
)
@pytest.mark.parametrize("argv", [["--demo"], []])
def test_without_a_display_the_tray_app_says_so_in_one_sentence(argv: list[str]) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = _run(argv, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("Cannot start the tray app: no desktop display was found")
    assert "solaxtray watch" in proc.stderr
    assert "solaxtray fetch --demo" in proc.stderr


def test_self_test_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    from solaxtray import selftest

    monkeypatch.setattr(selftest, "run_self_test", lambda: 1)
    assert main(["--self-test"]) == 1


def test_fetch_never_imports_qt() -> None:
    code = (
        "import sys\n"
        "from solaxtray.cli import main\n"
        "status = main(['fetch', '--demo', '--json'])\n"
        "assert status == 0, status\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')]\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


# --- the token stays secret ----------------------------------------------------------------------


def _run(
    argv: list[str], *, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env if env is not None else dict(os.environ),
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "token",
    [
        FAKE_TOKEN,
        # Not token-shaped: only registering the secret can keep this one out of the output.
        "sxTok3nN0tDigits7qWz9Lm2",
    ],
)
def test_token_appears_in_no_output_or_log(
    token: str,
    simulator: CloudSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> None:
    # The token given as a serial number, in a fresh process (nothing registered yet) and here.
    outputs: list[str] = []
    for argv in (["fetch", "--sn", token], ["--sn", token]):
        proc = _run(argv, env=dict(os.environ, SOLAXTRAY_TOKEN=token))
        assert proc.returncode == 2, proc.stderr
        assert "looks like a tokenId, not a serial number" in proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    monkeypatch.setenv("SOLAXTRAY_TOKEN", token)
    runs = [
        ["fetch", "--sn", token],
        ["--sn", token],
        ["--log-level", "DEBUG", "fetch", "--api-url", simulator.v1_url, "--sn", SN],
        ["--log-level", "DEBUG", "fetch", "--json", "--api-url", simulator.v2_url, "--sn", SN],
        ["fetch", "--json", "--api-url", simulator.v1_url, "--sn", UNKNOWN_SN],
        ["token", "status"],
        ["token", "clear"],
    ]
    for argv in runs:
        main(argv)
        out, err = capsys.readouterr()
        outputs.append(out + err)
    simulator.inject(Fault.HTTP_500)
    proc = _run(["--log-level", "DEBUG", "fetch", "--api-url", simulator.v1_url, "--sn", SN])
    outputs.append(proc.stdout + proc.stderr)
    proc = _run(["token", "set"], stdin=token + "\n")
    outputs.append(proc.stdout + proc.stderr)

    # Case-insensitive: a serial number is shown upper-cased.
    everything = "\n".join(outputs).upper()
    assert "TOKEN REJECTED" in everything  # the runs did reach the server
    assert "DEBUG" in everything  # and logged in detail
    assert token.upper() not in everything
    log = _log_text()
    assert log  # the file log was written
    assert token.upper() not in log.upper()
    # Nothing under the user's directories holds it either (settings, ledger, cache).
    for path in paths.config_dir().parent.parent.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").upper()
            assert token.upper() not in text, path


# --- as a real process ---------------------------------------------------------------------------


def test_python_dash_m_fetch_demo_json() -> None:
    proc = _run(["fetch", "--demo", "--json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["inverters"]) == len(DEMO_SERIALS)
    assert all(set(item) >= SPEC_FIELDS for item in data["inverters"])


def test_python_dash_m_exit_status_and_stderr(simulator: CloudSimulator) -> None:
    env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN)
    proc = _run(["fetch", "--api-url", simulator.v1_url, "--sn", UNKNOWN_SN], env=env)
    assert proc.returncode == 4
    assert proc.stderr.startswith(f"{UNKNOWN_SN}: Serial number not found: ")
    assert proc.stderr.count("\n") == 1


def test_console_script() -> None:
    script = shutil.which("solaxtray")
    if script is None:
        pytest.skip("the solaxtray console script is not installed (pip install -e .)")
    proc = subprocess.run(
        [script, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, f"solaxtray {__version__}")
    proc = subprocess.run(
        [script, "fetch", "--sn", "bad"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert "exactly 10" in proc.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_simulate_prints_its_address_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", "simulate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        assert DEMO_TOKEN in text
        v1 = next(line.split()[-1] for line in lines if "v1 API" in line)
        env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN)
        fetched = _run(["fetch", "--json", "--api-url", v1, "--sn", DEMO_SERIALS[0]], env=env)
        assert fetched.returncode == 0, fetched.stderr
        # The same process serves the Developer API, with the demo application it printed.
        server = next(line.split()[-1] for line in lines if line.strip().startswith("server:"))
        client_id = next(line.split()[-1] for line in lines if "client id:" in line)
        secret = next(line.split()[-1] for line in lines if "client secret:" in line)
        device = [line for line in lines if "serials:" in line][-1].split()[1]
        env = dict(os.environ, SOLAXTRAY_CLIENT_ID=client_id, SOLAXTRAY_CLIENT_SECRET=secret)
        argv = ["fetch", "--json", "--backend", "developer", "--api-url", server, "--sn"]
        fetched = _run([*argv, device.rstrip(",")], env=env)
        assert fetched.returncode == 0, fetched.stderr
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C
        code = proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert code == 0


def test_simulate_on_a_busy_port_says_so() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _run(["simulate", "--port", str(port)])
    assert proc.returncode == 2
    assert proc.stderr.startswith("Cannot start the simulator: ")
    assert str(port) in proc.stderr
