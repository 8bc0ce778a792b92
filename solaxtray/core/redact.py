"""Keeping the tokenId out of every log line and error text. Qt-free.

The token reaches text in ways our own code does not control: urllib3 logs each request line (the
v1 query string holds ``tokenId=``) at DEBUG, requests puts the URL into its exception messages, and
error bodies from the cloud echo a ``tokenId`` field. So masking happens on the way out, in a log
filter on every handler, for any secret the process has registered and for anything shaped like a
token even when nobody registered it (a token typed into the wrong field, say). The terminal gets
the same masking (``RedactingWriter`` on the command line's stdout and stderr), and so does every
error message (``errors.SolaxTrayError``): a cloud may echo the token in any field.

Values quoted in a sentence also get a length cap (``shown``): a 100 KB host name must not become a
100 KB line.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from typing import TextIO

MASK = "***"

_MIN_SECRET_LENGTH = 6
"""Shorter values are not registered: masking them would garble ordinary text."""


class _Registry:
    """The registered secrets, longest first so a secret containing another is masked whole.

    Replaced as a whole under a lock, read without one: a log call never waits for a registration.
    """

    lock = threading.Lock()
    secrets: tuple[str, ...] = ()


_TOKEN_SHAPED = re.compile(r"(?<![0-9])[0-9]{23,24}(?![0-9])")
"""A SolaX token is 23 or 24 digits (V6.1, Table 2); nothing else we print is that long. The one
definition of "token-shaped": what ``redact`` masks is exactly what ``looks_like_token`` finds."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # tokenId=…, tokenId: …, "tokenId": "…", tokenid%3D… in query strings, headers, JSON and reprs.
    (
        re.compile(r"""(token[_-]?id["']?\s*(?:=|:|%3D)\s*["']?)[^\s"'&,;)}\]]+""", re.IGNORECASE),
        r"\1" + MASK,
    ),
    (_TOKEN_SHAPED, MASK),
)


def looks_like_token(text: str) -> bool:
    """Whether ``text`` holds a token-shaped value (a run of 23 or 24 digits).

    For input that should be something else, a serial number above all: a token pasted into the
    serial field must be refused without a request (wrong requests count towards the cloud's ban)
    and without echoing it back in the refusal.
    """
    return _TOKEN_SHAPED.search(text) is not None


def register_secret(value: str) -> None:
    """Mask ``value`` in everything ``redact`` and ``RedactingFilter`` see from now on.

    Registered for the life of the process: a token replaced in the settings may still sit in a
    queued log record or an exception waiting to be shown.
    """
    value = value.strip()
    if len(value) < _MIN_SECRET_LENGTH:
        return
    with _Registry.lock:
        if value not in _Registry.secrets:
            _Registry.secrets = tuple(sorted((*_Registry.secrets, value), key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret and every token-shaped value replaced by ``***``.

    Secrets are matched in any letter case: a host name or a serial shown by a library comes
    lower- or upper-cased, and the secret in another case is still the secret.
    """
    lowered = text.lower()
    for secret in _Registry.secrets:
        if secret.lower() in lowered:
            text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
            lowered = text.lower()
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


ECHO_LIMIT = 80
"""The most characters of a user- or server-supplied value quoted in a sentence: a 100 KB host
name or a 1 MB setting must not become a 100 KB line on the terminal or in a dialog."""

ELLIPSIS = "…"


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


WORD_LIMIT = 400
"""The longest unbroken run of characters a terminal sentence keeps: long enough for any real
path or address the user must read whole, short enough that no 100 KB value gets through."""


def shorten_words(text: str, limit: int = WORD_LIMIT) -> str:
    """``text`` with every run of non-blank characters longer than ``limit`` cut (with an
    ellipsis): the last guard of a sentence that quotes a value nobody capped before."""
    return re.sub(rf"\S{{{limit + 1},}}", lambda m: shorten(m.group(), limit), text)


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value someone else chose (a flag, a setting, a server's header), made fit to quote in a
    sentence: secrets masked first (so a cut cannot leave half a token unmasked), line breaks and
    other control characters replaced by ``?``, then cut to ``limit`` characters."""
    text = redact(str(value))
    text = "".join(c if c.isprintable() else "?" for c in text)
    return shorten(text, limit)


class RedactingWriter(io.TextIOBase):
    """A text stream that masks secrets in what is written to ``stream``, line by line.

    Why whole lines: callers write a line in several pieces (``print`` writes the text, then the
    newline; ``json.dump`` writes token by token), and a secret split across two pieces would
    slip past a per-write mask. Text is held until its newline or a ``flush``. Secrets never hold
    a line break, so no secret spans two lines.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, tail = self._pending.rpartition("\n")
        if newline:
            self._pending = tail
            self.stream.write(redact(head + newline))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.stream.write(redact(pending))
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record with its secrets masked; it drops nothing.

    Put it on handlers (it then sees records from every logger) or on the loggers that third-party
    code logs to directly (a filter on a logger does not see records of its child loggers). The
    message is formatted here, once, so the args that carried the secret are gone before any
    handler or formatter runs; exception text and stack text are formatted and masked too.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string still must not leak its args
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # The formatter would format exc_info again only if exc_text were empty; keep the type
            # for handlers that look at it, but the masked text is what gets written.
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_filter(logger_names: tuple[str, ...]) -> None:
    """Attach one RedactingFilter to each named logger, once (idempotent)."""
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())
