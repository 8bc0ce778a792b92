"""Past months' figures kept between runs, in a small file beside the history database. Qt-free.

Why: a year of daily figures takes a second or two to compute, and a past month's figures do
not change unless rows for its days arrive late (or old rows are thinned); so a new session (the
tray started again, ``history --monthly``) takes them from here, each checked against the
signature of the month's stored rows, and computes only what changed.

Why a separate file, beside the history: the history database's schema stays as an older
solaxtray expects it; the figures belong to that one database (the demo's throwaway history
gets its own, and a history set aside as damaged leaves its figures behind with a signature
nothing matches); and the file may go at any time. It is SQLite in WAL mode, so the tray and
``history --monthly`` may read and write it at once.

Nothing here ever reaches the user: a file that is missing, damaged, of another format or
version, or not a regular file is made again (or, when that fails, not used: the figures are
computed as without it); one that stays locked is skipped for that question. Each case is one
debug line in the log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
import stat
import threading
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solaxtray import __version__
from solaxtray.core.history.daily import ENERGY_FIELDS

if TYPE_CHECKING:
    from solaxtray.core.history.monthly import MonthFigures

logger = logging.getLogger(__name__)

SUFFIX = ".months"
"""The file is the history database's name with this added."""
FORMAT = f"solaxtray month figures 1 ({__version__})"
"""Another version may compute figures differently: its file is made again, never trusted."""
_BUSY_TIMEOUT_S = 0.5
"""Another process's write takes milliseconds; waiting longer would only delay the chart."""

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE months (series TEXT NOT NULL, month TEXT NOT NULL, signature TEXT NOT NULL, "
    "figures TEXT NOT NULL, PRIMARY KEY (series, month))",
)


class _Unusable(Exception):
    """The file cannot be ours as it is (damaged, another format): made again."""


def month_file_path(history: Path) -> Path:
    """Where the month figures of the history database at ``history`` are kept."""
    return history.with_name(history.name + SUFFIX)


class MonthFile:
    """The month figures file; see the module docstring. Opened on first use (which is on the
    popup's worker thread, never the GUI's); safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._given_up = False
        self._lock = threading.Lock()

    def get(
        self, series: tuple[str, ...] | None, month: date, signature: Sequence[Any]
    ) -> list[MonthFigures] | None:
        """The figures kept for ``month`` of ``series`` when made from rows with ``signature``;
        ``None`` when there are none (or they cannot be read)."""
        with self._lock:
            found = self._use(
                "SELECT figures FROM months WHERE series = ? AND month = ? AND signature = ?",
                (_series_key(series), month.isoformat(), _signature_key(signature)),
            )
        if not found:
            return None
        try:
            return [_figures_of(item) for item in json.loads(found[0][0])]
        except (ValueError, TypeError, KeyError) as exc:
            logger.debug("Month figures in %s not readable (%s); computed again", self.path, exc)
            return None

    def put(
        self,
        series: tuple[str, ...] | None,
        month: date,
        signature: Sequence[Any],
        figures: Sequence[MonthFigures],
    ) -> None:
        """Keep ``figures`` for ``month`` of ``series``, made from rows with ``signature``."""
        text = json.dumps([_json_of(f) for f in figures], allow_nan=False)
        with self._lock:
            self._use(
                "INSERT OR REPLACE INTO months (series, month, signature, figures) "
                "VALUES (?, ?, ?, ?)",
                (_series_key(series), month.isoformat(), _signature_key(signature), text),
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def _use(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """Run ``sql`` on the file, opening (or making again) it first; ``[]`` when it cannot
        be used now. Holds ``_lock``."""
        for attempt in (1, 2):
            db = self._open()
            if db is None:
                return []
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    logger.debug("Month figures file %s is busy; skipped", self.path)
                    return []
                self._discard(exc, remake=attempt == 1)
            except sqlite3.Error as exc:
                self._discard(exc, remake=attempt == 1)
        return []

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None or self._given_up:
            return self._db
        for attempt in (1, 2):
            try:
                self._db = _connect(self.path)
                return self._db
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    logger.debug("Month figures file %s is busy; not used now", self.path)
                    return None
                self._discard(exc, remake=attempt == 1)
            except (sqlite3.Error, _Unusable, OSError) as exc:
                self._discard(exc, remake=attempt == 1)
        return None

    def _discard(self, reason: BaseException, *, remake: bool) -> None:
        """Close the file and delete it to be made again, or give it up for this run."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        if not remake:
            logger.debug("Month figures file %s not used (%s)", self.path, reason)
            self._given_up = True
            return
        logger.debug("Month figures file %s made again (%s)", self.path, reason)
        for suffix in ("", "-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(side).st_mode):
                    side.unlink()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _connect(path: Path) -> sqlite3.Connection:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        # SQLite would block for ever on a FIFO; a folder or a link is not ours to use.
        if not stat.S_ISREG(mode):
            raise _Unusable("not a regular file")
    db = sqlite3.connect(
        str(path), timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        db.execute("PRAGMA journal_mode = WAL")
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            db.execute("BEGIN IMMEDIATE")
            try:
                if not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("INSERT INTO meta (key, value) VALUES ('format', ?)", (FORMAT,))
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
        elif names != {"meta", "months"}:
            raise _Unusable("not a month figures file")
        found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if found is None or found[0] != FORMAT:
            raise _Unusable(f"format {found[0] if found else None!r}")
    except BaseException:
        db.close()
        raise
    return db


def _series_key(series: tuple[str, ...] | None) -> str:
    return json.dumps(list(series) if series is not None else None)


def _signature_key(signature: Sequence[Any]) -> str:
    return json.dumps(list(signature))


def _json_of(figures: MonthFigures) -> dict[str, Any]:
    out = asdict(figures)
    out["month"] = figures.month.isoformat()
    return out


_FLOATS = ENERGY_FIELDS
_INTS = ("days", "missing_days", "samples")
_BOOLS = ("partial", "in_progress")


def _figures_of(item: Any) -> MonthFigures:
    """One month's figures from the file, checked value by value: a hand-edited file must not
    put a string, an infinity or a negative count into a chart. Raises ValueError."""
    from solaxtray.core.history.monthly import MonthFigures

    if not isinstance(item, dict) or set(item) != {f.name for f in fields(MonthFigures)}:
        raise ValueError("not month figures")
    month = date.fromisoformat(item["month"])
    sn = item["sn"]
    if month.day != 1 or not isinstance(sn, str) or not sn:
        raise ValueError("not a month of a serial")
    for name in _FLOATS:
        value = item[name]
        if value is not None and (type(value) is not float or not math.isfinite(value)):
            raise ValueError(f"{name} is not a figure")
    for name in _INTS:
        if type(item[name]) is not int or item[name] < 0:
            raise ValueError(f"{name} is not a count")
    for name in _BOOLS:
        if type(item[name]) is not bool:
            raise ValueError(f"{name} is not true or false")
    return MonthFigures(**{**item, "month": month})
