"""The tray icon's pixels: state colours, text, the SOC ring, the age arc, the template variant."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPalette

import solaxtray
from solaxtray.core.icon_rules import MIN_TEXT_CONTRAST, contrast_ratio, glyph_budget
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import (
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    TrayState,
    TrayView,
    build_view,
)
from solaxtray.ui.icon import (
    ICON_SIZES,
    RING_ON_DARK,
    RING_ON_LIGHT,
    STATE_COLOURS,
    IconCache,
    build_qicon,
    icon_geometry,
    icon_key,
    icon_layout,
    panel_is_dark,
    render_icon,
    render_text_layer,
)

pytestmark = pytest.mark.gui

NOW = 1_780_000_000.0


def view_for(
    status: InverterStatus = InverterStatus.NORMAL,
    *,
    watts: float = 2400.0,
    soc: float | None = None,
    age: float = 60.0,
    condition: AppCondition = AppCondition.OK,
    availability: Availability = Availability.ONLINE,
    **fields: Any,
) -> TrayView:
    snap = Snapshot(
        sn="SNA0000001",
        fetched_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
        ac_power=watts,
        pv_power=(watts, None, None, None),
        inverter_status=status,
        soc=soc,
        bat_power=None if soc is None else 100.0,
        **fields,
    )
    inverter = InverterInput(sn=snap.sn, snapshot=snap, upload_age_s=age, availability=availability)
    return build_view(FleetInput(inverters=(inverter,), now=NOW, condition=condition))


STATE_VIEWS: dict[TrayState, Callable[[], TrayView]] = {
    TrayState.PRODUCING: lambda: view_for(),
    TrayState.IDLE: lambda: view_for(watts=0.0),
    TrayState.IMPORTING: lambda: view_for(watts=0.0, feedin_power=-800.0),
    TrayState.NIGHT: lambda: view_for(watts=0.0, availability=Availability.ASLEEP),
    TrayState.STALE: lambda: view_for(age=7200.0),
    TrayState.FAULT: lambda: view_for(InverterStatus.FAULT, watts=0.0),
    TrayState.EPS: lambda: view_for(InverterStatus.EPS, watts=900.0, soc=50.0),
    TrayState.ERROR: lambda: view_for(condition=AppCondition.CREDENTIALS_REJECTED),
    TrayState.SETUP: lambda: view_for(condition=AppCondition.NO_CREDENTIALS),
}


Pixel = tuple[int, int, int, int]


SATURATED = {
    TrayState.PRODUCING,
    TrayState.NIGHT,
    TrayState.IMPORTING,
    TrayState.ERROR,
    TrayState.EPS,
    TrayState.FAULT,
}


def pixels(image: QImage) -> list[Pixel]:
    """Every pixel as unpremultiplied (r, g, b, a), row by row, read in bulk (``pixelColor`` per
    pixel is too slow for a few thousand images)."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(rgba.constBits())
    stride = rgba.bytesPerLine()
    out: list[Pixel] = []
    for y in range(rgba.height()):
        row = data[y * stride : y * stride + 4 * rgba.width()]
        out.extend((row[i], row[i + 1], row[i + 2], row[i + 3]) for i in range(0, len(row), 4))
    return out


def near(c: Pixel | QColor, target: QColor, tolerance: int = 40) -> bool:
    r, g, b, a = (c.red(), c.green(), c.blue(), c.alpha()) if isinstance(c, QColor) else c
    return (
        a > 200
        and abs(r - target.red()) <= tolerance
        and abs(g - target.green()) <= tolerance
        and abs(b - target.blue()) <= tolerance
    )


def count_colour(image: QImage | list[Pixel], colour: str, tolerance: int = 40) -> int:
    target = QColor(colour)
    data = pixels(image) if isinstance(image, QImage) else image
    return sum(1 for c in data if near(c, target, tolerance))


def luminance(c: Pixel | QColor) -> float:
    r, g, b = (c.red(), c.green(), c.blue()) if isinstance(c, QColor) else c[:3]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_state_views_have_the_states_they_claim(qapp: Any) -> None:
    for state, make in STATE_VIEWS.items():
        assert make().state is state


@pytest.mark.parametrize("state", list(STATE_VIEWS))
@pytest.mark.parametrize("dpr", [1.0, 2.0])
def test_every_size_is_drawn_in_the_state_colour(qapp: Any, state: TrayState, dpr: float) -> None:
    view = STATE_VIEWS[state]()
    for size in ICON_SIZES:
        image = render_icon(view, size, dpr=dpr, dark_panel=True)
        px = round(size * dpr)
        assert (image.width(), image.height()) == (px, px)
        assert image.devicePixelRatio() == dpr
        data = pixels(image)
        own = count_colour(data, STATE_COLOURS[state])
        # The plate fills a good part of the icon even behind text, ring and arc.
        assert own > 0.06 * px * px, (state, size, own)
        for other_state, other in STATE_COLOURS.items():
            # Greys also arise where antialiased edges blend, so only hues are excluded.
            if other_state is state or other_state not in SATURATED:
                continue
            assert count_colour(data, other, tolerance=12) < 0.02 * px * px, (
                state,
                other_state,
                size,
            )


def test_fault_is_red_eps_amber_stale_grey(qapp: Any) -> None:
    def centre_ring_colour(view: TrayView) -> QColor:
        image = render_icon(view, 64, dark_panel=True)
        geo = icon_geometry(64, has_battery=view.has_battery)
        # Just inside the plate's top edge, under the age arc: the plate colour itself.
        y = round(geo.plate_rect.top() + geo.age_width + 3)
        return image.pixelColor(32, y)

    fault = centre_ring_colour(STATE_VIEWS[TrayState.FAULT]())
    assert fault.red() > 180
    assert fault.green() < 80
    assert fault.blue() < 80
    eps = centre_ring_colour(STATE_VIEWS[TrayState.EPS]())
    assert eps.red() > 200
    assert 120 < eps.green() < 200
    assert eps.blue() < 60
    stale = centre_ring_colour(STATE_VIEWS[TrayState.STALE]())
    assert abs(stale.red() - stale.green()) < 10
    assert abs(stale.green() - stale.blue()) < 10


def test_text_changes_the_pixels(qapp: Any) -> None:
    a = render_icon(view_for(watts=850.0), 22, dark_panel=True)
    b = render_icon(view_for(watts=12_000.0), 22, dark_panel=True)
    c = render_icon(view_for(watts=850.0), 22, dark_panel=True)
    assert a != b
    assert a == c


def ring_pixels(image: QImage, colour: str) -> int:
    size = image.width()
    geo = icon_geometry(size, has_battery=True)
    centre = size / 2
    outer = size / 2
    inner = outer - geo.ring_width
    target = QColor(colour)
    count = 0
    for i, c in enumerate(pixels(image)):
        y, x = divmod(i, size)
        r = math.hypot(x + 0.5 - centre, y + 0.5 - centre)
        if inner + 0.5 <= r <= outer - 0.5 and near(c, target, 20):
            count += 1
    return count


@pytest.mark.parametrize("dark_panel", [True, False])
def test_soc_ring_is_proportional(qapp: Any, dark_panel: bool) -> None:
    colour = RING_ON_DARK if dark_panel else RING_ON_LIGHT
    counts = {
        soc: ring_pixels(render_icon(view_for(soc=soc), 64, dark_panel=dark_panel), colour)
        for soc in (0.0, 25.0, 50.0, 75.0, 100.0)
    }
    base = counts[0.0]  # text pixels that happen to share the ring's colour
    gained = {soc: n - base for soc, n in counts.items()}
    assert gained[25.0] > 20
    assert gained[25.0] < gained[50.0] < gained[75.0] < gained[100.0]
    assert 2.6 < gained[75.0] / gained[25.0] < 3.4
    assert 1.8 < gained[50.0] / gained[25.0] < 2.2


def test_no_ring_without_battery(qapp: Any) -> None:
    image = render_icon(view_for(soc=None), 64, dark_panel=True)
    with_ring = render_icon(view_for(soc=25.0), 64, dark_panel=True)
    assert ring_pixels(image, RING_ON_DARK) < ring_pixels(with_ring, RING_ON_DARK) / 2
    # The plate reaches the edge instead.
    assert near(image.pixelColor(32, 61), QColor(STATE_COLOURS[TrayState.PRODUCING]))


def test_ring_contrasts_with_the_panel(qapp: Any) -> None:
    view = view_for(soc=100.0)
    on_dark = render_icon(view, 64, dark_panel=True)
    on_light = render_icon(view, 64, dark_panel=False)
    assert luminance(on_dark.pixelColor(32, 2)) > 0.8
    assert luminance(on_light.pixelColor(32, 2)) < 0.2
    # The compact layout's bar, along the bottom edge, does the same.
    bar_dark = render_icon(view, 22, dark_panel=True)
    bar_light = render_icon(view, 22, dark_panel=False)
    assert luminance(bar_dark.pixelColor(11, 21)) > 0.8
    assert luminance(bar_light.pixelColor(11, 21)) < 0.2


def test_age_arc_grows_through_the_upload_cycle(qapp: Any) -> None:
    def rim_bright(age: float) -> int:
        image = render_icon(view_for(age=age), 64, dark_panel=True)
        geo = icon_geometry(64, has_battery=False)
        radius = geo.age_rect.width() / 2
        count = 0
        for i, c in enumerate(pixels(image)):
            y, x = divmod(i, 64)
            r = math.hypot(x + 0.5 - 32, y + 0.5 - 32)
            if abs(r - radius) <= geo.age_width / 2 and luminance(c) > 0.7:
                count += 1
        return count

    quarter, half, full = rim_bright(75.0), rim_bright(150.0), rim_bright(300.0)
    assert quarter > 5
    assert quarter < half < full


def test_template_is_black_and_alpha_only(qapp: Any) -> None:
    for state, make in STATE_VIEWS.items():
        for size in (16, 22, 32):
            image = render_icon(make(), size, dpr=2.0, dark_panel=True, template=True)
            visible = [c for c in pixels(image) if c[3] > 0]
            assert visible, state
            assert all(c[0] == c[1] == c[2] == 0 for c in visible), state


def test_template_marks_problems_by_shape(qapp: Any) -> None:
    normal = render_icon(STATE_VIEWS[TrayState.PRODUCING](), 32, dark_panel=True, template=True)
    fault = render_icon(STATE_VIEWS[TrayState.FAULT](), 32, dark_panel=True, template=True)

    def opaque(image: QImage) -> int:
        return sum(1 for c in pixels(image) if c[3] > 200)

    assert opaque(fault) > 2 * opaque(normal)


def test_night_shows_a_moon_not_a_zero(qapp: Any) -> None:
    night = render_icon(STATE_VIEWS[TrayState.NIGHT](), 32, dark_panel=True)
    idle = render_icon(STATE_VIEWS[TrayState.IDLE](), 32, dark_panel=True)
    # A crescent leans left: more white on the left half of the plate than on the right.
    data = pixels(night)
    white = [i % 32 for i, c in enumerate(data) if c[3] > 200 and luminance(c) > 0.9]
    left = sum(1 for x in white if x < 16)
    assert left > 2 * (len(white) - left)
    zero = [i % 32 for i, c in enumerate(pixels(idle)) if c[3] > 200 and luminance(c) > 0.9]
    assert abs(sum(1 for x in zero if x < 16) - sum(1 for x in zero if x >= 16)) < len(zero) / 3


def test_setup_and_error_have_their_own_glyphs(qapp: Any) -> None:
    setup = render_icon(STATE_VIEWS[TrayState.SETUP](), 32, dark_panel=True)
    error = render_icon(STATE_VIEWS[TrayState.ERROR](), 32, dark_panel=True)
    white_setup = count_colour(setup, "#ffffff", 30)
    white_error = count_colour(error, "#ffffff", 30)
    # A gear covers much more of the plate than an exclamation mark.
    assert white_setup > 2 * white_error > 0


def test_qicon_holds_every_size_and_ratio(qapp: Any) -> None:
    view = STATE_VIEWS[TrayState.PRODUCING]()
    key, icon = build_qicon(view, dark_panel=True)
    assert isinstance(icon, QIcon)
    assert key == icon_key(view, dark_panel=True)
    sizes = {s.width() for s in icon.availableSizes()}
    assert set(ICON_SIZES) <= sizes
    hi = icon.pixmap(22, 22, QIcon.Mode.Normal)
    assert not hi.isNull()
    _, mask = build_qicon(view, dark_panel=True, template=True)
    assert mask.isMask()


def test_cache_renders_only_when_the_picture_changes(qapp: Any) -> None:
    cache = IconCache(sizes=(16, 22), dprs=(1.0,))
    first = cache.update(view_for(watts=2410.0), dark_panel=True)
    assert first is not None
    assert cache.update(view_for(watts=2440.0), dark_panel=True) is None  # still "2.4k"
    assert cache.renders == 1
    assert cache.update(view_for(watts=2600.0), dark_panel=True) is not None
    assert cache.update(view_for(watts=2600.0), dark_panel=False) is not None
    assert cache.renders == 3
    assert cache.icon is not None


def test_panel_guess_follows_the_palette_when_the_scheme_is_unknown(qapp: Any) -> None:
    if qapp.styleHints().colorScheme() != Qt.ColorScheme.Unknown:
        pytest.skip("the platform reports a colour scheme; the palette fallback is not used")
    original = qapp.palette()
    try:
        dark = QPalette(original)
        dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
        qapp.setPalette(dark)
        assert panel_is_dark(qapp) is True
        light = QPalette(original)
        light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
        qapp.setPalette(light)
        assert panel_is_dark(qapp) is False
    finally:
        qapp.setPalette(original)


def test_the_pyside6_release_that_drops_references_is_refused() -> None:
    """PySide6 6.12.0 drops a reference to ``None`` on every void Qt call and to the bool every
    ``emit`` returns; under Python 3.11 the process aborts after a few thousand calls (a day of
    tray updates). The app carries no run-time guard for it: the package refuses that release, and
    nothing here runs on it."""
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement

    pyproject = Path(solaxtray.__file__).resolve().parents[1] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    (pyside,) = [Requirement(d) for d in dependencies if d.startswith("PySide6")]
    assert not pyside.specifier.contains("6.12.0")
    assert pyside.specifier.contains("6.12.1")
    assert version("PySide6-Essentials") != "6.12.0"


def test_out_of_range_soc_and_age_are_clamped(qapp: Any) -> None:
    def direct(soc: float, age: float) -> TrayView:
        return TrayView(
            state=TrayState.PRODUCING,
            power_w=850.0,
            soc=soc,
            age_fraction=age,
            tooltip_lines=("SolaX · 850 W",),
            problem=None,
        )

    full = render_icon(direct(100.0, 1.0), 32, dark_panel=True)
    assert render_icon(direct(150.0, 3.0), 32, dark_panel=True) == full
    empty = render_icon(direct(0.0, 0.0), 32, dark_panel=True)
    assert render_icon(direct(-5.0, -1.0), 32, dark_panel=True) == empty
    assert full != empty


def test_a_stopped_fault_shows_an_exclamation_not_a_zero(qapp: Any) -> None:
    def ink(view: TrayView, size: int) -> int:
        return sum(1 for c in pixels(render_text_layer(view, size)) if c[3] > 128)

    fault = STATE_VIEWS[TrayState.FAULT]()
    error = STATE_VIEWS[TrayState.ERROR]()
    idle = STATE_VIEWS[TrayState.IDLE]()
    # The error state's glyph (a "!" is much less ink than a "0"); in the compact layout it
    # stands in a warning triangle.
    assert icon_layout(fault, 64).plan.text == icon_layout(error, 64).plan.text == "!"
    assert icon_layout(fault, 16).plan.text == "!"
    assert ink(fault, 64) > 0
    assert ink(idle, 64) > 1.3 * ink(fault, 64)
    # A fault while power still flows (a battery fault) keeps showing the power from 48 px.
    flowing = view_for(InverterStatus.FAULT, watts=1500.0)
    assert flowing.state is TrayState.FAULT
    assert ink(flowing, 64) > 1.3 * ink(fault, 64)


# --------------------------------------------------------------------------------------------
# Legibility at panel sizes, measured on the pixels


LEGIBILITY_SIZES = (16, 22, 24, 32, 48, 64)
TEXT_STATES = [
    s for s in STATE_VIEWS if s not in (TrayState.SETUP, TrayState.NIGHT, TrayState.IDLE)
]


def text_view(state: TrayState, watts: float, soc: float | None) -> TrayView:
    """A view of ``state`` whose icon shows ``watts`` as text (no data-age arc: it shares the
    text colour and would blur what is measured)."""
    view = STATE_VIEWS[state]()
    from dataclasses import replace

    return replace(view, power_w=watts, soc=soc, age_fraction=None)


def hex_of(c: Pixel) -> str:
    return f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}"


@pytest.mark.parametrize("size", LEGIBILITY_SIZES)
@pytest.mark.parametrize("soc", [76.0, None])
@pytest.mark.parametrize("watts", [850.0, 2449.0, 12_300.0, -850.0])
def test_text_ink_stays_inside_the_plate_and_off_the_battery(
    qapp: Any, size: int, soc: float | None, watts: float
) -> None:
    for state in TEXT_STATES:
        view = text_view(state, watts, soc)
        layout = icon_layout(view, size)
        layer = pixels(render_text_layer(view, size))
        icon = pixels(render_icon(view, size, dark_panel=False))
        ink = [(i % size, i // size) for i, c in enumerate(layer) if c[3] > 0]
        assert ink, (state, size)
        text = layout.plan.text or ""
        assert len(text) <= max(glyph_budget(size), 1) or text.startswith("-"), text
        for x, y in ink:
            where = (state, size, watts, text, (x, y))
            # Every inked pixel's centre is on the plate, and no inked pixel touches the ring or
            # bar: not even its neighbours are part of the battery's area.
            assert layout.plate.contains(QPointF(x + 0.5, y + 0.5)), where
            assert not layout.battery_area.intersects(QRectF(x - 1, y - 1, 3, 3)), where
            assert not layout.badge.intersects(QRectF(x, y, 1, 1)), where
        # The ink's bounding box as a whole lies on the plate (which holds no hole).
        xs, ys = [x for x, _ in ink], [y for _, y in ink]
        box = QRectF(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
        assert layout.plate.contains(box), (state, size, watts, text, box)
        # The layer is what the icon shows: where the text is solid, the icon has its colour.
        text_colour = QColor(layout.plan.text_colour)
        solid = [i for i, c in enumerate(layer) if c[3] == 255]
        assert all(near(icon[i], text_colour, 8) for i in solid), (state, size, text)


@pytest.mark.parametrize("size", [16, 22, 24, 32])
def test_digits_are_crisp_and_contrast_with_the_plate(qapp: Any, size: int) -> None:
    for state in TEXT_STATES:
        for watts in (850.0, 2449.0, 12_300.0):
            view = text_view(state, watts, 60.0)
            layout = icon_layout(view, size)
            text = layout.plan.text or ""
            layer = pixels(render_text_layer(view, size))
            icon = pixels(render_icon(view, size, dark_panel=True))
            # Hinted glyphs on whole pixels have fully opaque stems; smeared ones have none.
            core = [i for i, c in enumerate(layer) if c[3] == 255]
            glyphs = sum(1 for ch in text if ch != ".")
            assert len(core) >= 3 * glyphs, (state, size, text, len(core))
            # Contrast measured on the icon: a core text pixel against a plate pixel that no
            # text, bar or badge covers.
            plate_pixels = [
                icon[y * size + x]
                for y in range(size)
                for x in range(size)
                if layer[y * size + x][3] == 0
                and layout.plate.contains(QRectF(x - 1, y - 1, 3, 3))
                and not layout.badge.intersects(QRectF(x - 1, y - 1, 3, 3))
            ]
            assert plate_pixels, (state, size)
            plate = max(set(plate_pixels), key=plate_pixels.count)
            assert hex_of(plate) == layout.plan.plate, (state, size)
            ratio = min(contrast_ratio(hex_of(icon[i]), hex_of(plate)) for i in core)
            assert ratio >= MIN_TEXT_CONTRAST, (state, size, text, ratio)


def alpha_mask(image: QImage) -> list[bool]:
    return [c[3] > 127 for c in pixels(image)]


@pytest.mark.parametrize("size", ICON_SIZES)
@pytest.mark.parametrize("dpr", [1.0, 2.0])
def test_fault_and_eps_differ_from_production_by_shape(qapp: Any, size: int, dpr: float) -> None:
    """What a red-green colour-blind user sees: the grey shapes, without any hue."""
    producing = view_for(watts=291.0, soc=60.0)
    fault = view_for(InverterStatus.FAULT, watts=291.0, soc=60.0)
    eps = view_for(InverterStatus.EPS, watts=291.0, soc=60.0)
    assert (producing.state, fault.state, eps.state) == (
        TrayState.PRODUCING,
        TrayState.FAULT,
        TrayState.EPS,
    )
    # The alpha mask is the silhouette: it holds no colour at all.
    masks = {
        v.state: alpha_mask(render_icon(v, size, dpr=dpr, dark_panel=True))
        for v in (producing, fault, eps)
    }
    area = round(size * dpr) ** 2

    def differing(a: TrayState, b: TrayState) -> int:
        return sum(1 for p, q in zip(masks[a], masks[b], strict=True) if p != q)

    # Substantially: a corner badge or a different outline, not an antialiasing fringe (a
    # one-pixel fringe round a 64 px disc is under 1 % of the icon).
    assert differing(TrayState.PRODUCING, TrayState.FAULT) >= 0.02 * area
    assert differing(TrayState.PRODUCING, TrayState.EPS) >= 0.02 * area
    assert differing(TrayState.FAULT, TrayState.EPS) >= 0.02 * area
