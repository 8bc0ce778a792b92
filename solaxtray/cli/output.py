"""What every command shares about its output: the documented exit statuses, the usage
error, one-line error sentences, and stdout/stderr masked like the log files.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from solaxtray.core.errors import (
    EXIT_STATUS,
    EXIT_USAGE,
    ApiError,
    ConfigError,
    ErrorKind,
    SecretStoreError,
    SolaxTrayError,
)
from solaxtray.core.i18n import _, pgettext
from solaxtray.core.redact import RedactingWriter, shorten_words

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_AUTH = EXIT_STATUS[ErrorKind.AUTH]
"""3: a missing token and keyring trouble share the status of a rejected token."""
EXIT_INTERRUPTED = 130


class UsageError(SolaxTrayError):
    """A wrong option or value on the command line; exit status 2."""

    def __init__(self, message: str, *, title: str | None = None) -> None:
        # "Usage" as the heading of an error (not a table's column): its own context.
        super().__init__(message, title=title or pgettext("error title", "Usage"))


def exit_status_for(exc: SolaxTrayError) -> int:
    """The documented exit status of an error (see the module docstring)."""
    if isinstance(exc, ApiError):
        return EXIT_STATUS.get(exc.kind, EXIT_UNEXPECTED)
    if isinstance(exc, SecretStoreError):
        return EXIT_AUTH
    if isinstance(exc, ConfigError | UsageError):
        return EXIT_USAGE
    return EXIT_UNEXPECTED


def say(title: str, message: str) -> None:
    """One error line on stderr: ``title: message``, with any overlong run of characters (a
    megabyte-long value quoted by some sentence) cut, so a line stays readable."""
    print(
        _("{title}: {message}").format(title=title, message=shorten_words(message)), file=sys.stderr
    )


@contextlib.contextmanager
def redacted_stdio() -> Iterator[None]:
    """Everything printed on stdout and stderr meanwhile, by us or by code we call (the table,
    ``--json``, ``watch`` lines, error sentences), passes the log files' secret masking: a cloud
    that echoes the token (as a serial, in a redirect) must not get it onto the terminal."""
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(saved[0])
    sys.stderr = RedactingWriter(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved
