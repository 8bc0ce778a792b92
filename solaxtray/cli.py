"""The ``solaxtray`` command: the tray app by default, and ``fetch``, ``watch``, ``token``,
``credentials`` and ``simulate`` for scripts, servers and first steps.

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
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

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

if TYPE_CHECKING:
    from solaxtray.core.backend import RealtimeBackend
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
    title = "Usage"


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
        help="which SolaX API to use: 'token' (a tokenId from the API page of SolaX Cloud) or "
        "'developer' (the Developer API's client id and secret, for accounts made since "
        "September 2026); default: the settings, else token",
    )
    parser.add_argument(
        "--sn",
        action="append",
        metavar="SN",
        default=default,
        help="with --backend token: the registration number of a dongle (10 characters); with "
        "--backend developer: the inverter's own serial number (on its label); repeat for several "
        "inverters; default: the serials in the settings",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help=f"the server of the chosen API: for token a server name or API address (default: "
        f"${API_URL_ENV}, then the settings, then the global SolaX Cloud server); for developer "
        "a region (eu, cn, in) or address (default: the settings, then eu)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="use the built-in simulated cloud (no account, token or credentials needed)",
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
        description="Watch SolaX inverters through the SolaX Cloud. Without a command, starts the "
        "tray app.",
        epilog="Exit status: 0 ok, 2 usage or settings, 3 token or credentials, "
        "4 serial number/device, "
        "5 rate limit, 6 network or server, 7 unexpected answer, 1 other error.",
    )
    parser.add_argument("--version", action="version", version=f"solaxtray {__version__}")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        type=str.upper,
        default="WARNING",
        help="what the console shows (the log file always records INFO and above)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that everything the app needs loads and works, then exit 0 or 1",
    )
    _add_target_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    fetch = commands.add_parser(
        "fetch",
        help="ask the cloud once for every inverter (several per request with the Developer API) "
        "and print the values",
    )
    _add_target_options(fetch, top=False)
    fetch.add_argument("--json", action="store_true", help='print {"inverters": [...]} as JSON')

    watch = commands.add_parser(
        "watch",
        help="poll like the tray app and print one JSON line per new snapshot and per alert",
    )
    _add_target_options(watch, top=False)

    token = commands.add_parser("token", help="store, inspect or remove the tokenId")
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    token_commands.add_parser(
        "set", help="store the tokenId in the keyring (prompted without echo, or read from stdin)"
    )
    token_commands.add_parser("status", help="say where the token is stored and whether it is set")
    token_commands.add_parser("clear", help="remove the tokenId from the keyring")

    credentials = commands.add_parser(
        "credentials",
        help="store, inspect or remove the Developer API client id and secret",
        description="The client id and secret of an application (client_credentials grant) on the "
        "SolaX Developer Platform, https://developer.solaxcloud.com/ , for --backend developer. "
        "The environment variables SOLAXTRAY_CLIENT_ID and SOLAXTRAY_CLIENT_SECRET override them.",
    )
    credential_commands = credentials.add_subparsers(
        dest="credentials_command", metavar="ACTION", required=True
    )
    credential_commands.add_parser(
        "set",
        help="store the client id and secret in the keyring (prompted without echo, or two lines "
        "from stdin: the id, then the secret)",
    )
    credential_commands.add_parser(
        "status", help="say where the client id and secret are stored and whether they are set"
    )
    credential_commands.add_parser("clear", help="remove the client id and secret from the keyring")

    simulate = commands.add_parser(
        "simulate",
        help="run the built-in SolaX Cloud simulator (tokenId and Developer API) in the foreground",
    )
    simulate.add_argument(
        "--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)"
    )
    return parser


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


def _load_settings() -> Settings:
    from solaxtray.core.settings import SettingsStore

    settings, warning = SettingsStore(paths.settings_path()).load()
    if warning:
        print(f"Warning: {warning}", file=sys.stderr)
    return settings


def _chosen_backend(args: argparse.Namespace, settings: Settings) -> str:
    return str(getattr(args, "backend", None) or settings.backend)


def _resolve_target(args: argparse.Namespace, settings: Settings, stack: ExitStack) -> _Target:
    """Flags beat the environment, which beats the settings. ``--demo`` starts the simulator
    in-process (stopped by ``stack``) and uses its credentials and serials."""
    from solaxtray.core.settings import BACKEND_DEVELOPER, BACKEND_TOKEN, normalize_serials

    backend = _chosen_backend(args, settings)
    given = normalize_serials(args.sn, backend) if args.sn else ()
    if args.demo:
        return _demo_target(backend, given, stack)

    # The saved serials are names in the saved API's terms: useless with the other API.
    serials = given or (settings.serials if backend == settings.backend else ())
    if not serials:
        if backend == BACKEND_DEVELOPER:
            hint = (
                "Add --sn with the inverter's own serial number (printed on its label; the "
                "Developer API does not use the dongle's registration number)"
            )
        else:
            hint = (
                "Add --sn with the 10-character registration number printed on your Pocket "
                "WiFi/LAN/4G dongle"
            )
        raise _UsageError(
            f"No serial number given. {hint}, or save it in the settings (try --demo to see "
            "solaxtray work without an account)."
        )
    if backend == BACKEND_DEVELOPER:
        return _developer_target(args, settings, serials)

    from solaxtray.core.servers import DEFAULT_API_URL, resolve_api_url

    raw_url = args.api_url or os.environ.get(API_URL_ENV, "").strip() or settings.api_url
    api_url = resolve_api_url(raw_url) if raw_url else DEFAULT_API_URL

    from solaxtray.core import secrets

    # With a time limit: a locked keyring would otherwise hang a fetch or watch run from cron.
    token = secrets.TokenStore().get_with_timeout(secrets.DEFAULT_TIMEOUT_S)
    if token is None:
        raise SecretStoreError(
            "No tokenId is set. Run 'solaxtray token set' to store it in the keyring, or set the "
            "environment variable SOLAXTRAY_TOKEN.",
            title="No token",
        )
    return _Target(BACKEND_TOKEN, serials, api_url, token=token)


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
    from solaxtray.core.developer_api import resolve_developer_host
    from solaxtray.core.secrets import CLIENT_ID_ENV, CLIENT_SECRET_ENV, DeveloperCredentials
    from solaxtray.core.settings import BACKEND_DEVELOPER

    host = args.api_url or settings.developer_host
    resolve_developer_host(host)  # a typo is reported before anything is read from the keyring
    client_id, client_secret = DeveloperCredentials().get_with_timeout(secrets.DEFAULT_TIMEOUT_S)
    if client_id is None or client_secret is None:
        missing = "client id and secret" if client_id is None else "client secret"
        if client_id is not None or client_secret is not None:
            missing = "client secret" if client_secret is None else "client id"
        raise SecretStoreError(
            f"No Developer API {missing} is set. Run 'solaxtray credentials set' to store the "
            "client id and secret of your application on the SolaX Developer Platform in the "
            f"keyring, or set the environment variables {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}.",
            title="No credentials",
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
    from solaxtray.core.backend import make_backend

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
                f"solaxtray has used this account's request budget ({ledger.used_today()} "
                f"requests today); the next request is possible in about {wait / 60:.0f} minutes.",
                sn=sn,
                retry_after=wait,
            )
        print(
            f"Waiting {wait:.0f} s to stay inside the account's request budget…",
            file=sys.stderr,
        )
        time.sleep(max(wait, 0.1))


# --- fetch ---------------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    from solaxtray.core.snapshot_json import error_to_json, snapshot_to_json

    settings = _load_settings()
    with ExitStack() as stack:
        target = _resolve_target(args, settings, stack)
        backend = _open_backend(target, stack)
        # The demo cloud has its own quota; it must not spend the user's real budget.
        ledger = None if target.demo else _make_ledger(settings, backend, target.backend)
        results = _fetch_all(backend, list(target.serials), ledger)

    status = EXIT_OK
    for item in results:
        if isinstance(item, ApiError):
            print(f"{item.sn}: {item.title}: {item.message}", file=sys.stderr)
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
    return f"{value:,.{digits}f}"


def _print_table(results: Sequence[Snapshot | ApiError], out: TextIO) -> None:
    """A readable table, one row per inverter; failed rows say what went wrong in words."""
    header = (
        "Serial",
        "Status",
        "Type",
        "AC W",
        "PV W",
        "Grid W",
        "Battery W",
        "SOC %",
        "Today kWh",
        "Uploaded",
    )
    rows: list[tuple[str, ...]] = []
    for item in results:
        if isinstance(item, BaseException):
            rows.append((item.sn or "?", f"error: {item.title}"))
            continue
        rows.append(
            (
                item.sn,
                item.inverter_status.label if item.inverter_status is not None else "–",
                item.inverter_type.label if item.inverter_type is not None else "–",
                _fmt(item.ac_power),
                _fmt(item.pv_total),
                _fmt(item.feedin_power),
                _fmt(item.bat_power),
                _fmt(item.soc),
                _fmt(item.yield_today, 1),
                item.upload_time.strftime("%Y-%m-%d %H:%M:%S") if item.upload_time else "–",
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
        out.write("Grid W: + export, − import.  Battery W: + charging, − discharging.\n")


# --- watch ---------------------------------------------------------------------------------------


def _cmd_watch(args: argparse.Namespace) -> int:
    from solaxtray.core.watch import run_watch

    settings = _load_settings()
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
            )
        except KeyboardInterrupt:
            # Ctrl-C is how a user ends watch: not an error.
            return EXIT_OK


# --- token ---------------------------------------------------------------------------------------


def _read_token_input() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass("SolaX Cloud tokenId (typing is hidden): ")
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

    store = TokenStore()
    action = args.token_command
    if action == "set":
        token, warning = check_token(_read_token_input())
        if warning:
            print(f"Warning: {warning}", file=sys.stderr)
        store.set(token)
        status = store.status()
        print(f"Token saved in the keyring: {status.backend_name}.")
        if status.source == "env":
            print(
                f"Note: the environment variable {TOKEN_ENV} is set and takes precedence over the "
                "keyring while it is set."
            )
        return EXIT_OK
    if action == "status":
        status = run_with_timeout(store.status, DEFAULT_TIMEOUT_S, what="status", env_var=TOKEN_ENV)
        print(status.describe())
        return EXIT_OK if status.is_set else EXIT_AUTH
    # clear
    removed = store.clear()
    print("Token removed from the keyring." if removed else "No token was stored in the keyring.")
    if os.environ.get(TOKEN_ENV, "").strip():
        print(f"Note: the environment variable {TOKEN_ENV} still provides a token.")
    return EXIT_OK


# --- credentials -------------------------------------------------------------------------------


def _read_credentials_input() -> tuple[str, str]:
    """Prompted without echo on a terminal; two lines (id, secret) from a pipe."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            client_id = getpass.getpass("Developer API client id (typing is hidden): ")
            secret = getpass.getpass("Developer API client secret (typing is hidden): ")
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

    creds = DeveloperCredentials()
    action = args.credentials_command
    env_set = [
        name for name in (CLIENT_ID_ENV, CLIENT_SECRET_ENV) if os.environ.get(name, "").strip()
    ]
    if action == "set":
        client_id, secret = _read_credentials_input()
        creds.set(client_id, secret)
        id_status, _ = creds.status()
        print(f"Client id and secret saved in the keyring: {id_status.backend_name}.")
        if env_set:
            print(
                f"Note: the environment variable {' and '.join(env_set)} is set and takes "
                "precedence over the keyring while it is set."
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
        "Client id and secret removed from the keyring."
        if removed
        else "No client id or secret was stored in the keyring."
    )
    for name in env_set:
        print(f"Note: the environment variable {name} is still set.")
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
        raise _UsageError(f"--port must be between 0 and 65535, not {args.port}.")

    def ready(sim: DeveloperSimulator) -> None:
        serials = " ".join(f"--sn {sn}" for sn in DEMO_SERIALS)
        devices = " ".join(f"--sn {sn}" for sn in DEMO_DEVICE_SERIALS)
        print(f"SolaX Cloud simulator running at {sim.base_url}")
        print("tokenId API:")
        print(f"  v1 API:     {sim.v1_url}")
        print(f"  v2 API:     {sim.v2_url}")
        print(f"  demo token: {DEMO_TOKEN}")
        print(f"  serials:    {', '.join(DEMO_SERIALS)}")
        print(f"Try: SOLAXTRAY_TOKEN={DEMO_TOKEN} solaxtray fetch --api-url {sim.v1_url} {serials}")
        print("Developer API:")
        print(f"  server:        {sim.base_url}")
        print(f"  client id:     {DEMO_CLIENT_ID}")
        print(f"  client secret: {DEMO_CLIENT_SECRET}")
        print(f"  serials:       {', '.join(DEMO_DEVICE_SERIALS)}")
        print(
            f"Try: SOLAXTRAY_CLIENT_ID={DEMO_CLIENT_ID} SOLAXTRAY_CLIENT_SECRET={DEMO_CLIENT_SECRET} "
            f"solaxtray fetch --backend developer --api-url {sim.base_url} {devices}"
        )
        print("Press Ctrl-C to stop.", flush=True)

    try:
        serve_forever_developer_demo(args.port, ready=ready)
    except OSError as exc:
        raise _UsageError(
            f"The simulator cannot listen on port {args.port}: {exc.strerror or exc}. "
            "Choose another --port, or 0 for any free port.",
            title="Cannot start the simulator",
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
            serials = list(normalize_serials(args.sn, kind))
    # The environment beats the settings here too; the app reads the settings itself.
    api_url = args.api_url or None
    if api_url is None and not developer:
        api_url = os.environ.get(API_URL_ENV, "").strip() or None
    if api_url:
        # A typo is reported here, before any window opens.
        if developer:
            from solaxtray.core.developer_api import resolve_developer_host

            resolve_developer_host(api_url)
        else:
            from solaxtray.core.servers import resolve_api_url

            resolve_api_url(api_url)
    if _missing_display():
        raise _UsageError(
            "no desktop display was found (DISPLAY and WAYLAND_DISPLAY are not set), and the "
            "tray app needs a desktop session; on a server use 'solaxtray watch' or "
            "'solaxtray fetch --demo'.",
            title="Cannot start the tray app",
        )
    from dataclasses import fields as dataclass_fields

    from solaxtray.ui.app import AppOptions, run_app

    options: dict[str, Any] = {"demo": args.demo, "serials": serials, "api_url": api_url}
    if "backend" in {f.name for f in dataclass_fields(AppOptions)}:
        options["backend"] = backend
    elif backend is not None:
        logger.warning("This tray app version takes the API from its settings, not --backend")
        print(
            "Note: the tray app uses the SolaX API chosen in its settings; --backend applies to "
            "fetch and watch.",
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
    return EXIT_UNEXPECTED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script passes it to sys.exit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help, --version, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE

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
        return _cmd_tray(args)
    except SolaxTrayError as exc:
        if _log_state.early is not None:  # the tray app failed before its icon
            log_file = _logging_ready()
        logger.info("%s: %s", exc.title, exc.message)
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
        return exit_status_for(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
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
            "solaxtray stopped because of an unexpected error. The details are in the log file "
            f"{log_file}; please include it when you report the problem.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    finally:
        if _log_state.early is not None:  # the tray app returned before its event loop ran
            _logging_ready()
