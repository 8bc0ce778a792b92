"""Every SolaX API the app speaks, described in one place. Qt-free, and cheap to import.

Outside ``solaxtray.core.api`` nothing asks "which API is this?": it asks the spec of the API in
use for what differs (the credentials and where they come from, the kind of serial number and the
words for it, the servers, the budget, how many serials one request carries, the demo cloud, the
user-facing names, what the API can do beyond realtime data). A new API is one package under
``core/api/`` plus one ``BackendSpec`` in ``SPECS``.

Why lazy references (``_lazy``): the tray icon and the settings reader import this module before
anything else, so it must not import the HTTP clients, the simulator or the keyring.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import N_, _
from solaxtray.core.quota import MAX_PER_DAY, MAX_PER_MINUTE

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.clock import Clock
    from solaxtray.core.simulator import CloudSimulator


class BackendKind(enum.StrEnum):
    """The SolaX APIs. The values are what the settings file and ``--backend`` store."""

    TOKEN = "token"  # noqa: S105 - an API's name, not a secret
    DEVELOPER = "developer"


class Capability(enum.Enum):
    """What an API offers beyond realtime data."""

    ALARMS = "alarms"
    """An alarm list: a fault's code and reason can be asked."""
    DISCOVERY = "discovery"
    """An inventory: the account's inverters can be listed."""
    SIGN_IN = "sign_in"
    """Credentials can be checked without naming an inverter."""
    SHARED_ACCESS_TOKEN = "shared_access_token"  # noqa: S105 - a capability's name
    """A renewable access token other processes of the same account should share."""


ALIASES: Mapping[str, BackendKind] = {
    "token": BackendKind.TOKEN,
    "tokenid": BackendKind.TOKEN,
    "token-id": BackendKind.TOKEN,
    "token_id": BackendKind.TOKEN,
    "v1": BackendKind.TOKEN,
    "developer": BackendKind.DEVELOPER,
    "dev": BackendKind.DEVELOPER,
    "developer-api": BackendKind.DEVELOPER,
    "oauth": BackendKind.DEVELOPER,
}
"""Every spelling a user may type for an API (settings file, ``--backend``): the one table."""


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One secret (or identifier) an API signs in with.

    ``attribute`` is the field's name on ``core.context.Credentials``; ``env`` the environment
    variable that overrides the keyring; ``keyring_user`` its name in the keyring.
    """

    attribute: str
    label: str
    env: str
    keyring_user: str
    secret: bool = True


@dataclass(frozen=True, slots=True)
class Wording:
    """The user-facing names of an API and its serial numbers: English source texts marked with
    ``N_``, translated with ``_`` where shown (the catalogs are keyed on them)."""

    choice: str
    """The API as a choice in Settings."""
    help: str
    """How to get the credentials, shown under the choice."""
    credentials: str
    """What the credentials are called in a sentence ("token", "client id and secret")."""
    serial_title: str
    serial_field: tuple[str, str]
    """The serial field's visible label (with its mnemonic) and accessible name."""
    serial_list: tuple[str, str]
    serial_placeholder: str
    no_serial: str
    """The command line's sentence when no serial is given."""
    missing_detail: str | None = None
    """What to do when the credentials are not set, if more than the general sentence says."""
    switched_serials: str = ""
    """After switching to this API from another: what numbers to add instead."""
    # -- the settings window's connection check ------------------------------------------------
    checking: str = ""
    """While the credentials are checked without an inverter."""
    rejected_again: str = ""
    """Why the same credentials are not sent again right after a rejection."""
    enter_first: str = ""
    enter_first_title: str = ""
    """When a check is asked for with no credentials typed or stored."""
    condition_texts: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """The tray's (title, action) for an app-wide condition (by ``AppCondition`` value) where
    this API's differ from the general ones (the credentials are named differently)."""
    # -- what the set-up check says ------------------------------------------------------------
    credentials_name: str = ""
    """The credentials as the set-up check names them ("tokenId", "client id and secret")."""
    server_option: str = "--api-url"
    """How the command line picks the server (with what it takes)."""
    rejected_fix: str = ""
    """What to do when the cloud rejects the credentials."""
    shape_ok: str = ""
    """A serial of the right shape."""
    shape_fix: str = ""
    """What to enter instead of a serial of the wrong shape."""
    shape_replace: str = ""
    """What to enter instead, when the right number is known: ``{given}`` and ``{better}``."""
    unknown_fix: str = ""
    """What to check when the account does not know a serial."""
    known_with_inverter: str | None = None
    """A serial known to the account, whose answer names the inverter's own serial
    (``{inverter_sn}``), where that is the number another API wants; ``None``: not said."""


@dataclass(frozen=True, slots=True)
class DemoCloud:
    """A started demo simulator with what it takes to poll it."""

    simulator: CloudSimulator
    server: str
    serials: tuple[str, ...]
    credentials: Mapping[str, str]
    """Credential attribute -> value, as ``CredentialField.attribute`` names them."""
    history_serial: Callable[[Any], str] | None = None
    """How the demo's seeded history names a simulated inverter (``None``: by its serial)."""


def _lazy(path: str) -> Callable[..., Any]:
    """``module:attribute``, imported at the first call (see the module docstring)."""
    module_name, _, attribute = path.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module_name), attribute)(*args, **kwargs)

    call.__qualname__ = call.__name__ = attribute
    return call


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """Everything the app asks about one SolaX API."""

    kind: BackendKind
    wording: Wording
    credential_fields: tuple[CredentialField, ...]
    normalise_serial: Callable[[str], str]
    """One serial in canonical form, or ConfigError with a sentence that helps find it."""
    server_names: tuple[str, ...]
    """Server (or region) names a user may pick instead of typing an address."""
    default_server: str
    resolve_server: Callable[[str], str]
    """A name or address to the address the client uses; ConfigError in words otherwise."""
    server_setting: str
    """The ``Settings`` field that holds this API's server."""
    server_env: str | None
    """The environment variable that overrides the saved server, if any."""
    ledger_file: str
    """The shared request ledger's file name: each API's quota is its own."""
    per_minute: int
    per_day: int
    batch_size: int
    """The most serials one realtime request may name."""
    capabilities: frozenset[Capability]
    factory: Callable[..., RealtimeBackend]
    """``factory(server, credentials mapping, clock=, timeout=, token_cache=)``."""
    demo: Callable[..., DemoCloud] = field(repr=False)
    """``demo(clock)``: a started demo simulator of this API (stopped by the caller)."""
    load_secrets: Callable[[float], Mapping[str, str | None]] = field(repr=False)
    """``load_secrets(timeout_s)``: the credentials from the environment, else the keyring
    (attribute -> value); raises ``SecretStoreError``. Blocks: call it off the GUI thread."""
    no_credentials: Callable[[Mapping[str, str | None]], Exception] = field(repr=False)
    """``no_credentials(values)``: the ``SecretStoreError`` naming what is missing."""
    check_credentials: Callable[[float], Any] = field(repr=False)
    """``check_credentials(timeout_s)``: the set-up check's verdict on the stored credentials
    and the credentials themselves (``core.doctor.credentials``)."""

    @property
    def name(self) -> str:
        return self.kind.value

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def normalise_serials(self, values: Iterable[str]) -> tuple[str, ...]:
        """Each serial checked, repeats dropped, the user's order kept."""
        seen: dict[str, None] = {}
        for value in values:
            seen.setdefault(self.normalise_serial(value), None)
        return tuple(seen)

    def env_variables(self) -> tuple[str, ...]:
        return tuple(f.env for f in self.credential_fields)

    def complete(self, values: Mapping[str, str | None]) -> bool:
        """Whether ``values`` (attribute -> value) holds every credential this API needs."""
        return all(values.get(f.attribute) for f in self.credential_fields)

    def missing(self, values: Mapping[str, str | None]) -> tuple[CredentialField, ...]:
        return tuple(f for f in self.credential_fields if not values.get(f.attribute))


def _token_demo(clock: Clock | None = None) -> DemoCloud:
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

    sim = CloudSimulator.demo(clock).start()
    return DemoCloud(sim, sim.v1_url, tuple(DEMO_SERIALS), {"token": DEMO_TOKEN})


def _developer_demo(clock: Clock | None = None) -> DemoCloud:
    from solaxtray.core.simulator.developer import (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_DEVICE_SERIALS,
        DeveloperSimulator,
    )

    sim = DeveloperSimulator.demo(clock)
    sim.start()
    return DemoCloud(
        sim,
        sim.base_url,
        tuple(DEMO_DEVICE_SERIALS),
        {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET},
        history_serial=lambda inverter: str(inverter.inverter_sn),
    )


def _factory(kind: BackendKind) -> Callable[..., RealtimeBackend]:
    """``make_backend`` for one API: the same checks and sentences for every caller."""

    def make(server: str, credentials: Mapping[str, str | None], **options: Any) -> Any:
        from solaxtray.core.api.backend import make_backend

        return make_backend(
            kind.value,
            api_url=server,
            token=credentials.get("token"),
            client_id=credentials.get("client_id"),
            client_secret=credentials.get("client_secret"),
            **options,
        )

    return make


def _token_secrets(timeout_s: float) -> dict[str, str | None]:
    from solaxtray.core.secrets import TokenStore

    return {"token": TokenStore().get_with_timeout(timeout_s)}


def _developer_secrets(timeout_s: float) -> dict[str, str | None]:
    from solaxtray.core.secrets import DeveloperCredentials

    client_id, client_secret = DeveloperCredentials().get_with_timeout(timeout_s)
    return {"client_id": client_id, "client_secret": client_secret}


TOKEN_SPEC = BackendSpec(
    kind=BackendKind.TOKEN,
    wording=Wording(
        choice=N_("tokenId (SolaX Cloud API page)"),
        help=N_(
            "Accounts made before September 2026: sign in at www.solaxcloud.com, open Service → "
            "API and copy the tokenId. Inverters are named by the 10-character registration "
            "number of their Pocket WiFi/LAN/4G dongle."
        ),
        credentials="token",
        serial_title=N_("Inverters (dongle registration numbers)"),
        serial_field=(N_("Add a &registration number:"), N_("Registration number to add")),
        serial_list=(N_("&Watched dongles:"), N_("Watched dongle registration numbers")),
        serial_placeholder=N_("10 letters and digits, printed on the dongle"),
        no_serial=N_(
            "No serial number given. Add --sn with the 10-character registration number "
            "printed on your Pocket WiFi/LAN/4G dongle, or save it in the settings (try --demo "
            "to see solaxtray work without an account)."
        ),
        switched_serials=N_(
            "The two APIs name inverters by different numbers: add the 10-character "
            "registration numbers of the dongles."
        ),
        checking=N_("Checking the tokenId…"),
        rejected_again=N_(
            "SolaX Cloud rejected this token a moment ago. Another try would only "
            "count towards its hour-long block of the account: change the token (or "
            "the server) first."
        ),
        enter_first=N_("Enter the token first."),
        enter_first_title=N_("No token"),
        credentials_name=N_("tokenId"),
        server_option=N_("--api-url"),
        rejected_fix=N_(
            "Copy the tokenId again from Service → API on solaxcloud.com and store it with "
            "'solaxtray token set'."
        ),
        shape_ok=N_("It has the shape of a dongle registration number."),
        shape_fix=N_(
            "Enter the 10-character registration number printed on the dongle (Pocket "
            "WiFi, LAN or 4G) or shown in the SolaX app's device list."
        ),
        shape_replace=N_(
            "Replace it by {better}, the registration number of the dongle on that inverter."
        ),
        unknown_fix=N_(
            "Check the 10-character registration number on the dongle, or the device list "
            "in the SolaX app; the number must belong to the account of this tokenId."
        ),
        known_with_inverter=N_(
            "SolaX Cloud knows it and answered with its data; the inverter behind it has "
            "the serial number {inverter_sn} (the one the Developer API would want)."
        ),
    ),
    credential_fields=(CredentialField("token", "tokenId", "SOLAXTRAY_TOKEN", "tokenId"),),
    normalise_serial=_lazy("solaxtray.core.api.tokenid.serials:normalize_serial"),
    server_names=("www", "global", "qcells", "v2-global", "v2-in", "v2-na"),
    default_server="https://www.solaxcloud.com/proxyApp/proxy/api/",
    resolve_server=_lazy("solaxtray.core.api.servers:resolve_api_url"),
    server_setting="api_url",
    server_env="SOLAXTRAY_API_URL",
    ledger_file="request-ledger.json",
    per_minute=MAX_PER_MINUTE,
    per_day=MAX_PER_DAY,
    batch_size=1,
    capabilities=frozenset(),
    factory=_factory(BackendKind.TOKEN),
    demo=_token_demo,
    load_secrets=_token_secrets,
    no_credentials=_lazy("solaxtray.core.api.tokenid.credentials:no_credentials"),
    check_credentials=_lazy("solaxtray.core.doctor.credentials:check_token_credentials"),
)

DEVELOPER_SPEC = BackendSpec(
    kind=BackendKind.DEVELOPER,
    wording=Wording(
        choice=N_("Developer API (client id and secret, for accounts made since September 2026)"),
        help=N_(
            "Accounts made since September 2026 have no tokenId: sign in at "
            "developer.solaxcloud.com, create an application (or open yours) and copy its "
            "client id and client secret. Inverters are named by their own serial number, "
            "printed on the inverter's label, not by the dongle's registration number."
        ),
        credentials="client id and secret",
        serial_title=N_("Inverters (the inverters' own serial numbers)"),
        serial_field=(N_("Add an inverter's &serial number:"), N_("Inverter serial number to add")),
        serial_list=(N_("&Watched inverters:"), N_("Watched inverter serial numbers")),
        serial_placeholder=N_("Serial number on the inverter's label"),
        no_serial=N_(
            "No serial number given. Add --sn with the inverter's own serial number (printed "
            "on its label; the Developer API does not use the dongle's registration number), "
            "or save it in the settings (try --demo to see solaxtray work without an account)."
        ),
        missing_detail=N_(
            "Open Settings, choose the Developer API and enter the client id and secret "
            "of your application on the SolaX Developer Platform."
        ),
        condition_texts={
            "no_credentials": (
                N_("Setup needed"),
                N_(
                    "open Settings and enter the client id and secret from the SolaX Developer "
                    "Platform."
                ),
            ),
            "token_rejected": (
                N_("Client id and secret rejected"),
                N_("open Settings and check the client id and secret."),
            ),
            "keyring_missing": (
                N_("No keyring available"),
                N_(
                    "start a Secret Service keyring (GNOME Keyring, KWallet) or set "
                    "SOLAXTRAY_CLIENT_ID and SOLAXTRAY_CLIENT_SECRET."
                ),
            ),
        },
        switched_serials=N_(
            "The two APIs name inverters by different numbers: add the inverters' own "
            "serial numbers (on their labels)."
        ),
        checking=N_("Asking SolaX Cloud to check the client id and secret…"),
        rejected_again=N_(
            "SolaX Cloud rejected this client id and secret a moment ago. Another "
            "try would only count towards its hour-long block of the account: "
            "change the client id and secret (or the server) first."
        ),
        enter_first=N_("Enter the client id and secret first."),
        enter_first_title=N_("No credentials"),
        credentials_name=N_("client id and secret"),
        server_option=N_("--api-url (a region)"),
        rejected_fix=N_(
            "Copy the client id and secret again from https://developer.solaxcloud.com/ and "
            "store them with 'solaxtray credentials set'."
        ),
        shape_ok=N_("It has the shape of an inverter serial number."),
        shape_fix=N_(
            "Enter the inverter's own serial number (on the inverter's label, usually 14 "
            "characters), or use 'solaxtray inverters --discover' to list them."
        ),
        shape_replace=N_(
            "Replace {given} by {better}, the serial number of the inverter behind "
            "that dongle, in the settings or on the command line."
        ),
        unknown_fix=N_(
            "Check the inverter's serial number on its label, or list the account's inverters "
            "with 'solaxtray inverters --discover'."
        ),
    ),
    credential_fields=(
        CredentialField("client_id", "client id", "SOLAXTRAY_CLIENT_ID", "clientId", secret=False),
        CredentialField(
            "client_secret", "client secret", "SOLAXTRAY_CLIENT_SECRET", "clientSecret"
        ),
    ),
    normalise_serial=_lazy("solaxtray.core.api.developer.serials:normalize_device_serial"),
    server_names=("eu", "cn", "in"),
    default_server="eu",
    resolve_server=_lazy("solaxtray.core.api.developer.regions:resolve_developer_host"),
    server_setting="developer_host",
    server_env=None,
    ledger_file="request-ledger-developer.json",
    per_minute=MAX_PER_MINUTE,
    per_day=MAX_PER_DAY,
    batch_size=10,
    capabilities=frozenset(
        {
            Capability.ALARMS,
            Capability.DISCOVERY,
            Capability.SIGN_IN,
            Capability.SHARED_ACCESS_TOKEN,
        }
    ),
    factory=_factory(BackendKind.DEVELOPER),
    demo=_developer_demo,
    load_secrets=_developer_secrets,
    no_credentials=_lazy("solaxtray.core.api.developer.credentials:no_credentials"),
    check_credentials=_lazy("solaxtray.core.doctor.credentials:check_developer_credentials"),
)

SPECS: Mapping[BackendKind, BackendSpec] = {
    spec.kind: spec for spec in (TOKEN_SPEC, DEVELOPER_SPEC)
}
"""The registry: one spec per API, in the order Settings offers them."""
DEFAULT_KIND = BackendKind.TOKEN


def kind_of(value: object) -> BackendKind:
    """The API for any accepted spelling (``ALIASES``); ConfigError in words otherwise."""
    if isinstance(value, BackendKind):
        return value
    key = value.strip().lower() if isinstance(value, str) else ""
    kind = ALIASES.get(key)
    if kind is None:
        raise ConfigError(
            _(
                "The SolaX API must be “token” (a tokenId from the SolaX Cloud API page) or "
                "“developer” (a client id and secret from the SolaX Developer Platform)."
            )
        )
    return kind


def spec_of(value: object) -> BackendSpec:
    """The spec of the API ``value`` names (a ``BackendKind`` or any accepted spelling)."""
    return SPECS[kind_of(value)]


def all_specs() -> tuple[BackendSpec, ...]:
    return tuple(SPECS.values())
