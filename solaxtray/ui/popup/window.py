"""The detail window as a dashboard: the fleet now and today, today's curve, the daily or monthly
bars, one card per inverter, and the polling internals folded away under "Diagnostics".

It shows a :class:`TrayView` plus what the history store holds, and decides nothing itself:
the texts and chart models come from :mod:`solaxtray.core.dashboard`, the placement from
:mod:`solaxtray.core.placement`. It never polls; ``update_view`` sets label texts. While the
window is shown it reads today's rows and figures from the history when it opens and when a new
upload arrives (milliseconds), and the bar chart's earlier days once per day, just after its first
paint (a month of rows takes longer: see ``benchmarks/popup.py``). The twelve-month bars read a
year of rows, which takes seconds: they are computed on a worker thread, past months once (kept
in a ``MonthCache`` for as long as their rows do not change), the current month again after each
new upload while they are shown.

Relative times ("2 min ago", "in 40 s") would go stale between polls, which come every five
minutes when idle; so while the window is visible, and only then, a timer moves them on by the
time elapsed since the view arrived (a monotonic clock: the view's own ``now`` is the wall time).

The same widget serves as a frameless popup next to the tray icon and as an ordinary window (the
fallback when there is no tray, or when the user wants it to stay open).

Over 500 lines: one window's widgets and their wiring; what it shows is decided in
``core.dashboard`` and ``core.placement``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCursor,
    QGuiApplication,
    QHideEvent,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.dashboard import (
    BAR_RANGES,
    MONTHS_RANGE,
    DayBars,
    DayCurve,
    DayTotals,
    MonthBars,
    MonthTotals,
    age_text,
    day_bars,
    day_curve_model,
    diagnostics_lines,
    fleet_day,
    history_offset,
    inverter_card,
    inverter_rows,
    month_bars,
    now_tiles,
    plant_offset,
    plant_today,
    today_tiles,
)
from solaxtray.core.errors import SolaxTrayError
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_day_month, format_number
from solaxtray.core.placement import Rect, place_popup
from solaxtray.core.presentation import TrayState, TrayView, machine_utc_offset
from solaxtray.ui.background import BackgroundCaller
from solaxtray.ui.flow import FlowValues, FlowWidget
from solaxtray.ui.icon import render_icon
from solaxtray.ui.popup.cards import FOCUS_STYLE, Disclosure, InverterCard, TileGrid, small
from solaxtray.ui.popup.charts import DayBarsChart, DayCurveChart

if TYPE_CHECKING:
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.history.monthly import MonthCache

logger = logging.getLogger(__name__)

POPUP_WIDTH = 440
"""Wide enough for four figures side by side and a readable curve; fits any laptop screen."""
AGE_REFRESH_MS = 10_000
"""How often a visible window moves its relative times on ("45 s ago" counts in 10 s steps)."""
WINDOW_FRAME_ALLOWANCE = 48
"""Room left for a window manager's title bar when the window is an ordinary one."""
EXPORT_FIRST_DAY = date(1970, 1, 2)
"""The export takes the whole history: every day from this one on."""
NOW_KEYS = ("pv", "home", "grid", "battery")
TODAY_KEYS = ("yield", "self_consumption", "autarky", "import", "export")

SavePathAsker = Callable[[QWidget, str, str], "str | None"]
"""Asks where to save (parent, title, suggested path) and returns the chosen path or ``None``."""


SHOWN_MONTHS = -1
"""``PopupWindow._shown_days`` when the bar chart shows the twelve months."""


def ask_save_path(parent: QWidget, title: str, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, _("CSV files (*.csv)"))
    return path or None


def to_rect(rect: QRect) -> Rect:
    return Rect(rect.x(), rect.y(), rect.width(), rect.height())


def place_near(size: QSize, anchor: QRect, available: QRect, *, margin: int = 6) -> QPoint:
    """Top-left corner for a window of ``size`` next to ``anchor`` inside ``available`` (see
    :func:`solaxtray.core.placement.place_popup`)."""
    valid = not anchor.isNull() and anchor.isValid()
    rect = place_popup(
        size.width(),
        size.height(),
        to_rect(available),
        anchor=to_rect(anchor) if valid else None,
        margin=margin,
    )
    return QPoint(rect.x, rect.y)


def _is_close_key(event: QKeyEvent) -> bool:
    """Ctrl+W, and the platform's own close key (Ctrl+F4 on Windows)."""
    if event.matches(QKeySequence.StandardKey.Close):
        return True
    ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
    return bool(ctrl) and event.key() == Qt.Key.Key_W


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def write_history_csv(store: HistoryStore, target: Path, last: date, *, daily: bool) -> int:
    """Write the CSV the ``history`` command prints for the whole history up to ``last`` to
    ``target``, snapshots streamed from the database row by row; returns how many data lines it
    has. Blocks: the popup runs it on a worker thread."""
    from solaxtray.core.history import daily_figures
    from solaxtray.core.history.export import days_csv, write_rows_csv

    class _Counting:
        """The file, counting the lines written through it (one per CSV record)."""

        def __init__(self, handle: TextIO) -> None:
            self.handle = handle
            self.lines = 0

        def write(self, text: str) -> int:
            self.lines += text.count("\n")
            return self.handle.write(text)

    with target.open("w", encoding="utf-8", newline="") as handle:
        if daily:
            text = days_csv(daily_figures(store, None, EXPORT_FIRST_DAY, last))
            handle.write(text)
            return max(0, text.count("\n") - 1)
        out = _Counting(handle)
        write_rows_csv(store.iter_rows(None, first=EXPORT_FIRST_DAY, last=last), out)  # type: ignore[arg-type]
        return max(0, out.lines - 1)


class PopupWindow(QWidget):
    """Fleet details. Signals let the tray wiring react to the buttons without the popup knowing
    about the poller or the settings dialog."""

    refresh_requested = Signal()
    settings_requested = Signal()
    exported = Signal(str)
    """A CSV export was written: the file's path."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        as_popup: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        history: HistoryStore | None = None,
        save_path: SavePathAsker = ask_save_path,
        local_offset: Callable[[float], float] = machine_utc_offset,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("solaxtray-popup")
        self.setWindowTitle(_("SolaX inverters"))
        self.setAccessibleName(_("SolaX inverters"))
        self._as_popup = as_popup
        self._history = history
        self._save_path = save_path
        self._local_offset = local_offset
        self._cards: dict[str, InverterCard] = {}
        self._rows: dict[str, dict[str, str | None]] = {}
        self._view: TrayView | None = None
        self._anchor: QRect | None = None
        self._placing = False
        self._monotonic = monotonic
        self._view_arrived = monotonic()
        self._history_key: object = None
        self._today: DayTotals | None = None
        self._figures: Sequence[DayTotals] = ()
        """Today's figures (per inverter and the fleet)."""
        self._past: Sequence[DayTotals] = ()
        """The bar chart's earlier days, computed on a worker once per plant day and range (see
        ``_want_past``)."""
        self._past_day: date | None = None
        self._past_days = 0
        self._past_from: HistoryStore | None = None
        """The store the earlier days were read from (another store's days are not shown)."""
        self._past_failed_for: object = None
        """The history key a failed read was for: tried again once it changes (the next upload)."""
        self._past_pending = False
        self._shown_days = 0
        """The range of the day bars on the chart whose every day is there (0: none, or not all
        there; ``SHOWN_MONTHS``: the twelve months), kept while another range is read."""
        self._shown_day: date | None = None
        self._today_day: date | None = None
        self._view_day: date | None = None
        """The plant's today for ``_view`` (see ``_history_day``)."""
        self._status_from_history = False
        self._bar_days = BAR_RANGES[0]
        self._bar_months = False
        self._months: Sequence[MonthTotals] = ()
        """The twelve-month bars' figures, computed on a worker (see ``_want_months``)."""
        self._months_day: date | None = None
        self._months_for: object = None
        """The history key (``_history_key``) the figures were computed for."""
        self._months_pending = False
        self._months_again = False
        self._month_cache: MonthCache | None = None
        self._caller = BackgroundCaller(self)
        self._exporting = False
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self.refresh_ages)
        self.setStyleSheet(FOCUS_STYLE)

        # --- header: the state at a glance --------------------------------------------------
        self._badge = QLabel()
        self._badge.setObjectName("badge")
        self._badge_key: object = None
        self._headline = QLabel("—")
        self._headline.setObjectName("headline")
        font = self._headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._headline.setFont(font)
        self._updated = small(QLabel())
        self._updated.setObjectName("updated")
        self._problem = QLabel()
        self._problem.setObjectName("problem")
        self._problem.setWordWrap(True)
        self._problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._problem.hide()

        # --- body ---------------------------------------------------------------------------
        self._now = TileGrid(NOW_KEYS, 4)
        self._flow = FlowWidget()
        self._flow_box = Disclosure(_("Energy flow"), self._flow, name="flow")
        self._today_caption = _caption(_("Today"))
        self._today_tiles = TileGrid(TODAY_KEYS, 3)
        self._curve_chart = DayCurveChart()
        self._curve_readout = small(QLabel())
        self._curve_readout.setObjectName("curve-readout")
        self._curve_readout.setWordWrap(True)
        self._curve_chart.readout_changed.connect(self._curve_readout.setText)
        self._bars_chart = DayBarsChart()
        self._bars_readout = small(QLabel())
        self._bars_readout.setObjectName("bars-readout")
        self._bars_readout.setWordWrap(True)
        self._bars_chart.readout_changed.connect(self._bars_readout.setText)
        self._range_group = QButtonGroup(self)
        ranges = QHBoxLayout()
        self._range_caption = _caption(_("Daily"))
        ranges.addWidget(self._range_caption)
        ranges.addStretch(1)
        for days in BAR_RANGES:
            button = QRadioButton(ngettext("{n} day", "{n} days", days).format(n=days))
            button.setObjectName(f"range-{days}")
            button.setAccessibleName(
                ngettext("Show the last {n} day", "Show the last {n} days", days).format(n=days)
            )
            button.setChecked(days == self._bar_days)
            button.toggled.connect(
                lambda checked, d=days: self.set_bar_days(d) if checked else None
            )
            self._range_group.addButton(button, days)
            ranges.addWidget(button)
        self._months_button = QRadioButton(
            ngettext("{n} month", "{n} months", MONTHS_RANGE).format(n=MONTHS_RANGE)
        )
        self._months_button.setObjectName("range-months")
        self._months_button.setAccessibleName(
            ngettext("Show the last {n} month", "Show the last {n} months", MONTHS_RANGE).format(
                n=MONTHS_RANGE
            )
        )
        self._months_button.toggled.connect(lambda checked: self.show_months() if checked else None)
        self._range_group.addButton(self._months_button)
        ranges.addWidget(self._months_button)
        self._cards_host = QWidget()
        self._cards_layout = QVBoxLayout(self._cards_host)
        self._cards_layout.setContentsMargins(0, 0, 0, 0)
        self._cards_layout.setSpacing(6)
        self._cards_caption = _caption(_("Inverters"))
        self._diagnostics_text = QLabel()
        self._diagnostics_text.setObjectName("diagnostics-text")
        self._diagnostics_text.setWordWrap(True)
        self._diagnostics_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._diagnostics = Disclosure(_("Diagnostics"), self._diagnostics_text, name="diagnostics")

        self._body = body = QWidget()
        body.setObjectName("dashboard")
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 4, 0)
        col.setSpacing(6)
        col.addWidget(_caption(_("Now")))
        col.addWidget(self._now)
        col.addWidget(self._flow_box)
        col.addWidget(self._today_caption)
        col.addWidget(self._today_tiles)
        col.addWidget(self._curve_chart)
        col.addWidget(self._curve_readout)
        col.addLayout(ranges)
        col.addWidget(self._bars_chart)
        col.addWidget(self._bars_readout)
        col.addWidget(self._cards_caption)
        col.addWidget(self._cards_host)
        col.addWidget(self._diagnostics)
        col.addStretch(1)
        self._scroll = scroll = QScrollArea()
        scroll.setObjectName("dashboard-scroll")
        scroll.setAccessibleName(_("Dashboard"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)

        # --- footer -------------------------------------------------------------------------
        self._export = QPushButton(_("Export CSV…"))
        self._export.setObjectName("export")
        self._export.setAccessibleName(_("Export history as CSV"))
        export_menu = QMenu(self._export)
        export_menu.setObjectName("export-menu")
        self._export_days = export_menu.addAction(_("Daily figures…"))
        self._export_days.triggered.connect(lambda: self.export_csv(daily=True))
        self._export_rows = export_menu.addAction(_("Every snapshot…"))
        self._export_rows.triggered.connect(lambda: self.export_csv(daily=False))
        self._export.setMenu(export_menu)
        self._export.setEnabled(history is not None)
        refresh = QPushButton(_("Refresh now"))
        refresh.setObjectName("refresh")
        refresh.setAccessibleName(_("Refresh now"))
        refresh.clicked.connect(self.refresh_requested)
        settings = QPushButton(_("Settings…"))
        settings.setObjectName("settings")
        settings.setAccessibleName(_("Settings"))
        settings.clicked.connect(self.settings_requested)
        self._status = small(QLabel())
        self._status.setObjectName("status-line")
        self._status.setWordWrap(True)
        self._status.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self._export)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        buttons.addWidget(settings)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        top.addWidget(self._badge)
        heads = QVBoxLayout()
        heads.setSpacing(0)
        heads.addWidget(self._headline)
        heads.addWidget(self._updated)
        top.addLayout(heads, 1)
        layout.addLayout(top)
        layout.addWidget(self._problem)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._status)
        layout.addLayout(buttons)

        for sequence in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            shortcut = QShortcut(sequence, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.hide)

        self.set_popup_mode(as_popup)
        self.resize(POPUP_WIDTH, 640)
        self._fill_history()

    # ----------------------------------------------------------------------------------------
    # Modes and placement

    @property
    def is_popup_mode(self) -> bool:
        return self._as_popup

    def set_popup_mode(self, as_popup: bool) -> None:
        """Frameless, always on top and hidden when it loses focus; or an ordinary window."""
        self._as_popup = as_popup
        visible = self.isVisible()
        if as_popup:
            flags = (
                Qt.WindowType.Tool
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
        else:
            flags = Qt.WindowType.Window
        self.setWindowFlags(flags)
        if visible:
            self.show()

    def content_size(self) -> QSize:
        """The size the window wants with nothing scrolled: the body's full height plus the
        header and the buttons. Known before the first show (the layouts are activated here),
        which is what placing the window before showing it needs."""
        self.ensurePolished()
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self._body.adjustSize()
        outer = self.sizeHint().height() - self._scroll.sizeHint().height()
        height = outer + self._body.sizeHint().height() + 2
        return QSize(POPUP_WIDTH, height)

    def position_near(self, anchor: QRect) -> QPoint:
        """Move and size next to the tray icon's geometry, within the available area of its
        screen; StatusNotifierItem trays do not say where the icon is, so then the pointer (if it
        is on a panel) or the corner nearest the panel decides."""
        return self._place(anchor, self.content_size())

    def _place(self, anchor: QRect, wanted: QSize) -> QPoint:
        valid = not anchor.isNull() and anchor.isValid()
        pointer = QCursor.pos()
        screen = QGuiApplication.screenAt(anchor.center() if valid else pointer)
        screen = screen or self.screen()
        rect = place_popup(
            wanted.width(),
            wanted.height(),
            to_rect(screen.availableGeometry()),
            screen=to_rect(screen.geometry()),
            anchor=to_rect(anchor) if valid else None,
            pointer=(pointer.x(), pointer.y()),
        )
        self._placing = True
        try:
            self.setGeometry(rect.x, rect.y, rect.width, rect.height)
        finally:
            self._placing = False
        return QPoint(rect.x, rect.y)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        # A size that changes after placing (fonts and style settle at the first show, a
        # minimum size grows) must not carry the popup off the screen: place it again.
        if self._as_popup and self.isVisible() and self._anchor is not None and not self._placing:
            self._place(self._anchor, event.size())

    def fit_window(self) -> None:
        """As an ordinary window: the content's size, but never taller than the screen leaves
        room for (with the window manager's title bar)."""
        screen = self.screen()
        wanted = self.content_size()
        available = screen.availableGeometry()
        height = min(wanted.height(), available.height() - WINDOW_FRAME_ALLOWANCE)
        width = min(wanted.width(), available.width() - 16)
        self.resize(width, height)
        frame = self.frameGeometry()
        if not available.contains(frame):
            x = max(available.left(), min(frame.x(), available.right() - frame.width() + 1))
            y = max(available.top(), min(frame.y(), available.bottom() - frame.height() + 1))
            self.move(x, y)

    def show_near(self, anchor: QRect) -> None:
        self._anchor = QRect(anchor)
        self.position_near(anchor)
        self.show()
        self.raise_()
        self.activateWindow()

    def show_window(self) -> None:
        """An ordinary window that stays until closed (from the menu or a second launch)."""
        self._anchor = None
        self.set_popup_mode(False)
        self.fit_window()
        self.show()
        self.raise_()
        self.activateWindow()

    def toggle_near(self, anchor: QRect) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show_near(anchor)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        # A popup goes away when the user clicks elsewhere, like the desktop's own tray popups;
        # not while its own export menu or file dialog has the focus.
        if (
            event.type() == QEvent.Type.ActivationChange
            and self._as_popup
            and self.isVisible()
            and not self.isActiveWindow()
            and QGuiApplication.focusWindow() is None
        ):
            self.hide()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._as_popup and self._anchor is not None:
            # The style and fonts are final only now: place again with the real size, so the
            # first opening is as whole on the screen as every later one.
            self.position_near(self._anchor)
        self._fill_history()
        self.refresh_ages()
        self._age_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self._age_timer.stop()
        super().hideEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        # The shortcuts catch these while the window is active; this catches them when a key
        # reaches the window otherwise (a child that ignored it, or a test's key click).
        if event.key() == Qt.Key.Key_Escape or _is_close_key(event):
            self.hide()
            return
        super().keyPressEvent(event)

    def ages_ticking(self) -> bool:
        """Whether the relative times are being moved on (only while the window is visible)."""
        return self._age_timer.isActive()

    def refresh_ages(self) -> None:
        """Move "2 min ago" and "in 40 s" on by the time since the view arrived."""
        view = self._view
        if view is None:
            return
        elapsed = self._monotonic() - self._view_arrived
        if elapsed >= 1.0:  # under a second no text would change (and the view's own stay exact)
            self._fill_cards(view, elapsed)

    # ----------------------------------------------------------------------------------------
    # Content

    @property
    def view(self) -> TrayView | None:
        return self._view

    @property
    def flow(self) -> FlowWidget:
        return self._flow

    @property
    def curve_chart(self) -> DayCurveChart:
        return self._curve_chart

    @property
    def bars_chart(self) -> DayBarsChart:
        return self._bars_chart

    @property
    def diagnostics(self) -> Disclosure:
        return self._diagnostics

    def card(self, sn: str) -> InverterCard | None:
        return self._cards.get(sn)

    def section_sns(self) -> list[str]:
        return list(self._cards)

    def field_text(self, sn: str, key: str) -> str | None:
        """The text of one detail row, or ``None`` when the row is hidden; ``next_poll`` is read
        from Diagnostics (for tests and e2e)."""
        card = self._cards.get(sn)
        if card is None:
            return None
        if key == "next_poll":
            return self._rows.get(sn, {}).get("next_poll")
        return card.field_text(key)

    def tile_text(self, key: str) -> str:
        """The value of one headline tile ("pv", "yield", ...), as shown."""
        for grid in (self._now, self._today_tiles):
            tile = grid.tiles.get(key)
            if tile is not None:
                return tile.value.text()
        raise KeyError(key)

    def badge_image(self) -> QImage:
        """The state badge as drawn (for tests and screenshots)."""
        return self._badge.pixmap().toImage()

    def headline_text(self) -> str:
        return self._headline.text()

    def problem_text(self) -> str | None:
        return self._problem.text() if not self._problem.isHidden() else None

    def quota_text(self) -> str:
        return diagnostics_lines(self._view)[0] if self._view is not None else "—"

    def diagnostics_text(self) -> str:
        return self._diagnostics_text.text()

    def set_history(self, history: HistoryStore | None) -> None:
        self._history = history
        self._export.setEnabled(history is not None)
        self._history_key = None
        self._view_day = None  # the plant's offset may be another
        self._month_cache = None  # its months were another store's
        self._fill_history()

    def update_view(self, view: TrayView) -> None:
        """Show ``view``. Only texts change unless the set of serials did."""
        self._view = view
        self._view_day = None
        self._view_arrived = self._monotonic()
        sns = [inv.sn for inv in view.inverters]
        if sns != list(self._cards):
            self._rebuild_cards(sns)
        self._headline.setText(view.state.label)
        self._headline.setAccessibleName(_("State: {state}").format(state=view.state.label))
        self._update_badge(view)
        if view.problem is not None:
            self._problem.setText(view.problem.sentence)
            # The error's own words (for example what the cloud said) as detail on hover.
            self._problem.setToolTip(view.problem.message)
            self._problem.show()
        else:
            self._problem.clear()
            self._problem.hide()
        self._now.set_tiles(now_tiles(view))
        live = [
            inv.snapshot
            for inv in view.inverters
            if inv.snapshot is not None and inv.state is not TrayState.STALE
        ]
        self._flow.set_values(FlowValues.from_snapshots(live))
        self._flow_box.setVisible(bool(live))
        self._fill_cards(view, 0.0)
        has_inverters = bool(view.inverters)
        self._cards_caption.setVisible(has_inverters)
        self._cards_host.setVisible(has_inverters)
        self._fill_history()

    def _update_badge(self, view: TrayView) -> None:
        """The tray icon itself beside the headline, so the popup and the tray read alike."""
        key = view.visual_key
        if key == self._badge_key:
            return
        self._badge_key = key
        dpr = self.devicePixelRatioF()
        # The badge sits on this window, not on the panel: contrast with our own background.
        dark = self.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5
        image = render_icon(view, 32, dpr=dpr, dark_panel=dark)
        self._badge.setPixmap(QPixmap.fromImage(image))
        self._badge.setAccessibleName(_("State: {state}").format(state=view.state.label))

    def _rebuild_cards(self, sns: list[str]) -> None:
        while self._cards_layout.count():
            item = self._cards_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._cards.clear()
        self._rows.clear()
        for sn in sns:
            card = InverterCard(sn)
            self._cards_layout.addWidget(card)
            self._cards[sn] = card

    def _fill_cards(self, view: TrayView, elapsed: float) -> None:
        """Every inverter's card, ``elapsed`` seconds after ``view`` was built."""
        now = view.now + elapsed
        ages: list[float] = []
        for inv in view.inverters:
            card = self._cards.get(inv.sn)
            if card is None:
                continue
            shown = inv
            if elapsed and inv.upload_age_s is not None:
                shown = replace(inv, upload_age_s=inv.upload_age_s + elapsed)
            if shown.upload_age_s is not None:
                ages.append(shown.upload_age_s)
            rows = inverter_rows(shown, now)
            self._rows[inv.sn] = rows
            # One inverter: its problem is the headline's; saying it twice is noise.
            hide_problem = view.problem is not None and inv.problem == view.problem
            card.set_card(
                inverter_card(shown, now, self._local_offset), rows, hide_problem=hide_problem
            )
        if ages and view.state is not TrayState.SETUP:
            age = age_text(min(ages), now, self._local_offset)
            self._updated.setText(_("Updated {age}").format(age=age.relative))
            self._updated.setToolTip(age.absolute)
            self._updated.setAccessibleName(
                _("Updated {age}, {time}").format(age=age.relative, time=age.absolute)
            )
        else:
            self._updated.setText("")
            self._updated.setToolTip("")
        self._diagnostics_text.setText("\n".join(diagnostics_lines(view, elapsed)))

    # ----------------------------------------------------------------------------------------
    # History: today's totals, the curve and the bars

    def _history_day(self) -> date | None:
        """The plant's today, known once a view arrived: as worked out for that view, since
        asking the store again would wait while a worker reads the history."""
        if self._view is None:
            return None
        if self._view_day is None:
            self._view_day = self._plant_day(self._view)
        return self._view_day

    def _plant_day(self, view: TrayView) -> date:
        """The plant's today, by the offset the history recorded when it has one."""
        known: float | None = None
        if self._history is not None:
            try:
                minutes = self._history.plant_offset_min()
            except SolaxTrayError:
                minutes = None  # said where the rows are read
            known = None if minutes is None else minutes * 60.0
        return plant_today(view, self._local_offset, known)

    def _fill_history(self) -> None:
        """Today's figures and curve, read again when something may have changed: a new upload,
        another day, or the window opening (one day of rows: milliseconds)."""
        view = self._view
        if view is None:
            return
        day = self._plant_day(view)
        self._view_day = day
        if not self.isVisible():
            # Nobody looks: the figures are read when the window opens.
            self._today_tiles.set_tiles(
                today_tiles(view, self._today if day == self._today_day else None)
            )
            return
        uploads = tuple(
            (inv.sn, inv.snapshot.upload_time) for inv in view.inverters if inv.snapshot is not None
        )
        key = (id(self._history), day, uploads)
        if key == self._history_key:
            return
        self._history_key = key
        curve: DayCurve | None = None
        figures: Sequence[DayTotals] = ()
        store = self._history
        if store is not None:
            from solaxtray.core.history import daily_figures
            from solaxtray.core.history.curve import curve_of_rows

            try:
                rows = store.rows(None, first=day, last=day)
                figures = daily_figures(store, None, day, day)
            except SolaxTrayError as exc:
                logger.warning("History not readable: %s", exc.message)
                self._show_status(exc.message, from_history=True)
            else:
                if self._status_from_history:
                    self._show_status("")
                offset = history_offset(rows)
                if offset is None:
                    offset = plant_offset(view, self._local_offset)
                curve = day_curve_model(curve_of_rows(rows), day, offset_s=offset)
        self._figures = figures

        self._today = fleet_day(figures, day)
        self._today_day = day
        self._today_caption.setText(_("Today, {date}").format(date=format_day_month(day)))
        self._today_tiles.set_tiles(today_tiles(view, self._today))
        self._curve_chart.set_model(curve)
        self._show_bars(day)
        self._want_past(day)

    def _past_covers(self, day: date, days: int) -> bool:
        """Whether the earlier days in hand serve a ``days``-day chart of ``day``."""
        return (
            self._past_from is self._history
            and self._past_day == day
            and self._past_days >= days - 1
            and (self._past_failed_for is None or self._past_failed_for == self._history_key)
        )

    def _want_past(self, day: date) -> None:
        """The earlier days of the bar chart do not change: they are computed once per day and
        range, on a worker thread, since a month of rows takes a while to read."""
        if self._bar_months:
            self._want_months(day)
            return
        store = self._history
        if store is None or not self.isVisible() or self._past_covers(day, self._bar_days):
            return
        if self._past_pending:
            return  # asked again when the running read is done (``_past_done``)
        from solaxtray.core.history import daily_figures

        wanted = self._bar_days - 1
        first, last = day - timedelta(days=wanted), day - timedelta(days=1)
        key = self._history_key
        self._past_pending = True
        self._caller.call(
            lambda: daily_figures(store, None, first, last),
            lambda result, error: self._past_done(store, key, day, result, error, wanted=wanted),
            name="solaxtray-days",
        )

    def _past_done(
        self,
        store: HistoryStore,
        key: object,
        day: date,
        result: Sequence[DayTotals] | None,
        error: BaseException | None,
        *,
        wanted: int,
    ) -> None:
        self._past_pending = False
        current = store is self._history and day == self._history_day()
        if error is not None and store is self._history:
            if isinstance(error, SolaxTrayError):
                logger.warning("History not readable: %s", error.message)
                self._show_status(error.message, from_history=True)
            else:
                logger.error("Daily figures failed: %s", error, exc_info=error)
            if current:
                # The bars without earlier days, not again for the same state.
                self._past, self._past_day, self._past_days = (), day, wanted
                self._past_from, self._past_failed_for = store, key
        elif current and not (
            self._past_failed_for is None
            and self._past_from is store
            and self._past_day == day
            and self._past_days > wanted
        ):
            # A late, shorter range never replaces a longer one already in hand.
            self._past, self._past_day, self._past_days = result or (), day, wanted
            self._past_from, self._past_failed_for = store, None
        if not self._bar_months:
            self._show_bars(self._history_day())
        today = self._history_day()
        if today is not None and not self._bar_months:
            self._want_past(today)

    def _want_months(self, day: date) -> None:
        """The twelve-month figures, computed on a worker thread: again when the history key
        changed (a new upload, another day), the past months from the cache."""
        store = self._history
        if store is None or not self.isVisible():
            return
        key = self._history_key
        if self._months_for == key and self._months_day == day:
            return
        if self._months_pending:
            self._months_again = True
            return
        from solaxtray.core.history.monthly import MonthCache, add_months, monthly_figures

        if self._month_cache is None:
            # Kept beside the store's database too: the next session starts from it.
            self._month_cache = MonthCache.beside(store)
        cache = self._month_cache
        first = add_months(day, 1 - MONTHS_RANGE)
        self._months_pending = True
        self._months_again = False
        self._caller.call(
            lambda: monthly_figures(store, None, first, day, cache=cache, today=day),
            lambda result, error: self._months_done(store, key, day, result, error),
            name="solaxtray-months",
        )

    def _months_done(
        self,
        store: HistoryStore,
        key: object,
        day: date,
        result: Sequence[MonthTotals] | None,
        error: BaseException | None,
    ) -> None:
        self._months_pending = False
        if error is not None:
            if isinstance(error, SolaxTrayError):
                logger.warning("History not readable: %s", error.message)
                self._show_status(error.message, from_history=True)
            else:
                logger.error("Monthly figures failed: %s", error, exc_info=error)
            self._months = ()
            self._months_for = key  # not again for the same state: the next upload retries
            self._months_day = day
        elif store is self._history:
            self._months = result or ()
            self._months_for = key
            self._months_day = day
        if self._bar_months and store is self._history:
            self._show_bars(day)
        today = self._history_day()
        if (
            today is not None
            and self._bar_months
            and (self._months_again or self._months_for != self._history_key)
        ):
            self._want_months(today)

    def bars_ready(self) -> bool:
        """Whether the bar chart holds every day (or month) of its range that the history has
        (the earlier days arrive just after the window draws, the months from a worker)."""
        day = self._history_day()
        if self._history is None or day is None:
            return True
        if self._bar_months:
            return (
                not self._months_pending
                and self._months_day == day
                and self._months_for == self._history_key
            )
        return self._past_covers(day, self._bar_days)

    def _bars(self, day: date | None) -> DayBars | MonthBars | None:
        if self._history is None or day is None:
            return None
        if self._bar_months:
            if self._months_day != day:
                return None  # still being read: see ``_show_bars``
            return month_bars(self._months, day, MONTHS_RANGE)
        if not self._past_covers(day, self._bar_days):
            return None  # still being read: see ``_show_bars``
        return day_bars([*self._past, *self._figures], day, self._bar_days)

    def _show_bars(self, day: date | None) -> None:
        """The bar chart's model, or, while the months are first read, a sentence saying so
        (an empty year would read as "no history"). While another range of days is read, the
        chart keeps what it shows (a range of days with today's bar kept up to date, or the
        months), so nothing flickers back to empty; with nothing to keep, today's bar first."""
        model = self._bars(day)
        shown = self._bar_days if model is not None else 0
        if model is None and not self._bar_months and self._history is not None and day is not None:
            if self._shown_days > 0 and self._past_covers(day, self._shown_days):
                model = day_bars([*self._past, *self._figures], day, self._shown_days)
                shown = self._shown_days
            elif self._shown_days == SHOWN_MONTHS and self._shown_day == day:
                return  # the twelve months stay until the days arrive
            else:
                known = self._past_from is self._history and self._past_day == day
                past = self._past if known else ()
                model = day_bars([*past, *self._figures], day, self._bar_days)
        if self._bar_months:
            shown = SHOWN_MONTHS if model is not None else 0
        waiting = model is None and self._bar_months and self._history is not None
        placeholder = _("Reading the history…") if waiting and day is not None else None
        self._shown_days = shown
        self._shown_day = day
        self._bars_chart.set_model(model, placeholder=placeholder)

    @property
    def bar_days(self) -> int:
        return self._bar_days

    @property
    def showing_months(self) -> bool:
        """Whether the bar chart shows the last twelve months (else ``bar_days`` days)."""
        return self._bar_months

    def set_bar_days(self, days: int) -> None:
        """Show the last ``days`` days (7 or 30) in the bar chart."""
        if days not in BAR_RANGES:
            raise ValueError(f"no bar chart over {days} days")
        self._bar_days = days
        self._bar_months = False
        self._range_caption.setText(_("Daily"))
        button = self._range_group.button(days)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        day = self._history_day()
        self._show_bars(day)
        if day is not None:
            self._want_past(day)

    def show_months(self) -> None:
        """Show the last twelve months in the bar chart, the current month last."""
        self._bar_months = True
        self._range_caption.setText(_("Monthly"))
        if not self._months_button.isChecked():
            self._months_button.setChecked(True)
        day = self._history_day()
        self._show_bars(day)
        if day is not None:
            self._want_past(day)

    # ----------------------------------------------------------------------------------------
    # Export

    def _show_status(self, text: str, *, from_history: bool = False) -> None:
        """One line above the buttons: an export's outcome, or why the history cannot be read
        (cleared by the next good read)."""
        self._status.setText(text)
        self._status.setVisible(bool(text))
        self._status_from_history = from_history and bool(text)

    def status_text(self) -> str | None:
        return self._status.text() if not self._status.isHidden() else None

    def export_csv(self, *, daily: bool) -> Path | None:
        """Ask where, then write the whole history as CSV: one line per day and serial (plus the
        fleet) with ``daily``, else one line per snapshot. Returns the file chosen; the writing
        runs on a worker thread (a year of uploads takes seconds: the window must not freeze),
        and its outcome is the status line, with ``exported`` emitted after a good one."""
        store = self._history
        if store is None or self._exporting:
            return None
        kind = "daily" if daily else "snapshots"
        day = self._history_day()
        stamp = f"-{day.isoformat()}" if day is not None else ""
        suggested = str(Path.home() / f"solaxtray-{kind}{stamp}.csv")
        title = _("Export daily figures as CSV") if daily else _("Export every snapshot as CSV")
        chosen = self._save_path(self, title, suggested)
        if not chosen:
            return None
        target = Path(chosen)
        last = day or date.today()
        self._exporting = True
        self._export.setEnabled(False)
        self._show_status(_("Exporting to {file}…").format(file=target.name))
        self._caller.call(
            lambda: write_history_csv(store, target, last, daily=daily),
            lambda count, error: self._export_done(target, count, error),
            name="solaxtray-export",
        )
        return target

    def _export_done(self, target: Path, count: int | None, error: BaseException | None) -> None:
        self._exporting = False
        self._export.setEnabled(self._history is not None)
        if isinstance(error, SolaxTrayError):
            logger.warning("CSV export failed: %s", error.message)
            self._show_status(_("Could not export: {reason}").format(reason=error.message))
            return
        if isinstance(error, OSError):
            reason = error.strerror or type(error).__name__
            logger.warning("CSV export to %s failed: %s", target, reason)
            self._show_status(
                _("Could not export: {path} cannot be written ({reason}).").format(
                    path=target, reason=reason
                )
            )
            return
        if error is not None or count is None:
            logger.error("CSV export failed", exc_info=error)
            reason = type(error).__name__ if error is not None else "?"
            self._show_status(_("Could not export: {reason}").format(reason=reason))
            return
        self._show_status(
            ngettext("Exported {n} line to {file}.", "Exported {n} lines to {file}.", count).format(
                n=format_number(count), file=target.name
            )
        )
        self.exported.emit(str(target))
