"""The check of the history database: the file opens, its integrity check passes, how many days
it holds, and whether solaxtray can write it. Qt-free.

Read-only by construction: the doctor diagnoses, it never repairs. The file is opened with
SQLite's ``mode=ro`` (no write, no journal-mode switch, no migration), and a damaged file is left
in place for the store to set aside when the user runs it (``HistoryStore.open``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

from solaxtray.core.doctor.model import CheckResult, fail, ok, warn
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_number
from solaxtray.core.redact import shown

logger = logging.getLogger(__name__)

HISTORY_ID = "history"
BUSY_TIMEOUT_S = 2.0
"""How long the check waits for a writer's lock (the tray app writes a few milliseconds at a
time) before it says the file is in use."""


class _Unreadable(Exception):
    """The file cannot be read as a history: ``reason`` says why, ``damaged`` whether the
    store would set it aside."""

    def __init__(self, reason: str, *, damaged: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.damaged = damaged


def check_history(path: Path) -> CheckResult:
    """The history database at ``path``: sound, how many days it holds, writable."""
    title = _("History")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return ok(
            HISTORY_ID,
            title,
            _(
                "No history is stored yet ({path}); it starts with the first upload solaxtray "
                "receives."
            ).format(path=path),
        )
    except OSError as exc:
        return _cannot_open(path, exc.strerror or type(exc).__name__)
    if not stat.S_ISREG(mode):
        return fail(
            HISTORY_ID,
            title,
            _("{path} is not a file, so no history can be stored there.").format(path=path),
            _("Move away what stands at {path}; solaxtray then starts a new history there.").format(
                path=path
            ),
        )
    try:
        days = _days_held(path)
    except _Unreadable as exc:
        if exc.damaged:
            return fail(
                HISTORY_ID,
                title,
                _("The history database {path} is damaged ({reason}).").format(
                    path=path, reason=exc.reason
                ),
                _(
                    "Run 'solaxtray history' once: it moves the damaged file aside (nothing is "
                    "deleted) and starts a new history."
                ),
            )
        return _cannot_open(path, exc.reason)
    except _InUse:
        return warn(
            HISTORY_ID,
            title,
            _(
                "The history database {path} could not be checked: another program holds it locked."
            ).format(path=path),
            _("Run the check again in a moment."),
        )
    held = ngettext("{n} day of uploads", "{n} days of uploads", days).format(n=format_number(days))
    problem = _unwritable(path)
    if problem is not None:
        return fail(
            HISTORY_ID,
            title,
            _(
                "The history database {path} is sound ({held}), but solaxtray cannot write it "
                "({reason}), so new uploads are not stored."
            ).format(path=path, held=held, reason=problem),
            _("Make {path} and its folder writable for your user.").format(path=path),
        )
    return ok(
        HISTORY_ID,
        title,
        _("The history database {path} is sound and writable ({held}).").format(
            path=path, held=held
        ),
    )


class _InUse(Exception):
    """Another connection holds a lock the check would have to wait for."""


def _days_held(path: Path) -> int:
    """The number of plant days with a stored upload, after SQLite's quick integrity check (the
    one the store runs at every opening). Opened read-only: nothing is written."""
    # A history in use has its -wal and -shm beside it: read it as another reader would. With
    # neither, nobody has it open, and even a read-only reader would leave the two files behind:
    # ``immutable`` reads the file alone. (A tray app that opens it meanwhile writes to its own
    # -wal; the file itself changes only at a checkpoint.)
    in_use = any(path.with_name(path.name + end).exists() for end in ("-wal", "-shm"))
    query = "mode=ro" if in_use else "mode=ro&immutable=1"
    try:
        db = sqlite3.connect(
            f"{path.absolute().as_uri()}?{query}", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except sqlite3.Error as exc:
        raise _Unreadable(shown(exc), damaged=False) from exc
    try:
        quick = db.execute("PRAGMA quick_check").fetchone()[0]
        if quick != "ok":
            raise _Unreadable(
                _("the integrity check failed: {result}").format(result=shown(quick)),
                damaged=True,
            )
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if "samples" not in tables:
            raise _Unreadable(_("it holds no solaxtray history"), damaged=True)
        row = db.execute("SELECT COUNT(DISTINCT substr(upload_time, 1, 10)) FROM samples")
        return int(row.fetchone()[0])
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise _InUse from exc
        raise _Unreadable(shown(exc), damaged=_is_damage(exc)) from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
        raise _Unreadable(shown(exc), damaged=True) from exc
    finally:
        db.close()


def _is_damage(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "no such" in text


def _unwritable(path: Path) -> str | None:
    """Why solaxtray could not write the file, or None. The folder counts too: SQLite writes its
    journal beside the file."""
    if not os.access(path, os.W_OK):
        return _("the file is read-only")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return _("its folder is read-only")
    return None


def _cannot_open(path: Path, reason: str) -> CheckResult:
    return fail(
        HISTORY_ID,
        _("History"),
        _("The history database {path} cannot be opened ({reason}).").format(
            path=path, reason=reason
        ),
        _("Check that your user can read and write {path} and its folder.").format(path=path),
    )
