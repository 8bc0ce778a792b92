"""Checks of the secrets: the keyring keeps a value within a time limit, and the API's
credentials are set and readable. Qt-free; no request to the cloud."""

from __future__ import annotations

import logging
import os

from solaxtray.core import secrets
from solaxtray.core.api.registry import BackendKind, spec_of
from solaxtray.core.context import Credentials, load_credentials
from solaxtray.core.doctor.model import CheckResult, fail, ok, warn
from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.i18n import _
from solaxtray.core.redact import register_secret

logger = logging.getLogger(__name__)

__all__ = ["Credentials", "check_keyring", "env_fix", "read_credentials"]

KEYRING_ID = "keyring"
CREDENTIALS_ID = "credentials"


def _env_names(backend: str) -> tuple[str, ...]:
    return spec_of(backend).env_variables()


def _env_provides(backend: str) -> bool:
    return all(os.environ.get(name, "").strip() for name in _env_names(backend))


def check_keyring(backend: str, seconds: float = secrets.DEFAULT_TIMEOUT_S) -> CheckResult:
    """A throwaway entry stored, read back and removed within ``seconds``.

    A keyring that fails is a warning only when the environment already provides the
    credentials (a headless machine): then nothing needs it.
    """
    title = _("Keyring")
    env_names = " and ".join(_env_names(backend))
    try:
        secrets.keyring_round_trip(seconds)
    except SecretStoreLocked:
        message = _(
            "The keyring did not answer a test write within {seconds:g} seconds: it is "
            "locked or its service does not respond."
        ).format(seconds=seconds)
        fix = _(
            "Unlock your keyring (log in to the desktop again) or start its service, then "
            "run the check again; on a machine without a desktop set {env_names} instead."
        ).format(env_names=env_names)
    except SecretStoreError as exc:
        message = exc.message
        fix = _keyring_fix(env_names)
    else:
        backend_name = secrets.backend_description()
        return ok(
            KEYRING_ID,
            title,
            _("The keyring ({backend_name}) stored, read back and removed a test entry.").format(
                backend_name=backend_name
            ),
        )
    if _env_provides(backend):
        return warn(
            KEYRING_ID,
            title,
            _(
                "{message} The credentials come from {env_names}, so solaxtray does not need it."
            ).format(message=message, env_names=env_names),
            fix,
        )
    return fail(KEYRING_ID, title, message, fix)


def read_credentials(
    backend: str, seconds: float = secrets.DEFAULT_TIMEOUT_S
) -> tuple[CheckResult, Credentials | None]:
    """Whether the API's credentials are set and readable, and the credentials themselves (read
    as every run reads them: ``core.context.load_credentials``, through the API's spec)."""
    result: tuple[CheckResult, Credentials | None] = spec_of(backend).check_credentials(seconds)
    return result


def env_fix(backend: str) -> str:
    """What to do about credentials from the environment that cannot be used: storing them again
    in the keyring would change nothing while the variable wins over it."""
    names = _env_names(backend)
    if names == (secrets.TOKEN_ENV,):
        return _(
            "Correct the tokenId in the environment variable {name} (copy it again from "
            "Service → API on solaxcloud.com), or unset the variable so that solaxtray uses "
            "the keyring."
        ).format(name=names[0])
    return _(
        "Correct the credentials in the environment variables {names} (copy them again from "
        "https://developer.solaxcloud.com/), or unset the variables so that solaxtray uses the "
        "keyring."
    ).format(names=" and ".join(names))


def _keyring_fix(env_names: str) -> str:
    if secrets.backend_description() == "none available":
        return _(
            "Install and start a Secret Service (GNOME Keyring or KWallet) and log in again; "
            "on a machine without a desktop set {env_names} instead."
        ).format(env_names=env_names)
    return _(
        "Unlock your keyring and check that its service is running, then run the check "
        "again; on a machine without a desktop set {env_names} instead."
    ).format(env_names=env_names)


def _unreadable(exc: SecretStoreError, backend: str) -> CheckResult:
    return fail(
        CREDENTIALS_ID,
        _("Credentials"),
        exc.message,
        _keyring_fix(" and ".join(_env_names(backend))),
    )


def check_token_credentials(seconds: float) -> tuple[CheckResult, Credentials | None]:
    """The tokenId API's credentials: set, readable and shaped like a token."""
    title = _("Credentials")
    from_env = _env_provides(BackendKind.TOKEN)
    try:
        creds = load_credentials(spec_of(BackendKind.TOKEN), seconds)
    except SecretStoreError as exc:
        return _unreadable(exc, BackendKind.TOKEN), None
    token = creds.token
    if token is None:
        return (
            fail(
                CREDENTIALS_ID,
                title,
                _("No tokenId is set."),
                _(
                    "Copy the tokenId from Service → API on solaxcloud.com and store it with "
                    "'solaxtray token set' or in the settings (accounts made since September 2026 "
                    "have none: use the Developer API instead)."
                ),
            ),
            None,
        )
    register_secret(token)
    where = (
        _("the environment variable {name}").format(name=secrets.TOKEN_ENV)
        if from_env
        else _("the keyring")
    )
    try:
        _token_text, shape_warning = secrets.check_token(token)
    except SecretStoreError as exc:
        return (
            fail(
                CREDENTIALS_ID,
                title,
                _("The tokenId in {where} cannot be a SolaX Cloud token: {message}").format(
                    where=where, message=exc.message
                ),
                env_fix(BackendKind.TOKEN)
                if from_env
                else _("Store the tokenId again with 'solaxtray token set'."),
            ),
            None,
        )
    if shape_warning is not None:
        return (
            warn(
                CREDENTIALS_ID,
                title,
                _("A tokenId is set in {where}. {shape_warning}").format(
                    where=where, shape_warning=shape_warning
                ),
                _("If the cloud rejects it, copy it again from Service → API on solaxcloud.com."),
            ),
            creds,
        )
    return ok(CREDENTIALS_ID, title, _("A tokenId is set in {where}.").format(where=where)), creds


def check_developer_credentials(seconds: float) -> tuple[CheckResult, Credentials | None]:
    """The Developer API's credentials: a client id and secret, set and readable."""
    title = _("Credentials")
    from_env = _env_provides(BackendKind.DEVELOPER)
    try:
        creds = load_credentials(spec_of(BackendKind.DEVELOPER), seconds)
    except SecretStoreError as exc:
        return _unreadable(exc, BackendKind.DEVELOPER), None
    client_id, client_secret = creds.client_id, creds.client_secret
    if client_id is None or client_secret is None:
        missing = _("client id and secret")
        if client_id is not None:
            missing = _("client secret")
        elif client_secret is not None:
            missing = _("client id")
        return (
            fail(
                CREDENTIALS_ID,
                title,
                _("No Developer API {missing} is set.").format(missing=missing),
                _(
                    "Create an application with the client_credentials grant on "
                    "https://developer.solaxcloud.com/ and store its client id and secret with "
                    "'solaxtray credentials set' or in the settings."
                ),
            ),
            None,
        )
    register_secret(client_id)
    register_secret(client_secret)
    where = _("the environment") if from_env else _("the keyring")
    return ok(
        CREDENTIALS_ID, title, _("A client id and secret are set in {where}.").format(where=where)
    ), creds
