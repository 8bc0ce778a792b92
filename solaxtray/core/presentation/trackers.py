"""What the view needs remembered between polls: since when each inverter has had its
status, and each dongle's upload age across time zones. Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from solaxtray.core.models import InverterStatus
from solaxtray.core.presentation.formatting import machine_utc_offset


class StatusTracker:
    """Remembers since when each serial has had its present status, for "Fault Mode for 12 min".

    The cloud gives only the present status; the poller feeds every fresh snapshot through
    :meth:`observe` and passes :meth:`since` on as ``InverterInput.status_since``. A status found
    at the first answer has no known start (the fault may be hours old when the app starts), so
    it has no "since" until the status changes while we watch: "Fault Mode for 13 s" about an old
    fault would send the owner the wrong message.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[InverterStatus | None, float | None]] = {}

    def observe(self, sn: str, status: InverterStatus | None, at: float) -> float | None:
        previous = self._seen.get(sn)
        if previous is None:
            self._seen[sn] = (status, None)
        elif previous[0] != status:
            self._seen[sn] = (status, at)
        return self.since(sn)

    def since(self, sn: str) -> float | None:
        entry = self._seen.get(sn)
        return entry[1] if entry is not None else None


ZONE_STEP_S = 900.0
"""Every time zone in use is a whole number of quarter hours from UTC."""
PUBLISH_DELAY_S = 120.0
"""A typical delay from an upload to our seeing it; centres the rounding to the zone step."""
LEARN_WITHIN_S = 600.0
"""An upload is known fresh only when our previous look, which did not find it, is this recent."""


@dataclass(slots=True)
class _UploadSeen:
    upload: datetime
    plant_s: float
    first_seen_at: float
    last_look_at: float
    zone_s: float | None = None


class UploadAges:
    """How old each serial's last upload is, though ``uploadTime`` is plant wall time in a zone
    the API never states.

    The machine's own zone is assumed first (the plant is nearly always where its owner is).
    Whenever an upload appears that our previous look, a few minutes earlier, did not find, that
    upload is only minutes old, which pins the plant's offset from UTC to the nearest quarter
    hour; from then on ages are exact, and a plant abroad (or on the other side of a summer-time
    change) stops reading "in the future" or "5 h ago". Before that, an age the machine's zone
    makes younger than the time we have already been seeing that upload is impossible, and that
    lower bound is used instead.

    The poller calls :meth:`observe` with every answer and passes :meth:`age` on as
    ``InverterInput.upload_age_s``.
    """

    def __init__(self, *, local_offset: Callable[[float], float] = machine_utc_offset) -> None:
        self._local_offset = local_offset
        self._seen: dict[str, _UploadSeen] = {}

    def observe(self, sn: str, upload: datetime | None, at: float) -> None:
        if upload is None:
            return
        plant_s = _naive_seconds(upload)
        seen = self._seen.get(sn)
        if seen is None:
            self._seen[sn] = _UploadSeen(upload, plant_s, at, at)
            return
        if upload != seen.upload:
            if plant_s > seen.plant_s and at - seen.last_look_at <= LEARN_WITHIN_S:
                offset = plant_s - at + PUBLISH_DELAY_S
                seen.zone_s = round(offset / ZONE_STEP_S) * ZONE_STEP_S
            seen.upload = upload
            seen.plant_s = plant_s
            seen.first_seen_at = at
        seen.last_look_at = at

    def zone_offset(self, sn: str) -> float | None:
        """The plant's learned offset from UTC in seconds, once an upload was seen arriving."""
        seen = self._seen.get(sn)
        return seen.zone_s if seen is not None else None

    def age(self, sn: str, now: float) -> float | None:
        seen = self._seen.get(sn)
        if seen is None:
            return None
        if seen.zone_s is not None:
            return now - (seen.plant_s - seen.zone_s)
        assumed = now - (seen.plant_s - self._local_offset(now))
        known_for = now - seen.first_seen_at
        return max(assumed, known_for)

    def forget(self, sn: str) -> None:
        self._seen.pop(sn, None)


def _naive_seconds(value: datetime) -> float:
    """A naive plant time on a UTC scale: differences are exact, the zone is applied apart."""
    return value.replace(tzinfo=UTC).timestamp()
