"""What a run talks to: the API, serials, server and credentials after flags, environment
and settings, and the backend, request ledger and history store opened for them.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from solaxtray.cli.output import UsageError
from solaxtray.core import paths
from solaxtray.core.errors import ConfigError, RateLimited
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import format_number
from solaxtray.core.redact import shorten_words

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.context import RunContext
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.settings import Settings

logger = logging.getLogger(__name__)


API_URL_ENV = "SOLAXTRAY_API_URL"
MAX_LEDGER_WAIT_S = 65.0
"""``fetch`` waits for the shared request budget up to about a minute (the per-minute window), and
gives up with exit status 5 beyond that (the daily budget is spent)."""
_T = TypeVar("_T")
SOURCE_FLAG_SN = "--sn"
SOURCE_FLAG_API_URL = "--api-url"
SOURCE_ENV_API_URL = API_URL_ENV
SOURCE_SETTINGS = "settings"
SOURCE_TITLES = {
    SOURCE_FLAG_SN: N_("Check the --sn option"),
    SOURCE_FLAG_API_URL: N_("Check the --api-url option"),
    SOURCE_ENV_API_URL: N_("Check the environment variable {name}"),
    SOURCE_SETTINGS: N_("Check the settings"),
}
"""The title of a refused value names where it came from, so the user fixes the right place
(marked for translation; translated where used)."""


def checked(source: str, check: Callable[[], _T]) -> _T:
    """``check()``, with a refusal re-titled after ``source`` (a usage error, exit status 2)."""
    try:
        return check()
    except ConfigError as exc:
        raise UsageError(
            exc.message, title=_(SOURCE_TITLES[source]).format(name=API_URL_ENV)
        ) from None


@dataclass(slots=True)
class Target:
    """The API, serials, server and credentials of one run, after flags, environment and
    settings."""

    backend: str
    serials: tuple[str, ...]
    server: str
    """The tokenId API's address, or the Developer API's region or address."""
    token: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    demo: bool = False
    shared_token_cache: bool = False
    """Keep the Developer API's access token in the keyring (credentials from the keyring)."""


def load_settings(demo: bool = False) -> Settings:
    """The user's settings; the defaults for ``--demo``, which never reads (nor sets aside, nor
    cleans) the user's settings file."""
    from solaxtray.core.settings import Settings, SettingsStore

    if demo:
        return Settings()
    settings, warning = SettingsStore(paths.settings_path()).load()
    if warning:
        print(
            _("Warning: {warning}").format(warning=shorten_words(warning)),
            file=sys.stderr,
        )
    return settings


def chosen_backend(args: argparse.Namespace, settings: Settings) -> str:
    return str(getattr(args, "backend", None) or settings.backend)


_CONTEXT_SOURCES = {
    "flag_serials": SOURCE_FLAG_SN,
    "flag_server": SOURCE_FLAG_API_URL,
    "env_server": SOURCE_ENV_API_URL,
}
"""The run context's sources, as the titles of a refusal name them (else the settings)."""


def in_context(make: Callable[[], RunContext]) -> RunContext:
    """``make()``, with a refused value re-titled after where it came from (a usage error)."""
    from solaxtray.core.context import ContextError, Source

    try:
        return make()
    except ContextError as exc:
        if exc.source is Source.NO_SERIALS:
            raise UsageError(exc.message) from None
        source = _CONTEXT_SOURCES.get(exc.source.value, SOURCE_SETTINGS)
        title = _(SOURCE_TITLES[source]).format(name=API_URL_ENV)
        raise UsageError(exc.message, title=title) from None


def resolve_target(args: argparse.Namespace, settings: Settings, stack: ExitStack) -> Target:
    """Flags beat the environment, which beats the settings (the run context resolves them, as
    for the tray). ``--demo`` starts the simulator in-process (stopped by ``stack``) and uses its
    credentials and serials."""
    from solaxtray.core.context import Overrides, resolve
    from solaxtray.core.settings import normalize_serials

    backend = chosen_backend(args, settings)
    given = checked(SOURCE_FLAG_SN, lambda: normalize_serials(args.sn, backend)) if args.sn else ()
    check_api_url_flag(args)
    if args.demo:
        return demo_target(backend, given, stack)
    # The saved serials are names in the saved API's terms: the context uses them only with it.
    context = in_context(
        lambda: resolve(
            settings,
            Overrides(backend=backend, serials=given, server=args.api_url),
            require_serials=True,
        )
    )
    return account_target(context)


def account_target(context: RunContext) -> Target:
    """The run's credentials, read now (from the environment, else the keyring with a time
    limit: a locked keyring would otherwise hang a fetch or watch run from cron)."""
    from solaxtray.core import secrets
    from solaxtray.core.context import load_credentials
    from solaxtray.core.redact import register_secret

    spec = context.spec
    credentials = load_credentials(spec, secrets.DEFAULT_TIMEOUT_S, check_env_token=True)
    values = credentials.values()
    if spec.missing(values):
        raise spec.no_credentials(values)
    for value in values.values():
        if value:
            # Kept out of sight like the secrets (the keyring names the client id by a digest).
            register_secret(value)
    return Target(
        spec.kind.value,
        context.serials,
        context.server,
        token=credentials.token,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        shared_token_cache=credentials.share_access_token,
    )


def check_api_url_flag(args: argparse.Namespace) -> None:
    """Refuse an ``--api-url`` that cannot be meant: empty (it would fall back to the real cloud
    unnoticed), or next to ``--demo`` (whose simulated cloud would be shown as if it were that
    server: refused rather than warned about, because the printed figures would be fake)."""
    if args.api_url is None:
        return
    if not args.api_url.strip():
        raise UsageError(
            _(
                "--api-url was given an empty value. Give a server name or an https:// address, "
                "or leave out --api-url to use the server from the settings."
            ),
            title=_(SOURCE_TITLES[SOURCE_FLAG_API_URL]),
        )
    if args.demo:
        raise UsageError(
            _(
                "--demo uses the built-in simulated cloud, so it cannot be combined with "
                "--api-url. Leave out --demo to ask that server, or leave out --api-url to see "
                "the demo."
            ),
        )


def demo_target(backend: str, given: tuple[str, ...], stack: ExitStack) -> Target:
    """The API's demo cloud, started here and stopped by ``stack``."""
    from solaxtray.core.api.registry import spec_of

    spec = spec_of(backend)
    demo = spec.demo(None)
    stack.callback(demo.simulator.stop)
    values = demo.credentials
    return Target(
        spec.kind.value,
        given or demo.serials,
        demo.server,
        token=values.get("token"),
        client_id=values.get("client_id"),
        client_secret=values.get("client_secret"),
        demo=True,
    )


def open_backend(target: Target, stack: ExitStack) -> RealtimeBackend:
    """The backend for ``target``, closed by ``stack``."""
    from solaxtray.core.api.backend import make_backend

    cache = None
    if target.shared_token_cache:
        from solaxtray.core.secrets import KeyringTokenCache

        cache = KeyringTokenCache(client_id=target.client_id or "")
    backend = make_backend(
        target.backend,
        api_url=target.server,
        token=target.token,
        client_id=target.client_id,
        client_secret=target.client_secret,
        token_cache=cache,
    )
    stack.callback(backend.close)
    return backend


def make_ledger(
    settings: Settings, backend: RealtimeBackend, kind: str, path: Path | None = None
) -> RequestLedger:
    """The request ledger every solaxtray process shares for this API, so a ``fetch`` next to the
    running tray app cannot push the token (or the Developer API application) over its quota.
    Its budget is the lower of the settings' and the backend's. The demo passes a throwaway
    ``path``: its simulated cloud enforces the real quota too, but must not spend the real one."""
    from solaxtray.core.clock import SystemClock
    from solaxtray.core.ledger import RequestLedger

    return RequestLedger(
        path or paths.ledger_path(kind),
        clock=SystemClock(),
        per_minute=min(settings.per_minute, backend.per_minute),
        per_day=min(settings.per_day, backend.per_day),
    )


def acquire(ledger: RequestLedger, sn: str, count: int = 1) -> None:
    """Take ``count`` requests from the shared budget, waiting up to about a minute for them."""
    while not ledger.try_acquire(sn, count):
        wait = ledger.wait_time(count)
        if wait > MAX_LEDGER_WAIT_S:
            raise RateLimited(
                ngettext(
                    "solaxtray has used this account's request budget ({used_today} request "
                    "today); the next request is possible in about {minutes} minutes.",
                    "solaxtray has used this account's request budget ({used_today} requests "
                    "today); the next request is possible in about {minutes} minutes.",
                    ledger.used_today(),
                ).format(
                    used_today=format_number(ledger.used_today()),
                    minutes=format_number(wait / 60),
                ),
                sn=sn,
                retry_after=wait,
            )
        print(
            _("Waiting {seconds} s to stay inside the account's request budget…").format(
                seconds=f"{wait:.0f}"
            ),
            file=sys.stderr,
        )
        time.sleep(max(wait, 0.1))


def open_history(target: Target, stack: ExitStack) -> HistoryStore | None:
    """The history database every fetching process writes (closed by ``stack``); the demo gets
    a throwaway one, never the user's. ``None`` when it cannot be had at all: history must never
    stop a fetch."""
    from solaxtray.core.history import HistoryStore, default_history_path

    try:
        if target.demo:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            path = folder / "history.sqlite3"
        else:
            path = default_history_path()
        store = HistoryStore.open(path)
    except Exception:  # history is a bonus: log it and fetch on
        logger.warning("Could not open the history database", exc_info=True)
        return None
    stack.callback(store.close)
    if store.warning:
        print(_("Warning: {warning}").format(warning=store.warning), file=sys.stderr)
    return store
