"""The ``solaxtray`` command: the tray app by default, and ``fetch``, ``watch``, ``token`` and
``simulate`` for scripts, servers and first steps.

Why argparse and lazy imports: ``solaxtray fetch`` on a headless server must not import Qt (nor the
simulator, nor the scheduler) just to print a table, and ``--help`` must work on a machine where Qt
cannot load at all. So each subcommand imports what it needs when it runs.

Every error a user can meet ends here as one line ``title: message`` on stderr and a documented exit
status, never a traceback: 0 all ok; 2 usage or settings; 3 token (rejected, missing, keyring
trouble); 4 device; 5 rate limit; 6 network or server; 7 protocol; 1 an unexpected error (logged in
full to the log file, which the one-line message names); 130 interrupted.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
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
    RateLimited,
    SecretStoreError,
    SolaxTrayError,
)
from solaxtray.core.logsetup import LEVELS, configure_logging
from solaxtray.core.settings import Settings, SettingsStore, normalize_serials

if TYPE_CHECKING:
    from solaxtray.core.client import SolaxClient
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.models import Snapshot

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


class _UsageError(SolaxTrayError):
    title = "Usage"


# --- parser --------------------------------------------------------------------------------------


def _add_target_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--sn``, ``--api-url`` and ``--demo`` are accepted before or after the subcommand."""
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--sn",
        action="append",
        metavar="SN",
        default=default,
        help="registration number of a dongle (10 characters); repeat for several inverters; "
        "default: the serials in the settings",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help=f"server name or API address (default: ${API_URL_ENV}, then the settings, then "
        "the global SolaX Cloud server)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="use the built-in simulated cloud (no account or token needed)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (exposed for the README and the tests)."""
    parser = argparse.ArgumentParser(
        prog="solaxtray",
        description="Watch SolaX inverters through the SolaX Cloud. Without a command, starts the "
        "tray app.",
        epilog="Exit status: 0 ok, 2 usage or settings, 3 token, 4 serial number/device, "
        "5 rate limit, 6 network or server, 7 unexpected answer, 1 other error.",
    )
    parser.add_argument("--version", action="version", version=f"solaxtray {__version__}")
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
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
        "fetch", help="ask the cloud once per inverter and print the values"
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

    simulate = commands.add_parser(
        "simulate", help="run the built-in SolaX Cloud simulator in the foreground"
    )
    simulate.add_argument(
        "--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)"
    )
    return parser


# --- what a run talks to -------------------------------------------------------------------------


@dataclass(slots=True)
class _Target:
    """Serials, address and token for one run, after flags, environment and settings."""

    serials: tuple[str, ...]
    api_url: str
    token: str = field(repr=False)
    demo: bool = False


def _load_settings() -> Settings:
    settings, warning = SettingsStore(paths.settings_path()).load()
    if warning:
        print(f"Warning: {warning}", file=sys.stderr)
    return settings


def _resolve_target(args: argparse.Namespace, settings: Settings, stack: ExitStack) -> _Target:
    """Flags beat the environment, which beats the settings. ``--demo`` starts the simulator
    in-process (stopped by ``stack``) and uses its token and serials."""
    from solaxtray.core.servers import DEFAULT_API_URL, resolve_api_url

    given = normalize_serials(args.sn) if args.sn else ()
    if args.demo:
        from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

        sim = stack.enter_context(CloudSimulator.demo())
        return _Target(given or tuple(DEMO_SERIALS), sim.v1_url, DEMO_TOKEN, demo=True)

    serials = given or settings.serials
    if not serials:
        raise _UsageError(
            "No serial number given. Add --sn with the 10-character registration number printed "
            "on your Pocket WiFi/LAN/4G dongle, or save it in the settings (try --demo to see "
            "solaxtray work without an account)."
        )
    raw_url = args.api_url or os.environ.get(API_URL_ENV, "").strip() or settings.api_url
    api_url = resolve_api_url(raw_url) if raw_url else DEFAULT_API_URL

    from solaxtray.core.secrets import TokenStore

    token = TokenStore().get()
    if token is None:
        raise SecretStoreError(
            "No tokenId is set. Run 'solaxtray token set' to store it in the keyring, or set the "
            "environment variable SOLAXTRAY_TOKEN.",
            title="No token",
        )
    return _Target(serials, api_url, token, demo=False)


def _make_ledger(settings: Settings) -> RequestLedger:
    """The request ledger every solaxtray process shares, so a ``fetch`` next to the running tray
    app cannot push the token over its quota."""
    from solaxtray.core.clock import SystemClock
    from solaxtray.core.ledger import RequestLedger

    return RequestLedger(
        paths.ledger_path(),
        clock=SystemClock(),
        per_minute=settings.per_minute,
        per_day=settings.per_day,
    )


def _acquire(ledger: RequestLedger, sn: str) -> None:
    """Take one request from the shared budget, waiting up to about a minute for it."""
    while not ledger.try_acquire(sn):
        wait = ledger.wait_time()
        if wait > MAX_LEDGER_WAIT_S:
            raise RateLimited(
                f"solaxtray has used this token's request budget ({ledger.used_today()} requests "
                f"today); the next request is possible in about {wait / 60:.0f} minutes.",
                sn=sn,
                retry_after=wait,
            )
        print(
            f"Waiting {wait:.0f} s to stay inside the token's request budget…",
            file=sys.stderr,
        )
        time.sleep(max(wait, 0.1))


# --- fetch ---------------------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    from solaxtray.core.client import SolaxClient
    from solaxtray.core.snapshot_json import error_to_json, snapshot_to_json

    settings = _load_settings()
    results: list[Snapshot | ApiError] = []
    with ExitStack() as stack:
        target = _resolve_target(args, settings, stack)
        client: SolaxClient = SolaxClient(target.token, api_url=target.api_url)
        stack.callback(client.close)
        # The demo cloud has its own quota; it must not spend the user's real budget.
        ledger = None if target.demo else _make_ledger(settings)
        for sn in target.serials:
            try:
                if ledger is not None:
                    _acquire(ledger, sn)
                results.append(client.fetch(sn))
            except ApiError as exc:
                if exc.sn is None:
                    exc.sn = sn
                logger.info("fetch %s failed: %s: %s", sn, exc.title, exc.message)
                results.append(exc)

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
        json.dump({"inverters": items}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(results, sys.stdout)
    return status


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
        try:
            return run_watch(
                token=target.token,
                serials=list(target.serials),
                api_url=target.api_url,
                settings=settings,
                ledger=None if target.demo else _make_ledger(settings),
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
    from solaxtray.core.secrets import TOKEN_ENV, TokenStore, check_token

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
        status = store.status()
        print(status.describe())
        return EXIT_OK if status.is_set else EXIT_AUTH
    # clear
    removed = store.clear()
    print("Token removed from the keyring." if removed else "No token was stored in the keyring.")
    if os.environ.get(TOKEN_ENV, "").strip():
        print(f"Note: the environment variable {TOKEN_ENV} still provides a token.")
    return EXIT_OK


# --- simulate ------------------------------------------------------------------------------------


def _cmd_simulate(args: argparse.Namespace) -> int:
    from solaxtray.core.simulator import (
        DEMO_SERIALS,
        DEMO_TOKEN,
        CloudSimulator,
        serve_forever_demo,
    )

    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port must be between 0 and 65535, not {args.port}.")

    def ready(sim: CloudSimulator) -> None:
        serials = " ".join(f"--sn {sn}" for sn in DEMO_SERIALS)
        print(f"SolaX Cloud simulator running at {sim.base_url}")
        print(f"  v1 API:     {sim.v1_url}")
        print(f"  v2 API:     {sim.v2_url}")
        print(f"  demo token: {DEMO_TOKEN}")
        print(f"  serials:    {', '.join(DEMO_SERIALS)}")
        print(f"Try: SOLAXTRAY_TOKEN={DEMO_TOKEN} solaxtray fetch --api-url {sim.v1_url} {serials}")
        print("Press Ctrl-C to stop.", flush=True)

    try:
        serve_forever_demo(args.port, ready=ready)
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


def _cmd_tray(args: argparse.Namespace) -> int:
    serials = list(normalize_serials(args.sn)) if args.sn else None
    # The environment beats the settings here too; the app reads the settings itself.
    api_url = args.api_url or os.environ.get(API_URL_ENV, "").strip() or None
    if api_url:
        from solaxtray.core.servers import resolve_api_url

        resolve_api_url(api_url)  # a typo is reported here, before any window opens
    from solaxtray.ui.app import AppOptions, run_app

    return run_app(AppOptions(demo=args.demo, serials=serials, api_url=api_url))


def _cmd_self_test() -> int:
    from solaxtray.selftest import run_self_test

    return run_self_test()


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
    try:
        log_file = configure_logging(args.log_level, console=True)
        logger.debug("solaxtray %s, command %s", __version__, args.command or "tray")
        if args.self_test:
            return _cmd_self_test()
        if args.command == "fetch":
            return _cmd_fetch(args)
        if args.command == "watch":
            return _cmd_watch(args)
        if args.command == "token":
            return _cmd_token(args)
        if args.command == "simulate":
            return _cmd_simulate(args)
        return _cmd_tray(args)
    except SolaxTrayError as exc:
        logger.info("%s: %s", exc.title, exc.message)
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
        return exit_status_for(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        logger.exception("Unexpected error", extra={"console": False})
        print(
            "solaxtray stopped because of an unexpected error. The details are in the log file "
            f"{log_file}; please include it when you report the problem.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
