"""Ctrl-C at any moment of the start (modules still importing, the language being chosen, the
parser being built) ends with exit status 130 and no traceback, as it does once a command runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import solaxtray

DELAYS_MS = (0, 10, 20, 30, 45, 60, 80, 120)
PACKAGE = str(Path(solaxtray.__file__).parent)


def _interrupted_at(delay_ms: int, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", "fetch", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
    )
    time.sleep(delay_ms / 1000)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is a POSIX notion")
@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_ctrl_c_during_the_start_is_exit_130_without_a_traceback(
    isolated_dirs: Path, delay_ms: int
) -> None:
    for _attempt in range(3):
        done = _interrupted_at(delay_ms, isolated_dirs)
        if "Traceback" in done.stderr:
            # Cut off before the first line of solaxtray ran (Python's own start-up, ``site``,
            # or runpy finding the package): the interpreter's machinery alone is on the stack,
            # out of any program's reach. Once our code runs, no traceback.
            assert PACKAGE not in done.stderr, done.stderr
            assert done.returncode != 0
            continue
        # 130: interrupted; 0: it had finished first; -SIGINT: the signal came before the
        # interpreter took over SIGINT (the shell reports that as 130 too), no Python code ran.
        assert done.returncode in (130, 0, -signal.SIGINT), (done.returncode, done.stderr)
        if done.returncode == 130:
            assert done.stderr.strip().endswith("Interrupted."), done.stderr
