"""Checks of this machine: the start-at-login entry, the folders solaxtray writes, and the
requests used today. Qt-free; no request to the cloud."""

from __future__ import annotations

import configparser
import logging
import os
import shlex
import tempfile
from pathlib import Path

from solaxtray.core.autostart import Autostart, XdgAutostart, launch_command
from solaxtray.core.doctor.model import CheckResult, fail, ok, warn
from solaxtray.core.errors import LedgerUnusable
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.locale_format import format_number

logger = logging.getLogger(__name__)

AUTOSTART_ID = "autostart"
REQUESTS_ID = "requests"


def check_autostart(autostart: Autostart, wanted: bool) -> CheckResult:
    """The start-at-login entry agrees with the settings and, on Linux, is a desktop entry that
    starts this installation."""
    title = _("Start at login")
    fix_again = _(
        "Switch 'start at login' off and on again in the settings to write a fresh entry."
    )
    if isinstance(autostart, XdgAutostart):
        problem = _desktop_entry_problem(autostart.path)
        if problem is not None and autostart.path.exists():
            return fail(AUTOSTART_ID, title, problem, fix_again)
    enabled = autostart.is_enabled()
    if wanted and not enabled:
        return fail(
            AUTOSTART_ID,
            title,
            _(
                "The settings ask to start at login, but no active start-up entry exists (it is "
                "missing, or switched off in the desktop's start-up settings)."
            ),
            fix_again,
        )
    if not wanted and enabled:
        return warn(
            AUTOSTART_ID,
            title,
            _("A start-up entry exists although the settings say not to start at login."),
            _("Switch 'start at login' on and off again in the settings to remove it."),
        )
    if not wanted:
        return ok(AUTOSTART_ID, title, _("Not enabled, as the settings say."))
    return ok(AUTOSTART_ID, title, _("Enabled, and the entry starts this installation."))


def _desktop_entry_problem(path: Path) -> str | None:
    """A sentence saying what is wrong with the XDG entry, or None."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        return _("The start-up entry {path} cannot be read ({name__}).").format(
            path=path, name__=type(exc).__name__
        )
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return _("The start-up entry {path} is not a valid desktop entry.").format(path=path)
    if not parser.has_section("Desktop Entry"):
        return _("The start-up entry {path} has no [Desktop Entry] group.").format(path=path)
    entry = parser["Desktop Entry"]
    if entry.get("Type", "").strip() != "Application":
        return _("The start-up entry {path} is not of type Application.").format(path=path)
    exec_line = entry.get("Exec", "").strip()
    if not exec_line:
        return _("The start-up entry {path} has no Exec line, so it starts nothing.").format(
            path=path
        )
    program = launch_command()[0]
    if program not in exec_line.replace("\\\\", "\\"):
        return _(
            "The start-up entry {path} does not start this installation ({program}); it may "
            "be left from an older or moved one."
        ).format(path=path, program=program)
    try:
        first = shlex.split(exec_line)[0]
    except (ValueError, IndexError):
        return _("The Exec line of the start-up entry {path} is not valid.").format(path=path)
    if first not in ("sh", "/bin/sh") and not os.access(first, os.X_OK):
        return _("The start-up entry {path} starts {first}, which is not a program here.").format(
            path=path, first=first
        )
    return None


def check_writable(check_id: str, title: str, directory: Path) -> CheckResult:
    """A file can be created (and removed) in ``directory``, which is created when missing."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return fail(
            check_id,
            title,
            _("solaxtray cannot write in {directory} ({reason}).").format(
                directory=directory, reason=reason
            ),
            _(
                "Make {directory} writable for your user (for example 'chmod u+w {directory}'), "
                "or free some disk space."
            ).format(directory=directory),
        )
    return ok(check_id, title, _("{directory} is writable.").format(directory=directory))


def check_requests_today(ledger: RequestLedger | None, spent: int, cap: int) -> CheckResult:
    """The requests of the last 24 hours against the day's budget, and the doctor's own."""
    title = _("Requests")
    own = ngettext(
        "The doctor sent {n} request of its limit of {cap}, counted in the ledger.",
        "The doctor sent {n} requests of its limit of {cap}, counted in the ledger.",
        spent,
    ).format(n=spent, cap=cap)
    if ledger is None:
        return ok(REQUESTS_ID, title, own)
    try:
        used = ledger.used_today()
    except LedgerUnusable as exc:
        return fail(
            REQUESTS_ID,
            title,
            exc.message,
            _(
                "Remove or move away what stands where the request ledger should be, then run "
                "the check again."
            ),
        )
    budget = ledger.per_day
    text = ngettext(
        "{used} of {budget} request used in the last 24 hours. {own}",
        "{used} of {budget} requests used in the last 24 hours. {own}",
        budget,
    ).format(used=format_number(used), budget=format_number(budget), own=own)
    if used >= budget:
        return fail(
            REQUESTS_ID,
            title,
            text,
            _(
                "Wait until the day's requests expire; fewer inverters or a longer poll interval "
                "use fewer."
            ),
        )
    if used >= 0.8 * budget:
        return warn(
            REQUESTS_ID,
            title,
            text,
            _(
                "Close other programs that use the same token or application, or watch fewer "
                "inverters."
            ),
        )
    return ok(REQUESTS_ID, title, text)
