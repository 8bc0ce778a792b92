"""The energy-flow picture: arrow directions follow the signs, widths follow the power."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from solaxtray.core.models import Snapshot
from solaxtray.ui.flow import NODE_COLOURS, FlowValues, FlowWidget, Node, flow_arrows

pytestmark = pytest.mark.gui


def by_node(values: FlowValues) -> dict[Node, Any]:
    return {a.node: a for a in flow_arrows(values)}


def test_battery_arrow_follows_the_sign_of_batpower() -> None:
    charging = by_node(FlowValues(pv=3000.0, battery=1200.0))
    discharging = by_node(FlowValues(pv=0.0, battery=-1200.0))
    assert charging[Node.BATTERY].towards_hub is False
    assert discharging[Node.BATTERY].towards_hub is True
    assert charging[Node.BATTERY].watts == discharging[Node.BATTERY].watts == 1200.0


def test_grid_arrow_follows_the_sign_of_feedinpower() -> None:
    exporting = by_node(FlowValues(pv=3000.0, grid=1500.0))
    importing = by_node(FlowValues(pv=0.0, grid=-1500.0))
    assert exporting[Node.GRID].towards_hub is False
    assert importing[Node.GRID].towards_hub is True


def test_widths_are_proportional_to_power() -> None:
    arrows = by_node(FlowValues(pv=4000.0, home=2000.0, grid=1000.0))
    assert arrows[Node.PV].width == pytest.approx(10.0)
    assert arrows[Node.HOME].width == pytest.approx(5.0)
    assert arrows[Node.GRID].width == pytest.approx(2.5)
    assert arrows[Node.PV].towards_hub
    assert not arrows[Node.HOME].towards_hub


def test_no_arrow_for_nothing_or_missing_devices() -> None:
    arrows = by_node(FlowValues(pv=0.0, battery=0.4, grid=None, home=500.0))
    assert set(arrows) == {Node.HOME}
    assert flow_arrows(FlowValues()) == []


def test_values_from_snapshots_keep_the_api_signs() -> None:
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    a = Snapshot(
        sn="A",
        fetched_at=at,
        ac_power=2000.0,
        pv_power=(1500.0, 1000.0, None, None),
        bat_power=500.0,
        soc=60.0,
        feedin_power=800.0,
    )
    b = Snapshot(sn="B", fetched_at=at, ac_power=0.0, feedin_power=-300.0)
    values = FlowValues.from_snapshots([a, b])
    assert values.pv == 2500.0
    assert values.battery == 500.0
    assert values.grid == 500.0
    assert values.soc == 60.0
    assert values.home is not None
    assert values.home > 0


def test_eps_loads_belong_to_the_home_so_the_picture_balances() -> None:
    # A grid outage: the sun charges the battery and feeds the backup outlet; AC and grid are 0.
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    outage = Snapshot(
        sn="A",
        fetched_at=at,
        ac_power=0.0,
        pv_power=(1300.0, 1200.0, None, None),
        bat_power=2000.0,
        soc=43.0,
        feedin_power=0.0,
        eps_power=(500.0, 0.0, None),
    )
    values = FlowValues.from_snapshots([outage])
    assert values.home == 500.0
    assert values.pv is not None
    assert values.battery is not None
    assert values.pv - values.battery == values.home


def is_colour(c: QColor, target: QColor) -> bool:
    return (
        c.alpha() > 200
        and abs(c.red() - target.red()) < 30
        and abs(c.green() - target.green()) < 30
        and abs(c.blue() - target.blue()) < 30
    )


def widest_grid_column(qtbot: QtBot, grid: float) -> float:
    """Where along the grid arrow (0 = grid box, 1 = hub) the drawing is tallest: the arrowhead's
    base, since the shaft has a constant width."""
    widget = FlowWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 200)
    widget.set_values(FlowValues(pv=2000.0, grid=grid, home=1000.0))
    image: QImage = widget.grab().toImage()
    scale = image.devicePixelRatio()
    target = QColor(NODE_COLOURS[Node.GRID])
    hub = widget.hub_centre()
    start = round((widget.node_rect(Node.GRID).right() + 3) * scale)
    stop = round((hub.x() - 16) * scale)
    y = round(hub.y() * scale)
    heights = [
        sum(1 for yy in range(y - 20, y + 21) if is_colour(image.pixelColor(x, yy), target))
        for x in range(start, stop)
    ]
    assert max(heights) > 0
    return heights.index(max(heights)) / len(heights)


def test_drawn_arrowhead_points_the_right_way(qtbot: QtBot) -> None:
    assert widest_grid_column(qtbot, 1500.0) < 0.5  # exporting: the head is at the grid
    assert widest_grid_column(qtbot, -1500.0) > 0.5  # importing: the head is at the hub


def test_widget_describes_itself(qtbot: QtBot) -> None:
    widget = FlowWidget()
    qtbot.addWidget(widget)
    widget.set_values(FlowValues(pv=2400.0, battery=-300.0, grid=-100.0, home=2800.0))
    text = widget.describe()
    assert "2.4 kW from pv" in text
    assert "300 W from battery" in text
    assert "2.8 kW to home" in text
    assert widget.accessibleDescription() == text
