"""Where the popup opens, for every panel edge, icon corner and screen size (no display)."""

from __future__ import annotations

import itertools

import pytest

from solaxtray.core.placement import MARGIN, Edge, Rect, panel_edge, place_popup

SCREEN = Rect(0, 0, 1366, 768)
PANEL = 28
W, H = 440, 1013  # the dashboard's content with three inverters: taller than a laptop screen

PANELS: dict[Edge, Rect] = {
    Edge.TOP: Rect(0, PANEL, 1366, 768 - PANEL),
    Edge.BOTTOM: Rect(0, 0, 1366, 768 - PANEL),
    Edge.LEFT: Rect(PANEL * 2, 0, 1366 - PANEL * 2, 768),
    Edge.RIGHT: Rect(0, 0, 1366 - PANEL * 2, 768),
}


def icon_positions(edge: Edge) -> list[Rect]:
    """Icons at both ends and the middle of the panel on ``edge``."""
    size = 22
    if edge in (Edge.TOP, Edge.BOTTOM):
        y = 3 if edge is Edge.TOP else 768 - PANEL + 3
        return [Rect(x, y, size, size) for x in (2, 672, 1366 - size - 2)]
    x = 3 if edge is Edge.LEFT else 1366 - PANEL * 2 + 3
    return [Rect(x, y, size, size) for y in (2, 373, 768 - size - 2)]


CASES = [(edge, icon) for edge in Edge for icon in icon_positions(edge)]


@pytest.mark.parametrize(("edge", "icon"), CASES, ids=[f"{e.value}-{i.x}-{i.y}" for e, i in CASES])
def test_next_to_the_icon_on_every_edge_and_wholly_inside(edge: Edge, icon: Rect) -> None:
    available = PANELS[edge]
    rect = place_popup(W, H, available, screen=SCREEN, anchor=icon)
    assert available.contains(rect)
    assert rect.width == W
    assert rect.height == available.height - 2 * MARGIN  # shrunk to fit: the body scrolls
    # Beside the panel, not across the icon.
    if edge is Edge.LEFT:
        assert rect.x >= icon.right
    if edge is Edge.RIGHT:
        assert rect.right <= icon.x


@pytest.mark.parametrize("edge", [Edge.TOP, Edge.BOTTOM])
def test_a_small_window_hangs_from_the_icon(edge: Edge) -> None:
    available = PANELS[edge]
    icon = icon_positions(edge)[2]  # right end of the panel
    rect = place_popup(400, 300, available, screen=SCREEN, anchor=icon)
    assert available.contains(rect)
    assert (rect.width, rect.height) == (400, 300)
    # Just past the panel the icon sits on, right-aligned with the icon.
    if edge is Edge.TOP:
        assert rect.y == available.y + MARGIN
    else:
        assert rect.bottom == available.bottom - MARGIN
    assert rect.right == min(icon.right, available.right - MARGIN)


def test_an_icon_on_the_left_of_a_top_panel_starts_the_window_at_the_icon() -> None:
    icon = Rect(40, 3, 22, 22)
    rect = place_popup(400, 300, PANELS[Edge.TOP], screen=SCREEN, anchor=icon)
    assert rect.x == icon.x
    assert rect.y == PANEL + MARGIN


def test_an_icon_inside_the_available_area_gets_the_margin_below_it() -> None:
    # Some docks float over the desktop, so the icon lies inside the available area.
    icon = Rect(1300, 40, 22, 22)
    rect = place_popup(400, 300, SCREEN, screen=SCREEN, anchor=icon)
    assert rect.y == icon.bottom + MARGIN
    assert rect.right == icon.right


def test_the_reported_case_top_right_on_1366x768_is_whole() -> None:
    """The window was 400x633 at x=1038 with the tray top right: 72 px off the screen."""
    rect = place_popup(400, 633, PANELS[Edge.TOP], screen=SCREEN, anchor=Rect(1330, 3, 22, 22))
    assert SCREEN.contains(rect)
    assert rect.right <= 1366 - MARGIN


@pytest.mark.parametrize(
    ("edge", "corner"),
    [
        (Edge.TOP, "top-right"),
        (Edge.BOTTOM, "bottom-right"),
        (Edge.LEFT, "bottom-left"),
        (Edge.RIGHT, "bottom-right"),
    ],
)
def test_without_icon_geometry_the_corner_nearest_the_panel(edge: Edge, corner: str) -> None:
    available = PANELS[edge]
    assert panel_edge(available, SCREEN) is edge
    rect = place_popup(400, 300, available, screen=SCREEN)
    assert available.contains(rect)
    vertical, horizontal = corner.split("-")
    if vertical == "top":
        assert rect.y == available.y + MARGIN
    else:
        assert rect.bottom == available.bottom - MARGIN
    if horizontal == "right":
        assert rect.right == available.right - MARGIN
    else:
        assert rect.x == available.x + MARGIN


def test_no_panel_known_means_bottom_right() -> None:
    assert panel_edge(SCREEN, SCREEN) is None
    rect = place_popup(400, 300, SCREEN, screen=SCREEN)
    assert (rect.right, rect.bottom) == (1366 - MARGIN, 768 - MARGIN)


def test_a_pointer_on_the_panel_stands_in_for_the_icon() -> None:
    # StatusNotifierItem: no icon geometry, but the user just clicked the icon on a top panel.
    rect = place_popup(400, 300, PANELS[Edge.TOP], screen=SCREEN, pointer=(300, 10))
    assert rect.y == PANEL + MARGIN
    assert rect.x == 300  # left half of the screen: the window starts at the pointer


def test_a_pointer_away_from_any_panel_is_ignored() -> None:
    rect = place_popup(400, 300, PANELS[Edge.TOP], screen=SCREEN, pointer=(600, 400))
    assert (rect.y, rect.right) == (PANEL + MARGIN, 1366 - MARGIN)


@pytest.mark.parametrize(
    ("screen_w", "screen_h"), [(1366, 768), (1024, 600), (800, 480), (320, 240), (100, 80)]
)
def test_small_screens_shrink_the_window_inside(screen_w: int, screen_h: int) -> None:
    screen = Rect(0, 0, screen_w, screen_h)
    for edge, (ax, ay) in itertools.product(
        (Edge.TOP, Edge.BOTTOM), ((0, 0), (screen_w - 20, 0), (0, screen_h - 20))
    ):
        available = (
            Rect(0, 24, screen_w, screen_h - 24)
            if edge is Edge.TOP
            else Rect(0, 0, screen_w, screen_h - 24)
        )
        rect = place_popup(W, H, available, screen=screen, anchor=Rect(ax, ay, 20, 20))
        assert available.contains(rect), (edge, ax, ay, rect)
        assert rect.width >= 1
        assert rect.height >= 1


def test_a_second_screen_to_the_left_with_negative_coordinates() -> None:
    screen = Rect(-1920, 0, 1920, 1080)
    available = Rect(-1920, 0, 1920, 1040)
    rect = place_popup(W, H, available, screen=screen, anchor=Rect(-40, 1050, 22, 22))
    assert available.contains(rect)
    assert rect.bottom == available.bottom - MARGIN
    assert rect.right == -40 + 22
