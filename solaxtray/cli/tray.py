"""The tray app, the command run without a subcommand: flags checked and a missing display
reported before Qt loads.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from solaxtray.cli.logs import logging_after_icon
from solaxtray.cli.output import UsageError
from solaxtray.cli.target import (
    SOURCE_ENV_API_URL,
    SOURCE_FLAG_API_URL,
    SOURCE_FLAG_SN,
    check_api_url_flag,
    checked,
)
from solaxtray.core import paths
from solaxtray.core.i18n import _

logger = logging.getLogger(__name__)

COMMANDS: tuple[str, ...] = ()
"""No command of its own: the tray app runs when none is given."""


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


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The tray app has no subcommand of its own."""


def run(args: argparse.Namespace) -> int:
    backend: str | None = args.backend
    serials = None
    from solaxtray.core.api.registry import DEFAULT_KIND, spec_of

    # Without --backend the server flag is read by the default API's rules, as the app starts.
    spec = spec_of(backend or DEFAULT_KIND)
    if backend is not None or args.sn:
        # Only with these flags: a plain start shows its icon without loading the settings here.
        from solaxtray.core.settings import SettingsStore, normalize_serials

        if args.sn:
            kind = backend or SettingsStore(paths.settings_path()).load()[0].backend
            serials = list(checked(SOURCE_FLAG_SN, lambda: normalize_serials(args.sn, kind)))
    check_api_url_flag(args)
    # The environment beats the settings here too; the app reads the settings itself.
    api_url: str | None = args.api_url
    source = SOURCE_FLAG_API_URL
    if api_url is None and spec.server_env and not args.demo:
        api_url = os.environ.get(spec.server_env, "").strip() or None
        source = SOURCE_ENV_API_URL
    if api_url:
        # A typo is reported here, before any window opens.
        checked_url = api_url
        checked(source, lambda: spec.resolve_server(checked_url))
    if _missing_display():
        raise UsageError(
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
    QTimer.singleShot(0, anchor, logging_after_icon)
    try:
        return run_app(AppOptions(**options))
    finally:
        import shiboken6

        shiboken6.delete(anchor)
