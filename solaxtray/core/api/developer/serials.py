"""The Developer API's serial numbers: the inverter's own serial number. Qt-free."""

from __future__ import annotations

import re

from solaxtray.core.api.serials import token_instead_of_serial, token_like
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import _, ngettext

_DEVICE_SERIAL_RE = re.compile(r"[A-Z0-9]{11,20}")


def normalize_device_serial(text: str) -> str:
    """Return an inverter's own serial number (what the Developer API wants) in canonical form, or
    raise ConfigError with a sentence that helps the user find the right number.

    Why a separate rule: the Developer API names inverters by the serial number on the inverter's
    label (14 characters on current models), while the tokenId API names the dongle by its
    10-character registration number. The two are easily mixed up, and a wrong kind of number costs
    a refused request, so a 10-character value gets its own explanation.
    """
    cleaned = re.sub(r"[\s-]+", "", text).upper()
    if _DEVICE_SERIAL_RE.fullmatch(cleaned):
        return cleaned
    if token_like(cleaned):
        raise token_instead_of_serial(
            cleaned, _("Enter the inverter's own serial number, printed on the inverter's label.")
        )
    shown = cleaned
    if not cleaned:
        raise ConfigError(_("A serial number is empty. Enter the inverter's own serial number."))
    if not cleaned.isalnum():
        raise ConfigError(
            _(
                "The serial number {shown!r} contains characters other than letters and digits. "
                "The inverter's serial number has only letters and digits."
            ).format(shown=shown)
        )
    if len(cleaned) == 10:
        raise ConfigError(
            _(
                "{shown!r} has 10 characters and looks like the registration number of the "
                "communication dongle. The Developer API wants the inverter's own serial number, "
                "printed on the inverter's label and listed in SolaX Cloud under the device."
            ).format(shown=shown)
        )
    raise ConfigError(
        ngettext(
            "{shown!r} has {count} character, but an inverter's serial number has 11 to 20 "
            "letters and digits. It is printed on the inverter's label.",
            "{shown!r} has {count} characters, but an inverter's serial number has 11 to 20 "
            "letters and digits. It is printed on the inverter's label.",
            len(cleaned),
        ).format(shown=shown, count=len(cleaned))
    )
