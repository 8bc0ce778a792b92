"""The tokenId API's serial numbers: the 10-character registration number of the dongle. Qt-free."""

from __future__ import annotations

import re

from solaxtray.core.api.serials import token_instead_of_serial, token_like
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import _, ngettext

_SERIAL_RE = re.compile(r"[A-Z0-9]{10}")


def normalize_serial(text: str) -> str:
    """Return the registration number in canonical form (upper case, no blanks), or raise
    ConfigError with a sentence that helps the user find the right number.

    Why the extra words for 14-16 characters: the most common mistake is to give the inverter's own
    serial number (printed on the inverter's label) where the API wants the 10-character
    registration number of the communication dongle (field notes, "Identifiers"). The second most
    common is the tokenId in the serial field: that is refused without showing it (the message may
    reach a terminal, a log or a screenshot).
    """
    cleaned = re.sub(r"[\s-]+", "", text).upper()
    if _SERIAL_RE.fullmatch(cleaned):
        return cleaned
    if token_like(cleaned):
        raise token_instead_of_serial(
            cleaned,
            _(
                "Enter the 10-character registration number printed on the Pocket WiFi/LAN/4G "
                "dongle."
            ),
        )
    shown = cleaned
    if not cleaned:
        raise ConfigError(
            _("A serial number is empty. Enter the 10-character registration number.")
        )
    if not cleaned.isalnum():
        raise ConfigError(
            _(
                "The serial number {shown!r} contains characters other than letters and digits. "
                "The registration number has exactly 10 letters and digits."
            ).format(shown=shown)
        )
    if 13 <= len(cleaned) <= 18:
        raise ConfigError(
            ngettext(
                "{shown!r} has {count} character and looks like the inverter's own serial "
                "number. SolaX Cloud wants the 10-character registration number of the "
                "communication dongle (Pocket WiFi, LAN or 4G), printed on the dongle and listed "
                "in SolaX Cloud under the device.",
                "{shown!r} has {count} characters and looks like the inverter's own serial "
                "number. SolaX Cloud wants the 10-character registration number of the "
                "communication dongle (Pocket WiFi, LAN or 4G), printed on the dongle and listed "
                "in SolaX Cloud under the device.",
                len(cleaned),
            ).format(shown=shown, count=len(cleaned))
        )
    raise ConfigError(
        ngettext(
            "{shown!r} has {count} character, but a registration number has exactly 10 "
            "letters and digits. It is printed on the Pocket WiFi/LAN/4G dongle plugged into "
            "the inverter.",
            "{shown!r} has {count} characters, but a registration number has exactly 10 "
            "letters and digits. It is printed on the Pocket WiFi/LAN/4G dongle plugged into "
            "the inverter.",
            len(cleaned),
        ).format(shown=shown, count=len(cleaned))
    )
