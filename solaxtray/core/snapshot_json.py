"""Snapshots and errors as JSON-ready dicts, in the shape of ``solaxtray fetch --json`` and of
the ``watch`` lines. Qt-free.

Why the spec's own field names (``acpower``, ``batPower``, ...) and not our attribute names: scripts
written against the SolaX document, or against the raw API, read our output without a mapping.
Numbers stay numbers or ``null`` (never strings); the codes are ``{"code": int, "name": str}`` so a
script gets both the number and the table's words; times are ISO 8601. ``uploadTime`` has no zone
because the cloud sends the plant's local wall clock without one (field notes, "Time").
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from solaxtray.core.errors import ApiError, RateLimited
from solaxtray.core.models import Snapshot, _OpenIntEnum


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def _code(value: _OpenIntEnum | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"code": int(value), "name": value.label}


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot_to_json(s: Snapshot) -> dict[str, Any]:
    """One successful inverter item: ``sn``, ``ok: true`` and the spec's fields."""
    return {
        "sn": s.sn,
        "ok": True,
        "inverterSN": s.inverter_sn,
        "acpower": _number(s.ac_power),
        "yieldtoday": _number(s.yield_today),
        "yieldtotal": _number(s.yield_total),
        "feedinpower": _number(s.feedin_power),
        "feedinenergy": _number(s.feedin_energy),
        "consumeenergy": _number(s.consume_energy),
        "feedinpowerM2": _number(s.feedin_power_m2),
        "soc": _number(s.soc),
        "peps1": _number(s.eps_power[0]),
        "peps2": _number(s.eps_power[1]),
        "peps3": _number(s.eps_power[2]),
        "inverterType": _code(s.inverter_type),
        "inverterStatus": _code(s.inverter_status),
        "uploadTime": _time(s.upload_time),
        "batPower": _number(s.bat_power),
        "powerdc1": _number(s.pv_power[0]),
        "powerdc2": _number(s.pv_power[1]),
        "powerdc3": _number(s.pv_power[2]),
        "powerdc4": _number(s.pv_power[3]),
        "batStatus": _code(s.bat_status),
        "utcDateTime": _time(s.utc_time),
        "fetchedAt": _time(s.fetched_at),
    }


def error_to_json(e: ApiError, sn: str | None = None) -> dict[str, Any]:
    """One failed inverter item: ``sn``, ``ok: false`` and ``error: {kind, title, message}``.

    The message is the user-facing sentence of the error, which never holds the token.
    """
    error: dict[str, Any] = {"kind": str(e.kind), "title": e.title, "message": e.message}
    if isinstance(e, RateLimited):
        error["retryAfter"] = e.retry_after
        error["banned"] = e.banned
    return {"sn": e.sn if e.sn is not None else sn, "ok": False, "error": error}
