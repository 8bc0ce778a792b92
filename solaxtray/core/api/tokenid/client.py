"""The SolaX Cloud realtime client: one HTTPS request per serial, every failure one ApiError. Qt-free.

The transport rules (HTTPS only, no redirects, a size cap and a deadline, library exceptions
translated with their URL masked, urllib3's loggers filtered) live in ``transport.py``, shared with
the Developer API client. Here: which request the tokenId API wants (v1 GET with ``tokenId`` in the
query, v2 POST with it in a header), a serial checked before it costs a request, and what a 4xx
body means.

Parsing is ``parsing.parse_realtime``'s job; this module only moves bytes and maps transport events.
"""

from __future__ import annotations

import logging
import re
import threading
from types import TracebackType
from urllib.parse import urljoin

from solaxtray.core.api.servers import (
    DEFAULT_API_URL,
    V1_ENDPOINT,
    check_transport,
    is_v2,
    resolve_api_url,
)
from solaxtray.core.api.tokenid.parsing import (
    classify_failure,
    parse_envelope,
    parse_realtime,
)
from solaxtray.core.api.transport import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    THIRD_PARTY_LOGGERS,
    HttpTransport,
    TransportDetail,
)
from solaxtray.core.clock import Clock, SystemClock, to_datetime
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    SerialUnknown,
    ServerError,
)
from solaxtray.core.i18n import _
from solaxtray.core.models import Snapshot
from solaxtray.core.redact import looks_like_token, register_secret

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "THIRD_PARTY_LOGGERS",
    "SolaxClient",
    "TransportDetail",
]

logger = logging.getLogger(__name__)

_SERIAL = re.compile(r"[A-Za-z0-9_-]{1,40}")


class SolaxClient:
    """Fetches realtime snapshots for the registration numbers of one token.

    One ``requests.Session`` (keep-alive to the cloud), one request at a time: ``fetch`` may be
    called from a worker thread, calls are serialised. The v1 GET or v2 POST protocol is chosen from
    ``api_url`` (see ``servers.is_v2``).
    """

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Clock | None = None,
    ) -> None:
        self._token = _checked_token(token)
        register_secret(self._token)
        self.api_url = resolve_api_url(api_url)
        check_transport(self.api_url)
        self._v2 = is_v2(self.api_url)
        self._endpoint = self.api_url if self._v2 else urljoin(self.api_url, V1_ENDPOINT)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.Lock()
        self._transport = HttpTransport(
            self.api_url, timeout=timeout, max_bytes=max_bytes, clock=self._clock
        )
        self._host = self._transport.host

    def __repr__(self) -> str:
        return f"SolaxClient(api_url={self.api_url!r}, v2={self._v2})"

    def __enter__(self) -> SolaxClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_v2(self) -> bool:
        """Whether this client speaks the v2 POST protocol."""
        return self._v2

    def close(self) -> None:
        """Close the pooled connections. The client must not be used afterwards."""
        self._transport.close()

    def fetch(self, sn: str) -> Snapshot:
        """One realtime request for the registration number ``sn``.

        Raises an ApiError subclass with ``.sn`` set: the message is ready to show to the user.
        Costs one request of the token's quota, except when ``sn`` cannot be a serial at all.
        """
        sn = sn.strip()
        _check_serial(sn, self._token)
        with self._lock:
            if self._v2:
                reply = self._transport.send(
                    "POST",
                    self._endpoint,
                    sn=sn,
                    json_body={"wifiSn": sn},
                    headers={"tokenId": self._token},
                )
            else:
                reply = self._transport.send(
                    "GET", self._endpoint, sn=sn, params={"tokenId": self._token, "sn": sn}
                )
        if not 200 <= reply.status < 300:
            raise self._status_error(reply.status, reply.body, sn)
        return parse_realtime(reply.body, sn=sn, fetched_at=to_datetime(self._clock.now()))

    def _status_error(self, status: int, body: bytes, sn: str) -> ApiError:
        """The error for a 4xx answer: a JSON failure body says more than the status does."""
        envelope = parse_envelope(body)
        if envelope is not None and ("success" in envelope or "code" in envelope):
            return classify_failure(envelope, sn=sn)
        if status == 404:
            return ServerError(
                _(
                    "The server {host} has no SolaX realtime data at this address (HTTP 404). Check "
                    "the server address in the settings."
                ).format(host=self._host),
                sn=sn,
                title=_("Wrong server address"),
            )
        return ServerError(
            _(
                "The server {host} refused the request (HTTP {status}). Check the server address "
                "in the settings."
            ).format(host=self._host, status=status),
            sn=sn,
        )


def _checked_token(token: object) -> str:
    """The token as sent, or a ConfigError that names the problem (never the value)."""
    if not isinstance(token, str):
        raise ConfigError(
            _(
                "The token must be kept as text. Enter the tokenId again exactly as SolaX Cloud "
                "shows it."
            )
        )
    token = token.strip()
    if not token:
        raise ConfigError(
            _("No token is set. Copy the tokenId from the API page of your SolaX Cloud account.")
        )
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ConfigError(
            _(
                "The token contains spaces or characters a SolaX Cloud tokenId never has. Copy "
                "it again from the API page of your SolaX Cloud account."
            )
        )
    return token


def _check_serial(sn: str, token: str) -> None:
    """Refuse, without spending a request, a serial that cannot be one.

    Invalid requests count towards the cloud's hour-long ban (field notes: one user was banned
    after a few requests with token and serial swapped).
    """
    if sn == token or looks_like_token(sn):
        raise SerialUnknown(
            _(
                "The serial number looks like a token. Enter the 10-character registration "
                "number printed on the Pocket WiFi, LAN or 4G dongle as the serial number."
            ),
            sn="",
        )
    if not _SERIAL.fullmatch(sn):
        shown = "".join(c for c in sn if c.isprintable())[:40]
        raise SerialUnknown(
            _(
                "“{shown}” is not a serial number. Enter the 10-character registration number "
                "printed on the Pocket WiFi, LAN or 4G dongle (letters and digits only)."
            ).format(shown=shown),
            sn=sn,
        )
