"""The tray icon, drawn with QPainter from a :class:`TrayView` for every size a platform asks for.

Layout, from the outside in:
- the battery ring (only with a battery): a track all round and an arc from 12 o'clock clockwise,
  proportional to SOC, in a colour that contrasts with the panel;
- the plate: a disc in the state colour, so the state reads at a glance and the text always has its
  own background (panels may be light, dark, or a wallpaper);
- the data-age arc: a thin arc on the plate's rim, growing through the upload cycle;
- the compact power text ("2.4k") with a one-pixel halo, or a glyph: a gear for setup, "!" when
  the app cannot get data, a crescent moon for an inverter asleep at night.

The macOS template variant is black and alpha only (the menu bar recolours it), so state colours are
replaced there by shape: problem states get a filled plate with the text cut out.

Why we render for explicit sizes instead of scaling one big image: at 16 and 22 px a scaled-down 64 px
drawing turns the text to mush; drawing each size lets the font and strokes snap to whole pixels.
"""

from __future__ import annotations

import ctypes
import logging
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

from solaxtray.core.presentation import TrayState, TrayView

logger = logging.getLogger(__name__)


def protect_none_refcount() -> bool:
    """Work around PySide6 6.12.0's abi3 wheel dropping a reference to ``None`` on every call of a
    void Qt method under Python 3.11 (where ``None`` is not yet immortal).

    Why: each ``painter.setPen(...)`` lowers ``None``'s reference count by one; after a few
    thousand calls CPython aborts with "deallocating None". Python 3.12 made ``None`` immortal,
    and this gives 3.11 the same property. It acts only when the defect is observed, so a fixed
    PySide6 or a newer Python leaves the interpreter untouched. Safe to call again (each call
    only adds headroom); the module calls it once on import, before any drawing.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    probe = QPointF()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setX(1.0)
    if sys.getrefcount(None) >= before:
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    logger.debug("PySide6 drops references to None; None pinned")
    return True


protect_none_refcount()

ICON_SIZES: tuple[int, ...] = (16, 20, 22, 24, 32, 48, 64)
DEVICE_PIXEL_RATIOS: tuple[float, ...] = (1.0, 2.0)

STATE_COLOURS: dict[TrayState, str] = {
    TrayState.PRODUCING: "#2e9e44",  # green: the sun is working
    TrayState.IDLE: "#5b6b7a",  # slate
    TrayState.NIGHT: "#3a4470",  # indigo
    TrayState.IMPORTING: "#2f6fdb",  # blue: drawing from the grid
    TrayState.STALE: "#7d7d7d",  # grey: old data (dark enough for white text)
    TrayState.ERROR: "#8e44ad",  # purple: the app cannot get data
    TrayState.EPS: "#f0a000",  # amber: grid outage, on battery
    TrayState.FAULT: "#d32f2f",  # red
    TrayState.SETUP: "#607d8b",  # blue-grey, with a gear glyph
}
"""The plate colour per state. Fault red, EPS amber and stale grey are part of the contract."""

RING_ON_DARK = "#f2f2f2"
RING_ON_LIGHT = "#202020"
_TEMPLATE_PROBLEM_STATES = frozenset(
    {TrayState.FAULT, TrayState.EPS, TrayState.ERROR, TrayState.STALE, TrayState.SETUP}
)

IconKey = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class IconGeometry:
    """Where the parts of an icon of ``pixels`` device pixels go; exposed for the tests."""

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


def state_colour(state: TrayState) -> QColor:
    return QColor(STATE_COLOURS[state])


def _text_colours(plate: QColor) -> tuple[QColor, QColor]:
    """Text and halo colour for a plate: dark text on light plates (amber), white otherwise."""
    luminance = 0.2126 * plate.redF() + 0.7152 * plate.greenF() + 0.0722 * plate.blueF()
    if luminance > 0.55:
        return QColor("#111111"), QColor(255, 255, 255, 110)
    return QColor("#ffffff"), QColor(0, 0, 0, 140)


def _glyph_text(view: TrayView) -> str:
    if view.state is TrayState.ERROR:
        return "!"
    if view.state is TrayState.FAULT and (view.power_w is None or abs(view.power_w) < 1):
        # A stopped inverter: "0" on red says "idle" to anyone who cannot tell red from green.
        return "!"
    return view.power_text


def _fit_font(text: str, max_width: float, max_height: float) -> QFont:
    """The largest bold font whose rendering of ``text`` fits the box (pixel sizes, no DPI)."""
    font = QFont()
    font.setBold(True)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    if len(text) >= 3:
        # A condensed face (DejaVu Sans Condensed, Arial Narrow...) where the system has one:
        # four characters in 14 px is where every pixel of width counts.
        font.setStretch(QFont.Stretch.Condensed)
    size = max(4, int(max_height))
    while size > 4:
        font.setPixelSize(size)
        rect = QFontMetricsF(font).tightBoundingRect(text)
        if rect.width() <= max_width and rect.height() <= max_height:
            break
        size -= 1
    font.setPixelSize(size)
    return font


def _draw_text(
    painter: QPainter, text: str, box: QRectF, colour: QColor, *, halo: QColor | None, px: int
) -> None:
    font = _fit_font(text, box.width(), box.height())
    metrics = QFontMetricsF(font)
    tight = metrics.tightBoundingRect(text)
    # Centre the ink, not the advance box: digits have no descenders, so the advance box would
    # sit them high.
    x = box.center().x() - tight.width() / 2 - tight.left()
    y = box.center().y() - tight.height() / 2 - tight.top()
    painter.setFont(font)
    if halo is not None:
        step = max(1.0, round(px / 32))
        painter.setPen(halo)
        # Four directions, not eight: at 16 px a full outline would swallow the strokes.
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            painter.drawText(QPointF(x + dx * step, y + dy * step), text)
    painter.setPen(colour)
    painter.drawText(QPointF(x, y), text)


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


def _glyph_path(view: TrayView, geo: IconGeometry) -> QPainterPath | None:
    """The shape drawn instead of the power text, if any."""
    centre = geo.plate_rect.center()
    if view.state is TrayState.SETUP:
        return _gear_path(centre, geo.plate_rect.width() * 0.36)
    if view.state is TrayState.NIGHT and (view.power_w is None or abs(view.power_w) < 1):
        return _moon_path(centre, geo.plate_rect.width() * 0.3)
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
    px = max(8, round(size * dpr))
    image = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if template:
            _paint_template(painter, view, px)
        else:
            _paint_colour(painter, view, px, dark_panel=dark_panel)
    finally:
        painter.end()
    image.setDevicePixelRatio(dpr)
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


def _paint_age(painter: QPainter, geo: IconGeometry, fraction: float, colour: QColor) -> None:
    if fraction <= 0:
        return
    pen = QPen(colour, geo.age_width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(geo.age_rect, 90 * 16, -round(min(1.0, fraction) * 360 * 16))


def _text_box(geo: IconGeometry) -> QRectF:
    px = float(geo.pixels)
    # The text may run over the ring at the sides (with its halo it stays readable): four
    # characters need nearly the full width at 16 px.
    width = px - 2 * max(1.0, round(px * 0.04))
    height = geo.plate_rect.height() * 0.62
    if px < 32:
        # Small icons: the digits may grow over the ring, or they would be a smudge.
        height = max(height, px * 0.56)
    return QRectF((px - width) / 2, (px - height) / 2, width, height)


def _paint_colour(painter: QPainter, view: TrayView, px: int, *, dark_panel: bool) -> None:
    geo = icon_geometry(px, has_battery=view.has_battery)
    plate = state_colour(view.state)
    text_colour, halo = _text_colours(plate)
    if view.soc is not None:
        _paint_ring(painter, geo, view.soc, QColor(RING_ON_DARK if dark_panel else RING_ON_LIGHT))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(plate)
    painter.drawEllipse(geo.plate_rect)
    if view.age_fraction is not None and view.state is not TrayState.SETUP:
        age_colour = QColor(text_colour)
        age_colour.setAlpha(200)
        _paint_age(painter, geo, view.age_fraction, age_colour)
    glyph = _glyph_path(view, geo)
    if glyph is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(text_colour)
        painter.drawPath(glyph)
        return
    _draw_text(painter, _glyph_text(view), _text_box(geo), text_colour, halo=halo, px=px)


def _paint_template(painter: QPainter, view: TrayView, px: int) -> None:
    black = QColor(0, 0, 0)
    geo = icon_geometry(px, has_battery=view.has_battery)
    if view.soc is not None:
        _paint_ring(painter, geo, view.soc, black)
    problem = view.state in _TEMPLATE_PROBLEM_STATES
    if problem:
        fill = QColor(black)
        if view.state is TrayState.STALE:
            fill.setAlpha(120)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawEllipse(geo.plate_rect)
        # Cut the text out of the plate: the menu bar shows it in its own background colour.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    glyph = _glyph_path(view, geo)
    if glyph is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(black)
        painter.drawPath(glyph)
    else:
        _draw_text(painter, _glyph_text(view), _text_box(geo), black, halo=None, px=px)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    if view.age_fraction is not None and not problem:
        faint = QColor(black)
        faint.setAlpha(160)
        _paint_age(painter, geo, view.age_fraction, faint)


# --------------------------------------------------------------------------------------------
# QIcon assembly and change detection


def icon_key(view: TrayView, *, dark_panel: bool, template: bool = False) -> IconKey:
    """A cheap comparable key: equal keys mean identical pixels at every size."""
    return (*view.visual_key, dark_panel, template)


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
    return icon_key(view, dark_panel=dark_panel, template=template), icon


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
        key = icon_key(view, dark_panel=dark_panel, template=template)
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
