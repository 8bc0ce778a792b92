"""The command line with something hostile where the request ledger should be: one sentence and
exit status 2 at once, never a hang (reading a named pipe blocks until a writer comes) and never
a traceback; a damaged regular file is set aside and the command goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solaxtray.core import paths
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

SN = DEMO_SERIALS[0]


def _solaxtray(*argv: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH as this test run's, so the subprocess imports the same solaxtray.
    env = dict(os.environ, SOLAXTRAY_TOKEN=DEMO_TOKEN, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,  # a hang fails here
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
@pytest.mark.parametrize("command", ["fetch", "watch"])
def test_a_named_pipe_as_the_ledger_is_one_sentence_and_exit_2(
    simulator: CloudSimulator, command: str
) -> None:
    ledger = paths.ledger_path()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(ledger)
    proc = _solaxtray(command, "--api-url", simulator.v1_url, "--sn", SN)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"Request ledger unusable: The request ledger {ledger} is a named pipe, not a file: "
        "remove it or move it away, and solaxtray will start a new ledger there.\n"
    )
    assert not simulator.requests  # nothing was sent uncounted


def test_a_directory_as_the_ledger_is_one_sentence_and_exit_2(simulator: CloudSimulator) -> None:
    ledger = paths.ledger_path()
    ledger.mkdir(parents=True)
    proc = _solaxtray("fetch", "--api-url", simulator.v1_url, "--sn", SN)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "is a directory, not a file" in proc.stderr


def test_a_huge_ledger_is_set_aside_and_fetch_goes_on(simulator: CloudSimulator) -> None:
    ledger = paths.ledger_path()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("wb") as fh:
        fh.truncate(4 * 1024**3)  # sparse
    proc = _solaxtray("fetch", "--api-url", simulator.v1_url, "--sn", SN)
    assert proc.returncode == 0, proc.stderr
    assert len(simulator.requests) == 1
    aside = list(Path(ledger.parent).glob(ledger.name + ".corrupt-*"))
    assert len(aside) == 1
    assert ledger.read_text().split()[1] == SN
