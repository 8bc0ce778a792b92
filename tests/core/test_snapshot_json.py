"""The JSON shape of snapshots and errors (``fetch --json`` and ``watch`` lines)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from solaxtray.core.errors import NetworkError, RateLimited, SerialUnknown
from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot
from solaxtray.core.snapshot_json import error_to_json, snapshot_to_json

FETCHED = datetime(2026, 6, 1, 12, 0, 5, tzinfo=UTC)


def test_full_snapshot() -> None:
    snap = Snapshot(
        sn="ABCDE12345",
        fetched_at=FETCHED,
        inverter_sn="H34A10I1234567",
        ac_power=2450.0,
        yield_today=12.6,
        yield_total=12877.6,
        feedin_power=-300.0,
        feedin_energy=100.25,
        consume_energy=200.5,
        feedin_power_m2=0.0,
        soc=81.0,
        eps_power=(None, None, None),
        inverter_type=InverterType(14),
        inverter_status=InverterStatus(102),
        upload_time=datetime(2026, 6, 1, 14, 0, 1),
        upload_time_raw="2026-06-01 14:00:01",
        bat_power=-500.0,
        pv_power=(1200.0, 800.0, None, None),
        bat_status=BatteryStatus(0),
    )
    data = snapshot_to_json(snap)
    assert data["sn"] == "ABCDE12345"
    assert data["ok"] is True
    assert data["acpower"] == 2450.0
    assert data["feedinpower"] == -300.0
    assert data["batPower"] == -500.0
    assert (data["powerdc1"], data["powerdc3"]) == (1200.0, None)
    assert data["peps1"] is None
    assert data["inverterType"] == {"code": 14, "name": "X3-Hybrid-G4"}
    assert data["inverterStatus"] == {"code": 102, "name": "Normal Mode"}
    assert data["batStatus"] == {"code": 0, "name": "Normal"}
    assert data["uploadTime"] == "2026-06-01T14:00:01"
    assert data["fetchedAt"] == "2026-06-01T12:00:05+00:00"
    assert json.loads(json.dumps(data)) == data


def test_unknown_codes_and_missing_values() -> None:
    snap = Snapshot(
        sn="ABCDE12345",
        fetched_at=FETCHED,
        inverter_type=InverterType(105),
        inverter_status=InverterStatus(131),
        ac_power=math.nan,
    )
    data = snapshot_to_json(snap)
    assert data["inverterType"] == {"code": 105, "name": "Type 105"}
    assert data["inverterStatus"] == {"code": 131, "name": "Status 131"}
    assert data["acpower"] is None  # NaN is not JSON
    assert data["uploadTime"] is None
    assert data["soc"] is None
    json.dumps(data, allow_nan=False)


def test_errors() -> None:
    item = error_to_json(SerialUnknown("Not known.", sn="ZZZZZ99999"))
    assert item == {
        "sn": "ZZZZZ99999",
        "ok": False,
        "error": {"kind": "device", "title": "Serial number not found", "message": "Not known."},
    }
    limited = error_to_json(
        RateLimited("Slow down.", banned=True, retry_after=3600.0), "ABCDE12345"
    )
    assert limited["sn"] == "ABCDE12345"
    assert limited["error"]["kind"] == "rate_limit"
    assert (limited["error"]["retryAfter"], limited["error"]["banned"]) == (3600.0, True)
    assert error_to_json(NetworkError("Offline."))["error"]["kind"] == "network"
