"""The popup's daily bars over a real history file: the earlier days of the 7- and 30-day
ranges are computed off the GUI thread, the chart keeps what it shows meanwhile, and a late
result for another range does not win over the range asked for last."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QRadioButton
from pytestqt.qtbot import QtBot

from solaxtray.core.dashboard import DayBars
from solaxtray.core.history import HistoryStore
from solaxtray.core.history.store import EnergyRow
from solaxtray.core.models import Snapshot
from solaxtray.ui.popup import PopupWindow
from tests.dashboard_history import filled_history, plant_moment
from tests.ui.test_dashboard import UTC_PLUS_ONE, view_of

pytestmark = pytest.mark.gui

TODAY = date(2026, 6, 15)
A, B = "SWAAAAAAA1", "SWBBBBBBB2"


class WatchedStore(HistoryStore):
    """A real history file that notes which thread reads which days' energy rows."""

    reads: list[tuple[date, date, int]]

    def energy_rows(self, sns: Sequence[str] | None, *, first: date, last: date) -> list[EnergyRow]:
        self.reads.append((first, last, threading.get_ident()))
        return super().energy_rows(sns, first=first, last=last)


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Snapshot]]:
    path = tmp_path_factory.mktemp("days-ui") / "history.sqlite3"
    store, newest = filled_history(path, (A, B), TODAY, days=40, gap_day=TODAY - timedelta(days=3))
    store.close()
    return path, newest


@pytest.fixture
def store(history_file: tuple[Path, dict[str, Snapshot]]) -> Iterator[WatchedStore]:
    opened = WatchedStore.open(history_file[0])
    assert isinstance(opened, WatchedStore)
    opened.reads = []
    with opened:
        yield opened


@pytest.fixture
def popup(
    qtbot: QtBot, store: WatchedStore, history_file: tuple[Path, dict[str, Snapshot]]
) -> PopupWindow:
    window = PopupWindow(
        as_popup=False, history=store, local_offset=lambda _: UTC_PLUS_ONE, monotonic=lambda: 100.0
    )
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.bars_ready, timeout=10_000)
    return window


def range_button(popup: PopupWindow, days: int) -> QRadioButton:
    button = popup.findChild(QRadioButton, f"range-{days}")
    assert button is not None
    return button


def workers_done() -> bool:
    return not any(t.name == "solaxtray-days" for t in threading.enumerate())


def figures(model: object) -> list[tuple[date, float | None]]:
    assert isinstance(model, DayBars)
    return [(bar.day, bar.yield_kwh) for bar in model.bars]


def test_the_earlier_days_are_read_off_the_gui_thread(
    popup: PopupWindow, store: WatchedStore, qtbot: QtBot
) -> None:
    gui = threading.get_ident()
    earlier = [(first, thread) for first, last, thread in store.reads if last < TODAY]
    assert earlier, "the week's earlier days were read"
    assert all(thread != gui for _first, thread in earlier)
    store.reads.clear()
    range_button(popup, 30).click()
    qtbot.waitUntil(popup.bars_ready, timeout=10_000)
    month = [thread for first, last, thread in store.reads if first < TODAY - timedelta(days=28)]
    assert month
    assert all(thread != gui for thread in month)
    model = popup.bars_chart.model
    assert isinstance(model, DayBars)
    assert len(model.bars) == 30
    assert not model.empty


def test_the_chart_keeps_the_week_while_the_month_is_read(popup: PopupWindow) -> None:
    week = figures(popup.bars_chart.model)
    assert len(week) == 7
    range_button(popup, 30).click()
    assert popup.bar_days == 30
    assert not popup.bars_ready()  # still on the worker
    # Neither empty bars nor a placeholder meanwhile: the week stays as it was.
    assert figures(popup.bars_chart.model) == week


def test_switching_7_30_7_quickly_ends_with_the_week(popup: PopupWindow, qtbot: QtBot) -> None:
    week = figures(popup.bars_chart.model)
    assert all(kwh is not None for _day, kwh in week[:3])  # the earlier days are there
    range_button(popup, 30).click()
    range_button(popup, 7).click()
    qtbot.waitUntil(lambda: workers_done() and popup.bars_ready(), timeout=10_000)
    qtbot.wait(50)  # a late result for the 30 days, if any, has been delivered
    assert popup.bar_days == 7
    assert figures(popup.bars_chart.model) == week


def test_a_fresh_popup_switched_30_then_7_ends_with_the_week(
    qtbot: QtBot, store: WatchedStore, history_file: tuple[Path, dict[str, Snapshot]]
) -> None:
    window = PopupWindow(
        as_popup=False, history=store, local_offset=lambda _: UTC_PLUS_ONE, monotonic=lambda: 100.0
    )
    qtbot.addWidget(window)
    window.update_view(view_of(history_file[1], plant_moment(TODAY, "14:02")))
    window.show()
    # Before the week arrives: a month is asked for, then the week again.
    window.set_bar_days(30)
    window.set_bar_days(7)
    qtbot.waitUntil(lambda: workers_done() and window.bars_ready(), timeout=10_000)
    qtbot.wait(50)
    week = figures(window.bars_chart.model)
    assert len(week) == 7
    assert [day for day, _kwh in week] == [TODAY - timedelta(days=6 - i) for i in range(7)]
    assert all(kwh is not None for _day, kwh in week)  # the earlier days arrived
