"""The icon's rules per size: glyph budget, shapes for alarms, text contrast."""

from __future__ import annotations

import pytest

from solaxtray.core.icon_rules import (
    MIN_TEXT_CONTRAST,
    STATE_COLOURS,
    Badge,
    BatteryMark,
    PlateShape,
    contrast_ratio,
    glyph_budget,
    icon_plan,
    icon_power_text,
    text_colour_for,
)
from solaxtray.core.presentation import TrayState, TrayView


@pytest.mark.parametrize(
    ("watts", "small", "large"),
    [
        (0.0, "0", "0"),
        (850.0, "850", "850"),
        (999.6, "1k", "1.0k"),
        (2049.0, "2k", "2.0k"),
        (2449.0, "2k", "2.4k"),
        (2500.0, "3k", "2.5k"),
        (9500.0, "10k", "9.5k"),
        (12_300.0, "12k", "12k"),
        (450_000.0, ".5M", "450k"),
        (1_200_000.0, "1M", "1.2M"),
        (-85.0, "-85", "-85"),
        (-450.0, "-0k", "-450"),
        (-850.0, "-1k", "-850"),
        (-2400.0, "-2k", "-2k"),
        (float("nan"), "–", "–"),
    ],
)
def test_power_text_per_size(watts: float, small: str, large: str) -> None:
    assert icon_power_text(watts, 16) == small
    assert icon_power_text(watts, 22) == small
    assert icon_power_text(watts, 24) == large
    assert icon_power_text(watts, 64) == large


@pytest.mark.parametrize("watts", [0.4, 7.0, 85.0, 999.0, 1500.0, 9999.0, 45_000.0, 8e6, -70.0])
def test_small_text_has_at_most_three_glyphs(watts: float) -> None:
    assert glyph_budget(16) == glyph_budget(22) == 3
    assert len(icon_power_text(watts, 16)) <= 3
    assert len(icon_power_text(watts, 32)) <= 4


def test_every_plate_with_text_contrasts_with_it() -> None:
    for state, plate in STATE_COLOURS.items():
        if state is TrayState.SETUP:
            continue  # a gear, never text
        ratio = contrast_ratio(text_colour_for(plate), plate)
        assert ratio >= MIN_TEXT_CONTRAST, (state, plate, ratio)


def test_contrast_ratio_matches_the_wcag_figures() -> None:
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _view(state: TrayState, watts: float | None, soc: float | None) -> TrayView:
    return TrayView(state, watts, soc, 0.5, (), None)


@pytest.mark.parametrize("size", [16, 22, 24, 32, 48, 64])
def test_fault_and_eps_carry_a_shape_at_every_size(size: int) -> None:
    producing = icon_plan(_view(TrayState.PRODUCING, 291.0, 60.0), size)
    fault = icon_plan(_view(TrayState.FAULT, 291.0, 60.0), size)
    eps = icon_plan(_view(TrayState.EPS, 291.0, 60.0), size)
    assert producing.badge is Badge.NONE
    assert (fault.shape, fault.badge) != (producing.shape, producing.badge)
    assert (eps.shape, eps.badge) != (producing.shape, producing.badge)
    assert (eps.shape, eps.badge) != (fault.shape, fault.badge)
    if size <= 40:
        assert fault.shape is PlateShape.TRIANGLE
        assert eps.shape is PlateShape.BATTERY
        assert producing.battery is BatteryMark.BAR
        assert producing.age_fraction is None
    else:
        assert (fault.badge, eps.badge) == (Badge.WARNING, Badge.BOLT)
        assert producing.battery is BatteryMark.RING
