"""The detail window: the whole fleet at a click, one section per inverter, plus the energy flow.

It shows a :class:`TrayView` and nothing else: it never polls and never waits. ``update_view``
only sets label texts, so a live update costs microseconds on the GUI thread.

Relative times ("2 min ago", "in 40 s") would go stale between polls, which come every five
minutes when idle; so while the window is visible, and only then, a timer moves them on by the
time elapsed since the view arrived (a monotonic clock: the view's own ``now`` is the wall time).
Hidden, nothing ticks.

The same widget serves as a frameless popup next to the tray icon and as an ordinary window (the
fallback when there is no tray, or when the user wants it to stay open).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCursor,
    QGuiApplication,
    QHideEvent,
    QImage,
    QKeyEvent,
    QPalette,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.models import BatteryStatus, Snapshot
from solaxtray.core.presentation import InverterView, TrayState, TrayView
from solaxtray.ui.flow import FlowValues, FlowWidget
from solaxtray.ui.icon import STATE_COLOURS, render_icon
from solaxtray.ui.text import (
    format_age,
    format_battery,
    format_energy,
    format_grid,
    format_next_poll,
    format_next_try,
    format_percent,
    format_power,
    format_quota,
    format_since,
)

logger = logging.getLogger(__name__)

FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("notes", "Details"),
    ("type", "Type"),
    ("ac", "AC power"),
    ("pv", "PV"),
    ("battery", "Battery"),
    ("battery_status", "Battery state"),
    ("grid", "Grid"),
    ("eps", "EPS"),
    ("yield", "Yield"),
    ("energy", "Grid energy"),
    ("upload", "Last upload"),
    ("next_poll", "Next poll"),
    ("problem", "Problem"),
)
"""The rows of an inverter section: key (used in object names and by tests) and label."""
POPUP_SCREEN_SHARE = 0.85
"""The most of the screen's available height a popup takes before its inverter list scrolls."""
SECTIONS_MIN_HEIGHT = 120
"""The inverter list never shrinks below this: it scrolls instead."""
AGE_REFRESH_MS = 10_000
"""How often a visible window moves its relative times on ("45 s ago" counts in 10 s steps)."""


def inverter_rows(view: InverterView, now: float) -> dict[str, str | None]:
    """The text of every row of one inverter's section; ``None`` hides the row.

    Pure (no widgets), so the wording is tested without a window.
    """
    snap = view.snapshot
    rows: dict[str, str | None] = dict.fromkeys(key for key, _ in FIELDS)
    status = view.status_label or ("No data yet" if snap is None else "Unknown")
    since = format_since(view.status_since, now)
    rows["status"] = f"{status} · {since}" if since else status
    rows["notes"] = "\n".join(view.notes) if view.notes else None  # core.notes: alarm, EPS, PV
    rows["type"] = view.type_label
    if view.retrying:
        rows["next_poll"] = format_next_try(view.next_poll_at, now)
    else:
        rows["next_poll"] = format_next_poll(view.next_poll_at, now)
    rows["problem"] = view.problem.sentence if view.problem is not None else None
    if snap is None:
        return rows
    rows["ac"] = format_power(snap.ac_power)
    rows["pv"] = _pv_text(snap)
    if snap.has_battery or snap.bat_power not in (None, 0.0):
        rows["battery"] = format_battery(snap.bat_power, snap.soc)
    if snap.bat_status is not None and snap.bat_status is not BatteryStatus.NORMAL:
        rows["battery_status"] = snap.bat_status.label
    # Without a meter the cloud sends null: say so rather than draw a dash that looks broken.
    rows["grid"] = "not measured" if snap.feedin_power is None else format_grid(snap.feedin_power)
    rows["eps"] = _eps_text(snap)
    rows["yield"] = (
        f"{format_energy(snap.yield_today)} {_yield_day(snap, view.upload_age_s)} · "
        f"{format_energy(snap.yield_total)} total"
    )
    if snap.feedin_energy is not None or snap.consume_energy is not None:
        rows["energy"] = (
            f"fed in {format_energy(snap.feedin_energy)} · "
            f"consumed {format_energy(snap.consume_energy)} (lifetime)"
        )
    if snap.upload_time is not None:
        # Plant-local wall time: shown as the plant shows it, with our own estimate of its age.
        when = snap.upload_time.strftime("%Y-%m-%d %H:%M:%S")
        # "plant time": a plant abroad writes a clock that differs from this machine's.
        rows["upload"] = f"{when} plant time · {format_age(view.upload_age_s)}"
    elif snap.upload_time_raw:
        rows["upload"] = snap.upload_time_raw
    return rows


def _yield_day(snap: Snapshot, age_s: float | None) -> str:
    """ "today", or the plant's date of the upload when that was an earlier day: after a night
    without uploads the cloud still answers with yesterday's last upload and its day total."""
    upload = snap.upload_time
    if upload is None or age_s is None or not math.isfinite(age_s) or age_s < 0:
        return "today"
    try:
        plant_now = upload + timedelta(seconds=age_s)
    except OverflowError:
        return "today"
    if plant_now.date() == upload.date():
        return "today"
    return f"on {upload.day} {upload.strftime('%b')}"


def _pv_text(snap: Snapshot) -> str:
    present = [(i + 1, p) for i, p in enumerate(snap.pv_power) if p is not None]
    if not present:
        return "—"
    total = format_power(snap.pv_total)
    if len(present) == 1:
        return total
    parts = " + ".join(f"{format_power(p)} (MPPT{i})" for i, p in present)
    return f"{total} = {parts}"


def _eps_text(snap: Snapshot) -> str | None:
    """EPS per phase, only when in use: during an EPS episode or when a phase carries load."""
    in_eps = snap.inverter_status is not None and snap.inverter_status.is_eps
    phases = [(name, p) for name, p in zip("RST", snap.eps_power, strict=True) if p is not None]
    if not phases or not (in_eps or any(abs(p) >= 1 for _, p in phases)):
        return None
    return " · ".join(f"{name} {format_power(p)}" for name, p in phases)


def place_near(size: QSize, anchor: QRect, available: QRect, *, margin: int = 6) -> QPoint:
    """Top-left corner for a window of ``size`` next to ``anchor`` (the tray icon), inside
    ``available`` (the screen minus panels).

    The window goes below the icon when the icon is in the top half (a top panel) and above it
    otherwise, right-aligned with the icon, then clamped so no edge leaves the screen. An empty
    anchor (the platform did not say where the icon is) puts the window in the corner nearest
    to where trays usually are: bottom right.
    """
    w, h = size.width(), size.height()
    if anchor.isNull() or not anchor.isValid():
        x = available.right() - w - margin + 1
        y = available.bottom() - h - margin + 1
    else:
        x = anchor.right() - w + 1
        if anchor.center().y() < available.center().y():
            y = anchor.bottom() + margin + 1
        else:
            y = anchor.top() - h - margin
        if anchor.center().x() < available.left() + w:
            # A tray on the left edge (a vertical panel, or a left-aligned tray).
            x = anchor.left()
    x = max(available.left() + margin, min(x, available.right() - w - margin + 1))
    y = max(available.top() + margin, min(y, available.bottom() - h - margin + 1))
    return QPoint(x, y)


@dataclass
class _Section:
    box: QGroupBox
    form: QFormLayout
    labels: dict[str, QLabel]


class PopupWindow(QWidget):
    """Fleet details. Signals let the tray wiring react to the buttons without the popup knowing
    about the poller or the settings dialog."""

    refresh_requested = Signal()
    settings_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        as_popup: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("solaxtray-popup")
        self.setWindowTitle("SolaX inverters")
        self._as_popup = as_popup
        self._sections: dict[str, _Section] = {}
        self._view: TrayView | None = None
        self._monotonic = monotonic
        self._view_arrived = monotonic()
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self.refresh_ages)

        self._headline = QLabel("—")
        self._headline.setObjectName("headline")
        font = self._headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._headline.setFont(font)
        self._problem = QLabel()
        self._problem.setObjectName("problem")
        self._problem.setWordWrap(True)
        self._problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._problem.hide()
        self._flow = FlowWidget()
        self._quota = QLabel("—")
        self._quota.setObjectName("quota")

        self._sections_host = QWidget()
        self._sections_layout = QVBoxLayout(self._sections_host)
        self._sections_layout.setContentsMargins(0, 0, 0, 0)
        self._scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._sections_host)
        self._badge = QLabel()
        self._badge.setObjectName("badge")
        self._badge_key: object = None

        refresh = QPushButton("Refresh now")
        refresh.setObjectName("refresh")
        refresh.clicked.connect(self.refresh_requested)
        settings = QPushButton("Settings…")
        settings.setObjectName("settings")
        settings.clicked.connect(self.settings_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self._quota, 1)
        buttons.addWidget(refresh)
        buttons.addWidget(settings)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self._badge)
        top.addWidget(self._headline, 1)
        layout.addLayout(top)
        layout.addWidget(self._problem)
        layout.addWidget(self._flow)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.set_popup_mode(as_popup)
        self.resize(380, 560)

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

    def position_near(self, anchor: QRect) -> QPoint:
        """Move next to the tray icon's geometry, within the available area of its screen.

        StatusNotifierItem trays (GNOME, KDE) do not tell Qt where the icon is, so an empty
        anchor falls back to the mouse pointer: the user has just clicked the icon with it.
        """
        if anchor.isNull() or not anchor.isValid():
            pointer = QCursor.pos()
            if QGuiApplication.screenAt(pointer) is not None:
                anchor = QRect(pointer, QSize(1, 1))
        screen = QGuiApplication.screenAt(anchor.center()) if not anchor.isNull() else None
        screen = screen or self.screen() or QGuiApplication.primaryScreen()
        size = self.size() if self.isVisible() else self.sizeHint().expandedTo(self.size())
        available = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)
        point = place_near(size, anchor, available)
        self.move(point)
        return point

    def show_near(self, anchor: QRect) -> None:
        self.position_near(anchor)
        self.show()
        self.raise_()
        self.activateWindow()

    def toggle_near(self, anchor: QRect) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show_near(anchor)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        # A popup goes away when the user clicks elsewhere, like the desktop's own tray popups.
        if (
            event.type() == QEvent.Type.ActivationChange
            and self._as_popup
            and self.isVisible()
            and not self.isActiveWindow()
        ):
            self.hide()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.refresh_ages()
        self._age_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self._age_timer.stop()
        super().hideEvent(event)

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
            self._fill_sections(view, elapsed)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self._as_popup:
            self.hide()
            return
        super().keyPressEvent(event)

    # ----------------------------------------------------------------------------------------
    # Content

    @property
    def view(self) -> TrayView | None:
        return self._view

    @property
    def flow(self) -> FlowWidget:
        return self._flow

    def section_sns(self) -> list[str]:
        return list(self._sections)

    def field_text(self, sn: str, key: str) -> str | None:
        """The text shown in one row, or ``None`` when the row is hidden (for tests and e2e)."""
        section = self._sections.get(sn)
        if section is None:
            return None
        label = section.labels[key]
        return label.text() if _row_visible(section.form, label) else None

    def badge_image(self) -> QImage:
        """The state badge as drawn (for tests and screenshots)."""
        return self._badge.pixmap().toImage()

    def headline_text(self) -> str:
        return self._headline.text()

    def problem_text(self) -> str | None:
        return self._problem.text() if not self._problem.isHidden() else None

    def quota_text(self) -> str:
        return self._quota.text()

    def update_view(self, view: TrayView) -> None:
        """Show ``view``. Only texts change unless the set of serials did."""
        self._view = view
        self._view_arrived = self._monotonic()
        sns = [inv.sn for inv in view.inverters]
        if sns != list(self._sections):
            self._rebuild_sections(sns)
        headline = [view.state.label]
        if view.power_w is not None:
            # "Setup needed · —" reads like a value is missing; no value means no number at all.
            headline.append(format_power(view.power_w))
        if view.soc is not None:
            headline.append(format_percent(view.soc))
        self._headline.setText(" · ".join(headline))
        self._headline.setToolTip(view.state.label)
        self._update_badge(view)
        if view.problem is not None:
            self._problem.setText(view.problem.sentence)
            # The error's own words (for example what the cloud said) as detail on hover.
            self._problem.setToolTip(view.problem.message)
            self._problem.show()
        else:
            self._problem.clear()
            self._problem.hide()
        live = [
            inv.snapshot
            for inv in view.inverters
            if inv.snapshot is not None and inv.state is not TrayState.STALE
        ]
        self._flow.set_values(FlowValues.from_snapshots(live))
        self._flow.setVisible(bool(live))
        self._quota.setText(f"Requests: {format_quota(view.requests_today, view.daily_quota)}")
        self._fill_sections(view, 0.0)
        # No serials (first run): an empty scroll area would be a blank gap above the buttons.
        self._scroll.setVisible(bool(view.inverters))
        self._fit_to_content()

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

    def _fit_to_content(self) -> None:
        """A popup is as tall as its content (up to most of the screen); a normal window keeps
        the size the user gave it."""
        host = self._sections_host.sizeHint().height()
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry().height() if screen is not None else 768
        # Everything but the sections (headline, problem, flow, buttons) must stay on screen:
        # on a small screen (1366x768 with a panel) the buttons were cut off below its edge.
        self._scroll.setMinimumHeight(0)
        others = self.sizeHint().height() - self._scroll.sizeHint().height()
        cap = max(SECTIONS_MIN_HEIGHT, POPUP_SCREEN_SHARE * available - others)
        self._scroll.setMinimumHeight(round(min(host, cap)))
        if self._as_popup:
            self.adjustSize()

    def _rebuild_sections(self, sns: list[str]) -> None:
        # Empty the layout entirely (boxes and the trailing stretch), so stretches do not pile up.
        while self._sections_layout.count():
            item = self._sections_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._sections.clear()
        for sn in sns:
            box = QGroupBox(sn)
            box.setObjectName(f"inverter-{sn}")
            form = QFormLayout(box)
            labels: dict[str, QLabel] = {}
            for key, title in FIELDS:
                label = QLabel()
                label.setObjectName(f"{sn}.{key}")
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(title, label)
                labels[key] = label
            self._sections_layout.addWidget(box)
            self._sections[sn] = _Section(box, form, labels)
        self._sections_layout.addStretch(0)

    def _fill_sections(self, view: TrayView, elapsed: float) -> None:
        """Every inverter's rows, ``elapsed`` seconds after ``view`` was built."""
        now = view.now + elapsed
        for inv in view.inverters:
            section = self._sections.get(inv.sn)
            if section is None:
                continue
            shown = inv
            if elapsed and inv.upload_age_s is not None:
                shown = replace(inv, upload_age_s=inv.upload_age_s + elapsed)
            self._fill_section(section, shown, now)
            if view.problem is not None and inv.problem == view.problem:
                # One inverter: its problem is the headline's; saying it twice is noise.
                section.form.setRowVisible(section.labels["problem"], False)

    def _fill_section(self, section: _Section, inv: InverterView, now: float) -> None:
        section.box.setTitle(inv.title)
        rows = inverter_rows(inv, now)
        for key, label in section.labels.items():
            text = rows.get(key)
            section.form.setRowVisible(label, text is not None)
            if text is not None and label.text() != text:
                label.setText(text)
        colour = STATE_COLOURS[inv.state]
        section.labels["status"].setStyleSheet(f"color: {colour};" if inv.state.is_problem else "")


def _row_visible(form: QFormLayout, label: QLabel) -> bool:
    return form.isRowVisible(label)
