"""The tray app as a Linux user meets it, checked from outside.

Each test runs ``python -m solaxtray`` as a subprocess on its own Xvfb and private session bus
(desktop.py), pointed at the project's simulator (real HTTP on 127.0.0.1 in this process, on the
system clock). What the tests look at is only what a desktop receives: the StatusNotifierItem's
properties and menu over D-Bus, Notify calls, and the pixels of a classic XEmbed tray on screen.

The app's polls are driven by clicking "Refresh now" in its tray menu over D-Bus, as a user would;
the app's own request budget still applies, so the tests stay far under the simulator's quota.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solaxtray import APP_NAME
from solaxtray.core.paths import SETTINGS_FILE
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import (
    DEMO_TOKEN,
    CloudSimulator,
    Outcome,
    SimRequest,
)
from tests.e2e.desktop import (
    AppProcess,
    Desktop,
    DesktopError,
    Event,
    embedded_icon_rect,
    grab_screen,
)
from tests.e2e.plant import SN, UPLOAD_S, hybrid_cloud

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

INVERTER_TITLE = "X3-Hybrid-G4"
FAULT = 103
NORMAL = 102
WAIT = 100
RECOVERY_UPLOADS_MAX = 3
"""Fresh Normal Mode uploads the test waits through for the recovery notification."""
MENU_LABELS = ("Open details", "Refresh now", "Pause notifications", "Settings", "Quit")
"""The menu a user needs where the panel never delivers a left click (GNOME's AppIndicator)."""


@pytest.fixture
def cloud() -> Iterator[CloudSimulator]:
    with hybrid_cloud() as sim:
        yield sim


def _start(desktop: Desktop, cloud: CloudSimulator) -> AppProcess:
    """The app with the simulator's URL, one serial and the token in the environment. The plain
    poll interval is slow (60 s) so that the tests' Refresh now clicks decide when the app asks,
    inside its budget of 9 requests a minute."""
    settings_file = Path(desktop.env["XDG_CONFIG_HOME"]) / APP_NAME / SETTINGS_FILE
    SettingsStore(settings_file).save(Settings(poll_interval_s=60))
    env = dict(desktop.env, SOLAXTRAY_TOKEN=DEMO_TOKEN)
    return desktop.start_app("--api-url", cloud.v1_url, "--sn", SN, env=env)


def _answered(cloud: CloudSimulator) -> list[SimRequest]:
    """The simulator's records of successful answers for our serial."""
    return [r for r in cloud.requests if r.sn == SN and r.result == Outcome.OK]


def _wait_answers(
    cloud: CloudSimulator, count: int, app: AppProcess, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while len(_answered(cloud)) < count:
        if app.proc.poll() is not None:
            raise DesktopError(f"the app exited ({app.proc.returncode})\n{app.output()}")
        if time.monotonic() > deadline:
            raise DesktopError(
                f"the simulator answered {len(_answered(cloud))} of {count} requests in {timeout} s; "
                f"records: {cloud.requests[-10:]}\n{app.output()}"
            )
        time.sleep(0.05)


def _wait_next_upload(cloud: CloudSimulator) -> None:
    """Wait until the simulated dongle has uploaded once more (what the cloud will now answer)."""
    reading = cloud.current_reading(SN)
    assert reading is not None
    previous = reading.upload_epoch
    deadline = time.monotonic() + 2 * UPLOAD_S
    while time.monotonic() < deadline:
        reading = cloud.current_reading(SN)
        if reading is not None and reading.upload_epoch > previous:
            return
        time.sleep(0.1)
    raise DesktopError(f"the simulator made no upload within {2 * UPLOAD_S} s")


def _refresh(desktop: Desktop, service: str) -> None:
    desktop.click_menu(service, "Refresh now")


def _poll_next_upload(
    desktop: Desktop, service: str, cloud: CloudSimulator, app: AppProcess
) -> None:
    """Wait for the dongle's next upload, then make the app fetch it (Refresh now) and wait until
    the simulator has answered."""
    _wait_next_upload(cloud)
    answered = len(_answered(cloud))
    _refresh(desktop, service)
    _wait_answers(cloud, answered + 1, app)


def _notifications(desktop: Desktop) -> list[Event]:
    return [e for e in desktop.events() if e["event"] == "notify"]


def _opaque_pixels(pixmaps: list[tuple[int, int, bytes]]) -> int:
    width, height, data = max(pixmaps, key=lambda p: p[0] * p[1])
    return sum(1 for i in range(0, width * height * 4, 4) if data[i] > 0)  # ARGB: alpha first


def _changed_pixels(a: list[tuple[int, int, bytes]], b: list[tuple[int, int, bytes]]) -> int:
    (wa, ha, da), (wb, hb, db) = (max(p, key=lambda q: q[0] * q[1]) for p in (a, b))
    if (wa, ha) != (wb, hb):
        return wa * ha
    return sum(1 for i in range(0, wa * ha * 4, 4) if da[i : i + 4] != db[i : i + 4])


def _settled_pixmaps(
    desktop: Desktop, service: str, quiet_s: float = 0.6, timeout: float = 10.0
) -> list[tuple[int, int, bytes]]:
    """The icon once it has stopped changing for ``quiet_s`` (a fetch's result is drawn on the
    GUI thread a moment after the HTTP answer left the simulator)."""
    deadline = time.monotonic() + timeout
    last = desktop.icon_pixmaps(service)
    stable_since = time.monotonic()
    while time.monotonic() - stable_since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.1)
        now = desktop.icon_pixmaps(service)
        if now != last:
            last, stable_since = now, time.monotonic()
    return last


def test_registers_item_whose_icon_follows_power(desktop: Desktop, cloud: CloudSimulator) -> None:
    app = _start(desktop, cloud)
    registered = desktop.wait_registered(app)
    service = registered["service"]
    props = desktop.item_properties(service)
    assert props["Id"] == "solaxtray"

    _wait_answers(cloud, 1, app)
    before = _settled_pixmaps(desktop, service)
    assert before, "the item has no IconPixmap"
    assert _opaque_pixels(before) > 20, "the icon read back over D-Bus is blank"
    # Time alone may move the data-age arc; measure that drift over the same few seconds.
    time.sleep(1.0)
    drift = _changed_pixels(before, _settled_pixmaps(desktop, service))
    tooltip_before = desktop.item_properties(service)["ToolTip"][2]
    assert not re.search(r"(?<![\d.])0 W", tooltip_before), tooltip_before

    # The inverter stops converting (Wait Mode): its AC power drops from kilowatts to 0 W.
    cloud.script_status(SN, [(0.0, WAIT)])
    _wait_next_upload(cloud)
    answered = len(_answered(cloud))
    _refresh(desktop, service)
    _wait_answers(cloud, answered + 1, app)
    after = _settled_pixmaps(desktop, service)
    changed = _changed_pixels(before, after)
    # A few pixels may move with the data-age arc; a new power figure redraws the text.
    assert changed > max(2 * drift, _opaque_pixels(before) // 20), (
        f"the icon barely changed with the power ({changed} pixels; {drift} from time alone)"
    )
    tooltip_after = desktop.item_properties(service)["ToolTip"][2]
    assert tooltip_after != tooltip_before
    assert re.search(r"(?<![\d.])0 W", tooltip_after), tooltip_after
    saved = [e for e in desktop.events() if e["event"] == "item_props" and e.get("saved_png")]
    assert len({e["IconPixmapSha256"] for e in saved}) >= 2, "the panel never saw a new icon"


def test_menu_starts_with_the_fleet_now_and_today(desktop: Desktop, cloud: CloudSimulator) -> None:
    """What a GNOME user sees first in the menu, read through dbusmenu as the panel reads it."""
    app = _start(desktop, cloud)
    service = desktop.wait_registered(app)["service"]
    _wait_answers(cloud, 1, app)
    deadline = time.monotonic() + 10
    while True:
        first = desktop.menu_items(service)[0][1]
        tooltip = desktop.item_properties(service)["ToolTip"][2]
        if "kWh today" in first or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert re.fullmatch(r"[\d.]+ k?W · \d+ % · [\d.]+ kWh today", first), first
    assert tooltip.splitlines()[0] == f"SolaX · {first}", tooltip


def _wait_status(
    desktop: Desktop, service: str, wanted: str, app: AppProcess, timeout: float = 10.0
) -> None:
    """Wait until the item's ``Status`` property, read as a panel reads it, is ``wanted``."""
    deadline = time.monotonic() + timeout
    while (status := desktop.item_properties(service).get("Status")) != wanted:
        if app.proc.poll() is not None or time.monotonic() > deadline:
            raise DesktopError(f"the item's Status is {status!r}, not {wanted!r}\n{app.output()}")
        time.sleep(0.1)


def test_fault_and_recovery_notify_once_each(desktop: Desktop, cloud: CloudSimulator) -> None:
    """Also the item's Status: NeedsAttention during the fault, Active before and after."""
    app = _start(desktop, cloud)
    service = desktop.wait_registered(app)["service"]
    _wait_answers(cloud, 1, app)
    _wait_status(desktop, service, "Active", app)

    cloud.script_status(SN, [(0.0, FAULT)])
    _poll_next_upload(desktop, service, cloud, app)
    desktop.wait_for(
        lambda evs: any(e["event"] == "notify" for e in evs), 25.0, "fault notification", app
    )
    fault_notes = _notifications(desktop)
    assert len(fault_notes) == 1, fault_notes
    note = fault_notes[0]
    text = f"{note['summary']} {note['body']}"
    assert "Fault Mode" in text
    assert SN in text
    assert INVERTER_TITLE in text
    assert note["signature"] == "susssasa{sv}i"
    assert note["hints"].get("urgency") == 2, "a fault is a critical notification"
    _wait_status(desktop, service, "NeedsAttention", app)
    status_props = desktop.item_properties(service)
    assert status_props["Id"] == "solaxtray"  # the rest of the item still answers
    assert any(e["event"] == "item_signal" and e["member"] == "NewStatus" for e in desktop.events())
    labels = [label for _id, label in desktop.menu_items(service)]
    assert any(label.startswith("Refresh now") for label in labels), labels

    # Recovery: uploads report Normal Mode again. The alert rules may want more than one fresh
    # Normal Mode upload before they call it a recovery, so poll upload after upload.
    cloud.script_status(SN, [(0.0, NORMAL)])
    for attempt in range(1, RECOVERY_UPLOADS_MAX + 1):
        _poll_next_upload(desktop, service, cloud, app)
        try:
            desktop.wait_for(
                lambda evs: sum(e["event"] == "notify" for e in evs) >= 2,
                2.0,
                "recovery notification",
                app,
            )
            break
        except DesktopError:
            if attempt == RECOVERY_UPLOADS_MAX:
                raise

    _wait_status(desktop, service, "Active", app)
    # One more upload and poll of the same Normal Mode: nothing new may be announced.
    _poll_next_upload(desktop, service, cloud, app)
    time.sleep(1.0)
    notes = _notifications(desktop)
    assert len(notes) == 2, [(n["summary"], n["body"]) for n in notes]
    recovery_text = f"{notes[1]['summary']} {notes[1]['body']}"
    assert SN in recovery_text
    assert "Fault Mode" not in notes[1]["summary"]
    assert not [e for e in desktop.events() if e["event"] == "notify_rejected"]


def test_menu_quit_ends_the_app_with_status_zero(desktop: Desktop, cloud: CloudSimulator) -> None:
    app = _start(desktop, cloud)
    service = desktop.wait_registered(app)["service"]
    labels = [label for _id, label in desktop.menu_items(service)]
    for wanted in MENU_LABELS:
        assert any(label.startswith(wanted) for label in labels), (wanted, labels)
    desktop.click_menu(service, next(label for label in labels if label.startswith("Quit")))
    try:
        status = app.proc.wait(10)
    except subprocess.TimeoutExpired as exc:
        raise DesktopError(f"Quit did not end the app within 10 s\n{app.output()}") from exc
    assert status == 0, app.output()
    # The log file is set up only after the icon is shown; what was logged before still reaches it.
    assert app.log_path is not None
    log = app.log_path.read_text(encoding="utf-8")
    assert "solaxtray.ui.tray " in log, log
    assert "solaxtray stopped" in log, log


def test_a_start_that_fails_before_the_icon_says_why_and_logs_it(desktop: Desktop) -> None:
    app = desktop.start_app("--api-url", "no such server")
    try:
        status = app.proc.wait(30)
    except subprocess.TimeoutExpired as exc:
        raise DesktopError(f"a bad --api-url did not end the app\n{app.output()}") from exc
    err = app.stderr_path.read_text(encoding="utf-8").strip()
    assert status == 2, app.output()
    assert len(err.splitlines()) == 1, err  # one sentence (title: message), no traceback
    title, _, message = err.partition(": ")
    assert title, err
    assert message, err
    assert app.log_path is not None
    assert app.log_path.exists(), "the failure was not logged"
    assert message in app.log_path.read_text(encoding="utf-8")
    assert not [e for e in desktop.events() if e["event"] == "item_registered"]


def test_classic_xembed_tray_shows_the_icon(bare_desktop: Desktop, cloud: CloudSimulator) -> None:
    """No StatusNotifierWatcher on the bus: Qt docks into trayer through XEmbed."""
    from PySide6.QtGui import QImage

    bare_desktop.start_trayer()
    app = _start(bare_desktop, cloud)
    _wait_answers(cloud, 1, app)
    rect = None
    deadline = time.monotonic() + 20
    while rect is None:
        if app.proc.poll() is not None:
            raise DesktopError(f"the app exited ({app.proc.returncode})\n{app.output()}")
        if time.monotonic() > deadline:
            raise DesktopError(
                "the icon was never embedded in trayer's panel\n"
                + bare_desktop.window_tree()
                + app.output()
            )
        rect = embedded_icon_rect(bare_desktop.window_tree(), "solaxtray")
        time.sleep(0.1)
    x, y, w, h = rect
    screenshot = bare_desktop.workdir / "screen.png"
    deadline = time.monotonic() + 10
    while True:  # the first paint after docking may come a moment later
        grab_screen(bare_desktop, screenshot)
        image = QImage(str(screenshot))
        assert not image.isNull()
        background = image.pixelColor(x, y)  # a corner of the slot: the panel shows through
        drawn = sum(
            1
            for i in range(w)
            for j in range(h)
            if _distance(image.pixelColor(x + i, y + j), background) > 90
        )
        if drawn > 20 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert drawn > 20, f"only {drawn} drawn pixels in the tray slot {w}x{h}+{x}+{y} ({screenshot})"


def _distance(a: Any, b: Any) -> int:
    return int(abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()))


def _viewable_windows_titled(desktop: Desktop, title: str) -> list[str]:
    """Ids of the top-level windows named ``title`` that are mapped on screen now."""
    ids = re.findall(rf'^\s+(0x[0-9a-f]+) "{re.escape(title)}":', desktop.window_tree(), re.M)
    viewable = []
    for window_id in ids:
        info = subprocess.run(
            ["xwininfo", "-id", window_id],
            env=desktop.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
        if "IsViewable" in info:
            viewable.append(window_id)
    return viewable


def _wait_until(what: str, app: AppProcess, timeout: float, predicate: Any) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if app.proc.poll() is not None:
            raise DesktopError(f"the app exited ({app.proc.returncode})\n{app.output()}")
        if time.monotonic() > deadline:
            raise DesktopError(f"no {what} within {timeout} s\n{app.output()}")
        time.sleep(0.1)


def test_no_tray_shows_the_status_window_at_once_then_moves_to_a_tray_that_starts_later(
    bare_desktop: Desktop, cloud: CloudSimulator
) -> None:
    """No StatusNotifierWatcher and no XEmbed tray: one line on the terminal and the status window
    within seconds (not after a minute); then a panel starts, and the icon registers with it and
    the status window goes."""
    from solaxtray.ui.windows import NO_TRAY_LINE, TRAY_APPEARED_LINE

    app = _start(bare_desktop, cloud)

    def stderr() -> str:
        return app.stderr_path.read_text(encoding="utf-8", errors="replace")

    _wait_until("line about the missing tray", app, 15.0, lambda: NO_TRAY_LINE in stderr())
    _wait_until(
        "status window", app, 10.0, lambda: _viewable_windows_titled(bare_desktop, "SolaX Tray")
    )
    assert not [e for e in bare_desktop.events() if e["event"] == "item_registered"]

    bare_desktop.start_fake_desktop()
    bare_desktop.wait_registered(app, timeout=20.0)
    _wait_until(
        "status window closed",
        app,
        10.0,
        lambda: not _viewable_windows_titled(bare_desktop, "SolaX Tray"),
    )
    assert TRAY_APPEARED_LINE in stderr()
    assert stderr().count(NO_TRAY_LINE) == 1
    assert app.proc.poll() is None
