"""When the log file is set up: at once for a command, after the icon for the tray app.

The tray app is the start a user waits for at login, so its path sets up no logging before
the icon is shown: records are held in memory until then, and the log file is set up on the
event loop's first tick (or at once, if the start fails before the icon).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path


class _EarlyRecords(logging.Handler):
    """Holds what is logged before the log file is set up (the tray path sets it up only once its
    icon is shown), so those records still reach the file then. Bounded: a start that logs in a
    loop must not grow without limit."""

    LIMIT = 1000

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


@dataclass(slots=True)
class _LogState:
    level: str = "WARNING"
    early: _EarlyRecords | None = None


log_state = _LogState()


def hold_logging(level: str) -> None:
    """Collect records in memory until ``logging_ready``; the root level as the log file will
    have it (INFO and above at least, more if asked for), so nothing it would keep is dropped."""
    log_state.level = level
    early = _EarlyRecords()
    log_state.early = early
    root = logging.getLogger()
    root.addHandler(early)
    root.setLevel(min(logging.getLevelName(level), logging.INFO))


def logging_ready(level: str | None = None) -> Path:
    """Set up the log file (and console) now, and hand it the records held until then."""
    from solaxtray.core.logsetup import configure_logging

    early, log_state.early = log_state.early, None
    root = logging.getLogger()
    if early is not None:
        root.removeHandler(early)
    log_file = configure_logging(level or log_state.level, console=True)
    for record in early.records if early is not None else ():
        for handler in root.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)
    return log_file


def logging_after_icon() -> None:
    """The first event-loop tick of the tray app: set up the log file, keeping the app's own
    exception hook (its error dialog), which it installed after the icon."""
    if log_state.early is None:
        return
    hook = sys.excepthook
    logging_ready()
    if hook is not sys.__excepthook__:
        sys.excepthook = hook
