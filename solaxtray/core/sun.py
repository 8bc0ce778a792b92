"""Where the sun stands for a place and a moment: a small NOAA-style calculation, no dependency.
Qt-free.

Why: many inverters stop uploading after dusk. With the plant's location the alert rules can tell
"asleep for the night" from "offline in daylight" with more confidence than from the last PV
reading alone. Accuracy of a fraction of a degree is plenty for that; the formulas are the
well-known low-precision ones of the NOAA solar calculator (equation of time and declination from
the fractional year), good to within a few minutes for sunrise and sunset.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

HORIZON_DEG = -0.833
"""Sunrise and sunset: the sun's upper limb on the horizon, with atmospheric refraction."""


def _fractional_year(moment: datetime) -> float:
    day_of_year = moment.timetuple().tm_yday
    days = 366 if _is_leap(moment.year) else 365
    hours = moment.hour + moment.minute / 60 + moment.second / 3600
    return 2 * math.pi / days * (day_of_year - 1 + (hours - 12) / 24)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _equation_of_time_and_declination(gamma: float) -> tuple[float, float]:
    """Minutes the sundial runs ahead of the clock, and the sun's declination in radians."""
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma)
        + 0.00148 * math.sin(3 * gamma)
    )
    return eqtime, decl


def solar_elevation(epoch: float, latitude: float, longitude: float) -> float:
    """The sun's elevation above the horizon in degrees (negative at night) at ``epoch`` (UTC
    seconds) for a place given in degrees (north and east positive)."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    eqtime, decl = _equation_of_time_and_declination(_fractional_year(moment))
    minutes = moment.hour * 60 + moment.minute + moment.second / 60
    true_solar_time = minutes + eqtime + 4 * longitude
    hour_angle = math.radians(true_solar_time / 4 - 180)
    lat = math.radians(latitude)
    cos_zenith = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(
        hour_angle
    )
    zenith = math.acos(max(-1.0, min(1.0, cos_zenith)))
    return 90.0 - math.degrees(zenith)


def sun_times(epoch: float, latitude: float, longitude: float) -> tuple[float, float] | None:
    """Sunrise and sunset (epoch seconds) of the UTC day containing ``epoch``, or ``None`` in a
    polar day or night, when the sun does not cross the horizon."""
    day_start = datetime.fromtimestamp(epoch, tz=UTC).replace(hour=0, minute=0, second=0)
    noon = day_start.replace(hour=12)
    eqtime, decl = _equation_of_time_and_declination(_fractional_year(noon))
    lat = math.radians(latitude)
    cos_ha = math.cos(math.radians(90 - HORIZON_DEG)) / (math.cos(lat) * math.cos(decl)) - math.tan(
        lat
    ) * math.tan(decl)
    if not -1.0 <= cos_ha <= 1.0:
        return None
    ha = math.degrees(math.acos(cos_ha))
    base = day_start.timestamp()
    sunrise = base + (720 - 4 * (longitude + ha) - eqtime) * 60
    sunset = base + (720 - 4 * (longitude - ha) - eqtime) * 60
    return sunrise, sunset


def is_daylight(
    epoch: float, latitude: float, longitude: float, *, min_elevation: float = HORIZON_DEG
) -> bool:
    """Whether the sun is above ``min_elevation`` degrees at the place and moment."""
    return solar_elevation(epoch, latitude, longitude) > min_elevation
