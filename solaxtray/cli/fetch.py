"""``solaxtray fetch``: ask the cloud once for every inverter and print a table or JSON."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, TextIO

from solaxtray.cli.options import add_target_options
from solaxtray.cli.output import EXIT_OK, EXIT_UNEXPECTED, keeping_status, say
from solaxtray.cli.target import (
    acquire,
    load_settings,
    make_ledger,
    open_backend,
    open_history,
    resolve_target,
)
from solaxtray.core.errors import EXIT_STATUS, ApiError, NetworkError, RateLimited, TokenRejected
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_datetime, format_number

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.models import Snapshot

logger = logging.getLogger(__name__)

COMMANDS: tuple[str, ...] = ("fetch",)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``fetch`` to ``commands``."""
    fetch = commands.add_parser(
        "fetch",
        help=_(
            "ask the cloud once for every inverter (several per request with the Developer API) "
            "and print the values"
        ),
    )
    add_target_options(fetch, top=False)
    fetch.add_argument("--json", action="store_true", help=_('print {"inverters": [...]} as JSON'))


def run(args: argparse.Namespace) -> int:
    from solaxtray.core.snapshot_json import error_to_json, snapshot_to_json

    settings = load_settings(bool(getattr(args, "demo", False)))
    with ExitStack() as stack:
        target = resolve_target(args, settings, stack)
        backend = open_backend(target, stack)
        # The demo cloud has its own quota; it must not spend the user's real budget.
        ledger = None if target.demo else make_ledger(settings, backend, target.backend)
        results = _fetch_all(backend, list(target.serials), ledger)
        history = open_history(target, stack)
        if history is not None:
            history.record(item for item in results if not isinstance(item, ApiError))

    status = EXIT_OK
    for first, same in _grouped_errors(results):
        who = (
            first.sn
            if same == 1
            else ngettext("{sn} and {more} more", "{sn} and {more} more", same - 1).format(
                sn=first.sn, more=format_number(same - 1)
            )
        )
        say(f"{who}: {first.title}", first.message)
        if status == EXIT_OK:
            status = EXIT_STATUS.get(first.kind, EXIT_UNEXPECTED)
    with keeping_status(status):
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
    if ledger is not None:
        needed = sum(
            max(1, backend.requests_for(len(serials[i : i + step])))
            for i in range(0, len(serials), step)
        )
        left = max(0, ledger.per_day - ledger.used_today())
    outcomes: dict[str, Snapshot | ApiError] = {}
    stop: ApiError | None = None
    if ledger is not None:
        try:
            notice = budget_notice(
                needed, len(serials), per_minute=ledger.per_minute, left_today=left
            )
        except RateLimited as exc:
            stop = exc  # every serial gets it, without a request
        else:
            if notice is not None:
                print(notice, file=sys.stderr)
    for start in range(0, len(serials), step):
        batch = serials[start : start + step]
        if stop is None and ledger is not None:
            need = max(1, backend.requests_for(len(batch)))
            try:
                acquire(ledger, batch[0], need)
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
                ledger.settle(batch[0], spent)
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


def _grouped_errors(results: Sequence[Snapshot | ApiError]) -> list[tuple[ApiError, int]]:
    """The errors in order, each with how many serials in a row had the very same one: an
    error of the account (a rejected token, the day's budget) given to every serial is said once,
    not ten thousand times."""
    out: list[tuple[ApiError, int]] = []
    for item in results:
        if not isinstance(item, ApiError):
            continue
        if out:
            last, count = out[-1]
            if (type(last), last.title, last.message) == (type(item), item.title, item.message):
                out[-1] = (last, count + 1)
                continue
        out.append((item, 1))
    return out


def budget_notice(needed: int, count: int, *, per_minute: int, left_today: int) -> str | None:
    """One line before a fetch that cannot be quick: ``needed`` requests for ``count`` serial
    numbers take minutes at ``per_minute``, so the user hears why and for how long it waits
    rather than seeing only "Waiting…" lines. Raises ``RateLimited`` when the requests left
    today (``left_today``) cannot cover it: sending part of it would spend the day's budget on a
    list that is never whole. With nothing left at all, the ledger's own refusal (which says when
    the next request is possible) stands."""
    if 0 < left_today < needed:
        raise RateLimited(
            ngettext(
                "{count} serial number needs {needed} requests, but the account has {left} "
                "left today: ask for fewer at a time.",
                "{count} serial numbers need {needed} requests, but the account has {left} "
                "left today: ask for fewer at a time.",
                count,
            ).format(
                count=format_number(count),
                needed=format_number(needed),
                left=format_number(left_today),
            ),
            retry_after=3600.0,
        )
    if needed <= per_minute:
        return None
    minutes = max(1, math.ceil(needed / max(1, per_minute)))
    return ngettext(
        "{needed} requests for {count} serial numbers take about {minutes} minute at the "
        "account's {per_minute} a minute.",
        "{needed} requests for {count} serial numbers take about {minutes} minutes at the "
        "account's {per_minute} a minute.",
        minutes,
    ).format(
        needed=format_number(needed),
        count=format_number(count),
        minutes=format_number(minutes),
        per_minute=format_number(per_minute),
    )


def fmt(value: float | None, digits: int = 0) -> str:
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
                fmt(item.ac_power),
                fmt(item.pv_total),
                fmt(item.feedin_power),
                fmt(item.bat_power),
                fmt(item.soc),
                fmt(item.yield_today, 1),
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
