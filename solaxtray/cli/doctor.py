"""``solaxtray doctor`` and ``solaxtray inverters``: set-up checks and inverter discovery.

Their imports are lazy: neither imports Qt. Errors end in ``entry.py``'s one handler, as one
sentence and a documented exit status.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, TextIO

from solaxtray.cli.options import add_target_options
from solaxtray.core import paths
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_number

if TYPE_CHECKING:
    from solaxtray.core.discovery import DeviceInfo
    from solaxtray.core.doctor import CheckResult
    from solaxtray.core.settings import Settings

logger = logging.getLogger(__name__)

COMMANDS: tuple[str, ...] = ("doctor", "inverters")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``doctor`` and ``inverters`` with the main parser."""
    doctor = commands.add_parser(
        "doctor",
        help=_(
            "check the whole set-up (keyring, credentials, server, serial numbers, tray, "
            "notifications, start at login, folders) and say how to fix what is wrong; at "
            "most 10 requests"
        ),
        description=_(
            "Every check prints ✓ (ok), ⚠ (warning) or ✗ (failed), one sentence and the fix. "
            "Exit status 0 when nothing failed (warnings allowed), 1 when a check failed."
        ),
    )
    add_target_options(doctor, top=False)
    doctor.add_argument(
        "--json",
        action="store_true",
        help=_('print {"checks": [{"id", "status", "title", "message", "fix"}]} as JSON'),
    )
    inverters = commands.add_parser(
        "inverters",
        help=_(
            "list the inverters in the settings, or with --discover the account's inverters "
            "(Developer API; one request per page)"
        ),
    )
    add_target_options(inverters, top=False)
    inverters.add_argument(
        "--discover",
        action="store_true",
        help=_(
            "ask SolaX Cloud for every inverter of the account (Developer API only; the "
            "tokenId API cannot list them, and the command says where the numbers are "
            "printed)"
        ),
    )
    inverters.add_argument("--json", action="store_true", help=_('print {"inverters": [...]}'))


def run(args: argparse.Namespace) -> int:
    if args.command == "doctor":
        return _cmd_doctor(args)
    return _cmd_inverters(args)


# --- doctor --------------------------------------------------------------------------------------


def _cmd_doctor(args: argparse.Namespace) -> int:
    from solaxtray.cli.output import UsageError, keeping_status
    from solaxtray.cli.target import chosen_backend, load_settings
    from solaxtray.core.doctor import exit_status, run_doctor
    from solaxtray.core.doctor.factory import doctor_setup, saved_server

    if args.demo:
        raise UsageError(
            _("The doctor checks your own set-up, so it cannot run on the demo. Leave out --demo.")
        )
    settings = load_settings()
    backend = chosen_backend(args, settings)
    serials = args.sn or (settings.serials if backend == settings.backend else ())
    if args.api_url is not None and not args.api_url.strip():
        raise UsageError(_("--api-url was given an empty value. Give a server name or address."))
    server = args.api_url if args.api_url is not None else saved_server(settings, backend)
    results = run_doctor(doctor_setup(settings, backend, serials, server))
    status = exit_status(results)
    with keeping_status(status):
        if args.json:
            json.dump(
                {"checks": [r.to_json() for r in results]},
                sys.stdout,
                indent=2,
                ensure_ascii=False,
            )
            sys.stdout.write("\n")
        else:
            print_checks(results, sys.stdout)
    return status


def print_checks(results: Sequence[CheckResult], out: TextIO) -> None:
    """One line per check (mark, title, sentence) and its fix indented below; beyond the first
    serial numbers, their checks are counted in one line (``summarise_serials``). The last line
    counts every check."""
    from solaxtray.core.doctor import Status
    from solaxtray.core.doctor.serials import summarise_serials

    for r in summarise_serials(results):
        out.write(f"{r.symbol} {r.title}: {r.message}\n")
        if r.fix and r.status is not Status.OK:
            out.write("    " + _("Fix: {fix}").format(fix=r.fix) + "\n")
    failed = sum(r.status is Status.FAIL for r in results)
    warned = sum(r.status is Status.WARN for r in results)
    summary = _("{count} checks: {passed} passed, {warned} with a warning, {failed} failed.")
    passed = len(results) - failed - warned
    out.write(
        "\n"
        + summary.format(
            count=format_number(len(results)),
            passed=format_number(passed),
            warned=format_number(warned),
            failed=format_number(failed),
        )
    )
    out.write("\n")


# --- inverters -----------------------------------------------------------------------------------


def _cmd_inverters(args: argparse.Namespace) -> int:
    from solaxtray.cli.target import chosen_backend, load_settings
    from solaxtray.core.api.registry import Capability, spec_of
    from solaxtray.core.discovery import WHERE_REGISTRATION_NUMBERS_ARE

    settings = load_settings()
    backend = chosen_backend(args, settings)
    watched = set(settings.serials if backend == settings.backend else ())
    if not args.discover:
        serials = sorted(watched)
        if args.json:
            _dump({"inverters": [{"sn": sn, "watched": True} for sn in serials]})
        elif serials:
            sys.stdout.write("".join(f"{sn}\n" for sn in serials))
        else:
            sys.stdout.write(
                _(
                    "No inverter is set. 'solaxtray inverters --discover' lists the account's "
                    "inverters (Developer API)."
                )
                + "\n"
            )
        return 0
    if not spec_of(backend).has(Capability.DISCOVERY):
        if args.json:
            _dump({"inverters": [], "message": _(WHERE_REGISTRATION_NUMBERS_ARE)})
        else:
            sys.stdout.write(_(WHERE_REGISTRATION_NUMBERS_ARE) + "\n")
        return 0
    devices = discover(args, settings)
    if args.json:
        _dump({"inverters": [{**d.to_json(), "watched": d.device_sn in watched} for d in devices]})
    else:
        _print_devices(devices, watched, sys.stdout)
    return 0


def discover(args: argparse.Namespace, settings: Settings) -> list[DeviceInfo]:
    """The account's inverters through the Developer API, each page counted in the ledger (the
    demo's simulated cloud has its own quota and never spends the real one)."""
    from solaxtray.cli.target import account_target, check_api_url_flag, demo_target, in_context
    from solaxtray.core.api.developer.client import DeveloperClient
    from solaxtray.core.api.registry import Capability, all_specs
    from solaxtray.core.clock import SystemClock
    from solaxtray.core.context import Overrides, resolve
    from solaxtray.core.discovery import discover_inverters, ledger_hooks
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.secrets import KeyringTokenCache

    check_api_url_flag(args)
    # The inventory is asked of the API that offers one.
    spec = next(s for s in all_specs() if s.has(Capability.DISCOVERY))
    with ExitStack() as stack:
        if args.demo:
            target = demo_target(spec.name, (), stack)
        else:
            target = account_target(
                in_context(
                    lambda: resolve(settings, Overrides(backend=spec.name, server=args.api_url))
                )
            )
        cache = (
            KeyringTokenCache(client_id=target.client_id or "")
            if target.shared_token_cache
            else None
        )
        client = DeveloperClient(
            target.client_id or "",
            target.client_secret or "",
            host=target.server,
            battery=False,
            token_cache=cache,
        )
        stack.callback(client.close)
        before = after = None
        if not target.demo:
            ledger = RequestLedger(
                paths.ledger_path(spec.name),
                clock=SystemClock(),
                per_minute=settings.per_minute,
                per_day=settings.per_day,
            )
            before, after = ledger_hooks(ledger)
        return discover_inverters(client, before_page=before, after_page=after)


def _dump(value: object) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _print_devices(devices: Sequence[DeviceInfo], watched: set[str], out: TextIO) -> None:
    if not devices:
        out.write(_("SolaX Cloud lists no inverter for this Developer API application.") + "\n")
        return
    header = (
        _("inverter serial"),
        _("registration no."),
        _("model"),
        _("plant"),
        _("online"),
        _("watched"),
    )
    rows = [
        (
            d.device_sn,
            d.registration_no or "—",
            d.model or "—",
            d.plant or "—",
            "—" if d.online is None else (_("yes") if d.online else _("no")),
            _("yes") if d.device_sn in watched else _("no"),
        )
        for d in devices
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
    out.write(
        "\n"
        + ngettext(
            "{n} inverter. Add one with --sn, or in the settings, by its inverter serial.",
            "{n} inverters. Add one with --sn, or in the settings, by its inverter serial.",
            len(devices),
        ).format(n=len(devices))
        + "\n"
    )
