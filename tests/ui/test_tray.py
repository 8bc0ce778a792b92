"""The tray's behaviour offscreen (no tray exists there): the menu and its actions, waiting for a
tray and falling back to the status window, icon updates only on change, single instance, and
the uncaught-exception dialog."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from solaxtray.core.errors import TokenRejected
from solaxtray.core.presentation import AppCondition, FleetInput, TrayView, build_view
from solaxtray.ui.app import ErrorDialogHook
from solaxtray.ui.fallback_window import FallbackWindow
from solaxtray.ui.icon import IconCache
from solaxtray.ui.single_instance import SingleInstance, instance_name
from solaxtray.ui.tray import STARTING_PLATE, STARTING_TOOLTIP, Tray, TrayMenu

pytestmark = pytest.mark.gui

MENU = ["Open details", "Refresh now", "Pause notifications", "Settings…", "Quit"]


def _view(condition: AppCondition = AppCondition.NO_CREDENTIALS) -> TrayView:
    return build_view(FleetInput(condition=condition, now=1_780_000_000.0))


def test_menu_has_every_action_with_stable_labels(qtbot: Any) -> None:
    menu = TrayMenu()
    assert menu.labels() == MENU
    pause = [a.text() for a in menu.pause_menu.actions()]
    assert pause == ["For 1 hour", "Until tomorrow", "Resume notifications"]


@pytest.mark.parametrize(
    ("label", "signal"),
    [
        ("Open details", "open_details"),
        ("Refresh now", "refresh"),
        ("Settings…", "settings"),
        ("Quit", "quit"),
        ("For 1 hour", "pause_hour"),
        ("Until tomorrow", "pause_tomorrow"),
    ],
)
def test_each_menu_action_emits_its_signal(qtbot: Any, label: str, signal: str) -> None:
    menu = TrayMenu()
    others = [
        getattr(menu, s) for s in ("open_details", "refresh", "settings", "quit") if s != signal
    ]
    with qtbot.waitSignal(getattr(menu, signal), timeout=1000):
        for other in others:
            other.connect(lambda: pytest.fail("wrong signal"))
        menu.action(label).trigger()


def test_resume_is_offered_only_while_paused(qtbot: Any) -> None:
    menu = TrayMenu()
    assert not menu.resume_action.isEnabled()
    menu.set_paused("Tue 14:05")
    assert menu.resume_action.isEnabled()
    assert "14:05" in menu.resume_action.text()
    with qtbot.waitSignal(menu.resume, timeout=1000):
        menu.resume_action.trigger()
    menu.set_paused(None)
    assert not menu.resume_action.isEnabled()


def test_without_a_tray_it_retries_then_gives_up(qtbot: Any) -> None:
    asked: list[int] = []

    def no_tray() -> bool:
        asked.append(1)
        return False

    menu = TrayMenu()
    tray = Tray(menu, lambda _v: None, wait_s=0.5, retry_ms=100, tray_available=no_tray)
    with qtbot.waitSignal(tray.unavailable, timeout=10_000):
        tray.start()
    assert len(asked) >= 2  # it looked again before giving up
    assert not tray.visible


def test_a_tray_appearing_late_is_used(qtbot: Any, caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([False, True])
    tray = Tray(
        TrayMenu(), lambda _v: None, wait_s=30.0, retry_ms=100, tray_available=lambda: next(answers)
    )
    caplog.set_level(logging.INFO)
    with qtbot.waitSignal(tray.shown, timeout=10_000), qtbot.assertNotEmitted(tray.unavailable):
        tray.start()
    assert "tray icon shown" in caplog.text


def test_a_tray_appearing_after_the_fallback_gets_a_new_icon_object(qtbot: Any) -> None:
    """Qt chooses the D-Bus or XEmbed path when a QSystemTrayIcon is created: an icon made while
    there was no tray would never reach the tray that starts later."""
    tray_exists = False
    menu = TrayMenu()
    tray = Tray(
        menu,
        lambda _v: None,
        wait_s=0.2,
        retry_ms=100,
        late_poll_ms=200,
        tray_available=lambda: tray_exists,
    )
    tray.show_starting()
    with qtbot.waitSignal(tray.unavailable, timeout=10_000):
        pass
    before = tray.icon
    tray_exists = True
    with qtbot.waitSignal(tray.shown, timeout=10_000):
        pass
    assert tray.icon is not before
    assert tray.icon.contextMenu() is menu.menu
    assert tray.icon.toolTip() == STARTING_TOOLTIP
    assert not tray.icon.icon().isNull()
    tray.hide()


def test_icon_is_replaced_only_when_the_picture_changes(qtbot: Any) -> None:
    cache = IconCache(sizes=(16, 22), dprs=(1.0,))
    tray = Tray(TrayMenu(), lambda v: cache.update(v, dark_panel=True))
    tray.update_view(_view())
    tray.update_view(_view())
    assert tray.icon_updates == 1
    assert not tray.icon.icon().isNull()
    tray.update_view(_view(AppCondition.CREDENTIALS_REJECTED))
    assert tray.icon_updates == 2
    assert tray.icon.toolTip().splitlines()[0] == _view().tooltip_lines[0]
    assert "Token rejected" in tray.icon.toolTip()


def test_fallback_window_says_how_to_get_a_tray_and_offers_the_actions(qtbot: Any) -> None:
    menu = TrayMenu()
    window = FallbackWindow(menu)
    qtbot.addWidget(window)
    window.update_view(_view())
    assert "AppIndicator" in window.help_label.text()
    assert "Setup needed" in window.status_label.text()
    assert sorted(window.buttons) == sorted(["Open details", "Refresh now", "Settings…", "Quit"])
    with qtbot.waitSignal(menu.quit, timeout=1000):
        window.buttons["Quit"].click()


def test_second_instance_knocks_and_first_one_shows_up(qtbot: Any, isolated_dirs: Any) -> None:
    name = instance_name(isolated_dirs / "data")
    first = SingleInstance(name)
    assert first.claim()
    second = SingleInstance(name)
    with qtbot.waitSignal(first.activated, timeout=5000):
        assert not second.claim()
    first.release()
    # Once the first is gone, a new launch becomes the running instance.
    third = SingleInstance(name)
    assert third.claim()
    third.release()


def test_instance_name_differs_per_data_dir(tmp_path: Any) -> None:
    assert instance_name(tmp_path / "a") != instance_name(tmp_path / "b")
    assert instance_name(tmp_path / "a") == instance_name(tmp_path / "a")


def test_uncaught_exception_is_logged_and_shown_once(
    qtbot: Any, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    hook = ErrorDialogHook(tmp_path / "solaxtray.log")
    hook.install()
    try:
        assert sys.excepthook is hook
        for _ in range(2):
            try:
                raise RuntimeError("boom in a slot")
            except RuntimeError:
                hook(*sys.exc_info())
    finally:
        hook.uninstall()
    assert sys.excepthook is not hook
    assert caplog.text.count("boom in a slot") >= 2  # logged every time
    dialog = hook.dialog
    assert dialog is not None  # shown once
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert "log file" in dialog.text()
    assert "boom" not in dialog.text()  # the user reads a sentence, not a traceback
    assert QApplication.instance() is not None


def test_a_user_facing_error_escaping_is_shown_in_its_own_words(qtbot: Any, tmp_path: Any) -> None:
    hook = ErrorDialogHook(None)
    error = TokenRejected("The cloud refused the token.")
    hook(TokenRejected, error, None)
    assert hook.dialog is not None
    qtbot.addWidget(hook.dialog)
    assert hook.dialog.text() == "Token rejected: The cloud refused the token."


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes: no probe without QtNetwork")
def test_the_cheap_probe_finds_a_running_instance_and_only_that(
    qtbot: Any, isolated_dirs: Any
) -> None:
    name = instance_name(isolated_dirs / "data")
    assert SingleInstance(name).probe() is False
    first = SingleInstance(name)
    assert first.claim()
    assert SingleInstance(name).probe() is True
    first.release()
    assert SingleInstance(name).probe() is False


def test_the_starting_icon_is_up_at_once_with_a_tooltip_saying_so(qtbot: Any) -> None:
    menu = TrayMenu()
    tray = Tray(menu, tray_available=lambda: True)
    tray.show_starting()
    assert tray.icon.toolTip() == STARTING_TOOLTIP
    image = tray.icon.icon().pixmap(32, 32).toImage()
    assert image.width() == 32
    assert image.pixelColor(0, 0).alpha() == 0  # round: the corners are clear
    assert image.pixelColor(16, 6).name() == STARTING_PLATE  # the plate, above the dots
    assert image.pixelColor(16, 16).name() == "#ffffff"  # the middle dot
    # The app taking over draws its own picture and tooltip from then on.
    tray.set_renderer(lambda view: IconCache().update(view, dark_panel=True, template=False))
    tray.update_view(_view())
    assert tray.icon.toolTip() != STARTING_TOOLTIP
    assert tray.icon_updates == 1
    tray.start()  # already up: not a second show
    tray.hide()


def test_menu_opens_with_a_live_status_line(qtbot: Any) -> None:
    """The first menu entry is the fleet now and today, disabled, and follows every view."""
    from datetime import UTC, datetime

    from solaxtray.core.models import Snapshot
    from solaxtray.core.presentation import InverterInput

    def producing(watts: float, kwh: float) -> TrayView:
        snap = Snapshot(
            sn="SNA0000001",
            fetched_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
            ac_power=watts,
            pv_power=(watts, None, None, None),
            soc=28.0,
            bat_power=100.0,
            yield_today=kwh,
            upload_time=datetime(2026, 6, 1, 12),
        )
        inverter = InverterInput(sn=snap.sn, snapshot=snap, upload_age_s=30.0)
        return build_view(FleetInput(inverters=(inverter,), now=1_780_000_000.0))

    menu = TrayMenu()
    tray = Tray(menu, lambda _v: None)
    first = menu.menu.actions()[0]
    assert not first.isEnabled()
    assert menu.menu.actions()[1].isSeparator()
    tray.update_view(producing(2300.0, 25.6))
    assert first.text() == "2.3 kW · 28 % · 25.6 kWh today"
    assert "25.6 kWh today" in tray.icon.toolTip()
    tray.update_view(producing(2450.0, 25.8))
    assert menu.menu.actions()[0].text() == "2.5 kW · 28 % · 25.8 kWh today"
    assert not menu.menu.actions()[0].isEnabled()
    tray.update_view(_view())
    assert menu.menu.actions()[0].text() == "Setup needed"
    assert menu.labels() == MENU
