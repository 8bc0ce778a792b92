"""Problems in words: what is wrong and what the user can do, for one inverter or for the
whole app, in the terms of the API in use. Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping

from solaxtray.core.errors import ApiError, SerialNotReporting, SerialUnknown, ServerError
from solaxtray.core.i18n import N_, _
from solaxtray.core.models import BatteryStatus
from solaxtray.core.presentation.formatting import format_duration, format_local_clock
from solaxtray.core.presentation.model import (
    DEFAULT_BACKEND,
    AppCondition,
    InverterInput,
    Problem,
    TrayState,
    condition_for_error,
)


def error_problem(error: ApiError) -> Problem:
    action = _("retrying automatically.")
    if isinstance(error, SerialUnknown):
        action = _(
            "open Settings and enter the registration number printed on the dongle, not the "
            "inverter's serial."
        )
    elif isinstance(error, SerialNotReporting):
        action = _("check that the dongle is powered and connected to Wi-Fi.")
    elif isinstance(error, ServerError):
        action = _("nothing to do; retrying automatically.")
    return Problem(error.title, action, error.message)


_STATUS_SINCE_FOR = N_("{status} since {time} ({duration})")
_STATUS_SINCE = N_("{status} since {time}")


def inverter_problem(inv: InverterInput, state: TrayState, now: float) -> Problem | None:
    snap = inv.snapshot
    if state is TrayState.FAULT and snap is not None:
        status = snap.inverter_status
        if status is not None and status.is_fault:
            title = _(status.label)
            if inv.status_since is not None and now >= inv.status_since:
                # "since 21:43 (12 min)"; under a minute the time alone, never "for 0 s".
                fields = {"status": title, "time": format_local_clock(inv.status_since)}
                if now - inv.status_since >= 60:
                    fields["duration"] = format_duration(now - inv.status_since)
                    title = _(_STATUS_SINCE_FOR).format(**fields)
                else:
                    title = _(_STATUS_SINCE).format(**fields)
            return Problem(
                title,
                _("look at the inverter's display; call your installer if it does not clear."),
            )
        return Problem(
            _("Battery fault"),
            _(
                "look at the battery and inverter displays; call your installer if it does not "
                "clear."
            ),
        )
    if state is TrayState.EPS:
        return Problem(
            _("Grid outage: the inverter is in EPS mode"),
            _("keep the load low until the grid returns."),
        )
    if inv.error is not None and condition_for_error(inv.error) is AppCondition.OK:
        return error_problem(inv.error)
    if state is TrayState.STALE and snap is None:
        # Before the first answer: nothing has gone wrong yet, so there is nothing to fix.
        return None
    if state is TrayState.STALE:
        if inv.upload_age_s is not None:
            title = _("No new data for {duration}").format(
                duration=format_duration(inv.upload_age_s)
            )
        else:
            title = _("No data yet")
        return Problem(title, _("check that the dongle is powered and connected to Wi-Fi."))
    if snap is not None and snap.bat_status is BatteryStatus.DISCONNECTED:
        return Problem(_("Battery disconnected"), _("check the battery's breaker and cables."))
    return None


def condition_problem(
    condition: AppCondition, detail: str | None = None, backend: str = DEFAULT_BACKEND
) -> Problem | None:
    """The fixed sentence for an app-wide condition; the setup sentences name the credentials of
    the API in use (a Developer API user has no tokenId to paste)."""
    own = _api_condition_texts(backend).get(condition.value)
    if own is not None:
        title, action = own
        return Problem(_(title), _(action), detail or "")
    texts: dict[AppCondition, tuple[str, str]] = {
        AppCondition.NO_CREDENTIALS: (
            N_("Setup needed"),
            N_("open Settings and paste the tokenId from SolaX Cloud (Service → API)."),
        ),
        AppCondition.NO_SERIALS: (
            N_("No inverter configured"),
            N_("open Settings and add the registration number printed on the dongle."),
        ),
        AppCondition.CREDENTIALS_REJECTED: (
            N_("Token rejected"),
            N_("open Settings and paste the tokenId from SolaX Cloud."),
        ),
        AppCondition.RATE_LIMITED: (
            N_("Too many requests"),
            N_("polling slows down by itself; close other apps that use the same token."),
        ),
        AppCondition.BANNED: (
            N_("SolaX Cloud blocked requests for an hour"),
            N_("polling resumes by itself; close other apps that use the same token."),
        ),
        AppCondition.KEYRING_LOCKED: (
            N_("Keyring locked"),
            N_("unlock your keyring, then choose Retry in Settings."),
        ),
        AppCondition.KEYRING_MISSING: (
            N_("No keyring available"),
            N_("start a Secret Service keyring (GNOME Keyring, KWallet) or set SOLAXTRAY_TOKEN."),
        ),
        AppCondition.ENV_TOKEN_UNUSABLE: (
            N_("Token not usable"),
            N_("SOLAXTRAY_TOKEN does not hold a tokenId: correct or unset it, then restart."),
        ),
        AppCondition.NO_NETWORK: (
            N_("No connection to SolaX Cloud"),
            N_("check the internet connection; retrying automatically."),
        ),
        AppCondition.SERVER_TROUBLE: (
            N_("SolaX Cloud is having trouble"),
            N_("nothing to do; retrying automatically."),
        ),
    }
    if condition not in texts:
        return None
    title, action = texts[condition]
    return Problem(_(title), _(action), detail or "")


def _api_condition_texts(backend: str) -> Mapping[str, tuple[str, str]]:
    """The API's own setup sentences (its spec's); none for a name the registry does not know
    (the general sentences then stand). Imported late: the tray icon reads this package first."""
    from solaxtray.core.api.registry import ALIASES, SPECS

    kind = ALIASES.get(backend.strip().lower()) if isinstance(backend, str) else None
    return SPECS[kind].wording.condition_texts if kind is not None else {}
