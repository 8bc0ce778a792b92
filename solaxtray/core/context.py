"""What one run polls: API, serials, server, credentials, ledger and budget. Qt-free.

The command line and the tray app used to work this out each in their own way from the settings,
their flags and the environment. ``resolve`` does it once, for both: flags beat the environment,
which beats the settings, which beat the API's defaults. Every value it refuses raises a
``ContextError`` that names where the value came from, so the user fixes the right place.

The credentials are read separately (``load_credentials``): a locked keyring can block, so the
tray reads them on a worker thread and the command line with a time limit. A ``RunContext`` is a
value; a new settings file, a new ``--backend`` or new credentials make a new one
(``reconfigured``, ``with_credentials``), and ``changes`` says what a rebuild must redo.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from solaxtray.core.api.registry import BackendKind, BackendSpec, DemoCloud, kind_of, spec_of
from solaxtray.core.errors import ConfigError, EnvTokenUnusable, SecretStoreError
from solaxtray.core.i18n import _
from solaxtray.core.quota import Budget, kept_budget

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.clock import Clock
    from solaxtray.core.ledger import RequestLedger


class Source(enum.Enum):
    """Where a value of the run came from."""

    FLAG_SERIALS = "flag_serials"
    FLAG_SERVER = "flag_server"
    ENV_SERVER = "env_server"
    SETTINGS = "settings"
    DEFAULT = "default"
    NO_SERIALS = "no_serials"
    """Not a value but its absence: no serial given and none saved for this API."""
    DEMO = "demo"


class ContextError(ConfigError):
    """A value of the run refused, with ``source`` saying where it came from."""

    def __init__(self, message: str, source: Source, *, title: str | None = None) -> None:
        super().__init__(message, title=title)
        self.source = source


class RunSettings(Protocol):
    """What ``resolve`` reads of the settings (``core.settings.Settings`` has it all)."""

    @property
    def backend(self) -> str: ...

    @property
    def serials(self) -> tuple[str, ...]: ...

    @property
    def api_url(self) -> str | None: ...

    @property
    def developer_host(self) -> str: ...

    @property
    def per_minute(self) -> int: ...

    @property
    def per_day(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Credentials:
    """What one SolaX API needs to sign in, as its spec's ``credential_fields`` name them.

    The secrets are left out of the repr, so a log line or a traceback cannot show them.
    """

    kind: BackendKind
    token: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    share_access_token: bool = False
    """Keep a renewable access token in the keyring for other solaxtray processes (only for
    credentials from the keyring: an environment variable is a separate, short-lived setup)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", kind_of(self.kind))

    def values(self) -> dict[str, str | None]:
        return {
            "token": self.token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    @property
    def complete(self) -> bool:
        return spec_of(self.kind).complete(self.values())

    @classmethod
    def from_values(
        cls, kind: BackendKind | str, values: Mapping[str, str | None], *, share: bool = False
    ) -> Credentials:
        return cls(
            kind_of(kind),
            token=values.get("token"),
            client_id=values.get("client_id"),
            client_secret=values.get("client_secret"),
            share_access_token=share,
        )


@dataclass(frozen=True, slots=True)
class Overrides:
    """What this run was told on top of the settings (command-line flags)."""

    backend: str | None = None
    serials: Sequence[str] = ()
    server: str | None = None
    demo: bool = False


@dataclass(frozen=True, slots=True)
class RunContext:
    """One run's answer to "which API, which inverters, which server, which budget?"."""

    spec: BackendSpec
    serials: tuple[str, ...]
    server: str
    """The address the client uses (a tokenId server, a Developer API region's host)."""
    server_source: Source
    budget: Budget
    ledger_path: Path | None
    """The shared request ledger; ``None``: this run spends no real budget (the demo)."""
    demo: bool = False
    credentials: Credentials | None = None

    @property
    def kind(self) -> BackendKind:
        return self.spec.kind

    @property
    def ready(self) -> bool:
        """Credentials and serials are there: polling can start."""
        return bool(self.serials) and self.credentials is not None and self.credentials.complete

    def with_credentials(self, credentials: Credentials) -> RunContext:
        if credentials.kind is not self.kind:
            raise ValueError("credentials of another API")  # a caller's mistake, not the user's
        return replace(self, credentials=credentials)

    def open_backend(
        self,
        *,
        clock: Clock | None = None,
        token_cache: object | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> RealtimeBackend:
        """The backend for this run (the caller closes it). Raises ConfigError when a credential
        is missing or unusable, in ``make_backend``'s words."""
        values = self.credentials.values() if self.credentials is not None else {}
        options: dict[str, object] = {"clock": clock}
        if token_cache is not None:
            options["token_cache"] = token_cache
        if timeout is not None:
            options["timeout"] = timeout
        return self.spec.factory(self.server, values, **options)

    def open_ledger(self, clock: Clock, path: Path | None = None) -> RequestLedger:
        """The request ledger every solaxtray process shares for this API, at this run's budget.
        ``path`` overrides where (the demo's throwaway directory)."""
        from solaxtray.core.ledger import RequestLedger

        where = path if path is not None else self.ledger_path
        if where is None:
            raise ValueError("this run has no request ledger")  # the demo: a caller's mistake
        return RequestLedger(
            where, clock=clock, per_minute=self.budget.per_minute, per_day=self.budget.per_day
        )


class Change(enum.Flag):
    """What differs between two contexts, so a live reconfiguration redoes only that."""

    NONE = 0
    API = enum.auto()
    SERIALS = enum.auto()
    SERVER = enum.auto()
    CREDENTIALS = enum.auto()
    BUDGET = enum.auto()


def changes(old: RunContext | None, new: RunContext) -> Change:
    if old is None:
        return Change.API | Change.SERIALS | Change.SERVER | Change.CREDENTIALS | Change.BUDGET
    found = Change.NONE
    if old.kind is not new.kind:
        found |= Change.API
    if old.serials != new.serials:
        found |= Change.SERIALS
    if old.server != new.server:
        found |= Change.SERVER
    if old.credentials != new.credentials:
        found |= Change.CREDENTIALS
    if old.budget != new.budget:
        found |= Change.BUDGET
    return found


def _checked_server(spec: BackendSpec, value: str, source: Source) -> str:
    try:
        return spec.resolve_server(value)
    except ConfigError as exc:
        raise ContextError(exc.message, source, title=exc.title) from None


def _ledger_path(spec: BackendSpec, data_dir: Path | None) -> Path:
    if data_dir is None:
        from solaxtray.core import paths

        data_dir = paths.data_dir()
    return data_dir / spec.ledger_file


def resolve(
    settings: RunSettings,
    overrides: Overrides | None = None,
    *,
    env: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
    require_serials: bool = False,
) -> RunContext:
    """The run's API, serials, server and budget from flags, environment and settings.

    ``require_serials``: a run that polls refuses to start without a serial, in the API's words,
    before the server is looked at.

    The saved serials name inverters in the saved API's terms, so they are used only when the run
    polls that API. ``data_dir`` overrides where the ledger lives (tests). The demo's context is
    ``demo_context``; here ``overrides.demo`` only makes a run without a ledger.
    """
    overrides = overrides or Overrides()
    env = os.environ if env is None else env
    spec = spec_of(overrides.backend or settings.backend)
    if overrides.serials:
        try:
            serials = spec.normalise_serials(overrides.serials)
        except ConfigError as exc:
            raise ContextError(exc.message, Source.FLAG_SERIALS, title=exc.title) from None
    elif _saved_kind(settings) is spec.kind:
        serials = tuple(settings.serials)
    else:
        serials = ()
    if require_serials and not serials:
        raise ContextError(_(spec.wording.no_serial), Source.NO_SERIALS)
    server, source = _server(spec, settings, overrides, env)
    budget = kept_budget(settings.per_minute, settings.per_day, spec.per_minute, spec.per_day)
    return RunContext(
        spec=spec,
        serials=serials,
        server=server,
        server_source=source,
        budget=budget,
        ledger_path=None if overrides.demo else _ledger_path(spec, data_dir),
        demo=overrides.demo,
    )


def _saved_kind(settings: RunSettings) -> BackendKind | None:
    try:
        return kind_of(settings.backend)
    except ConfigError:
        return None


def _server(
    spec: BackendSpec, settings: RunSettings, overrides: Overrides, env: Mapping[str, str]
) -> tuple[str, Source]:
    if overrides.server is not None:
        if not overrides.server.strip():
            raise ContextError(
                _(
                    "--api-url was given an empty value. Give a server name or an https:// "
                    "address, or leave out --api-url to use the server from the settings."
                ),
                Source.FLAG_SERVER,
            )
        return _checked_server(spec, overrides.server, Source.FLAG_SERVER), Source.FLAG_SERVER
    if spec.server_env is not None:
        from_env = env.get(spec.server_env, "").strip()
        if from_env:
            return _checked_server(spec, from_env, Source.ENV_SERVER), Source.ENV_SERVER
    saved = getattr(settings, spec.server_setting, None)
    if isinstance(saved, str) and saved.strip():
        return _checked_server(spec, saved, Source.SETTINGS), Source.SETTINGS
    return _checked_server(spec, spec.default_server, Source.DEFAULT), Source.DEFAULT


def reconfigured(
    context: RunContext,
    settings: RunSettings,
    overrides: Overrides | None = None,
    *,
    env: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> RunContext:
    """``context`` after the settings changed: credentials kept while the API stays the same."""
    if context.demo:
        # The demo keeps its own cloud and inverters; only the budget follows the settings.
        spec = context.spec
        budget = kept_budget(settings.per_minute, settings.per_day, spec.per_minute, spec.per_day)
        return replace(context, budget=budget)
    new = resolve(settings, overrides, env=env, data_dir=data_dir)
    if context.credentials is not None and context.credentials.kind is new.kind:
        new = replace(new, credentials=context.credentials)
    return new


def demo_context(
    spec: BackendSpec, demo: DemoCloud, settings: RunSettings, given: Sequence[str] = ()
) -> RunContext:
    """The demo's run: its simulated cloud's server, inverters and credentials (``given``
    serials instead, if any), and no ledger: the demo never spends the user's real budget."""
    chosen = spec.normalise_serials(given) if given else tuple(demo.serials)
    return RunContext(
        spec=spec,
        serials=chosen,
        server=demo.server,
        server_source=Source.DEMO,
        budget=kept_budget(settings.per_minute, settings.per_day, spec.per_minute, spec.per_day),
        ledger_path=None,
        demo=True,
        credentials=Credentials.from_values(spec.kind, demo.credentials),
    )


def credentials_from_env(spec: BackendSpec, env: Mapping[str, str] | None = None) -> bool:
    """Whether any of the API's credentials comes from the environment (then an access token is
    not shared through the keyring: the environment is a separate, short-lived setup)."""
    env = os.environ if env is None else env
    return any(env.get(name, "").strip() for name in spec.env_variables())


def env_token_problem(env: Mapping[str, str] | None = None) -> EnvTokenUnusable | None:
    """The error for a ``SOLAXTRAY_TOKEN`` that cannot be a tokenId, by the rules ``token set``
    applies to a typed one (``secrets.check_token``), or None when it is unset or could be one.

    Why: a typed token is checked before it is stored, but one from the environment went to the
    cloud unchecked, where each refusal counts towards an hour-long block. The sentence names the
    variable, never its value.
    """
    from solaxtray.core.secrets import TOKEN_ENV, check_token

    value = (os.environ if env is None else env).get(TOKEN_ENV, "")
    if not value.strip():
        return None
    try:
        check_token(value)
    except SecretStoreError:
        return EnvTokenUnusable(
            _(
                "The environment variable {env} does not hold a SolaX Cloud tokenId (23 or 24 "
                "digits, no spaces): set it to the tokenId from the API page of your SolaX Cloud "
                "account, or unset it to use the token in the keyring."
            ).format(env=TOKEN_ENV),
        )
    return None


def load_credentials(
    spec: BackendSpec, timeout_s: float, *, check_env_token: bool = False
) -> Credentials:
    """The API's credentials from the environment, else the keyring, within ``timeout_s``.

    Raises ``SecretStoreError`` (keyring missing or locked, or no answer in time; with
    ``check_env_token``, a token in the environment that cannot be one: ``EnvTokenUnusable``).
    Off by default: the doctor judges the token's shape itself and says more. Blocks: the tray
    calls it on a worker thread.
    """
    from solaxtray.core.api.registry import Capability
    from solaxtray.core.secrets import TOKEN_ENV

    if check_env_token and TOKEN_ENV in spec.env_variables():
        problem = env_token_problem()
        if problem is not None:
            raise problem
    values = spec.load_secrets(timeout_s)
    share = spec.has(Capability.SHARED_ACCESS_TOKEN) and not credentials_from_env(spec)
    return Credentials.from_values(spec.kind, values, share=share)
