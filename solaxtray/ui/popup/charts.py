"""The popup's two charts, drawn with QPainter: today's curve and the daily or monthly bars.

They draw the models of :mod:`solaxtray.core.dashboard` and decide nothing about scales or
wording. Both take keyboard focus: the left and right arrows (Home and End) move a cursor from
sample to sample, the mouse does the same by hovering, and the read-out sentence under the cursor
is emitted, shown beside the chart and set as the chart's accessible description, so a screen
reader user reads the same values a mouse user sees.

Over 500 lines: two charts on one shared cursor base; each chart draws its own axes, legend and
marks, and splitting them apart would split that base from its only two users.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from solaxtray.core.charts import Axis, format_tick, nearest_index, step_index
from solaxtray.core.dashboard import SERIES, DayBar, DayBars, DayCurve, MonthBar, MonthBars
from solaxtray.core.i18n import N_, _

SERIES_COLOURS: dict[str, str] = {
    "pv": "#e0a800",
    "home": "#8e5bb5",
    "grid": "#2f6fdb",
    "battery": "#2e9e44",
    "soc": "#7a7a7a",
}
"""The energy-flow picture's node colours, so a line and its node read alike."""
SERIES_STYLES: dict[str, Qt.PenStyle] = {
    "pv": Qt.PenStyle.SolidLine,
    "home": Qt.PenStyle.SolidLine,
    "grid": Qt.PenStyle.DashLine,
    "battery": Qt.PenStyle.DotLine,
    "soc": Qt.PenStyle.DashDotLine,
}
"""A pen style per line, so the lines differ by shape as well as colour."""
SERIES_WIDTHS: dict[str, float] = {"pv": 2.4, "home": 1.6, "grid": 1.6, "battery": 1.8, "soc": 1.4}
LEGEND_NAMES: dict[str, str] = {**dict(SERIES), "soc": N_("Charge")}
"""Marked for translation; translated where drawn."""


class _CursorChart(QWidget):
    """What both charts share: a focusable surface with a sample cursor and a read-out."""

    readout_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._cursor: int | None = None

    # --- what subclasses provide -----------------------------------------------------------

    def sample_count(self) -> int:
        raise NotImplementedError

    def sample_x(self, index: int) -> float:
        """The pixel x of sample ``index``."""
        raise NotImplementedError

    def sample_readout(self, index: int) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        raise NotImplementedError

    # --- cursor -----------------------------------------------------------------------------

    @property
    def cursor_index(self) -> int | None:
        return self._cursor

    def readout(self) -> str:
        """The sentence under the cursor, or the chart's summary when there is no cursor."""
        if self._cursor is None or self._cursor >= self.sample_count():
            return self.summary()
        return self.sample_readout(self._cursor)

    def set_cursor(self, index: int | None) -> None:
        count = self.sample_count()
        if index is not None and not 0 <= index < count:
            index = None
        self._cursor = index
        self._announce()
        self.update()

    def _announce(self) -> None:
        text = self.readout()
        self.setAccessibleDescription(text)
        self.setToolTip(text if self._cursor is not None else "")
        self.readout_changed.emit(text)

    def _model_changed(self) -> None:
        """Keep the cursor on a sample that still exists, then re-announce."""
        if self._cursor is not None and self._cursor >= self.sample_count():
            self._cursor = None
        self._announce()
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        count = self.sample_count()
        key = event.key()
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}
        if key in moves and count:
            self.set_cursor(step_index(count, self._cursor, moves[Qt.Key(key)]))
            return
        if key == Qt.Key.Key_Home and count:
            self.set_cursor(0)
            return
        if key == Qt.Key.Key_End and count:
            self.set_cursor(count - 1)
            return
        super().keyPressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        count = self.sample_count()
        if count:
            xs = [self.sample_x(i) for i in range(count)]
            index = nearest_index(xs, event.position().x())
            if index != self._cursor:
                self.set_cursor(index)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        if not self.hasFocus():
            self.set_cursor(None)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusInEvent(event)
        self.update()

    # --- drawing helpers --------------------------------------------------------------------

    LEFT = 46
    RIGHT = 8
    TOP = 18
    BOTTOM = 18
    """The plot's margins inside the widget, for the axes and the legend."""

    def _plot_rect(self) -> QRectF:
        return QRectF(self.rect()).adjusted(self.LEFT, self.TOP, -self.RIGHT, -self.BOTTOM)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint(painter)
            self._draw_focus(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        raise NotImplementedError

    def _text_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    def _grid_colour(self) -> QColor:
        colour = QColor(self._text_colour())
        colour.setAlphaF(0.18)
        return colour

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        return font

    def _draw_focus(self, painter: QPainter) -> None:
        """A visible focus frame in the palette's highlight colour."""
        if not self.hasFocus():
            return
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)

    def _draw_value_axis(self, painter: QPainter, axis: Axis, unit: str, *, right: bool) -> None:
        plot = self._plot_rect()
        painter.setFont(self._small_font())
        for tick in axis.ticks:
            y = axis.to_pixels(tick, plot.bottom(), plot.top())
            if not right:
                painter.setPen(QPen(self._grid_colour(), 1.0))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(self._text_colour())
            if right:
                box = QRectF(plot.right() + 3, y - 8, 40, 16)
                align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            else:
                box = QRectF(0, y - 8, plot.left() - 4, 16)
                align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(box, int(align), format_tick(tick, unit))


class DayCurveChart(_CursorChart):
    """Today since midnight: PV, home, grid and battery power on the left axis, the battery's
    charge on its own right axis (0 to 100 %)."""

    LEFT = 46
    RIGHT = 36
    TOP = 18
    BOTTOM = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("day-curve")
        self.setAccessibleName(_("Today's power curve"))
        self._model: DayCurve | None = None
        self.setFixedHeight(170)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(380, 170)

    @property
    def model(self) -> DayCurve | None:
        return self._model

    def set_model(self, model: DayCurve | None) -> None:
        self._model = model
        self._model_changed()

    def sample_count(self) -> int:
        return len(self._model.xs) if self._model is not None else 0

    def sample_x(self, index: int) -> float:
        assert self._model is not None
        plot = self._plot_rect()
        return plot.left() + self._model.xs[index] / 86_400.0 * plot.width()

    def sample_readout(self, index: int) -> str:
        assert self._model is not None
        return self._model.readout(index)

    def summary(self) -> str:
        if self._model is None:
            return _("Today's curve: no history available.")
        return self._model.summary()

    def _paint(self, painter: QPainter) -> None:
        model = self._model
        plot = self._plot_rect()
        self._draw_legend(painter)
        if model is None or model.empty:
            painter.setPen(self._text_colour())
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), _("No history for today yet"))
            return
        self._draw_value_axis(painter, model.power_axis, "W", right=False)
        if model.has_soc:
            self._draw_value_axis(painter, model.soc_axis, "%", right=True)
        painter.setFont(self._small_font())
        painter.setPen(self._text_colour())
        for x, label in model.time_ticks:
            px = plot.left() + x / 86_400.0 * plot.width()
            painter.drawText(
                QRectF(px - 20, plot.bottom() + 2, 40, 14), int(Qt.AlignmentFlag.AlignCenter), label
            )
        zero = model.power_axis.to_pixels(0.0, plot.bottom(), plot.top())
        painter.setPen(QPen(self._text_colour(), 1.0))
        painter.drawLine(QPointF(plot.left(), zero), QPointF(plot.right(), zero))
        for key, _label in SERIES:
            self._draw_line(painter, key, model.power_axis)
        if model.has_soc:
            self._draw_line(painter, "soc", model.soc_axis)
        if self._cursor is not None and self._cursor < len(model.xs):
            x = self.sample_x(self._cursor)
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))

    def _draw_line(self, painter: QPainter, key: str, axis: Axis) -> None:
        assert self._model is not None
        plot = self._plot_rect()
        pen = QPen(QColor(SERIES_COLOURS[key]), SERIES_WIDTHS[key])
        pen.setStyle(SERIES_STYLES[key])
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for run in self._model.runs(key):
            path = QPainterPath()
            for i, (x, v) in enumerate(run):
                point = QPointF(
                    plot.left() + x / 86_400.0 * plot.width(),
                    axis.to_pixels(v, plot.bottom(), plot.top()),
                )
                if i == 0:
                    path.moveTo(point)
                else:
                    path.lineTo(point)
            if len(run) == 1:
                painter.drawPoint(path.currentPosition())
            else:
                painter.drawPath(path)

    def _draw_legend(self, painter: QPainter) -> None:
        painter.setFont(self._small_font())
        x = float(self.LEFT)
        keys = [key for key, _name in SERIES]
        if self._model is not None and self._model.has_soc:
            keys.append("soc")
        metrics = painter.fontMetrics()
        for key in keys:
            pen = QPen(QColor(SERIES_COLOURS[key]), SERIES_WIDTHS[key])
            pen.setStyle(SERIES_STYLES[key])
            painter.setPen(pen)
            painter.drawLine(QPointF(x, 8), QPointF(x + 16, 8))
            painter.setPen(self._text_colour())
            name = _(LEGEND_NAMES[key])
            painter.drawText(QPointF(x + 19, 12), name)
            x += 19 + metrics.horizontalAdvance(name) + 10


class DayBarsChart(_CursorChart):
    """Yield against consumption per day, or per month: a solid bar and a hatched bar side by
    side; a partial day has a dashed outline, a day without history no bar at all. A month that
    is not whole (gaps, or not over yet) is drawn faint inside a dashed outline in the text's
    colour, and the legend says what that shape means."""

    LEFT = 46
    RIGHT = 8
    TOP = 18
    BOTTOM = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("day-bars")
        self.setAccessibleName(_("Daily yield and consumption"))
        self._model: DayBars | MonthBars | None = None
        self._placeholder: str | None = None
        self.setFixedHeight(130)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(380, 130)

    @property
    def model(self) -> DayBars | MonthBars | None:
        return self._model

    def set_model(
        self, model: DayBars | MonthBars | None, *, placeholder: str | None = None
    ) -> None:
        """Show ``model``; with none, ``placeholder`` (when given) says why, for example that the
        history is still being read."""
        self._model = model
        self._placeholder = placeholder if model is None else None
        if isinstance(model, MonthBars) or placeholder is not None:
            self.setAccessibleName(_("Monthly yield and consumption"))
        else:
            self.setAccessibleName(_("Daily yield and consumption"))
        self._model_changed()

    def bar_marked(self, index: int) -> bool:
        """Whether bar ``index`` is drawn as not whole (a month with gaps or not over yet)."""
        model = self._model
        return isinstance(model, MonthBars) and model.bars[index].marked

    def sample_count(self) -> int:
        return len(self._model.bars) if self._model is not None else 0

    def _slot(self) -> float:
        count = max(1, self.sample_count())
        return self._plot_rect().width() / count

    def sample_x(self, index: int) -> float:
        return self._plot_rect().left() + (index + 0.5) * self._slot()

    def sample_readout(self, index: int) -> str:
        assert self._model is not None
        return self._model.readout(index)

    def summary(self) -> str:
        if self._model is None:
            if self._placeholder is not None:
                return self._placeholder
            return _("Daily yield and consumption: no history available.")
        return self._model.summary()

    def _paint(self, painter: QPainter) -> None:
        model = self._model
        plot = self._plot_rect()
        self._draw_legend(painter)
        if model is None and self._placeholder is not None:
            painter.setPen(self._text_colour())
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), self._placeholder)
            return
        if model is None or model.empty:
            painter.setPen(self._text_colour())
            empty = (
                _("No monthly history yet")
                if isinstance(model, MonthBars)
                else _("No daily history yet")
            )
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), empty)
            return
        self._draw_value_axis(painter, model.axis, "kWh", right=False)
        slot = self._slot()
        bar_w = max(1.0, slot * 0.38)
        painter.setFont(self._small_font())
        if isinstance(model, MonthBars):
            widest = max(
                painter.fontMetrics().horizontalAdvance(model.label(i))
                for i in range(len(model.bars))
            )
            step_labels = 1 if widest + 4 <= slot else 2
        else:
            step_labels = 1 if len(model.bars) <= 7 else 5
        bars: Sequence[DayBar | MonthBar] = model.bars
        for i, bar in enumerate(bars):
            left = plot.left() + i * slot + slot * 0.5 - bar_w
            if i == self._cursor:
                highlight = QColor(self.palette().color(QPalette.ColorRole.Highlight))
                highlight.setAlphaF(0.25)
                painter.fillRect(
                    QRectF(plot.left() + i * slot, plot.top(), slot, plot.height()), highlight
                )
            for j, (value, key, pattern) in enumerate(
                (
                    (bar.yield_kwh, "pv", Qt.BrushStyle.SolidPattern),
                    (bar.consumption_kwh, "home", Qt.BrushStyle.BDiagPattern),
                )
            ):
                if value is None:
                    continue
                top = model.axis.to_pixels(value, plot.bottom(), plot.top())
                rect = QRectF(left + j * bar_w, top, bar_w, plot.bottom() - top)
                colour = QColor(SERIES_COLOURS[key])
                if self.bar_marked(i):
                    self._draw_marked(painter, rect, colour, pattern)
                    continue
                painter.setBrush(QBrush(colour, pattern))
                outline = QPen(colour, 1.0)
                if bar.partial:
                    outline.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(outline)
                painter.drawRect(rect)
            if i % step_labels == 0 or i == len(model.bars) - 1:
                painter.setPen(self._text_colour())
                painter.drawText(
                    QRectF(plot.left() + i * slot - 10, plot.bottom() + 2, slot + 20, 14),
                    int(Qt.AlignmentFlag.AlignCenter),
                    model.label(i),
                )

    def _draw_marked(
        self, painter: QPainter, rect: QRectF, colour: QColor, pattern: Qt.BrushStyle
    ) -> None:
        """A bar that is not whole: its fill faint, its outline dashed in the text's colour, so
        it reads as unfinished by shape as well as by colour."""
        faint = QColor(colour)
        faint.setAlphaF(0.35)
        painter.setBrush(QBrush(faint, pattern))
        outline = QPen(self._text_colour(), 1.5)
        outline.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(outline)
        painter.drawRect(rect)

    def _marker_legend(self) -> str | None:
        """The legend's words for a bar that is not whole, when the chart has one."""
        model = self._model
        if isinstance(model, MonthBars) and any(b.marked for b in model.bars):
            return _("not a whole month")
        return None

    def legend_width(self) -> float:
        """How far right the legend reaches, in pixels (it must fit the chart's width)."""
        metrics = QFontMetricsF(self._small_font())
        x = float(self.LEFT)
        for name in (_("Yield"), _("Consumption")):
            x += 16 + metrics.horizontalAdvance(name) + 12
        marker = self._marker_legend()
        if marker is not None:
            x += 16 + metrics.horizontalAdvance(marker)
        return x

    def _draw_legend(self, painter: QPainter) -> None:
        painter.setFont(self._small_font())
        x = float(self.LEFT)
        metrics = painter.fontMetrics()
        for key, name, pattern in (
            ("pv", _("Yield"), Qt.BrushStyle.SolidPattern),
            ("home", _("Consumption"), Qt.BrushStyle.BDiagPattern),
        ):
            colour = QColor(SERIES_COLOURS[key])
            painter.setPen(QPen(colour, 1.0))
            painter.setBrush(QBrush(colour, pattern))
            painter.drawRect(QRectF(x, 3, 12, 10))
            painter.setPen(self._text_colour())
            painter.drawText(QPointF(x + 16, 12), name)
            x += 16 + metrics.horizontalAdvance(name) + 12
        marker = self._marker_legend()
        if marker is not None:
            self._draw_marked(
                painter,
                QRectF(x, 3, 12, 10),
                QColor(SERIES_COLOURS["pv"]),
                Qt.BrushStyle.SolidPattern,
            )
            painter.setPen(self._text_colour())
            painter.drawText(QPointF(x + 16, 12), marker)
