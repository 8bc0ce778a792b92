"""What the tokenId API says when its credential is missing. Qt-free."""

from __future__ import annotations

from collections.abc import Mapping

from solaxtray.core.errors import SecretStoreError
from solaxtray.core.i18n import _


def no_credentials(values: Mapping[str, str | None]) -> SecretStoreError:
    """The refusal when no tokenId is set (``values``: what was found)."""
    del values  # one credential: nothing to tell apart
    return SecretStoreError(
        _(
            "No tokenId is set. Run 'solaxtray token set' to store it in the keyring, or set "
            "the environment variable SOLAXTRAY_TOKEN."
        ),
        title=_("No token"),
    )
