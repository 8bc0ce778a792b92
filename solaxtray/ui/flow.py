"""The energy-flow picture: PV, battery, grid and home around the inverter, with arrows whose
direction follows the signs and whose width follows the power.

Each arrow joins one node to the inverter in the middle, instead of drawing "PV to battery" and
the like. Why: the cloud's values are not sampled at one instant and need not balance (field notes,
"Fields"), so splitting PV into destinations would invent numbers; four arrows to the hub show
exactly what was measured.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from solaxtray.core.i18n import N_, _
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_percent, format_power

MIN_FLOW_W = 1.0
"""Below this there is no arrow, only a faint line: rounding noise is not a flow."""


class Node(enum.Enum):
    PV = "PV"
    BATTERY = "Battery"
    GRID = "Grid"
    HOME = "Home"


NODE_NAMES: dict[Node, str] = {
    Node.PV: N_("PV"),
    Node.BATTERY: N_("Battery"),
    Node.GRID: N_("Grid"),
    Node.HOME: N_("Home"),
}
"""The nodes' names as drawn (marked for translation; the enum values stay English keys)."""
_FROM: dict[Node, str] = {
    Node.PV: N_("{power} from pv"),
    Node.BATTERY: N_("{power} from battery"),
    Node.GRID: N_("{power} from grid"),
    Node.HOME: N_("{power} from home"),
}
_TO: dict[Node, str] = {
    Node.BATTERY: N_("{power} to battery"),
    Node.GRID: N_("{power} to grid"),
    Node.HOME: N_("{power} to home"),
}


NODE_COLOURS: dict[Node, str] = {
    Node.PV: "#e0a800",
    Node.BATTERY: "#2e9e44",
    Node.GRID: "#2f6fdb",
    Node.HOME: "#8e5bb5",
}


@dataclass(frozen=True, slots=True)
class FlowValues:
    """Fleet totals in W with the API's signs: ``battery`` positive = charging, ``grid``
    positive = export (field notes, "Fields"). ``None`` = not reported (no such device)."""

    pv: float | None = None
    battery: float | None = None
    grid: float | None = None
    home: float | None = None
    soc: float | None = None

    @classmethod
    def from_snapshots(cls, snapshots: Sequence[Snapshot]) -> FlowValues:
        def total(values: Sequence[float | None]) -> float | None:
            present = [v for v in values if v is not None]
            return sum(present) if present else None

        socs = [s.soc for s in snapshots if s.has_battery and s.soc is not None]
        return cls(
            pv=total([s.pv_total for s in snapshots]),
            battery=total([s.bat_power if s.has_battery else None for s in snapshots]),
            grid=total([s.feedin_power for s in snapshots]),
            home=total([_home_load(s) for s in snapshots]),
            soc=min(socs) if socs else None,
        )


def _home_load(snap: Snapshot) -> float | None:
    """The house load plus what the EPS (backup) outlet supplies: those loads are the home's too,
    and during a grid outage they are all of it; without them the picture does not balance."""
    load = snap.house_load
    eps = sum(p for p in snap.eps_power if p is not None and math.isfinite(p) and p > 0)
    if load is None:
        return eps if eps > 0 else None
    return load + eps


@dataclass(frozen=True, slots=True)
class Arrow:
    """One arrow between a node and the hub. ``towards_hub`` is the direction of the energy."""

    node: Node
    watts: float
    towards_hub: bool
    width: float


def flow_arrows(values: FlowValues, *, max_width: float = 10.0) -> list[Arrow]:
    """The arrows to draw, with widths proportional to power (the biggest flow gets
    ``max_width``, any visible flow at least 1.5 px so it stays visible)."""
    signed: list[tuple[Node, float, bool]] = []
    if values.pv is not None:
        signed.append((Node.PV, abs(values.pv), True))
    if values.battery is not None:
        # Positive batPower charges the battery: energy leaves the hub.
        signed.append((Node.BATTERY, abs(values.battery), values.battery < 0))
    if values.grid is not None:
        # Positive feedinpower exports: energy leaves the hub towards the grid.
        signed.append((Node.GRID, abs(values.grid), values.grid < 0))
    if values.home is not None:
        signed.append((Node.HOME, abs(values.home), False))
    biggest = max((w for _, w, _ in signed), default=0.0)
    arrows: list[Arrow] = []
    for node, watts, towards in signed:
        if watts < MIN_FLOW_W or biggest <= 0:
            continue
        width = max(1.5, max_width * watts / biggest)
        arrows.append(Arrow(node, watts, towards, width))
    return arrows


class FlowWidget(QWidget):
    """Draws :class:`FlowValues`; cheap to update (only stores values and schedules a repaint)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = FlowValues()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(220, 170)
        self.setAccessibleName(_("Energy flow"))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(300, 190)

    @property
    def values(self) -> FlowValues:
        return self._values

    def set_values(self, values: FlowValues) -> None:
        if values != self._values:
            self._values = values
            self.setAccessibleDescription(self.describe())
            self.update()

    def arrows(self) -> list[Arrow]:
        return flow_arrows(self._values, max_width=self._max_width())

    def describe(self) -> str:
        """The picture in words, for screen readers and tooltips."""
        parts = []
        for arrow in flow_arrows(self._values):
            phrase = (_FROM if arrow.towards_hub else _TO)[arrow.node]
            parts.append(_(phrase).format(power=format_power(arrow.watts)))
        return ", ".join(parts) if parts else _("No energy flowing")

    def _max_width(self) -> float:
        return max(4.0, min(self.width(), self.height()) / 16)

    def node_centres(self) -> dict[Node, QPointF]:
        w, h = float(self.width()), float(self.height())
        r = self._node_radius()
        mx, my = r * 1.9 + 2, r + 2
        return {
            Node.PV: QPointF(w / 2, my),
            Node.HOME: QPointF(w / 2, h - my),
            Node.GRID: QPointF(mx, h / 2),
            Node.BATTERY: QPointF(w - mx, h / 2),
        }

    def node_rect(self, node: Node) -> QRectF:
        """The box a node is drawn in: wide enough for "Battery 100 %" on two lines."""
        centre = self.node_centres()[node]
        r = self._node_radius()
        return QRectF(centre.x() - r * 1.9, centre.y() - r, r * 3.8, r * 2)

    def hub_centre(self) -> QPointF:
        return QPointF(self.width() / 2, self.height() / 2)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint(painter)
        finally:
            painter.end()

    def _node_radius(self) -> float:
        return max(15.0, min(self.width(), self.height()) / 8.5)

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        faint = QColor(text_colour)
        faint.setAlpha(50)
        hub = self.hub_centre()
        centres = self.node_centres()
        radius = self._node_radius()
        hub_radius = radius * 0.6
        arrows = {a.node: a for a in self.arrows()}
        present = self._present_nodes()
        for node, centre in centres.items():
            if node not in present:
                continue
            arrow = arrows.get(node)
            cut = radius * (1.9 if node in (Node.GRID, Node.BATTERY) else 1.0) + 2
            start, end = _shorten(centre, hub, cut, hub_radius + 2)
            if arrow is None:
                pen = QPen(faint, 1.0, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawLine(start, end)
                continue
            colour = QColor(NODE_COLOURS[node])
            if arrow.towards_hub:
                _draw_arrow(painter, start, end, arrow.width, colour)
            else:
                _draw_arrow(painter, end, start, arrow.width, colour)

        painter.setPen(QPen(text_colour, 1.0))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawEllipse(hub, hub_radius, hub_radius)
        font = QFont(self.font())
        font.setPixelSize(max(9, round(radius * 0.55)))
        painter.setFont(font)
        for node in centres:
            if node not in present:
                continue
            colour = QColor(NODE_COLOURS[node])
            painter.setPen(QPen(colour, 2.0))
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            box = self.node_rect(node)
            painter.drawRoundedRect(box, radius * 0.4, radius * 0.4)
            painter.setPen(text_colour)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._node_text(node))

    def _present_nodes(self) -> set[Node]:
        v = self._values
        nodes = {Node.HOME}
        if v.pv is not None:
            nodes.add(Node.PV)
        if v.battery is not None:
            nodes.add(Node.BATTERY)
        if v.grid is not None:
            nodes.add(Node.GRID)
        return nodes

    def _node_text(self, node: Node) -> str:
        v = self._values
        value = {
            Node.PV: v.pv,
            Node.BATTERY: None if v.battery is None else abs(v.battery),
            Node.GRID: None if v.grid is None else abs(v.grid),
            Node.HOME: v.home,
        }[node]
        name = _(NODE_NAMES[node])
        text = f"{name}\n{format_power(value)}"
        if node is Node.BATTERY and v.soc is not None:
            text = f"{name} {format_percent(v.soc)}\n{format_power(value)}"
        return text


def _shorten(a: QPointF, b: QPointF, cut_a: float, cut_b: float) -> tuple[QPointF, QPointF]:
    """The segment a-b with ``cut_a`` removed at a's end and ``cut_b`` at b's (the circles)."""
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    return (
        QPointF(a.x() + ux * cut_a, a.y() + uy * cut_a),
        QPointF(b.x() - ux * cut_b, b.y() - uy * cut_b),
    )


def _draw_arrow(
    painter: QPainter, tail: QPointF, tip: QPointF, width: float, colour: QColor
) -> None:
    dx, dy = tip.x() - tail.x(), tip.y() - tail.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    head = min(length * 0.45, max(7.0, width * 2.2))
    base = QPointF(tip.x() - ux * head, tip.y() - uy * head)
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    painter.drawLine(tail, base)
    half = max(width, 4.0)
    nx, ny = -uy, ux
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(
        QPolygonF(
            [
                tip,
                QPointF(base.x() + nx * half, base.y() + ny * half),
                QPointF(base.x() - nx * half, base.y() - ny * half),
            ]
        )
    )
