"""The ``solaxtray`` command: the tray app by default, and ``fetch``, ``watch``, ``token``,
``credentials``, ``simulate``, ``doctor`` and ``inverters`` (the last two in ``cli_doctor.py``)
for scripts, servers and first steps.

Two SolaX APIs are supported (``--backend`` or the ``backend`` setting): ``token``, the tokenId API
(one request per dongle registration number), and ``developer``, the Developer API of accounts made
since September 2026 (a client id and secret; up to ten inverter serials per request).

Why argparse and lazy imports: ``solaxtray fetch`` on a headless server must not import Qt (nor the
simulator, nor the scheduler) just to print a table, and ``--help`` must work on a machine where Qt
cannot load at all. So each subcommand imports what it needs when it runs. The tray app (no
subcommand) is the start a user waits for at login, so its path imports neither the settings nor
the logging set-up before the icon is shown: records are held in memory until then, and the log
file is set up on the event loop's first tick (or at once, if the start fails before the icon).

Every error a user can meet ends here as one line ``title: message`` on stderr and a documented exit
status, never a traceback: 0 all ok; 2 usage or settings; 3 token (rejected, missing, keyring
trouble, Developer API credentials); 4 device; 5 rate limit; 6 network or server; 7 protocol; 1 an unexpected error (logged in
full to the log file, which the one-line message names); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from solaxtray import __version__
from solaxtray.core import paths
from solaxtray.core.errors import (
    EXIT_STATUS,
    EXIT_USAGE,
    ApiError,
    ConfigError,
    ErrorKind,
    NetworkError,
    RateLimited,
    SecretStoreError,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.locale_format import format_datetime, format_number
from solaxtray.core.redact import RedactingWriter, shorten_words

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.models import Snapshot
    from solaxtray.core.settings import Settings

logger = logging.getLogger(__name__)

API_URL_ENV = "SOLAXTRAY_API_URL"
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_AUTH = EXIT_STATUS[ErrorKind.AUTH]
"""3: a missing token and keyring trouble share the status of a rejected token."""
EXIT_INTERRUPTED = 130
MAX_LEDGER_WAIT_S = 65.0
"""``fetch`` waits for the shared request budget up to about a minute (the per-minute window), and
gives up with exit status 5 beyond that (the daily budget is spent)."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""``solaxtray.core.logsetup.LEVELS``, repeated here so the parser needs no logging set-up."""


class _UsageError(SolaxTrayError):
    title = N_("Usage")


_T = TypeVar("_T")

SOURCE_FLAG_SN = "--sn"
SOURCE_FLAG_API_URL = "--api-url"
SOURCE_ENV_API_URL = API_URL_ENV
SOURCE_SETTINGS = "settings"

_SOURCE_TITLES = {
    SOURCE_FLAG_SN: N_("Check the --sn option"),
    SOURCE_FLAG_API_URL: N_("Check the --api-url option"),
    SOURCE_ENV_API_URL: N_("Check the environment variable {name}"),
    SOURCE_SETTINGS: N_("Check the settings"),
}
"""The title of a refused value names where it came from, so the user fixes the right place
(marked for translation; translated where used)."""


def _checked(source: str, check: Callable[[], _T]) -> _T:
    """``check()``, with a refusal re-titled after ``source`` (a usage error, exit status 2)."""
    try:
        return check()
    except ConfigError as exc:
        raise _UsageError(
            exc.message, title=_(_SOURCE_TITLES[source]).format(name=API_URL_ENV)
        ) from None


TOKEN_ACTIONS: tuple[tuple[str, str], ...] = (
    ("set", N_("store the tokenId in the keyring (prompted without echo, or read from stdin)")),
    ("status", N_("say where the token is stored and whether it is set")),
    ("clear", N_("remove the tokenId from the keyring")),
)
CREDENTIALS_ACTIONS: tuple[tuple[str, str], ...] = (
    (
        "set",
        N_(
            "store the client id and secret in the keyring (prompted without echo, or two lines "
            "from stdin: the id, then the secret)"
        ),
    ),
    ("status", N_("say where the client id and secret are stored and whether they are set")),
    ("clear", N_("remove the client id and secret from the keyring")),
)
"""Each action and its line of help (marked for translation; translated where shown)."""


def _missing_action(command: str, actions: Sequence[tuple[str, str]]) -> _UsageError:
    """What ``solaxtray token`` (no action) says: every action with its one line, not only
    argparse's "required: ACTION"."""
    width = max(len(name) for name, _words in actions)
    listing = "\n".join(f"  {name.ljust(width)}  {_(words)}" for name, words in actions)
    return _UsageError(
        _(
            "'solaxtray {command}' needs one of these actions:\n{listing}\n"
            "For example: solaxtray {command} status"
        ).format(command=command, listing=listing),
        title=_("Action missing"),
    )


# --- parser --------------------------------------------------------------------------------------


def _add_target_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--backend``, ``--sn``, ``--api-url`` and ``--demo`` are accepted before or after the
    subcommand."""
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--backend",
        type=_backend_arg,
        metavar="{token,developer}",
        default=default,
        help=_(
            "which SolaX API to use: 'token' (a tokenId from the API page of SolaX Cloud) or "
            "'developer' (the Developer API's client id and secret, for accounts made since "
            "September 2026); default: the settings, else token"
        ),
    )
    parser.add_argument(
        "--sn",
        action="append",
        metavar="SN",
        default=default,
        help=_(
            "with --backend token: the registration number of a dongle (10 characters); with "
            "--backend developer: the inverter's own serial number (on its label); repeat for "
            "several inverters; default: the serials in the settings"
        ),
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help=_(
            "the server of the chosen API: for token a server name or API address (default: "
            "${variable}, then the settings, then the global SolaX Cloud server); for developer "
            "a region (eu, cn, in) or address (default: the settings, then eu)"
        ).format(variable=API_URL_ENV),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help=_("use the built-in simulated cloud (no account, token or credentials needed)"),
    )


def _backend_arg(text: str) -> str:
    from solaxtray.core.settings import check_backend

    try:
        return check_backend(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (exposed for the README and the tests)."""
    parser = argparse.ArgumentParser(
        prog="solaxtray",
        description=_(
            "Watch SolaX inverters through the SolaX Cloud. Without a command, starts the tray app."
        ),
        epilog=_(
            "Exit status: 0 ok, 2 usage or settings, 3 token or credentials, "
            "4 serial number/device, "
            "5 rate limit, 6 network or server, 7 unexpected answer, 1 other error."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"solaxtray {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.upper,
        default="WARNING",
        help=_("what the console shows (the log file always records INFO and above)"),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("check that everything the app needs loads and works, then exit 0 or 1"),
    )
    _add_target_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    fetch = commands.add_parser(
        "fetch",
        help=_(
            "ask the cloud once for every inverter (several per request with the Developer API) "
            "and print the values"
        ),
    )
    _add_target_options(fetch, top=False)
    fetch.add_argument("--json", action="store_true", help=_('print {"inverters": [...]} as JSON'))

    watch = commands.add_parser(
        "watch",
        help=_("poll like the tray app and print one JSON line per new snapshot and per alert"),
    )
    _add_target_options(watch, top=False)

    token = commands.add_parser("token", help=_("store, inspect or remove the tokenId"))
    # Not required: without an action the command lists them all (see _missing_action).
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION")
    for name, words in TOKEN_ACTIONS:
        token_commands.add_parser(name, help=_(words))

    credentials = commands.add_parser(
        "credentials",
        help=_("store, inspect or remove the Developer API client id and secret"),
        description=_(
            "The client id and secret of an application (client_credentials grant) on the "
            "SolaX Developer Platform, https://developer.solaxcloud.com/ , for --backend "
            "developer. The environment variables SOLAXTRAY_CLIENT_ID and "
            "SOLAXTRAY_CLIENT_SECRET override them."
        ),
    )
    credential_commands = credentials.add_subparsers(dest="credentials_command", metavar="ACTION")
    for name, words in CREDENTIALS_ACTIONS:
        credential_commands.add_parser(name, help=_(words))

    from solaxtray import cli_history

    cli_history.add_parser(commands)

    simulate = commands.add_parser(
        "simulate",
        help=_(
            "run the built-in SolaX Cloud simulator (tokenId and Developer API) in the foreground"
        ),
    )
    simulate.add_argument(
        "--port", type=int, default=0, help=_("TCP port on 127.0.0.1 (default: any free port)")
    )
    from solaxtray import cli_doctor

    cli_doctor.add_commands(commands, _add_target_options)
    _add_lang_option(parser, top=True)
    return parser


def _add_lang_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--lang`` on the top level and on every command and action (it is read before parsing,
    by :func:`_choose_language`; here it is only accepted and documented)."""
    from solaxtray.core.i18n import LANGUAGES

    parser.add_argument(
        "--lang",
        metavar="LANG",
        default=None if top else argparse.SUPPRESS,
        help=_(
            "the language to speak ({languages}); default: the settings, then the system's language"
        ).format(languages=", ".join(LANGUAGES)),
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _add_lang_option(sub, top=False)


# --- what a run talks to -------------------------------------------------------------------------


@dataclass(slots=True)
class _Target:
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


def _load_settings(demo: bool = False) -> Settings:
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


def _chosen_backend(args: argparse.Namespace, settings: Settings) -> str:
    return str(getattr(args, "backend", None) or settings.backend)


def _resolve_target(args: argparse.Namespace, settings: Settings, stack: ExitStack) -> _Target:
    """Flags beat the environment, which beats the settings. ``--demo`` starts the simulator
    in-process (stopped by ``stack``) and uses its credentials and serials."""
    from solaxtray.core.settings import BACKEND_DEVELOPER, BACKEND_TOKEN, normalize_serials

    backend = _chosen_backend(args, settings)
    given = _checked(SOURCE_FLAG_SN, lambda: normalize_serials(args.sn, backend)) if args.sn else ()
    _check_api_url_flag(args)
    if args.demo:
        return _demo_target(backend, given, stack)

    # The saved serials are names in the saved API's terms: useless with the other API.
    serials = given or (settings.serials if backend == settings.backend else ())
    if not serials:
        if backend == BACKEND_DEVELOPER:
            words = _(
                "No serial number given. Add --sn with the inverter's own serial number (printed "
                "on its label; the Developer API does not use the dongle's registration number), "
                "or save it in the settings (try --demo to see solaxtray work without an account)."
            )
        else:
            words = _(
                "No serial number given. Add --sn with the 10-character registration number "
                "printed on your Pocket WiFi/LAN/4G dongle, or save it in the settings (try --demo "
                "to see solaxtray work without an account)."
            )
        raise _UsageError(words)
    if backend == BACKEND_DEVELOPER:
        return _developer_target(args, settings, serials)

    api_url = _token_api_url(args, settings)

    from solaxtray.core import secrets

    # With a time limit: a locked keyring would otherwise hang a fetch or watch run from cron.
    token = secrets.TokenStore().get_with_timeout(secrets.DEFAULT_TIMEOUT_S)
    if token is None:
        raise SecretStoreError(
            _(
                "No tokenId is set. Run 'solaxtray token set' to store it in the keyring, or set "
                "the environment variable SOLAXTRAY_TOKEN."
            ),
            title=_("No token"),
        )
    return _Target(BACKEND_TOKEN, serials, api_url, token=token)


def _check_api_url_flag(args: argparse.Namespace) -> None:
    """Refuse an ``--api-url`` that cannot be meant: empty (it would fall back to the real cloud
    unnoticed), or next to ``--demo`` (whose simulated cloud would be shown as if it were that
    server: refused rather than warned about, because the printed figures would be fake)."""
    if args.api_url is None:
        return
    if not args.api_url.strip():
        raise _UsageError(
            _(
                "--api-url was given an empty value. Give a server name or an https:// address, "
                "or leave out --api-url to use the server from the settings."
            ),
            title=_(_SOURCE_TITLES[SOURCE_FLAG_API_URL]),
        )
    if args.demo:
        raise _UsageError(
            _(
                "--demo uses the built-in simulated cloud, so it cannot be combined with "
                "--api-url. Leave out --demo to ask that server, or leave out --api-url to see "
                "the demo."
            ),
        )


def _token_api_url(args: argparse.Namespace, settings: Settings) -> str:
    """The tokenId API's address from ``--api-url``, else the environment, else the settings;
    a refusal names the one it came from."""
    from solaxtray.core.api.servers import DEFAULT_API_URL, resolve_api_url

    if args.api_url is not None:
        return _checked(SOURCE_FLAG_API_URL, lambda: resolve_api_url(args.api_url))
    from_env = os.environ.get(API_URL_ENV, "").strip()
    if from_env:
        return _checked(SOURCE_ENV_API_URL, lambda: resolve_api_url(from_env))
    saved = settings.api_url
    if saved:
        return _checked(SOURCE_SETTINGS, lambda: resolve_api_url(saved))
    return DEFAULT_API_URL


def _demo_target(backend: str, given: tuple[str, ...], stack: ExitStack) -> _Target:
    from solaxtray.core.settings import BACKEND_DEVELOPER

    if backend == BACKEND_DEVELOPER:
        from solaxtray.core.simulator.developer import (
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            DEMO_DEVICE_SERIALS,
            DeveloperSimulator,
        )

        dev = stack.enter_context(DeveloperSimulator.demo())
        return _Target(
            backend,
            given or DEMO_DEVICE_SERIALS,
            dev.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            demo=True,
        )
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

    sim = stack.enter_context(CloudSimulator.demo())
    return _Target(backend, given or tuple(DEMO_SERIALS), sim.v1_url, token=DEMO_TOKEN, demo=True)


def _developer_target(
    args: argparse.Namespace, settings: Settings, serials: tuple[str, ...]
) -> _Target:
    from solaxtray.core import secrets
    from solaxtray.core.api.developer.regions import resolve_developer_host
    from solaxtray.core.redact import register_secret
    from solaxtray.core.secrets import CLIENT_ID_ENV, CLIENT_SECRET_ENV, DeveloperCredentials
    from solaxtray.core.settings import BACKEND_DEVELOPER

    # A typo is reported before anything is read from the keyring.
    if args.api_url is not None:
        host = args.api_url
        _checked(SOURCE_FLAG_API_URL, lambda: resolve_developer_host(host))
    else:
        host = settings.developer_host
        _checked(SOURCE_SETTINGS, lambda: resolve_developer_host(host))
    client_id, client_secret = DeveloperCredentials().get_with_timeout(secrets.DEFAULT_TIMEOUT_S)
    if client_id is not None and client_secret is not None:
        # The id is kept out of sight like the secret (the keyring names it by a digest only).
        register_secret(client_id)
    if client_id is None or client_secret is None:
        if client_id is None and client_secret is None:
            missing = _("No Developer API client id and secret is set.")
        elif client_id is None:
            missing = _("No Developer API client id is set.")
        else:
            missing = _("No Developer API client secret is set.")
        raise SecretStoreError(
            _(
                "{missing} Run 'solaxtray credentials set' to store the client id and secret of "
                "your application on the SolaX Developer Platform in the keyring, or set the "
                "environment variables {id_env} and {secret_env}."
            ).format(missing=missing, id_env=CLIENT_ID_ENV, secret_env=CLIENT_SECRET_ENV),
            title=_("No credentials"),
        )
    from_env = bool(
        os.environ.get(CLIENT_ID_ENV, "").strip() or os.environ.get(CLIENT_SECRET_ENV, "").strip()
    )
    return _Target(
        BACKEND_DEVELOPER,
        serials,
        host,
        client_id=client_id,
        client_secret=client_secret,
        shared_token_cache=not from_env,
    )


def _open_backend(target: _Target, stack: ExitStack) -> RealtimeBackend:
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


def _make_ledger(
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


def _acquire(ledger: RequestLedger, sn: str, count: int = 1) -> None:
    """Take ``count`` requests from the shared budget, waiting up to about a minute for them."""
    while not ledger.try_acquire(sn, count):
        wait = ledger.wait_time(count)
        if wait > MAX_LEDGER_WAIT_S:
            raise RateLimited(
                _(
                    "solaxtray has used this account's request budget ({used_today} requests today); "
                    "the next request is possible in about {minutes} minutes."
                ).format(used_today=ledger.used_today(), minutes=f"{wait / 60:.0f}"),
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


def _open_history(target: _Target, stack: ExitStack) -> HistoryStore | None:
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


# --- fetch ---------------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    from solaxtray.core.snapshot_json import error_to_json, snapshot_to_json

    settings = _load_settings(bool(getattr(args, "demo", False)))
    with ExitStack() as stack:
        target = _resolve_target(args, settings, stack)
        backend = _open_backend(target, stack)
        # The demo cloud has its own quota; it must not spend the user's real budget.
        ledger = None if target.demo else _make_ledger(settings, backend, target.backend)
        results = _fetch_all(backend, list(target.serials), ledger)
        history = _open_history(target, stack)
        if history is not None:
            history.record(item for item in results if not isinstance(item, ApiError))

    status = EXIT_OK
    for item in results:
        if isinstance(item, ApiError):
            _say(f"{item.sn}: {item.title}", item.message)
            if status == EXIT_OK:
                status = EXIT_STATUS.get(item.kind, EXIT_UNEXPECTED)
    if args.json:
        items = [
            error_to_json(item) if isinstance(item, ApiError) else snapshot_to_json(item)
            for item in results
        ]
        import json

        json.dump({"inverters": items}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(results, sys.stdout)
    return status


def _fetch_all(
    backend: RealtimeBackend, serials: list[str], ledger: RequestLedger | None
) -> list[Snapshot | ApiError]:
    """Every serial's outcome, in order, one ``fetch_many`` per batch the backend allows.

    Each batch first takes what it normally costs from the ledger, and afterwards whatever more
    it really sent (a token renewal, a split batch). After an error that concerns the account
    rather than one inverter (rejected credentials, rate limit, no network) the remaining batches
    get the same error without a request: with a rejected token each further request would count
    towards an hour's ban.
    """
    import copy

    step = max(1, backend.max_serials_per_request)
    outcomes: dict[str, Snapshot | ApiError] = {}
    stop: ApiError | None = None
    for start in range(0, len(serials), step):
        batch = serials[start : start + step]
        if stop is None and ledger is not None:
            need = max(1, backend.requests_for(len(batch)))
            try:
                _acquire(ledger, batch[0], need)
            except RateLimited as exc:
                stop = exc
        else:
            need = 0
        if stop is not None:
            for sn in batch:
                clone = copy.copy(stop)
                clone.sn = sn
                outcomes[sn] = clone
            continue
        before = backend.requests_made
        try:
            found = backend.fetch_many(batch)
        finally:
            spent = backend.requests_made - before
            if ledger is not None and need:
                ledger.finish(batch[0], max(0, spent - need))
        for sn in batch:
            item = found.get(sn)
            if item is None:  # cannot happen with our backends; never a KeyError for the user
                continue
            outcomes[sn] = item
            if isinstance(item, ApiError):
                logger.info("fetch %s failed: %s: %s", sn, item.title, item.message)
                if isinstance(item, TokenRejected | RateLimited | NetworkError):
                    stop = item
    return [outcomes[sn] for sn in serials if sn in outcomes]


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_number(value, digits)


def _print_table(results: Sequence[Snapshot | ApiError], out: TextIO) -> None:
    """A readable table, one row per inverter; failed rows say what went wrong in words."""
    header = (
        _("Serial"),
        _("Status"),
        _("Type"),
        _("AC W"),
        _("PV W"),
        _("Grid W"),
        _("Battery W"),
        _("SOC %"),
        _("Today kWh"),
        _("Uploaded"),
    )
    rows: list[tuple[str, ...]] = []
    for item in results:
        if isinstance(item, BaseException):
            rows.append((item.sn or "?", _("error: {title}").format(title=item.title)))
            continue
        rows.append(
            (
                item.sn,
                _(item.inverter_status.label) if item.inverter_status is not None else "–",
                item.inverter_type.label if item.inverter_type is not None else "–",
                _fmt(item.ac_power),
                _fmt(item.pv_total),
                _fmt(item.feedin_power),
                _fmt(item.bat_power),
                _fmt(item.soc),
                _fmt(item.yield_today, 1),
                format_datetime(item.upload_time) if item.upload_time else "–",
            )
        )
    full = [r for r in rows if len(r) == len(header)]
    widths = [max([len(h), *(len(r[i]) for r in full)]) for i, h in enumerate(header)]
    numeric = {3, 4, 5, 6, 7, 8}

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    out.write(line(header) + "\n")
    for row in rows:
        out.write((line(row) if len(row) == len(header) else "  ".join(row)) + "\n")
    if any(len(r) == len(header) for r in rows):
        out.write(_("Grid W: + export, − import.  Battery W: + charging, − discharging.") + "\n")


# --- watch ---------------------------------------------------------------------------------------


def _cmd_watch(args: argparse.Namespace) -> int:
    from solaxtray.core.watch import run_watch

    settings = _load_settings(bool(getattr(args, "demo", False)))
    with ExitStack() as stack:
        target = _resolve_target(args, settings, stack)
        backend = _open_backend(target, stack)
        try:
            return run_watch(
                serials=list(target.serials),
                backend=backend,
                settings=settings,
                ledger=_make_ledger(
                    settings,
                    backend,
                    target.backend,
                    Path(stack.enter_context(tempfile.TemporaryDirectory())) / "ledger"
                    if target.demo
                    else None,
                ),
                out=sys.stdout,
                history=_open_history(target, stack),
            )
        except KeyboardInterrupt:
            # Ctrl-C is how a user ends watch: not an error.
            return EXIT_OK


# --- token ---------------------------------------------------------------------------------------


def _read_token_input() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(_("SolaX Cloud tokenId (typing is hidden): "))
        except EOFError:  # Ctrl-D at the prompt: nothing entered
            return ""
    return sys.stdin.readline() if sys.stdin is not None else ""


def _cmd_token(args: argparse.Namespace) -> int:
    from solaxtray.core.secrets import (
        DEFAULT_TIMEOUT_S,
        TOKEN_ENV,
        TokenStore,
        check_token,
        run_with_timeout,
    )

    action = args.token_command
    if action is None:
        raise _missing_action("token", TOKEN_ACTIONS)
    store = TokenStore()
    if action == "set":
        token, warning = check_token(_read_token_input())
        if warning:
            print(
                _("Warning: {warning}").format(warning=shorten_words(warning)),
                file=sys.stderr,
            )
        store.set(token)
        status = store.status()
        print(_("Token saved in the keyring: {backend}.").format(backend=status.backend_name))
        if status.source == "env":
            print(
                _(
                    "Note: the environment variable {env} is set and takes precedence over the "
                    "keyring while it is set."
                ).format(env=TOKEN_ENV)
            )
        return EXIT_OK
    if action == "status":
        status = run_with_timeout(store.status, DEFAULT_TIMEOUT_S, what="status", env_var=TOKEN_ENV)
        print(status.describe())
        return EXIT_OK if status.is_set else EXIT_AUTH
    # clear
    removed = store.clear()
    print(
        _("Token removed from the keyring.")
        if removed
        else _("No token was stored in the keyring.")
    )
    if os.environ.get(TOKEN_ENV, "").strip():
        print(
            _("Note: the environment variable {env} still provides a token.").format(env=TOKEN_ENV)
        )
    return EXIT_OK


# --- credentials -------------------------------------------------------------------------------


def _read_credentials_input() -> tuple[str, str]:
    """Prompted without echo on a terminal; two lines (id, secret) from a pipe."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            client_id = getpass.getpass(_("Developer API client id (typing is hidden): "))
            secret = getpass.getpass(_("Developer API client secret (typing is hidden): "))
        except EOFError:  # Ctrl-D at a prompt: nothing entered
            return "", ""
        return client_id, secret
    if sys.stdin is None:
        return "", ""
    return sys.stdin.readline(), sys.stdin.readline()


def _cmd_credentials(args: argparse.Namespace) -> int:
    from solaxtray.core.secrets import (
        CLIENT_ID_ENV,
        CLIENT_SECRET_ENV,
        DEFAULT_TIMEOUT_S,
        DeveloperCredentials,
        run_with_timeout,
    )

    action = args.credentials_command
    if action is None:
        raise _missing_action("credentials", CREDENTIALS_ACTIONS)
    creds = DeveloperCredentials()
    env_set = [
        name for name in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if os.environ.get(name, "").strip()
    ]
    if action == "set":
        client_id, secret = _read_credentials_input()
        creds.set(client_id, secret)
        id_status, _secret_status = creds.status()
        print(
            _("Client id and secret saved in the keyring: {backend}.").format(
                backend=id_status.backend_name
            )
        )
        if env_set:
            print(
                _(
                    "Note: the environment variable {names} is set and takes precedence over the "
                    "keyring while it is set."
                ).format(names=" and ".join(env_set))
            )
        return EXIT_OK
    if action == "status":
        statuses = run_with_timeout(
            creds.status,
            DEFAULT_TIMEOUT_S,
            what="status",
            env_var=f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}",
        )
        for status in statuses:
            print(status.describe())
        return EXIT_OK if all(s.is_set for s in statuses) else EXIT_AUTH
    removed = creds.clear()
    print(
        _("Client id and secret removed from the keyring.")
        if removed
        else _("No client id or secret was stored in the keyring.")
    )
    for name in env_set:
        print(_("Note: the environment variable {name} is still set.").format(name=name))
    return EXIT_OK


# --- simulate ------------------------------------------------------------------------------------


def _cmd_simulate(args: argparse.Namespace) -> int:
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN
    from solaxtray.core.simulator.developer import (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_DEVICE_SERIALS,
        DeveloperSimulator,
        serve_forever_developer_demo,
    )

    if not 0 <= args.port <= 65535:
        raise _UsageError(
            _("--port must be between 0 and 65535, not {port}.").format(port=args.port)
        )

    def ready(sim: DeveloperSimulator) -> None:
        serials = " ".join(f"--sn {sn}" for sn in DEMO_SERIALS)
        devices = " ".join(f"--sn {sn}" for sn in DEMO_DEVICE_SERIALS)
        print(_("SolaX Cloud simulator running at {base_url}").format(base_url=sim.base_url))
        print(_("tokenId API:"))
        print(_("  v1 API:     {v1_url}").format(v1_url=sim.v1_url))
        print(_("  v2 API:     {v2_url}").format(v2_url=sim.v2_url))
        print(_("  demo token: {token}").format(token=DEMO_TOKEN))
        print(_("  serials:    {serials}").format(serials=", ".join(DEMO_SERIALS)))
        print(
            _("Try: SOLAXTRAY_TOKEN={token} solaxtray fetch --api-url {v1_url} {serials}").format(
                token=DEMO_TOKEN, v1_url=sim.v1_url, serials=serials
            )
        )
        print(_("Developer API:"))
        print(_("  server:        {base_url}").format(base_url=sim.base_url))
        print(_("  client id:     {client_id}").format(client_id=DEMO_CLIENT_ID))
        print(_("  client secret: {secret}").format(secret=DEMO_CLIENT_SECRET))
        print(_("  serials:       {serials}").format(serials=", ".join(DEMO_DEVICE_SERIALS)))
        print(
            _(
                "Try: SOLAXTRAY_CLIENT_ID={client_id} "
                "SOLAXTRAY_CLIENT_SECRET={secret} solaxtray fetch --backend "
                "developer --api-url {base_url} {devices}"
            ).format(
                client_id=DEMO_CLIENT_ID,
                secret=DEMO_CLIENT_SECRET,
                base_url=sim.base_url,
                devices=devices,
            )
        )
        print(_("Press Ctrl-C to stop."), flush=True)

    try:
        serve_forever_developer_demo(args.port, ready=ready)
    except OSError as exc:
        raise _UsageError(
            _(
                "The simulator cannot listen on port {port}: {reason}. Choose another --port, or "
                "0 for any free port."
            ).format(port=args.port, reason=exc.strerror or exc),
            title=_("Cannot start the simulator"),
        ) from exc
    except KeyboardInterrupt:
        pass
    return EXIT_OK


# --- tray app and self-test ----------------------------------------------------------------------


def _missing_display() -> bool:
    """Whether this is a Linux (or BSD) session without any display to show a tray icon on.

    Why ask before Qt: Qt aborts the whole process (SIGABRT, with a page about platform plugins)
    when its platform plugin finds no display, which no ``except`` can catch. An explicit
    ``QT_QPA_PLATFORM`` (offscreen, vnc, ...) is the user's choice and is left to Qt.
    """
    if sys.platform in ("win32", "darwin"):
        return False
    if os.environ.get("QT_QPA_PLATFORM", "").strip():
        return False
    return not (
        os.environ.get("DISPLAY", "").strip() or os.environ.get("WAYLAND_DISPLAY", "").strip()
    )


def _cmd_tray(args: argparse.Namespace) -> int:
    backend: str | None = args.backend
    serials = None
    developer = False
    if backend is not None or args.sn:
        # Only with these flags: a plain start shows its icon without loading the settings here.
        from solaxtray.core.settings import BACKEND_DEVELOPER, SettingsStore, normalize_serials

        developer = backend == BACKEND_DEVELOPER
        if args.sn:
            kind = backend or SettingsStore(paths.settings_path()).load()[0].backend
            serials = list(_checked(SOURCE_FLAG_SN, lambda: normalize_serials(args.sn, kind)))
    _check_api_url_flag(args)
    # The environment beats the settings here too; the app reads the settings itself.
    api_url: str | None = args.api_url
    source = SOURCE_FLAG_API_URL
    if api_url is None and not developer and not args.demo:
        api_url = os.environ.get(API_URL_ENV, "").strip() or None
        source = SOURCE_ENV_API_URL
    if api_url:
        # A typo is reported here, before any window opens.
        checked_url = api_url
        if developer:
            from solaxtray.core.api.developer.regions import resolve_developer_host

            _checked(source, lambda: resolve_developer_host(checked_url))
        else:
            from solaxtray.core.api.servers import resolve_api_url

            _checked(source, lambda: resolve_api_url(checked_url))
    if _missing_display():
        raise _UsageError(
            _(
                "no desktop display was found (DISPLAY and WAYLAND_DISPLAY are not set), and the "
                "tray app needs a desktop session; on a server use 'solaxtray watch' or "
                "'solaxtray fetch --demo'."
            ),
            title=_("Cannot start the tray app"),
        )
    from dataclasses import fields as dataclass_fields

    from solaxtray.ui.app import AppOptions, run_app

    options: dict[str, Any] = {"demo": args.demo, "serials": serials, "api_url": api_url}
    if "backend" in {f.name for f in dataclass_fields(AppOptions)}:
        options["backend"] = backend
    elif backend is not None:
        logger.warning("This tray app version takes the API from its settings, not --backend")
        print(
            _(
                "Note: the tray app uses the SolaX API chosen in its settings; --backend applies "
                "to fetch and watch."
            ),
            file=sys.stderr,
        )
    from PySide6.QtCore import QObject, QTimer

    # The log file is set up on the event loop's first tick, when the icon is up. Tied to
    # ``anchor`` so the call is dropped if run_app returns without running the loop.
    anchor = QObject()
    QTimer.singleShot(0, anchor, _logging_after_icon)
    try:
        return run_app(AppOptions(**options))
    finally:
        import shiboken6

        shiboken6.delete(anchor)


def _cmd_self_test() -> int:
    from solaxtray.selftest import run_self_test

    return run_self_test()


# --- logging -------------------------------------------------------------------------------------


class _EarlyRecords(logging.Handler):
    """Holds what is logged before the log file is set up (the tray path sets it up only once its
    icon is shown), so those records still reach the file then. Bounded: a start that logs in a
    loop must not grow without limit."""

    LIMIT = 1000

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


@dataclass(slots=True)
class _LogState:
    level: str = "WARNING"
    early: _EarlyRecords | None = None


_log_state = _LogState()


def _hold_logging(level: str) -> None:
    """Collect records in memory until ``_logging_ready``; the root level as the log file will
    have it (INFO and above at least, more if asked for), so nothing it would keep is dropped."""
    _log_state.level = level
    early = _EarlyRecords()
    _log_state.early = early
    root = logging.getLogger()
    root.addHandler(early)
    root.setLevel(min(logging.getLevelName(level), logging.INFO))


def _logging_ready(level: str | None = None) -> Path:
    """Set up the log file (and console) now, and hand it the records held until then."""
    from solaxtray.core.logsetup import configure_logging

    early, _log_state.early = _log_state.early, None
    root = logging.getLogger()
    if early is not None:
        root.removeHandler(early)
    log_file = configure_logging(level or _log_state.level, console=True)
    for record in early.records if early is not None else ():
        for handler in root.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)
    return log_file


def _logging_after_icon() -> None:
    """The first event-loop tick of the tray app: set up the log file, keeping the app's own
    exception hook (its error dialog), which it installed after the icon."""
    if _log_state.early is None:
        return
    hook = sys.excepthook
    _logging_ready()
    if hook is not sys.__excepthook__:
        sys.excepthook = hook


# --- entry point ---------------------------------------------------------------------------------


def exit_status_for(exc: SolaxTrayError) -> int:
    """The documented exit status of an error (see the module docstring)."""
    if isinstance(exc, ApiError):
        return EXIT_STATUS.get(exc.kind, EXIT_UNEXPECTED)
    if isinstance(exc, SecretStoreError):
        return EXIT_AUTH
    if isinstance(exc, ConfigError | _UsageError):
        return EXIT_USAGE
    from solaxtray.cli_history import HistoryUsageError

    if isinstance(exc, HistoryUsageError):
        return EXIT_USAGE
    return EXIT_UNEXPECTED


def _say(title: str, message: str) -> None:
    """One error line on stderr: ``title: message``, with any overlong run of characters (a
    megabyte-long value quoted by some sentence) cut, so a line stays readable."""
    print(
        _("{title}: {message}").format(title=title, message=shorten_words(message)), file=sys.stderr
    )


@contextlib.contextmanager
def _redacted_stdio() -> Iterator[None]:
    """Everything printed on stdout and stderr meanwhile, by us or by code we call (the table,
    ``--json``, ``watch`` lines, error sentences), passes the log files' secret masking: a cloud
    that echoes the token (as a serial, in a redirect) must not get it onto the terminal."""
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(saved[0])
    sys.stderr = RedactingWriter(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved


def _choose_language(arguments: Sequence[str]) -> str:
    """Speak ``--lang``, else the ``language`` setting (not with ``--demo``, which never reads the
    user's settings), else the environment's language, from here on: before the parser is built,
    so that ``--help`` and argparse's own words are translated too."""
    from solaxtray.core import i18n

    lang: str | None = None
    demo = False
    for i, arg in enumerate(arguments):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(arguments):
            lang = arguments[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.removeprefix("--lang=")
        elif arg == "--demo":
            demo = True
    setting = None
    if not demo and not lang:
        from solaxtray.core.settings import SettingsStore

        setting = SettingsStore(paths.settings_path()).peek_language() or None
    language = i18n.configure(cli=lang, setting=setting)
    i18n.install_argparse()
    return language


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script passes it to sys.exit)."""
    arguments = list(argv) if argv is not None else sys.argv[1:]
    _choose_language(arguments)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "simulate":
        # It prints the simulator's public demo token and secret on purpose.
        return _main(args)
    with _redacted_stdio():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    log_file: Path = paths.log_path()
    tray = args.command is None and not args.self_test
    try:
        if tray:
            _hold_logging(args.log_level)
        else:
            log_file = _logging_ready(args.log_level)
        logger.debug("solaxtray %s, command %s", __version__, args.command or "tray")
        if args.self_test:
            return _cmd_self_test()
        if args.command == "fetch":
            return _cmd_fetch(args)
        if args.command == "watch":
            return _cmd_watch(args)
        if args.command == "token":
            return _cmd_token(args)
        if args.command == "credentials":
            return _cmd_credentials(args)
        if args.command == "simulate":
            return _cmd_simulate(args)
        if args.command == "history":
            from solaxtray import cli_history

            return cli_history.run(args)
        if args.command in ("doctor", "inverters"):
            from solaxtray import cli_doctor

            return cli_doctor.run(args)
        return _cmd_tray(args)
    except SolaxTrayError as exc:
        if _log_state.early is not None:  # the tray app failed before its icon
            log_file = _logging_ready()
        logger.info("%s: %s", exc.title, exc.message)
        _say(exc.title, exc.message)
        return exit_status_for(exc)
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``solaxtray fetch --json | head``): nothing left to tell anyone.
        # Point stdout at nothing so the interpreter's final flush does not fail again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:
        if _log_state.early is not None:
            log_file = _logging_ready()
        logger.exception("Unexpected error", extra={"console": False})
        print(
            _(
                "solaxtray stopped because of an unexpected error. The details are in the log "
                "file {log_file}; please include it when you report the problem."
            ).format(log_file=log_file),
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    finally:
        if _log_state.early is not None:  # the tray app returned before its event loop ran
            _logging_ready()
