"""A reader that goes away (``solaxtray fetch | head -c 1``) ends a command quietly, but does not
turn a failure into success: the exit status is the command's own, and plain success stays 0.

Real processes whose stdout is a pipe nobody reads any more: the first write that reaches it
fails with EPIPE, at the last flush (a short table) or in the middle of the printing (a long one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator

UNKNOWN_SN = "SWUNKNOWN9"


def run_reader_gone(argv: list[str], home: Path, **env: str) -> tuple[int, str]:
    """``python -m solaxtray argv`` with stdout a pipe whose reader is already gone; the exit
    status and stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "solaxtray", *argv],
            env={
                **os.environ,
                "PYTHONIOENCODING": "utf-8",
                "XDG_CONFIG_HOME": str(home / "config"),
                "XDG_DATA_HOME": str(home / "data"),
                "XDG_STATE_HOME": str(home / "state"),
                "XDG_CACHE_HOME": str(home / "cache"),
                **env,
            },
            stdout=write_end,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    return done.returncode, done.stderr


@pytest.mark.parametrize("view", [[], ["--json"]])
def test_a_failed_fetch_keeps_its_status_when_the_reader_goes_away(
    simulator: CloudSimulator, isolated_dirs: Path, view: list[str]
) -> None:
    status, err = run_reader_gone(
        ["fetch", "--api-url", simulator.v1_url, "--sn", UNKNOWN_SN, *view],
        isolated_dirs,
        SOLAXTRAY_TOKEN=DEMO_TOKEN,
    )
    assert status == 4, err
    assert err.startswith(f"{UNKNOWN_SN}: Serial number not found: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("view", [[], ["--json"]])
def test_a_good_fetch_ends_with_0_when_the_reader_goes_away(
    isolated_dirs: Path, view: list[str]
) -> None:
    assert run_reader_gone(["fetch", "--demo", *view], isolated_dirs) == (0, "")


@pytest.mark.usefixtures("no_keyring")
def test_a_failed_doctor_keeps_its_status_when_the_reader_goes_away_mid_print(
    isolated_dirs: Path,
) -> None:
    """Thousands of checks: the pipe breaks while they are printed, not at the last flush."""
    serials = [f"BAD{i:05d}" for i in range(3000)]
    status, err = run_reader_gone(
        [
            "doctor",
            "--json",
            "--api-url",
            "http://127.0.0.1:9/",
            *(a for s in serials for a in ("--sn", s)),
        ],
        isolated_dirs,
        SOLAXTRAY_TOKEN=DEMO_TOKEN,
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/solaxtray-test-bus",
    )
    assert status == 1, err
    assert err == ""
