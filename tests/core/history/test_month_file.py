"""Past months' figures kept between runs beside the history database, on real SQLite files:
the next session's figures equal a fresh computation, a late row invalidates its month, and a
damaged, foreign, outdated, locked or odd file is never more than a debug line in the log."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.demo_session import DemoSession
from solaxtray.core.history import HistoryStore, MonthCache, MonthFigures, monthly_figures
from solaxtray.core.history.month_file import month_file_path
from tests.core.history.helpers import snap
from tests.core.history.test_monthly import SN, YIELD, hourly

NOW = datetime(2026, 6, 15, 21, 45, tzinfo=UTC)  # 23:45 at the plant (UTC+2)
FIRST, LAST = date(2026, 3, 1), date(2026, 6, 30)
PAST = [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path, clock=FakeClock(NOW.timestamp())) as store:
        store.add_many(hourly(SN, date(2026, 2, 27), date(2026, 6, 15)), resolution_s=3600)
    return path


def session(path: Path) -> list[MonthFigures]:
    """One run: the store opened, the months read with a cache beside it, both closed."""
    with HistoryStore.open(path, clock=FakeClock(NOW.timestamp())) as store:
        cache = MonthCache.beside(store)
        try:
            return monthly_figures(store, None, FIRST, LAST, cache=cache)
        finally:
            cache.close()


def fresh(path: Path) -> list[MonthFigures]:
    with HistoryStore.open(path, clock=FakeClock(NOW.timestamp())) as store:
        return monthly_figures(store, None, FIRST, LAST)


def kept(path: Path) -> set[str]:
    """The months the file holds."""
    with sqlite3.connect(month_file_path(path)) as db:
        return {r[0] for r in db.execute("SELECT month FROM months")}


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of the month file, which must all be debug lines."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG and "month" in r.name]
    assert not loud, loud


def test_the_next_session_takes_past_months_from_the_file(history: Path) -> None:
    first = session(history)
    assert first == fresh(history)
    assert kept(history) == {m.isoformat() for m in PAST}  # June is not over
    # Behind the store's back, one stored value changes and the row count does not: a second
    # session that gives the old May proves May came from the file, not from the rows.
    with sqlite3.connect(history) as db:
        db.execute("UPDATE samples SET yield_today = 100 WHERE upload_time = '2026-05-10T12:00:00'")
    second = session(history)
    assert second == first
    assert fresh(history) != first


def test_a_late_row_for_a_past_day_makes_its_month_computed_again(history: Path) -> None:
    first = session(history)
    with HistoryStore.open(history, clock=FakeClock(NOW.timestamp())) as store:
        store.add(snap(SN, "2026-04-20 23:30:00", offset_h=2.0, yield_today=50.0))
    second = session(history)
    assert second == fresh(history)
    changed = {f.month for f in second} - {f.month for f in first} | {
        a.month for a, b in zip(first, second, strict=True) if a != b
    }
    assert changed == {date(2026, 4, 1)}
    april = next(f for f in second if f.month == date(2026, 4, 1) and f.sn == SN)
    assert april.yield_kwh == 30 * YIELD + 42


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"not a database at all " * 100), id="garbage"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(
            lambda p: sqlite3.connect(p).executescript(
                "CREATE TABLE other (x); INSERT INTO other VALUES (1);"
            ),
            id="another program's database",
        ),
        pytest.param(
            lambda p: sqlite3.connect(p).executescript("UPDATE meta SET value = 'version 0';"),
            id="another version",
        ),
        pytest.param(
            lambda p: sqlite3.connect(p).executescript(
                "UPDATE months SET figures = replace(figures, '\"yield_kwh\": ', "
                '\'"yield_kwh": "lots", "x": \');'
            ),
            id="hand-edited figures",
        ),
        pytest.param(
            lambda p: sqlite3.connect(p).executescript("UPDATE months SET figures = '[{]';"),
            id="not json",
        ),
        pytest.param(
            lambda p: sqlite3.connect(p).executescript(
                "UPDATE months SET figures = replace(figures, '\"days\": ', '\"days\": -');"
            ),
            id="a negative count",
        ),
    ],
)
def test_a_damaged_file_is_ignored_and_made_again(
    history: Path, quiet: pytest.LogCaptureFixture, damage: object
) -> None:
    first = session(history)
    path = month_file_path(history)
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    assert callable(damage)
    damage(path)
    with sqlite3.connect(history) as db:  # so that figures taken from the file would show
        db.execute("UPDATE samples SET yield_today = 100 WHERE upload_time = '2026-05-10T12:00:00'")
    assert session(history) == fresh(history) != first
    assert kept(history) == {m.isoformat() for m in PAST}
    assert session(history) == fresh(history)


def test_a_locked_file_is_skipped_and_left_alone(
    history: Path, quiet: pytest.LogCaptureFixture
) -> None:
    session(history)
    holder = sqlite3.connect(month_file_path(history), isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode = DELETE")  # WAL readers would not be locked out
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO meta VALUES ('another process', 'busy')")
        with sqlite3.connect(history) as db:
            db.execute(
                "UPDATE samples SET yield_today = 100 WHERE upload_time = '2026-05-10T12:00:00'"
            )
        assert session(history) == fresh(history)
        holder.execute("COMMIT")
    finally:
        holder.close()
    with sqlite3.connect(month_file_path(history)) as db:  # not set aside or emptied
        assert db.execute("SELECT value FROM meta WHERE key = 'another process'").fetchone()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_or_a_folder_in_its_place_is_not_used(
    history: Path, quiet: pytest.LogCaptureFixture
) -> None:
    path = month_file_path(history)
    os.mkfifo(path)
    result: list[list[MonthFigures]] = []
    worker = threading.Thread(target=lambda: result.append(session(history)), daemon=True)
    worker.start()
    worker.join(30)
    assert result == [fresh(history)]  # no hang on the FIFO
    path.unlink()
    path.mkdir()
    assert session(history) == fresh(history)
    assert path.is_dir()


def test_the_tray_and_the_command_line_share_the_file_at_once(history: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(3):
                assert session(history) == expected
        except BaseException as exc:  # reported below
            errors.append(exc)

    expected = fresh(history)
    workers = [threading.Thread(target=run) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert kept(history) == {m.isoformat() for m in PAST}


def test_a_store_in_memory_keeps_no_file(tmp_path: Path) -> None:
    with HistoryStore.in_memory(clock=FakeClock(NOW.timestamp())) as store:
        store.add_many(hourly(SN, date(2026, 4, 28), date(2026, 6, 15)), resolution_s=3600)
        cache = MonthCache.beside(store)
        monthly_figures(store, None, FIRST, LAST, cache=cache)
        assert cache.file is None
        assert len(cache) == 3  # March (no rows), April and May, in memory only


def test_the_demo_keeps_its_months_in_its_own_directory(isolated_dirs: Path) -> None:
    demo = DemoSession()
    directory = demo.directory
    try:
        with HistoryStore.open(demo.history_path, clock=FakeClock(NOW.timestamp())) as store:
            store.add_many(hourly(SN, date(2026, 4, 28), date(2026, 6, 15)), resolution_s=3600)
            cache = MonthCache.beside(store)
            monthly_figures(store, None, FIRST, LAST, cache=cache)
            cache.close()
        assert month_file_path(demo.history_path).is_file()
        assert month_file_path(demo.history_path).parent == directory
        assert [p for p in isolated_dirs.rglob("*") if p.is_file()] == []
    finally:
        demo.close()
    assert not directory.exists()


def test_the_file_keeps_every_value_as_it_was(history: Path) -> None:
    first = session(history)
    with sqlite3.connect(month_file_path(history)) as db:
        stored = [json.loads(r[0]) for r in db.execute("SELECT figures FROM months")]
    assert all(type(item["yield_kwh"]) is float for month in stored for item in month)
    assert session(history) == first
    assert [repr(f) for f in session(history)] == [repr(f) for f in first]
