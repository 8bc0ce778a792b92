"""Monthly energy figures from the daily ones, per inverter and for the fleet. Qt-free.

A month is a calendar month of the plant's local days (the days of ``daily``), so a month's
boundaries and its summer-time change are where the daily figures put them. Why from the daily
figures and not from the rows: every rule about resets, gaps and carry-over lives there once, and
a month is then exactly the sum of its days (``history --daily`` and ``--monthly`` never disagree).

- **Yield, export, import, consumption**: the sums of the days that have them.
- **Self-consumption %** and **autarky %**: from the sums over the inverter-days that report
  yield, export and import (the daily fleet's rule, like with like), so a day or an inverter
  without a meter does not tilt the ratio.
- **Partial**: a month is partial when a day of it is partial, or when a day of it (up to the
  plant's today) has no figures at all: a month with gaps says so and is never silently low.
  ``missing_days`` tells how many days had nothing. The month that holds the plant's today is
  ``in_progress``: its days after today are not missing, they have not happened yet.

Reading a year of daily figures takes seconds (the rows of every day are read: see
``benchmarks/popup.py``), and a past month never changes; so :class:`MonthCache` keeps the
figures of past months, checked against a cheap signature of the month's stored rows (their count,
newest id and the sum of their moments), and only the current month, or a month whose rows
changed (the demo still seeding, old rows thinned, a late upload), is read again. Given a file
(``MonthCache.beside``, see ``month_file``), it keeps them between runs as well.
"""

from __future__ import annotations

import calendar
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from solaxtray.core.history.daily import FLEET, DayFigures, daily_figures, plant_today
from solaxtray.core.history.store import HistoryStore, Signature

if TYPE_CHECKING:
    from solaxtray.core.history.month_file import MonthFile

DEFAULT_MONTHS = 12
"""A year at a glance: the current month and the eleven before it."""


@dataclass(frozen=True)
class MonthFigures:
    """The energy of one calendar month of plant days for one inverter or the fleet
    (``sn == "all"``); ``month`` is the month's first day."""

    month: date
    sn: str
    yield_kwh: float | None
    export_kwh: float | None
    import_kwh: float | None
    consumption_kwh: float | None
    self_consumption_pct: float | None
    autarky_pct: float | None
    days: int
    """Days of the month with figures."""
    missing_days: int
    """Days of the month (up to the plant's today) with no figures at all."""
    samples: int
    partial: bool
    in_progress: bool
    """The month holds the plant's today: it is not over yet."""


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or, negative, before) ``day``'s month; held
    at the ends of the calendar."""
    index = day.year * 12 + day.month - 1 + months
    index = max(1 * 12, min(9999 * 12 + 11, index))
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    out: list[date] = []
    if last < first:
        return out
    current = month_start(first)
    while current <= last:
        out.append(current)
        if current.year == 9999 and current.month == 12:
            break
        current = add_months(current, 1)
    return out


def months_of_days(days: Iterable[DayFigures], today: date) -> list[MonthFigures]:
    """The monthly figures of ``days`` (any order, per serial and the fleet as ``daily_figures``
    gives them), ``today`` being the plant's today; ordered by month then serial, "all" last."""
    groups: dict[tuple[date, str], list[DayFigures]] = defaultdict(list)
    for day in days:
        groups[(month_start(day.date), day.sn)].append(day)
    inverter_days: dict[date, list[DayFigures]] = defaultdict(list)
    for (month, sn), group in groups.items():
        if sn != FLEET:
            inverter_days[month].extend(group)
    out: list[MonthFigures] = []
    for month, sn in sorted(groups, key=lambda key: (key[0], key[1] == FLEET, key[1])):
        group = groups[(month, sn)]
        ratio_days = inverter_days[month] if sn == FLEET else group
        if sn == FLEET:
            # The fleet is partial when any inverter is, as on each day.
            others = [groups[(month, s)] for (m, s) in groups if m == month and s != FLEET]
            members_partial = any(_partial(g, month, today)[0] for g in others)
        else:
            members_partial = False
        out.append(
            _month(month, sn, group, ratio_days, today=today, members_partial=members_partial)
        )
    return out


def _expected_days(month: date, today: date) -> int:
    """How many days of ``month`` have begun by ``today``."""
    if month > today:
        return 0
    return (min(month_end(month), today) - month).days + 1


def _partial(group: Sequence[DayFigures], month: date, today: date) -> tuple[bool, int]:
    dated = {d.date for d in group}
    missing = max(0, _expected_days(month, today) - len(dated))
    return any(d.partial for d in group) or missing > 0, missing


def _month(
    month: date,
    sn: str,
    group: Sequence[DayFigures],
    ratio_days: Sequence[DayFigures],
    *,
    today: date,
    members_partial: bool,
) -> MonthFigures:
    partial, missing = _partial(group, month, today)
    complete = [
        d
        for d in ratio_days
        if d.sn != FLEET
        and d.yield_kwh is not None
        and d.export_kwh is not None
        and d.import_kwh is not None
    ]
    ratio_yield = _sum([d.yield_kwh for d in complete])
    ratio_export = _sum([d.export_kwh for d in complete])
    ratio_consumption = _sum([d.consumption_kwh for d in complete if d.consumption_kwh is not None])
    ratio_import = _sum([d.import_kwh for d in complete if d.consumption_kwh is not None])
    return MonthFigures(
        month=month,
        sn=sn,
        yield_kwh=_sum([d.yield_kwh for d in group]),
        export_kwh=_sum([d.export_kwh for d in group]),
        import_kwh=_sum([d.import_kwh for d in group]),
        consumption_kwh=_sum([d.consumption_kwh for d in group]),
        self_consumption_pct=_ratio(ratio_yield, ratio_export),
        autarky_pct=_ratio(ratio_consumption, ratio_import),
        days=len({d.date for d in group}),
        missing_days=missing,
        samples=sum(d.samples for d in group),
        partial=partial or members_partial,
        in_progress=month_start(today) == month,
    )


def _sum(values: Sequence[float | None]) -> float | None:
    """A month's total; ``None`` when no day has one or the sum leaves a float's range."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    try:
        total = math.fsum(present)
    except OverflowError:  # absurd stored values (1.7e308 kWh) that add up past a float's range
        return None
    return round(total, 2) if math.isfinite(total) else None


def _ratio(whole: float | None, part: float | None) -> float | None:
    """(whole − part) / whole in percent, clamped to 0..100; ``None`` without a whole."""
    if whole is None or part is None or whole <= 0:
        return None
    return round(min(100.0, max(0.0, (whole - part) / whole * 100.0)), 1)


# --- reading, with past months cached ----------------------------------------------------------


class MonthCache:
    """The figures of past months, each with the signature of the rows it was made from.

    Safe to share between threads (the popup computes on a worker thread). Months that are not
    over are never kept: their figures grow with every upload. With a ``MonthFile`` (see
    :meth:`beside`), they are kept between runs too, and a new session reads them from there.
    """

    def __init__(self, file: MonthFile | None = None) -> None:
        self._lock = threading.Lock()
        self._months: dict[tuple[tuple[str, ...] | None, date], _Entry] = {}
        self.file = file

    @classmethod
    def beside(cls, store: HistoryStore) -> MonthCache:
        """A cache that also keeps its months in a file beside ``store``'s database (none for a
        store in memory): the demo's throwaway history gets its own, never the user's."""
        if store.path is None:
            return cls()
        from solaxtray.core.history.month_file import MonthFile, month_file_path

        return cls(MonthFile(month_file_path(store.path)))

    def get(
        self, sns: tuple[str, ...] | None, month: date, signature: Signature
    ) -> list[MonthFigures] | None:
        with self._lock:
            entry = self._months.get((sns, month))
        if entry is not None and entry.signature == signature:
            return list(entry.figures)
        if self.file is None:
            return None
        figures = self.file.get(sns, month, signature)
        if figures is not None:
            with self._lock:
                self._months[(sns, month)] = _Entry(signature, tuple(figures))
        return figures

    def put(
        self,
        sns: tuple[str, ...] | None,
        month: date,
        signature: Signature,
        figures: Sequence[MonthFigures],
    ) -> None:
        with self._lock:
            self._months[(sns, month)] = _Entry(signature, tuple(figures))
        if self.file is not None:
            self.file.put(sns, month, signature, figures)

    def close(self) -> None:
        """Close the file (the figures in memory stay)."""
        if self.file is not None:
            self.file.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._months)


@dataclass(frozen=True, slots=True)
class _Entry:
    signature: Signature
    figures: tuple[MonthFigures, ...]


def monthly_figures(
    store: HistoryStore,
    sns: Sequence[str] | None,
    first: date,
    last: date,
    *,
    cache: MonthCache | None = None,
    today: date | None = None,
) -> list[MonthFigures]:
    """One ``MonthFigures`` per (month, serial) with figures in the months from ``first``'s to
    ``last``'s (whole months, both included), plus the fleet per month; ordered by month then
    serial, "all" last. Months after the plant's today have none.

    With ``cache``, a month that ended before the plant's today is read once and then taken from
    the cache for as long as its stored rows are unchanged. ``today`` is the plant's today when
    the caller knows it better (the popup, from the uploads it shows); default from the store.
    """
    if last < first:
        return []
    if today is None:
        today = plant_today(store, sns)
    key = tuple(sns) if sns is not None else None
    out: list[MonthFigures] = []
    for month in months_between(first, last):
        if month > today:
            break
        end = month_end(month)
        past = end < today
        signature = store.span_signature(sns, month, end) if cache is not None and past else None
        if cache is not None and signature is not None:
            cached = cache.get(key, month, signature)
            if cached is not None:
                out.extend(cached)
                continue
        days = daily_figures(store, sns, month, min(end, today))
        figures = months_of_days(days, today)
        if cache is not None and signature is not None:
            cache.put(key, month, signature, figures)
        out.extend(figures)
    return out
