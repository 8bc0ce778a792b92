"""The whole command line: the global options, and each command's parser registered by
the command's own module.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from solaxtray import __version__
from solaxtray.cli import doctor, fetch, history, secrets, simulate, tray, watch
from solaxtray.cli.options import add_lang_option, add_target_options
from solaxtray.core.i18n import _

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""``solaxtray.core.logsetup.LEVELS``, repeated here so the parser needs no logging set-up."""


class CommandModule(Protocol):
    """What each command's module offers: the commands it runs, their parsers, and ``run``."""

    COMMANDS: tuple[str, ...]

    def add_parser(
        self, commands: argparse._SubParsersAction[argparse.ArgumentParser], /
    ) -> None: ...

    def run(self, args: argparse.Namespace, /) -> int: ...


COMMAND_MODULES: tuple[CommandModule, ...] = (fetch, watch, secrets, history, simulate, doctor)
"""In the order ``--help`` lists them."""


def module_for(command: str | None) -> CommandModule:
    """The module that runs ``command``; the tray app's without one."""
    for module in COMMAND_MODULES:
        if command in module.COMMANDS:
            return module
    return tray


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
    add_target_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_parser(commands)

    add_lang_option(parser, top=True)
    return parser
