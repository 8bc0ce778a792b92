"""Where the popup opens: plain rectangle arithmetic, Qt-free, so every screen edge, corner and
size is tested without a display.

The popup must open whole on the screen, next to the tray icon when the platform says where the
icon is (XEmbed and Windows do; StatusNotifierItem trays do not), otherwise in the corner nearest
the panel, which is where the available area (the screen minus panels) is inset. A window taller
or wider than the available area is shrunk to fit; its content scrolls.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

MARGIN = 6
"""The gap kept between the popup and the icon or the edge of the available area."""


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle in device-independent pixels; ``right`` and ``bottom`` are exclusive."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def contains(self, other: Rect) -> bool:
        return (
            other.x >= self.x
            and other.y >= self.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def contains_point(self, x: float, y: float) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom


class Edge(enum.Enum):
    """The screen edge a panel (and so the tray) sits on."""

    TOP = "top"
    BOTTOM = "bottom"
    LEFT = "left"
    RIGHT = "right"


def panel_edge(available: Rect, screen: Rect | None) -> Edge | None:
    """The edge where the available area is inset the most (the panel), or ``None`` when the
    platform reports no panel (available area equal to the screen)."""
    if screen is None:
        return None
    insets = {
        Edge.TOP: available.y - screen.y,
        Edge.BOTTOM: screen.bottom - available.bottom,
        Edge.LEFT: available.x - screen.x,
        Edge.RIGHT: screen.right - available.right,
    }
    edge, inset = max(insets.items(), key=lambda item: item[1])
    return edge if inset > 0 else None


def icon_edge(icon: Rect, available: Rect, screen: Rect | None) -> Edge:
    """The panel edge an icon sits on: the side of the available area it lies beyond, else the
    panel the platform reports, else the nearest screen edge (top or bottom on a near tie, since
    horizontal panels are the common case and a corner icon is near two edges)."""
    x, y = icon.centre
    if y < available.y:
        return Edge.TOP
    if y >= available.bottom:
        return Edge.BOTTOM
    if x < available.x:
        return Edge.LEFT
    if x >= available.right:
        return Edge.RIGHT
    reported = panel_edge(available, screen)
    if reported is not None:
        return reported
    area = screen or available
    vertical = min((y - area.y, Edge.TOP), (area.bottom - y, Edge.BOTTOM))
    horizontal = min((x - area.x, Edge.LEFT), (area.right - x, Edge.RIGHT))
    return horizontal[1] if horizontal[0] * 2 < vertical[0] else vertical[1]


def place_popup(
    width: int,
    height: int,
    available: Rect,
    *,
    screen: Rect | None = None,
    anchor: Rect | None = None,
    pointer: tuple[int, int] | None = None,
    margin: int = MARGIN,
) -> Rect:
    """The popup's geometry: next to ``anchor`` (the icon) when known, else next to ``pointer``
    when it lies on a panel (the user has just clicked the icon there), else in the corner of
    ``available`` nearest the panel (bottom right when no panel is known).

    The result always lies inside ``available`` (minus ``margin`` where there is room), and is
    smaller than asked for when the area is.
    """
    margin = max(0, min(margin, available.width // 8, available.height // 8))
    w = max(1, min(width, available.width - 2 * margin))
    h = max(1, min(height, available.height - 2 * margin))

    target = anchor if anchor is not None and not anchor.empty else None
    if target is None and pointer is not None:
        px, py = pointer
        on_screen = screen is None or screen.contains_point(px, py)
        if on_screen and not available.contains_point(px, py):
            target = Rect(px, py, 1, 1)

    if target is not None:
        edge = icon_edge(target, available, screen)
        cx, cy = target.centre
        if edge in (Edge.TOP, Edge.BOTTOM):
            # Right-aligned with the icon, unless the icon is in the left half of the screen.
            x = target.right - w if cx >= available.x + available.width / 2 else target.x
            y = target.bottom + margin if edge is Edge.TOP else target.y - h - margin
        else:
            x = target.right + margin if edge is Edge.LEFT else target.x - w - margin
            y = target.bottom - h if cy >= available.y + available.height / 2 else target.y
    else:
        edge = panel_edge(available, screen) or Edge.BOTTOM
        right = available.right - w - margin
        bottom = available.bottom - h - margin
        left = available.x + margin
        top = available.y + margin
        x, y = {
            Edge.TOP: (right, top),
            Edge.BOTTOM: (right, bottom),
            Edge.LEFT: (left, bottom),
            Edge.RIGHT: (right, bottom),
        }[edge]

    x = max(available.x + margin, min(x, available.right - w - margin))
    y = max(available.y + margin, min(y, available.bottom - h - margin))
    return Rect(x, y, w, h)
