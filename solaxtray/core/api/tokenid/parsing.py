"""From the bytes of one realtime answer to a Snapshot, or to the ApiError that says what went wrong.

Pure and Qt-free: no I/O, no clock (the caller passes when it received the bytes). Every rule here
comes from ``shared/spec/api-field-notes.md``: API errors arrive as HTTP 200 with ``success: false``;
only ``success is True`` together with an object ``result`` is a success; failures are told apart by
``code`` first and by the words of ``exception`` or a string ``result`` after that; numbers and codes
come as floats, ints, strings or null. A body we cannot read is a clean MalformedResponse or
ServerError, never an exception from json or datetime.

Over 500 lines: every field of the tokenId API's answer with its unit and its range, checked in one
pass over the answer.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, TypeVar

from solaxtray.core.api.cloud_errors import busy
from solaxtray.core.errors import (
    ApiError,
    MalformedResponse,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.i18n import _
from solaxtray.core.locale_format import format_number
from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot
from solaxtray.core.quota import PUBLISHED_PER_DAY
from solaxtray.core.redact import looks_like_token, redact

logger = logging.getLogger(__name__)

THROTTLE_RETRY_AFTER = 60.0
"""Seconds to wait after the per-minute throttle: the limit is counted per minute."""
BAN_RETRY_AFTER = 3600.0
"""Seconds to wait after the ban for repeated violations, which the cloud says lasts an hour."""

DAY_QUOTA_RETRY_AFTER = 3600.0
"""Seconds to wait after the daily quota answer: we do not know the cloud's day boundary, so ask
again hourly rather than hammer it."""

UPLOAD_TIME_FUTURE_TOLERANCE = timedelta(hours=15)
"""How far ``uploadTime`` may lie ahead of our UTC clock and still be believed: it is the plant's
local time (up to UTC+14) plus some clock skew. Later than that is garbage, kept only as text."""
EARLIEST_PLAUSIBLE_UPLOAD = datetime(2010, 1, 1)
"""No SolaX dongle uploaded before this; earlier dates are placeholders such as 1970-01-01."""

TOKEN_CODES = frozenset({103, 1001})
SERIAL_UNKNOWN_CODES = frozenset({1003})
THROTTLE_CODES = frozenset({3, 104})
BAN_CODES = frozenset({1})
GENERIC_FAILURE_CODES = frozenset({2001})

_DOCUMENTED_FIELDS = frozenset(
    {
        "inverterSN",
        "sn",
        "acpower",
        "yieldtoday",
        "yieldtotal",
        "feedinpower",
        "feedinenergy",
        "consumeenergy",
        "feedinpowerM2",
        "soc",
        "peps1",
        "peps2",
        "peps3",
        "inverterType",
        "inverterStatus",
        "uploadTime",
        "batPower",
        "powerdc1",
        "powerdc2",
        "powerdc3",
        "powerdc4",
        # Beyond the document but parsed into their own Snapshot fields:
        "batStatus",
        "utcDateTime",
    }
)

_E = TypeVar("_E", InverterType, InverterStatus, BatteryStatus)

_MAX_QUOTED_TEXT = 120

MAX_NESTING = 32
"""The deepest nesting of arrays and objects an answer may have. Real answers nest three or four
levels (the Developer API's ``pvMap`` inside an inverter inside the list of the envelope); far
deeper is no SolaX answer, and reading it recursively would exhaust the stack."""

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableValue(ValueError):
    """A value that no inverter reports and that cannot be held here: a number beyond a float's
    range, a time beyond the calendar once converted to UTC, nesting beyond ``MAX_NESTING``.

    Raised by the field readers; the parsers turn it into one MalformedResponse for the serial,
    so that one corrupt answer costs that inverter's reading and nothing else.
    """


def unreadable_answer(sn: str) -> MalformedResponse:
    """The error for an answer that held an ``UnreadableValue``."""
    return MalformedResponse(
        _(
            "SolaX Cloud's answer for {sn} held a value far outside anything an inverter "
            "reports (a number, a date or a nesting out of range), so solaxtray did not use "
            "it. solaxtray will try again later."
        ).format(sn=_show_sn(sn)),
        sn=sn,
    )


def parse_realtime(body: bytes, *, sn: str, fetched_at: datetime) -> Snapshot:
    """Read one answer of the realtime endpoint (v1 or v2) for the registration number ``sn``.

    ``fetched_at`` (aware UTC) is when the answer arrived; it also bounds how far in the future an
    ``uploadTime`` may lie. Raises an ApiError subclass with ``sn`` set for every failure shape.
    """
    envelope = _decode(body, sn)
    success = envelope.get("success")
    result = envelope.get("result")
    if success is True and isinstance(result, dict):
        try:
            return _snapshot(result, sn=sn, fetched_at=fetched_at)
        except UnreadableValue:
            logger.info("Answer for %s held an unreadable value", sn)
            raise unreadable_answer(sn) from None
    raise classify_failure(envelope, sn=sn)


def _decode(body: bytes, sn: str) -> dict[str, Any]:
    """The JSON object of the body, whatever charset the server claimed.

    One trace shows ``charset=ISO-8859-1`` on JSON, so the header is ignored: UTF-8 first (with or
    without a byte-order mark), Latin-1 as the fallback that decodes any byte.
    """
    stripped = body.strip()
    if not stripped:
        raise ServerError(
            _(
                "SolaX Cloud sent an empty answer for {sn}. It is probably having a short "
                "outage; solaxtray will try again later."
            ).format(sn=_show_sn(sn)),
            sn=sn,
        )
    if _looks_like_html(stripped):
        raise ServerError(
            _(
                "SolaX Cloud answered with a web page instead of data for {sn}, which usually "
                "means maintenance. solaxtray will try again later."
            ).format(sn=_show_sn(sn)),
            sn=sn,
            title=_("SolaX Cloud under maintenance"),
        )
    try:
        text = stripped.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = stripped.decode("latin-1")
    if nesting_depth(text) > MAX_NESTING:
        # Checked before json.loads, whose parser recurses once per level: whether a deep body
        # then hits the recursion limit would depend on how deep the caller's stack already is.
        raise unreadable_answer(sn)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedResponse(
            _(
                "SolaX Cloud's answer for {sn} was cut off or garbled and could not be read. "
                "solaxtray will try again later."
            ).format(sn=_show_sn(sn)),
            sn=sn,
        ) from None
    if not isinstance(data, dict):
        raise MalformedResponse(
            _(
                "SolaX Cloud's answer for {sn} was not in the expected format. solaxtray will "
                "try again later."
            ).format(sn=_show_sn(sn)),
            sn=sn,
        )
    return data


def nesting_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not
    count), without parsing it. Linear in the text, no recursion: escapes go first, so that a
    string is then simply quote to quote."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    steps = (1 if c in "[{" else -1 for c in brackets)
    return max(accumulate(steps), default=0)


def parse_envelope(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a body, or None when it is not one (for answers with an error status)."""
    try:
        return _decode(body, "")
    except ApiError:
        return None


def _looks_like_html(stripped: bytes) -> bool:
    # No JSON value starts with "<"; a maintenance page, a proxy's error page or XML all do.
    return stripped.lstrip(b"\xef\xbb\xbf").startswith(b"<")


def classify_failure(envelope: Mapping[str, Any], *, sn: str) -> ApiError:
    """The error an unsuccessful envelope stands for: by ``code`` first, then by its words.

    Public so that the client can classify a JSON error body that came with a non-200 status.
    """
    code = _int_code(envelope.get("code"))
    exception = envelope.get("exception")
    result = envelope.get("result")
    said = " ".join(w for w in (exception, result) if isinstance(w, str))
    words = said.lower()

    kind = _kind_from_code(code) or _kind_from_words(words)
    if kind is _throttled and "day" in words:
        kind = _day_quota
    if kind is None:
        if not isinstance(envelope.get("success"), bool) or envelope.get("success") is True:
            return MalformedResponse(
                _(
                    "SolaX Cloud's answer for {sn} held no inverter data. solaxtray will try again "
                    "later."
                ).format(sn=_show_sn(sn)),
                sn=sn,
            )
        logger.info("Unrecognised failure answer for %s (code %s)", sn, code)
        return ServerError(
            _(
                "SolaX Cloud refused the request for {sn}{cloud_words}. solaxtray will try "
                "again later."
            ).format(sn=_show_sn(sn), cloud_words=_quote_cloud_words(said)),
            sn=sn,
        )
    return kind(sn)


def _kind_from_code(code: int | None) -> Callable[[str], ApiError] | None:
    if code in TOKEN_CODES:
        return _token_rejected
    if code in SERIAL_UNKNOWN_CODES:
        return _serial_unknown
    if code in THROTTLE_CODES:
        return _throttled
    if code in BAN_CODES:
        return _banned
    if code in GENERIC_FAILURE_CODES:
        return _generic_failure
    return None


def _kind_from_words(words: str) -> Callable[[str], ApiError] | None:
    # Order matters: the ban sentence also speaks of calls, the token sentence of authorisation.
    if "token" in words and ("invalid" in words or "error" in words or "expired" in words):
        return _token_rejected
    if "unauthorized" in words or "unauthorised" in words:
        return _token_rejected
    if "no auth" in words:
        return _serial_unknown
    if "did not access" in words or "not access" in words:
        return _serial_not_reporting
    if "violation" in words or "prohibit" in words:
        return _banned
    if "threshold" in words or "current minute" in words or "too many" in words:
        return _throttled
    if "busy" in words:
        return busy
    if words.strip() in ("error", "operation failed") or "operation failed" in words:
        return _generic_failure
    return None


def _token_rejected(sn: str) -> ApiError:
    return TokenRejected(
        _(
            "SolaX Cloud did not accept the token. Copy the tokenId again from the API page "
            "of your SolaX Cloud account and enter it in solaxtray (a token from the North "
            "America portal works only with the “na” server)."
        ),
        sn=sn,
    )


def _serial_unknown(sn: str) -> ApiError:
    return SerialUnknown(
        _(
            "SolaX Cloud does not know {sn} for this token. Enter the 10-character "
            "registration number printed on the Pocket WiFi, LAN or 4G dongle, not the "
            "inverter's own serial number."
        ).format(sn=_show_sn(sn)),
        sn=sn,
    )


def _serial_not_reporting(sn: str) -> ApiError:
    return SerialNotReporting(
        _(
            "SolaX Cloud knows {sn} but has no data from it. Check that the dongle is "
            "powered and shows as online in the SolaX Cloud app or website."
        ).format(sn=_show_sn(sn)),
        sn=sn,
    )


def _throttled(sn: str) -> ApiError:
    return RateLimited(
        _(
            "SolaX Cloud is turning requests away because this token asked more than 10 "
            "times in a minute. solaxtray will wait a minute before asking again."
        ),
        sn=sn,
        banned=False,
        retry_after=THROTTLE_RETRY_AFTER,
    )


def _day_quota(sn: str) -> ApiError:
    return RateLimited(
        _(
            "This token has used up its {limit} SolaX Cloud requests for today. solaxtray "
            "will ask again in an hour."
        ).format(limit=format_number(PUBLISHED_PER_DAY)),
        sn=sn,
        banned=False,
        retry_after=DAY_QUOTA_RETRY_AFTER,
        title=_("Daily request limit reached"),
    )


def _banned(sn: str) -> ApiError:
    return RateLimited(
        _(
            "SolaX Cloud has blocked this token for an hour after repeated requests over its "
            "limit. solaxtray will wait an hour before asking again."
        ),
        sn=sn,
        banned=True,
        retry_after=BAN_RETRY_AFTER,
        title=_("Blocked for an hour"),
    )


def _generic_failure(sn: str) -> ApiError:
    return ServerError(
        _(
            "SolaX Cloud could not answer the request for {sn} and gave no reason. solaxtray "
            "will try again later."
        ).format(sn=_show_sn(sn)),
        sn=sn,
    )


def _quote_cloud_words(words: str) -> str:
    """The cloud's own words for an unknown failure, made safe to show (never a token)."""
    cleaned = " ".join("".join(c for c in words if c.isprintable()).split())
    cleaned = redact(cleaned)
    if not cleaned or "success" in cleaned.lower():  # "Query success!" on a failure says nothing
        return ""
    if len(cleaned) > _MAX_QUOTED_TEXT:
        cleaned = cleaned[: _MAX_QUOTED_TEXT - 1] + "…"
    return _(" (it said: “{words}”)").format(words=cleaned)


def _show_sn(sn: str) -> str:
    """The serial as it may appear in a sentence: printable, short, and never token-shaped."""
    cleaned = "".join(c for c in sn if c.isprintable() and not c.isspace())[:32]
    if not cleaned or looks_like_token(cleaned):
        return _("this serial number")
    return _("the serial number {sn}").format(sn=cleaned)


def _snapshot(result: dict[str, Any], *, sn: str, fetched_at: datetime) -> Snapshot:
    upload_raw = result.get("uploadTime")
    upload_raw_text = str(upload_raw) if isinstance(upload_raw, str | int | float) else None
    return Snapshot(
        sn=sn,
        fetched_at=fetched_at,
        inverter_sn=_text(result.get("inverterSN")),
        ac_power=_number(result.get("acpower")),
        yield_today=_number(result.get("yieldtoday")),
        yield_total=_number(result.get("yieldtotal")),
        feedin_power=_number(result.get("feedinpower")),
        feedin_energy=_number(result.get("feedinenergy")),
        consume_energy=_number(result.get("consumeenergy")),
        feedin_power_m2=_number(result.get("feedinpowerM2")),
        soc=_number(result.get("soc")),
        eps_power=(
            _number(result.get("peps1")),
            _number(result.get("peps2")),
            _number(result.get("peps3")),
        ),
        inverter_type=_enum(InverterType, result.get("inverterType")),
        inverter_status=_enum(InverterStatus, result.get("inverterStatus")),
        upload_time=_upload_time(upload_raw_text, fetched_at),
        upload_time_raw=_clean(upload_raw_text) if upload_raw_text is not None else None,
        utc_time=_utc_time(result.get("utcDateTime")),
        bat_power=_number(result.get("batPower")),
        pv_power=(
            _number(result.get("powerdc1")),
            _number(result.get("powerdc2")),
            _number(result.get("powerdc3")),
            _number(result.get("powerdc4")),
        ),
        bat_status=_enum(BatteryStatus, result.get("batStatus")),
        extra=_extra(result),
    )


def _number(value: object) -> float | None:
    """A measured value as a float: floats, ints and numeric strings; None for null, empty,
    booleans and anything that is not a finite number ("NaN" and "Infinity" are how some
    firmware says "no value"). An integer too large for a float (309 digits or more) is no
    marker but corrupt data: UnreadableValue."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise UnreadableValue("an integer beyond the range of a float") from None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _int_code(value: object) -> int | None:
    """A code of an envelope that may come as an int, a float (14.0) or a string ("14", " 14 ");
    None when it is none of these, or a number no code is (the failure is then told by its
    words)."""
    try:
        return _whole(value)
    except UnreadableValue:
        return None


def _whole(value: object) -> int | None:
    """A code inside a reading (status, type): as ``_int_code``, but a number beyond a float's
    range is an UnreadableValue, like any other field of the reading."""
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _enum(cls: type[_E], value: object) -> _E | None:
    code = _whole(value)
    return None if code is None else cls(code)


def _text(value: object) -> str | None:
    if isinstance(value, str):
        stripped = _clean(value).strip()
        return stripped or None
    return None


def _clean(text: str) -> str:
    """The text with lone surrogates (which JSON's ``\\ud800`` escapes can produce) replaced by
    U+FFFD: no UTF-8 stream, terminal or log file can take them, so printing one would fail."""
    return _SURROGATE.sub("\ufffd", text)


def _upload_time(raw: str | None, fetched_at: datetime) -> datetime | None:
    """``uploadTime`` as the plant's naive local time, or None when it is not believable."""
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    # Local wall-clock time by contract: a zone, if one ever appears, is not ours to apply.
    parsed = parsed.replace(tzinfo=None)
    latest = fetched_at.astimezone(UTC).replace(tzinfo=None) + UPLOAD_TIME_FUTURE_TOLERANCE
    if parsed < EARLIEST_PLAUSIBLE_UPLOAD or parsed > latest:
        logger.debug("Ignoring implausible uploadTime %r", raw)
        return None
    return parsed


def _utc_time(value: object) -> datetime | None:
    """``utcDateTime``, with or without milliseconds and ``Z``, as an aware UTC datetime."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is in year 10000 in UTC
        raise UnreadableValue("a time beyond the calendar") from None


def _extra(result: Mapping[str, Any]) -> dict[str, Any]:
    """Fields beyond the document, minus anything that could be a token (error bodies echo it)."""
    return {
        _clean(key): _scrub(value)
        for key, value in result.items()
        if key not in _DOCUMENTED_FIELDS and not _is_token_key(key)
    }


def _is_token_key(key: object) -> bool:
    return isinstance(key, str) and "token" in key.lower()


def _scrub(value: Any, depth: int = 0) -> Any:
    """A kept value without token-named keys or secrets, its text printable; nesting beyond
    ``MAX_NESTING`` is an UnreadableValue (a decoded answer never has it, other callers may)."""
    if depth > MAX_NESTING:
        raise UnreadableValue("nesting deeper than any SolaX answer")
    if isinstance(value, dict):
        return {
            _clean(k) if isinstance(k, str) else k: _scrub(v, depth + 1)
            for k, v in value.items()
            if not _is_token_key(k)
        }
    if isinstance(value, list):
        return [_scrub(v, depth + 1) for v in value]
    if isinstance(value, str):
        return redact(_clean(value))
    return value


# The Developer API's answers (developer_api.py) are read with the same leniency: numbers and codes
# as floats, ints or strings, the plant's wall-clock time, no token in kept fields, serials and the
# cloud's own words shown safely. One set of rules for both backends.
as_number = _number
as_code = _int_code
as_enum = _enum
as_text = _text
plant_time = _upload_time
utc_time = _utc_time
scrub = _scrub
show_sn = _show_sn
quote_cloud_words = _quote_cloud_words
decode_object = _decode
