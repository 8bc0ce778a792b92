"""The options every command that talks to SolaX Cloud accepts, before or after its name."""

from __future__ import annotations

import argparse
from typing import Any

from solaxtray.cli.target import API_URL_ENV
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import _


def add_target_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
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


def add_lang_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
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
                add_lang_option(sub, top=False)
