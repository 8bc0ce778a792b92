"""What the Developer API says when its client id or secret is missing. Qt-free."""

from __future__ import annotations

from collections.abc import Mapping

from solaxtray.core.errors import SecretStoreError
from solaxtray.core.i18n import _

CLIENT_ID_ENV = "SOLAXTRAY_CLIENT_ID"
CLIENT_SECRET_ENV = "SOLAXTRAY_CLIENT_SECRET"  # noqa: S105 - a name, not a secret


def no_credentials(values: Mapping[str, str | None]) -> SecretStoreError:
    """The refusal naming what is missing of the client id and secret (``values``: what was
    found)."""
    client_id, client_secret = values.get("client_id"), values.get("client_secret")
    if client_id is None and client_secret is None:
        missing = _("No Developer API client id and secret is set.")
    elif client_id is None:
        missing = _("No Developer API client id is set.")
    else:
        missing = _("No Developer API client secret is set.")
    return SecretStoreError(
        _(
            "{missing} Run 'solaxtray credentials set' to store the client id and secret of "
            "your application on the SolaX Developer Platform in the keyring, or set the "
            "environment variables {id_env} and {secret_env}."
        ).format(missing=missing, id_env=CLIENT_ID_ENV, secret_env=CLIENT_SECRET_ENV),
        title=_("No credentials"),
    )
