"""The parser against recorded answer shapes in tests/data/realtime, with the expected values here.

One file per shape of the field notes: each success shape is compared field by field, each failure
shape must give its exact error class (and the rate-limit details), a sentence for a person, and
never the token that some error bodies echo.
"""

from __future__ import annotations

import json
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.api.tokenid.parsing import classify_failure, parse_envelope, parse_realtime
from solaxtray.core.errors import (
    ApiError,
    MalformedResponse,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot

DATA = Path(__file__).resolve().parents[2] / "data" / "realtime"
FETCHED_AT = datetime(2026, 11, 24, 14, 0, 0, tzinfo=UTC)
ECHOED_TOKEN = "202011241234567890123456"
"""The tokenId that the recorded error bodies echo back (a made-up one)."""
SN = "SWABCDEFGH"

SUCCESS: dict[str, dict[str, Any]] = {
    "v1_document_example.json": {
        "inverter_sn": None,
        "ac_power": 0.0,
        "yield_today": 12.6,
        "yield_total": 12877.6,
        "feedin_power": 0.0,
        "soc": 0.0,
        "eps_power": (0.0, 0.0, 0.0),
        "inverter_type": InverterType.X1_BOOST_AIR_MINI,
        "inverter_status": InverterStatus.NORMAL,
        "upload_time": datetime(2021, 3, 13, 19, 9, 49),
        "upload_time_raw": "2021-03-13 19:09:49",
        "utc_time": None,
        "pv_power": (0.0, 0.0, None, None),
        "bat_status": None,
        "extra": {},
    },
    "v1_floats_hybrid.json": {
        "inverter_sn": "H34A10I1234567",
        "ac_power": 2875.0,
        "yield_today": 14.3,
        "yield_total": 8123.7,
        "feedin_power": -412.0,
        "feedin_energy": 3120.45,
        "consume_energy": 5012.08,
        "feedin_power_m2": 0.0,
        "soc": 76.0,
        "eps_power": (None, None, None),
        "inverter_type": InverterType.X3_HYBRID_G4,
        "inverter_status": InverterStatus.NORMAL,
        "upload_time": datetime(2026, 6, 15, 15, 23, 4),
        "utc_time": datetime(2026, 6, 15, 21, 23, 4, tzinfo=UTC),
        "bat_power": -1250.0,
        "pv_power": (1020.0, 640.0, None, None),
        "bat_status": BatteryStatus.NORMAL,
        "pv_total": 1660.0,
        "grid_import": 412.0,
        "grid_export": 0.0,
        "battery_discharge": 1250.0,
        "battery_charge": 0.0,
        "has_battery": True,
        "extra": {},
    },
    "v1_ints.json": {
        "ac_power": 1630.0,
        "yield_total": 20111.0,
        "feedin_power": 1580.0,
        "inverter_type": InverterType.X1_BOOST_AIR_MINI,
        "inverter_status": InverterStatus.NORMAL,
        "pv_power": (1700.0, 0.0, None, None),
        "grid_export": 1580.0,
    },
    "v1_string_numbers_eps.json": {
        "ac_power": 575.0,
        "yield_today": 3.4,
        "yield_total": 1520.9,
        "feedin_power": -120.0,
        "feedin_energy": None,  # empty string
        "consume_energy": None,  # "n/a"
        "soc": 55.0,
        "eps_power": (0.0, None, None),
        "inverter_type": InverterType.X3_HYBRID_FIT,
        "inverter_status": InverterStatus.EPS,
        "bat_power": -800.5,
        "bat_status": BatteryStatus.FAULT,
        "pv_power": (300.0, 310.0, 0.0, 0.0),
    },
    "micro_inverter_nulls.json": {
        "ac_power": 318.0,
        "feedin_power": None,
        "feedin_energy": None,
        "consume_energy": None,
        "feedin_power_m2": None,
        "soc": None,
        "bat_power": None,
        "inverter_type": InverterType.X1_BOOST_MINI_G4,
        "grid_import": None,
        "grid_export": None,
        "battery_charge": None,
        "has_battery": False,
        "pv_total": 330.0,
    },
    "all_zero_night.json": {
        "ac_power": 0.0,
        "feedin_power": 0.0,
        "soc": 0.0,
        "bat_power": 0.0,
        "pv_power": (0.0, 0.0, 0.0, 0.0),
        "pv_total": 0.0,
        "inverter_type": InverterType.X3_20K_30K,
        "inverter_status": InverterStatus.WAIT,
        "house_load": 0.0,
    },
    "v2_operation_success.json": {
        "ac_power": 4210.0,
        "feedin_power": 1820.0,
        "bat_power": 950.0,
        "soc": 61.0,
        "upload_time": datetime(2026, 11, 24, 13, 23, 4),
        "utc_time": datetime(2026, 11, 24, 12, 23, 4, 512000, tzinfo=UTC),
        "bat_status": BatteryStatus.NORMAL,
        "battery_charge": 950.0,
        "house_load": 2390.0,
    },
    "unknown_type_status_extras.json": {
        "inverter_type": InverterType(105),
        "inverter_status": InverterStatus(131),
        "bat_status": BatteryStatus.DISCONNECTED,
        "utc_time": datetime(2026, 6, 15, 10, 10, 10, tzinfo=UTC),  # no zone: taken as UTC
        "extra": {"gridFrequency": 50.01, "firmwareVersion": "V1.08", "meta": {"note": "ok"}},
    },
    "upload_time_far_future.json": {
        "upload_time": None,
        "upload_time_raw": "2031-01-01 00:00:00",
        "utc_time": None,
        "ac_power": 1630.0,
    },
    "upload_time_garbage.json": {
        "upload_time": None,
        "upload_time_raw": "yesterday-ish",
        "inverter_type": None,
        "inverter_status": None,
        "ac_power": None,  # a boolean is not a power
        "yield_total": None,  # "NaN"
    },
    "upload_time_epoch_placeholder.json": {
        "upload_time": None,
        "upload_time_raw": "1970-01-01 08:00:00",
    },
    "charset_latin1.json": {
        "ac_power": 1630.0,
        "extra": {"plantName": "Café Süd"},
    },
    "utf8_bom.json": {"ac_power": 1630.0, "inverter_type": InverterType.X1_BOOST_AIR_MINI},
}

FAILURES: dict[str, tuple[type[ApiError], dict[str, Any]]] = {
    "fail_token_invalid_103.json": (TokenRejected, {}),
    "fail_token_unauthorized_1001.json": (TokenRejected, {}),
    "fail_token_words_only.json": (TokenRejected, {}),
    "fail_no_auth_1003.json": (SerialUnknown, {}),
    "fail_no_auth_result_code0.json": (SerialUnknown, {}),
    "fail_no_auth_no_code.json": (SerialUnknown, {}),
    "fail_not_reporting.json": (SerialNotReporting, {}),
    "fail_throttle_104.json": (RateLimited, {"banned": False, "retry_after": 60.0}),
    "fail_throttle_3.json": (RateLimited, {"banned": False, "retry_after": 60.0}),
    "fail_throttle_words_only.json": (RateLimited, {"banned": False, "retry_after": 60.0}),
    "fail_day_quota.json": (RateLimited, {"banned": False, "retry_after": 3600.0}),
    "fail_ban_code1.json": (RateLimited, {"banned": True, "retry_after": 3600.0}),
    "fail_busy.json": (ServerError, {"title": "SolaX Cloud is busy"}),
    "fail_error_2001.json": (ServerError, {}),
    "fail_unknown_echoes_token.json": (ServerError, {}),
    "fail_query_success_only.json": (ServerError, {}),
    "fail_success_true_result_null.json": (MalformedResponse, {}),
    "fail_success_true_no_result.json": (MalformedResponse, {}),
    "fail_success_string_true.json": (MalformedResponse, {}),
    "fail_json_array.json": (MalformedResponse, {}),
    "fail_maintenance.html": (ServerError, {"title": "SolaX Cloud under maintenance"}),
    "fail_empty.json": (ServerError, {}),
    "fail_whitespace.json": (ServerError, {}),
    "fail_truncated.json": (MalformedResponse, {}),
    "fail_garbage.bin": (MalformedResponse, {}),
    "fail_deep_nesting.json": (MalformedResponse, {}),
}


def _parse(name: str) -> Snapshot:
    return parse_realtime((DATA / name).read_bytes(), sn=SN, fetched_at=FETCHED_AT)


def test_every_recorded_file_has_expectations() -> None:
    """A payload added without expected values would silently test nothing."""
    on_disk = {p.name for p in DATA.iterdir() if p.is_file()}
    assert on_disk == set(SUCCESS) | set(FAILURES)


@pytest.mark.parametrize("name", sorted(SUCCESS))
def test_success_shapes(name: str) -> None:
    snapshot = _parse(name)
    assert snapshot.sn == SN
    assert snapshot.fetched_at == FETCHED_AT
    for attribute, expected in SUCCESS[name].items():
        actual = getattr(snapshot, attribute)
        assert actual == expected, f"{name}: {attribute} is {actual!r}, expected {expected!r}"
        if isinstance(expected, float):
            assert isinstance(actual, float), f"{name}: {attribute} should be a float"


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_failure_shapes(name: str) -> None:
    error_class, attributes = FAILURES[name]
    with pytest.raises(ApiError) as caught:
        _parse(name)
    error = caught.value
    assert type(error) is error_class
    assert error.sn == SN
    for attribute, expected in attributes.items():
        assert getattr(error, attribute) == expected
    # One sentence or two for a person: no JSON, no Python, no token.
    assert error.message.endswith(".")
    assert error.title
    text = f"{error.title} {error} {error!r} " + "".join(traceback.format_exception(error))
    assert ECHOED_TOKEN not in text
    for fragment in ("{", "Traceback", "JSONDecodeError", "Expecting", "None"):
        assert fragment not in error.message


def test_unknown_codes_keep_their_labels() -> None:
    snapshot = _parse("unknown_type_status_extras.json")
    assert snapshot.inverter_type is not None
    assert snapshot.inverter_status is not None
    assert snapshot.inverter_type.label == "Type 105"
    assert snapshot.inverter_status.label == "Status 131"
    assert not snapshot.inverter_status.is_fault
    assert not snapshot.inverter_status.is_eps


def test_echoed_token_is_not_kept_in_extra() -> None:
    snapshot = _parse("unknown_type_status_extras.json")
    assert ECHOED_TOKEN not in json.dumps(snapshot.extra)
    assert ECHOED_TOKEN not in repr(snapshot)


def test_serial_unknown_asks_for_the_dongle_registration_number() -> None:
    with pytest.raises(SerialUnknown) as caught:
        _parse("fail_no_auth_result_code0.json")
    message = caught.value.message
    assert SN in message
    assert "registration number" in message
    assert "dongle" in message
    assert "10-character" in message


def test_code_decides_before_words() -> None:
    """A throttle code with words that read like a ban is still a throttle (code first)."""
    envelope = {"success": False, "exception": "several violations", "code": "104"}
    error = classify_failure(envelope, sn=SN)
    assert isinstance(error, RateLimited)
    assert not error.banned


def test_unknown_failure_quotes_the_cloud_without_secrets() -> None:
    error = classify_failure(
        {"success": False, "exception": "Frobnicator offline, tokenId=12345678", "code": 77},
        sn=SN,
    )
    assert isinstance(error, ServerError)
    assert "Frobnicator offline" in error.message
    assert "12345678" not in error.message


def test_upload_time_slightly_ahead_is_plant_local_time() -> None:
    """A plant at UTC+14 uploads a local time 14 hours ahead of our UTC clock: believed."""
    body = json.dumps(
        {"success": True, "result": {"uploadTime": "2026-11-25 03:55:00", "acpower": 1}}
    ).encode()
    snapshot = parse_realtime(body, sn=SN, fetched_at=FETCHED_AT)
    assert snapshot.upload_time == datetime(2026, 11, 25, 3, 55)


def test_token_shaped_serial_is_not_repeated_in_messages() -> None:
    with pytest.raises(SerialUnknown) as caught:
        parse_realtime(
            (DATA / "fail_no_auth_1003.json").read_bytes(),
            sn=ECHOED_TOKEN,
            fetched_at=FETCHED_AT,
        )
    assert ECHOED_TOKEN not in caught.value.message


def test_parse_envelope_tells_json_objects_from_the_rest() -> None:
    assert parse_envelope(b'{"success": false, "code": 3}') == {"success": False, "code": 3}
    assert parse_envelope(b"<html></html>") is None
    assert parse_envelope(b"[1, 2]") is None
    assert parse_envelope(b"") is None
