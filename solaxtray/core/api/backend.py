"""The one interface the app polls through, whichever SolaX API the user has. Qt-free.

Existing accounts have a tokenId (one request per registration number); accounts made since
September 2026 have a Developer API client id and secret (up to ten inverters per request). Both
give the same ``Snapshot`` and the same ``ApiError`` kinds, so the scheduler, the alerts and the UI
need not know which one is in use. What differs, and what the scheduler must honour per backend,
is said by the backend itself: how many serials one request carries, how many requests a round
costs, and the budget to keep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from solaxtray.core.api.registry import BackendKind, kind_of
from solaxtray.core.api.servers import DEFAULT_API_URL
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.api.transport import DEFAULT_TIMEOUT
from solaxtray.core.clock import Clock
from solaxtray.core.errors import ApiError, ConfigError, NetworkError, RateLimited, TokenRejected
from solaxtray.core.i18n import _
from solaxtray.core.models import Snapshot
from solaxtray.core.quota import MAX_PER_DAY, MAX_PER_MINUTE

if TYPE_CHECKING:
    from solaxtray.core.api.developer.client import TokenCache

TOKEN_BACKEND: str = BackendKind.TOKEN.value
DEVELOPER_BACKEND: str = BackendKind.DEVELOPER.value
BACKEND_KINDS: tuple[str, ...] = tuple(kind.value for kind in BackendKind)
"""The names ``make_backend`` (and the settings' ``backend`` key) accept, besides the registry's
aliases."""


@runtime_checkable
class RealtimeBackend(Protocol):
    """Realtime data for several serials of one account, one outcome per serial.

    ``per_minute`` / ``per_day`` are the request budget the scheduler (and its ``RequestLedger``)
    should keep for this backend; ``requests_for(n)`` is what one ``fetch_many`` of ``n`` serials
    normally costs, and ``requests_made`` counts what was really sent (retries and token requests
    included), so the ledger can be charged exactly.
    """

    @property
    def name(self) -> str: ...

    @property
    def max_serials_per_request(self) -> int: ...

    @property
    def per_minute(self) -> int: ...

    @property
    def per_day(self) -> int: ...

    @property
    def requests_made(self) -> int: ...

    def requests_for(self, count: int) -> int: ...

    def fetch_many(self, serials: Sequence[str]) -> dict[str, Snapshot | ApiError]:
        """One outcome per serial (whitespace stripped, duplicates once), never raising an
        ApiError: each failure is returned, with ``.sn`` set, in the place of its serial."""
        ...

    def close(self) -> None: ...


FetchFn = Callable[[str], Snapshot]
"""One serial's snapshot, raising ``ApiError``: ``SolaxClient.fetch`` or a stand-in."""


class TokenBackend:
    """The tokenId API as a ``RealtimeBackend``: one request per serial.

    After an error that concerns the token rather than the serial (rejected token, rate limit,
    no network) the remaining serials of the round get the same error without a request: with a
    rejected token every further request would count towards the hour-long ban (field notes).

    ``source`` is normally a ``SolaxClient``; tests and tools that have only a per-serial
    function use ``TokenBackend.from_fetch(fetch)`` and get the same rules, so nobody writes
    this adapter again.
    """

    name = TOKEN_BACKEND
    max_serials_per_request = 1
    per_minute = MAX_PER_MINUTE
    per_day = MAX_PER_DAY
    """The document's 10 a minute and 10,000 a day, with a margin (``ledger.py``)."""
    kind = BackendKind.TOKEN
    """Which API this is: what it can do beyond realtime data is its spec's (the registry's)."""

    def __init__(self, source: SolaxClient | FetchFn, *, name: str | None = None) -> None:
        self.client: SolaxClient | None = source if isinstance(source, SolaxClient) else None
        self._fetch: FetchFn = source.fetch if isinstance(source, SolaxClient) else source
        if name is not None:
            self.name = name
        self._requests = 0

    @classmethod
    def from_fetch(cls, fetch: FetchFn, *, name: str = "fetch") -> Self:
        """A backend over a plain ``sn -> Snapshot`` function; ``close()`` leaves the function
        alone, since whoever handed it in owns whatever it holds."""
        return cls(fetch, name=name)

    def __repr__(self) -> str:
        if self.client is None:
            return f"TokenBackend.from_fetch(name={self.name!r})"
        return f"TokenBackend({self.client!r})"

    def __enter__(self) -> Self:
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
        """Requests sent, at most: a serial refused before sending (malformed) counts too."""
        return self._requests

    def requests_for(self, count: int) -> int:
        return max(0, count)

    def fetch_many(self, serials: Sequence[str]) -> dict[str, Snapshot | ApiError]:
        if isinstance(serials, str):  # one serial, not a sequence of characters
            serials = [serials]
        outcomes: dict[str, Snapshot | ApiError] = {}
        stop: ApiError | None = None
        for sn in dict.fromkeys(s.strip() for s in serials):
            if stop is not None:
                outcomes[sn] = stop.for_serial(sn)
                continue
            self._requests += 1
            try:
                outcomes[sn] = self._fetch(sn)
            except ApiError as error:
                if error.sn is None:  # "" is deliberate: a serial that looked like a token
                    error.sn = sn
                outcomes[sn] = error
                if isinstance(error, TokenRejected | RateLimited | NetworkError):
                    stop = error
        return outcomes

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def normalise_backend_kind(kind: str) -> str:
    """``token`` or ``developer`` for any spelling the registry accepts; ConfigError otherwise."""
    return kind_of(kind).value


def make_backend(
    kind: str,
    *,
    api_url: str | None = None,
    token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    clock: Clock | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    token_cache: TokenCache | None = None,
) -> RealtimeBackend:
    """The backend for the user's choice. ``api_url`` is the tokenId server (name or address,
    default ``www``) for ``token``, or the Developer API region (``eu``, ``cn``, ``in``) or
    address for ``developer`` (default ``eu``). Raises ConfigError when a credential is missing."""
    kind = normalise_backend_kind(kind)
    if kind == TOKEN_BACKEND:
        if not token:
            raise ConfigError(
                _(
                    "No token is set. Copy the tokenId from the API page of your SolaX Cloud account."
                )
            )
        client = SolaxClient(
            token, api_url=api_url or DEFAULT_API_URL, timeout=timeout, clock=clock
        )
        return TokenBackend(client)
    if not client_id or not client_secret:
        raise ConfigError(
            _(
                "The Developer API needs both a client id and a client secret. Copy them from "
                "your application on the SolaX Developer Platform (developer.solaxcloud.com)."
            )
        )
    # Imported here: the tokenId API's users (and the tray's start) never load the Developer
    # API client, its parsing and its regions (benchmarks/memory.py).
    from solaxtray.core.api.developer.client import DEFAULT_REGION, DeveloperClient

    return DeveloperClient(
        client_id,
        client_secret,
        host=api_url or DEFAULT_REGION,
        timeout=timeout,
        clock=clock,
        token_cache=token_cache,
    )
