"""The fleet as the tray shows it: the poller's facts (snapshots, errors, the planner's plan) turned
into a ``TrayView`` on demand. Qt-free: the tray app feeds it and draws what it returns.
"""

from __future__ import annotations

from collections.abc import Callable

from solaxtray.core.alerts import Health
from solaxtray.core.api.registry import BackendKind
from solaxtray.core.clock import Clock
from solaxtray.core.errors import ApiError, TokenRejected
from solaxtray.core.models import Snapshot
from solaxtray.core.notes import inverter_notes
from solaxtray.core.presentation import (
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    StatusTracker,
    TrayView,
    UploadAges,
    build_view,
    machine_utc_offset,
)
from solaxtray.core.quota import PUBLISHED_PER_DAY
from solaxtray.core.watch import FleetWatch


class FleetModel:
    """Everything known about the watched serials, turned into a :class:`TrayView` on demand.

    ``backend`` names the SolaX API in use (a ``BackendKind``), so the setup sentences ask for the
    right credentials. ``ages`` turns each plant-local ``uploadTime`` into an age, learning a
    plant's time zone from the first upload seen arriving (see :class:`UploadAges`).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        backend: str = BackendKind.TOKEN,
        local_offset: Callable[[float], float] = machine_utc_offset,
    ) -> None:
        self._clock = clock
        self._local_offset = local_offset
        self.backend: str = backend
        self.ages = UploadAges(local_offset=local_offset)
        self.serials: tuple[str, ...] = ()
        self.snapshots: dict[str, Snapshot] = {}
        self.errors: dict[str, ApiError] = {}
        self.condition = AppCondition.OK
        self.condition_detail: str | None = None
        self.status = StatusTracker()
        self.stale_after_s: float | None = None
        self.requests_today: int | None = None
        self.daily_quota = PUBLISHED_PER_DAY
        self.planner: FleetWatch | None = None
        self._aged: set[str] = set()

    def set_serials(self, serials: tuple[str, ...]) -> None:
        self.serials = serials
        for gone in set(self.snapshots) - set(serials):
            del self.snapshots[gone]
        for gone in set(self.errors) - set(serials):
            del self.errors[gone]
        for gone in set(self._aged) - set(serials):
            self.ages.forget(gone)
            self._aged.discard(gone)

    def on_snapshot(self, sn: str, snap: Snapshot) -> None:
        now = self._clock.now()
        self.snapshots[sn] = snap
        self.errors.pop(sn, None)
        self.status.observe(sn, snap.inverter_status, now)
        self.ages.observe(sn, snap.upload_time, now)
        self._aged.add(sn)
        if self.condition in (
            AppCondition.NO_NETWORK,
            AppCondition.RATE_LIMITED,
            AppCondition.BANNED,
            AppCondition.SERVER_TROUBLE,
        ):
            self.condition = AppCondition.OK
            self.condition_detail = None

    def on_error(self, sn: str, error: ApiError) -> None:
        self.errors[sn] = error
        if isinstance(error, TokenRejected):
            self.condition = AppCondition.CREDENTIALS_REJECTED
            self.condition_detail = error.message

    def upload_age(self, sn: str) -> float | None:
        """Seconds since ``sn``'s last upload (``uploadTime`` is plant wall time with no zone:
        :class:`UploadAges` reads it in this machine's zone until it has learned the plant's)."""
        return self.ages.age(sn, self._clock.now())

    def _next_poll(self, sn: str) -> tuple[float | None, bool]:
        """When ``sn`` is asked next, and whether that is the end of a pause or backoff."""
        if self.planner is None:
            return None, False
        view = self.planner.view(sn)
        if view is None:
            return None, False
        paused = self.planner.scheduler.paused_until is not None
        retrying = view.next_poll is not None and (paused or view.errors_in_row > 0)
        return view.next_poll, retrying

    def _availability(self, sn: str) -> Availability:
        """The alert rules tell night ("asleep") from an outage ("offline")."""
        if self.planner is None:
            return Availability.ONLINE
        health = self.planner.health(sn)
        if health is Health.ASLEEP:
            return Availability.ASLEEP
        if health is Health.OFFLINE:
            return Availability.OFFLINE
        return Availability.ONLINE

    def view(self) -> TrayView:
        inverters = []
        for sn in self.serials:
            next_poll_at, retrying = self._next_poll(sn)
            notes = inverter_notes(self.planner, sn)
            inverters.append(
                InverterInput(
                    sn=sn,
                    snapshot=self.snapshots.get(sn),
                    error=self.errors.get(sn),
                    upload_age_s=self.upload_age(sn) if sn in self.snapshots else None,
                    next_poll_at=next_poll_at,
                    retrying=retrying,
                    availability=self._availability(sn),
                    status_since=self.status.since(sn),
                    notes=notes.lines,
                    short_note=notes.short,
                )
            )
        return build_view(
            FleetInput(
                inverters=inverters,
                condition=self.condition,
                now=self._clock.now(),
                requests_today=self.requests_today,
                daily_quota=self.daily_quota,
                stale_after_s=self.stale_after_s,
                condition_detail=self.condition_detail,
                backend=self.backend,
                local_offset=self._local_offset,
            )
        )
