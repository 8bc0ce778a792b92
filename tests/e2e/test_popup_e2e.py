"""The detail window as a user opens it: ``solaxtray --demo`` on its own X server, a click on the
tray icon sent the way a panel sends it (StatusNotifierItem ``Activate``), and the window's
geometry read from the X server. The first opening must lie wholly on the screen."""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from jeepney import DBusAddress, MessageType, new_method_call
from jeepney.io.blocking import open_dbus_connection

from tests.e2e.desktop import ITEM_IFACE, ITEM_PATH, Desktop, DesktopError

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TITLE = "SolaX inverters"
_GEOMETRY = re.compile(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)")


def _xwininfo(desktop: Desktop, *args: str) -> str:
    result = subprocess.run(
        ["xwininfo", *args],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return result.stdout


def _window_rect(desktop: Desktop) -> tuple[int, int, int, int] | None:
    """The popup's absolute (x, y, width, height) once the X server shows it mapped."""
    for line in _xwininfo(desktop, "-root", "-tree").splitlines():
        if f'"{TITLE}"' not in line:
            continue
        match = _GEOMETRY.search(line)
        window_id = line.split()[0]
        if match is None or "IsViewable" not in _xwininfo(desktop, "-id", window_id):
            continue
        w, h, x, y = (int(v) for v in match.groups())
        return x, y, w, h
    return None


def _screen_size(desktop: Desktop) -> tuple[int, int]:
    info = _xwininfo(desktop, "-root")
    width = int(re.search(r"Width: (\d+)", info).group(1))  # type: ignore[union-attr]
    height = int(re.search(r"Height: (\d+)", info).group(1))  # type: ignore[union-attr]
    return width, height


def _activate(desktop: Desktop, service: str, x: int, y: int) -> None:
    with open_dbus_connection(bus=desktop.bus_address) as conn:
        item = DBusAddress(ITEM_PATH, bus_name=service, interface=ITEM_IFACE)
        reply = conn.send_and_get_reply(new_method_call(item, "Activate", "ii", (x, y)), timeout=5)
    if reply.header.message_type == MessageType.error:
        raise DesktopError(f"Activate on the tray item failed: {reply.body}")


def test_the_first_click_opens_the_window_wholly_on_the_screen(desktop: Desktop) -> None:
    app = desktop.start_app("--demo")
    service = desktop.wait_registered(app)["service"]
    # The icon is up before the rest of the app is wired: wait for the first data in its tooltip
    # (then a click reaches the popup).
    deadline = time.monotonic() + 20
    while not re.search(r"\d W|\d kW", str(desktop.item_properties(service).get("ToolTip"))):
        if time.monotonic() > deadline or app.proc.poll() is not None:
            raise DesktopError(f"the demo never showed its first data\n{app.output()}")
        time.sleep(0.1)
    width, height = _screen_size(desktop)
    # A panel at the top right sends the click's position; Qt's SNI path reports no icon
    # geometry, so the popup must find its place by itself.
    _activate(desktop, service, width - 20, 10)
    rect = None
    deadline = time.monotonic() + 20
    while rect is None:
        if app.proc.poll() is not None:
            raise DesktopError(f"the app exited ({app.proc.returncode})\n{app.output()}")
        if time.monotonic() > deadline:
            raise DesktopError(
                "the detail window never appeared\n"
                + _xwininfo(desktop, "-root", "-tree")
                + app.output()
            )
        rect = _window_rect(desktop)
        time.sleep(0.1)
    time.sleep(0.5)  # let any late resize land, then measure again
    rect = _window_rect(desktop) or rect
    x, y, w, h = rect
    assert x >= 0, rect
    assert y >= 0, rect
    assert x + w <= width, (rect, width)
    assert y + h <= height, (rect, height)
