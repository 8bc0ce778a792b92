"""The simulated SolaX Cloud behind the socket: fleet, upload schedule, quota and answers. Qt-free.

Everything here follows the injected clock: uploads, quota windows, bans and scripted statuses, so
a test on a ``FakeClock`` steps through a day in milliseconds. State is brought up to date lazily,
upload by upload, when someone asks; between uploads every answer is byte-for-byte the same.
The HTTP layer (``server.py``) only moves bytes. The token is checked, never stored in the request
log, never logged.
"""

from __future__ import annotations

import enum
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.simulator import wire
from solaxtray.core.simulator.demo import DEMO_TOKEN, demo_fleet
from solaxtray.core.simulator.plant import PlantState, Reading, SimInverter, noise
from solaxtray.core.simulator.quota import Outcome, TokenQuota

_MAX_CATCH_UP_UPLOADS = 5000
"""After a long jump of the clock, only the last this-many uploads are simulated."""
_WARM_UP_STEP = 900.0


class Fault(enum.Enum):
    """Failures the real cloud has shown (field notes, "Failures seen"), injectable one by one."""

    HTML = "html"
    """A maintenance page, HTTP 200 and text/html."""
    HTTP_500 = "http_500"
    HTTP_503 = "http_503"
    SLOW = "slow"
    """The normal answer, after ``slow_delay`` seconds of real time."""
    TRUNCATED = "truncated"
    """Half a JSON answer with a Content-Length that matches the half."""
    RESET = "reset"
    """The connection is reset without any answer."""
    EMPTY = "empty"
    """HTTP 200 with an empty body."""
    BUSY = "busy"
    ERROR_2001 = "error_2001"
    THROTTLE = "throttle"
    BAN = "ban"
    OVERSIZED = "oversized"
    """A valid but huge JSON body (``oversized_bytes``)."""
    REDIRECT = "redirect"
    """HTTP 302 to ``REDIRECT_TARGET`` on the same server: a client that follows it would carry
    the token along (field notes, "Hosts and endpoints")."""


@dataclass(frozen=True, slots=True)
class SimRequest:
    """One request as the simulator saw it. Never the token: only whether it was accepted."""

    time: float
    """``clock.now()`` when the request arrived."""
    endpoint: str
    """"v1", "v2" or the raw path of anything else."""
    sn: str | None
    token_ok: bool
    result: str
    """An ``Outcome`` value, or ``"fault:<name>"`` for an injected fault."""


@dataclass(slots=True)
class _Injection:
    fault: Fault
    remaining: int
    sn: str | None


@dataclass(slots=True)
class _Unit:
    """One inverter's schedule and state inside the cloud."""

    inv: SimInverter
    state: PlantState
    phase: float
    last_k: int
    last_upload: float
    script: list[tuple[float, int]] = field(default_factory=list)
    script_period: float | None = None
    offline: list[tuple[float, float]] = field(default_factory=list)
    extra_uploads: list[float] = field(default_factory=list)
    warm_up: tuple[Reading, ...] = ()
    """The uploads it made in the day before the simulator started (``warm_up_readings``)."""


class SimulatedCloud:
    """The cloud's side of the protocol, without sockets. ``CloudSimulator`` serves it over HTTP.

    Each inverter uploads every ``upload_interval`` seconds at its own phase (``phases``, else one
    derived from its serial) plus up to ``jitter`` seconds.
    """

    def __init__(
        self,
        *,
        inverters: Sequence[SimInverter] | None = None,
        tokens: Sequence[str] = (DEMO_TOKEN,),
        clock: Clock | None = None,
        upload_interval: float = 300.0,
        per_minute: int = 10,
        per_day: int = 10_000,
        ban_after: int = 3,
        ban_seconds: float = 3600.0,
        phases: dict[str, float] | None = None,
        jitter: float | None = None,
    ) -> None:
        if upload_interval <= 0:
            raise ValueError("upload_interval must be positive")
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.upload_interval = float(upload_interval)
        self.jitter = min(0.05 * upload_interval, 15.0) if jitter is None else float(jitter)
        self.per_minute = per_minute
        self.per_day = per_day
        self.ban_after = ban_after
        self.ban_seconds = ban_seconds
        self._tokens = frozenset(tokens)
        self._quotas: dict[str, TokenQuota] = {}
        self._lock = threading.RLock()
        self._records: list[SimRequest] = []
        self._injections: list[_Injection] = []
        self.origin = self.clock.now()
        fleet = tuple(inverters) if inverters is not None else demo_fleet(self.origin)
        self._units: dict[str, _Unit] = {}
        for inv in fleet:
            if inv.sn in self._units:
                raise ValueError(f"two inverters with the serial {inv.sn!r}")
            phase = (phases or {}).get(inv.sn, noise(inv.sn, "phase") * self.upload_interval)
            self._units[inv.sn] = self._new_unit(inv, phase)

    def _new_unit(self, inv: SimInverter, phase: float) -> _Unit:
        """Place the inverter in its day: live through the past 24 hours in coarse steps, so the
        battery, today's yield and (for a dongle asleep at night) the last upload at dusk look
        real from the first answer."""
        k = self._k_at(phase, self.origin)
        first = self._upload_epoch(inv.sn, phase, k)
        state = PlantState.fresh(inv)
        t = first - 86400.0
        previous = t - _WARM_UP_STEP
        lived: list[Reading] = []
        while t < first:
            if (reading := state.upload(t, None, t - previous)) is not None:
                previous = t
                lived.append(reading)
            t += _WARM_UP_STEP
        if (reading := state.upload(first, None, first - previous)) is not None:
            lived.append(reading)
        return _Unit(
            inv=inv, state=state, phase=phase, last_k=k, last_upload=first, warm_up=tuple(lived)
        )

    # -- the upload schedule ------------------------------------------------------------------

    def _upload_epoch(self, sn: str, phase: float, k: int) -> float:
        # Whole seconds: uploadTime has no fraction, and the v2 utcDateTime must agree with it.
        t = self.origin + k * self.upload_interval + phase + self.jitter * noise(sn, "j", k)
        return float(math.floor(t))

    def _k_at(self, phase: float, now: float) -> int:
        """Index of the latest scheduled upload at or before ``now``, jitter aside."""
        return math.floor((now - self.origin - phase) / self.upload_interval)

    def _latest_k(self, unit: _Unit, now: float) -> int:
        k = self._k_at(unit.phase, now)
        if self._upload_epoch(unit.inv.sn, unit.phase, k) > now:
            k -= 1
        return k

    def _status_at(self, unit: _Unit, t: float) -> int | None:
        """The scripted status at ``t``, or None to let the physics decide."""
        if not unit.script:
            return None
        if unit.script_period is not None:
            # A repeating story: its steps are offsets from the cloud's start.
            if t < self.origin:
                return None
            t = self.origin + (t - self.origin) % unit.script_period
        code: int | None = None
        for at, step_code in unit.script:
            if at <= t:
                code = step_code
        return code

    def _is_offline(self, unit: _Unit, t: float) -> bool:
        return any(start <= t < end for start, end in unit.offline)

    def _advance(self, unit: _Unit, now: float) -> Reading | None:
        """Bring one inverter's cloud-side state up to ``now``: every upload since the last one."""
        target = self._latest_k(unit, now)
        unit.last_k = max(unit.last_k, target - _MAX_CATCH_UP_UPLOADS)
        due = [
            self._upload_epoch(unit.inv.sn, unit.phase, k)
            for k in range(unit.last_k + 1, target + 1)
        ]
        due += [t for t in unit.extra_uploads if t <= now]
        unit.extra_uploads = [t for t in unit.extra_uploads if t > now]
        for t in sorted(due):
            # Two uploads within one second would share an uploadTime: keep the first only.
            if t <= unit.last_upload or self._is_offline(unit, t):
                continue
            dt = min(t - unit.last_upload, 2.0 * self.upload_interval)
            if unit.state.upload(t, self._status_at(unit, t), dt) is not None:
                unit.last_upload = t
        unit.last_k = max(unit.last_k, target)
        return unit.state.last

    # -- control from tests and the demo ------------------------------------------------------

    @property
    def inverters(self) -> tuple[SimInverter, ...]:
        return tuple(unit.inv for unit in self._units.values())

    @property
    def serials(self) -> tuple[str, ...]:
        return tuple(self._units)

    def _unit(self, sn: str) -> _Unit:
        try:
            return self._units[sn]
        except KeyError:
            raise KeyError(f"the simulator has no inverter {sn!r}") from None

    def script_status(self, sn: str, steps: Sequence[tuple[float, int]]) -> None:
        """From ``now + seconds`` on, uploads carry ``status`` (until the next step), for example
        ``[(0, 103), (600, 102)]``: fault from the next upload, normal again after ten minutes.
        Replaces the steps still in the future; a status shows at the first upload after its step
        (``upload_now`` makes one at once)."""
        with self._lock:
            unit = self._unit(sn)
            now = self.clock.now()
            self._advance(unit, now)
            # Uploads fall on whole seconds: a step belongs to the second it starts in. A new
            # step that lands in the second of an older one replaces it (a later call wins).
            new = [(float(math.floor(now + at)), int(code)) for at, code in steps]
            cut = min((t for t, _ in new), default=now)
            unit.script = [s for s in unit.script if s[0] < min(now, cut)]
            unit.script.extend(new)
            unit.script.sort(key=lambda step: step[0])
            unit.script_period = None

    def upload_now(self, sn: str | None = None) -> float:
        """Make the inverter (every inverter if ``sn`` is None) upload at this second, besides
        its schedule: lets a test on the system clock see a change without waiting. Returns the
        upload's time: the next second when one was already uploaded in this one."""
        with self._lock:
            now = self.clock.now()
            latest = now
            for unit in [self._unit(sn)] if sn is not None else list(self._units.values()):
                self._advance(unit, now)
                at = max(float(math.floor(now)), unit.last_upload + 1.0)
                unit.extra_uploads.append(at)
                latest = max(latest, at)
            return latest

    def set_online(self, sn: str, online: bool) -> None:
        """Stop or resume the inverter's uploads from now on. Offline, the cloud keeps answering
        success with the last upload, whose ``uploadTime`` grows old."""
        with self._lock:
            unit = self._unit(sn)
            now = self.clock.now()
            self._advance(unit, now)
            open_ = [i for i, (_, end) in enumerate(unit.offline) if end == math.inf]
            if online:
                for i in open_:
                    unit.offline[i] = (unit.offline[i][0], now)
            elif not open_:
                unit.offline.append((now, math.inf))

    def script_offline(self, sn: str, start: float, end: float | None = None) -> None:
        """No uploads from ``now + start`` to ``now + end`` seconds (None: until ``set_online``)."""
        with self._lock:
            unit = self._unit(sn)
            now = self.clock.now()
            self._advance(unit, now)
            unit.offline.append((now + start, math.inf if end is None else now + end))

    def inject(self, fault: Fault, *, count: int = 1, sn: str | None = None) -> None:
        """The next ``count`` requests (for ``sn`` only, if given) get ``fault`` instead. Faults
        come before the token check and the quota, as a proxy's or a load balancer's would."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._injections.append(_Injection(fault, count, sn))

    def clear_faults(self) -> None:
        with self._lock:
            self._injections.clear()

    def warm_up_readings(self, sn: str) -> tuple[Reading, ...]:
        """The uploads ``sn`` made (every 15 minutes) in the day before the simulator started,
        ending with the one it answers first: the demo's history of the day so far joins the live
        uploads without a jump in any counter."""
        with self._lock:
            return self._unit(sn).warm_up

    def current_reading(self, sn: str) -> Reading | None:
        """The upload the cloud holds for ``sn`` now (for tests that check the physics)."""
        with self._lock:
            return self._advance(self._unit(sn), self.clock.now())

    def next_upload(self, sn: str) -> float:
        """Epoch seconds of the next scheduled upload (skipped while offline or asleep)."""
        with self._lock:
            unit = self._unit(sn)
            return self._upload_epoch(sn, unit.phase, self._latest_k(unit, self.clock.now()) + 1)

    def upload_times(self, sn: str, start: float, end: float) -> list[float]:
        """Scheduled upload times of ``sn`` in ``[start, end)``, for tests and benchmarks."""
        unit = self._unit(sn)
        k = self._k_at(unit.phase, start) - 1
        times: list[float] = []
        while (t := self._upload_epoch(sn, unit.phase, k)) < end:
            if t >= start:
                times.append(t)
            k += 1
        return times

    def peak_minute(self) -> int:
        """The most requests that reached the tokenId endpoints on one token within any sliding
        60 s, counted when each arrived (refused ones included, as the cloud counts them)."""
        with self._lock:
            return max((q.peak_minute for q in self._quotas.values()), default=0)

    @property
    def requests(self) -> tuple[SimRequest, ...]:
        """Every request so far, oldest first."""
        with self._lock:
            return tuple(self._records)

    def clear_requests(self) -> None:
        with self._lock:
            self._records.clear()

    # -- answering ----------------------------------------------------------------------------

    def record(
        self, endpoint: str, sn: str | None, token_ok: bool, result: str, *, at: float | None = None
    ) -> None:
        """Log a request; ``at`` is when it arrived (default: now)."""
        with self._lock:
            when = self.clock.now() if at is None else at
            self._records.append(SimRequest(when, endpoint, sn, token_ok, result))

    def token_ok(self, token: str) -> bool:
        return token in self._tokens

    def take_fault(self, sn: str | None) -> Fault | None:
        """The injected fault this request meets, if any (and count it as used)."""
        with self._lock:
            for item in self._injections:
                if item.sn is None or item.sn == sn:
                    item.remaining -= 1
                    if item.remaining <= 0:
                        self._injections.remove(item)
                    return item.fault
        return None

    def answer(
        self, token: str, sn: str | None, *, v2: bool, arrived: float | None = None
    ) -> tuple[bytes, Outcome]:
        """The body for a request with a valid ``token``: quota first (counted at ``arrived``,
        default now), then the serial."""
        with self._lock:
            now = self.clock.now()
            quota = self._quotas.get(token)
            if quota is None:
                quota = TokenQuota(self.per_minute, self.per_day, self.ban_after, self.ban_seconds)
                self._quotas[token] = quota
            outcome = quota.admit(min(arrived, now) if arrived else now)
            if outcome is Outcome.OK:
                unit = self._units.get(sn or "")
                if unit is None:
                    # Asking for a serial the account lacks counts against the caller, as a
                    # ban after a few swapped token/serial requests suggests (field notes).
                    outcome = quota.violation(now, Outcome.NO_AUTH)
                else:
                    quota.clean()
                    reading = self._advance(unit, now) if unit.inv.reporting else None
                    if reading is not None:
                        result = wire.result_object(unit.inv, reading, v2=v2)
                        return wire.success(result, v2=v2), Outcome.OK
                    outcome = Outcome.NOT_ACCESSED
        refusals = {
            Outcome.THROTTLED: wire.throttled,
            Outcome.DAY_QUOTA: wire.day_quota,
            Outcome.BANNED: wire.banned,
            Outcome.NO_AUTH: wire.no_auth,
            Outcome.NOT_ACCESSED: wire.not_accessed,
        }
        return refusals[outcome](v2=v2), outcome

    def sample_success(self, sn: str | None, *, v2: bool) -> bytes:
        """A whole success answer for ``sn`` (or the first inverter), outside the quota: the
        material a truncated answer is cut from."""
        with self._lock:
            unit = self._units.get(sn or "") or next(iter(self._units.values()), None)
            if unit is None:
                return wire.success({}, v2=v2)
            reading = self._advance(unit, self.clock.now())
            if reading is None:
                return wire.not_accessed(v2=v2)
            return wire.success(wire.result_object(unit.inv, reading, v2=v2), v2=v2)
