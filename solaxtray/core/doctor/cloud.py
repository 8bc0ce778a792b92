"""Checks that ask the cloud: credentials accepted, the right server, and the answers about each
serial that ``serials`` judges. Qt-free.

Every request goes through the doctor's ``RequestBudget`` (at most ``MAX_REQUESTS`` per run,
each counted in the shared request ledger). A check that would need a request beyond it says so
as a warning instead of sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from solaxtray.core.api.developer.client import (
    DEFAULT_REGION,
    REGION_HOSTS,
    DeveloperClient,
    TokenCache,
    resolve_developer_host,
)
from solaxtray.core.api.registry import Capability, spec_of
from solaxtray.core.api.servers import DEFAULT_API_URL, KNOWN_SERVERS, resolve_api_url
from solaxtray.core.clock import Clock
from solaxtray.core.context import Credentials, credentials_from_env
from solaxtray.core.discovery import DeviceInfo, discover_inverters, registration_map
from solaxtray.core.doctor.credentials import env_fix
from solaxtray.core.doctor.model import CheckResult, RequestBudget, Status, fail, ok, warn
from solaxtray.core.doctor.serials import Outcome, check_serial_shape, serial_checks
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    NetworkError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_number
from solaxtray.core.models import Snapshot

logger = logging.getLogger(__name__)

SERVER_ID = "server"
ACCEPTED_ID = "credentials-accepted"
MAX_SERVER_TRIES = 3
"""The configured server and at most two others: enough for the regional mix-ups users meet."""
TOKEN_API_ALTERNATIVES: tuple[str, ...] = (
    KNOWN_SERVERS["www"],
    KNOWN_SERVERS["v2-na"],
    KNOWN_SERVERS["v2-in"],
)
"""Where a tokenId refused by its server may belong: the global server and the two regional
portals whose tokens work nowhere else (field notes)."""
DEVELOPER_ALTERNATIVES: tuple[str, ...] = tuple(REGION_HOSTS)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class CloudTarget:
    """What the cloud checks ask, and where."""

    backend: str
    serials: tuple[str, ...]
    """As the user gave them (not yet validated: their shape is one of the checks)."""
    server: str = ""
    """The tokenId API's server name or address, or the Developer API's region or address;
    empty for the default."""
    alternatives: tuple[str, ...] | None = None
    """Other servers to try when the credentials are refused. None: the known regions, and only
    when the configured server is one of them (a white-label or private address is never
    swapped for SolaX's own)."""
    stale_minutes: int = 15
    timeout: float = 10.0
    token_cache: TokenCache | None = None
    """Where the Developer API's access token is shared with the tray app (None: memory)."""


@dataclass(frozen=True, slots=True)
class _Answered:
    """The account answered a request that named no serial (the inventory)."""


Answer = Outcome | _Answered


def _server_name(url: str) -> str:
    for name, known in KNOWN_SERVERS.items():
        if known == url:
            return name
    for name, known in REGION_HOSTS.items():
        if known == url:
            return name
    return url


# -- credentials and server -----------------------------------------------------------------------


def _not_checked(cid: str, title: str, why: str, fix: str) -> CheckResult:
    return warn(cid, title, _("Not checked: {why}").format(why=why), fix)


def _accepted(backend: str, server: str) -> CheckResult:
    what = _(spec_of(backend).wording.credentials_name)
    return ok(
        ACCEPTED_ID,
        _("Accepted by SolaX Cloud"),
        _("{server} accepted the {what}.").format(server=server, what=what),
    )


def _verdicts(
    backend: str,
    configured: str,
    first: Answer | None,
    found_on: str | None,
    tried: Sequence[str],
) -> list[CheckResult]:
    """The credentials and server results from the first answer and the regional tries."""
    wording = spec_of(backend).wording
    what = _(wording.credentials_name)
    name = _server_name(configured)
    setting = _(wording.server_option)
    if found_on is not None:
        other = _server_name(found_on)
        return [
            _accepted(backend, other),
            fail(
                SERVER_ID,
                _("Server"),
                _(
                    "The server {name} refused the {what}, but {other} accepted it: the account "
                    "belongs to that server."
                ).format(name=name, what=what, other=other),
                _("Choose the server {other} in the settings, or pass {setting} {other}.").format(
                    other=other, setting=setting
                ),
            ),
        ]
    if first is None:
        why = _("the doctor's request limit was reached.")
        return [
            _not_checked(ACCEPTED_ID, _("Accepted by SolaX Cloud"), why, _("Run the check later.")),
            _not_checked(SERVER_ID, _("Server"), why, _("Run the check later.")),
        ]
    if isinstance(first, TokenRejected):
        where = ", ".join(_server_name(t) for t in tried)
        fix = (
            env_fix(backend) if credentials_from_env(spec_of(backend)) else _(wording.rejected_fix)
        )
        return [
            fail(
                ACCEPTED_ID,
                _("Accepted by SolaX Cloud"),
                _("{message} (servers tried: {where}.)").format(message=first.message, where=where),
                fix,
            ),
            _not_checked(
                SERVER_ID,
                _("Server"),
                _("no server tried ({where}) accepted the {what}.").format(where=where, what=what),
                _("Fix the credentials first."),
            ),
        ]
    if isinstance(first, NetworkError | ServerError):
        return [
            _not_checked(
                ACCEPTED_ID,
                _("Accepted by SolaX Cloud"),
                _("the server {name} did not answer properly.").format(name=name),
                _("Fix the server problem first."),
            ),
            fail(
                SERVER_ID,
                _("Server"),
                first.message,
                _(
                    "Check the internet connection and the server in the settings, then run the "
                    "check again."
                ),
            ),
        ]
    if isinstance(first, RateLimited):
        return [
            _not_checked(
                ACCEPTED_ID,
                _("Accepted by SolaX Cloud"),
                first.message,
                _("Wait, then run it again."),
            ),
            _not_checked(SERVER_ID, _("Server"), first.message, _("Wait, then run it again.")),
        ]
    if isinstance(first, ApiError) and not isinstance(first, SerialUnknown | SerialNotReporting):
        return [
            _not_checked(
                ACCEPTED_ID,
                _("Accepted by SolaX Cloud"),
                first.message,
                _("Run the check again later."),
            ),
            _not_checked(SERVER_ID, _("Server"), first.message, _("Run the check again later.")),
        ]
    return [
        _accepted(backend, name),
        ok(
            SERVER_ID,
            _("Server"),
            _("The server {name} answers for this account.").format(name=name),
        ),
    ]


def _alternatives(configured: str, given: Sequence[str]) -> list[str]:
    out: list[str] = []
    for alt in given:
        if alt != configured and alt not in out:
            out.append(alt)
    return out[: MAX_SERVER_TRIES - 1]


# -- the tokenId API ------------------------------------------------------------------------------


def _token_cloud(
    target: CloudTarget,
    creds: Credentials,
    good: list[str],
    budget: RequestBudget,
    clock: Clock,
) -> tuple[list[CheckResult], dict[str, Outcome | None]]:
    from solaxtray.core.api.tokenid.client import SolaxClient

    configured = resolve_api_url(target.server or DEFAULT_API_URL)

    def ask(url: str, sn: str) -> Outcome | None:
        if not budget.allows(1):
            return None
        token = creds.token or ""
        client = SolaxClient(token, api_url=url, clock=clock, timeout=target.timeout)
        budget.spend(1, sn)
        try:
            with client:
                return client.fetch(sn)
        except ApiError as exc:
            return exc

    outcomes: dict[str, Outcome | None] = {}
    if not good:
        why = _("no serial number of the right shape to ask with.")
        fix = _("Fix the serial numbers first.")
        return (
            [
                _not_checked(ACCEPTED_ID, _("Accepted by SolaX Cloud"), why, fix),
                _not_checked(SERVER_ID, _("Server"), why, fix),
            ],
            outcomes,
        )
    probe = good[0]
    first: Outcome | None = ask(configured, probe)
    tried = [configured]
    found_on: str | None = None
    if isinstance(first, TokenRejected):
        alts = target.alternatives
        if alts is None:
            alts = TOKEN_API_ALTERNATIVES if configured in KNOWN_SERVERS.values() else ()
        for alt in _alternatives(configured, [resolve_api_url(a) for a in alts]):
            answer = ask(alt, probe)
            if answer is None:
                break
            tried.append(alt)
            if not isinstance(answer, TokenRejected | NetworkError | ServerError | RateLimited):
                found_on, first = alt, answer
                break
    results = _verdicts(target.backend, configured, first, found_on, tried)
    if results[0].status is not Status.OK:
        return results, outcomes
    outcomes[probe] = first
    working = found_on or configured
    for sn in good[1:]:
        answer = ask(working, sn)
        if answer is None:
            break
        outcomes[sn] = answer
    return results, outcomes


# -- the Developer API ----------------------------------------------------------------------------


def _dev_cloud(
    target: CloudTarget,
    creds: Credentials,
    good: list[str],
    *,
    need_inventory: bool,
    budget: RequestBudget,
    clock: Clock,
) -> tuple[list[CheckResult], dict[str, Outcome | None], list[DeviceInfo]]:
    configured = resolve_developer_host(target.server or DEFAULT_REGION)

    def client_for(host: str, cache: TokenCache | None) -> DeveloperClient:
        return DeveloperClient(
            creds.client_id or "",
            creds.client_secret or "",
            host=host,
            battery=False,
            clock=clock,
            timeout=target.timeout,
            token_cache=cache,
        )

    def measured(client: DeveloperClient, estimate: int, call: Callable[[], _T]) -> _T | None:
        if not budget.allows(estimate):
            return None
        before = client.requests_made
        try:
            return call()
        finally:
            budget.spend(client.requests_made - before, "doctor")

    def inventory(client: DeveloperClient) -> list[DeviceInfo] | ApiError | None:
        def page() -> list[DeviceInfo] | ApiError:
            try:
                return discover_inverters(client, max_pages=1)
            except ApiError as exc:
                return exc

        return measured(client, 2, page)

    def ask(client: DeveloperClient) -> dict[str, Outcome]:
        # Worst case: sign-in, the batch, a renewal and its repeat, then each serial alone.
        batch = good[: max(0, min(10, budget.left - 4))]
        if not batch:
            return {}
        return dict(measured(client, 4 + len(batch), lambda: client.fetch_many(batch)) or {})

    outcomes: dict[str, Outcome | None] = {}
    devices: list[DeviceInfo] = []
    client = client_for(configured, target.token_cache)
    first: Answer | None
    with client:
        if good:
            outcomes.update(ask(client))
            first = outcomes.get(good[0])
        else:
            listed = inventory(client)
            first = listed if isinstance(listed, ApiError) else None
            if isinstance(listed, list):
                devices = listed
                first = _Answered()
        accepted_here = first is not None and not isinstance(
            first, TokenRejected | NetworkError | ServerError | RateLimited
        )
        if accepted_here and need_inventory and not devices:
            listed = inventory(client)
            if isinstance(listed, list):
                devices = listed
    tried = [configured]
    found_on: str | None = None
    if isinstance(first, TokenRejected):
        alts = target.alternatives
        if alts is None:
            alts = DEVELOPER_ALTERNATIVES if configured in REGION_HOSTS.values() else ()
        outcomes = {}  # refused on the wrong server: what it said about each serial says nothing
        for alt in _alternatives(configured, [resolve_developer_host(a) for a in alts]):
            with client_for(alt, None) as other:
                listed = inventory(other)
                if isinstance(listed, list):
                    outcomes.update(ask(other))
            if listed is None:
                break
            tried.append(alt)
            if isinstance(listed, list):
                found_on = alt
                devices = listed
                first = _Answered()
                break
    results = _verdicts(target.backend, configured, first, found_on, tried)
    if results[0].status is not Status.OK:
        outcomes = {}
    return results, outcomes, devices


# -- everything -----------------------------------------------------------------------------------


def check_cloud(
    target: CloudTarget,
    creds: Credentials | None,
    budget: RequestBudget,
    clock: Clock,
) -> list[CheckResult]:
    """The credentials, server and per-serial results, in that order."""
    now = clock.now()
    shapes = [check_serial_shape(target.backend, sn) for sn in target.serials]
    good = [canonical for _given, canonical in shapes if canonical is not None]
    good = list(dict.fromkeys(good))
    if not target.serials:
        serial_result = fail(
            "serials",
            _("Serial numbers"),
            _("No serial number is set, so there is nothing to watch."),
            _(
                "Add your inverters in the settings ('solaxtray inverters --discover' lists them "
                "on the Developer API)."
            ),
        )
    else:
        serial_result = ok(
            "serials",
            _("Serial numbers"),
            ngettext(
                "{n} serial number set.", "{n} serial numbers set.", len(target.serials)
            ).format(n=format_number(len(target.serials))),
        )
    if creds is None:
        why = _("the credentials are not available.")
        fix = _("Fix the credentials first.")
        results = [
            _not_checked(ACCEPTED_ID, _("Accepted by SolaX Cloud"), why, fix),
            _not_checked(SERVER_ID, _("Server"), why, fix),
            serial_result,
        ]
        return results + [shape for shape, _canonical in shapes]
    try:
        if spec_of(target.backend).has(Capability.DISCOVERY):
            # The inventory maps dongles to inverters: the serials are checked against it.
            need_inventory = any(canonical is None for _given, canonical in shapes)
            head, outcomes, devices = _dev_cloud(
                target, creds, good, need_inventory=need_inventory, budget=budget, clock=clock
            )
            mapping = registration_map(devices)
            shapes = [check_serial_shape(target.backend, sn, mapping) for sn in target.serials]
        else:
            head, outcomes = _token_cloud(target, creds, good, budget, clock)
            carried = {
                o.inverter_sn.upper(): o.sn
                for o in outcomes.values()
                if isinstance(o, Snapshot) and o.inverter_sn
            }
            shapes = [check_serial_shape(target.backend, sn, carried) for sn in target.serials]
    except ConfigError as exc:
        results = [
            _not_checked(
                ACCEPTED_ID, _("Accepted by SolaX Cloud"), exc.message, _("Fix the server first.")
            ),
            fail(SERVER_ID, _("Server"), exc.message, _("Correct the server in the settings.")),
            serial_result,
        ]
        return results + [shape for shape, _canonical in shapes]
    results = [*head, serial_result]
    for (shape, canonical), _sn in zip(shapes, target.serials, strict=True):
        results.append(shape)
        if canonical is None:
            continue
        why = _("the doctor's request limit was reached.")
        if head[0].status is not Status.OK:
            why = _("the credentials or the server did not pass.")
        outcome = outcomes.get(canonical)
        results.extend(
            serial_checks(
                target.backend,
                canonical,
                outcome,
                why_not=why,
                now=now,
                stale_minutes=target.stale_minutes,
            )
        )
    return results
