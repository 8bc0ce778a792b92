"""The physics of a simulated solar plant: sun, house, battery and grid, one upload at a time.

Qt-free, stdlib only. Every value is a pure function of the upload time, the plant's parameters and
the state the previous upload left behind (battery charge, energy counters), so a test on a fake
clock gets the same day each run. Powers are whole watts, computed so that they balance exactly:
``pv - batPower == acpower`` and ``acpower - feedinpower == house load`` (signs as the field notes
give them: ``feedinpower`` positive exports, ``batPower`` positive charges).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime

# Status codes (V6.1 Table 5) that decide which physics applies at an upload.
NORMAL = 102
WAIT = 100
IDLE = 109
EPS_CODES = frozenset({106, 107})
STOPPED_CODES = frozenset({100, 101, 103, 104, 105, 108, 110})
"""Statuses in which the inverter converts nothing: the house runs from the grid."""

_MIN_SOC = 10.0
_CHARGE_EFFICIENCY = 0.95


@dataclass(frozen=True, slots=True)
class SimInverter:
    """One simulated dongle and the inverter behind it.

    ``sn`` is the dongle's registration number (what the API is asked for); ``inverter_sn`` is the
    inverter's own serial, the one users wrongly type in. ``battery_wh`` None means no battery;
    ``has_meter`` False with no battery makes the cloud send null for every grid and battery field,
    as it does for micro-inverters.
    """

    sn: str
    inverter_sn: str
    type_code: int
    pv_peak_w: int
    mppt_count: int = 2
    phases: int = 1
    battery_wh: int | None = None
    battery_max_w: int = 5000
    initial_soc: float = 60.0
    has_meter: bool = True
    utc_offset_hours: float = 1.0
    """The plant's offset from UTC: ``uploadTime`` is the plant's wall clock with no zone."""
    base_load_w: int = 300
    yield_total_kwh: float = 4321.0
    feedin_total_kwh: float = 1234.56
    consume_total_kwh: float = 2345.67
    reporting: bool = True
    """False: the account knows the serial but the cloud never got data ("this sn did not access!")."""
    sleeps_at_night: bool = False
    """True: the dongle stops uploading once PV is gone, as many grid-tie inverters do after dusk."""
    solar_shift_hours: float = 0.0
    """Moves the sun against the plant clock (the demo uses it to show production at any hour)."""
    v1_utc_skew_hours: float = 0.0
    """How far the v1 endpoint's ``utcDateTime`` is off. Real UTC (0) unless a test asks for the
    8 hours seen in the wild: the demo must tell the same instant on every API."""

    def __post_init__(self) -> None:
        if len(self.sn) != 10:
            raise ValueError("a registration number has 10 characters")
        if not 1 <= self.mppt_count <= 4:
            raise ValueError("mppt_count must be 1..4")
        if self.phases not in (1, 3):
            raise ValueError("phases must be 1 or 3")

    @property
    def has_battery(self) -> bool:
        return self.battery_wh is not None


@dataclass(frozen=True, slots=True)
class Reading:
    """What one upload carried, in wire units; None where the cloud sends null."""

    upload_epoch: float
    status: int
    pv: tuple[int | None, int | None, int | None, int | None]
    ac_power: int
    feedin_power: int | None
    bat_power: int | None
    soc: int | None
    eps: tuple[int | None, int | None, int | None]
    yield_today: float
    yield_total: float
    feedin_energy: float | None
    consume_energy: float | None
    feedin_power_m2: int | None
    bat_status: int | None
    house_load: int
    """Not a wire field: kept so tests can check the balance against the physics."""

    def upload_time_local(self, utc_offset_hours: float) -> str:
        """``uploadTime`` as the cloud writes it: the plant's wall clock, no zone."""
        local = datetime.fromtimestamp(self.upload_epoch + utc_offset_hours * 3600.0, tz=UTC)
        return local.strftime("%Y-%m-%d %H:%M:%S")


def noise(*key: object) -> float:
    """A repeatable number in [0, 1) for a key: the same day gives the same clouds every run."""
    digest = hashlib.blake2b("|".join(map(str, key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _local_hours(epoch: float, offset_hours: float) -> tuple[date, float]:
    local = datetime.fromtimestamp(epoch + offset_hours * 3600.0, tz=UTC)
    return local.date(), local.hour + local.minute / 60.0 + local.second / 3600.0


def sun_fraction(epoch: float, inv: SimInverter) -> float:
    """Clear-sky share of peak PV at a moment, 0 at the plant's night.

    A sine arch between sunrise and sunset whose length follows the season (about 8.5 h in
    December, 15.5 h in June at a central-European latitude), centred on 13:00 plant time.
    """
    day, hour = _local_hours(epoch, inv.utc_offset_hours + inv.solar_shift_hours)
    doy = day.timetuple().tm_yday
    day_length = 12.0 + 3.5 * math.sin(2.0 * math.pi * (doy - 80) / 365.25)
    sunrise = 13.0 - day_length / 2.0
    x = (hour - sunrise) / day_length
    if not 0.0 < x < 1.0:
        return 0.0
    return float(math.sin(math.pi * x) ** 1.4)


def cloudiness(epoch: float, inv: SimInverter) -> float:
    """A slowly changing sky in [0.45, 1]: interpolated between random half-hour values."""
    bucket = epoch / 1800.0
    k = math.floor(bucket)
    frac = bucket - k
    a = noise(inv.sn, "sky", k)
    b = noise(inv.sn, "sky", k + 1)
    clear_day = 0.6 + 0.4 * noise(inv.sn, "day", math.floor(epoch / 86400.0))
    return (0.45 + 0.55 * (a + (b - a) * frac)) * clear_day + (1.0 - clear_day) * 0.45


def house_load(epoch: float, inv: SimInverter) -> int:
    """The house's draw in W: a base load, a morning and an evening peak, some appliance noise."""
    _, hour = _local_hours(epoch, inv.utc_offset_hours)
    morning = 900.0 * math.exp(-(((hour - 7.5) / 1.0) ** 2))
    evening = 1400.0 * math.exp(-(((hour - 19.5) / 1.6) ** 2))
    appliances = 400.0 * noise(inv.sn, "load", math.floor(epoch / 300.0))
    scale = inv.base_load_w / 300.0
    return round(inv.base_load_w + scale * (morning + evening + appliances))


def pv_per_mppt(epoch: float, inv: SimInverter) -> list[int]:
    """PV input per MPPT in W; strings differ a little (orientation, shading)."""
    total = inv.pv_peak_w * sun_fraction(epoch, inv) * cloudiness(epoch, inv)
    share = 1.0 / inv.mppt_count
    return [
        round(total * share * (0.9 + 0.1 * noise(inv.sn, "mppt", i))) for i in range(inv.mppt_count)
    ]


def _split(total: int, parts: int) -> list[int]:
    """``total`` W over ``parts`` phases, whole watts that add up exactly."""
    base = total // parts
    out = [base] * parts
    out[0] += total - base * parts
    return out


@dataclass(slots=True)
class PlantState:
    """What carries over from one upload to the next: battery charge and the energy counters."""

    inv: SimInverter
    soc: float
    yield_total: float
    feedin_total: float
    consume_total: float
    yield_today: float = 0.0
    today: date | None = None
    last: Reading | None = None
    asleep: bool = False

    @classmethod
    def fresh(cls, inv: SimInverter) -> PlantState:
        return cls(
            inv=inv,
            soc=inv.initial_soc if inv.has_battery else 0.0,
            yield_total=inv.yield_total_kwh,
            feedin_total=inv.feedin_total_kwh,
            consume_total=inv.consume_total_kwh,
        )

    def upload(self, epoch: float, status: int | None, dt_s: float) -> Reading | None:
        """Compute the upload at ``epoch``; ``dt_s`` is the time since the previous one.

        Returns None when the dongle does not upload (a sleeping grid-tie inverter at night):
        the cloud then keeps answering with the last reading.
        """
        inv = self.inv
        pv_raw = pv_per_mppt(epoch, inv)
        if inv.sleeps_at_night and status is None:
            if sum(pv_raw) == 0:
                if self.asleep:
                    return None
                self.asleep = True  # one last upload at dusk, showing Wait and zero power
            else:
                self.asleep = False
        if status is None:
            status = WAIT if (not inv.has_battery and sum(pv_raw) == 0) else NORMAL
        load = house_load(epoch, inv)
        hours = max(0.0, dt_s) / 3600.0

        day, _ = _local_hours(epoch, inv.utc_offset_hours)
        if self.today != day:
            self.today = day
            self.yield_today = 0.0

        bat = 0
        eps = [0] * inv.phases
        if status in STOPPED_CODES:
            pv = [0] * inv.mppt_count
            ac = 0
            feedin = -load
        elif status in EPS_CODES:
            pv = pv_raw
            bat = self._battery_power(sum(pv) - load, hours)
            supplied = sum(pv) - bat
            if supplied > load:  # battery full: the inverter curtails PV to what the house takes
                pv = _scale_down(pv, load + bat)
                supplied = load
            eps = _split(max(0, supplied), inv.phases)
            ac = 0
            feedin = 0
            load = supplied
        else:
            pv = pv_raw
            if status != IDLE:
                bat = self._battery_power(sum(pv) - load, hours)
            ac = sum(pv) - bat
            feedin = ac - load

        self._integrate(bat, hours)
        produced = max(0, ac) + sum(eps)
        self.yield_today += produced * hours / 1000.0
        self.yield_total += produced * hours / 1000.0
        if inv.has_meter or inv.has_battery:
            self.feedin_total += max(0, feedin) * hours / 1000.0
            self.consume_total += max(0, -feedin) * hours / 1000.0

        grid_known = inv.has_meter or inv.has_battery
        pv_wire: list[int | None] = [*pv, *([None] * (4 - len(pv)))]
        eps_wire: list[int | None] = [None, None, None]
        if inv.has_battery:
            eps_wire = [*eps, *([0] * (3 - len(eps)))]
        reading = Reading(
            upload_epoch=epoch,
            status=status,
            pv=(pv_wire[0], pv_wire[1], pv_wire[2], pv_wire[3]),
            ac_power=ac,
            feedin_power=feedin if grid_known else None,
            bat_power=bat if inv.has_battery else None,
            soc=round(self.soc) if inv.has_battery else None,
            eps=(eps_wire[0], eps_wire[1], eps_wire[2]),
            yield_today=round(self.yield_today, 1),
            yield_total=round(self.yield_total, 1),
            feedin_energy=round(self.feedin_total, 2) if grid_known else None,
            consume_energy=round(self.consume_total, 2) if grid_known else None,
            feedin_power_m2=0 if grid_known else None,
            bat_status=0 if inv.has_battery else None,
            house_load=load,
        )
        self.last = reading
        return reading

    def _battery_power(self, surplus: int, hours: float) -> int:
        """Charge from surplus, discharge to cover a deficit, within power and charge limits."""
        inv = self.inv
        if inv.battery_wh is None:
            return 0
        if surplus > 0:
            room_w = (100.0 - self.soc) / 100.0 * inv.battery_wh / max(hours, 1e-9)
            return int(min(surplus, inv.battery_max_w, room_w / _CHARGE_EFFICIENCY))
        available_w = (self.soc - _MIN_SOC) / 100.0 * inv.battery_wh / max(hours, 1e-9)
        return -int(min(-surplus, inv.battery_max_w, max(0.0, available_w) * _CHARGE_EFFICIENCY))

    def _integrate(self, bat_w: int, hours: float) -> None:
        inv = self.inv
        if inv.battery_wh is None:
            return
        energy = bat_w * hours
        energy = energy * _CHARGE_EFFICIENCY if energy > 0 else energy / _CHARGE_EFFICIENCY
        self.soc = min(100.0, max(_MIN_SOC, self.soc + energy / inv.battery_wh * 100.0))


def _scale_down(pv: list[int], target: int) -> list[int]:
    """Curtail MPPT powers so that they add up to ``target`` W exactly."""
    total = sum(pv)
    if total <= 0 or target >= total:
        return pv
    target = max(0, target)
    out = [p * target // total for p in pv]
    out[0] += target - sum(out)
    return out
