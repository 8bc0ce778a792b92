"""One HTTPS exchange with SolaX Cloud, with every transport rule in one place. Qt-free.

Both backends (the tokenId ``SolaxClient`` and the Developer API ``DeveloperClient``) send a secret
with each request, so they share these rules rather than each keeping a copy:

- HTTPS only (plain HTTP to loopback for the simulator), certificates checked, redirects never
  followed (one HTTP library re-sent the credentials header to a redirect target, field notes);
- requests' exceptions carry the full URL, query string included, in their text: they are
  translated once into our errors with fixed sentences, and their text reaches the traceback only
  masked (``TransportDetail``);
- urllib3 logs each request line at DEBUG: a RedactingFilter is put on its loggers;
- a cap on the body and a deadline for the whole answer, so a broken proxy or a trickling server
  cannot hang the poller or fill memory.

What the body means is the caller's business; this module moves bytes and maps transport events.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from solaxtray import __version__
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import (
    ApiError,
    MalformedResponse,
    NetworkError,
    RateLimited,
    ServerError,
)
from solaxtray.core.parsing import THROTTLE_RETRY_AFTER
from solaxtray.core.redact import install_filter, redact
from solaxtray.core.servers import check_transport, is_loopback_host

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 15.0)
"""Connect and read timeouts in seconds. The cloud answers in well under a second when healthy."""
DEFAULT_MAX_BYTES = 256 * 1024
"""A realtime answer is a few KiB at most (ten inverters); anything near this cap is not one."""
_CHUNK = 16 * 1024

THIRD_PARTY_LOGGERS: tuple[str, ...] = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
)
"""Loggers that may print a request URL. A logger's filter sees only records logged on that very
logger, not its children, hence every name."""


class TransportDetail(Exception):
    """What the HTTP library said, with secrets masked: the ``__cause__`` of our NetworkError.

    Why not chain the library's exception: its text holds the request URL, and with it the token.
    """


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer that got past the transport checks: any status below 500 except redirects and
    429, with its whole body (within the cap)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def normalise_timeout(timeout: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(timeout, tuple):
        return (float(timeout[0]), float(timeout[1]))
    return (float(timeout), float(timeout))


class HttpTransport:
    """A keep-alive session to one server, used one request at a time by its owner.

    ``carried`` names what travels with the requests ("the token", "your access token") in
    the sentence that explains why a redirect is not followed.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Clock | None = None,
        carried: str = "the token",
    ) -> None:
        check_transport(base_url)
        install_filter(THIRD_PARTY_LOGGERS)
        self.host = urlsplit(base_url).hostname or "the server"
        self.timeout = normalise_timeout(timeout)
        self.max_bytes = max_bytes
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._carried = carried
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"solaxtray/{__version__}"
        self._session.headers["Accept"] = "application/json"
        if is_loopback_host(self.host):
            # No proxy or .netrc for the simulator: a proxy would see the secret in clear text.
            self._session.trust_env = False

    def close(self) -> None:
        self._session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        sn: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request; raises an ApiError (``.sn`` = ``sn``) for every transport failure, a
        redirect, a 5xx and a 429. ``url`` must be on the server given at construction."""
        check_transport(url)
        # The error is raised outside the except block, so the library's exception (with the
        # URL) is not attached as the implicit __context__ either.
        failure: tuple[ApiError, BaseException] | None = None
        try:
            reply = self._send(
                method, url, sn=sn, params=params, data=data, json_body=json_body, headers=headers
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            failure = (self.translate(exc, sn), exc)
        if failure is None:
            return reply
        error, original = failure
        detail = TransportDetail(redact(f"{type(original).__name__}: {original}"))
        logger.debug("Request for %s failed: %s", sn, detail)
        raise error from detail

    def _send(
        self,
        method: str,
        url: str,
        *,
        sn: str,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> Reply:
        deadline = self._clock.monotonic() + sum(self.timeout)
        response = self._session.request(
            method,
            url,
            params=params,
            data=data,
            json=json_body,
            headers=dict(headers) if headers else None,
            timeout=self.timeout,
            allow_redirects=False,
            stream=True,
            verify=True,
        )
        with response:
            self._check_status(response, sn)
            body = self._read_body(response, sn, deadline)
            return Reply(response.status_code, dict(response.headers), body)

    def _check_status(self, response: requests.Response, sn: str) -> None:
        """Status codes decided without reading the body (redirects and server failures)."""
        status = response.status_code
        if 300 <= status < 400:
            target = urlsplit(response.headers.get("Location", "")).hostname
            where = f" to {target}" if target else ""
            raise ServerError(
                f"The server {self.host} answered with a redirect{where} (HTTP {status}). "
                f"solaxtray does not follow redirects, so {self._carried} cannot reach another "
                "server; check the server address in the settings.",
                sn=sn,
                title="Server address moved",
            )
        if status == 503:
            raise ServerError(
                "SolaX Cloud is unavailable for now (HTTP 503), usually for maintenance or "
                "overload. solaxtray will try again later.",
                sn=sn,
            )
        if status >= 500:
            raise ServerError(
                f"SolaX Cloud had an internal error (HTTP {status}). solaxtray will try again "
                "later; if this lasts, check the server address in the settings.",
                sn=sn,
            )
        if status == 429:
            raise RateLimited(
                "SolaX Cloud is turning requests away because too many were sent. solaxtray "
                "will wait before asking again.",
                sn=sn,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )

    def _read_body(self, response: requests.Response, sn: str, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(sn)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large(sn)
            chunks.append(chunk)
            if self._clock.monotonic() > deadline:
                raise requests.ReadTimeout("the answer took longer than the read timeout")
        return b"".join(chunks)

    def _too_large(self, sn: str) -> MalformedResponse:
        return MalformedResponse(
            f"The server {self.host} sent far more data than a SolaX Cloud answer holds "
            f"(over {self.max_bytes // 1024} KiB), so solaxtray stopped reading. Check the "
            "server address in the settings.",
            sn=sn,
        )

    def translate(self, exc: BaseException, sn: str) -> ApiError:
        """One NetworkError (or ApiError) with a fixed sentence for a transport exception."""
        chain = exception_chain(exc)
        host = self.host
        if any(isinstance(e, ApiError) for e in chain):
            return next(e for e in chain if isinstance(e, ApiError))
        if any(
            isinstance(e, requests.exceptions.SSLError | ssl.SSLError | urllib3.exceptions.SSLError)
            for e in chain
        ):
            return NetworkError(
                f"The secure connection to {host} could not be verified, so nothing was sent. "
                "The computer's date may be wrong, or a network device is intercepting HTTPS.",
                sn=sn,
                title="Secure connection failed",
            )
        if any(
            isinstance(e, urllib3.exceptions.NameResolutionError | socket.gaierror) for e in chain
        ):
            return NetworkError(
                f"The server name {host} could not be found. Check that this computer is "
                "connected to the internet.",
                sn=sn,
            )
        if any(
            isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
            for e in chain
        ):
            return NetworkError(
                f"This computer has no network route to {host}. Check the internet connection.",
                sn=sn,
            )
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or any(
            isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain
        ):
            return NetworkError(
                f"The server {host} refused the connection. SolaX Cloud may be down, or the "
                "server address in the settings may be wrong.",
                sn=sn,
            )
        # After the refusals: urllib3's NewConnectionError is, for history's sake, a subclass of
        # its ConnectTimeoutError, so a refused port would otherwise read as a timeout.
        if any(
            isinstance(e, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError)
            for e in chain
        ):
            return NetworkError(
                f"SolaX Cloud ({host}) did not answer within {sum(self.timeout):g} seconds. "
                "solaxtray will try again later.",
                sn=sn,
                title="SolaX Cloud not answering",
            )
        if any(
            isinstance(
                e,
                ConnectionError
                | urllib3.exceptions.ProtocolError
                | requests.exceptions.ChunkedEncodingError
                | requests.ConnectionError,
            )
            for e in chain
        ):
            return NetworkError(
                f"The connection to {host} broke off before the answer was complete. "
                "solaxtray will try again later.",
                sn=sn,
                title="Connection interrupted",
            )
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return MalformedResponse(
                f"The answer from {host} could not be decompressed. solaxtray will try again "
                "later.",
                sn=sn,
            )
        return NetworkError(
            f"The request to {host} failed ({type(exc).__name__}). solaxtray will try again later.",
            sn=sn,
        )


def exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and exceptions wrapped in ``args`` (urllib3's
    MaxRetryError keeps the real failure in ``reason``)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 32:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return seen


def retry_after_seconds(value: str | None) -> float:
    """A ``Retry-After`` header in seconds, kept between one second and one hour."""
    try:
        seconds = float(value) if value is not None else THROTTLE_RETRY_AFTER
    except ValueError:
        return THROTTLE_RETRY_AFTER
    return min(max(seconds, 1.0), 3600.0)
