"""Logging for the tray app and the CLI: a rotating file in the platform's log directory, an
optional console handler on stderr, the token masked on every handler, and uncaught errors logged.
Qt-free.

Why a RedactingFilter on *every handler* (not only on our loggers): urllib3 and requests log request
lines and put URLs into exception texts, and the v1 URL carries ``tokenId=``; a filter on a handler
sees records from every logger, including theirs (``solaxtray.core.redact``).

Levels: the console shows the level asked for (the CLI's ``--log-level``, WARNING by default, so a
``fetch`` prints its table and nothing else), while the file always records at least INFO, so a user
who reports a problem has a useful log without re-running anything.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import logging.handlers
import os
import stat
import sys
import threading
import types
from pathlib import Path

from solaxtray.core import paths
from solaxtray.core.i18n import _
from solaxtray.core.redact import RedactingFilter

logger = logging.getLogger(__name__)

MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_FILE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"
_MARK = "_solaxtray_handler"
"""Attribute set on the handlers we install, so a second call replaces them instead of doubling."""

_saved_hooks: list[tuple[object, object]] = []
"""The exception hooks in place before ours (at most one entry), restored by ``reset_logging``."""


def parse_level(level: str) -> int:
    """A level name (case-insensitive) as a number; ValueError with the accepted names otherwise."""
    name = level.strip().upper()
    if name not in LEVELS:
        raise ValueError(f"Unknown log level {level!r}; use one of {', '.join(LEVELS)}.")
    return int(logging.getLevelName(name))


def configure_logging(level: str = "INFO", *, console: bool = True) -> Path:
    """Install the file (and, if asked, console) handlers on the root logger; return the log file.

    Safe to call again (handlers from an earlier call are closed and replaced), which the CLI's
    in-process tests and a settings change of the level rely on. If the log directory cannot be
    created, logging goes to the console only and a warning says why; the app still starts.
    """
    numeric = parse_level(level)
    file_level = min(numeric, logging.INFO)
    reset_logging()
    root = logging.getLogger()
    root.setLevel(min(numeric, file_level))

    log_file = paths.log_path()
    file_problem: str | None = None
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        _refuse_special(log_file)
        # Opened now, not at the first record: a file that cannot be opened is found here, where
        # the app can still say so once, instead of a "Logging error" traceback per record.
        file_handler: logging.Handler = _LogFileHandler(
            log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as exc:
        file_problem = exc.strerror or str(exc)
    else:
        file_handler.setLevel(file_level)
        file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        _install(root, file_handler)

    if console:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setLevel(numeric)
        console_handler.setFormatter(_ConsoleFormatter())
        console_handler.addFilter(_console_wanted)
        _install(root, console_handler)

    _install_excepthooks()
    if file_problem is not None:
        if console:
            logger.warning(
                "Cannot write the log file %s (%s); logging to the console only",
                log_file,
                file_problem,
            )
        else:
            _tell_stderr(
                _("solaxtray cannot write its log file {path} ({reason}).").format(
                    path=log_file, reason=file_problem
                )
            )
    return log_file


def _refuse_special(path: Path) -> None:
    """Raise OSError when ``path`` is a named pipe or a socket: opening a FIFO for writing blocks
    until some reader comes, so every command would hang before its first line. (A device such
    as ``/dev/null`` is a choice someone made; it is kept.)"""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing, or a problem the open itself will report
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise OSError(errno.EINVAL, "a named pipe or socket, not a file", str(path))


def _tell_stderr(sentence: str) -> None:
    """One line on stderr, if there is one (a windowed app may have none)."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(sentence + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


class _LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, which gives up quietly when the file cannot be written.

    Why: the stock handler reports each failed write (a full disk, a file made read-only, a
    removed mount) with a "--- Logging error ---" traceback on stderr, for every record, for the
    rest of the run. Here the first failure is told once, in one sentence (which file, why), and
    the handler takes itself off the root logger; the app goes on without its file log.
    """

    _failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if self._failed:
            return
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)  # a programming error: logging's own report
            return
        if self._failed:
            return
        self._failed = True
        reason = error.strerror or str(error)
        _tell_stderr(
            _(
                "solaxtray could not write its log file {path} ({reason}), and stopped writing "
                "to it."
            ).format(path=self.baseFilename, reason=reason)
        )
        root = logging.getLogger()
        # A new list, not removeHandler: the root logger may be iterating over its list right now,
        # and removing from it in place would skip the next handler (the console) for this record.
        root.handlers = [h for h in root.handlers if h is not self]
        with contextlib.suppress(Exception):
            self.close()


def reset_logging() -> None:
    """Remove and close the handlers ``configure_logging`` installed and restore the exception hooks."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()
    if _saved_hooks:
        sys.excepthook, threading.excepthook = _saved_hooks.pop()  # type: ignore[assignment]


def _console_wanted(record: logging.LogRecord) -> bool:
    """Records logged with ``extra={"console": False}`` go to the file only: used where the caller
    tells the user in its own words already (the CLI's "unexpected error" sentence)."""
    return bool(getattr(record, "console", True))


class _ConsoleFormatter(logging.Formatter):
    """One line per record: the console is for people, tracebacks belong in the log file."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname}: {record.getMessage()}"


def _install(root: logging.Logger, handler: logging.Handler) -> None:
    handler.addFilter(RedactingFilter())
    setattr(handler, _MARK, True)
    root.addHandler(handler)


def _log_uncaught(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: types.TracebackType | None,
) -> None:
    """Why: an error nobody catches must reach the log file (the console may be gone, as for a tray
    app started at login), masked like everything else."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("solaxtray").critical("Uncaught error", exc_info=(exc_type, exc, tb))


def _log_uncaught_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    thread = args.thread.name if args.thread is not None else "?"
    logging.getLogger("solaxtray").critical(
        "Uncaught error in thread %s",
        thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _install_excepthooks() -> None:
    if not _saved_hooks:
        _saved_hooks.append((sys.excepthook, threading.excepthook))
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_thread
