"""What every command shares about its output: the documented exit statuses, the usage
error, one-line error sentences, and stdout/stderr masked like the log files.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import unicodedata
from collections.abc import Callable, Container, Iterator, Sequence
from typing import TextIO

from solaxtray.core.errors import (
    EXIT_STATUS,
    EXIT_USAGE,
    ApiError,
    ConfigError,
    ErrorKind,
    SecretStoreError,
    SolaxTrayError,
)
from solaxtray.core.i18n import N_, _, pgettext
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


class OutputError(SolaxTrayError):
    """What a command printed could not be written (a full disk, a failing device); exit 1."""

    title = N_("Output not written")


class ReaderGone(BrokenPipeError):
    """The reader of stdout went away while a command printed results it had already judged:
    ``status`` is the exit status it had decided (see ``keeping_status``)."""

    def __init__(self, status: int) -> None:
        super().__init__(errno.EPIPE, "the reader of stdout went away")
        self.status = status


@contextlib.contextmanager
def keeping_status(status: int) -> Iterator[None]:
    """Print a command's results under the exit status it has already decided: a reader that
    goes away meanwhile (``solaxtray fetch | head -c 1``) still ends the command quietly, but a
    failure is not turned into success by it."""
    try:
        yield
    except ReaderGone:
        raise
    except BrokenPipeError as exc:
        raise ReaderGone(status) from exc


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


_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def terminal_safe(text: str) -> str:
    """``text`` with every control and format character written as a ``\\uXXXX`` escape, line
    ends and tabs apart: an inverter serial or a server's sentence holding ESC sequences, C1
    controls or right-to-left overrides must not move the cursor, retitle the window or reorder
    what the user reads. In JSON these characters can only stand inside a string, where the escape
    means the same character, so JSON output stays valid and says the same."""
    probe = text.replace("\r\n", "").replace("\n", "").replace("\t", "")
    if probe.isprintable():  # the usual case, at C speed
        return text
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch in "\n\t" or (ch == "\r" and i < last and text[i + 1] == "\n"):
            out.append(ch)
        elif not ch.isprintable() and unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            code = ord(ch)
            if code > 0xFFFF:  # as JSON writes it: a surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def printed_width(text: str) -> int:
    """How many terminal columns ``text`` takes once printed: after ``terminal_safe``'s escapes
    (one control character becomes six columns), with East Asian wide characters counted twice
    and combining marks not at all, so that a table can align on what the user sees."""
    width = 0
    for ch in terminal_safe(text):
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def aligned_lines(rows: Sequence[Sequence[str]], *, right: Container[int] = ()) -> list[str]:
    """``rows`` (the header first) as aligned lines: each cell escaped as it will be printed and
    padded to its column's printed width, the columns in ``right`` aligned to the right. Rows
    shorter than the first are joined as they are (a note under the table)."""
    safe = [[terminal_safe(cell) for cell in row] for row in rows]
    count = len(safe[0]) if safe else 0
    full = [row for row in safe if len(row) == count]
    widths = [max(printed_width(row[i]) for row in full) for i in range(count)]
    lines = []
    for row in safe:
        if len(row) != count:
            lines.append("  ".join(row))
            continue
        parts = []
        for i, cell in enumerate(row):
            fill = " " * (widths[i] - printed_width(cell))
            parts.append(fill + cell if i in right else cell + fill)
        lines.append("  ".join(parts).rstrip())
    return lines


class _TerminalStream(io.TextIOBase):
    """The real stdout or stderr under the secret masking: escapes what ``terminal_safe``
    escapes, and turns a failed write into one sentence.

    A closed stdout (``solaxtray watch >&-``: Python gives ``None``) ends the command quietly, as
    a pipe whose reader went away does; a closed stderr takes everything and keeps nothing. A failed write to stdout (a full disk, ``> /dev/full``) raises ``OutputError``, and
    stdout is pointed at nothing so that the interpreter's last flush does not fail again. A
    failed write to stderr is dropped: there is nowhere left to say it.
    """

    def __init__(self, stream: TextIO | None, *, is_stdout: bool) -> None:
        super().__init__()
        self.stream = stream
        self._is_stdout = is_stdout
        self._closed_at_start = stream is None

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.stream is not None:
            self._guarded(lambda stream: stream.write(terminal_safe(text)))
        elif self._is_stdout and self._closed_at_start:
            # Nobody can ever read it: end as when the reader of a pipe goes away, instead of
            # working on (``watch`` for ever) for no one.
            raise BrokenPipeError(errno.EPIPE, "stdout is closed")
        return len(text)

    def flush(self) -> None:
        if self.stream is not None:
            self._guarded(lambda stream: stream.flush())

    def _guarded(self, action: Callable[[TextIO], object]) -> None:
        assert self.stream is not None
        try:
            action(self.stream)
        except BrokenPipeError:
            raise  # the reader went away: the entry point ends quietly
        except OSError as exc:
            stream, self.stream = self.stream, None
            _silence(stream)
            if self._is_stdout:
                raise OutputError(
                    _("What solaxtray printed could not be written ({reason}).").format(
                        reason=exc.strerror or type(exc).__name__
                    )
                ) from exc

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def fileno(self) -> int:
        if self.stream is None:
            raise OSError("the stream is closed")
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)


def write_stdout(text: str) -> None:
    """Write ``text`` to stdout now (flushed), unmasked, for the one command that prints the
    simulator's public demo secrets on purpose: a full disk is ``OutputError`` and a reader that
    went away ``BrokenPipeError``, as for every other command."""
    stream = _TerminalStream(sys.stdout, is_stdout=True)
    stream.write(text)
    stream.flush()


def _silence(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so what is left in its buffer
    goes nowhere instead of failing once more when the interpreter exits."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)


@contextlib.contextmanager
def redacted_stdio() -> Iterator[None]:
    """Everything printed on stdout and stderr meanwhile, by us or by code we call (the table,
    ``--json``, ``watch`` lines, error sentences), passes the log files' secret masking: a cloud
    that echoes the token (as a serial, in a redirect) must not get it onto the terminal. Then
    control characters are escaped and a failed write becomes ``OutputError`` (``_TerminalStream``).
    """
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(_TerminalStream(saved[0], is_stdout=True))  # type: ignore[arg-type]
    sys.stderr = RedactingWriter(_TerminalStream(saved[1], is_stdout=False))  # type: ignore[arg-type]
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, SolaxTrayError):
                stream.flush()
        sys.stdout, sys.stderr = saved
