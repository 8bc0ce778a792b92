"""The tray icon, drawn with QPainter for every size a platform asks for.

What to draw at which size (the glyph budget, the compact and the ring layout, the shape cues for
a fault and a grid outage, the colours) is decided by the Qt-free :mod:`solaxtray.core.icon_rules`;
this module turns its :class:`~solaxtray.core.icon_rules.IconPlan` into pixels:

- compact layout (up to 40 px): a rounded-square plate in the state colour carrying the text, the
  battery's charge as a thin bar under it; a fault is a warning triangle, EPS a battery outline;
- ring layout (48 px and up): the battery ring, a disc in the state colour, the data-age arc on
  its rim, the text inside the disc, and a corner badge for a fault or EPS;
- a gear instead of text for set-up, a crescent moon for an inverter asleep at night.

The text is drawn on the pixel grid: a whole-pixel font size chosen so the glyphs' ink fits the
text box, full hinting, and the origin on a whole pixel, so stems land on pixel columns instead of
smearing over two.

The macOS template variant is black and alpha only (the menu bar recolours it), so state colours are
replaced there by shape: problem states get a filled plate with the text cut out.

Why we render for explicit sizes instead of scaling one big image: at 16 and 22 px a scaled-down 64 px
drawing turns the text to mush; drawing each size lets the font and strokes snap to whole pixels.

Over 500 lines: the drawing of each layout at each size, pixel decisions that are compared side by
side; what to draw is decided in ``core.icon_rules``.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QTransform,
)

from solaxtray.core.icon_rules import (
    STATE_COLOURS,
    Badge,
    BatteryMark,
    Glyph,
    IconPlan,
    PlateShape,
    icon_plan,
    plan_key,
)
from solaxtray.core.presentation import TrayState, TrayView

logger = logging.getLogger(__name__)


ICON_SIZES: tuple[int, ...] = (16, 20, 22, 24, 32, 48, 64)
DEVICE_PIXEL_RATIOS: tuple[float, ...] = (1.0, 2.0)

RING_ON_DARK = "#f2f2f2"
RING_ON_LIGHT = "#202020"
_TEMPLATE_PROBLEM_STATES = frozenset(
    {TrayState.FAULT, TrayState.EPS, TrayState.ERROR, TrayState.STALE, TrayState.SETUP}
)
_TEXT_ANGLES = {1: math.radians(42.0), 2: math.radians(32.0)}
_TEXT_ANGLE_LONG = math.radians(24.0)
"""The text box in the disc is the inscribed rectangle at this diagonal angle: about 2.2 : 1 for
three or four bold digits, squarer for one or two."""

SHARP_TEXT_BELOW_PX = 14
"""Fonts smaller than this many pixels get hinted, unantialiased glyphs: at 7 to 12 px a greyscale
antialiased stem is a two-pixel smear of half-tones, a hinted one a solid pixel column."""
_BADGE_SIDE = 0.38
"""The corner badge's size, as a fraction of the icon: large enough to read at 48 px, small
enough to leave the text its height."""

IconKey = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class IconGeometry:
    """Where the parts of a ring-layout icon of ``pixels`` device pixels go."""

    pixels: int
    ring_width: float
    ring_rect: QRectF
    plate_rect: QRectF
    age_width: float
    age_rect: QRectF


def icon_geometry(pixels: int, *, has_battery: bool) -> IconGeometry:
    s = float(pixels)
    ring_w = max(2.0, round(s * 0.13)) if has_battery else 0.0
    gap = 0.0 if s < 24 or not has_battery else max(1.0, round(s * 0.03))
    age_w = max(1.0, round(s * 0.06))
    ring_rect = QRectF(ring_w / 2, ring_w / 2, s - ring_w, s - ring_w)
    inset = ring_w + gap
    plate_rect = QRectF(inset, inset, s - 2 * inset, s - 2 * inset)
    age_inset = inset + age_w / 2
    age_rect = QRectF(age_inset, age_inset, s - 2 * age_inset, s - 2 * age_inset)
    return IconGeometry(pixels, ring_w, ring_rect, plate_rect, age_w, age_rect)


@dataclass(frozen=True, slots=True)
class IconLayout:
    """The plan of an icon placed on a ``pixels`` x ``pixels`` device-pixel grid.

    Public so that tests (and the screenshot script) can check the drawing against its own
    geometry: the text must stay inside ``plate`` and away from ``battery_area``.
    """

    plan: IconPlan
    pixels: int
    plate: QPainterPath
    text_box: QRectF
    battery_area: QPainterPath
    """Where the battery's ring or bar is drawn (empty without a battery)."""
    bar_rect: QRectF | None
    geometry: IconGeometry | None
    """The ring layout's geometry; ``None`` in the compact layout."""
    badge: QPainterPath
    """The corner badge's outline (empty without a badge)."""


def state_colour(state: TrayState) -> QColor:
    return QColor(STATE_COLOURS[state])


def icon_layout(view: TrayView, size: int, *, dpr: float = 1.0) -> IconLayout:
    """Where everything of ``view``'s icon goes at ``size`` logical pixels and ratio ``dpr``."""
    plan = icon_plan(view, size)
    px = max(8, round(size * dpr))
    if plan.compact:
        return _compact_layout(plan, px)
    return _ring_layout(plan, px)


def _compact_layout(plan: IconPlan, px: int) -> IconLayout:
    s = float(px)
    unit = max(1.0, round(s / 16))
    bar_rect: QRectF | None = None
    battery_area = QPainterPath()
    plate_h = s
    if plan.battery is BatteryMark.BAR:
        bar_h = max(2.0, round(s * 0.125))
        bar_rect = QRectF(0, s - bar_h, s, bar_h)
        battery_area.addRect(bar_rect)
        plate_h = s - bar_h - unit
    plate = QPainterPath()
    if plan.shape is PlateShape.TRIANGLE:
        plate.moveTo(s / 2, 0.0)
        plate.lineTo(s, s)
        plate.lineTo(0.0, s)
        plate.closeSubpath()
        # The "!" sits in the triangle's wide lower part.
        text_box = QRectF(s * 0.35, s * 0.34, s * 0.3, s * 0.58)
    elif plan.shape is PlateShape.BATTERY:
        nub_w = max(2.0, round(s * 0.1))
        body = QRectF(0, 0, s - nub_w, plate_h)
        plate.addRoundedRect(body, s * 0.12, s * 0.12)
        nub = QPainterPath()
        nub.addRect(QRectF(s - nub_w - 1, plate_h * 0.3, nub_w + 1, plate_h * 0.4))
        plate = plate.united(nub)
        text_box = body.adjusted(unit, unit, -unit, -unit)
    else:
        rect = QRectF(0, 0, s, plate_h)
        radius = s * 0.2
        plate.addRoundedRect(rect, radius, radius)
        # Inset by the corner's bulge as well, so no glyph corner reaches into a rounded corner.
        text_box = rect.adjusted(unit, unit + radius * 0.3, -unit, -unit - radius * 0.3)
    return IconLayout(plan, px, plate, text_box, battery_area, bar_rect, None, QPainterPath())


def _ring_layout(plan: IconPlan, px: int) -> IconLayout:
    geo = icon_geometry(px, has_battery=plan.battery is BatteryMark.RING)
    plate = QPainterPath()
    plate.addEllipse(geo.plate_rect)
    battery_area = QPainterPath()
    if plan.battery is BatteryMark.RING:
        outer = QPainterPath()
        outer.addEllipse(QRectF(0, 0, px, px))
        inner = QPainterPath()
        inner.addEllipse(
            geo.ring_rect.adjusted(*(geo.ring_width / 2,) * 2, *(-geo.ring_width / 2,) * 2)
        )
        battery_area = outer.subtracted(inner)
    # Inside the age arc, with a pixel of air: the digits never touch the rim.
    radius = geo.plate_rect.width() / 2 - geo.age_width - max(1.0, round(px / 32))
    centre = geo.plate_rect.center()
    angle = _TEXT_ANGLES.get(len(plan.text or ""), _TEXT_ANGLE_LONG)
    half_w = radius * math.cos(angle)
    half_h = radius * math.sin(angle)
    badge = _badge_path(plan.badge, float(px))
    if not badge.isEmpty():
        # The text stays clear of the corner badge: the box shrinks, keeping its centre.
        half_h = min(half_h, centre.y() - badge.boundingRect().bottom() - 1.0)
    text_box = QRectF(centre.x() - half_w, centre.y() - half_h, 2 * half_w, 2 * half_h)
    return IconLayout(plan, px, plate, text_box, battery_area, None, geo, badge)


def _badge_path(badge: Badge, s: float) -> QPainterPath:
    """A corner mark in the top right, where the disc leaves the square empty."""
    path = QPainterPath()
    side = s * _BADGE_SIDE
    if badge is Badge.WARNING:
        path.moveTo(s - side / 2, 0.0)
        path.lineTo(s, side * 0.88)
        path.lineTo(s - side, side * 0.88)
        path.closeSubpath()
    elif badge is Badge.BOLT:
        path.addEllipse(QRectF(s - side, 0.0, side, side))
    return path


def _badge_sign(badge: Badge, s: float) -> QPainterPath:
    """What is drawn inside the badge: "!" for a warning, a lightning bolt for EPS."""
    side = s * _BADGE_SIDE
    path = QPainterPath()
    if badge is Badge.WARNING:
        cx = s - side / 2
        w = max(1.0, side * 0.13)
        path.addRect(QRectF(cx - w / 2, side * 0.3, w, side * 0.3))
        path.addRect(QRectF(cx - w / 2, side * 0.66, w, w))
    elif badge is Badge.BOLT:
        x0, y0 = s - side, 0.0
        points = ((0.58, 0.12), (0.28, 0.55), (0.48, 0.55), (0.40, 0.9), (0.72, 0.42), (0.52, 0.42))
        path.moveTo(x0 + points[0][0] * side, y0 + points[0][1] * side)
        for fx, fy in points[1:]:
            path.lineTo(x0 + fx * side, y0 + fy * side)
        path.closeSubpath()
    return path


def _fit_font(text: str, max_width: float, max_height: float) -> QFont:
    """The largest whole-pixel bold font whose ink of ``text`` fits the box, fully hinted."""
    font = QFont()
    font.setBold(True)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setHintingPreference(QFont.HintingPreference.PreferFullHinting)
    if len(text) >= 3:
        # A condensed face (DejaVu Sans Condensed, Arial Narrow...) where the system has one:
        # three or four characters in 14 px is where every pixel of width counts.
        font.setStretch(QFont.Stretch.Condensed)
    size = max(4, int(max_height) + 2)
    while size > 4:
        font.setPixelSize(size)
        rect = QFontMetricsF(font).tightBoundingRect(text)
        # One pixel of slack each way: the origin is rounded to a whole pixel afterwards.
        if rect.width() + 1 <= max_width and rect.height() + 1 <= max_height:
            break
        size -= 1
    font.setPixelSize(size)
    if size < SHARP_TEXT_BELOW_PX:
        font.setStyleStrategy(QFont.StyleStrategy.NoAntialias)
    return font


def _text_origin(text: str, font: QFont, box: QRectF) -> QPointF:
    """The baseline origin that centres the ink in ``box``, on a whole pixel."""
    tight = QFontMetricsF(font).tightBoundingRect(text)
    # Centre the ink, not the advance box: digits have no descenders, so the advance box would
    # sit them high.
    x = box.center().x() - tight.width() / 2 - tight.left()
    y = box.center().y() - tight.height() / 2 - tight.top()
    return QPointF(round(x), round(y))


def _draw_text(painter: QPainter, text: str, box: QRectF, colour: QColor) -> None:
    font = _fit_font(text, box.width(), box.height())
    painter.setFont(font)
    painter.setPen(colour)
    painter.drawText(_text_origin(text, font, box), text)


def _gear_path(centre: QPointF, radius: float) -> QPainterPath:
    """A gear: the universal "settings" sign, so the setup state needs no words."""
    body = QPainterPath()
    body.addEllipse(centre, radius * 0.72, radius * 0.72)
    tooth = QPainterPath()
    w = radius * 0.36
    tooth.addRect(QRectF(-w / 2, -radius, w, radius * 0.5))
    for i in range(8):
        transform = QTransform()
        transform.translate(centre.x(), centre.y())
        transform.rotate(i * 45.0)
        body = body.united(transform.map(tooth))
    hole = QPainterPath()
    hole.addEllipse(centre, radius * 0.3, radius * 0.3)
    return body.subtracted(hole)


def _moon_path(centre: QPointF, radius: float) -> QPainterPath:
    """A crescent: the inverter is asleep for the night, which is no reason for alarm."""
    disc = QPainterPath()
    disc.addEllipse(centre, radius, radius)
    bite = QPainterPath()
    bite.addEllipse(
        QPointF(centre.x() + radius * 0.55, centre.y() - radius * 0.35),
        radius * 0.85,
        radius * 0.85,
    )
    return disc.subtracted(bite)


def _glyph_path(layout: IconLayout) -> QPainterPath | None:
    """The shape drawn instead of the power text, if any."""
    bounds = layout.plate.boundingRect()
    centre = bounds.center()
    extent = min(bounds.width(), bounds.height())
    if layout.plan.glyph is Glyph.GEAR:
        return _gear_path(centre, extent * 0.38)
    if layout.plan.glyph is Glyph.MOON:
        return _moon_path(centre, extent * 0.32)
    return None


def render_icon(
    view: TrayView,
    size: int,
    *,
    dpr: float = 1.0,
    dark_panel: bool,
    template: bool = False,
) -> QImage:
    """Draw ``view`` as a ``size`` x ``size`` logical-pixel icon at device pixel ratio ``dpr``."""
    layout = icon_layout(view, size, dpr=dpr)
    image = _blank(layout.pixels)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if template:
            _paint_template(painter, view, layout)
        else:
            _paint_colour(painter, layout, dark_panel=dark_panel)
    finally:
        painter.end()
    image.setDevicePixelRatio(dpr)
    return image


def render_text_layer(view: TrayView, size: int, *, dpr: float = 1.0) -> QImage:
    """Only the icon's text, drawn exactly as :func:`render_icon` draws it, on transparency.

    Lets a test measure the text's own ink (its bounding box, its opaque core) apart from the
    plate, ring and badge it sits among.
    """
    layout = icon_layout(view, size, dpr=dpr)
    image = _blank(layout.pixels)
    text = layout.plan.text
    if text is not None and layout.plan.glyph is Glyph.NONE:
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            _draw_text(painter, text, layout.text_box, QColor(layout.plan.text_colour))
        finally:
            painter.end()
    image.setDevicePixelRatio(dpr)
    return image


def _blank(px: int) -> QImage:
    image = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    return image


def _paint_ring(painter: QPainter, geo: IconGeometry, soc: float, colour: QColor) -> None:
    track = QColor(colour)
    track.setAlpha(70)
    pen = QPen(track, geo.ring_width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(geo.ring_rect)
    fraction = min(1.0, max(0.0, soc / 100.0))
    if fraction > 0:
        pen.setColor(colour)
        painter.setPen(pen)
        # Qt angles are 1/16 degree, counter-clockwise from 3 o'clock: start at 12, go clockwise.
        painter.drawArc(geo.ring_rect, 90 * 16, -round(fraction * 360 * 16))


def _paint_bar(painter: QPainter, rect: QRectF, soc: float, colour: QColor) -> None:
    """The compact layout's battery: a track the full width and a fill from the left, on whole
    pixels so the level reads as a crisp edge."""
    track = QColor(colour)
    track.setAlpha(70)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.fillRect(rect, track)
    fraction = min(1.0, max(0.0, soc / 100.0))
    width = round(rect.width() * fraction)
    if fraction > 0 and width == 0:
        width = 1  # any charge at all shows
    if width > 0:
        painter.fillRect(QRectF(rect.left(), rect.top(), width, rect.height()), colour)


def _paint_battery(painter: QPainter, layout: IconLayout, colour: QColor) -> None:
    soc = layout.plan.soc
    if soc is None:
        return
    if layout.geometry is not None and layout.plan.battery is BatteryMark.RING:
        _paint_ring(painter, layout.geometry, soc, colour)
    elif layout.bar_rect is not None:
        _paint_bar(painter, layout.bar_rect, soc, colour)


def _paint_age(painter: QPainter, geo: IconGeometry, fraction: float, colour: QColor) -> None:
    if fraction <= 0:
        return
    pen = QPen(colour, geo.age_width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(geo.age_rect, 90 * 16, -round(min(1.0, fraction) * 360 * 16))


def _paint_badge(painter: QPainter, layout: IconLayout, fill: QColor, ink: QColor) -> None:
    if layout.badge.isEmpty():
        return
    s = float(layout.pixels)
    outline = QPen(ink, max(1.0, round(s / 32)))
    outline.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    painter.setPen(outline)
    painter.setBrush(fill)
    painter.drawPath(layout.badge)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    painter.drawPath(_badge_sign(layout.plan.badge, s))


def _paint_colour(painter: QPainter, layout: IconLayout, *, dark_panel: bool) -> None:
    plan = layout.plan
    plate = QColor(plan.plate)
    text_colour = QColor(plan.text_colour)
    _paint_battery(painter, layout, QColor(RING_ON_DARK if dark_panel else RING_ON_LIGHT))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(plate)
    painter.drawPath(layout.plate)
    if plan.age_fraction is not None and layout.geometry is not None:
        age_colour = QColor(text_colour)
        age_colour.setAlpha(200)
        _paint_age(painter, layout.geometry, plan.age_fraction, age_colour)
    glyph = _glyph_path(layout)
    if glyph is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(text_colour)
        painter.drawPath(glyph)
    elif plan.text is not None:
        _draw_text(painter, plan.text, layout.text_box, text_colour)
    # The badge's rim is the text colour: it separates the badge from the ring on any panel.
    _paint_badge(painter, layout, plate, text_colour)


def _paint_template(painter: QPainter, view: TrayView, layout: IconLayout) -> None:
    black = QColor(0, 0, 0)
    plan = layout.plan
    _paint_battery(painter, layout, black)
    problem = view.state in _TEMPLATE_PROBLEM_STATES
    if problem:
        fill = QColor(black)
        if view.state is TrayState.STALE:
            fill.setAlpha(120)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(layout.plate)
        # Cut the text out of the plate: the menu bar shows it in its own background colour.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    glyph = _glyph_path(layout)
    if glyph is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(black)
        painter.drawPath(glyph)
    elif plan.text is not None:
        _draw_text(painter, plan.text, layout.text_box, black)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    if plan.age_fraction is not None and layout.geometry is not None and not problem:
        faint = QColor(black)
        faint.setAlpha(160)
        _paint_age(painter, layout.geometry, plan.age_fraction, faint)
    if not layout.badge.isEmpty():
        # Black badge, its sign cut out, a transparent gap between badge and ring.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.setPen(QPen(black, max(1.0, round(layout.pixels / 32))))
        painter.setBrush(black)
        painter.drawPath(layout.badge)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPath(layout.badge)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.drawPath(_badge_sign(plan.badge, float(layout.pixels)))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)


# --------------------------------------------------------------------------------------------
# QIcon assembly and change detection


def icon_key(
    view: TrayView,
    *,
    dark_panel: bool,
    template: bool = False,
    sizes: Sequence[int] = ICON_SIZES,
) -> IconKey:
    """A cheap comparable key: equal keys mean identical pixels at every size."""
    return (*view.visual_key, plan_key(view, tuple(sizes)), dark_panel, template)


def build_qicon(
    view: TrayView,
    *,
    dark_panel: bool,
    template: bool = False,
    sizes: Sequence[int] = ICON_SIZES,
    dprs: Sequence[float] = DEVICE_PIXEL_RATIOS,
) -> tuple[IconKey, QIcon]:
    """Every size and pixel ratio rendered into one QIcon (needs a QGuiApplication)."""
    icon = QIcon()
    for dpr in dprs:
        for size in sizes:
            image = render_icon(view, size, dpr=dpr, dark_panel=dark_panel, template=template)
            icon.addPixmap(QPixmap.fromImage(image))
    if template:
        icon.setIsMask(True)
    return icon_key(view, dark_panel=dark_panel, template=template, sizes=sizes), icon


class IconCache:
    """Hands out a new QIcon only when the picture changes.

    Why: ``QSystemTrayIcon.setIcon`` with an equal-looking new QIcon still re-sends the pixmaps over
    D-Bus (StatusNotifierItem) and some Qt versions leak on every call; the tray asks here first.
    """

    def __init__(
        self,
        *,
        sizes: Sequence[int] = ICON_SIZES,
        dprs: Sequence[float] = DEVICE_PIXEL_RATIOS,
    ) -> None:
        self._sizes = tuple(sizes)
        self._dprs = tuple(dprs)
        self._key: IconKey | None = None
        self._icon: QIcon | None = None
        self.renders = 0
        """How many icons were built: lets a test see that an unchanged view costs nothing."""

    @property
    def key(self) -> IconKey | None:
        return self._key

    @property
    def icon(self) -> QIcon | None:
        return self._icon

    def update(self, view: TrayView, *, dark_panel: bool, template: bool = False) -> QIcon | None:
        """The new icon when it differs from the last one handed out, else ``None``."""
        key = icon_key(view, dark_panel=dark_panel, template=template, sizes=self._sizes)
        if key == self._key:
            return None
        self._key, self._icon = build_qicon(
            view, dark_panel=dark_panel, template=template, sizes=self._sizes, dprs=self._dprs
        )
        self.renders += 1
        logger.debug("tray icon redrawn: %s", key)
        return self._icon


# --------------------------------------------------------------------------------------------
# Platform look


def panel_is_dark(app: QGuiApplication | None = None) -> bool:
    """Best guess whether the tray sits on a dark panel.

    Qt 6.5+ reports the desktop's colour scheme; panels usually follow it. When it is unknown we
    read the palette's window colour. The icons carry their own plate and halo, so a wrong guess
    only makes the battery ring less contrasted, never the numbers unreadable.
    """
    application = app or QGuiApplication.instance()
    if not isinstance(application, QGuiApplication):
        return True
    scheme = application.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    window = application.palette().color(QPalette.ColorRole.Window)
    return window.lightnessF() < 0.5


def wants_template_icon() -> bool:
    """macOS menu bars recolour template (mask) icons for light, dark and highlighted states."""
    return sys.platform == "darwin"


__all__ = [
    "DEVICE_PIXEL_RATIOS",
    "ICON_SIZES",
    "RING_ON_DARK",
    "RING_ON_LIGHT",
    "STATE_COLOURS",
    "IconCache",
    "IconGeometry",
    "IconLayout",
    "build_qicon",
    "icon_geometry",
    "icon_key",
    "icon_layout",
    "panel_is_dark",
    "render_icon",
    "render_text_layer",
    "state_colour",
    "wants_template_icon",
]
