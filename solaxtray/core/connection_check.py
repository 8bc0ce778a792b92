"""Test connection, Qt-free: check the typed (or stored) secrets of either API with SolaX Cloud.

With an inverter in the list, the check reads it (one request through the app's shared ledger);
without one, the Developer API is asked to sign in, and the tokenId API, which has no request
without an inverter, has only the token's form checked, and the sentence says so. The settings
dialog runs :func:`run_check` on a worker thread and shows :func:`result_sentence` of what came
back.

Why the fingerprints: credentials the cloud just rejected are not sent again (each further try
counts towards an hour-long block of the account). They are remembered only as salted hashes,
never as the secrets themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from solaxtray.core.api.registry import Capability, spec_of
from solaxtray.core.errors import ConfigError, SolaxTrayError
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.ledger import RequestBudget
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_power

SIGNED_IN = N_(
    "Signed in: SolaX Cloud accepted the client id and secret. Add an inverter's serial "
    "number to test reading it as well."
)
SIGNED_IN_BEFORE = N_(
    "The client id and secret are in use: the app holds a valid access token from them, so no "
    "request was needed. Add an inverter's serial number to test reading it as well."
)
FORM_ONLY = N_(
    "The tokenId has the right form. SolaX Cloud checks a tokenId only together with a "
    "registration number, so no request was sent: add a registration number, then test again."
)


class NotTestedAgain(SolaxTrayError):
    """The same credentials were just rejected: another try only counts towards a ban."""

    title = N_("Not tested again")


class BudgetUsed(SolaxTrayError):
    title = N_("Request budget used up")


class CheckLedger(RequestBudget, Protocol):
    """The app's shared request ledger (``core.ledger.RequestLedger``) for one API, with what a
    one-off test needs beyond a poller: asking without queueing (a refused test does not come
    back for its place)."""

    def try_acquire_once(self, sn: str, count: int = 1) -> bool: ...


LedgerFor = Callable[[str, int, int], CheckLedger | None]
"""(API kind, the backend's per-minute and per-day budget) -> the ledger the app keeps for that
API. Called on the check's worker thread: the ledger takes a file lock."""

BackendFactory = Callable[..., Any]
"""``core.backend.make_backend``'s signature: (kind, *, api_url, token, client_id, client_secret,
token_cache) -> a backend with ``fetch_many(serials)`` and ``close()``."""


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What to check: the API, its server (the tokenId API's address or the Developer API's
    region), the first inverter if any, and the secrets typed into the dialog (empty: use the
    stored ones)."""

    kind: str
    server: str | None
    serial: str | None
    typed_token: str = field(default="", repr=False)
    typed_client_id: str = field(default="", repr=False)
    typed_client_secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcome: Snapshot | SolaxTrayError | str
    """A snapshot of the first inverter, the error, or a sentence saying what was checked
    without an inverter."""
    fingerprint: str
    """The salted hash of what was checked: the caller remembers it when it was rejected."""


@dataclass(frozen=True, slots=True)
class CheckTools:
    """Where the check gets what it needs: the stored secrets (read on the worker thread: the
    keyring may block), the backend, the ledger and the shared access-token cache."""

    stored_token: Callable[[], str | None]
    stored_credentials: Callable[[], tuple[str | None, str | None]]
    backend_factory: BackendFactory
    ledger_for: LedgerFor | None = None
    token_cache_for: Callable[[str], Any] | None = None
    """The cache the running app keeps the stored application's access token in: a check of the
    stored credentials must not sign in again and so invalidate the token the app polls with."""


def fingerprint(salt: bytes, *parts: str | None) -> str:
    return hashlib.sha256(salt + "\0".join(p or "" for p in parts).encode()).hexdigest()


def progress_sentence(check: ConnectionCheck) -> str:
    """What the dialog says while the check runs."""
    if check.serial is not None:
        return _("Asking SolaX Cloud about {sn}…").format(sn=check.serial)
    return _(spec_of(check.kind).wording.checking)


def result_sentence(outcome: Snapshot | SolaxTrayError | str) -> str:
    if isinstance(outcome, Snapshot):
        return describe_snapshot(outcome)
    if isinstance(outcome, str):
        return outcome
    return f"{outcome.title}: {outcome.message}"


def describe_snapshot(snap: Snapshot) -> str:
    """The test result in words: "Connected: X3-Hybrid-G4 · SN ABC1234567 — Normal Mode, 2.4 kW"."""
    kind = snap.inverter_type.label if snap.inverter_type is not None else _("Inverter")
    status = (
        _(snap.inverter_status.label) if snap.inverter_status is not None else _("status unknown")
    )
    return _("Connected: {kind} · SN {sn} — {status}, {power}").format(
        kind=kind, sn=snap.sn, status=status, power=format_power(snap.ac_power)
    )


def in_words(seconds: float) -> str:
    seconds = max(1.0, seconds)
    if seconds < 90:
        count = round(seconds)
        return ngettext("{n} second", "{n} seconds", count).format(n=count)
    minutes = round(seconds / 60)
    if minutes < 90:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = round(minutes / 60)
    return ngettext("{n} hour", "{n} hours", hours).format(n=hours)


def run_check(
    check: ConnectionCheck, tools: CheckTools, *, rejected: frozenset[str], salt: bytes
) -> CheckResult:
    """Check ``check`` with SolaX Cloud (blocking: run it off the GUI thread).

    Raises a ``SolaxTrayError`` when nothing could be asked (no secret, the same secret rejected
    a moment ago, the request budget spent); a rejection by the cloud comes back as the outcome.
    """
    kind = check.kind
    sn = check.serial

    spec = spec_of(kind)

    def refuse_rejected(print_: str) -> None:
        if print_ in rejected:
            raise NotTestedAgain(_(spec.wording.rejected_again))

    def stored_values() -> dict[str, str | None]:
        """The stored secrets of the API's credential fields (read on this worker thread)."""
        names = [f.attribute for f in spec.credential_fields]
        values: dict[str, str | None] = {}
        if "token" in names:
            values["token"] = tools.stored_token()
        if "client_id" in names or "client_secret" in names:
            values["client_id"], values["client_secret"] = tools.stored_credentials()
        return values

    def open_backend() -> tuple[Any, str]:
        typed_all = {
            "token": check.typed_token,
            "client_id": check.typed_client_id,
            "client_secret": check.typed_client_secret,
        }
        names = [f.attribute for f in spec.credential_fields]
        typed = {name: typed_all.get(name) or None for name in names}
        from_typed = all(typed.values())
        values = typed if from_typed else stored_values()
        if spec.missing(values):
            raise ConfigError(_(spec.wording.enter_first), title=_(spec.wording.enter_first_title))
        print_ = fingerprint(salt, spec.name, check.server, *(values[name] for name in names))
        refuse_rejected(print_)
        options: dict[str, Any] = {name: values[name] for name in names}
        client_id = values.get("client_id")
        if (
            not from_typed
            and client_id
            and tools.token_cache_for is not None
            and spec.has(Capability.SHARED_ACCESS_TOKEN)
        ):
            options["token_cache"] = tools.token_cache_for(client_id)
        return tools.backend_factory(spec.name, api_url=check.server, **options), print_

    def ledger_of(backend: Any) -> CheckLedger | None:
        if tools.ledger_for is None:
            return None
        return tools.ledger_for(kind, int(backend.per_minute), int(backend.per_day))

    def credentials_only(backend: Any) -> SolaxTrayError | str:
        sign_in = getattr(backend, "sign_in", None)
        if not spec.has(Capability.SIGN_IN) or not callable(sign_in):
            return _(FORM_ONLY)
        ledger = ledger_of(backend)
        if ledger is not None and ledger.wait_time(1) > 0:
            raise BudgetUsed(
                _(
                    "The app's request budget for SolaX Cloud is used up for the moment "
                    "(the test counts towards it, like every request). Try again in about "
                    "{wait}."
                ).format(wait=in_words(ledger.wait_time(1)))
            )
        before = int(backend.requests_made)
        try:
            sent = bool(sign_in())
        except SolaxTrayError as exc:
            return exc
        finally:
            if ledger is not None:  # nothing reserved: records what was really sent
                ledger.finish("", max(0, int(backend.requests_made) - before))
        return _(SIGNED_IN if sent else SIGNED_IN_BEFORE)

    backend, print_ = open_backend()
    if sn is None:
        try:
            return CheckResult(credentials_only(backend), print_)
        finally:
            backend.close()
    try:
        need = max(1, int(backend.requests_for(1)))
        ledger = ledger_of(backend)
        if ledger is not None and not ledger.try_acquire_once(sn, need):
            raise BudgetUsed(
                _(
                    "The app's request budget for SolaX Cloud is used up for the moment "
                    "(the test counts towards it, like every request). Try again in "
                    "about {wait}."
                ).format(wait=in_words(ledger.wait_time(need)))
            )
        before = int(backend.requests_made)
        try:
            outcome = backend.fetch_many([sn])[sn]
        finally:
            # Charge what was really sent (a Developer API sign-in is a request too), and give
            # back what was reserved but never sent (a refused sign-in stops the round).
            if ledger is not None:
                ledger.settle(sn, int(backend.requests_made) - before)
    finally:
        backend.close()
    if not isinstance(outcome, Snapshot | SolaxTrayError):
        raise TypeError(f"unexpected answer {type(outcome).__name__}")
    return CheckResult(outcome, print_)
