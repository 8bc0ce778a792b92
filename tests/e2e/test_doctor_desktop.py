"""The doctor's tray and notification checks against real desktop services on a private bus and
X server: the fake StatusNotifierWatcher and notification server (with and without them), and
trayer as a classic XEmbed tray."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from solaxtray.core.doctor.desktop import SessionProbe, check_notifications, check_tray
from solaxtray.core.doctor.model import Status
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from tests.e2e.desktop import FAKE_DESKTOP, Desktop, app_command, missing_tools, open_desktop

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Desktop]:
    """Xvfb and a private bus, nothing on it yet."""
    missing = missing_tools("Xvfb", "dbus-daemon")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt: xvfb dbus)")
    desk = open_desktop(tmp_path / "desktop", fake_desktop=False)
    try:
        yield desk
    finally:
        desk.close()


def start_fake_services(desk: Desktop, *flags: str) -> None:
    err = (desk.workdir / "fake.stderr").open("wb")
    desk._files.append(err)
    proc = subprocess.Popen(
        [sys.executable, str(FAKE_DESKTOP), "--log", str(desk.events_path), *flags],
        env=desk.env,
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,
    )
    desk._procs.append(proc)
    desk.wait_for(lambda evs: any(e["event"] == "READY" for e in evs), 10, "fake desktop")


def probe(desk: Desktop) -> SessionProbe:
    return SessionProbe(bus_address=desk.bus_address, display=desk.display)


def test_status_notifier_host_and_notification_server_pass(bare: Desktop) -> None:
    start_fake_services(bare)
    tray = check_tray(probe(bare), platform="linux")
    assert tray.status is Status.OK
    assert "org.kde.StatusNotifierWatcher" in tray.message
    notes = check_notifications(probe(bare), platform="linux")
    assert notes.status is Status.OK
    assert "fake-desktop (solaxtray-tests)" in notes.message
    assert "actions" in notes.message


def test_no_tray_and_no_notification_service_fail_with_fixes(bare: Desktop) -> None:
    start_fake_services(bare, "--no-watcher", "--no-notifications")
    tray = check_tray(probe(bare), platform="linux")
    assert tray.status is Status.FAIL
    assert "AppIndicator" in tray.fix
    notes = check_notifications(probe(bare), platform="linux")
    assert notes.status is Status.FAIL
    assert "org.freedesktop.Notifications" in notes.message


def test_notification_service_alone_is_found_without_a_tray(bare: Desktop) -> None:
    start_fake_services(bare, "--no-watcher")
    assert check_tray(probe(bare), platform="linux").status is Status.FAIL
    assert check_notifications(probe(bare), platform="linux").status is Status.OK


def test_an_xembed_tray_is_found_by_its_selection_owner(bare: Desktop) -> None:
    if missing_tools("trayer", "xwininfo"):
        pytest.skip("needs trayer and xwininfo (apt: trayer x11-utils)")
    assert check_tray(probe(bare), platform="linux").status is Status.FAIL
    bare.start_trayer()
    tray = check_tray(probe(bare), platform="linux")
    assert tray.status is Status.OK, tray
    assert "XEmbed" in tray.message


def test_a_dead_bus_is_a_sentence_within_the_time_limit(tmp_path: Path) -> None:
    dead = SessionProbe(bus_address=f"unix:path={tmp_path}/no-bus", display=":9999", timeout=1.0)
    tray = check_tray(dead, platform="linux")
    notes = check_notifications(dead, platform="linux")
    assert tray.status is Status.FAIL
    assert notes.status is Status.FAIL
    assert notes.message.endswith("shown.")


def test_solaxtray_doctor_run_as_a_user_on_the_fake_desktop(desktop: Desktop) -> None:
    """The command as a user runs it, inside a desktop session with a tray host and a
    notification service, against the simulated cloud: every check in the JSON, the desktop
    ones passing, the token nowhere in the output."""
    with CloudSimulator() as sim:
        env = {**desktop.env, "SOLAXTRAY_TOKEN": DEMO_TOKEN}
        app = desktop.spawn(
            app_command("doctor", "--json", "--api-url", sim.v1_url, "--sn", DEMO_SERIALS[0]),
            name="doctor",
            env=env,
        )
        status = app.proc.wait(timeout=60)
    out = app.stdout_path.read_text(encoding="utf-8")
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks["tray"]["status"] == "ok", app.output()
    assert checks["notifications"]["status"] == "ok"
    assert "fake-desktop" in checks["notifications"]["message"]
    assert checks[f"serial-known:{DEMO_SERIALS[0]}"]["status"] == "ok"
    assert status == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)
    assert DEMO_TOKEN not in out + app.stderr_path.read_text(encoding="utf-8")


def test_a_notification_service_without_actions_is_a_warning(bare: Desktop) -> None:
    """A minimal notification service of our own on the private bus, as dunst without actions
    configured answers: its name is reported, and the missing "actions" is a warning."""
    from jeepney import HeaderFields, MessageType
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import new_error, new_method_return

    conn = open_dbus_connection(bus=bare.bus_address)
    reply = conn.send_and_get_reply(
        message_bus.RequestName("org.freedesktop.Notifications", 0x4), timeout=5
    )
    assert reply.body[0] == 1
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                msg = conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "GetServerInformation":
                conn.send(new_method_return(msg, "ssss", ("plain-notes", "tests", "0.1", "1.2")))
            elif member == "GetCapabilities":
                conn.send(new_method_return(msg, "as", (["body"],)))
            else:
                conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        notes = check_notifications(probe(bare), platform="linux")
    finally:
        stop.set()
        worker.join(5)
        conn.close()
    assert notes.status is Status.WARN
    assert "plain-notes (tests)" in notes.message
    assert "actions" in notes.message
