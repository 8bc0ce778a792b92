"""The history store: one SQLite row per distinct upload per inverter. Qt-free, stdlib only.

Why SQLite (stdlib ``sqlite3``) in WAL mode: every process that fetches (the tray app, ``watch``,
``fetch``) writes into the same file at once, readers never block the writer, and a committed
transaction survives a ``kill -9`` (and, with ``synchronous=FULL``, a power cut: a commit is on
disk before it is reported). Each row is keyed by the serial and the ``uploadTime`` (the plant's wall clock): the cloud
repeats the same upload until the next one, so ``INSERT OR IGNORE`` makes a repeated answer, or the
same answer written by two processes, one row.

The wall clock repeats an hour when summer time ends, so two uploads can share a ``uploadTime``.
Each row therefore also keeps its moment in UTC (``at_utc``: ``utcDateTime`` when the answer had
one, else estimated from when it was fetched) and its offset; an upload is "already there" when a
row has the same serial and wall-clock time within half an hour of the same moment (or when either
moment is only estimated: then the wall-clock time alone decides).

A database that cannot be opened or read as ours (garbage, a directory, a FIFO, an unreadable or
truncated file) is renamed aside with a sentence, as the settings are, and a new one is made; one
that is locked by another program or written by a newer solaxtray is left alone. When no database
can be had, the store works in memory for this run, with a sentence: history never stops fetching.

Over 500 lines: one SQLite schema and the class that owns its connection: the migrations, the
writes and the queries must agree on that schema in one place.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Self

from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import SolaxTrayError
from solaxtray.core.i18n import N_, _
from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot
from solaxtray.core.paths import data_dir

logger = logging.getLogger(__name__)

HISTORY_FILE = "history.sqlite3"
SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the newest schema; ``_MIGRATIONS[n]`` takes version n to n + 1."""

FULL_RESOLUTION_DAYS = 366
"""Rows younger than this (in plant days) are kept as they came; older ones are thinned."""
DOWNSAMPLED_RESOLUTION_S = 3600
"""Older rows keep one upload per serial and hour: enough for daily figures and month bars."""
BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's transaction before giving up (then: logged)."""
SAME_UPLOAD_WINDOW_S = 1800
"""Two answers with one serial and wall-clock time are one upload when their moments are closer
than this; an hour apart (the repeated hour of autumn) they are two."""
_PRUNE_EVERY_S = 6 * 3600.0

_FIELDS: tuple[str, ...] = (
    "inverter_sn",
    "ac_power",
    "yield_today",
    "yield_total",
    "feedin_power",
    "feedin_energy",
    "consume_energy",
    "feedin_power_m2",
    "soc",
    "peps1",
    "peps2",
    "peps3",
    "inverter_type",
    "inverter_status",
    "bat_power",
    "powerdc1",
    "powerdc2",
    "powerdc3",
    "powerdc4",
    "bat_status",
)

_SCHEMA_V1 = """
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    sn TEXT NOT NULL,
    upload_time TEXT NOT NULL,          -- plant wall clock, 'YYYY-MM-DDTHH:MM:SS', no zone
    upload_time_raw TEXT,
    offset_min INTEGER NOT NULL,        -- upload_time minus at_utc, minutes
    at_utc REAL NOT NULL,               -- the upload's moment, epoch seconds
    utc_known INTEGER NOT NULL,         -- 1: at_utc is the answer's utcDateTime
    fetched_at REAL NOT NULL,
    resolution_s INTEGER NOT NULL DEFAULT 0,  -- 0: as uploaded, else one row kept per this span
    inverter_sn TEXT,
    ac_power REAL, yield_today REAL, yield_total REAL, feedin_power REAL,
    feedin_energy REAL, consume_energy REAL, feedin_power_m2 REAL, soc REAL,
    peps1 REAL, peps2 REAL, peps3 REAL,
    inverter_type INTEGER, inverter_status INTEGER,
    bat_power REAL, powerdc1 REAL, powerdc2 REAL, powerdc3 REAL, powerdc4 REAL,
    bat_status INTEGER
);
CREATE UNIQUE INDEX samples_upload ON samples (sn, upload_time, offset_min);
CREATE INDEX samples_time ON samples (at_utc);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_MIGRATIONS: dict[int, str] = {0: _SCHEMA_V1}
"""Each step is a script of statements separated by ``;`` (never inside a comment or a string)."""


def default_history_path() -> Path:
    """The user's history database (platformdirs user data dir)."""
    return data_dir() / HISTORY_FILE


class HistoryError(SolaxTrayError):
    """The history database cannot be used (damaged and not set aside, disk full, read-only)."""

    title = N_("History not available")


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One stored upload: the snapshot rebuilt, with what the store knows about its time."""

    snapshot: Snapshot
    at_utc: float
    """The upload's moment, epoch seconds (see ``utc_known``)."""
    utc_known: bool
    """True when the moment came from the answer's ``utcDateTime``, not an estimate."""
    resolution_s: int
    """0 for a row as uploaded; else the span (s) of which this row is the one kept."""

    @property
    def local(self) -> datetime:
        """The plant's wall-clock time of the upload (naive)."""
        assert self.snapshot.upload_time is not None  # every stored row has one
        return self.snapshot.upload_time


Signature = tuple[int, int, float]
"""``HistoryStore.span_signature``: count, newest id and sum of moments of a span's rows."""


class EnergyRow(NamedTuple):
    """The few values of a stored upload that the daily figures need, read without building a
    whole ``Snapshot`` (a month of figures reads tens of thousands of rows for the popup)."""

    sn: str
    local: datetime
    """The plant's wall-clock time of the upload (naive)."""
    at_utc: float
    resolution_s: int
    yield_today: float | None
    feedin_energy: float | None
    consume_energy: float | None
    ac_power: float | None
    pv_w: float | None
    """The sum of the MPPT powers present, ``None`` when none is."""


def _plain(value: datetime) -> str:
    return value.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


def _epoch_of_naive(value: datetime) -> float:
    """A naive datetime read as if it were UTC, in epoch seconds."""
    return value.replace(tzinfo=UTC).timestamp()


def upload_moment(snapshot: Snapshot) -> tuple[float, int, bool] | None:
    """The upload's moment (epoch s), the plant's offset from UTC (minutes) and whether the
    moment is known rather than estimated; ``None`` for a snapshot without an upload time.

    Without ``utcDateTime`` the offset is estimated from when the answer was fetched: the upload
    happened before that, so the smallest quarter-hour offset that puts it no later than the fetch
    is right for answers fetched up to 15 minutes after their upload.
    """
    if snapshot.upload_time is None:
        return None
    local_epoch = _epoch_of_naive(snapshot.upload_time)
    if snapshot.utc_time is not None:
        at = snapshot.utc_time.timestamp()
        offset = round((local_epoch - at) / 60.0)
        return at, offset, True
    fetched = snapshot.fetched_at.timestamp()
    offset = math.ceil((local_epoch - fetched) / 900.0) * 15
    return local_epoch - offset * 60.0, offset, False


def _row_values(snapshot: Snapshot) -> dict[str, Any]:
    def code(value: Any) -> int | None:
        return int(value) if value is not None else None

    def num(value: float | None) -> float | None:
        if value is None or not math.isfinite(value):
            return None
        return float(value)

    return {
        "inverter_sn": snapshot.inverter_sn,
        "ac_power": num(snapshot.ac_power),
        "yield_today": num(snapshot.yield_today),
        "yield_total": num(snapshot.yield_total),
        "feedin_power": num(snapshot.feedin_power),
        "feedin_energy": num(snapshot.feedin_energy),
        "consume_energy": num(snapshot.consume_energy),
        "feedin_power_m2": num(snapshot.feedin_power_m2),
        "soc": num(snapshot.soc),
        "peps1": num(snapshot.eps_power[0]),
        "peps2": num(snapshot.eps_power[1]),
        "peps3": num(snapshot.eps_power[2]),
        "inverter_type": code(snapshot.inverter_type),
        "inverter_status": code(snapshot.inverter_status),
        "bat_power": num(snapshot.bat_power),
        "powerdc1": num(snapshot.pv_power[0]),
        "powerdc2": num(snapshot.pv_power[1]),
        "powerdc3": num(snapshot.pv_power[2]),
        "powerdc4": num(snapshot.pv_power[3]),
        "bat_status": code(snapshot.bat_status),
    }


_SELECT = (
    "SELECT sn, upload_time, upload_time_raw, at_utc, utc_known, fetched_at, resolution_s, "
    "inverter_sn, ac_power, yield_today, yield_total, feedin_power, feedin_energy, consume_energy, "
    "feedin_power_m2, soc, peps1, peps2, peps3, inverter_type, inverter_status, bat_power, "
    "powerdc1, powerdc2, powerdc3, powerdc4, bat_status FROM samples"
)

_SELECT_OFFSET = "SELECT offset_min FROM samples"


def _sql_real(column: str) -> str:
    """``_real`` in SQL: a finite stored number as a float, anything else (text, a blob, an
    infinity) NULL. ``x - x = 0`` holds only for a finite number (SQLite turns inf - inf into
    NULL); an integer is made a float, as ``_real`` does, so the figures never mix the two."""
    return (
        f"(CASE typeof({column}) WHEN 'real' THEN (CASE WHEN {column} - {column} = 0 "
        f"THEN {column} END) WHEN 'integer' THEN CAST({column} AS REAL) END)"
    )


_SQL_PVS = ", ".join(_sql_real(f"powerdc{i}") for i in range(1, 5))
_SELECT_ENERGY = (
    # The values are checked and converted by SQLite, which costs nothing next to doing it
    # in Python for every value of a year of rows; only the serial, the wall-clock time and the
    # moment are checked per row in Python (``_energy_rows_of``). The PV powers are summed
    # here, in ``_energy_of``'s order (a NULL sum when none is present).
    "SELECT sn, upload_time, at_utc, "  # noqa: S608 - fixed names only
    "CASE WHEN typeof(resolution_s) IN ('integer', 'real') AND resolution_s >= 0 "
    f"AND resolution_s <= {366 * 86400} THEN CAST(resolution_s AS INTEGER) ELSE 0 END, "
    + ", ".join(
        _sql_real(c) for c in ("yield_today", "feedin_energy", "consume_energy", "ac_power")
    )
    + f", CASE WHEN coalesce({_SQL_PVS}) IS NOT NULL THEN "
    + " + ".join(f"coalesce({_sql_real(f'powerdc{i}')}, 0.0)" for i in range(1, 5))
    + " END FROM samples"
)


class _Unreadable(Exception):
    """A stored row whose serial or time is not what this store writes (a damaged or hand-edited
    file): it cannot be placed in time, so it is left out of every answer."""


def _real(value: Any) -> float | None:
    """A stored number, or ``None`` for anything else a hand-edited file may hold there (text, a
    blob, an integer beyond a float's range, NaN)."""
    if type(value) is float:  # the usual case first: this runs for every value of every row
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _code_of(enum_type: Any, value: Any) -> Any:
    number = _real(value)
    if number is None or not number.is_integer() or abs(number) > 2**31:
        return None
    return enum_type(int(number))


def _moment(value: Any) -> datetime:
    number = _real(value)
    if number is None:
        raise _Unreadable
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _Unreadable from exc


def _local_of(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Unreadable
    try:
        local = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Unreadable from exc
    if local.tzinfo is not None:
        raise _Unreadable
    return local


def _serial_of(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Unreadable
    return value


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _snapshot_of(row: sqlite3.Row) -> StoredRow:
    """The row as a snapshot; raises ``_Unreadable`` for a row that cannot be placed in time.
    Any other value that is not what this store writes reads as absent."""
    utc_known = bool(_real(row["utc_known"]))
    at_time = _moment(row["at_utc"])
    at = at_time.timestamp()
    try:
        fetched = _moment(row["fetched_at"])
    except _Unreadable:
        fetched = at_time
    snapshot = Snapshot(
        sn=_serial_of(row["sn"]),
        fetched_at=fetched,
        inverter_sn=_text_or_none(row["inverter_sn"]),
        ac_power=_real(row["ac_power"]),
        yield_today=_real(row["yield_today"]),
        yield_total=_real(row["yield_total"]),
        feedin_power=_real(row["feedin_power"]),
        feedin_energy=_real(row["feedin_energy"]),
        consume_energy=_real(row["consume_energy"]),
        feedin_power_m2=_real(row["feedin_power_m2"]),
        soc=_real(row["soc"]),
        eps_power=(_real(row["peps1"]), _real(row["peps2"]), _real(row["peps3"])),
        inverter_type=_code_of(InverterType, row["inverter_type"]),
        inverter_status=_code_of(InverterStatus, row["inverter_status"]),
        upload_time=_local_of(row["upload_time"]),
        upload_time_raw=_text_or_none(row["upload_time_raw"]),
        utc_time=at_time if utc_known else None,
        bat_power=_real(row["bat_power"]),
        pv_power=(
            _real(row["powerdc1"]),
            _real(row["powerdc2"]),
            _real(row["powerdc3"]),
            _real(row["powerdc4"]),
        ),
        bat_status=_code_of(BatteryStatus, row["bat_status"]),
    )
    return StoredRow(snapshot, at, utc_known, _resolution_of(row["resolution_s"]))


def _resolution_of(value: Any) -> int:
    number = _real(value)
    if number is None or not 0 <= number <= 366 * 86400:
        return 0
    return int(number)


def _energy_of(r: Sequence[Any]) -> EnergyRow:
    """``_snapshot_of`` for the few values of an ``EnergyRow`` (a row of ``_SELECT_ENERGY``,
    whose values SQLite has checked already); same rules."""
    return EnergyRow(_serial_of(r[0]), _local_of(r[1]), _moment(r[2]).timestamp(), *r[3:])


_EARLIEST_S = -62135596800.0
"""0001-01-01T00:00:00Z: ``datetime`` reaches no earlier."""
_LATEST_S = 253402300799.0
"""9999-12-31T23:59:59Z: nor later."""


def _energy_rows_of(rows: Iterable[Sequence[Any]]) -> list[EnergyRow]:
    """``_readable(rows, _energy_of)`` for rows of ``_SELECT_ENERGY``, whose values SQLite has
    already checked: a year of rows is hundreds of thousands, so the usual row (a serial, a
    plain wall-clock time, a whole-second moment) takes the short way, and any other row the
    full checks of ``_energy_of`` (same results, same rows left out)."""
    out = []
    skipped = 0
    parse = datetime.fromisoformat
    make = EnergyRow._make
    for r in rows:
        sn, text, at = r[0], r[1], r[2]
        if (
            type(sn) is str
            and sn
            and type(text) is str
            and type(at) is float
            and at.is_integer()
            and _EARLIEST_S < at < _LATEST_S
        ):
            try:
                local = parse(text)
            except ValueError:
                skipped += 1
                continue
            if local.tzinfo is not None:
                skipped += 1
                continue
            out.append(make((sn, local, at, *r[3:])))
            continue
        try:
            out.append(_energy_of(r))
        except _Unreadable:
            skipped += 1
    if skipped:
        logger.info("Left out %d history rows that could not be read", skipped)
    return out


def _readable(rows: Iterable[sqlite3.Row], read: Callable[[sqlite3.Row], Any]) -> list[Any]:
    """``read`` of every row that can be read; the others are left out and counted in the log."""
    out = []
    skipped = 0
    for row in rows:
        try:
            out.append(read(row))
        except _Unreadable:
            skipped += 1
    if skipped:
        logger.info("Left out %d history rows that could not be read", skipped)
    return out


class _Damaged(Exception):
    """The file is not a usable history database; ``reason`` says why, for the sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _InUse(_Damaged):
    """The file is fine but not ours to take now (locked by another program, or written by a
    newer solaxtray that may still be running): left where it is, never renamed."""


class HistoryStore:
    """Stored uploads of every inverter this user polls; see the module docstring.

    Use ``HistoryStore.open(path)``. One object may be used from several threads (the tray app's
    poller writes on its worker thread while the popup reads on the GUI thread): every use of the
    connection holds one lock, and a write is a few milliseconds. ``warning`` holds the sentence
    for the user when the file had to be set aside, ``None`` otherwise.
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path | None,
        clock: Clock,
        warning: str | None = None,
    ) -> None:
        self._db = connection
        self.path = path
        self._clock = clock
        self.warning = warning
        self._write_failed = False
        self._last_prune = -math.inf
        self._lock = threading.RLock()

    # --- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, clock: Clock | None = None) -> HistoryStore:
        """Open (or create) the database at ``path``; never raises for a damaged file.

        A file we cannot use is renamed to ``<name>.corrupt-<time>`` (with its ``-wal``/``-shm``)
        and a new database made in its place; ``warning`` then says so. When no database can be
        made at ``path`` at all (read-only directory, the name is a directory that cannot be
        moved), the store lives in memory for this run and ``warning`` says that too.
        """
        clock = clock if clock is not None else SystemClock()
        try:
            return cls(_connect(path), path, clock)
        except _Damaged as damaged:
            reason = damaged.reason
            in_use = isinstance(damaged, _InUse)
        target = None if in_use else _set_aside(path)
        if target is not None:
            try:
                store = cls(_connect(path), path, clock)
            except _Damaged as again:
                reason = _("{reason}; a new one could not be made either ({again})").format(
                    reason=reason, again=again.reason
                )
            else:
                store.warning = _(
                    "The history database was damaged ({reason}), so solaxtray started a new "
                    "one. The old file was moved to {path}."
                ).format(reason=reason, path=target)
                # INFO: the caller shows ``warning`` to the user; said twice it would be noise.
                logger.info("History database damaged (%s); moved it to %s", reason, target)
                return store
        warning = _(
            "The history database {path} cannot be used ({reason}), so history is kept in "
            "memory only until solaxtray stops."
        ).format(path=path, reason=reason)
        logger.info("%s", warning)
        return cls(_connect_memory(), None, clock, warning)

    @classmethod
    def in_memory(cls, *, clock: Clock | None = None) -> HistoryStore:
        """A store that lives only as long as this object (tests, a failed open)."""
        return cls(_connect_memory(), None, clock if clock is not None else SystemClock())

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------------

    def add(self, snapshot: Snapshot) -> bool:
        """Store one answer; False when its upload is already there (or it has no upload time).

        Raises HistoryError when the database cannot be written (disk full, locked for longer
        than the busy timeout); use ``record`` where that must not stop anything.
        """
        return self.add_many([snapshot]) == 1

    def add_many(self, snapshots: Iterable[Snapshot], *, resolution_s: int = 0) -> int:
        """Store several answers in one transaction; returns how many were new uploads.

        ``resolution_s``: 0 for answers as fetched; for rows that stand for a longer span (the
        demo's hourly past days), that span, so the daily figures do not take it for gaps.
        """
        added = 0
        try:
            with self._lock, self._transaction():
                for snapshot in snapshots:
                    added += self._insert(snapshot, resolution_s)
        except sqlite3.Error as exc:
            raise HistoryError(_sentence_for(exc, self.path)) from exc
        self._maybe_prune()
        return added

    def record(self, snapshots: Iterable[Snapshot]) -> int:
        """``add_many`` for the fetching processes: a failure is logged once (and once when it
        recovers), never raised, because history must never stop fetching."""
        try:
            added = self.add_many(snapshots)
        except (HistoryError, sqlite3.Error, OSError, ValueError) as exc:
            if not self._write_failed:
                text = exc.message if isinstance(exc, HistoryError) else _short(exc)
                logger.warning("Could not write the history: %s", text)
            self._write_failed = True
            return 0
        if self._write_failed:
            logger.info("Writing the history works again")
            self._write_failed = False
        return added

    def _insert(self, snapshot: Snapshot, resolution_s: int = 0) -> int:
        moment = upload_moment(snapshot)
        if moment is None or snapshot.upload_time is None:
            return 0
        at, offset, known = moment
        local = _plain(snapshot.upload_time)
        values = _row_values(snapshot)
        columns = (
            "sn, upload_time, upload_time_raw, offset_min, at_utc, utc_known, fetched_at, "
            "resolution_s, " + ", ".join(_FIELDS)
        )
        params: list[Any] = [
            snapshot.sn,
            local,
            snapshot.upload_time_raw,
            offset,
            at,
            int(known),
            snapshot.fetched_at.timestamp(),
            int(resolution_s),
            *(values[name] for name in _FIELDS),
        ]
        marks = ", ".join("?" for _ in params)
        cursor = self._db.execute(
            f"INSERT OR IGNORE INTO samples ({columns}) SELECT {marks} "  # noqa: S608 - fixed names
            "WHERE NOT EXISTS (SELECT 1 FROM samples WHERE sn = ? AND upload_time = ? "
            "AND (abs(at_utc - ?) < ? OR utc_known = 0 OR ? = 0))",
            [*params, snapshot.sn, local, at, SAME_UPLOAD_WINDOW_S, int(known)],
        )
        return 1 if cursor.rowcount == 1 else 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE``: take the write lock at once, so two writers queue on the busy
        timeout instead of failing on an upgrade from a read lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- retention --------------------------------------------------------------------------------

    def _maybe_prune(self) -> None:
        now = self._clock.monotonic()
        if now - self._last_prune < _PRUNE_EVERY_S:
            return
        self._last_prune = now
        try:
            self.downsample()
        except HistoryError as exc:
            logger.info("Could not thin out old history: %s", exc.message)

    def downsample(self, *, keep_days: int = FULL_RESOLUTION_DAYS) -> int:
        """Thin rows older than ``keep_days`` to the last one per serial and hour; returns how many
        rows went. Why the last: ``yieldtoday`` and the lifetime counters only grow during a day,
        so the last row of each hour keeps the day's totals."""
        cutoff = self._clock.now() - keep_days * 86400.0
        try:
            with self._lock, self._transaction():
                cursor = self._db.execute(
                    "DELETE FROM samples WHERE id IN (SELECT id FROM (SELECT id, row_number() "
                    "OVER (PARTITION BY sn, substr(upload_time, 1, 13) ORDER BY at_utc DESC) AS rn "
                    "FROM samples WHERE at_utc < ? AND resolution_s < ?) WHERE rn > 1)",
                    (cutoff, DOWNSAMPLED_RESOLUTION_S),
                )
                removed = cursor.rowcount
                self._db.execute(
                    "UPDATE samples SET resolution_s = ? WHERE at_utc < ? AND resolution_s < ?",
                    (DOWNSAMPLED_RESOLUTION_S, cutoff, DOWNSAMPLED_RESOLUTION_S),
                )
        except sqlite3.Error as exc:
            raise HistoryError(_sentence_for(exc, self.path)) from exc
        if removed:
            logger.info("Thinned %d history rows older than %d days", removed, keep_days)
        return int(removed)

    # --- reading ----------------------------------------------------------------------------------

    def serials(self) -> list[str]:
        """Every serial with stored rows, sorted."""
        return [r[0] for r in self._read("SELECT DISTINCT sn FROM samples ORDER BY sn", ())]

    def snapshots(
        self, sns: Sequence[str] | None, start_utc: datetime, end_utc: datetime
    ) -> list[Snapshot]:
        """Stored uploads whose moment is in [start_utc, end_utc), ordered by serial then time;
        ``sns=None``: every serial."""
        return [
            r.snapshot
            for r in self.rows(sns, start_utc=start_utc.timestamp(), end_utc=end_utc.timestamp())
        ]

    def snapshots_between_days(
        self, sns: Sequence[str] | None, first: date, last: date
    ) -> list[Snapshot]:
        """Stored uploads of the plant-local days ``first`` to ``last`` (both included), ordered by
        serial then time."""
        return [r.snapshot for r in self.rows(sns, first=first, last=last)]

    def rows(
        self,
        sns: Sequence[str] | None,
        *,
        first: date | None = None,
        last: date | None = None,
        start_utc: float | None = None,
        end_utc: float | None = None,
    ) -> list[StoredRow]:
        """Stored rows filtered by plant-local day range and/or UTC range, ordered by serial then
        moment."""
        clause, params = self._where(
            sns, first=first, last=last, start_utc=start_utc, end_utc=end_utc
        )
        if clause is None:
            return []
        sql = _SELECT + clause + " ORDER BY sn, at_utc"
        return _readable(self._read(sql, params), _snapshot_of)

    def iter_rows(
        self,
        sns: Sequence[str] | None,
        *,
        first: date | None = None,
        last: date | None = None,
        chunk: int = 2000,
    ) -> Iterator[StoredRow]:
        """``rows``, read ``chunk`` rows at a time from one query: a year of a fleet is hundreds
        of thousands of rows, and an export must not hold them all as snapshots at once. The
        lock is held per chunk, not for the whole export, so a writer on another thread goes on
        in between."""
        clause, params = self._where(sns, first=first, last=last)
        if clause is None:
            return
        sql = _SELECT + clause + " ORDER BY sn, at_utc"
        try:
            with self._lock:
                cursor = self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise HistoryError(_sentence_for(exc, self.path)) from exc
        try:
            while True:
                try:
                    with self._lock:
                        found = cursor.fetchmany(chunk)
                except sqlite3.Error as exc:
                    raise HistoryError(_sentence_for(exc, self.path)) from exc
                if not found:
                    return
                yield from _readable(found, _snapshot_of)
        finally:
            with self._lock, contextlib.suppress(sqlite3.Error):
                cursor.close()

    @staticmethod
    def _where(
        sns: Sequence[str] | None,
        *,
        first: date | None = None,
        last: date | None = None,
        start_utc: float | None = None,
        end_utc: float | None = None,
    ) -> tuple[str | None, list[Any]]:
        """The WHERE clause (with a leading space, or empty) and its parameters; ``None`` when
        nothing can match (an empty list of serials)."""
        where: list[str] = []
        params: list[Any] = []
        if sns is not None:
            if not sns:
                return None, []
            where.append(f"sn IN ({', '.join('?' for _ in sns)})")
            params.extend(sns)
        # Plant days are filtered on the wall-clock text; the moment (indexed) narrows the scan
        # first: no plant is more than a day away from UTC.
        if first is not None:
            where.append("upload_time >= ? AND at_utc >= ?")
            params.append(first.isoformat())
            params.append(_epoch_of_naive(datetime.combine(first, datetime.min.time())) - 86400)
        if last is not None and last < date.max:  # up to the last day there is: no bound
            end = last + timedelta(days=1)
            where.append("upload_time < ? AND at_utc < ?")
            params.append(end.isoformat())
            params.append(_epoch_of_naive(datetime.combine(end, datetime.min.time())) + 86400)
        if start_utc is not None:
            where.append("at_utc >= ?")
            params.append(start_utc)
        if end_utc is not None:
            where.append("at_utc < ?")
            params.append(end_utc)
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def energy_rows(self, sns: Sequence[str] | None, *, first: date, last: date) -> list[EnergyRow]:
        """``rows`` for the daily figures: plant days ``first`` to ``last``, ordered by serial
        then moment, as ``EnergyRow``."""
        where, params = self._where(sns, first=first, last=last)
        if where is None:
            return []
        sql = _SELECT_ENERGY + where + " ORDER BY sn, at_utc"
        return _energy_rows_of(self._read(sql, params, tuples=True))

    def span_signature(self, sns: Sequence[str] | None, first: date, last: date) -> Signature:
        """How many rows (of ``sns``) lie around the plant days ``first`` to ``last``, the
        newest row id among them and the sum of their moments: it changes whenever a row there
        is added or thinned away (and, kept beside another database, the sum tells them apart),
        so figures made from those days can be kept until it does. Read on the indexed moment
        alone (a day wider on each side than any plant's days), which costs milliseconds."""
        params: list[Any] = [
            _epoch_of_naive(datetime.combine(first, datetime.min.time())) - 2 * 86400,
            _epoch_of_naive(datetime.combine(last + timedelta(days=1), datetime.min.time()))
            + 2 * 86400
            if last < date.max
            else math.inf,
        ]
        sql = (
            "SELECT count(*), max(id), total(at_utc) FROM samples WHERE at_utc >= ? AND at_utc < ?"
        )
        if sns is not None:
            if not sns:
                return 0, 0, 0.0
            sql += f" AND sn IN ({', '.join('?' for _ in sns)})"
            params.extend(sns)
        found = self._read(sql, params)
        total = _real(found[0][2])
        return int(found[0][0] or 0), int(found[0][1] or 0), total if total is not None else 0.0

    def plant_offset_min(self, sns: Sequence[str] | None = None) -> int | None:
        """The plant's offset from UTC in minutes, from the newest stored upload (of ``sns``);
        ``None`` when nothing is stored."""
        where, params = self._where(sns)
        if where is None:
            return None
        found = self._read(_SELECT_OFFSET + where + " ORDER BY at_utc DESC LIMIT 1", params)
        offset = _real(found[0][0]) if found else None
        # No plant is more than a day away from UTC; anything else is a damaged row.
        if offset is None or abs(offset) > 24 * 60:
            return None
        return int(offset)

    def count(self) -> int:
        """How many rows the store holds."""
        return int(self._read("SELECT count(*) FROM samples", ())[0][0])

    def _read(self, sql: str, params: Sequence[Any], *, tuples: bool = False) -> list[sqlite3.Row]:
        """The rows of ``sql``; ``tuples``: as plain tuples, which are quicker to make than
        ``sqlite3.Row`` when there are hundreds of thousands of them."""
        try:
            with self._lock:
                cursor = self._db.cursor()
                if tuples:
                    cursor.row_factory = None
                return cursor.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(_sentence_for(exc, self.path)) from exc

    def now(self) -> float:
        """The store's clock (epoch seconds): what "today" means to the figures."""
        return self._clock.now()


# --- connection helpers ------------------------------------------------------------------------


def _text(raw: bytes) -> str:
    """Stored text as ``str``; bytes that are not UTF-8 (a damaged or hand-edited file) become
    U+FFFD instead of failing every read of the table for ever."""
    return raw.decode("utf-8", errors="replace")


def _configure(db: sqlite3.Connection) -> None:
    db.row_factory = sqlite3.Row
    db.text_factory = _text
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")


def _connect_memory() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    _configure(db)
    _migrate(db)
    return db


def _connect(path: Path) -> sqlite3.Connection:
    """Open the file, switch to WAL, check it and bring its schema up to date.

    Raises _Damaged with a short reason for a file that is not ours to use. A database that is
    merely busy (another process migrating it) is waited for, not set aside.
    """
    _check_kind(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _Damaged(
            _("its folder cannot be made: {reason}").format(reason=exc.strerror or exc)
        ) from exc
    try:
        db = sqlite3.connect(
            str(path),
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,  # guarded by the store's lock
        )
    except sqlite3.Error as exc:
        raise _Damaged(_short(exc)) from exc
    try:
        _configure(db)
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise _Damaged(
                _("it cannot use write-ahead logging (journal mode {mode})").format(mode=mode)
            )
        # FULL: a commit this process reports is on disk before it says so (kill -9, power cut).
        db.execute("PRAGMA synchronous = FULL")
        quick = db.execute("PRAGMA quick_check").fetchone()[0]
        if quick != "ok":
            raise _Damaged(_("the integrity check failed: {result}").format(result=quick))
        _migrate(db)
        _check_schema(db)
    except sqlite3.OperationalError as exc:
        db.close()
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise _InUse(_("another program holds it locked")) from exc
        raise _Damaged(_short(exc)) from exc
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _Damaged(_short(exc)) from exc
    except _Damaged:
        db.close()
        raise
    return db


def _check_kind(path: Path) -> None:
    """Only a regular file (or none) may be opened: SQLite would block on a FIFO for ever."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _Damaged(exc.strerror or str(exc)) from exc
    if stat.S_ISDIR(mode):
        raise _Damaged(_("it is a folder, not a file"))
    if not stat.S_ISREG(mode):
        raise _Damaged(_("it is not a regular file"))
    if not os.access(path, os.R_OK | os.W_OK):
        raise _Damaged(_("solaxtray may not read and write it"))


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to ``SCHEMA_VERSION``, one step per transaction; a newer file is left
    alone (a newer solaxtray may be running on it) and this run keeps history in memory."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise _Damaged(_("it is a database of some other program"))
    if version > SCHEMA_VERSION:
        raise _InUse(
            _("it was written by a newer version of solaxtray (schema {version})").format(
                version=version
            )
        )
    while version < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            if current == version:
                for statement in _MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        version = int(db.execute("PRAGMA user_version").fetchone()[0])


_COLUMNS = frozenset(
    (
        "id",
        "sn",
        "upload_time",
        "upload_time_raw",
        "offset_min",
        "at_utc",
        "utc_known",
        "fetched_at",
        "resolution_s",
        *_FIELDS,
    )
)


def _check_schema(db: sqlite3.Connection) -> None:
    """A file at our schema version must have our table with every column we read and write;
    otherwise every query would fail for ever and history would quietly stop being recorded."""
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(samples)")}
    tables = {
        str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    # We never make views or triggers: one in the file (a view standing in for the table, a
    # trigger on insert) could run any query, an endless one included, on every read or write.
    extra = db.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('view', 'trigger')")
    if not columns >= _COLUMNS or not {"samples", "meta"} <= tables or extra.fetchone()[0]:
        raise _Damaged(_("it is a database of some other program"))


def _set_aside(path: Path) -> Path | None:
    """Rename the damaged database (and its WAL and shared-memory files) out of the way."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while os.path.lexists(target):
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    try:
        os.replace(path, target)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.info("Could not move the damaged history database aside: %s", exc.strerror)
        return None
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if os.path.lexists(side):
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:120]


def _sentence_for(exc: sqlite3.Error, path: Path | None) -> str:
    text = str(exc).lower()
    where = str(path) if path is not None else _("memory")
    if "full" in text:
        return _("The disk holding the history ({path}) is full.").format(path=where)
    if "locked" in text or "busy" in text:
        return _("The history database ({path}) stayed locked by another program.").format(
            path=where
        )
    if "readonly" in text or "read-only" in text:
        return _("The history database ({path}) is read-only.").format(path=where)
    return _("The history database ({path}) could not be used ({reason}).").format(
        path=where, reason=_short(exc)
    )
