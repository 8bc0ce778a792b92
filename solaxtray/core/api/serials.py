"""What the serial rules of every API share: a value typed as a serial number that is really a
secret is refused without being echoed. Qt-free."""

from __future__ import annotations

from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import ngettext
from solaxtray.core.redact import looks_like_token, redact


def token_like(cleaned: str) -> bool:
    """Whether a value typed as a serial number is more likely a secret (the tokenId, a client
    secret) than a serial: token-shaped for ``redact``, a secret this process knows, all digits and
    16 or more long, or longer than any serial number (20). Such a value is never echoed back."""
    return (
        looks_like_token(cleaned)
        or redact(cleaned) != cleaned
        or len(cleaned) > 20
        or (cleaned.isdigit() and len(cleaned) >= 16)
    )


def token_instead_of_serial(cleaned: str, wanted: str) -> ConfigError:
    return ConfigError(
        ngettext(
            "The value entered as a serial number has {count} character: this looks like a "
            "tokenId, not a serial number. {wanted} The tokenId belongs in the keyring "
            "('solaxtray token set', or the token field of the settings).",
            "The value entered as a serial number has {count} characters: this looks like a "
            "tokenId, not a serial number. {wanted} The tokenId belongs in the keyring "
            "('solaxtray token set', or the token field of the settings).",
            len(cleaned),
        ).format(count=len(cleaned), wanted=wanted)
    )
