"""A tokenId given in ``SOLAXTRAY_TOKEN`` is held to the shape ``token set`` holds a typed one
to: one that cannot be a tokenId is one typed error and one sentence naming the variable (never
its value), before any request. Through the real command line, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

IMPOSSIBLE = [
    "zqxw",  # far too short
    "7" * 200,  # far too long
    "qzqz 1234567890 qzqzqzqz",  # a space
    "токентокентокентокентокен",  # not ASCII
    "12345678901234567890123\x07",  # a control character
]
EXIT_AUTH = 3


def _run(argv: list[str], token: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        SOLAXTRAY_TOKEN=token,
        # Never the user's own keyring, on any OS.
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _assert_one_sentence_naming_the_variable(
    proc: subprocess.CompletedProcess[str], token: str
) -> None:
    assert proc.returncode == EXIT_AUTH, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "SOLAXTRAY_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
    shown = proc.stdout + proc.stderr
    assert token.strip() not in shown
    assert token.strip()[:6] not in shown


@pytest.mark.parametrize("token", IMPOSSIBLE, ids=["short", "long", "space", "cyrillic", "control"])
def test_fetch_refuses_an_impossible_token_from_the_environment(
    simulator: CloudSimulator, token: str
) -> None:
    proc = _run(["fetch", "--api-url", simulator.v1_url, "--sn", DEMO_SERIALS[0]], token)
    _assert_one_sentence_naming_the_variable(proc, token)
    assert proc.stdout == ""
    assert not simulator.requests, "an impossible token was sent to the cloud"


@pytest.mark.parametrize("token", IMPOSSIBLE[:2], ids=["short", "long"])
def test_token_status_says_the_environments_token_is_impossible(token: str) -> None:
    proc = _run(["token", "status"], token)
    _assert_one_sentence_naming_the_variable(proc, token)


def test_a_real_tokenid_from_the_environment_is_used(simulator: CloudSimulator) -> None:
    proc = _run(["fetch", "--api-url", simulator.v1_url, "--sn", DEMO_SERIALS[0]], DEMO_TOKEN)
    assert proc.returncode == 0, proc.stderr
    assert DEMO_SERIALS[0] in proc.stdout
    status = _run(["token", "status"], DEMO_TOKEN)
    assert status.returncode == 0, status.stderr
