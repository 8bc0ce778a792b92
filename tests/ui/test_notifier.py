"""Notifications received for real: a private D-Bus session with a small fake
org.freedesktop.Notifications server written here (jeepney), which records every Notify call."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.settings import NotifySettings
from solaxtray.ui.notifier import (
    NOTIFY_SIGNATURE,
    DBusNotifications,
    Notifier,
    dbus_notify,
)

pytestmark = pytest.mark.gui

WAIT_MS = 10_000
NAME = "org.freedesktop.Notifications"


@dataclass
class FakeNotificationServer:
    """Owns org.freedesktop.Notifications on the bus and records each Notify call."""

    address: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _clicks: list[tuple[int, str, bool]] = field(default_factory=list)
    _senders: dict[int, str] = field(default_factory=dict)

    def click(self, notification_id: int, action: str = "default", *, unicast: bool) -> None:
        """Send ``ActionInvoked`` as a daemon does when the user clicks: to every listener, or
        (``unicast``) only to the connection that sent the notification, as some daemons do."""
        self._clicks.append((notification_id, action, unicast))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "fake notification server did not start"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _serve(self) -> None:
        from jeepney import DBusAddress, HeaderFields, MessageType, new_signal
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import new_error, new_method_return

        with open_dbus_connection(self.address) as conn:
            reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 0x4))
            assert reply.body[0] == 1
            self._ready.set()
            next_id = 0
            while not self._stop.is_set():
                while self._clicks:
                    notification_id, action, unicast = self._clicks.pop(0)
                    signal = new_signal(
                        DBusAddress("/org/freedesktop/Notifications", interface=NAME),
                        "ActionInvoked",
                        "us",
                        (notification_id, action),
                    )
                    if unicast:
                        signal.header.fields[HeaderFields.destination] = self._senders[
                            notification_id
                        ]
                    conn.send(signal)
                try:
                    msg = conn.receive(timeout=0.1)
                except TimeoutError:
                    continue
                fields_ = msg.header.fields
                if msg.header.message_type != MessageType.method_call:
                    continue
                member = fields_.get(HeaderFields.member)
                signature = fields_.get(HeaderFields.signature)
                if member == "Notify" and signature == NOTIFY_SIGNATURE:
                    app, _replaces, _icon, summary, body, actions, hints, timeout = msg.body
                    next_id += 1
                    self._senders[next_id] = str(fields_.get(HeaderFields.sender))
                    self.calls.append(
                        {
                            "id": next_id,
                            "actions": list(actions),
                            "app": app,
                            "summary": summary,
                            "body": body,
                            "urgency": hints.get("urgency", ("y", None))[1],
                            "signature": signature,
                            "timeout": timeout,
                        }
                    )
                    conn.send(new_method_return(msg, "u", (next_id,)))
                elif member == "Notify":
                    # What real daemons do with a wrong signature.
                    self.calls.append({"rejected_signature": signature})
                    conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs"))
                else:
                    conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))


@pytest.fixture
def session_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private dbus-daemon session bus, set as this process's session bus."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon (apt install dbus)")
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield address
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.fixture
def notifications(session_bus: str) -> Iterator[FakeNotificationServer]:
    server = FakeNotificationServer(session_bus)
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class FakeAlert:
    kind: str
    severity: str
    sn: str | None
    title: str
    body: str


FAULT = FakeAlert(
    "fault",
    "critical",
    "ABC1234567",
    "X3-Hybrid-G4 · SN ABC1234567 — Fault Mode",
    "The inverter reports Fault Mode since 14:02.",
)
EPS = FakeAlert(
    "eps", "warning", "ABC1234567", "X3-Hybrid-G4 · SN ABC1234567 — EPS Mode", "Grid outage."
)
RECOVERY = FakeAlert(
    "recovery", "info", "ABC1234567", "X3-Hybrid-G4 · SN ABC1234567 — Normal Mode", "Back."
)


def _paused_until(notifier: Notifier) -> float | None:
    return notifier.paused_until


def _notifier(**kwargs: Any) -> Notifier:
    return Notifier(clock=kwargs.pop("clock", FakeClock()), sender=dbus_notify, **kwargs)


def test_fault_notifies_with_critical_urgency_and_exact_signature(
    qtbot: Any, notifications: FakeNotificationServer
) -> None:
    notifier = _notifier()
    with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
        assert notifier.notify(FAULT)
    (call,) = notifications.calls
    assert call["signature"] == "susssasa{sv}i"
    assert call["summary"] == FAULT.title
    assert "Fault Mode" in call["summary"]
    assert "ABC1234567" in call["summary"]
    assert call["body"] == FAULT.body
    assert call["urgency"] == 2
    assert call["timeout"] == 0  # a fault stays until dismissed


@pytest.mark.parametrize(("alert", "urgency"), [(EPS, 1), (RECOVERY, 0)])
def test_urgency_follows_severity(
    qtbot: Any, notifications: FakeNotificationServer, alert: FakeAlert, urgency: int
) -> None:
    notifier = _notifier()
    with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
        notifier.notify(alert)
    assert [c["urgency"] for c in notifications.calls] == [urgency]


def test_pause_is_honoured_until_it_ends(qtbot: Any, notifications: FakeNotificationServer) -> None:
    clock = FakeClock()
    notifier = _notifier(clock=clock)
    notifier.pause_for(3600)
    assert _paused_until(notifier) == clock.now() + 3600
    assert not notifier.notify(FAULT)
    clock.advance(3601)  # the hour is over
    assert _paused_until(notifier) is None
    with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
        assert notifier.notify(EPS)
    assert [c["summary"] for c in notifications.calls] == [EPS.title]


def test_pause_until_tomorrow_and_resume(qtbot: Any, notifications: FakeNotificationServer) -> None:
    clock = FakeClock()
    notifier = _notifier(clock=clock)
    with qtbot.waitSignal(notifier.pause_changed, timeout=WAIT_MS):
        notifier.pause_until_tomorrow()
    until = notifier.paused_until
    assert until is not None
    assert 0 < until - clock.now() <= 24 * 3600
    assert not notifier.notify(FAULT)
    notifier.resume()
    with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
        assert notifier.notify(FAULT)
    assert len(notifications.calls) == 1


def test_kinds_switched_off_in_settings_do_not_notify(
    qtbot: Any, notifications: FakeNotificationServer
) -> None:
    choices = NotifySettings(eps=False)
    notifier = _notifier(kind_enabled=choices.enabled)
    assert not notifier.notify(EPS)
    with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
        assert notifier.notify(FAULT)
    assert [c["summary"] for c in notifications.calls] == [FAULT.title]


def test_no_notification_service_does_not_break_the_app(
    qtbot: Any, session_bus: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody owns org.freedesktop.Notifications: the call fails off the GUI thread, the tray
    balloon is the fallback (no tray offscreen: logged), and nothing is delivered. The missing
    service is said once, in a sentence, however many alerts follow."""
    caplog.set_level(logging.INFO, logger="solaxtray.ui.notifier")
    notifier = _notifier()

    def fell_back(times: int) -> bool:
        said = [r for r in caplog.records if "no way to show a notification" in r.getMessage()]
        return len(said) == times and all(FAULT.title in r.getMessage() for r in said)

    with qtbot.assertNotEmitted(notifier.delivered):
        notifier.notify(FAULT)
        qtbot.waitUntil(lambda: fell_back(1), timeout=WAIT_MS)
        notifier.notify(FAULT)
        qtbot.waitUntil(lambda: fell_back(2), timeout=WAIT_MS)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Traceback" not in warnings[0].getMessage()
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == session_bus


@pytest.mark.parametrize("unicast", [False, True], ids=["broadcast", "to-the-sender"])
def test_a_click_on_a_notification_asks_for_the_details(
    qtbot: Any, notifications: FakeNotificationServer, unicast: bool
) -> None:
    sender = DBusNotifications()
    notifier = Notifier(clock=FakeClock(), sender=sender)
    try:
        with qtbot.waitSignal(notifier.delivered, timeout=WAIT_MS):
            notifier.notify(FAULT)
        call = notifications.calls[-1]
        assert call["actions"][0] == "default"
        with qtbot.assertNotEmitted(notifier.clicked, wait=500):
            notifications.click(call["id"] + 100, unicast=False)  # someone else's notification
            notifications.click(call["id"], "dismissed-button", unicast=False)
        with qtbot.waitSignal(notifier.clicked, timeout=WAIT_MS):
            notifications.click(call["id"], unicast=unicast)
    finally:
        sender.close()


def test_no_notification_service_is_one_sentence_logged_once(
    qtbot: Any, session_bus: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody owns org.freedesktop.Notifications: one plain sentence, once, not the bus's error
    tuple on every alert."""
    caplog.set_level(logging.INFO, logger="solaxtray.ui.notifier")
    sender = DBusNotifications()
    notifier = Notifier(clock=FakeClock(), sender=sender)
    try:
        with qtbot.assertNotEmitted(notifier.delivered):
            notifier.notify(FAULT)
            notifier.notify(EPS)
            qtbot.waitUntil(
                lambda: caplog.text.count("no way to show a notification") == 2, timeout=WAIT_MS
            )
    finally:
        sender.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "No notification service is running on this desktop, so alerts appear only in SolaX "
        "Tray itself."
    ]
    assert "org.freedesktop.DBus.Error" not in caplog.text
