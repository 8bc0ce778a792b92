"""The self-test against a keyring that hangs: it must end within its keyring time-out, with one
FAIL sentence a person can read and a non-zero exit, never a traceback or a hang. Through the real
command line, in its own process, on a private bus (see ``tests/keyring_fixture.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from solaxtray import selftest
from tests.keyring_fixture import hanging_secret_service, hanging_session_bus

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Secret Service backend over D-Bus"
)


def _self_test(bus_address: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DBUS_SESSION_BUS_ADDRESS=bus_address)
    env.pop("PYTHON_KEYRING_BACKEND", None)  # keyring's own discovery, as the app does it
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "solaxtray", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,  # a hang fails here rather than stopping the suite
        env=env,
    )
    return out, time.monotonic() - started


def _assert_one_keyring_sentence(
    out: subprocess.CompletedProcess[str], took: float, expected: str
) -> None:
    seconds = selftest.keyring_timeout_s()
    keyring_lines = [line for line in out.stdout.splitlines() if " keyring: " in line]
    assert keyring_lines == [expected.format(seconds=seconds)], out.stdout
    assert out.returncode == 1
    assert out.stdout.splitlines()[-1].startswith("self-test FAILED")
    assert "Traceback" not in out.stdout + out.stderr
    assert "Error" not in keyring_lines[0]
    # One time-out for the keyring, not one per call: the rest of the self-test takes seconds.
    assert took < 2 * seconds, took


def test_a_secret_service_that_never_answers_ends_the_self_test_in_time() -> None:
    with hanging_secret_service() as bus:
        out, took = _self_test(bus.address)
    _assert_one_keyring_sentence(
        out,
        took,
        "FAIL keyring: Secret Service (GNOME Keyring, KWallet) did not answer a test write "
        "within {seconds:g} s (locked, or its service is not running), so the app could not "
        "keep a token there.",
    )


def test_a_session_bus_that_never_answers_ends_the_self_test_in_time() -> None:
    """keyring's detection of the backend itself waits for ever here (jeepney limits only the
    sign-in to the bus in time)."""
    with hanging_session_bus() as address:
        out, took = _self_test(address)
    _assert_one_keyring_sentence(
        out,
        took,
        "FAIL keyring: the keyring service did not answer within {seconds:g} s, so the app "
        "could not keep a token there.",
    )
