"""Typed values for what the SolaX Cloud tells us about one inverter. Qt-free.

The names and numbers of the code tables are those of the V6.1 document (Tables 4 and 5,
`shared/spec/solax-cloud-api-v6.1.md`). The cloud has grown both tables since, and even changed the
meaning of two type codes (field notes, "Code tables grew"), so a code we do not know becomes a
pseudo-member named "Type N" / "Status N" instead of an error: the user still sees every other value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from solaxtray.core.i18n import N_


class _OpenIntEnum(enum.IntEnum):
    """An IntEnum that accepts codes outside its table as pseudo-members.

    Why: a new inverter model or firmware status must not turn a whole snapshot into an error.
    """

    @classmethod
    def _unknown_label(cls, value: int) -> str:
        raise NotImplementedError

    @classmethod
    def _missing_(cls, value: object) -> _OpenIntEnum | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"CODE_{value}"
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether the code is in the V6.1 table."""
        return self._name_ in type(self).__members__

    @property
    def label(self) -> str:
        """The name a user reads: the document's wording, or "Type N" / "Status N". In English:
        the status names are marked for translation, and a display passes them through ``_()``
        (JSON and CSV keep SolaX's own English names)."""
        if self.known:
            return _LABELS[type(self).__name__][int(self)]
        return self._unknown_label(int(self))


class InverterType(_OpenIntEnum):
    """Table 4 of the V6.1 document (spelling of the labels fixed where the document has typos)."""

    X1_LX = 1
    X_HYBRID = 2
    X1_HYBRID_FIT = 3
    X1_BOOST_AIR_MINI = 4
    X3_HYBRID_FIT = 5
    X3_20K_30K = 6
    X3_MIC_PRO = 7
    X1_SMART = 8
    X1_AC = 9
    A1_HYBRID = 10
    A1_FIT = 11
    A1_GRID = 12
    J1_ESS = 13
    X3_HYBRID_G4 = 14
    X1_HYBRID_G4 = 15
    X3_MIC_PRO_G2 = 16
    X1_SPT = 17
    X1_BOOST_MINI_G4 = 18
    A1_HYB_G2 = 19
    A1_AC_G2 = 20
    A1_SMT_G2 = 21
    X3_FTH = 22
    X3_MGA_G2 = 23

    @classmethod
    def _unknown_label(cls, value: int) -> str:
        return f"Type {value}"


class InverterStatus(_OpenIntEnum):
    """Table 5 of the V6.1 document."""

    WAIT = 100
    CHECK = 101
    NORMAL = 102
    FAULT = 103
    PERMANENT_FAULT = 104
    UPDATE = 105
    EPS_CHECK = 106
    EPS = 107
    SELF_TEST = 108
    IDLE = 109
    STANDBY = 110
    PV_WAKE_UP_BAT = 111
    GEN_CHECK = 112
    GEN_RUN = 113

    @classmethod
    def _unknown_label(cls, value: int) -> str:
        return f"Status {value}"

    @property
    def is_fault(self) -> bool:
        """Fault and Permanent Fault: the states an owner must hear about at once."""
        return self in (InverterStatus.FAULT, InverterStatus.PERMANENT_FAULT)

    @property
    def is_eps(self) -> bool:
        """EPS Check and EPS Mode: the house runs off the battery because the grid is gone."""
        return self in (InverterStatus.EPS_CHECK, InverterStatus.EPS)


_LABELS: dict[str, dict[int, str]] = {
    "InverterType": {
        1: "X1-LX",
        2: "X-Hybrid",
        3: "X1-Hybrid/Fit",
        4: "X1-Boost/Air/Mini",
        5: "X3-Hybrid/Fit",
        6: "X3-20K/30K",
        7: "X3-MIC/PRO",
        8: "X1-Smart",
        9: "X1-AC",
        10: "A1-Hybrid",
        11: "A1-Fit",
        12: "A1-Grid",
        13: "J1-ESS",
        14: "X3-Hybrid-G4",
        15: "X1-Hybrid-G4",
        16: "X3-MIC/PRO-G2",
        17: "X1-SPT",
        18: "X1-Boost/Mini-G4",
        19: "A1-HYB-G2",
        20: "A1-AC-G2",
        21: "A1-SMT-G2",
        22: "X3-FTH",
        23: "X3-MGA-G2",
    },
    "InverterStatus": {
        100: N_("Wait Mode"),
        101: N_("Check Mode"),
        102: N_("Normal Mode"),
        103: N_("Fault Mode"),
        104: N_("Permanent Fault Mode"),
        105: N_("Update Mode"),
        106: N_("EPS Check Mode"),
        107: N_("EPS Mode"),
        108: N_("Self-Test Mode"),
        109: N_("Idle Mode"),
        110: N_("Standby Mode"),
        111: N_("Pv Wake Up Bat Mode"),
        112: N_("Gen Check Mode"),
        113: N_("Gen Run Mode"),
    },
}


class BatteryStatus(_OpenIntEnum):
    """`batStatus`, a field beyond the document (field notes): 0 normal, 1 fault, 2 disconnected."""

    NORMAL = 0
    FAULT = 1
    DISCONNECTED = 2

    @classmethod
    def _unknown_label(cls, value: int) -> str:
        return f"Battery status {value}"


_LABELS["BatteryStatus"] = {0: "Normal", 1: "Fault", 2: "Disconnected"}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One answer of the realtime endpoint for one registration number, as the cloud last had it.

    Every measured value may be ``None``: the cloud sends null for absent MPPTs, EPS phases, and for
    every grid and battery field of systems without them (field notes, "Fields").

    Units are the document's (Table 3): powers in W, energies in kWh. Signs, from the field notes:
    ``feedin_power`` positive means export to the grid, negative import; ``bat_power`` positive means
    the battery is charging, negative discharging.

    A success does not mean the inverter is online: an offline dongle keeps answering with its last
    upload. Freshness comes from ``upload_time`` only.
    """

    sn: str
    """The registration number we asked for (the dongle's, Table 2)."""
    fetched_at: datetime
    """When we received the answer, aware UTC, from our own clock."""
    inverter_sn: str | None = None
    ac_power: float | None = None
    yield_today: float | None = None
    yield_total: float | None = None
    feedin_power: float | None = None
    feedin_energy: float | None = None
    """Lifetime energy exported to the grid (not daily), kWh."""
    consume_energy: float | None = None
    """Lifetime energy imported from the grid (not daily), kWh."""
    feedin_power_m2: float | None = None
    soc: float | None = None
    eps_power: tuple[float | None, float | None, float | None] = (None, None, None)
    """``peps1``..``peps3``: EPS output per phase (R, S, T)."""
    inverter_type: InverterType | None = None
    inverter_status: InverterStatus | None = None
    upload_time: datetime | None = None
    """``uploadTime`` as a naive datetime: the plant's local wall clock, zone unknown."""
    upload_time_raw: str | None = None
    utc_time: datetime | None = None
    """``utcDateTime`` (aware UTC) when the answer had one; untrusted on the v1 endpoint."""
    bat_power: float | None = None
    pv_power: tuple[float | None, float | None, float | None, float | None] = (
        None,
        None,
        None,
        None,
    )
    """``powerdc1``..``powerdc4``: PV input per MPPT."""
    bat_status: BatteryStatus | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Fields of the answer beyond the document, kept as they came (never the token)."""

    @property
    def pv_total(self) -> float | None:
        """Sum of the MPPT powers present; ``None`` when the inverter reports none."""
        present = [p for p in self.pv_power if p is not None]
        return sum(present) if present else None

    @property
    def grid_import(self) -> float | None:
        """Power drawn from the grid in W (>= 0), from a negative ``feedinpower``."""
        if self.feedin_power is None:
            return None
        return max(0.0, -self.feedin_power)

    @property
    def grid_export(self) -> float | None:
        """Power sent to the grid in W (>= 0), from a positive ``feedinpower``."""
        if self.feedin_power is None:
            return None
        return max(0.0, self.feedin_power)

    @property
    def battery_charge(self) -> float | None:
        """Power into the battery in W (>= 0), from a positive ``batPower``."""
        if self.bat_power is None:
            return None
        return max(0.0, self.bat_power)

    @property
    def battery_discharge(self) -> float | None:
        """Power out of the battery in W (>= 0), from a negative ``batPower``."""
        if self.bat_power is None:
            return None
        return max(0.0, -self.bat_power)

    @property
    def has_battery(self) -> bool:
        """Whether the inverter reports a battery at all.

        Systems without one send null for SOC and battery power, or 0.0 for both (field notes), so an
        all-zero pair counts as "no battery": an empty, idle battery looks the same for that moment.
        """
        if self.soc is None:
            return False
        return self.soc > 0 or bool(self.bat_power)

    @property
    def house_load(self) -> float | None:
        """Estimated house consumption in W: inverter AC output plus what a second meter's
        inverter adds (``feedinpowerM2``), minus what goes to the grid.

        An estimate only: the cloud's values are not sampled at one instant and need not balance
        (field notes), so a negative result is shown as 0, not as a phantom generator.
        """
        if self.ac_power is None and self.feedin_power is None:
            return None
        load = (self.ac_power or 0.0) + (self.feedin_power_m2 or 0.0) - (self.feedin_power or 0.0)
        return max(0.0, load)
