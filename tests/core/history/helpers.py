"""Snapshots for history tests: a plant-local wall-clock time and the values that matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot


def snap(
    sn: str,
    local: str,
    *,
    offset_h: float = 1.0,
    utc_known: bool = True,
    fetched_late_s: float = 20.0,
    **values: Any,
) -> Snapshot:
    """A snapshot uploaded at plant wall-clock ``local`` ("YYYY-MM-DD HH:MM[:SS]") in a zone
    ``offset_h`` hours ahead of UTC, fetched ``fetched_late_s`` seconds later."""
    upload = datetime.fromisoformat(local)
    utc = (upload - timedelta(hours=offset_h)).replace(tzinfo=UTC)
    base: dict[str, Any] = {
        "inverter_sn": "INV" + sn,
        "inverter_type": InverterType.X1_HYBRID_G4,
        "inverter_status": InverterStatus.NORMAL,
        "bat_status": BatteryStatus.NORMAL,
    }
    base.update(values)
    return Snapshot(
        sn=sn,
        fetched_at=utc + timedelta(seconds=fetched_late_s),
        upload_time=upload,
        upload_time_raw=upload.strftime("%Y-%m-%d %H:%M:%S"),
        utc_time=utc if utc_known else None,
        **base,
    )


def full_snap(sn: str, local: str, **values: Any) -> Snapshot:
    """A snapshot with every field of ``fetch --json`` set to a distinct value."""
    fields: dict[str, Any] = {
        "ac_power": 2345.0,
        "yield_today": 12.3,
        "yield_total": 4567.8,
        "feedin_power": -123.0,
        "feedin_energy": 1234.56,
        "consume_energy": 2345.67,
        "feedin_power_m2": 11.0,
        "soc": 67.0,
        "eps_power": (1.0, 2.0, 3.0),
        "bat_power": -456.0,
        "pv_power": (1000.0, 1100.0, None, None),
        "inverter_status": InverterStatus(131),
        "inverter_type": InverterType(105),
        "bat_status": BatteryStatus.DISCONNECTED,
    }
    fields.update(values)
    return snap(sn, local, **fields)
