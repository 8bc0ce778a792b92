"""The popup's twelve-month bars over a real history file: twelve bars with the current month
last, months that are not whole marked by shape, the read-out by keyboard, accessible names, and
the figures computed off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from solaxtray.core.clock import FakeClock
from solaxtray.core.dashboard import DayBars, MonthBars, month_bars
from solaxtray.core.history import HistoryStore, MonthFigures
from solaxtray.core.models import Snapshot
from solaxtray.ui.popup import PopupWindow
from solaxtray.ui.popup.charts import DayBarsChart
from tests.dashboard_history import filled_history, plant_moment
from tests.ui.test_dashboard import UTC_PLUS_ONE, view_of

pytestmark = pytest.mark.gui

TODAY = date(2026, 6, 15)
A, B = "SWAAAAAAA1", "SWBBBBBBB2"
FIRST = date(2026, 3, 7)
"""The history begins on 7 March: March is partial (six days without history), April whole,
May partial (a gap on 20 May), June is the current month."""


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Snapshot]]:
    path = tmp_path_factory.mktemp("months-ui") / "history.sqlite3"
    store, newest = filled_history(
        path, (A, B), TODAY, days=(TODAY - FIRST).days, gap_day=date(2026, 5, 20)
    )
    store.close()
    return path, newest


@pytest.fixture
def store(history_file: tuple[Path, dict[str, Snapshot]]) -> Iterator[HistoryStore]:
    clock = FakeClock(plant_moment(TODAY, "14:02"))
    with HistoryStore.open(history_file[0], clock=clock) as opened:
        yield opened


@pytest.fixture
def popup(
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


def months_button(popup: PopupWindow) -> QRadioButton:
    button = popup.findChild(QRadioButton, "range-months")
    assert button is not None
    return button


def test_twelve_bars_with_the_current_month_last(popup: PopupWindow, qtbot: QtBot) -> None:
    months_button(popup).click()
    assert popup.showing_months
    # Computed on a worker thread: the chart shows its twelve months at once, the figures after.
    assert not popup.bars_ready()
    assert popup.bars_chart.accessibleDescription() == "Reading the history…"
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    model = popup.bars_chart.model
    assert isinstance(model, MonthBars)
    assert [b.month for b in model.bars] == [
        date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(12)
    ]
    assert model.bars[-1].month == date(2026, 6, 1)
    with_history = [b.month.month for b in model.bars if b.yield_kwh is not None]
    assert with_history == [3, 4, 5, 6]
    chart = popup.bars_chart
    assert [chart.bar_marked(i) for i in range(8, 12)] == [True, False, True, True]
    assert not any(chart.bar_marked(i) for i in range(8))  # no history: no bar to mark


def test_the_months_read_out_by_keyboard(popup: PopupWindow, qtbot: QtBot) -> None:
    months_button(popup).click()
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    chart = popup.bars_chart
    chart.setFocus()
    with qtbot.waitSignal(chart.readout_changed, timeout=1000):
        QTest.keyClick(chart, Qt.Key.Key_End)
    assert chart.accessibleDescription().startswith("Jun 2026: yield ")
    assert chart.accessibleDescription().endswith(" so far.")
    QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.accessibleDescription().startswith("May 2026: yield ")
    assert chart.accessibleDescription().endswith("(partial month: some days have gaps).")
    QTest.keyClick(chart, Qt.Key.Key_Left)
    april = chart.accessibleDescription()
    assert april.startswith("Apr 2026: yield ")
    assert april.endswith(" kWh.")
    QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.accessibleDescription().endswith("(partial month: 6 days without history).")
    QTest.keyClick(chart, Qt.Key.Key_Home)
    assert chart.accessibleDescription() == "Jul 2025: no history."
    readout = popup.findChild(QLabel, "bars-readout")
    assert readout is not None
    assert readout.text() == chart.accessibleDescription()


def test_accessible_names_and_back_to_days(popup: PopupWindow, qtbot: QtBot) -> None:
    button = months_button(popup)
    assert button.accessibleName() == "Show the last 12 months"
    assert button.text() == "12 months"
    chart = popup.bars_chart
    assert chart.accessibleName() == "Daily yield and consumption"
    # The range buttons are one radio group: the arrow keys reach the months.
    week = popup.findChild(QRadioButton, "range-30")
    assert week is not None
    week.click()
    week.setFocus()
    QTest.keyClick(week, Qt.Key.Key_Right)
    assert popup.showing_months
    assert chart.accessibleName() == "Monthly yield and consumption"
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    assert "arrow keys to read each month" in chart.accessibleDescription()
    focusable = [
        w
        for w in popup.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(popup)
    ]
    assert [w.objectName() for w in focusable if not w.accessibleName()] == []
    QTest.keyClick(button, Qt.Key.Key_Left)
    assert isinstance(chart.model, DayBars)
    assert popup.bar_days == 30
    assert chart.accessibleName() == "Daily yield and consumption"


def test_a_new_upload_recomputes_the_months(
    popup: PopupWindow,
    qtbot: QtBot,
    store: HistoryStore,
    history_file: tuple[Path, dict[str, Snapshot]],
) -> None:
    months_button(popup).click()
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    model = popup.bars_chart.model
    assert isinstance(model, MonthBars)
    june = model.bars[-1].yield_kwh
    assert june is not None
    newest = history_file[1]
    later = {}
    for sn, snap in newest.items():
        assert snap.upload_time is not None
        assert snap.yield_today is not None
        moved = snap.upload_time + timedelta(minutes=5)
        later[sn] = replace(
            snap,
            upload_time=moved,
            upload_time_raw=moved.strftime("%Y-%m-%d %H:%M:%S"),
            utc_time=None if snap.utc_time is None else snap.utc_time + timedelta(minutes=5),
            fetched_at=snap.fetched_at + timedelta(minutes=5),
            yield_today=snap.yield_today + 1.0,
        )
    store.add_many(later.values())
    popup.update_view(view_of(later, plant_moment(TODAY, "14:07")))
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    model = popup.bars_chart.model
    assert isinstance(model, MonthBars)
    assert model.bars[-1].yield_kwh == pytest.approx(june + 2.0)


def _figures(partial: bool) -> list[MonthFigures]:
    return [
        MonthFigures(
            month=date(2026, m, 1),
            sn="all",
            yield_kwh=300.0,
            export_kwh=100.0,
            import_kwh=50.0,
            consumption_kwh=250.0,
            self_consumption_pct=66.7,
            autarky_pct=80.0,
            days=30,
            missing_days=0,
            samples=8000,
            partial=partial and m == 4,
            in_progress=False,
        )
        for m in range(1, 7)
    ]


def _render(qtbot: QtBot, model: MonthBars) -> QImage:
    chart = DayBarsChart()
    qtbot.addWidget(chart)
    chart.resize(420, 130)
    chart.set_model(model)
    return chart.grab().toImage()


def test_a_partial_month_is_drawn_differently(qtbot: QtBot) -> None:
    whole = _render(qtbot, month_bars(_figures(False), date(2026, 7, 15), 12))
    partial = _render(qtbot, month_bars(_figures(True), date(2026, 7, 15), 12))
    # April is the ninth bar: only its slot (and the legend, which names the marker) differ.
    chart = DayBarsChart()
    chart.resize(420, 130)
    slot_left = chart.LEFT + (420 - chart.LEFT - chart.RIGHT) / 12 * 8
    slot_right = slot_left + (420 - chart.LEFT - chart.RIGHT) / 12
    changed = {
        x
        for x in range(whole.width())
        for y in range(20, whole.height() - 20)
        if whole.pixelColor(x, y) != partial.pixelColor(x, y)
    }
    assert changed
    assert all(slot_left - 1 <= x <= slot_right + 1 for x in changed)
    # The dashed outline is in the text's colour, not the bar's: a shape, not only a shade.
    dark = sum(
        1
        for x in changed
        for y in range(20, whole.height() - 20)
        if partial.pixelColor(x, y).lightnessF() < 0.3
    )
    assert dark > 10


def test_an_unreadable_history_is_one_sentence_for_the_months_too(
    qtbot: QtBot, tmp_path: Path, history_file: tuple[Path, dict[str, Snapshot]]
) -> None:
    store = HistoryStore.open(tmp_path / "closed.sqlite3")
    store.close()  # every read now fails inside SQLite, on the worker thread too
    window = PopupWindow(as_popup=False, history=store, local_offset=lambda _: UTC_PLUS_ONE)
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    window.show()
    qtbot.waitExposed(window)
    months_button(window).click()
    qtbot.waitUntil(window.bars_ready, timeout=20_000)
    status = window.status_text()
    assert status is not None
    assert "Traceback" not in status
    assert status.endswith(".")
    model = window.bars_chart.model
    assert isinstance(model, MonthBars)
    assert model.empty


def test_the_months_read_out_on_hover(popup: PopupWindow, qtbot: QtBot) -> None:
    months_button(popup).click()
    qtbot.waitUntil(popup.bars_ready, timeout=20_000)
    chart = popup.bars_chart
    model = chart.model
    assert isinstance(model, MonthBars)
    at = QPointF(round(chart.sample_x(10)), chart.height() // 2)  # over May's bars
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        at,
        chart.mapToGlobal(at),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(chart, move)
    assert chart.cursor_index == 10
    assert chart.toolTip() == model.readout(10)
    assert chart.toolTip().startswith("May 2026: yield ")
