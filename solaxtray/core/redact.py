"""Keeping the tokenId out of every log line and error text. Qt-free.

The token reaches text in ways our own code does not control: urllib3 logs each request line (the
v1 query string holds ``tokenId=``) at DEBUG, requests puts the URL into its exception messages, and
error bodies from the cloud echo a ``tokenId`` field. So masking happens on the way out, in a log
filter on every handler, for any secret the process has registered and for anything shaped like a
token even when nobody registered it (a token typed into the wrong field, say).
"""

from __future__ import annotations

import logging
import re
import threading

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
    """``text`` with every registered secret and every token-shaped value replaced by ``***``."""
    for secret in _Registry.secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
