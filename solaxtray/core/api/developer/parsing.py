"""What the Developer API's answers mean: our Snapshot from its objects, our errors from its codes.

Pure and Qt-free, like ``parsing.py`` for the tokenId API, and just as lenient: keys are matched
case-insensitively (SolaX's own document spells ``EPSL1Voltage`` and ``epsl1Voltage``), numbers and
codes may come as floats, ints or strings, and nothing that could be a token is kept. The codes are
those of SolaX's error table as the public sources give it (``docs/developer-api.md``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from solaxtray.core.api.cloud_errors import busy
from solaxtray.core.api.tokenid.parsing import (
    THROTTLE_RETRY_AFTER,
    UnreadableValue,
    as_enum,
    as_number,
    as_text,
    plant_time,
    quote_cloud_words,
    scrub,
    show_sn,
    unreadable_answer,
    utc_time,
)
from solaxtray.core.errors import (
    ApiError,
    MalformedResponse,
    RateLimited,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.models import InverterStatus, Snapshot

logger = logging.getLogger(__name__)

TOKEN_OK_CODE = 0
DATA_OK_CODE = 10000
REJECTED_TOKEN_CODES = frozenset({10400, 10402})
"""Not authenticated / access token rejected: the token is stale, renew it once."""
CREDENTIAL_CODES = frozenset({10401})
NO_ACCESS_CODES = frozenset({10403})
QUOTA_CODE = 10405
RATE_CODE = 10406
BUSY_CODE = 11500
DEVICE_CODES = frozenset({10500, 10505, 10506})
QUOTA_RETRY_AFTER = 3600.0
"""No source says when a used-up allowance comes back: ask again after an hour."""

CREDENTIAL_WORDS = N_(
    "Copy the client id and client secret again from your application on the SolaX Developer "
    "Platform (developer.solaxcloud.com) and enter them in solaxtray."
)
"""Marked for translation; pass it through ``_()`` where it is shown."""


def lower_keys(item: Mapping[str, Any]) -> dict[str, Any]:
    """The object with lower-case keys: SolaX's key casing is not consistent."""
    return {str(k).lower(): v for k, v in item.items()}


def _key(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def match_inverters(
    items: Iterable[Mapping[str, Any]], batch: list[str]
) -> dict[str, Mapping[str, Any]]:
    """Each asked serial's object, by ``deviceSn`` (or ``registerNo``), case-insensitively."""
    wanted = {sn.upper(): sn for sn in batch}
    matched: dict[str, Mapping[str, Any]] = {}
    for item in items:
        fields = lower_keys(item)
        for field in ("devicesn", "registerno"):
            sn = wanted.get(_key(fields.get(field)))
            if sn is not None and sn not in matched:
                matched[sn] = item
                break
    return matched


def match_batteries(
    items: Iterable[Mapping[str, Any]],
    wanted: list[str],
    inverters: Mapping[str, Mapping[str, Any]],
) -> dict[str, list[Mapping[str, Any]]]:
    """Battery objects per inverter serial: by a field naming the inverter when there is one,
    else by the shared ``registerNo`` (the dongle both report through); alone, the only one."""
    by_register = {
        _key(lower_keys(inverters[sn]).get("registerno")): sn
        for sn in wanted
        if sn in inverters and _key(lower_keys(inverters[sn]).get("registerno"))
    }
    upper = {sn.upper(): sn for sn in wanted}
    found: dict[str, list[Mapping[str, Any]]] = {}
    items = list(items)
    for item in items:
        fields = lower_keys(item)
        owner = None
        for field in ("invertersn", "relatedsn", "parentsn"):
            owner = upper.get(_key(fields.get(field)))
            if owner is not None:
                break
        if owner is None:
            owner = by_register.get(_key(fields.get("registerno")))
        if owner is None and len(wanted) == 1:
            owner = wanted[0]
        if owner is not None:
            found.setdefault(owner, []).append(item)
    return found


_INVERTER_FIELDS = frozenset(
    {
        "devicesn",
        "devicestatus",
        "plantlocaltime",
        "totalactivepower",
        "dailyyield",
        "totalyield",
        "gridpower",
        "gridpowerm2",
        "totalexportenergy",
        "totalimportenergy",
        "epsl1activepower",
        "epsl2activepower",
        "epsl3activepower",
        "pvmap",
    }
)


def snapshot_from_developer(
    inverter: Mapping[str, Any],
    batteries: Sequence[Mapping[str, Any]],
    *,
    sn: str,
    fetched_at: datetime,
) -> Snapshot:
    """One inverter object (and its battery objects) of the Developer API as our Snapshot.

    Keys are matched case-insensitively (SolaX's own document spells ``EPSL1Voltage`` and
    ``epsl1Voltage``). Signs, which SolaX's published material does not state, as one working
    client documents them (``docs/developer-api.md``): ``gridPower`` positive exports and negative
    imports, like the tokenId API's ``feedinpower``; ``chargeDischargePower`` positive charges, like
    ``batPower``. ``plantLocalTime`` is the plant's wall clock (``upload_time``), ``dataTime`` UTC.
    The inverter type is not in this answer, so it stays None.

    Raises MalformedResponse (``.sn`` = ``sn``) when a field holds a value no inverter reports (a
    number beyond a float's range, a time beyond the calendar): that inverter's reading is lost,
    not its neighbours' in the same answer.
    """
    try:
        return _snapshot(inverter, batteries, sn=sn, fetched_at=fetched_at)
    except UnreadableValue:
        logger.info("Developer API answer for %s held an unreadable value", sn)
        raise unreadable_answer(sn) from None


def _finite_sum(values: Sequence[float]) -> float | None:
    """The sum of readings, or None when there are none or the sum leaves a float's range."""
    total = sum(values) if values else None
    return total if total is not None and math.isfinite(total) else None


def _snapshot(
    inverter: Mapping[str, Any],
    batteries: Sequence[Mapping[str, Any]],
    *,
    sn: str,
    fetched_at: datetime,
) -> Snapshot:
    item = lower_keys(inverter)
    pv_map = lower_keys(item["pvmap"]) if isinstance(item.get("pvmap"), dict) else {}
    mppt_map = lower_keys(item["mpptmap"]) if isinstance(item.get("mpptmap"), dict) else {}
    pv = [as_number(pv_map.get(f"pv{i}power")) for i in range(1, 5)]
    if all(p is None for p in pv):
        pv = [as_number(mppt_map.get(f"mppt{i}power")) for i in range(1, 5)]
    ac_power = as_number(item.get("totalactivepower"))
    if ac_power is None:
        phases = [as_number(item.get(f"acpower{i}")) for i in range(1, 4)]
        ac_power = _finite_sum([p for p in phases if p is not None])
    raw_time = as_text(item.get("plantlocaltime")) or as_text(item.get("datatime"))
    socs: list[float] = []
    powers: list[float] = []
    for battery in batteries:
        fields = lower_keys(battery)
        soc = as_number(fields.get("batterysoc"))
        power = as_number(fields.get("chargedischargepower"))
        if soc is not None:
            socs.append(soc)
        if power is not None:
            powers.append(power)
    extra: dict[str, Any] = {
        key: scrub(value)
        for key, value in inverter.items()
        if str(key).lower() not in _INVERTER_FIELDS and "token" not in str(key).lower()
    }
    if batteries:
        extra["batteries"] = [
            {k: scrub(v) for k, v in b.items() if "token" not in str(k).lower()} for b in batteries
        ]
    return Snapshot(
        sn=sn,
        fetched_at=fetched_at,
        inverter_sn=as_text(item.get("devicesn")),
        ac_power=ac_power,
        yield_today=as_number(item.get("dailyyield")),
        yield_total=as_number(item.get("totalyield")),
        feedin_power=as_number(item.get("gridpower")),
        feedin_energy=as_number(item.get("totalexportenergy")),
        consume_energy=as_number(item.get("totalimportenergy")),
        feedin_power_m2=as_number(item.get("gridpowerm2")),
        soc=_mean(socs),
        eps_power=(
            as_number(item.get("epsl1activepower")),
            as_number(item.get("epsl2activepower")),
            as_number(item.get("epsl3activepower")),
        ),
        inverter_type=None,
        inverter_status=as_enum(InverterStatus, item.get("devicestatus")),
        upload_time=plant_time(raw_time, fetched_at),
        upload_time_raw=raw_time,
        utc_time=utc_time(item.get("datatime")),
        bat_power=_finite_sum(powers),
        pv_power=(pv[0], pv[1], pv[2], pv[3]),
        bat_status=None,
        extra=extra,
    )


def _mean(values: Sequence[float]) -> float | None:
    total = _finite_sum(values)
    return None if total is None else total / len(values)


# -- errors ------------------------------------------------------------------------------------


def credentials_rejected(label: str) -> ApiError:
    return TokenRejected(
        _("SolaX Cloud did not accept the Developer API client id and secret. {advice}").format(
            advice=_(CREDENTIAL_WORDS)
        ),
        sn=label,
        title=_("Developer API sign-in refused"),
    )


def token_still_rejected(label: str) -> ApiError:
    return TokenRejected(
        _(
            "SolaX Cloud rejected the Developer API access token even after solaxtray signed "
            "in again. Check that the application on the SolaX Developer Platform "
            "(developer.solaxcloud.com) is still enabled, then enter its client id and "
            "secret again."
        ),
        sn=label,
        title=_("Developer API access refused"),
    )


def _no_access(label: str) -> ApiError:
    return TokenRejected(
        _(
            "Your application on the SolaX Developer Platform has no access to realtime "
            "device data. Grant it that access at developer.solaxcloud.com, then try again."
        ),
        sn=label,
        title=_("Developer API access refused"),
    )


def _rate_limited(label: str) -> ApiError:
    return RateLimited(
        _(
            "SolaX Cloud's Developer API is turning requests away because this application "
            "asked too often. solaxtray will wait a minute before asking again."
        ),
        sn=label,
        retry_after=THROTTLE_RETRY_AFTER,
    )


def _quota_used(label: str) -> ApiError:
    return RateLimited(
        _(
            "This Developer API application has used up its allowance of SolaX Cloud "
            "requests. solaxtray will ask again in an hour."
        ),
        sn=label,
        retry_after=QUOTA_RETRY_AFTER,
        title=_("Request allowance used up"),
    )


def _cloud_words(envelope: Mapping[str, Any]) -> str:
    said = [envelope.get(k) for k in ("message", "msg", "exception")]
    return " ".join(w for w in said if isinstance(w, str))


def _common_error(envelope: Mapping[str, Any], code: int | None, label: str) -> ApiError:
    if code in CREDENTIAL_CODES:
        return credentials_rejected(label)
    if code in NO_ACCESS_CODES:
        return _no_access(label)
    if code == RATE_CODE:
        return _rate_limited(label)
    if code == QUOTA_CODE:
        return _quota_used(label)
    if code == BUSY_CODE:
        return busy(label)
    if code is None:
        return MalformedResponse(
            _(
                "SolaX Cloud's Developer API answered without a result code. solaxtray will try "
                "again later."
            ),
            sn=label,
        )
    return ServerError(
        _(
            "SolaX Cloud's Developer API refused the request with code "
            "{code}{cloud_words}. solaxtray will try again later."
        ).format(code=code, cloud_words=quote_cloud_words(_cloud_words(envelope))),
        sn=label,
    )


def token_endpoint_error(envelope: Mapping[str, Any], code: int | None) -> ApiError:
    if code in REJECTED_TOKEN_CODES:
        return credentials_rejected("")
    return _common_error(envelope, code, "")


def data_error(envelope: Mapping[str, Any], code: int | None, label: str) -> ApiError:
    if code in DEVICE_CODES:
        return SerialUnknown(
            _(
                "SolaX Cloud does not let this Developer API application read {sn}. Enter the "
                "inverter's own serial number (on its label, not the dongle's registration "
                "number) and check that the inverter belongs to the account the application was "
                "made in."
            ).format(sn=show_sn(label) if label else _("one of the serial numbers asked for")),
            sn=label,
            title=_("Serial number not available"),
        )
    return _common_error(envelope, code, label)
