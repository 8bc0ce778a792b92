"""Checks of each serial number: its shape for the API in use, whether the account knows it, its
last upload's age and the plant's clock against UTC. Qt-free; the answers come from ``cloud``."""

from __future__ import annotations

from datetime import UTC

from solaxtray.core.api.registry import spec_of
from solaxtray.core.doctor.model import CheckResult, fail, ok, warn
from solaxtray.core.errors import ApiError, ConfigError, SerialNotReporting, SerialUnknown
from solaxtray.core.i18n import _
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_age

CLOCK_TOLERANCE_S = 120.0
"""A plant clock within two minutes of a whole quarter-hour offset from UTC is right."""
ZONE_STEP_S = 900.0
FUTURE_TOLERANCE_S = 300.0
MAX_ZONE_S = 14 * 3600.0

Outcome = Snapshot | ApiError


# -- serial shape ---------------------------------------------------------------------------------


def check_serial_shape(
    backend: str, sn: str, mapping: dict[str, str] | None = None
) -> tuple[CheckResult, str | None]:
    """The serial's shape for the API in use, and its canonical form when it has the right one.

    ``mapping`` (the wrong kind of number -> the right one: from the Developer API's inventory,
    or from the tokenId API's answers, which carry the inverter's serial) lets a refusal name
    the number to use instead.
    """
    cid = f"serial-shape:{sn}"
    title = f"Serial number {sn}"
    spec = spec_of(backend)
    try:
        return ok(cid, title, _(spec.wording.shape_ok)), spec.normalise_serial(sn)
    except ConfigError as exc:
        cleaned = "".join(sn.split()).upper()
        better = (mapping or {}).get(cleaned)
        fix = (
            _(spec.wording.shape_replace).format(given=cleaned, better=better)
            if better is not None
            else _(spec.wording.shape_fix)
        )
        return fail(cid, title, exc.message, fix), None


# -- per serial results ---------------------------------------------------------------------------


def check_known(backend: str, sn: str, outcome: Outcome | None, why_not: str) -> CheckResult:
    """Whether the account knows the serial, from the answer about it."""
    cid = f"serial-known:{sn}"
    title = _("{sn} in the account").format(sn=sn)
    if outcome is None:
        return warn(
            cid,
            title,
            _("Not checked: {why_not}").format(why_not=why_not),
            _("Run the check again later."),
        )
    if isinstance(outcome, Snapshot):
        message = _("SolaX Cloud knows it and answered with its data.")
        with_inverter = spec_of(backend).wording.known_with_inverter
        if with_inverter is not None and outcome.inverter_sn:
            message = _(with_inverter).format(inverter_sn=outcome.inverter_sn)
        return ok(cid, title, message)
    if isinstance(outcome, SerialUnknown):
        fix = _(spec_of(backend).wording.unknown_fix)
        return fail(cid, title, outcome.message, fix)
    if isinstance(outcome, SerialNotReporting):
        return fail(
            cid,
            title,
            outcome.message,
            _("Check that the dongle is powered and online (its LED, or the SolaX app)."),
        )
    return warn(
        cid,
        title,
        _("Not checked: {message}").format(message=outcome.message),
        _("Run the check again later."),
    )


def upload_age_s(snap: Snapshot, now: float) -> float | None:
    """Seconds since the upload, from its UTC time (else the plant time read as this machine's
    zone, the best guess without one)."""
    local = None if snap.upload_time is None else now - snap.upload_time.astimezone().timestamp()
    if snap.utc_time is not None:
        age = now - snap.utc_time.timestamp()
        # Beijing time labelled as UTC has been seen on the v1 endpoint: a "UTC" in the future.
        if age >= -FUTURE_TOLERANCE_S or local is None:
            return age
    return local


def check_upload_age(sn: str, snap: Snapshot, now: float, stale_minutes: int) -> CheckResult:
    cid = f"upload-age:{sn}"
    title = f"{sn} reporting"
    age = upload_age_s(snap, now)
    if age is None:
        return warn(
            cid,
            title,
            _("The answer held no upload time, so its age is unknown."),
            _("Check the inverter in the SolaX app."),
        )
    if age <= stale_minutes * 60.0:
        return ok(cid, title, _("Its last upload was {age}.").format(age=format_age(age)))
    return warn(
        cid,
        title,
        _(
            "Its last upload was {age}, longer than the {stale_minutes} minutes after which "
            "solaxtray calls data stale."
        ).format(age=format_age(age), stale_minutes=stale_minutes),
        _(
            "Check that the dongle is powered and online (its LED, or the SolaX app); at "
            "night some inverters stop uploading, which is normal."
        ),
    )


def check_plant_clock(sn: str, snap: Snapshot) -> CheckResult:
    """The plant's clock (``uploadTime``) against the upload's UTC time: a correct clock is a
    whole quarter hour away from UTC, whatever the plant's time zone."""
    cid = f"plant-clock:{sn}"
    title = f"{sn} clock"
    if snap.upload_time is None or snap.utc_time is None:
        return ok(
            cid, title, _("The answer carries no UTC time to compare the plant's clock with.")
        )
    utc = snap.utc_time.astimezone(UTC).replace(tzinfo=None)
    offset = (snap.upload_time - utc).total_seconds()
    zone = round(offset / ZONE_STEP_S) * ZONE_STEP_S
    drift = offset - zone
    if abs(zone) <= MAX_ZONE_S and abs(drift) <= CLOCK_TOLERANCE_S:
        hours = zone / 3600.0
        return ok(cid, title, _("The plant's clock runs at UTC{hours:+g} h.").format(hours=hours))
    minutes = round(abs(drift if abs(zone) <= MAX_ZONE_S else offset) / 60.0)
    return warn(
        cid,
        title,
        _(
            "The plant's clock is about {minutes} minutes off (its upload time is "
            "{upload_time:%Y-%m-%d %H:%M}, UTC {utc:%Y-%m-%d %H:%M}), so upload times and "
            "ages look wrong."
        ).format(minutes=minutes, upload_time=snap.upload_time, utc=utc),
        _("Set the inverter's date and time (on its display or in the SolaX app)."),
    )


def serial_checks(
    backend: str, sn: str, outcome: Outcome | None, *, why_not: str, now: float, stale_minutes: int
) -> list[CheckResult]:
    results = [check_known(backend, sn, outcome, why_not)]
    if isinstance(outcome, Snapshot):
        results.append(check_upload_age(sn, outcome, now, stale_minutes))
        results.append(check_plant_clock(sn, outcome))
    return results
