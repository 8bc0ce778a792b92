"""What the tray icon says at each size, and in which colours and shapes. Qt-free.

The drawing (``ui/icon.py``) follows a plan made here from the :class:`TrayView` and the icon's
logical size, so the rules that matter for legibility are plain functions a test can read:

- **Glyph budget.** A panel icon of 16 to 22 px holds three glyphs at a readable height; "2.0k"
  (four glyphs, one of them a dot) shrinks every digit to mush. From 24 px there is room for four.
  So: 22 px and below, at most three characters ("850", "2k", "12k", "-85", "-2k"); 24 px and above,
  at most four ("850", "2.4k", "12k", "-850"). Values round half up to the unit shown, so a small
  draw from the grid reads "-0k" at 16 px. The tooltip and the menu carry the exact figure.
- **Layout.** Up to 40 px the ring would eat a quarter of the width, so the compact layout draws a
  rounded-square plate with the text and, with a battery, the charge as a thin bar along the
  bottom edge, outside the plate. From 48 px the plate is a disc inside the battery ring, with the
  data-age arc on its rim.
- **Shape as well as colour.** A fault and a grid outage (EPS) must be told apart from normal
  production without seeing red or green: in the compact layout a fault draws a warning triangle
  with "!" instead of the plate, and EPS a battery-shaped plate (the house runs on it); from 48 px
  both keep the disc and add a corner badge (a warning triangle, a lightning bolt).
- **Contrast.** Text colour is whichever of white and near-black contrasts more with the plate,
  and every plate that carries text reaches the WCAG ratio of 4.5 with it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from solaxtray.core.locale_format import current_format
from solaxtray.core.presentation import TrayState, TrayView

SMALL_TEXT_MAX_SIZE = 22
"""Up to this logical size the icon text has at most three glyphs."""
COMPACT_LAYOUT_MAX_SIZE = 40
"""Up to this logical size (so at 32 px too) the compact layout (plate, bar) is used instead of
disc and ring: a ring leaves a 32 px icon a 22 px disc for four glyphs."""
MIN_TEXT_CONTRAST = 4.5
"""WCAG 2 AA for normal text: the icon's digits are smaller than any text the guideline imagines."""

STATE_COLOURS: dict[TrayState, str] = {
    TrayState.PRODUCING: "#1f7a35",  # green: the sun is working
    TrayState.IDLE: "#5b6b7a",  # slate
    TrayState.NIGHT: "#3a4470",  # indigo
    TrayState.IMPORTING: "#2a64c8",  # blue: drawing from the grid
    TrayState.STALE: "#6b6b6b",  # grey: old data
    TrayState.ERROR: "#8e44ad",  # purple: the app cannot get data
    TrayState.EPS: "#f0a000",  # amber: grid outage, on battery
    TrayState.FAULT: "#d32f2f",  # red
    TrayState.SETUP: "#607d8b",  # blue-grey, with a gear glyph (never text)
}
"""The plate colour per state. Fault red, EPS amber and stale grey are part of the contract; the
greens and blues are dark enough for white digits (see ``MIN_TEXT_CONTRAST``)."""
TEXT_LIGHT = "#ffffff"
TEXT_DARK = "#111111"


class PlateShape(enum.Enum):
    """The outline that carries the text."""

    DISC = "disc"
    ROUNDED_SQUARE = "rounded_square"
    TRIANGLE = "triangle"
    """A warning sign: a fault, in the compact layout."""
    BATTERY = "battery"
    """A battery on its side: a grid outage, the house on battery, in the compact layout."""


class Badge(enum.Enum):
    """A corner mark added to the disc from 48 px (the ring layout)."""

    NONE = "none"
    WARNING = "warning"
    BOLT = "bolt"


class Glyph(enum.Enum):
    """A drawn sign shown instead of the power text."""

    NONE = "none"
    GEAR = "gear"
    MOON = "moon"


class BatteryMark(enum.Enum):
    """How the battery's charge is drawn."""

    NONE = "none"
    RING = "ring"
    BAR = "bar"


@dataclass(frozen=True, slots=True)
class IconPlan:
    """Everything the drawing needs to know, decided from the view and the logical size."""

    size: int
    compact: bool
    shape: PlateShape
    badge: Badge
    glyph: Glyph
    text: str | None
    """The characters to draw, or ``None`` when a glyph (or nothing) takes the text's place."""
    plate: str
    text_colour: str
    battery: BatteryMark
    soc: float | None
    age_fraction: float | None
    """``None`` in the compact layout: the thin arc needs a rim the compact plate does not have."""


def glyph_budget(size: int) -> int:
    """The most characters the power text may have at a logical icon size."""
    return 3 if size <= SMALL_TEXT_MAX_SIZE else 4


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def icon_power_text(watts: float | None, size: int) -> str:
    """The power as the icon shows it at ``size``: "850", "2k" / "2.4k", "12k", "-85".

    Rounding is to the nearest unit shown, half up; a value that has no honest form in the budget
    (hundreds of megawatts at 16 px) falls back to the coarsest unit that fits.
    """
    if watts is None or not math.isfinite(watts):
        return "–"
    budget = glyph_budget(size)
    magnitude = abs(watts)
    if not (watts < 0 and _round_half_up(magnitude) > 0):
        return _magnitude_text(magnitude, budget)
    text = _magnitude_text(magnitude, budget - 1)
    if text.lstrip(".,").startswith("0") and _round_half_up(magnitude) >= 1000:
        # Only a draw of ten kilowatts or more has no two-glyph form ("12k" would read "0M"):
        # one glyph over the budget beats a figure a thousand times off.
        text = _magnitude_text(magnitude, budget)
    return f"-{text}"


def _magnitude_text(w: float, room: int) -> str:
    """``w`` (>= 0) in at most ``room`` characters, finest unit first."""
    whole = _round_half_up(w)
    if whole < 1000 and len(str(whole)) <= room:
        return str(whole)
    for unit, scale in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        value = w / scale
        tenths = _round_half_up(value * 10)
        if room >= 4 and tenths < 100:
            return f"{tenths // 10}{current_format().decimal}{tenths % 10}{unit}"
        rounded = _round_half_up(value)
        if rounded < 1000 and len(str(rounded)) + 1 <= room:
            if rounded == 0 and room >= 3 and tenths > 0:
                return (
                    f"{current_format().decimal}{tenths}{unit}"  # 450 kW at 16 px: ".5M", not "0M"
                )
            return f"{rounded}{unit}"
    return "9" * max(1, room - 1) + "G"  # beyond any inverter; still no more than the budget


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, 1 to 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    high, low = max(la, lb), min(la, lb)
    return (high + 0.05) / (low + 0.05)


def text_colour_for(plate: str) -> str:
    """White or near-black, whichever contrasts more with ``plate``."""
    light = contrast_ratio(TEXT_LIGHT, plate)
    dark = contrast_ratio(TEXT_DARK, plate)
    return TEXT_LIGHT if light >= dark else TEXT_DARK


def _stopped(view: TrayView) -> bool:
    return view.power_w is None or abs(view.power_w) < 1


def icon_plan(view: TrayView, size: int) -> IconPlan:
    """The icon for ``view`` at logical ``size`` pixels."""
    compact = size <= COMPACT_LAYOUT_MAX_SIZE
    state = view.state
    plate = STATE_COLOURS[state]
    shape = PlateShape.ROUNDED_SQUARE if compact else PlateShape.DISC
    badge = Badge.NONE
    glyph = Glyph.NONE
    text: str | None = icon_power_text(view.power_w, size) if view.power_w is not None else "–"
    if state is TrayState.ERROR:
        text = "!"
    elif state is TrayState.SETUP:
        glyph, text = Glyph.GEAR, None
    elif state is TrayState.NIGHT and _stopped(view):
        glyph, text = Glyph.MOON, None
    elif state is TrayState.FAULT:
        if compact:
            # Three red digits on a square would look like production to a red-green
            # colour-blind eye; the warning sign says "fault" by its outline alone.
            shape, text = PlateShape.TRIANGLE, "!"
        else:
            badge = Badge.WARNING
            if _stopped(view):
                text = "!"  # "0" on a red disc reads "idle"
    elif state is TrayState.EPS:
        if compact:
            shape = PlateShape.BATTERY
        else:
            badge = Badge.BOLT
    has_soc = view.soc is not None and math.isfinite(view.soc)
    battery = BatteryMark.NONE
    if has_soc and shape is not PlateShape.TRIANGLE:
        battery = BatteryMark.BAR if compact else BatteryMark.RING
    return IconPlan(
        size=size,
        compact=compact,
        shape=shape,
        badge=badge,
        glyph=glyph,
        text=text,
        plate=plate,
        text_colour=text_colour_for(plate),
        battery=battery,
        soc=view.soc if has_soc else None,
        age_fraction=None if compact or state is TrayState.SETUP else view.age_fraction,
    )


def plan_key(view: TrayView, sizes: tuple[int, ...]) -> tuple[object, ...]:
    """What the pixels depend on beyond ``view.visual_key``: the text at every drawn size (a
    three-glyph "2k" can change where the four-glyph "2.5k" does not)."""
    return tuple(icon_power_text(view.power_w, s) for s in sorted(set(sizes)))
