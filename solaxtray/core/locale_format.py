"""Numbers, times and dates in the user's language's conventions. Qt-free.

A small table for the nine languages the app speaks, instead of the C library's ``locale`` module
(process-wide, often missing the user's locale on a minimal system, and not thread-safe) or a large
dependency. The values follow CLDR for each language's main country (Portuguese: Brazil, where most
of our Portuguese-speaking users live). The formats follow the *language* in force
(:func:`solaxtray.core.i18n.current_language`), so ``--lang de`` gives "2,4 kW" as well as German
words.

Machine output (``--json``, the history CSV) never comes through here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from solaxtray.core import i18n
from solaxtray.core.i18n import N_, _

NBSP = "\u00a0"
NNBSP = "\u202f"


@dataclass(frozen=True, slots=True)
class LocaleFormat:
    """How one language writes numbers and clock times."""

    decimal: str
    group: str
    min_grouping: int = 1
    """Group thousands only from this many leading digits over three: Polish and Spanish write
    "1000" but "10 000" (CLDR ``minimumGroupingDigits`` 2)."""
    date: str = "%Y-%m-%d"
    """strftime pattern of a short numeric date."""
    time: str = "%H:%M"
    time_seconds: str = "%H:%M:%S"


FORMATS: dict[str, LocaleFormat] = {
    # English keeps the app's historical output: 24-hour clock, ISO dates (read the same worldwide).
    "en": LocaleFormat(decimal=".", group=","),
    "de": LocaleFormat(decimal=",", group=".", date="%d.%m.%Y"),
    "nl": LocaleFormat(decimal=",", group=".", date="%d-%m-%Y"),
    "pl": LocaleFormat(decimal=",", group=NBSP, min_grouping=2, date="%d.%m.%Y"),
    "cs": LocaleFormat(decimal=",", group=NBSP, date="%d.%m.%Y"),
    "it": LocaleFormat(decimal=",", group=".", date="%d/%m/%Y"),
    "es": LocaleFormat(decimal=",", group=".", min_grouping=2, date="%d/%m/%Y"),
    "fr": LocaleFormat(decimal=",", group=NNBSP, date="%d/%m/%Y"),
    "pt": LocaleFormat(decimal=",", group=".", date="%d/%m/%Y"),
}


def current_format(language: str | None = None) -> LocaleFormat:
    """The conventions of ``language`` (default: the language in force); English for others."""
    return FORMATS.get(language or i18n.current_language(), FORMATS["en"])


def format_number(
    value: float, digits: int = 0, *, grouping: bool = True, language: str | None = None
) -> str:
    """``value`` with ``digits`` decimals in the language's marks: 1234.5 → "1,234.5" (en),
    "1.234,5" (de), "1 234,5" (fr). Not-a-number and infinities are written as Python does."""
    fmt = current_format(language)
    if not math.isfinite(value):
        return f"{value}"
    text = f"{value:.{digits}f}"
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    whole, _, frac = text.partition(".")
    if grouping and len(whole) >= 4 + fmt.min_grouping - 1:
        groups = []
        while len(whole) > 3:
            groups.append(whole[-3:])
            whole = whole[:-3]
        groups.append(whole)
        whole = fmt.group.join(reversed(groups))
    return sign + whole + (fmt.decimal + frac if frac else "")


def format_time(value: datetime, *, seconds: bool = False, language: str | None = None) -> str:
    """A clock time: "14:05" (every supported language uses the 24-hour clock)."""
    fmt = current_format(language)
    return value.strftime(fmt.time_seconds if seconds else fmt.time)


def format_date(value: date, *, language: str | None = None) -> str:
    """A numeric date in the language's order: "2026-11-29" (en), "29.11.2026" (de).

    The year is always written with four digits ("0099-01-01", "01.01.0099"): the C library's
    ``%Y`` drops the leading zeros, and "99-01-01" reads as another date."""
    pattern = current_format(language).date.replace("%Y", f"{value.year:04d}")
    return value.strftime(pattern)


def format_datetime(value: datetime, *, seconds: bool = True, language: str | None = None) -> str:
    """Date and time: "2026-11-29 14:05:09" (en), "29.11.2026 14:05:09" (de)."""
    return f"{format_date(value, language=language)} {format_time(value, seconds=seconds, language=language)}"


WEEKDAYS_SHORT = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)
MONTHS_SHORT = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    # TRANSLATORS: the short name of the month of May (as "Jan", "Feb"...).
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)
"""Short day and month names in English, marked for translation: ``strftime("%a")`` would
follow the C library's locale (English on most systems that run us), not the chosen language."""


def weekday_short(value: date) -> str:
    """ "Sun" in the language in force."""
    return _(WEEKDAYS_SHORT[value.weekday()])


def month_short(value: date) -> str:
    """ "Nov" in the language in force."""
    return _(MONTHS_SHORT[value.month - 1])


def format_day_month(value: date) -> str:
    """ "29 Nov" (the order and words of the language in force)."""
    return _("{day} {month}").format(day=value.day, month=month_short(value))


def format_weekday_day_month(value: date) -> str:
    """ "Sun 29 Nov"."""
    return _("{weekday} {day} {month}").format(
        weekday=weekday_short(value), day=value.day, month=month_short(value)
    )


def format_long_datetime(value: datetime) -> str:
    """ "Sun 29 Nov 2026 14:05:09"."""
    return _("{weekday} {day} {month} {year} {time}").format(
        weekday=weekday_short(value),
        day=value.day,
        month=month_short(value),
        year=f"{value.year:04d}",
        time=format_time(value, seconds=True),
    )
