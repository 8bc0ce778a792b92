"""What the command line prints, against real servers on 127.0.0.1: a cloud that echoes the token
never gets it onto the terminal, refused values name where they came from and are quoted at a
readable length, and commands without an action list their actions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from solaxtray.cli import main
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from tests.scripted_http import ScriptedHandler, ScriptedServer

SN = DEMO_SERIALS[0]
TOKENS = [
    "987650123498765012349876",  # token-shaped: masked by its shape alone
    "sxTok3nN0tDigits7qWz9Lm2",  # not: only the registered secret can mask it
]
V1_PATH = "/proxyApp/proxy/api/"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    reset_logging()


def _echoing_answer(h: ScriptedHandler) -> None:
    """A success answer for the asked serial whose ``inverterSN`` is the token that was sent."""
    token = h.query("tokenId") or h.headers.get("tokenId", "")
    body = json.loads(CloudSimulator().sample_success(SN, v2=False))
    body["result"]["inverterSN"] = token
    h.send_all(200, json.dumps(body).encode())


def _redirect_answer(h: ScriptedHandler) -> None:
    token = h.query("tokenId") or h.headers.get("tokenId", "")
    h.send_all(302, b"", {"Location": f"https://{token}.example.com/steal"})


@pytest.fixture
def echo_server() -> Iterator[ScriptedServer]:
    with ScriptedServer(_echoing_answer) as server:
        yield server


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("table", [False, True], ids=["json", "table"])
def test_a_token_echoed_as_inverter_serial_is_not_printed(
    token: str,
    table: bool,
    echo_server: ScriptedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", token)
    argv = ["fetch", "--api-url", echo_server.url(V1_PATH), "--sn", SN]
    status = main(argv if table else [*argv, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert token not in out + err
    if not table:
        item = json.loads(out)["inverters"][0]
        assert item["ok"] is True
        assert item["inverterSN"] == "***"


@pytest.mark.parametrize("token", TOKENS)
def test_a_redirect_to_a_host_named_after_the_token_is_not_printed(
    token: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", token)
    with ScriptedServer(_redirect_answer) as server:
        for extra in ([], ["--json"]):
            status = main(["fetch", *extra, "--api-url", server.url(V1_PATH), "--sn", SN])
            out, err = capsys.readouterr()
            assert status == 6, err
            assert "redirect" in out + err
            # Case-insensitive: the host name comes lower-cased, and is still the token.
            assert token.lower() not in (out + err).lower()


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
@pytest.mark.parametrize("token", TOKENS)
def test_watch_lines_do_not_carry_an_echoed_token(token: str, echo_server: ScriptedServer) -> None:
    env = dict(os.environ, SOLAXTRAY_TOKEN=token)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solaxtray",
            "watch",
            "--api-url",
            echo_server.url(V1_PATH),
            "--sn",
            SN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            assert token not in line
            lines.append(json.loads(line))
            if lines[-1]["type"] == "snapshot":
                break
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert lines, stderr
    assert lines[-1]["type"] == "snapshot", stderr
    assert lines[-1]["inverterSN"] == "***"
    assert token not in stderr


# --- where a refused value came from -------------------------------------------------------------


def _stderr_of(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def test_a_bad_sn_option_is_named_as_the_source(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = _stderr_of(capsys, "fetch", "--sn", "ABC")
    assert status == 2
    assert err.startswith("Check the --sn option: ")
    assert "settings" not in err


def test_a_bad_server_from_the_environment_is_named_as_the_source(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    monkeypatch.setenv("SOLAXTRAY_API_URL", "nowhere")
    status, err = _stderr_of(capsys, "fetch", "--sn", SN)
    assert status == 2
    assert err.startswith("Check the environment variable SOLAXTRAY_API_URL: ")
    status, err = _stderr_of(capsys, "fetch", "--sn", SN, "--api-url", "nowhere")
    assert status == 2
    assert err.startswith("Check the --api-url option: ")


@pytest.mark.parametrize("backend", ["token", "developer"])
def test_an_empty_api_url_is_refused_not_replaced_by_the_real_cloud(
    backend: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    sn = SN if backend == "token" else "H34A10I9012345"
    status, err = _stderr_of(capsys, "fetch", "--backend", backend, "--api-url", "", "--sn", sn)
    assert status == 2
    assert "--api-url was given an empty value" in err


def test_demo_with_api_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = _stderr_of(capsys, "fetch", "--demo", "--api-url", "foo")
    assert status == 2
    assert "--demo" in err
    assert "--api-url" in err
    # Without the flag the demo still works.
    assert main(["fetch", "--demo", "--json"]) == 0


HUGE_HOST = "h" * 100_000


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["fetch", "--sn", SN, "--api-url", f"http://{HUGE_HOST}.example/"], 2),
        (["fetch", "--sn", SN, "--api-url", f"https://{HUGE_HOST}.example/"], 6),
        (["fetch", "--backend", "developer", "--api-url", f"http://{HUGE_HOST}.example"], 2),
    ],
    ids=["refused-host", "unreachable-host", "developer-host"],
)
def test_a_huge_host_name_is_echoed_cut(
    argv: list[str],
    status: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", "demo-client-id-1234")
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", "demo-client-secret-5678")
    if "developer" in argv:
        argv = [*argv, "--sn", "H34A10I9012345"]
    got, err = _stderr_of(capsys, *argv)
    assert got == status, err
    assert err.strip()
    assert max(len(line) for line in err.splitlines()) < 400, err[:400]
    assert "hhhhh…" in err


@pytest.mark.parametrize("command", ["token", "credentials"])
def test_a_command_without_its_action_lists_the_actions(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err = _stderr_of(capsys, command)
    assert status == 2
    lines = err.splitlines()
    for action in ("set", "status", "clear"):
        # One line per action, with its words.
        assert any(line.split()[:1] == [action] and len(line.split()) > 3 for line in lines), err
