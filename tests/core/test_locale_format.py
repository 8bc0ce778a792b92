"""Numbers, times and dates in each language's conventions; the app's formatters follow the
language in force. Qt-free."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from solaxtray.core import i18n
from solaxtray.core.icon_rules import icon_power_text
from solaxtray.core.locale_format import (
    FORMATS,
    NBSP,
    NNBSP,
    format_date,
    format_datetime,
    format_long_datetime,
    format_number,
    format_time,
)
from solaxtray.core.presentation import (
    format_energy,
    format_percent,
    format_power,
    format_power_compact,
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234,567.89"),
        ("de", "1.234.567,89"),
        ("nl", "1.234.567,89"),
        ("it", "1.234.567,89"),
        ("es", "1.234.567,89"),
        ("pt", "1.234.567,89"),
        ("pl", f"1{NBSP}234{NBSP}567,89"),
        ("cs", f"1{NBSP}234{NBSP}567,89"),
        ("fr", f"1{NNBSP}234{NNBSP}567,89"),
    ],
)
def test_decimal_mark_and_grouping(language: str, expected: str) -> None:
    assert format_number(1234567.891, 2, language=language) == expected


def test_every_language_has_a_format() -> None:
    assert set(FORMATS) == set(i18n.LANGUAGES)


@pytest.mark.parametrize(
    ("language", "four", "five"),
    [("pl", "1000", f"10{NBSP}000"), ("es", "1000", "10.000"), ("de", "1.000", "10.000")],
)
def test_minimum_grouping_digits(language: str, four: str, five: str) -> None:
    assert format_number(1000, language=language) == four
    assert format_number(10000, language=language) == five


def test_negative_small_and_ungrouped_numbers() -> None:
    assert format_number(-1234.5, 1, language="de") == "-1.234,5"
    assert format_number(0.05, 1, language="de") == "0,1"
    assert format_number(12345, grouping=False, language="de") == "12345"
    assert format_number(float("nan"), language="de") == "nan"


def test_dates_in_each_languages_order() -> None:
    day = date(2026, 11, 29)
    assert format_date(day, language="en") == "2026-11-29"
    assert format_date(day, language="de") == "29.11.2026"
    assert format_date(day, language="nl") == "29-11-2026"
    assert format_date(day, language="fr") == "29/11/2026"
    moment = datetime(2026, 11, 29, 15, 4, 5)
    assert format_time(moment, language="it") == "15:04"
    assert format_datetime(moment, language="pl") == "29.11.2026 15:04:05"


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "0099-02-03"), ("de", "03.02.0099"), ("fr", "03/02/0099")]
)
def test_a_year_before_1000_keeps_four_digits(language: str, expected: str) -> None:
    assert format_date(date(99, 2, 3), language=language) == expected
    assert format_date(date(1, 1, 1), language=language).count("0001") == 1
    moment = datetime(7, 2, 3, 4, 5, 6)
    assert format_datetime(moment, language=language).startswith(expected.replace("99", "07"))


def test_the_long_date_keeps_a_four_digit_year() -> None:
    i18n.configure(cli="en")
    assert format_long_datetime(datetime(5, 1, 2, 3, 4, 5)) == "Sun 2 Jan 0005 03:04:05"


def test_the_app_formatters_follow_the_language_in_force() -> None:
    i18n.configure(cli="de")
    assert format_power(2400) == "2,4 kW"
    assert format_power(850) == "850 W"
    assert format_energy(12.6) == "12,6 kWh"
    assert format_percent(67.4) == "67 %"
    assert format_power_compact(2400) == "2,4k"
    i18n.configure(cli="en")
    assert format_power(2400) == "2.4 kW"
    assert format_energy(12.6) == "12.6 kWh"


@pytest.mark.parametrize(("language", "mark"), [("en", "."), ("de", ","), ("fr", ",")])
def test_icon_digits_follow_the_decimal_mark(language: str, mark: str) -> None:
    i18n.configure(cli=language)
    assert icon_power_text(2400, 32) == f"2{mark}4k"
    assert icon_power_text(450_000, 16) == f"{mark}5M"


def test_the_popup_and_alert_phrases_follow_the_language_in_force() -> None:
    from datetime import date

    from solaxtray.core.alerts import duration_words
    from solaxtray.core.dashboard import format_grid, format_quota
    from solaxtray.core.locale_format import format_day_month, format_long_datetime

    i18n.configure(cli="de")
    # The German catalog words the phrases; the numbers in them are German whatever the words.
    quota = format_quota(1234, 10_000)
    assert "1.234" in quota
    assert "10.000" in quota
    assert "12 %" in quota
    assert "of" not in quota.split()
    assert "2,1 kW" in format_grid(2100)
    assert "3,1" in duration_words(3 * 3600 + 360)
    i18n.configure(cli="en")
    assert format_quota(1234, 10_000) == "1,234 of 10,000 today (12 %)"
    assert duration_words(3 * 3600 + 360) == "3.1 hours"
    assert format_day_month(date(2026, 11, 29)) == "29 Nov"
    assert format_long_datetime(datetime(2026, 11, 29, 14, 5, 9)) == "Sun 29 Nov 2026 14:05:09"
