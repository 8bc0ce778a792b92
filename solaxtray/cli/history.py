"""``solaxtray history``: the stored uploads, or their daily or monthly figures, as a table, CSV
or JSON.

With ``--monthly``, ``--from`` and ``--to`` pick every calendar month that overlaps the days they
give, each month whole (a month is never cut at ``--from``: its figures would look low); without
``--from``, the twelve months up to the month of ``--to``.

Offline by design: it reads the local history database only, so it needs no token, no network and
no keyring, and it sends no request."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, TextIO

from solaxtray.cli.output import UsageError, aligned_lines
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_date, format_datetime, format_number

if TYPE_CHECKING:
    from solaxtray.core.history import DayFigures, HistoryStore, MonthFigures, StoredRow

DEFAULT_DAYS = 7
"""Without ``--from``, the last seven days up to ``--to`` (default today)."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SERIAL = re.compile(r"[A-Za-z0-9_-]{1,64}")


class HistoryUsageError(UsageError):
    """A flag of ``history`` that cannot work; exit status 2."""


COMMANDS: tuple[str, ...] = ("history",)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``history`` subcommand to ``commands``."""
    history = commands.add_parser(
        "history",
        help=_(
            "print the stored uploads (or, with --daily, each day's energy) from the local "
            "history; works offline, without credentials"
        ),
        description=_(
            "Print what solaxtray stored of each upload it fetched (the tray app, watch and "
            "fetch all store them). Days are the plant's local days."
        ),
    )
    history.add_argument(
        "--sn",
        action="append",
        metavar="SN",
        default=argparse.SUPPRESS,
        help=_(
            "only this inverter (as fetched: the registration number, or the inverter serial "
            "with the Developer API); repeat for several; default: all"
        ),
    )
    history.add_argument(
        "--from",
        dest="first",
        metavar="YYYY-MM-DD",
        help=ngettext(
            "first day (default: {days} day before --to)",
            "first day (default: {days} days before --to)",
            DEFAULT_DAYS - 1,
        ).format(days=DEFAULT_DAYS - 1),
    )
    history.add_argument(
        "--to",
        dest="last",
        metavar="YYYY-MM-DD",
        help=_("last day, included (default: today at the plant)"),
    )
    history.add_argument(
        "--daily",
        action="store_true",
        help=_(
            "one line per day and inverter plus the fleet (sn 'all'): yield, export, import, "
            "consumption (kWh), self-consumption and autarky (%%), samples, partial"
        ),
    )
    history.add_argument(
        "--monthly",
        action="store_true",
        help=_(
            "one line per calendar month and inverter plus the fleet, as --daily, with the days "
            "that have figures and the days missing; --from and --to pick every month they "
            "touch, whole (default: the last 12 months)"
        ),
    )
    history.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_(
            "show the demo's made-up history (the past year of the built-in simulated "
            "plants) instead of yours"
        ),
    )
    history.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help=_(
            'table (default), csv, or json ({"rows": [...]}, with --daily {"days": [...]}, with '
            '--monthly {"months": [...]})'
        ),
    )


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    cleaned = text.strip()
    if _DATE.fullmatch(cleaned):
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            pass
    raise HistoryUsageError(
        _(
            "The date given to {flag} is not a calendar date written as YYYY-MM-DD, for "
            "example {example}."
        ).format(flag=flag, example=date.today().isoformat())
    )


def _days_before(day: date, days: int) -> date:
    """``days`` before ``day``, or the first day of the calendar when that is sooner: ``--to
    0001-01-03`` must not overflow."""
    if day.toordinal() - days < date.min.toordinal():
        return date.min
    return day - timedelta(days=days)


def _serials(given: Sequence[str] | None) -> list[str] | None:
    if not given:
        return None
    out = []
    for text in given:
        cleaned = text.strip()
        if not _SERIAL.fullmatch(cleaned):
            raise HistoryUsageError(
                _(
                    "A serial number given to --sn may hold only letters, digits, '-' and '_' (at "
                    "most 64)."
                )
            )
        out.append(cleaned)
    return out


def _match(store: HistoryStore, wanted: list[str] | None) -> list[str] | None:
    """The stored serials the user meant, ignoring letter case; unknown ones are said once."""
    if wanted is None:
        return None
    stored = {sn.upper(): sn for sn in store.serials()}
    found = []
    for sn in wanted:
        if sn.upper() in stored:
            found.append(stored[sn.upper()])
        else:
            print(
                _("No history is stored for the serial number {sn}.").format(sn=sn), file=sys.stderr
            )
    return found


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the history as ``args`` asks; 0 even when nothing is stored (an empty result)."""
    from solaxtray.core.history import (
        HistoryStore,
        daily_figures,
        default_history_path,
        plant_today,
    )

    out = out if out is not None else sys.stdout
    last_given = _day(args.last, "--to")
    first_given = _day(args.first, "--from")
    if first_given is not None and last_given is not None and first_given > last_given:
        raise HistoryUsageError(
            _(
                "The first day ({first}) is after the last day ({last}); give --from a "
                "day before --to."
            ).format(first=first_given.isoformat(), last=last_given.isoformat())
        )
    monthly = getattr(args, "monthly", False)
    if monthly and args.daily:
        raise HistoryUsageError(_("Give either --daily or --monthly, not both."))
    wanted = _serials(getattr(args, "sn", None))
    if getattr(args, "demo", False):
        store = _demo_store(getattr(args, "backend", None))
    else:
        path = default_history_path()
        # Reading must not create a database: no file means no history yet.
        store = HistoryStore.open(path) if path.exists() else HistoryStore.in_memory()
    with store:
        if store.warning:
            print(_("Warning: {warning}").format(warning=store.warning), file=sys.stderr)
        sns = _match(store, wanted)
        last = last_given or plant_today(store, sns)
        if monthly:
            _print_months(store, sns, first_given, last, fmt=args.format, out=out)
            return 0
        first = first_given or _days_before(last, DEFAULT_DAYS - 1)
        if first > last:
            raise HistoryUsageError(
                _(
                    "The first day ({first}) is after the last day ({last}); give --from a "
                    "day before --to."
                ).format(first=first.isoformat(), last=last.isoformat())
            )
        if args.daily:
            days = daily_figures(store, sns, first, last)
            _print_days(days, args.format, out, first, last)
        else:
            # Streamed: a year of a fleet is hundreds of thousands of rows.
            _print_rows(store.iter_rows(sns, first=first, last=last), args.format, out, first, last)
    return 0


def _demo_store(backend: str | None) -> HistoryStore:
    """A throwaway store with the demo's past month, as the tray app's demo opens on, its
    inverters named as ``backend``'s demo names them."""
    from solaxtray.core.api.registry import DEFAULT_KIND, spec_of
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.history.demo import seed_demo_history

    demo = spec_of(backend or DEFAULT_KIND).demo(None)
    demo.simulator.stop()  # only its plant model is used
    store = HistoryStore.in_memory()
    seed_demo_history(store, demo.simulator, serial_of=demo.history_serial)
    return store


def _print_rows(rows: Iterable[StoredRow], fmt: str, out: TextIO, first: date, last: date) -> None:
    from solaxtray.core.history.export import write_rows_csv, write_rows_json

    if fmt == "json":
        with _chunked(out) as chunks:
            write_rows_json(rows, chunks)
            chunks.write("\n")
    elif fmt == "csv":
        with _chunked(out) as chunks:
            write_rows_csv(rows, chunks)
    else:
        header = (
            _("Serial"),
            _("Uploaded"),
            _("Status"),
            _("AC W"),
            _("PV W"),
            _("Grid W"),
            _("Battery W"),
            _("SOC %"),
            _("Today kWh"),
        )
        lines = []
        for row in rows:
            s = row.snapshot
            lines.append(
                (
                    s.sn,
                    format_datetime(row.local),
                    _(s.inverter_status.label) if s.inverter_status is not None else "–",
                    _fmt(s.ac_power),
                    _fmt(s.pv_total),
                    _fmt(s.feedin_power),
                    _fmt(s.bat_power),
                    _fmt(s.soc),
                    _fmt(s.yield_today, 1),
                )
            )
        if not lines:
            out.write(_nothing(first, last))
            return
        _table(header, lines, out, numeric=range(3, 9))
        out.write(_("Grid W: + export, − import.  Battery W: + charging, − discharging.") + "\n")


CHUNK_CHARS = 256 * 1024
"""A streamed export reaches stdout in pieces of about this size: one piece per row would make
the secret masking and escaping of the output run a hundred thousand times."""


@contextlib.contextmanager
def _chunked(out: TextIO) -> Iterator[TextIO]:
    """A text stream that passes what is written to ``out`` in ``CHUNK_CHARS`` pieces."""
    buffer = io.StringIO()

    class Chunks(io.TextIOBase):
        def writable(self) -> bool:
            return True

        def write(self, text: str) -> int:
            buffer.write(text)
            if buffer.tell() >= CHUNK_CHARS:
                out.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
            return len(text)

    yield Chunks()  # type: ignore[misc]
    out.write(buffer.getvalue())


def _print_days(days: list[DayFigures], fmt: str, out: TextIO, first: date, last: date) -> None:
    from solaxtray.core.history.export import days_csv, days_json

    if fmt == "json":
        json.dump(days_json(days), out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        out.write(days_csv(days))
    elif not days:
        out.write(_nothing(first, last))
    else:
        header = (_("Day"), _("Serial"), *_energy_header(), _("Samples"), _("Complete"))
        lines = [
            (
                format_date(d.date),
                d.sn,
                *_energy_cells(d),
                str(d.samples),
                _("partial") if d.partial else _("yes"),
            )
            for d in days
        ]
        _table(header, lines, out, numeric=range(2, 9))
        out.write(
            _("Used: yield + import − export.  Partial: uploads are missing for part of the day.")
            + "\n"
        )


def _energy_header() -> tuple[str, ...]:
    return (
        _("Yield kWh"),
        _("Export kWh"),
        _("Import kWh"),
        _("Used kWh"),
        _("Self-use %"),
        _("Autarky %"),
    )


def _energy_cells(f: DayFigures | MonthFigures) -> tuple[str, ...]:
    """The energy columns a day's and a month's tables share."""
    return (
        _fmt(f.yield_kwh, 2),
        _fmt(f.export_kwh, 2),
        _fmt(f.import_kwh, 2),
        _fmt(f.consumption_kwh, 2),
        _fmt(f.self_consumption_pct, 1),
        _fmt(f.autarky_pct, 1),
    )


def _print_months(
    store: HistoryStore,
    sns: list[str] | None,
    first_given: date | None,
    last: date,
    *,
    fmt: str,
    out: TextIO,
) -> None:
    from solaxtray.core.dashboard import format_month_year
    from solaxtray.core.history.export import months_csv, months_json
    from solaxtray.core.history.monthly import (
        DEFAULT_MONTHS,
        MonthCache,
        add_months,
        month_end,
        monthly_figures,
    )

    first = first_given or add_months(last, 1 - DEFAULT_MONTHS)
    # Past months from the file the tray app keeps too, checked against their rows.
    cache = MonthCache.beside(store)
    try:
        months = monthly_figures(store, sns, first, last, cache=cache)
    finally:
        cache.close()
    if fmt == "json":
        json.dump(months_json(months), out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        out.write(months_csv(months))
    elif not months:
        out.write(_nothing(first.replace(day=1), month_end(last)))
    else:
        header = (_("Month"), _("Serial"), *_energy_header(), _("Days"), _("Complete"))
        lines = [
            (format_month_year(m.month), m.sn, *_energy_cells(m), str(m.days), _month_state(m))
            for m in months
        ]
        _table(header, lines, out, numeric=range(2, 9))
        out.write(
            _(
                "Used: yield + import − export.  Partial: a day of the month has gaps or no "
                "uploads at all.  So far: the month is not over."
            )
            + "\n"
        )


def _month_state(month: MonthFigures) -> str:
    if month.partial:
        return (
            ngettext(
                "partial ({n} day missing)", "partial ({n} days missing)", month.missing_days
            ).format(n=month.missing_days)
            if month.missing_days
            else _("partial")
        )
    return _("so far") if month.in_progress else _("yes")


def _nothing(first: date, last: date) -> str:
    return (
        _("No history is stored from {first} to {last}.").format(
            first=format_date(first), last=format_date(last)
        )
        + "\n"
    )


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return format_number(value, digits)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO, *, numeric: range
) -> None:
    """Aligned on the printed width: a serial or status holding control characters is printed
    with ``\\uXXXX`` escapes, six columns for one character."""
    for line in aligned_lines([header, *rows], right=numeric):
        out.write(line + "\n")
