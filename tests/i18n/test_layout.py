"""The longest translations fit: in every language the popup (demo data with a week of history),
the tray menu and the settings window (each API's view) fit a 1366x768 screen with a panel, and
no label or button that does not wrap its words is cut."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QAbstractButton, QLabel, QMenu, QWidget

from solaxtray.core import i18n, paths
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import FakeClock, SystemClock
from solaxtray.core.history import HistoryStore
from solaxtray.core.history.demo import seed_demo_history
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, TrayView, build_view
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.ui.popup import PopupWindow
from solaxtray.ui.settings import SettingsDialog
from solaxtray.ui.settings.secrets import SecretState
from solaxtray.ui.tray import Tray, TrayMenu

pytestmark = pytest.mark.gui

PANEL_PX = 40
FREE = QRect(0, 0, 1366, 768 - PANEL_PX)
"""A 1366x768 screen less a panel: what a window may take."""
SLACK_PX = 1
"""Rounding between a size hint and the width a layout hands out."""


def cut(root: QWidget) -> list[str]:
    """The visible labels and buttons of ``root`` narrower than their text needs (labels that
    wrap their words are exempt: they take more lines instead)."""
    found = []
    widgets: list[QLabel | QAbstractButton] = [
        *root.findChildren(QLabel),
        *root.findChildren(QAbstractButton),
    ]
    for widget in widgets:
        if not widget.isVisibleTo(root) or not widget.text():
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            continue
        if widget.sizeHint().width() > widget.width() + SLACK_PX:
            found.append(f"{widget.text()!r}: {widget.width()} < {widget.sizeHint().width()}")
    return found


def fits(size: QSize) -> bool:
    return size.width() <= FREE.width() and size.height() <= FREE.height()


@dataclass
class Demo:
    store: HistoryStore
    clock: FakeClock
    snapshots: list[tuple[str, Snapshot]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo fleet with a week of history, as the popup reads it."""
    clock = FakeClock(1_781_528_400.0)
    folder = tmp_path_factory.mktemp("layout")
    with (
        CloudSimulator.demo(clock=clock) as sim,
        HistoryStore.open(Path(folder) / "history.sqlite3", clock=clock) as store,
    ):
        seed_demo_history(store, sim)
        clock.advance(60.0)
        with SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock) as client:
            snapshots = [(sn, client.fetch(sn)) for sn in DEMO_SERIALS]
        yield Demo(store, clock, snapshots)


def _view(demo: Demo) -> TrayView:
    inputs = [InverterInput(sn, snapshot, upload_age_s=30.0) for sn, snapshot in demo.snapshots]
    return build_view(FleetInput(inverters=inputs, now=demo.clock.now(), requests_today=1234))


def test_the_cut_finder_finds_a_cut_label(qtbot: Any) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    label = QLabel("Eine ziemlich lange Beschriftung, die nicht umbricht", root)
    root.show()
    label.resize(40, label.sizeHint().height())
    assert len(cut(root)) == 1
    label.setWordWrap(True)
    assert cut(root) == []


@pytest.mark.parametrize("months", [False, True], ids=["days", "months"])
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_popup_fits_and_cuts_no_label(qtbot: Any, demo: Demo, lang: str, months: bool) -> None:
    i18n.set_language(lang)
    popup = PopupWindow(as_popup=False, history=demo.store, local_offset=lambda _at: 0.0)
    qtbot.addWidget(popup)
    popup.update_view(_view(demo))
    popup.show()
    qtbot.waitExposed(popup)
    if months:
        popup.show_months()
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    if months:
        # The year view's legend (painted, so not a label) names the marker of a month that
        # is not whole; it must not run off the chart either.
        assert popup.bars_chart.legend_width() <= popup.bars_chart.width()
    wanted = popup.sizeHint()
    assert popup.minimumSizeHint().width() <= FREE.width()
    assert popup.minimumSizeHint().height() <= FREE.height()
    popup.resize(min(wanted.width(), FREE.width()), min(wanted.height(), FREE.height()))
    qtbot.wait(10)
    assert fits(popup.size())
    checked = [w for w in popup.findChildren(QLabel) if w.isVisibleTo(popup) and w.text()]
    assert len(checked) > 20
    assert cut(popup) == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_tray_menu_fits(qtbot: Any, demo: Demo, lang: str) -> None:
    i18n.set_language(lang)
    menu = TrayMenu()
    tray = Tray(menu, lambda _v: None)
    tray.update_view(_view(demo))
    menu.set_paused("14:05")
    for shown in (menu.menu, menu.pause_menu):
        assert isinstance(shown, QMenu)
        assert fits(shown.sizeHint()), (lang, shown.sizeHint())
        # A menu is as wide as its longest entry; a third of the screen is plenty.
        assert shown.sizeHint().width() <= FREE.width() // 2, [a.text() for a in shown.actions()]


@pytest.mark.parametrize("backend", ["token", "developer"])
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_settings_window_fits_and_cuts_no_label(qtbot: Any, lang: str, backend: str) -> None:
    i18n.set_language(lang)
    dialog = SettingsDialog(
        Settings(backend=backend),
        store=SettingsStore(paths.settings_path()),
        clock=SystemClock(),
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    secrets = dialog.account.secrets
    qtbot.waitUntil(
        lambda: (
            secrets.token_state != SecretState.LOADING
            or secrets.credentials_state != SecretState.LOADING
        ),
        timeout=15_000,
    )
    dialog.fit_to_screen(FREE)
    qtbot.wait(10)
    assert fits(dialog.size())
    assert dialog.scroll_area.horizontalScrollBar().maximum() == 0
    assert cut(dialog) == []
