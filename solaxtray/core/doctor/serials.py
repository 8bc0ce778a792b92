"""Checks of each serial number: its shape for the API in use, whether the account knows it, its
last upload's age and the plant's clock against UTC. Qt-free; the answers come from ``cloud``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from solaxtray.core.api.registry import spec_of
from solaxtray.core.doctor.model import CheckResult, Status, fail, ok, warn
from solaxtray.core.errors import ApiError, ConfigError, SerialNotReporting, SerialUnknown
from solaxtray.core.i18n import _, ngettext
from solaxtray.core.locale_format import format_number
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
    title = _("Serial number {sn}").format(sn=sn)
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
    # TRANSLATORS: a check's title: whether the inverter {sn} still uploads its data.
    title = _("{sn} reporting").format(sn=sn)
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
    # TRANSLATORS: a check's title: the clock of the plant (inverter) {sn}.
    title = _("{sn} clock").format(sn=sn)
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


# -- many serials ---------------------------------------------------------------------------------

SHOWN_SERIALS = 20
"""The serial numbers whose checks a readable report shows one by one; the rest are counted."""
LISTED_SERIALS = 5
"""The serial numbers a summary names for each kind of problem."""
MORE_ID = "serials-more"
_SHAPE_PREFIX = "serial-shape:"
_PER_SERIAL = (_SHAPE_PREFIX, "serial-known:", "upload-age:", "plant-clock:")
_RANK = {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}


def summarise_serials(
    results: Sequence[CheckResult], keep: int = SHOWN_SERIALS
) -> list[CheckResult]:
    """``results`` for reading: the checks of the first ``keep`` serial numbers as they are, and
    those of every further one folded into one result that counts them and names the first few
    with a problem. Ten thousand serial numbers would otherwise be thirty thousand lines, with
    the one failure lost among them. (``--json`` keeps every result.)"""
    shown: list[CheckResult] = []
    rest: list[tuple[str, Status]] = []  # (serial, its worst status), in order
    at: int | None = None
    groups = 0
    for result in results:
        if not result.id.startswith(_PER_SERIAL):
            shown.append(result)
            continue
        if result.id.startswith(_SHAPE_PREFIX):
            groups += 1
            if groups > keep:
                rest.append((result.id.removeprefix(_SHAPE_PREFIX), result.status))
                if at is None:
                    at = len(shown)
                continue
        if groups <= keep:
            shown.append(result)
        elif rest and _RANK[result.status] > _RANK[rest[-1][1]]:
            rest[-1] = (rest[-1][0], result.status)
    if at is None:
        return shown
    shown.insert(at, _more_serials(rest, keep))
    return shown


def _more_serials(rest: Sequence[tuple[str, Status]], shown: int) -> CheckResult:
    failed = [sn for sn, status in rest if status is Status.FAIL]
    warned = [sn for sn, status in rest if status is Status.WARN]
    count = len(rest)
    sentences = [
        ngettext(
            "{count} serial number after the first {shown}: {passed} passed every check, "
            "{warned} had a warning, {failed} had a failed check.",
            "{count} serial numbers after the first {shown}: {passed} passed every check, "
            "{warned} had a warning, {failed} had a failed check.",
            count,
        ).format(
            count=format_number(count),
            shown=format_number(shown),
            passed=format_number(count - len(failed) - len(warned)),
            warned=format_number(len(warned)),
            failed=format_number(len(failed)),
        )
    ]
    if failed:
        sentences.append(_("Failed: {serials}.").format(serials=_some(failed)))
    if warned:
        sentences.append(_("With a warning: {serials}.").format(serials=_some(warned)))
    title = _("Other serial numbers")
    message = " ".join(sentences)
    if not failed and not warned:
        return ok(MORE_ID, title, message)
    fix = _(
        "'solaxtray doctor --json' lists every check of every serial number, and "
        "'solaxtray doctor --sn SERIAL' checks one of them."
    )
    return (fail if failed else warn)(MORE_ID, title, message, fix)


def _some(serials: Sequence[str]) -> str:
    """The first few serial numbers, and how many more."""
    names = ", ".join(serials[:LISTED_SERIALS])
    if len(serials) <= LISTED_SERIALS:
        return names
    more = len(serials) - LISTED_SERIALS
    return _("{names} and {count} more").format(names=names, count=format_number(more))
