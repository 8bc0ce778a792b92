"""History as CSV and JSON text: the rows of ``solaxtray history`` and of the popup's "Export CSV…".
Qt-free.

Why one module for both: the command line and the popup must export the same columns, so a
spreadsheet made from either reads the same. Rows use the field names of ``fetch --json``
(``snapshot_to_json``) plus ``uploadTime`` (the plant's wall clock, ISO 8601, no zone) and
``utcTime`` (the upload's moment, ISO 8601 UTC: from ``utcDateTime`` when the cloud sent one, else
estimated from when it was fetched). In CSV the code tables become two columns (``inverterType``
is the number, ``inverterTypeName`` the table's words); an absent value is an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any, TextIO

from solaxtray.core.history.daily import ENERGY_FIELDS, DayFigures, daily_figures
from solaxtray.core.history.monthly import MonthFigures
from solaxtray.core.history.store import HistoryStore, StoredRow
from solaxtray.core.snapshot_json import snapshot_to_json

DAY_FIELDS: tuple[str, ...] = ("date", "sn", *ENERGY_FIELDS, "samples", "partial")
MONTH_FIELDS: tuple[str, ...] = (
    "month",
    "sn",
    *ENERGY_FIELDS,
    "days",
    "missing_days",
    "samples",
    "partial",
    "in_progress",
)
"""The columns of ``history --monthly``: ``month`` is "YYYY-MM" (the plant's calendar month)."""
_CODES = ("inverterType", "inverterStatus", "batStatus")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def row_to_json(row: StoredRow) -> dict[str, Any]:
    """One stored upload as a JSON-ready dict: ``sn``, ``uploadTime``, ``utcTime``, then the fields
    of ``fetch --json`` (without its ``ok``)."""
    item = snapshot_to_json(row.snapshot)
    del item["ok"]
    utc = datetime.fromtimestamp(row.at_utc, tz=UTC).isoformat()
    return {"sn": item.pop("sn"), "uploadTime": item.pop("uploadTime"), "utcTime": utc, **item}


def day_to_json(day: DayFigures) -> dict[str, Any]:
    """One day's figures as a JSON-ready dict with the ``DAY_FIELDS`` names."""
    item = asdict(day)
    item["date"] = day.date.isoformat()
    for name, value in item.items():
        # Sums of absurd stored values can overflow; JSON has no Infinity (nor NaN).
        if isinstance(value, float) and not math.isfinite(value):
            item[name] = None
    return {name: item[name] for name in DAY_FIELDS}


def month_to_json(month: MonthFigures) -> dict[str, Any]:
    """One month's figures as a JSON-ready dict with the ``MONTH_FIELDS`` names."""
    item = asdict(month)
    item["month"] = f"{month.month.year:04d}-{month.month.month:02d}"
    for name, value in item.items():
        if isinstance(value, float) and not math.isfinite(value):
            item[name] = None
    return {name: item[name] for name in MONTH_FIELDS}


def rows_json(rows: Iterable[StoredRow]) -> dict[str, Any]:
    """``{"rows": [...]}``."""
    return {"rows": [row_to_json(r) for r in rows]}


def days_json(days: Iterable[DayFigures]) -> dict[str, Any]:
    """``{"days": [...]}``."""
    return {"days": [day_to_json(d) for d in days]}


def months_json(months: Iterable[MonthFigures]) -> dict[str, Any]:
    """``{"months": [...]}``."""
    return {"months": [month_to_json(m) for m in months]}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        # Text from the cloud (an inverter serial) must not run as a spreadsheet formula.
        return "'" + value
    return str(value)


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key in _CODES:
            out[key] = value["code"] if value is not None else None
            out[key + "Name"] = value["name"] if value is not None else None
        else:
            out[key] = value
    return out


def rows_csv(rows: Iterable[StoredRow]) -> str:
    """Stored uploads as CSV text (header line included, even with no rows)."""
    items = [_flat(row_to_json(r)) for r in rows]
    header = list(_flat(_header_template()).keys())
    return _csv(header, items)


def days_csv(days: Iterable[DayFigures]) -> str:
    """Daily figures as CSV text with the ``DAY_FIELDS`` columns."""
    return _csv(list(DAY_FIELDS), [day_to_json(d) for d in days])


def months_csv(months: Iterable[MonthFigures]) -> str:
    """Monthly figures as CSV text with the ``MONTH_FIELDS`` columns."""
    return _csv(list(MONTH_FIELDS), [month_to_json(m) for m in months])


def _csv(header: Sequence[str], items: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    _write_csv(header, items, buffer)
    return buffer.getvalue()


def _write_csv(header: Sequence[str], items: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for item in items:
        writer.writerow([_cell(item.get(name)) for name in header])


def write_rows_csv(rows: Iterable[StoredRow], out: TextIO) -> None:
    """``rows_csv``, written to ``out`` row by row as ``rows`` yields them (with
    ``HistoryStore.iter_rows`` a year of uploads never sits in memory at once)."""
    header = list(_flat(_header_template()).keys())
    _write_csv(header, (_flat(row_to_json(r)) for r in rows), out)


def write_rows_json(rows: Iterable[StoredRow], out: TextIO) -> None:
    """``json.dump(rows_json(rows), out, indent=2, ensure_ascii=False)`` to the character,
    written one row at a time."""
    out.write('{\n  "rows": [')
    separator = "\n"
    for row in rows:
        text = json.dumps(row_to_json(row), indent=2, ensure_ascii=False)
        out.write(separator + text.replace("\n", "\n    ").join(("    ", "")))
        separator = ",\n"
    out.write("\n  ]\n}" if separator == ",\n" else "]\n}")


def _header_template() -> dict[str, Any]:
    """The column order of a row, from an empty snapshot's JSON."""
    from solaxtray.core.models import Snapshot

    empty = StoredRow(Snapshot(sn="", fetched_at=datetime.fromtimestamp(0, tz=UTC)), 0.0, False, 0)
    item = row_to_json(empty)
    for code in _CODES:
        item[code] = {"code": None, "name": None}
    return item


def export_rows_csv(store: HistoryStore, sns: Sequence[str] | None, first: date, last: date) -> str:
    """Every stored upload of the plant days ``first`` to ``last`` (``sns=None``: all serials),
    as CSV text ordered by serial then time: what ``solaxtray history --format csv`` prints."""
    buffer = io.StringIO()
    write_rows_csv(store.iter_rows(sns, first=first, last=last), buffer)
    return buffer.getvalue()


def export_days_csv(store: HistoryStore, sns: Sequence[str] | None, first: date, last: date) -> str:
    """The daily figures of ``first`` to ``last`` per serial and for the fleet (``sn`` "all"), as
    CSV text: what ``solaxtray history --daily --format csv`` prints."""
    return days_csv(daily_figures(store, sns, first, last))
