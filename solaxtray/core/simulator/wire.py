"""The bytes the SolaX Cloud sends, written from the V6.1 document and the field notes.

Qt-free. Deliberately independent of the project's parser: if both were built from one table, a
misreading of the protocol would pass every test. What the real service does and this copies:

- every API error is HTTP 200 with ``success: false``; the Content-Type claims ISO-8859-1;
- v1 answers put ``exception`` first and ``success`` last, v2 answers ``success`` first and say
  "operation success";
- numbers are floats on v1 (``575.0``) and integers on v2; type and status codes are strings;
- ``utcDateTime`` is real UTC on v2; on v1 it is real UTC too unless the plant asks for the
  8 hours off seen in the wild (``SimInverter.v1_utc_skew_hours``);
- the token-rejected answer echoes the ``tokenId`` it was sent and has no ``result`` key;
- "no auth!" and "this sn did not access!" come as a string ``result`` beside "Query success!".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from solaxtray.core.simulator.plant import Reading, SimInverter

CONTENT_TYPE_JSON = "application/json;charset=ISO-8859-1"
CONTENT_TYPE_HTML = "text/html;charset=UTF-8"

THROTTLE_MESSAGE = "Request calls within the current minute > threshold"
DAY_QUOTA_MESSAGE = "Request calls within the current day exceed the maximum call threshold"
BAN_MESSAGE = (
    "There have been several violations in a row, "
    "and the system will prohibit calls within the next hour"
)
BUSY_MESSAGE = "The server is busy. Please try again later!"
TOKEN_INVALID_MESSAGE = "token invalid!"  # noqa: S105 - the cloud's wording
UNAUTHORIZED_MESSAGE = "Interface Unauthorized"
NO_AUTH_MESSAGE = "no auth!"
NOT_ACCESSED_MESSAGE = "this sn did not access!"

MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html><head><title>System maintenance</title></head>"
    b"<body><h1>System upgrade in progress</h1>"
    b"<p>SolaxCloud is being upgraded. Please visit again later.</p></body></html>"
)
ERROR_PAGE_500 = (
    b"<html><head><title>500 Internal Server Error</title></head>"
    b"<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center>"
    b"</body></html>"
)
ERROR_PAGE_503 = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr>"
    b"<center>nginx</center></body></html>"
)
NOT_FOUND_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>"


def encode(body: dict[str, Any]) -> bytes:
    """Compact JSON as the cloud sends it; ASCII only, so the wrong charset label never matters."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _num(value: float | None, v2: bool) -> float | int | None:
    if value is None:
        return None
    return int(value) if v2 else float(value)


def _utc_iso(epoch: float, *, millis: bool) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def result_object(inv: SimInverter, reading: Reading, *, v2: bool) -> dict[str, Any]:
    """The ``result`` of a success: every Table 3 field, plus ``batStatus`` and ``utcDateTime``."""
    pv = reading.pv
    eps = reading.eps
    energy = float  # energies keep their decimals on both endpoints
    result: dict[str, Any] = {
        "inverterSN": inv.inverter_sn,
        "sn": inv.sn,
        "acpower": _num(reading.ac_power, v2),
        "yieldtoday": energy(reading.yield_today),
        "yieldtotal": energy(reading.yield_total),
        "feedinpower": _num(reading.feedin_power, v2),
        "feedinenergy": None if reading.feedin_energy is None else energy(reading.feedin_energy),
        "consumeenergy": None if reading.consume_energy is None else energy(reading.consume_energy),
        "feedinpowerM2": _num(reading.feedin_power_m2, v2),
        "soc": _num(reading.soc, v2),
        "peps1": _num(eps[0], v2),
        "peps2": _num(eps[1], v2),
        "peps3": _num(eps[2], v2),
        "inverterType": str(inv.type_code),
        "inverterStatus": str(reading.status),
        "uploadTime": reading.upload_time_local(inv.utc_offset_hours),
        "batPower": _num(reading.bat_power, v2),
        "powerdc1": _num(pv[0], v2),
        "powerdc2": _num(pv[1], v2),
        "powerdc3": _num(pv[2], v2),
        "powerdc4": _num(pv[3], v2),
        "batStatus": None if reading.bat_status is None else str(reading.bat_status),
    }
    if v2:
        result["utcDateTime"] = _utc_iso(reading.upload_epoch, millis=True)
    else:
        # Beijing time labelled as UTC has been seen here, but only a plant that asks for it gets it.
        skew = inv.v1_utc_skew_hours * 3600.0
        result["utcDateTime"] = _utc_iso(reading.upload_epoch + skew, millis=False)
    return result


def success(result: dict[str, Any], *, v2: bool) -> bytes:
    if v2:
        return encode(
            {"success": True, "exception": "operation success", "result": result, "code": 0}
        )
    return encode({"exception": "Query success!", "result": result, "success": True, "code": 0})


def failure(message: str, *, code: int | None, v2: bool, result: Any = None) -> bytes:
    """An API error: HTTP 200, ``success`` false, the words in ``exception``."""
    if v2:
        body: dict[str, Any] = {"success": False, "exception": message, "result": result}
        if code is not None:
            body["code"] = code
        return encode(body)
    body = {"exception": message, "result": result, "success": False}
    if code is not None:
        body["code"] = code
    return encode(body)


def token_invalid(token_sent: str, *, v2: bool) -> bytes:
    """The rejected-token answer. It echoes the token back, as the real one does: the reason no
    client may ever log a raw body."""
    if v2:
        return encode(
            {
                "success": False,
                "exception": UNAUTHORIZED_MESSAGE,
                "code": 1001,
                "tokenId": token_sent,
            }
        )
    return encode(
        {"exception": TOKEN_INVALID_MESSAGE, "success": False, "code": 103, "tokenId": token_sent}
    )


def no_auth(*, v2: bool) -> bytes:
    """A serial not bound to the token's account (v1: in a string ``result``, no code)."""
    if v2:
        return encode(
            {"success": False, "exception": NO_AUTH_MESSAGE, "result": None, "code": 1003}
        )
    return encode({"exception": "Query success!", "result": NO_AUTH_MESSAGE, "success": False})


def not_accessed(*, v2: bool) -> bytes:
    """A serial the account knows but the cloud never heard from."""
    if v2:
        return encode(
            {"success": False, "exception": "operation success", "result": NOT_ACCESSED_MESSAGE}
        )
    return encode({"exception": "Query success!", "result": NOT_ACCESSED_MESSAGE, "success": False})


def throttled(*, v2: bool) -> bytes:
    return failure(THROTTLE_MESSAGE, code=104, v2=v2)


def day_quota(*, v2: bool) -> bytes:
    return failure(DAY_QUOTA_MESSAGE, code=104, v2=v2)


def banned(*, v2: bool) -> bytes:
    return failure(BAN_MESSAGE, code=1, v2=v2)


def busy(*, v2: bool) -> bytes:
    return failure(BUSY_MESSAGE, code=0, v2=v2)


def error_2001(*, v2: bool) -> bytes:
    return failure("error", code=2001, v2=v2)


def oversized(size: int) -> bytes:
    """A syntactically valid success answer far bigger than any real one (a padded field)."""
    head = b'{"exception":"Query success!","result":{"padding":"'
    tail = b'"},"success":true,"code":0}'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail
