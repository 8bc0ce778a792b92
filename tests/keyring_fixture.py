"""A real Secret Service for keyring tests: a private D-Bus session bus with gnome-keyring-daemon on
it, in a throwaway HOME, stopped by PID afterwards.

Why real: keyring's SecretService backend talks D-Bus through secretstorage/jeepney, and the failures
users meet (no service, a locked collection) only happen there; a mocked keyring would test nothing
of that. The daemons run once per test session (about a second to start); each test gets the bus
address in its environment, keyring pointed at the SecretService backend, and a clean "solaxtray"
service afterwards.

Registered in tests/conftest.py as a pytest plugin.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import pytest

_READY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SecretServiceBus:
    """A running private bus with gnome-keyring on it."""

    address: str
    home: Path
    dbus_pid: int
    keyring_pid: int

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that must use this Secret Service (and nothing else)."""
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        env.pop("PYTHON_KEYRING_BACKEND", None)
        return env


def _name_has_owner(address: str, name: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    with open_dbus_connection(address) as conn:
        reply = conn.send_and_get_reply(new_method_call(bus, "NameHasOwner", "s", (name,)))
    return bool(reply.body[0])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def running_secret_service(*, unlock: bool = True) -> Iterator[SecretServiceBus]:
    """Start dbus-daemon and gnome-keyring-daemon (secrets component only); skip the test with a
    clear reason when the binaries are missing.

    With ``unlock=True`` the daemon creates an unlocked "login" collection from a password on its
    stdin, as a desktop login does.
    """
    for binary in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed (apt-get install dbus gnome-keyring)")
    home = Path(tempfile.mkdtemp(prefix="solaxtray-keyring-"))
    home.chmod(0o700)
    dbus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(home)},
    )
    gkd: subprocess.Popen[bytes] | None = None
    try:
        assert dbus.stdout is not None
        address = dbus.stdout.readline().decode().strip()
        if not address:
            pytest.skip("dbus-daemon did not start a session bus")
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "DBUS_SESSION_BUS_ADDRESS": address,
        }
        args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        if unlock:
            args.insert(2, "--unlock")
        gkd = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert gkd.stdin is not None
        if unlock:
            gkd.stdin.write(b"test-login-password")
        gkd.stdin.close()
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not _name_has_owner(address, "org.freedesktop.secrets"):
            if gkd.poll() is not None or time.monotonic() > deadline:
                pytest.skip("gnome-keyring-daemon did not take org.freedesktop.secrets")
            time.sleep(0.02)
        yield SecretServiceBus(address, home, dbus.pid, gkd.pid)
    finally:
        if gkd is not None:
            _stop(gkd)
        _stop(dbus)
        if dbus.stdout is not None:
            dbus.stdout.close()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def _secret_service_session() -> Iterator[SecretServiceBus]:
    with running_secret_service(unlock=True) as bus:
        yield bus


@contextlib.contextmanager
def using_bus(bus: SecretServiceBus, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point this process's keyring at ``bus`` for the duration, then restore the previous backend.

    keyring picks and caches its backend once per process, so the test sets it explicitly.
    """
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(SecretService.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def secret_service(
    _secret_service_session: SecretServiceBus, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretServiceBus]:
    """A real, unlocked Secret Service for this test; anything stored under the service
    "solaxtray" is removed afterwards."""
    bus = _secret_service_session
    with using_bus(bus, monkeypatch):
        yield bus
        from solaxtray.core.secrets import access_token_username
        from solaxtray.core.simulator.developer import DEMO_CLIENT_ID

        for username in (
            "tokenId",
            "clientId",
            "clientSecret",
            access_token_username(DEMO_CLIENT_ID),
            access_token_username("solaxtray-test-client"),
        ):
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password("solaxtray", username)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """keyring with no usable backend, as on a machine without a Secret Service: ``fail.Keyring``."""
    from keyring.backends import fail

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/solaxtray-test-bus")
    # Subprocesses started by the test get no keyring either, on every OS (never the user's own).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    previous: keyring.backend.KeyringBackend = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the real Secret Service are marked ``keyring`` automatically, so
    ``-m "not keyring"`` deselects exactly them."""
    for item in items:
        if "secret_service" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.keyring)
