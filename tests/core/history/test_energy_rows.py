"""The daily figures' quick reader against the store's full reader, on hostile stored values.

``energy_rows`` checks and converts most values in SQL and takes a short way for the usual row;
whatever a hand-edited file holds, it must give what the full reader (``rows``, which rebuilds
every snapshot) gives: the same rows, the same values, the same rows left out.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solaxtray.core.history import HistoryStore
from solaxtray.core.history.store import EnergyRow, StoredRow
from tests.core.history.helpers import full_snap

DAY = date(2026, 6, 10)

NUMBERS = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(
        ["'abc'", "'12 kWh'", "x'00ff'", "''", "9e999", "-9e999", "1e300", "-0.0", "0.5"]
    ),
)
"""SQL literals for a stored number: floats, 64-bit integers, text, blobs, infinities
(``9e999``; SQLite stores a NaN as NULL)."""

TIMES = st.sampled_from(
    [
        "'2026-06-10T12:00:00'",
        "'2026-06-10 12:00:00'",
        "'2026-06-10T12:00:00.5'",
        "'2026-06-10T12:00'",
        "'2026-06-10T12+05:00'",
        "'2026-06-10T12:00:00+05:00'",
        "'garbage'",
        "x'00ff'",
        "12",
    ]
)
MOMENTS = st.one_of(
    st.sampled_from(
        ["'2026'", "1e300", "9e999", "x'00'", "1781085600", "1781085600.25", "1781085600.1234567"]
    ),
    st.floats(min_value=-7e10, max_value=3e11).map(repr),
)
SERIALS = st.sampled_from(["'SWAAAAAAA1'", "''", "x'00ff'", "7", "CAST(x'41ff42' AS TEXT)"])

ENERGY_COLUMNS = (
    "yield_today",
    "feedin_energy",
    "consume_energy",
    "ac_power",
    "powerdc1",
    "powerdc2",
    "powerdc3",
    "powerdc4",
)


def _expected(row: StoredRow) -> EnergyRow:
    """What the full reader's snapshot says, in the quick reader's shape."""
    s = row.snapshot
    pvs = [p for p in s.pv_power if p is not None]
    return EnergyRow(
        s.sn,
        row.local,
        row.at_utc,
        row.resolution_s,
        s.yield_today,
        s.feedin_energy,
        s.consume_energy,
        s.ac_power,
        sum(pvs) if pvs else None,
    )


def _same(a: list[EnergyRow], b: list[EnergyRow]) -> bool:
    """Equal value by value, types included (an int is not a float here: it would print
    differently), NaN never expected."""
    return [[(type(v), repr(v)) for v in r] for r in a] == [
        [(type(v), repr(v)) for v in r] for r in b
    ]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.one_of(
                st.tuples(st.sampled_from(ENERGY_COLUMNS), NUMBERS),
                st.tuples(st.just("resolution_s"), NUMBERS.filter(lambda v: v is not None)),
                st.tuples(st.just("upload_time"), TIMES),
                st.tuples(st.just("at_utc"), MOMENTS),
                st.tuples(st.just("sn"), SERIALS),
            ),
        ),
        max_size=8,
    )
)
def test_the_quick_reader_reads_what_the_full_reader_reads(
    tmp_path: Path, edits: list[tuple[int, tuple[str, Any]]]
) -> None:
    path = tmp_path / "h.sqlite3"
    path.unlink(missing_ok=True)
    with HistoryStore.open(path) as store:
        store.add_many(full_snap("SWAAAAAAA1", f"{DAY} 12:0{i}:00") for i in range(4))
    db = sqlite3.connect(path)
    try:
        ids = [r[0] for r in db.execute("SELECT id FROM samples ORDER BY id")]
        for index, (column, value) in edits:
            db.execute(
                f"UPDATE OR IGNORE samples SET {column} = {value or 'NULL'} WHERE id = ?",  # noqa: S608
                (ids[index],),
            )
        db.commit()
    finally:
        db.close()
    with HistoryStore.open(path) as store:
        quick = store.energy_rows(None, first=date(1, 1, 1), last=date.max)
        full = [_expected(r) for r in store.rows(None)]
    assert _same(quick, full)
