"""The SolaX Developer API client: OAuth2 client credentials, up to ten inverters per request. Qt-free.

Since September 2026 new SolaX Cloud accounts get a client id and secret instead of a tokenId. What
this module relies on, with links, is in ``docs/developer-api.md``; in short:

- ``POST {host}/openapi/auth/oauth/token`` (form: ``client_id``, ``client_secret``,
  ``grant_type=client_credentials``) answers ``code`` 0 and ``result.access_token`` /
  ``result.expires_in`` (about 30 days). There is no refresh token, and a new token request makes
  the previous token invalid: so the token is kept, renewed a little before it expires, and renewed
  once when the cloud rejects it (another program with the same application may have renewed it),
  never in a loop.
- ``GET {host}/openapi/v2/device/realtime_data?snList=A,B&deviceType=1&businessType=1`` with
  ``Authorization: bearer <token>`` answers ``code`` 10000 and a list, one object per inverter
  (``deviceType=2&requestSnType=1`` gives the batteries of those inverters). The serials are the
  inverters' own serial numbers, not the dongles' registration numbers.

The transport rules are ``transport.HttpTransport``'s, the same as for the tokenId API. The client
secret and the access token are registered with ``redact`` and never appear in a message, a log
line or a repr.

Over 500 lines: sign-in, the access-token cache and the realtime, alarm and inventory requests of
one API share one session and one translation of its errors.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from solaxtray.core.alarms import InverterAlarm, parse_alarm_page
from solaxtray.core.api.developer.parsing import (
    CREDENTIAL_WORDS,
    DATA_OK_CODE,
    REJECTED_TOKEN_CODES,
    TOKEN_OK_CODE,
    credentials_rejected,
    data_error,
    lower_keys,
    match_batteries,
    match_inverters,
    snapshot_from_developer,
    token_endpoint_error,
    token_still_rejected,
)
from solaxtray.core.api.developer.regions import (
    DEFAULT_REGION,
    REGION_HOSTS,
    resolve_developer_host,
)
from solaxtray.core.api.developer.token_cache import MemoryTokenCache, TokenCache
from solaxtray.core.api.registry import BackendKind
from solaxtray.core.api.tokenid.parsing import (
    UnreadableValue,
    as_code,
    as_number,
    decode_object,
    show_sn,
)
from solaxtray.core.api.transport import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, HttpTransport, Reply
from solaxtray.core.clock import Clock, SystemClock, to_datetime
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    MalformedResponse,
    NetworkError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.models import Snapshot
from solaxtray.core.quota import MAX_PER_DAY, MAX_PER_MINUTE
from solaxtray.core.redact import looks_like_token, register_secret

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_REGION",
    "REGION_HOSTS",
    "DeveloperClient",
    "MemoryTokenCache",
    "TokenCache",
    "resolve_developer_host",
]

TOKEN_PATH = "/openapi/auth/oauth/token"  # noqa: S105 - a path, not a secret
REALTIME_PATH = "/openapi/v2/device/realtime_data"
DEVICE_PAGE_PATH = "/openapi/v2/device/page_device_info"
"""The inventory: the application's devices, one page per request (see ``core/discovery.py``)."""

MAX_SERIALS_PER_REQUEST = 10
"""The most serials one realtime request may name (field notes)."""
DEVICE_TYPE_INVERTER = "1"
DEVICE_TYPE_BATTERY = "2"
BUSINESS_TYPE_RESIDENTIAL = "1"
REQUEST_SN_TYPE_INVERTER = "1"
"""With ``deviceType=2``: the serials in ``snList`` are inverters, answer with their batteries."""
ALARM_PATH = "/openapi/v2/alarm/page_alarm_info"
"""SolaX's alarm list, asked once when an inverter goes into fault (``core/alarms.py``)."""
ALARM_STATE_OPEN = "1"
ALARM_PAGE_SIZE = "10"


PER_MINUTE = MAX_PER_MINUTE
PER_DAY = MAX_PER_DAY
"""The budget the scheduler should keep for this API, in requests.

No public source states the Developer API's limits: one client paces itself at about 100 calls a
minute, another assumes 10 a minute, and code 10405 says a call allowance exists without saying
its size. Until SolaX documents them, the tokenId API's documented limits (10 a minute, 10,000 a
day) with the same margin are the safe guess. Batching makes them go far: ten inverters with
batteries cost two requests per round.
"""

RENEW_MARGIN_S = 300.0
"""Renew the access token this long before it expires (at most a tenth of its lifetime)."""
DEFAULT_LIFETIME_S = 3600.0
"""Assumed lifetime when the token answer gives none: short, so a wrong guess costs one renewal."""
MIN_LIFETIME_S = 600.0
"""The shortest lifetime believed: a token the cloud says expires in under ten minutes is still
used for ten minutes (less the renewal margin) unless the cloud rejects it first; a rejection is
then renewed once per round, as for any token. Without it an answer like ``expires_in: 0.001``
would cost a sign-in before every request. Ten minutes bounds that to about 150 sign-ins a day
(1.5 % of the daily quota) even if every answer said so, and the real lifetime is 30 days."""
MAX_LIFETIME_S = 90 * 86400.0
"""The longest lifetime believed (the real one is 30 days): a token that claims to live for ages
is still renewed now and then, and its expiry stays an ordinary number."""
BATTERY_REPROBE_S = 6 * 3600.0
"""How long an inverter that answered without a battery is asked without one (a battery may be
added later)."""

_SERIAL = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(slots=True)
class _Round:
    """What one ``fetch_many`` call has done about the token: at most one renewal per call."""

    renewed: bool = False
    fetched_here: bool = False
    stop: ApiError | None = None
    """An error that concerns the whole account: later requests of this call are not sent."""


class DeveloperClient:
    """Realtime snapshots from the Developer API for the inverters of one application.

    ``fetch_many`` asks for up to ten inverters per request, plus one request for their batteries
    (``battery=True``, the default). Left out of that request: inverters that answered without a
    battery, for ``BATTERY_REPROBE_S``, and inverters that have not uploaded since their battery
    was last asked (the last answer is used again). Calls are serialised; it may be used from a
    worker thread.
    """

    name = "developer"
    max_serials_per_request = MAX_SERIALS_PER_REQUEST
    per_minute = PER_MINUTE
    per_day = PER_DAY
    kind = BackendKind.DEVELOPER
    """Which API this is: its spec (the registry) says it lists alarms (``alarms``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        host: str = DEFAULT_REGION,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Clock | None = None,
        battery: bool = True,
        token_cache: TokenCache | None = None,
    ) -> None:
        self._client_id = _checked_credential(client_id, N_("client id"))
        self._client_secret = _checked_credential(client_secret, N_("client secret"))
        register_secret(self._client_secret)
        self.base_url = resolve_developer_host(host)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._transport = HttpTransport(
            self.base_url,
            timeout=timeout,
            max_bytes=max_bytes,
            clock=self._clock,
            carried=N_("your access token"),
        )
        self._battery = battery
        self._cache: TokenCache = token_cache if token_cache is not None else MemoryTokenCache()
        self._lock = threading.Lock()
        self._no_battery: dict[str, float] = {}
        self._last_batteries: dict[str, tuple[str, list[Mapping[str, Any]]]] = {}
        self._solo: set[str] = set()
        self._requests = 0
        self._token_requests = 0

    def __repr__(self) -> str:
        return f"DeveloperClient(base_url={self.base_url!r}, battery={self._battery})"

    def __enter__(self) -> DeveloperClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def requests_made(self) -> int:
        """Every HTTP request sent so far, token requests included: what the quota was charged."""
        return self._requests

    @property
    def token_requests(self) -> int:
        """Token requests sent so far (the first, renewals before expiry, renewals on rejection)."""
        return self._token_requests

    def requests_for(self, count: int) -> int:
        """Realtime requests one ``fetch_many`` of ``count`` serials normally costs, at most.

        A token request comes on top about once a month, and once after a rejected token.
        """
        batches = math.ceil(max(0, count) / MAX_SERIALS_PER_REQUEST)
        return batches * (2 if self._battery else 1)

    def sign_in(self) -> bool:
        """Check the client id and secret without naming an inverter: ask for an access token
        (one request) unless the token cache holds one still valid. Returns whether a request
        was sent; raises ApiError when the sign-in is refused or fails.

        Why not always ask: a new token replaces the one another process (the running app) polls
        with, so a token that is still valid is proof enough that the credentials were accepted.
        """
        with self._lock:
            cached = self._cache.load()
            if cached is not None and not self._expiring(cached[1]):
                return False
            self._request_token()
            return True

    def close(self) -> None:
        """Close the pooled connections. The client must not be used afterwards."""
        self._transport.close()

    def fetch(self, sn: str) -> Snapshot:
        """One inverter: its snapshot, or its ApiError raised."""
        outcome = self.fetch_many([sn])[sn.strip()]
        if isinstance(outcome, ApiError):
            raise outcome
        return outcome

    def alarms(self, sn: str) -> list[InverterAlarm]:
        """The open alarms of one inverter, newest first: one request to the alarm list (plus
        a token request when none is held), with the realtime requests' token handling. Raises
        an ApiError. Only the first page is read: the newest open alarm is what a fault needs.

        SolaX's public sources disagree on whether ``plantId`` is required; we know only the
        serial, so a refusal is an ApiError and the caller says where else the code is shown.
        """
        sn = sn.strip()
        problem = self._serial_problem(sn)
        if problem is not None:
            raise problem
        params = {
            "deviceSn": sn,
            "businessType": BUSINESS_TYPE_RESIDENTIAL,
            "alarmState": ALARM_STATE_OPEN,
            "pageNo": "1",
            "pageSize": ALARM_PAGE_SIZE,
        }
        with self._lock:
            envelope = self._ask(params, sn, _Round(), ALARM_PATH)
        return parse_alarm_page(envelope.get("result"), sn)

    def fetch_many(self, serials: Sequence[str]) -> dict[str, Snapshot | ApiError]:
        """One outcome per serial (whitespace stripped, duplicates once), in the order given.

        Never raises an ApiError: every failure is returned in the place of the serials it
        concerns, each copy with its own ``.sn``. An error that concerns the whole application
        (credentials, rate limit, network, server) stops the requests of this call.
        """
        if isinstance(serials, str):  # one serial, not a sequence of characters
            serials = [serials]
        order = list(dict.fromkeys(s.strip() for s in serials))
        outcomes: dict[str, Snapshot | ApiError] = {}
        valid: list[str] = []
        for sn in order:
            problem = self._serial_problem(sn)
            if problem is None:
                valid.append(sn)
            else:
                outcomes[sn] = problem
        with self._lock:
            state = _Round()
            for batch in self._batches(valid):
                if state.stop is not None:
                    outcomes.update({sn: state.stop.for_serial(sn) for sn in batch})
                    continue
                outcomes.update(self._fetch_batch(batch, state))
        return {sn: outcomes[sn] for sn in order}

    # -- batches ------------------------------------------------------------------------------

    def _batches(self, serials: list[str]) -> list[list[str]]:
        """Serials SolaX refused when asked together go alone; the rest in tens."""
        together = [sn for sn in serials if sn not in self._solo]
        alone = [[sn] for sn in serials if sn in self._solo]
        step = MAX_SERIALS_PER_REQUEST
        return [together[i : i + step] for i in range(0, len(together), step)] + alone

    def _fetch_batch(self, batch: list[str], state: _Round) -> dict[str, Snapshot | ApiError]:
        outcomes: dict[str, Snapshot | ApiError] = {}
        matched = self._inverters(batch, state, outcomes)
        fetched_at = to_datetime(self._clock.now())
        batteries = self._batteries([sn for sn in batch if sn in matched], matched, state)
        for sn in batch:
            if sn in outcomes:
                continue
            item = matched.get(sn)
            if item is None:
                outcomes[sn] = SerialNotReporting(
                    _(
                        "SolaX Cloud sent no data for {sn}. Check that it is the inverter's own serial "
                        "number (not the dongle's registration number) and that the inverter shows as "
                        "online in the SolaX Cloud app."
                    ).format(sn=show_sn(sn)),
                    sn=sn,
                )
                continue
            try:
                outcomes[sn] = snapshot_from_developer(
                    item, batteries.get(sn, ()), sn=sn, fetched_at=fetched_at
                )
            except ApiError as error:  # one inverter's corrupt object spoils only its reading
                outcomes[sn] = error
        return outcomes

    def _inverters(
        self, batch: list[str], state: _Round, outcomes: dict[str, Snapshot | ApiError]
    ) -> dict[str, Mapping[str, Any]]:
        """The inverter objects of ``batch`` by serial; failures go into ``outcomes``."""
        try:
            return match_inverters(self._realtime(batch, DEVICE_TYPE_INVERTER, state), batch)
        except ApiError as error:
            if not (isinstance(error, SerialUnknown) and len(batch) > 1):
                outcomes.update({sn: error.for_serial(sn) for sn in batch})
                return {}
        # One serial the application may not read spoils the request for all of them: ask each
        # alone, once, and keep the refused ones out of later batches.
        logger.info("Developer API refused a batch of %d: asking each alone", len(batch))
        matched: dict[str, Mapping[str, Any]] = {}
        for sn in batch:
            if state.stop is not None:
                outcomes[sn] = state.stop.for_serial(sn)
                continue
            found = self._inverters([sn], state, outcomes)
            matched.update(found)
            if isinstance(outcomes.get(sn), SerialUnknown):
                self._solo.add(sn)
        return matched

    def _batteries(
        self, serials: list[str], matched: Mapping[str, Mapping[str, Any]], state: _Round
    ) -> dict[str, list[Mapping[str, Any]]]:
        """The battery objects of the inverters that may have one; one request for all."""
        if not self._battery or state.stop is not None:
            return {}
        now = self._clock.now()
        found: dict[str, list[Mapping[str, Any]]] = {}
        wanted: list[str] = []
        for sn in serials:
            if sn in self._no_battery and now - self._no_battery[sn] < BATTERY_REPROBE_S:
                continue
            upload = _upload_key(matched[sn])
            last = self._last_batteries.get(sn)
            if upload is not None and last is not None and last[0] == upload:
                found[sn] = last[1]  # no new upload since: its battery has nothing new either
            else:
                wanted.append(sn)
        if not wanted:
            return found
        try:
            items = self._realtime(
                wanted, DEVICE_TYPE_BATTERY, state, request_sn_type=REQUEST_SN_TYPE_INVERTER
            )
        except SerialUnknown:
            # SolaX refuses battery data for inverters without one: not worth an error.
            items = []
        except ApiError as error:
            logger.info("Battery data not available this round: %s", error.title)
            if _is_account_wide(error):
                state.stop = error
            return found
        asked = match_batteries(items, wanted, matched)
        for sn in wanted:
            batteries = asked.get(sn)
            upload = _upload_key(matched[sn])
            if batteries:
                self._no_battery.pop(sn, None)
                found[sn] = batteries
                if upload is not None:
                    self._last_batteries[sn] = (upload, batteries)
            else:
                self._no_battery[sn] = now
                self._last_batteries.pop(sn, None)
        return found

    # -- the token ----------------------------------------------------------------------------

    def _current_token(self, state: _Round) -> str:
        cached = self._cache.load()
        if cached is not None and not usable_access_token(cached[0]):
            logger.info("Cached Developer API access token cannot be sent: asking for a new one")
            cached = None
        if cached is not None and not self._expiring(cached[1]):
            return cached[0]
        if cached is not None:
            logger.info("Developer API access token expires soon: renewing it")
        state.fetched_here = True
        return self._request_token()

    def _expiring(self, expires_at: float) -> bool:
        return self._clock.now() >= expires_at

    def _request_token(self) -> str:
        self._requests += 1
        self._token_requests += 1
        reply = self._transport.send(
            "POST",
            self.base_url + TOKEN_PATH,
            sn="",
            data={
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "grant_type": "client_credentials",
            },
        )
        if reply.status in (400, 401, 403) and not reply.body.strip().startswith(b"{"):
            raise credentials_rejected("")
        envelope = decode_object(reply.body, "")
        code = as_code(envelope.get("code"))
        if code != TOKEN_OK_CODE:
            if code is None and reply.status in (400, 401, 403):
                raise credentials_rejected("")
            raise token_endpoint_error(envelope, code)
        result = envelope.get("result")
        token = result.get("access_token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise MalformedResponse(
                _(
                    "SolaX Cloud's answer to the sign-in of the Developer API held no access token. "
                    "solaxtray will try again later."
                ),
                sn="",
            )
        token = token.strip()
        if not usable_access_token(token):
            # It could not travel in an HTTP header (Latin-1 at most; an OAuth2 token is ASCII).
            raise MalformedResponse(
                _(
                    "SolaX Cloud's answer to the sign-in of the Developer API held an access token "
                    "with characters no access token has. solaxtray will try again later."
                ),
                sn="",
            )
        register_secret(token)
        try:
            lifetime = as_number(result.get("expires_in")) if isinstance(result, dict) else None
        except UnreadableValue:
            raise MalformedResponse(
                _(
                    "SolaX Cloud's answer to the sign-in of the Developer API gave a lifetime for "
                    "the access token far beyond any real one. solaxtray will try again later."
                ),
                sn="",
            ) from None
        if lifetime is None or lifetime <= 0:
            lifetime = DEFAULT_LIFETIME_S
        lifetime = min(max(lifetime, MIN_LIFETIME_S), MAX_LIFETIME_S)
        margin = min(RENEW_MARGIN_S, lifetime / 10.0)
        self._cache.save(token, self._clock.now() + lifetime - margin)
        logger.info("Developer API access token obtained (valid for %.0f s)", lifetime)
        return token

    def _renewed_token(self, rejected: str, state: _Round) -> str | None:
        """A token to try once more after ``rejected`` was refused, or None when renewing cannot
        help (it was obtained in this very call, or this call renewed already)."""
        if state.renewed or state.fetched_here:
            return None
        state.renewed = True
        cached = self._cache.load()
        if cached is not None and cached[0] != rejected and not self._expiring(cached[1]):
            logger.info("Developer API access token was renewed elsewhere: using that one")
            return cached[0]
        logger.info("Developer API access token rejected: renewing it once")
        self._cache.clear()
        state.fetched_here = True
        return self._request_token()

    # -- the realtime request -----------------------------------------------------------------

    def _realtime(
        self,
        batch: list[str],
        device_type: str,
        state: _Round,
        *,
        request_sn_type: str | None = None,
    ) -> list[Mapping[str, Any]]:
        label = batch[0] if len(batch) == 1 else ""
        params = {
            "snList": ",".join(batch),
            "deviceType": device_type,
            "businessType": BUSINESS_TYPE_RESIDENTIAL,
        }
        if request_sn_type is not None:
            params["requestSnType"] = request_sn_type
        try:
            envelope = self._ask(params, label, state)
        except ApiError as error:
            if _is_account_wide(error):
                state.stop = error
            raise
        result = envelope.get("result")
        if result is None:
            return []
        if isinstance(result, dict):
            result = [result]
        if not isinstance(result, list):
            raise MalformedResponse(
                _(
                    "SolaX Cloud's Developer API answer held no list of devices. solaxtray will try "
                    "again later."
                ),
                sn=label,
            )
        return [item for item in result if isinstance(item, dict)]

    def _ask(
        self, params: Mapping[str, str], label: str, state: _Round, path: str = REALTIME_PATH
    ) -> dict[str, Any]:
        """The answer to one data request, under the token rule: a rejected token is renewed
        once per round and the request repeated once; rejected again, the cached token is
        dropped and TokenRejected raised, never a loop. Any other failure raises its ApiError."""
        token = self._current_token(state)
        reply = self._get(params, token, label, path)
        envelope, code = _read(reply, label)
        if _token_refused(reply, code):
            renewed = self._renewed_token(token, state)
            if renewed is None:
                self._cache.clear()
                raise token_still_rejected(label)
            reply = self._get(params, renewed, label, path)
            envelope, code = _read(reply, label)
            if _token_refused(reply, code):
                self._cache.clear()
                raise token_still_rejected(label)
        if code != DATA_OK_CODE:
            raise data_error(envelope, code, label)
        return envelope

    def _get(
        self, params: Mapping[str, str], token: str, label: str, path: str = REALTIME_PATH
    ) -> Reply:
        self._requests += 1
        return self._transport.send(
            "GET",
            self.base_url + path,
            sn=label,
            params=params,
            headers={"Authorization": f"bearer {token}"},
        )

    def device_page(self, page: int, size: int) -> object:
        """The ``result`` of one page of the application's inverters (``page_device_info``), one
        request (plus a token request when none is held), with the realtime requests' token
        handling. Raises an ApiError; reading the page is ``discovery.parse_device_page``'s job.

        The paging parameter names are not documented publicly: both common spellings are sent.
        """
        params = {
            "deviceType": DEVICE_TYPE_INVERTER,
            "businessType": BUSINESS_TYPE_RESIDENTIAL,
            "current": str(page),
            "size": str(size),
            "pageNo": str(page),
            "pageSize": str(size),
        }
        with self._lock:
            result: object = self._ask(params, "", _Round(), DEVICE_PAGE_PATH).get("result")
            return result

    def _serial_problem(self, sn: str) -> ApiError | None:
        """Refuse, without spending a request, what cannot be an inverter serial."""
        if sn in (self._client_id, self._client_secret) or looks_like_token(sn):
            return SerialUnknown(
                _(
                    "The serial number looks like a credential. Enter the inverter's own serial "
                    "number, printed on its label, as the serial number."
                ),
                sn="",
            )
        if not _SERIAL.fullmatch(sn):
            shown = "".join(c for c in sn if c.isprintable())[:40]
            return SerialUnknown(
                _(
                    "“{shown}” is not a serial number. Enter the inverter's own serial number, "
                    "printed on its label (letters and digits only)."
                ).format(shown=shown),
                sn=sn,
            )
        return None


# -- reading answers --------------------------------------------------------------------------


def _read(reply: Reply, label: str) -> tuple[dict[str, Any], int | None]:
    if reply.status == 401 and not reply.body.strip().startswith(b"{"):
        return {}, None
    if reply.status == 404:
        raise ServerError(
            _(
                "The Developer API server has no realtime data at this address (HTTP 404). Check "
                "the Developer API server in the settings."
            ),
            sn=label,
            title=_("Wrong server address"),
        )
    envelope = decode_object(reply.body, label)
    return envelope, as_code(envelope.get("code"))


def _token_refused(reply: Reply, code: int | None) -> bool:
    return reply.status == 401 or code in REJECTED_TOKEN_CODES


# -- errors -----------------------------------------------------------------------------------


def _upload_key(inverter: Mapping[str, Any]) -> str | None:
    """What tells one upload of an inverter from the next (its data time), or None if unknown.

    The dongle uploads the inverter and its battery together, so while this is unchanged a
    battery request would only repeat the last answer: one request a round saved.
    """
    fields = lower_keys(inverter)
    for key in ("datatime", "plantlocaltime"):
        value = fields.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                return f"{key}={text}"
    return None


def _is_account_wide(error: ApiError) -> bool:
    """Errors that would repeat for every other request of this round: stop asking."""
    return isinstance(error, TokenRejected | RateLimited | NetworkError | ServerError)


def usable_access_token(token: str) -> bool:
    """Whether ``token`` can be sent as ``Authorization: bearer <token>``: printable ASCII
    without spaces, as every OAuth2 bearer token is."""
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


def _checked_credential(value: object, what: str) -> str:
    """The client id or secret as sent, or a ConfigError naming the problem (never the value)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            _("No Developer API {what} is set. {advice}").format(
                what=_(what), advice=_(CREDENTIAL_WORDS)
            ),
        )
    value = value.strip()
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise ConfigError(
            _(
                "The Developer API {what} contains spaces or characters it never has. {advice}"
            ).format(what=_(what), advice=_(CREDENTIAL_WORDS))
        )
    return value
