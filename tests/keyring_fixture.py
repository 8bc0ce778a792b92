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
import sys
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


def _start_bus(prefix: str) -> tuple[Path, subprocess.Popen[bytes], str]:
    """A throwaway HOME and a private dbus-daemon session bus in it: (home, daemon, address).
    Skips the test when the daemon gives no address (after stopping it)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o700)
    dbus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(home)},
    )
    assert dbus.stdout is not None
    address = dbus.stdout.readline().decode().strip()
    if not address:
        _stop_bus(home, dbus)
        pytest.skip("dbus-daemon did not start a session bus")
    return home, dbus, address


def _stop_bus(home: Path, dbus: subprocess.Popen[bytes]) -> None:
    _stop(dbus)
    if dbus.stdout is not None:
        dbus.stdout.close()
    shutil.rmtree(home, ignore_errors=True)


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
    home, dbus, address = _start_bus("solaxtray-keyring-")
    gkd: subprocess.Popen[bytes] | None = None
    try:
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
        _stop_bus(home, dbus)


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


_HANGING_SERVICE = """
import sys, time
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

conn = open_dbus_connection(sys.argv[1])
bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                  interface="org.freedesktop.DBus")
reply = conn.send_and_get_reply(new_method_call(bus, "RequestName", "su",
                                                ("org.freedesktop.secrets", 4)))
print("owned" if reply.body[0] == 1 else "not owned", flush=True)
while True:  # never reads another message, so never answers one
    time.sleep(3600)
"""


@contextlib.contextmanager
def hanging_secret_service() -> Iterator[SecretServiceBus]:
    """A private bus on which a process owns ``org.freedesktop.secrets`` and never answers: the
    bus says the service is there, and every call to it waits for ever (a hung daemon). Skips
    with a clear reason when dbus-daemon is missing."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    home, dbus, address = _start_bus("solaxtray-hung-keyring-")
    hung: subprocess.Popen[bytes] | None = None
    try:
        hung = subprocess.Popen(
            [sys.executable, "-c", _HANGING_SERVICE, address],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert hung.stdout is not None
        if hung.stdout.readline().strip() != b"owned":
            pytest.fail("the hanging stand-in could not own org.freedesktop.secrets")
        yield SecretServiceBus(address, home, dbus.pid, hung.pid)
    finally:
        if hung is not None:
            _stop(hung)
            if hung.stdout is not None:
                hung.stdout.close()
        _stop_bus(home, dbus)


@contextlib.contextmanager
def hanging_session_bus() -> Iterator[str]:
    """The address of a session bus that lets a client sign in (the SASL ``AUTH`` is answered
    ``OK``) and then never answers anything, not even the ``Hello`` every connection starts with:
    a wedged dbus-daemon. jeepney limits only the sign-in in time, so every D-Bus call, keyring's
    detection of the Secret Service included, waits for ever. Yields the address."""
    import socket
    import threading

    home = Path(tempfile.mkdtemp(prefix="solaxtray-hung-bus-"))
    path = home / "bus"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(16)
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            seen = b""
            while b"\r\n" not in seen:  # "\0AUTH EXTERNAL <uid in hex>\r\n"
                chunk = conn.recv(4096)
                if not chunk:
                    return
                seen += chunk
            conn.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")
            while conn.recv(4096):  # BEGIN, Hello and whatever follows: read, never answered
                pass

    def accept() -> None:
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, name="hanging-bus", daemon=True)
    thread.start()
    try:
        yield f"unix:path={path}"
    finally:
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        for conn in held:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        thread.join(timeout=5)
        shutil.rmtree(home, ignore_errors=True)
