"""One HTTPS exchange with SolaX Cloud, with every transport rule in one place. Qt-free.

Both backends (the tokenId ``SolaxClient`` and the Developer API ``DeveloperClient``) send a secret
with each request, so they share these rules rather than each keeping a copy:

- HTTPS only (plain HTTP to loopback for the simulator), certificates checked, redirects never
  followed (one HTTP library re-sent the credentials header to a redirect target, field notes);
- requests' exceptions carry the full URL, query string included, in their text: they are
  translated once into our errors with fixed sentences, and their text reaches the traceback only
  masked (``TransportDetail``);
- urllib3 logs each request line at DEBUG: a RedactingFilter is put on its loggers;
- a cap on the body and one deadline for the whole exchange, connection, headers and body
  included, so a broken proxy or a trickling server cannot hang the poller or fill memory. Socket
  timeouts alone cannot do that (a server sending a byte every half second never lets one expire),
  so a watchdog shuts the request's socket when the deadline passes;
- every exception out of requests, urllib3 or http.client (a header that is not Latin-1, say)
  becomes one of our errors: nothing else leaves ``send``.

What the body means is the caller's business; this module moves bytes and maps transport events.

Over 500 lines: the one place HTTP is done: the deadline watchdog, the redirect checks and the
translation of every requests, urllib3 and http.client exception stay together.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager

from solaxtray import __version__
from solaxtray.core.api.servers import check_transport, is_loopback_host
from solaxtray.core.api.tokenid.parsing import THROTTLE_RETRY_AFTER
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import (
    ApiError,
    MalformedResponse,
    NetworkError,
    RateLimited,
    ServerError,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.redact import install_filter, redact, shown

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
"""The longest wait for a TCP (and TLS) connection, within the deadline."""
DEADLINE_S = 20.0
"""The longest a whole request may take, connection, headers and body included. The cloud answers
in well under a second when healthy. This is the figure the timeout sentence states."""
DEFAULT_TIMEOUT: tuple[float, float] = (CONNECT_TIMEOUT_S, DEADLINE_S)
"""(connect timeout, overall deadline) in seconds."""
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
    """``(connect timeout, deadline)`` from a deadline alone or from both.

    The second figure is the deadline of the whole request, not a per-read timeout: a per-read
    timeout is what a trickling server defeats. The connect timeout never exceeds the deadline.
    """
    if isinstance(timeout, tuple):
        connect, deadline = float(timeout[0]), float(timeout[1])
    else:
        deadline = float(timeout)
        connect = CONNECT_TIMEOUT_S
    return (min(connect, deadline), deadline)


# --- the deadline watchdog -----------------------------------------------------------------------


class _Watchdog:
    """Shuts the sockets of one request when its deadline passes.

    The request runs on the caller's thread, blocked in a ``recv`` that a socket timeout would
    end only after a silence; shutting the socket from a timer thread ends it at once, whatever
    the server trickles. ``fired`` then tells the caller that the failure it sees (a reset, a
    short body) was the deadline.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._connections: list[urllib3.connection.HTTPConnection] = []
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.name = "solaxtray-request-deadline"

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, connection: urllib3.connection.HTTPConnection) -> None:
        with self._lock:
            if not any(c is connection for c in self._connections):
                self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: urllib3.connection.HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        # socket.socket's own shutdown, also for an SSLSocket: it wakes the reading thread
        # without touching the TLS state that thread is using.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()
"""The watchdog of the request running on this thread, if any."""


def _watch_current(connection: urllib3.connection.HTTPConnection) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if isinstance(watchdog, _Watchdog):
        watchdog.watch(connection)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    """An HTTP connection that puts itself under the current request's watchdog: when it
    connects, and when a kept-alive connection is reused for a request."""

    def connect(self) -> None:
        super().connect()
        _watch_current(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_current(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    """The same for HTTPS."""

    def connect(self) -> None:
        super().connect()
        _watch_current(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_current(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[urllib3.connectionpool.HTTPConnectionPool]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections that the deadline watchdog can shut (also through an
    HTTP proxy; a SOCKS proxy keeps its own connections and only the checks between body chunks)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> urllib3.poolmanager.PoolManager:
        manager: urllib3.poolmanager.PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.poolmanager.ProxyManager):
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


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
        carried: str = N_("the token"),
    ) -> None:
        check_transport(base_url)
        install_filter(THIRD_PARTY_LOGGERS)
        self.host = shown(urlsplit(base_url).hostname or "the server")
        """The server's name as the sentences show it (masked and cut to a readable length)."""
        self.timeout = normalise_timeout(timeout)
        """(connect timeout, deadline of the whole request) in seconds."""
        self.max_bytes = max_bytes
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._carried = carried
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"solaxtray/{__version__}"
        self._session.headers["Accept"] = "application/json"
        for prefix in ("https://", "http://"):
            self._session.mount(prefix, _WatchedAdapter())
        if is_loopback_host(self.host):
            # No proxy or .netrc for the simulator: a proxy would see the secret in clear text.
            self._session.trust_env = False

    @property
    def deadline(self) -> float:
        """The longest one request may take, in seconds: the figure the timeout sentence states."""
        return self.timeout[1]

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
        watchdog = _Watchdog(self.deadline)
        previous = getattr(_current, "watchdog", None)
        _current.watchdog = watchdog
        watchdog.start()
        try:
            reply = self._send(
                method,
                url,
                sn=sn,
                params=params,
                data=data,
                json_body=json_body,
                headers=headers,
                watchdog=watchdog,
            )
        except ApiError:
            raise
        except Exception as exc:
            # Whatever requests, urllib3 or http.client raise (they raise more than their own
            # exception classes: UnicodeEncodeError, ValueError, ...), the caller gets one of ours.
            failure = (self.translate(exc, sn, deadline_passed=watchdog.fired), exc)
        finally:
            watchdog.cancel()
            _current.watchdog = previous
        if failure is None:
            if watchdog.fired:  # a body cut short by the watchdog may look complete
                raise self._timed_out(sn)
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
        watchdog: _Watchdog,
    ) -> Reply:
        deadline = self._clock.monotonic() + self.deadline
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
            body = self._read_body(response, sn, deadline, watchdog)
            return Reply(response.status_code, dict(response.headers), body)

    def _check_status(self, response: requests.Response, sn: str) -> None:
        """Status codes decided without reading the body (redirects and server failures)."""
        status = response.status_code
        if 300 <= status < 400:
            try:
                target = urlsplit(response.headers.get("Location", "")).hostname
            except ValueError:  # a Location that is not an address at all
                target = None
            if target:
                words = _(
                    "The server {host} answered with a redirect to {target} (HTTP {status}). "
                    "solaxtray does not follow redirects, so {carried} cannot reach another "
                    "server; check the server address in the settings."
                ).format(
                    host=self.host, target=shown(target), status=status, carried=_(self._carried)
                )
            else:
                words = _(
                    "The server {host} answered with a redirect (HTTP {status}). solaxtray does "
                    "not follow redirects, so {carried} cannot reach another server; check the "
                    "server address in the settings."
                ).format(host=self.host, status=status, carried=_(self._carried))
            raise ServerError(
                words,
                sn=sn,
                title=_("Server address moved"),
            )
        if status == 503:
            raise ServerError(
                _(
                    "SolaX Cloud is unavailable for now (HTTP 503), usually for maintenance or "
                    "overload. solaxtray will try again later."
                ),
                sn=sn,
            )
        if status >= 500:
            raise ServerError(
                _(
                    "SolaX Cloud had an internal error (HTTP {status}). solaxtray will try again "
                    "later; if this lasts, check the server address in the settings."
                ).format(status=status),
                sn=sn,
            )
        if status == 429:
            raise RateLimited(
                _(
                    "SolaX Cloud is turning requests away because too many were sent. solaxtray will "
                    "wait before asking again."
                ),
                sn=sn,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )

    def _read_body(
        self, response: requests.Response, sn: str, deadline: float, watchdog: _Watchdog
    ) -> bytes:
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
            if watchdog.fired or self._clock.monotonic() > deadline:
                raise self._timed_out(sn)
        return b"".join(chunks)

    def _timed_out(self, sn: str) -> NetworkError:
        return NetworkError(
            _(
                "SolaX Cloud ({host}) did not answer within {deadline:g} seconds. solaxtray will "
                "try again later."
            ).format(host=self.host, deadline=self.deadline),
            sn=sn,
            title=_("SolaX Cloud not answering"),
        )

    def _too_large(self, sn: str) -> MalformedResponse:
        return MalformedResponse(
            _(
                "The server {host} sent far more data than a SolaX Cloud answer holds (over "
                "{size} KiB), so solaxtray stopped reading. Check the server address in the "
                "settings."
            ).format(host=self.host, size=self.max_bytes // 1024),
            sn=sn,
        )

    def translate(self, exc: BaseException, sn: str, *, deadline_passed: bool = False) -> ApiError:
        """One NetworkError (or ApiError) with a fixed sentence for a transport exception.

        ``deadline_passed``: the watchdog shut the connection, so whatever broke was the deadline.
        """
        chain = exception_chain(exc)
        host = self.host
        if any(isinstance(e, ApiError) for e in chain):
            return next(e for e in chain if isinstance(e, ApiError))
        if deadline_passed:
            return self._timed_out(sn)
        if any(isinstance(e, UnicodeError) for e in chain) and not any(
            isinstance(e, UnicodeEncodeError) and e.encoding == "latin-1" for e in chain
        ):
            # The host name cannot be encoded for a look-up (a label over 63 characters, say).
            return NetworkError(
                _(
                    "The server name {host} cannot be looked up: it is not a valid host name. Check "
                    "the server address."
                ).format(host=host),
                sn=sn,
            )
        if any(isinstance(e, UnicodeError) for e in chain):
            # http.client sends headers as Latin-1: an access token (or a tokenId) with other
            # characters cannot be sent at all. Nothing reached the server.
            return MalformedResponse(
                _(
                    "The request to {host} could not be sent because a value in it (such as an "
                    "access token from the server) holds characters that cannot travel in an HTTP "
                    "request. solaxtray will try again later."
                ).format(host=host),
                sn=sn,
                title=_("Request could not be sent"),
            )
        if any(
            isinstance(e, requests.exceptions.SSLError | ssl.SSLError | urllib3.exceptions.SSLError)
            for e in chain
        ):
            return NetworkError(
                _(
                    "The secure connection to {host} could not be verified, so nothing was sent. The "
                    "computer's date may be wrong, or a network device is intercepting HTTPS."
                ).format(host=host),
                sn=sn,
                title=_("Secure connection failed"),
            )
        if any(
            isinstance(e, urllib3.exceptions.NameResolutionError | socket.gaierror) for e in chain
        ):
            return NetworkError(
                _(
                    "The server name {host} could not be found. Check that this computer is "
                    "connected to the internet."
                ).format(host=host),
                sn=sn,
            )
        if any(
            isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
            for e in chain
        ):
            return NetworkError(
                _(
                    "This computer has no network route to {host}. Check the internet connection."
                ).format(host=host),
                sn=sn,
            )
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or any(
            isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain
        ):
            return NetworkError(
                _(
                    "The server {host} refused the connection. SolaX Cloud may be down, or the "
                    "server address in the settings may be wrong."
                ).format(host=host),
                sn=sn,
            )
        # After the refusals: urllib3's NewConnectionError is, for history's sake, a subclass of
        # its ConnectTimeoutError, so a refused port would otherwise read as a timeout.
        if any(
            isinstance(e, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError)
            for e in chain
        ):
            return self._timed_out(sn)
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
                _(
                    "The connection to {host} broke off before the answer was complete. solaxtray "
                    "will try again later."
                ).format(host=host),
                sn=sn,
                title=_("Connection interrupted"),
            )
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return MalformedResponse(
                _(
                    "The answer from {host} could not be decompressed. solaxtray will try again "
                    "later."
                ).format(host=host),
                sn=sn,
            )
        if not isinstance(exc, requests.RequestException | urllib3.exceptions.HTTPError | OSError):
            logger.warning(
                "Request for %s failed with an unexpected %s: %s",
                sn,
                type(exc).__name__,
                redact(str(exc)),
            )
        return NetworkError(
            _("The request to {host} failed ({error}). solaxtray will try again later.").format(
                host=host, error=type(exc).__name__
            ),
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
