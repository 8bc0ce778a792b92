"""``solaxtray token`` and ``solaxtray credentials``: store, inspect or remove the secrets of
either API in the keyring. Nothing here ever prints a secret.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from solaxtray.cli.output import EXIT_AUTH, EXIT_OK, UsageError
from solaxtray.core.i18n import N_, _
from solaxtray.core.redact import shorten_words

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

COMMANDS: tuple[str, ...] = ("token", "credentials")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``token`` and ``credentials`` to ``commands``."""
    token = commands.add_parser("token", help=_("store, inspect or remove the tokenId"))
    # Not required: without an action the command lists them all (see missing_action).
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


def run(args: argparse.Namespace) -> int:
    if args.command == "token":
        return _run_token(args)
    return _run_credentials(args)


def missing_action(command: str, actions: Sequence[tuple[str, str]]) -> UsageError:
    """What ``solaxtray token`` (no action) says: every action with its one line, not only
    argparse's "required: ACTION"."""
    width = max(len(name) for name, _words in actions)
    listing = "\n".join(f"  {name.ljust(width)}  {_(words)}" for name, words in actions)
    return UsageError(
        _(
            "'solaxtray {command}' needs one of these actions:\n{listing}\n"
            "For example: solaxtray {command} status"
        ).format(command=command, listing=listing),
        title=_("Action missing"),
    )


def _read_token_input() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(_("SolaX Cloud tokenId (typing is hidden): "))
        except EOFError:  # Ctrl-D at the prompt: nothing entered
            return ""
    return sys.stdin.readline() if sys.stdin is not None else ""


def _run_token(args: argparse.Namespace) -> int:
    from solaxtray.core.secrets import (
        DEFAULT_TIMEOUT_S,
        TOKEN_ENV,
        TokenStore,
        check_token,
        run_with_timeout,
    )

    action = args.token_command
    if action is None:
        raise missing_action("token", TOKEN_ACTIONS)
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
        from solaxtray.core.context import env_token_problem

        problem = env_token_problem()
        if problem is not None:
            raise problem
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


def _run_credentials(args: argparse.Namespace) -> int:
    from solaxtray.core.secrets import (
        CLIENT_ID_ENV,
        CLIENT_SECRET_ENV,
        DEFAULT_TIMEOUT_S,
        DeveloperCredentials,
        run_with_timeout,
    )

    action = args.credentials_command
    if action is None:
        raise missing_action("credentials", CREDENTIALS_ACTIONS)
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
