"""Axis ranges, ticks, scaling and cursor steps of the popup's charts (no display)."""

from __future__ import annotations

import math

import pytest

from solaxtray.core.charts import (
    Axis,
    day_ticks,
    format_tick,
    nearest_index,
    nice_axis,
    nice_step,
    percent_axis,
    step_index,
)


@pytest.mark.parametrize(
    ("span", "ticks", "step"),
    [(10.0, 5, 2.0), (7.3, 4, 2.0), (6500.0, 4, 2000.0), (1.0, 4, 0.25), (95.0, 3, 50.0)],
)
def test_nice_steps(span: float, ticks: int, step: float) -> None:
    assert nice_step(span, ticks) == pytest.approx(step)


def test_axis_holds_the_values_and_zero_with_round_ticks() -> None:
    axis = nice_axis([6500.0, -1800.0, 300.0, None, math.nan], max_ticks=4)
    assert axis.lo <= -1800 < 6500 <= axis.hi
    assert axis.ticks[0] == axis.lo
    assert axis.ticks[-1] == axis.hi
    assert 0.0 in axis.ticks
    steps = {round(b - a, 6) for a, b in zip(axis.ticks, axis.ticks[1:], strict=False)}
    assert steps == {2500.0}
    assert len(axis.ticks) <= 6


def test_a_night_of_zeros_is_a_small_axis_not_noise_blown_up() -> None:
    axis = nice_axis([0.0, 3.0, 0.0], floor=1000.0)
    assert axis.hi >= 1000.0
    assert axis.lo == 0.0
    only_negative = nice_axis([-200.0], floor=1000.0)
    assert only_negative.lo <= -1000.0
    assert only_negative.hi == 0.0


def test_empty_axis() -> None:
    axis = nice_axis([], floor=1.0)
    assert (axis.lo, axis.hi) == (0.0, 1.0)
    assert axis.ticks[0] == 0.0


def test_ticks_have_no_binary_fractions() -> None:
    axis = nice_axis([0.7], max_ticks=7, floor=0.1)
    assert all(t == round(t, 9) for t in axis.ticks)
    assert "0.30000000000000004" not in repr(axis.ticks)


def test_scaling_maps_the_ends_and_clamps() -> None:
    axis = Axis(0.0, 100.0, (0.0, 50.0, 100.0))
    assert axis.to_pixels(0.0, 200.0, 0.0) == 200.0
    assert axis.to_pixels(100.0, 200.0, 0.0) == 0.0
    assert axis.to_pixels(50.0, 200.0, 0.0) == 100.0
    assert axis.to_pixels(150.0, 200.0, 0.0) == 0.0
    assert axis.to_pixels(math.nan, 200.0, 0.0) == 200.0
    assert percent_axis().hi == 100.0


def test_day_ticks() -> None:
    assert day_ticks(6) == (
        (0.0, "00:00"),
        (21600.0, "06:00"),
        (43200.0, "12:00"),
        (64800.0, "18:00"),
        (86400.0, "24:00"),
    )


def test_cursor_steps() -> None:
    assert step_index(0, None, 1) is None
    assert step_index(5, None, -1) == 4  # the first press starts at the newest sample
    assert step_index(5, 4, 1) == 4
    assert step_index(5, 0, -1) == 0
    assert step_index(5, 2, -1) == 1
    assert nearest_index([], 3.0) is None
    assert nearest_index([0.0, 10.0, 20.0], 14.0) == 1
    assert nearest_index([0.0, 10.0, 20.0], 16.0) == 2


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0, "W", "0"),
        (500.0, "W", "500 W"),
        (2000.0, "W", "2 kW"),
        (-2500.0, "W", "-2.5 kW"),
        (10.0, "kWh", "10 kWh"),
        (500.0, "kWh", "500 kWh"),
        (1500.0, "kWh", "1.5 MWh"),
        (0.0, "kWh", "0"),
        (50.0, "%", "50 %"),
    ],
)
def test_tick_labels(value: float, unit: str, text: str) -> None:
    assert format_tick(value, unit) == text
