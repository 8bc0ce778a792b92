"""The popup as a dashboard over a real history file: today's figures, the curve and the bars
read by mouse and keyboard, the disclosures, the close keys, accessible names and focus."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from solaxtray.core.history import HistoryStore
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, TrayView, build_view
from solaxtray.ui.popup import PopupWindow
from tests.dashboard_history import filled_history, plant_moment

pytestmark = pytest.mark.gui

TODAY = date(2026, 6, 15)
A, B = "SWAAAAAAA1", "SWBBBBBBB2"
UTC_PLUS_ONE = 3600.0


def view_of(newest: dict[str, Snapshot], now: float) -> TrayView:
    inverters = [
        InverterInput(
            sn=sn,
            snapshot=s,
            upload_age_s=now - (s.fetched_at.timestamp() - 20.0),
            next_poll_at=now + 40.0,
        )
        for sn, s in newest.items()
    ]
    return build_view(
        FleetInput(
            inverters=inverters, now=now, requests_today=42, local_offset=lambda _: UTC_PLUS_ONE
        )
    )


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Snapshot]]:
    path = tmp_path_factory.mktemp("dashboard-ui") / "history.sqlite3"
    store, newest = filled_history(path, (A, B), TODAY, days=29, gap_day=TODAY - timedelta(days=3))
    store.close()
    return path, newest


@pytest.fixture
def store(history_file: tuple[Path, dict[str, Snapshot]]) -> Iterator[HistoryStore]:
    with HistoryStore.open(history_file[0]) as opened:
        yield opened


@pytest.fixture
def dashboard(
    qtbot: QtBot, store: HistoryStore, history_file: tuple[Path, dict[str, Snapshot]]
) -> PopupWindow:
    window = PopupWindow(
        as_popup=False, history=store, local_offset=lambda _: UTC_PLUS_ONE, monotonic=lambda: 100.0
    )
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.bars_ready, timeout=5000)
    return window


def test_today_figures_come_from_the_history(dashboard: PopupWindow) -> None:
    assert dashboard.tile_text("yield") == "49.0 kWh"
    # The other figures need the counters over the day: numbers, not dashes.
    for key in ("self_consumption", "autarky"):
        assert dashboard.tile_text(key).endswith(" %")
    for key in ("import", "export"):
        assert dashboard.tile_text(key).endswith(" kWh")


def test_without_a_history_the_figures_are_dashes_and_export_is_off(qtbot: QtBot) -> None:
    window = PopupWindow(as_popup=False)
    qtbot.addWidget(window)
    s = Snapshot(sn=A, fetched_at=datetime(2026, 6, 15, tzinfo=UTC))
    window.update_view(build_view(FleetInput(inverters=[InverterInput(A, s)], now=1.78e9)))
    assert window.tile_text("autarky") == "—"
    assert window.curve_chart.model is None
    export = window.findChild(QAbstractButton, "export")
    assert export is not None
    assert not export.isEnabled()


def test_the_curve_reads_out_by_keyboard(dashboard: PopupWindow, qtbot: QtBot) -> None:
    chart = dashboard.curve_chart
    model = chart.model
    assert model is not None
    assert len(model.xs) == 14 * 12 + 1  # every five minutes since midnight
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "arrow keys" in chart.accessibleDescription()
    chart.setFocus()
    with qtbot.waitSignal(chart.readout_changed, timeout=1000) as signal:
        QTest.keyClick(chart, Qt.Key.Key_Right)  # the first key starts at the newest sample
    assert chart.cursor_index == len(model.xs) - 1
    assert signal.args == [model.readout(len(model.xs) - 1)]
    assert chart.accessibleDescription().startswith("At 14:00: PV ")
    for _ in range(24):
        QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.accessibleDescription().startswith("At 12:00: PV ")
    readout = dashboard.findChild(QWidget, "curve-readout")
    assert readout is not None
    assert readout.text() == chart.accessibleDescription()  # type: ignore[attr-defined]
    QTest.keyClick(chart, Qt.Key.Key_Home)
    assert chart.accessibleDescription().startswith("At 00:00: ")
    QTest.keyClick(chart, Qt.Key.Key_Left)  # held at the start
    assert chart.cursor_index == 0


def test_the_curve_reads_out_on_hover(dashboard: PopupWindow) -> None:
    chart = dashboard.curve_chart
    model = chart.model
    assert model is not None
    noon = model.xs.index(12 * 3600.0)
    x = round(chart.sample_x(noon))
    # Sent to the chart itself: a window-level move is routed to whatever popup an earlier test
    # of the session left open, and a move to where the pointer already is sends nothing at all.
    at = QPointF(x, chart.height() // 2)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        at,
        chart.mapToGlobal(at),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(chart, move)
    assert chart.cursor_index == noon
    assert chart.toolTip() == model.readout(noon)


def test_the_bars_switch_between_a_week_and_a_month(dashboard: PopupWindow, qtbot: QtBot) -> None:
    bars = dashboard.bars_chart
    assert bars.model is not None
    assert len(bars.model.bars) == 7
    month = dashboard.findChild(QRadioButton, "range-30")
    assert month is not None
    assert month.accessibleName() == "Show the last 30 days"
    month.click()
    assert dashboard.bar_days == 30
    qtbot.waitUntil(dashboard.bars_ready, timeout=5000)  # the earlier days arrive just after
    assert bars.model is not None
    assert len(bars.model.bars) == 30
    assert not bars.model.empty
    # Keyboard: the radio buttons move with the arrow keys, like any radio group.
    month.setFocus()
    QTest.keyClick(month, Qt.Key.Key_Left)
    assert dashboard.bar_days == 7
    bars.setFocus()
    QTest.keyClick(bars, Qt.Key.Key_End)
    assert bars.accessibleDescription().startswith("Mon 15 Jun: yield ")
    QTest.keyClick(bars, Qt.Key.Key_Left)
    QTest.keyClick(bars, Qt.Key.Key_Left)
    QTest.keyClick(bars, Qt.Key.Key_Left)
    assert bars.accessibleDescription().endswith("(partial day).")


def test_details_and_diagnostics_open_from_the_keyboard(dashboard: PopupWindow) -> None:
    card = dashboard.card(A)
    assert card is not None
    assert card.details.body.isHidden()
    assert card.field_text("ac") is not None  # the full list is there, folded away
    card.details.button.setFocus()
    QTest.keyClick(card.details.button, Qt.Key.Key_Space)
    assert card.details.is_open
    assert not card.details.body.isHidden()
    assert card.details.button.accessibleDescription() == "expanded"
    diagnostics = dashboard.diagnostics
    assert not diagnostics.button.isChecked()
    QTest.keyClick(diagnostics.button, Qt.Key.Key_Space)
    assert diagnostics.is_open
    assert f"{A}: next poll in 40 s" in dashboard.diagnostics_text()


def test_card_age_is_relative_with_the_time_in_a_tooltip(dashboard: PopupWindow) -> None:
    card = dashboard.card(A)
    assert card is not None
    assert card.age.text() == "updated 2 min ago"
    assert card.age.toolTip() == "Mon 15 Jun 2026 14:00:00"


@pytest.mark.parametrize("key", ["escape", "ctrl+w"])
def test_escape_and_ctrl_w_close(dashboard: PopupWindow, key: str) -> None:
    chart = dashboard.curve_chart
    chart.setFocus()
    if key == "escape":
        QTest.keyClick(chart, Qt.Key.Key_Escape)
    else:
        QTest.keyClick(chart, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not dashboard.isVisible()


def test_every_control_has_an_accessible_name(dashboard: PopupWindow) -> None:
    for card in (dashboard.card(A), dashboard.card(B)):
        assert card is not None
        card.details.set_open(True)
    dashboard.diagnostics.set_open(True)
    focusable = [
        w
        for w in dashboard.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(dashboard)
    ]
    names = {w.objectName(): w.accessibleName() for w in focusable}
    assert {"day-curve", "day-bars", "export", "refresh", "settings", "range-7"} <= set(names)
    missing = [w.objectName() or type(w).__name__ for w in focusable if not w.accessibleName()]
    assert missing == []


def _highlight_pixels(widget: QWidget) -> int:
    image = widget.grab().toImage()
    highlight = widget.palette().color(QPalette.ColorRole.Highlight)
    count = 0
    for x in range(image.width()):
        for y in (1, 2, image.height() - 2, image.height() - 3):
            colour = image.pixelColor(x, y)
            if _close(colour, highlight):
                count += 1
    return count


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60


def test_the_focused_chart_shows_a_focus_frame(dashboard: PopupWindow, qtbot: QtBot) -> None:
    chart = dashboard.curve_chart
    dashboard.findChild(QAbstractButton, "refresh").setFocus()  # type: ignore[union-attr]
    assert _highlight_pixels(chart) < chart.width() // 4
    chart.setFocus()
    qtbot.waitUntil(chart.hasFocus, timeout=1000)
    assert _highlight_pixels(chart) > chart.width()


def test_first_show_next_to_a_top_right_icon_lies_inside_the_screen(
    qtbot: QtBot, store: HistoryStore, history_file: tuple[Path, dict[str, Snapshot]]
) -> None:
    window = PopupWindow(as_popup=True, history=store)
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    screen = window.screen()
    assert screen is not None
    area = screen.availableGeometry()
    for anchor in (
        QRect(area.right() - 24, area.top(), 22, 22),
        QRect(area.left() + 2, area.bottom() - 22, 22, 22),
        QRect(area.right() - 24, area.bottom() - 22, 22, 22),
        QRect(),
    ):
        window.show_near(anchor)  # the very first show: no earlier size to go by
        qtbot.waitExposed(window)
        assert area.contains(window.frameGeometry()), (anchor, window.frameGeometry())
        window.hide()


def test_a_size_that_grows_after_the_first_show_stays_on_the_screen(qtbot: QtBot) -> None:
    """The window's real size was known only after its first show: it grew from where it had
    been placed and its right part (with the Settings button) left the screen."""
    window = PopupWindow(as_popup=True)
    qtbot.addWidget(window)
    screen = window.screen()
    assert screen is not None
    area = screen.availableGeometry()
    window.show_near(QRect(area.right() - 24, area.top(), 22, 22))
    qtbot.waitExposed(window)
    assert area.contains(window.frameGeometry())
    window.setMinimumWidth(window.width() + 150)  # the size settles late and wider
    qtbot.waitUntil(lambda: window.width() >= window.minimumWidth(), timeout=1000)
    assert area.contains(window.frameGeometry()), (window.frameGeometry(), area)


def test_export_csv_writes_the_daily_figures_and_the_snapshots(
    qtbot: QtBot, dashboard: PopupWindow, tmp_path: Path, store: HistoryStore
) -> None:
    asked: list[tuple[str, str]] = []
    target = tmp_path / "export.csv"

    def choose(_parent: QWidget, title: str, suggested: str) -> str:
        asked.append((title, suggested))
        return str(target)

    window = PopupWindow(as_popup=False, history=store, save_path=choose)
    window.update_view(dashboard.view)  # type: ignore[arg-type]
    writers: list[str] = []
    real_iter = store.iter_rows

    def iter_rows(*args: Any, **kwargs: Any) -> Any:
        writers.append(threading.current_thread().name)
        return real_iter(*args, **kwargs)

    store.iter_rows = iter_rows  # type: ignore[method-assign]
    with qtbot.waitSignal(window.exported, timeout=10_000):
        assert window.export_csv(daily=True) == target
    assert asked[0][0] == "Export daily figures as CSV"
    assert asked[0][1].endswith("solaxtray-daily-2026-06-15.csv")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date,sn,yield_kwh,")
    assert any(line.startswith("2026-06-15,all,") for line in lines)
    assert len(lines) == 1 + 30 * 3  # 30 days, two inverters and the fleet
    assert window.status_text() == "Exported 90 lines to export.csv."

    with qtbot.waitSignal(window.exported, timeout=10_000):
        assert window.export_csv(daily=False) == target
    rows = target.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + store.count()
    assert "uploadTime" in rows[0]
    assert window.status_text() == f"Exported {store.count():,} lines to export.csv."
    # Written off the GUI thread: a year of uploads must not freeze the window.
    assert writers
    assert threading.main_thread().name not in writers


def test_export_csv_cancelled_or_failing_says_so(
    qtbot: QtBot, dashboard: PopupWindow, tmp_path: Path, store: HistoryStore
) -> None:
    window = PopupWindow(as_popup=False, history=store, save_path=lambda *_: None)
    window.update_view(dashboard.view)  # type: ignore[arg-type]
    assert window.export_csv(daily=True) is None  # cancelled: nothing written, nothing said
    assert window.status_text() is None
    folder = tmp_path / "a-folder"
    folder.mkdir()
    window = PopupWindow(as_popup=False, history=store, save_path=lambda *_: str(folder))
    window.update_view(dashboard.view)  # type: ignore[arg-type]
    assert window.export_csv(daily=False) == folder
    qtbot.waitUntil(lambda: "Could not export" in (window.status_text() or ""), timeout=10_000)
    status = window.status_text()
    assert status is not None
    assert status == f"Could not export: {folder} cannot be written (Is a directory)."
    assert "Traceback" not in status


def test_an_unreadable_history_is_one_sentence_not_a_crash(
    qtbot: QtBot, tmp_path: Path, history_file: tuple[Path, dict[str, Snapshot]]
) -> None:
    store = HistoryStore.open(tmp_path / "closed.sqlite3")
    store.close()  # every read now fails inside SQLite
    window = PopupWindow(as_popup=False, history=store, local_offset=lambda _: UTC_PLUS_ONE)
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    window.show()
    qtbot.waitExposed(window)
    status = window.status_text()
    assert status is not None
    assert "Traceback" not in status
    assert status.endswith(".")
    assert window.curve_chart.model is None
    assert window.tile_text("yield") == "49.0 kWh"  # the live figures stay
