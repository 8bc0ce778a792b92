"""When to ask SolaX Cloud next, for each inverter of one token. Qt-free, clock injected.

Why not a fixed timer: the cloud gets new data about every 5 minutes per dongle (field notes,
"Time"), so polling every 60 s wastes four requests in five, still shows data up to a minute late,
and caps a token at about six inverters. Users polling well inside the quota have been banned for
an hour, so the aim is about one request per upload per inverter.

How:

- **Learning.** Each fresh ``uploadTime`` (the plant's local wall clock, zone unknown) is read as
  "plant seconds". The cadence is the median gap between successive uploads; the offset between
  plant seconds and our wall clock (zone plus the cloud's delay) is bounded from above by every
  fresh answer (the upload was there when we looked) and checked from below by every miss. Once
  learned, the next poll is just after the next expected upload plus ``margin_s``. The zone never
  needs to be known.
- **Misses.** An answer with nothing new is retried at widening steps (``RETRY_STEPS_S``), never
  later than the next expected upload. When data has not changed for ``idle_after_s`` (night, an
  offline dongle) the interval keeps growing up to ``max_idle_s``: slower, never stopped.
- **Not yet learned**: a plain ``poll_interval_s`` (default 60 s).
- **Budget.** Requests of all serials are at least ``60 / per_minute`` seconds apart, so they never
  bunch into one minute, and a token bucket holds the day's requests under ``per_day`` for any
  number of inverters (what sleeping inverters save at night is spent in the day). The shared ``RequestLedger`` still has the last word
  (other processes spend the same quota); this keeps us from ever asking it in vain.
- **Errors.** Network trouble pauses every serial (one route to the cloud) with exponential backoff
  and jitter, capped at ``MAX_BACKOFF_S``; server and protocol errors back off the one serial. A
  rate limit pauses everything for its ``retry_after`` (an hour for a ban). A rejected token stops
  every serial until ``token_changed``; an unknown serial stops that serial until ``set_serials``;
  a serial the cloud knows but has no data for is asked again only every ``NOT_REPORTING_S``.
- **Batches.** A backend that names several serials in one request (``batch_size`` above one: the
  Developer API takes ten) is asked for the fleet in rounds aligned to the uploads: the earliest
  due serial waits up to ``BATCH_WINDOW_S`` for the others due after it, and the round asks them
  all at the latest of their times. Serials whose uploads fall close together then share one
  request (and the Developer API's battery request) instead of costing one each, and no upload
  waits longer than the window. The minute's budget counts what each round really cost, so
  rounds of two requests are never bunched.
- **Sleep and resume.** A jump of the wall clock against the monotonic clock is a suspend (or the
  clock being set): every serial is asked again ``RESUME_DELAY_S`` after it, giving the network a
  moment to come back.

Use (the Qt poller and the ``watch`` loop)::

    sched = PollScheduler(["SN1", "SN2"], clock=clock)
    while True:
        due = sched.next_due()            # (serial, epoch seconds) or None: nothing to poll
        ...wait until due[1], take a request from the ledger, fetch...
        sched.record_result(sn, snapshot_or_api_error)

``view(sn)`` / ``views()`` give a read-only picture per serial for the popup.

Over 500 lines: one planner: learning the upload phases, the request budget and the backoff decide
together when each request goes.
"""

from __future__ import annotations

import enum
import logging
import random
import statistics
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from solaxtray.core.clock import Clock
from solaxtray.core.errors import (
    ApiError,
    NetworkError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    TokenRejected,
)
from solaxtray.core.models import Snapshot
from solaxtray.core.quota import DAY_S, MAX_PER_DAY, MAX_PER_MINUTE, MINUTE_S

logger = logging.getLogger(__name__)

RETRY_STEPS_S = (10.0, 20.0, 40.0, 80.0, 160.0, 300.0)
"""Waits after successive answers with nothing new, before the data counts as idle."""
FIRST_BACKOFF_S = 15.0
MAX_BACKOFF_S = 900.0
BAN_PAUSE_S = 3600.0
NOT_REPORTING_S = 1800.0
RESUME_DELAY_S = 5.0
WALL_GAP_S = 30.0
"""A jump between wall and monotonic time at least this large is a suspend or a clock change."""
MIN_CADENCE_S = 20.0
MAX_CADENCE_S = 1800.0
LEARN_AFTER = 3
"""Upload gaps seen before the cadence counts as learned."""
_HISTORY = 9
CADENCE_FIT = 0.15
"""How far (a share of the cadence) a gap may be from a whole number of cadences: upload jitter."""
BUCKET_FRACTION = 0.1
"""Part of the day's budget that may be saved up (at night, while inverters sleep) and spent
faster than the steady rate (in the day, on retries)."""
BATCH_WINDOW_S = 30.0
"""The longest a due serial waits for others to share its request (keeps the median lag of an
upload well under half a minute)."""
BATCH_WINDOW_SHARE = 0.75
"""At most this share of the shortest learned cadence: a window as long as the cadence would
wait for a serial's own next upload."""
IDLE_EARLY_SHARE = 0.5
"""An idle serial may be asked this share of its idle step early, along with a round."""
SAME_ROUND_S = 1.0
"""Results recorded within this of each other belong to one round (one ``fetch_many``)."""
OFFSET_START_SLACK_S = 5.0
OFFSET_STEP_DOWN_S = 0.5
OFFSET_STEP_UP_S = 6.0
"""The aim's walk: about DOWN/(DOWN+UP), one planned poll in thirteen, misses (one extra request)."""


class StopReason(enum.StrEnum):
    """Why a serial is not being polled at all."""

    TOKEN_REJECTED = "token_rejected"  # noqa: S105 - a reason, not a secret
    SERIAL_UNKNOWN = "serial_unknown"


@dataclass(frozen=True, slots=True)
class SerialView:
    """What the popup may show about one serial's polling (all times epoch seconds)."""

    sn: str
    next_poll: float | None
    """When it will be asked next; ``None`` while stopped."""
    cadence_s: float | None
    """The learned upload interval, or ``None`` while still learning."""
    last_result: str | None
    """"fresh", "unchanged", or the title of the last error."""
    last_result_at: float | None
    last_fresh_at: float | None
    stopped: StopReason | None
    errors_in_row: int
    retrying: bool = False
    """``next_poll`` ends a pause or a backoff after errors (say "next try at 14:05", not a
    countdown that reads like normal polling)."""


@dataclass(slots=True)
class _Serial:
    sn: str
    due: float
    plant_times: deque[float] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    gaps: deque[float] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    offset: float | None = None
    """Upper bound of (our wall time - plant seconds) at which an upload is available."""
    last_upload: datetime | None = None
    last_request: float = float("-inf")
    last_fresh_at: float | None = None
    last_miss_at: float | None = None
    misses: int = 0
    idle_step: float = 0.0
    errors: int = 0
    held_until: float = float("-inf")
    """End of a backoff after a server error: "refresh now" keeps it (a failing server asked
    again at every click would only fail again and spend the budget)."""
    stopped: StopReason | None = None
    last_result: str | None = None
    last_result_at: float | None = None

    cadence: float | None = None
    """The learned upload interval (``None`` until ``LEARN_AFTER`` gaps were seen)."""

    def relearn_cadence(self, asked_every_s: float) -> None:
        """The cadence from the gaps seen; ``asked_every_s`` is how often the serial is asked
        while the cadence is unknown."""
        if len(self.gaps) < LEARN_AFTER:
            self.cadence = None
            return
        rough = statistics.median(self.gaps)
        if min(self.gaps) < asked_every_s:
            # Asked less often than the uploads come (the demo's 40 s cadence asked every 60 s):
            # some uploads were never seen, so the gaps are multiples of the cadence and their
            # median may be twice it, a rhythm that would then only ever see every other upload.
            # Slower uploads are all seen, and the median's robustness is kept for them.
            rough = _fundamental(self.gaps) or rough
        # Refine over the whole run of uploads: the jitter of one gap is divided by their number.
        span = self.plant_times[-1] - self.plant_times[0] if self.plant_times else 0.0
        steps = round(span / rough)
        self.cadence = span / steps if steps >= 2 else rough


def _fundamental(gaps: Iterable[float]) -> float | None:
    """The shortest gap of which every gap is a whole multiple (within ``CADENCE_FIT``), as the
    median of the gaps divided by their multiples; ``None`` when no gap fits them all."""
    seen = list(gaps)
    for candidate in sorted(seen):
        multiples = [max(1, round(gap / candidate)) for gap in seen]
        if all(
            abs(gap - m * candidate) <= CADENCE_FIT * candidate
            for gap, m in zip(seen, multiples, strict=True)
        ):
            return statistics.median(gap / m for gap, m in zip(seen, multiples, strict=True))
    return None


def plant_seconds(upload_time: datetime) -> float:
    """A naive plant-local time as seconds on a UTC-like scale: differences are exact and the
    difference to our epoch is the (unknown) zone offset plus the cloud's delay."""
    return upload_time.replace(tzinfo=UTC).timestamp()


class PollScheduler:
    """Per-serial poll planning for one token. See the module docstring for the rules.

    Args:
        serials: The registration numbers to watch (order kept, duplicates dropped).
        clock: Wall and monotonic time.
        poll_interval_s: Interval while a serial's upload rhythm is not learned yet.
        per_minute, per_day: This token's budget (as the ``RequestLedger`` has it).
        batch_size: How many serials one request may name (the backend's
            ``max_serials_per_request``); above one, due serials are gathered into rounds.
        margin_s: How long after an expected upload to ask for it.
        idle_after_s: Data unchanged this long counts as idle (night): polling slows down.
        max_idle_s: The slowest interval while idle.
        rng: Source of backoff jitter (seeded in tests).
    """

    def __init__(
        self,
        serials: Iterable[str] = (),
        *,
        clock: Clock,
        poll_interval_s: float = 60.0,
        per_minute: int = MAX_PER_MINUTE,
        per_day: int = MAX_PER_DAY,
        batch_size: int = 1,
        margin_s: float = 0.0,
        idle_after_s: float = 900.0,
        max_idle_s: float = 900.0,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self.poll_interval_s = max(1.0, float(poll_interval_s))
        self.per_minute = max(1, min(int(per_minute), MAX_PER_MINUTE))
        self.per_day = max(1, min(int(per_day), MAX_PER_DAY))
        self.batch_size = max(1, int(batch_size))
        self.margin_s = margin_s
        self.idle_after_s = idle_after_s
        self.max_idle_s = max(max_idle_s, self.poll_interval_s)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._serials: dict[str, _Serial] = {}
        self._tokens = 0.0
        self._tokens_at = float("-inf")
        self._last_request = float("-inf")
        self._round_cost = 1.0
        """Requests the last round spent: the next round is expected to cost as much."""
        self._rounds: deque[tuple[float, float]] = deque()
        """(time, requests) of the rounds of the last minute."""
        self._paused_until = float("-inf")
        """End of a rate-limit pause for everyone (kept by "refresh now")."""
        self._network_until = float("-inf")
        """End of the backoff after network errors ("refresh now" ends it: the network may be
        back)."""
        self._network_errors = 0
        self._token_rejected = False
        self._wall_offset = clock.now() - clock.monotonic()
        self.set_serials(serials)

    # --- configuration ---------------------------------------------------------------------------

    def set_serials(self, serials: Iterable[str]) -> None:
        """Watch these serials from now on. Known ones keep what was learned; a serial stopped as
        unknown gets another chance (the user edited the list)."""
        now = self._clock.now()
        wanted = list(dict.fromkeys(s for s in serials if s))
        fresh: dict[str, _Serial] = {}
        for sn in wanted:
            state = self._serials.get(sn) or _Serial(sn=sn, due=now)
            if state.stopped is StopReason.SERIAL_UNKNOWN:
                state.stopped = None
                state.due = now
            fresh[sn] = state
        self._serials = fresh

    def retune(self, *, poll_interval_s: float, per_minute: int, per_day: int) -> None:
        """New knobs from the settings, keeping what was learned (the upload rhythms, the
        day's bucket): the same clamping as at construction."""
        self.poll_interval_s = max(1.0, float(poll_interval_s))
        self.max_idle_s = max(self.max_idle_s, self.poll_interval_s)
        self.per_minute = max(1, min(int(per_minute), MAX_PER_MINUTE))
        self.per_day = max(1, min(int(per_day), MAX_PER_DAY))

    def token_changed(self) -> None:
        """A new token: resume every serial at once; forget rate-limit pauses and stops."""
        now = self._clock.now()
        self._token_rejected = False
        self._paused_until = float("-inf")
        self._network_until = float("-inf")
        self._network_errors = 0
        for state in self._serials.values():
            state.stopped = None
            state.errors = 0
            state.held_until = float("-inf")
            state.due = now

    @property
    def serials(self) -> tuple[str, ...]:
        return tuple(self._serials)

    @property
    def all_stopped(self) -> bool:
        """Whether every serial is stopped (unknown to the token): nothing will ever be polled
        until the serials change."""
        return bool(self._serials) and all(s.stopped is not None for s in self._serials.values())

    @property
    def token_rejected(self) -> bool:
        return self._token_rejected

    @property
    def paused_until(self) -> float | None:
        """End of a pause for everyone (rate limit, network backoff), if one is on."""
        until = max(self._paused_until, self._network_until)
        return until if until > self._clock.now() else None

    # --- the plan --------------------------------------------------------------------------------

    def next_due(self) -> tuple[str, float] | None:
        """The serial to ask next and the wall time (epoch seconds) to ask it; ``None`` when there
        is nothing to poll (no serials, the token rejected, every serial stopped). The time may be
        in the past: then ask now. With batches, the time is that of the last serial due within
        the batch window after the first (see the module docstring)."""
        self.check_wall_gap()
        if self._token_rejected:
            return None
        active = sorted(
            (state.due, index, state.sn)
            for index, state in enumerate(self._serials.values())
            if state.stopped is None
        )
        if not active:
            return None
        first, _, sn = active[0]
        when = first
        if self.batch_size > 1:
            window = self._batch_window()
            group = [due for due, _, _ in active if due <= first + window][: self.batch_size]
            when = max(group)
        when = max(
            when,
            self._last_request + self._global_spacing(),
            self._minute_room(),
            self._paused_until,
            self._network_until,
            self._token_time(),
        )
        return sn, when

    def refresh_now(self) -> None:
        """The user asked for fresh data: every active serial is due now (still spaced, and the
        ledger still decides). A backoff after network errors ends (the network may be back);
        a rate-limit pause and a backoff after server errors stay, since asking a failing or
        limiting server again only fails again and counts against the budget."""
        now = self._clock.now()
        self._network_until = min(self._network_until, now)
        for state in self._serials.values():
            if state.stopped is None and state.held_until <= now:
                state.due = min(state.due, now)

    def due_with(self, sn: str, when: float, limit: int) -> list[str]:
        """``sn`` and up to ``limit - 1`` other active serials due by ``when``, earliest first:
        what a backend that names several serials in one request (the Developer API) asks
        together. Serials held back by the request spacing or the budget are due by then, so a
        fleet kept waiting is asked in one request instead of one by one.

        In fleet rounds (``batch_size`` above one), idle serials (asleep at night, offline) ride
        along early, up to half their idle step ahead: nothing is uploading there, so an early answer loses nothing, and a request of its
        own would cost one more."""
        if self._token_rejected or limit <= 1:
            return [sn]
        early = IDLE_EARLY_SHARE if self.batch_size > 1 else 0.0
        others = sorted(
            (state.due, index, state.sn)
            for index, state in enumerate(self._serials.values())
            if state.stopped is None
            and state.sn != sn
            and state.due <= when + state.idle_step * early
        )
        return [sn, *(other for _, _, other in others[: limit - 1])]

    def record_result(self, sn: str, outcome: Snapshot | ApiError, *, cost: float = 1.0) -> bool:
        """Record the answer of a request for ``sn`` made just now. Returns True when it brought a
        new upload (a fresh snapshot).

        ``cost`` is this serial's share of the requests spent (one request for several serials
        costs each a fraction), so the day's bucket counts requests, not serials.
        """
        now = self._clock.now()
        self.check_wall_gap()
        if now - self._last_request < SAME_ROUND_S and self._rounds:
            self._round_cost += max(0.0, cost)
            at, _ = self._rounds.pop()
            self._rounds.append((at, self._round_cost))
        else:
            self._round_cost = max(0.0, cost)
            self._rounds.append((now, self._round_cost))
        self._last_request = now
        state = self._serials.get(sn)
        if state is None:  # removed while the request was in flight
            return False
        state.last_request = now
        self._take_token(now, cost)
        state.last_result_at = now
        if isinstance(outcome, Snapshot):
            return self._on_snapshot(state, outcome, now)
        self._on_error(state, outcome, now)
        return False

    # --- sleep and resume ------------------------------------------------------------------------

    def check_wall_gap(self) -> float | None:
        """Compare the wall clock with the monotonic one; on a jump, re-plan and return its size
        in seconds (positive: time passed while suspended)."""
        offset = self._clock.now() - self._clock.monotonic()
        gap = offset - self._wall_offset
        if abs(gap) < WALL_GAP_S:
            return None
        self.note_wall_gap(gap)
        return gap

    def note_wall_gap(self, gap_s: float) -> None:
        """A suspend of ``gap_s`` seconds (or a clock change, when negative) ended: poll every
        serial again shortly. Safe to call for a gap ``check_wall_gap`` also sees: it is handled
        once."""
        now = self._clock.now()
        self._wall_offset = now - self._clock.monotonic()
        if gap_s < 0:
            # The clock was set back: move the plan with it so nothing waits an extra hour.
            for state in self._serials.values():
                state.due += gap_s
                state.last_request += gap_s
                state.held_until += gap_s
            self._last_request += gap_s
            self._rounds = deque((at + gap_s, cost) for at, cost in self._rounds)
            self._tokens_at += gap_s
            if self._paused_until > now:
                self._paused_until += gap_s
            if self._network_until > now:
                self._network_until += gap_s
            return
        logger.info("wall clock jumped %.0f s: polling again in %.0f s", gap_s, RESUME_DELAY_S)
        self._network_errors = 0
        self._last_request = min(self._last_request, now)
        for state in self._serials.values():
            state.errors = 0
            state.misses = 0
            state.idle_step = 0.0
            state.last_request = min(state.last_request, now)
            state.due = now + RESUME_DELAY_S

    # --- read-only view --------------------------------------------------------------------------

    def view(self, sn: str) -> SerialView | None:
        state = self._serials.get(sn)
        if state is None:
            return None
        stopped = StopReason.TOKEN_REJECTED if self._token_rejected else state.stopped
        next_poll = None
        if stopped is None:
            next_poll = max(state.due, self._token_time(), self._paused_until, self._network_until)
        now = self._clock.now()
        retrying = next_poll is not None and (
            max(self._paused_until, self._network_until) > now
            or (state.errors > 0 and state.due > now)
        )
        return SerialView(
            sn=sn,
            next_poll=next_poll,
            cadence_s=state.cadence,
            last_result=state.last_result,
            last_result_at=state.last_result_at,
            last_fresh_at=state.last_fresh_at,
            stopped=stopped,
            errors_in_row=state.errors,
            retrying=retrying,
        )

    def views(self) -> list[SerialView]:
        return [v for sn in self._serials if (v := self.view(sn)) is not None]

    # --- internals -------------------------------------------------------------------------------

    def _batch_window(self) -> float:
        cadences = [s.cadence for s in self._serials.values() if s.cadence is not None]
        shortest = min(cadences, default=self.poll_interval_s)
        return min(BATCH_WINDOW_S, BATCH_WINDOW_SHARE * shortest)

    def _minute_room(self) -> float:
        """When the last 60 s leave room for one more round as dear as the minute's dearest: rounds of
        several requests (the Developer API's realtime and battery requests) are spaced by what
        they spend, not by their count."""
        now = self._clock.now()
        while self._rounds and self._rounds[0][0] <= now - MINUTE_S:
            self._rounds.popleft()
        # A round may cost more than the last one (a battery request after a miss): expect the
        # dearest round of the minute.
        need = max(1.0, round(max([self._round_cost, *(cost for _, cost in self._rounds)])))
        spent = sum(cost for _, cost in self._rounds)
        if spent + need <= self.per_minute:
            return now
        for at, cost in self._rounds:
            spent -= cost
            if spent + need <= self.per_minute:
                return at + MINUTE_S * 1.01
        return now + MINUTE_S

    def _global_spacing(self) -> float:
        # A hair over 60/n so that n+1 requests can never fall into one 60 s window.
        return MINUTE_S / self.per_minute * 1.01

    def _budget(self) -> tuple[float, float]:
        """The token's bucket: (capacity, refill per second).

        Any 24 h then holds at most ``capacity + rate * 86400 = per_day`` requests.
        """
        capacity = max(1.0, self.per_day * BUCKET_FRACTION)
        return capacity, (self.per_day - capacity) / DAY_S

    def _refill(self, now: float) -> None:
        capacity, rate = self._budget()
        if self._tokens_at == float("-inf"):
            self._tokens = capacity
        elif now > self._tokens_at:
            self._tokens = min(capacity, self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = max(self._tokens_at, now)

    def _token_time(self) -> float:
        """When the bucket holds a whole request."""
        now = self._clock.now()
        self._refill(now)
        if self._tokens >= 1.0:
            return now
        return now + (1.0 - self._tokens) / self._budget()[1]

    def _take_token(self, now: float, cost: float = 1.0) -> None:
        self._refill(now)
        self._tokens -= max(0.0, cost)

    def _on_snapshot(self, state: _Serial, snap: Snapshot, now: float) -> bool:
        self._network_errors = 0
        self._paused_until = min(self._paused_until, now)
        self._network_until = min(self._network_until, now)
        state.errors = 0
        upload = snap.upload_time
        fresh = upload is not None and upload != state.last_upload
        state.last_result = "fresh" if fresh else "unchanged"
        if not fresh or upload is None:
            state.misses += 1
            state.last_miss_at = now
            state.due = now + self._after_miss(state, now)
            return False
        p = plant_seconds(upload)
        self._learn(state, p, now)
        state.last_miss_at = None
        state.last_upload = upload
        state.last_fresh_at = now
        state.misses = 0
        state.idle_step = 0.0
        state.due = self._after_fresh(state, p, now)
        return True

    def _learn(self, state: _Serial, p: float, now: float) -> None:
        if state.plant_times:
            gap = p - state.plant_times[-1]
            cadence = state.cadence
            if cadence is not None and gap > 3 * cadence:
                # A break (night, outage, a rebooted dongle): the phase may have moved, the
                # cadence probably not.
                state.plant_times.clear()
                gap = 0.0
            elif cadence is not None and gap > 1.5 * cadence:
                # Uploads we did not see in between (or the dongle skipped some): one step each.
                gap /= round(gap / cadence)
            if MIN_CADENCE_S <= gap <= MAX_CADENCE_S:
                state.gaps.append(gap)
        state.plant_times.append(p)
        state.relearn_cadence(self.poll_interval_s)
        self._learn_offset(state, p, now)

    def _learn_offset(self, state: _Serial, p: float, now: float) -> None:
        """Adjust the estimate of (wall time - plant seconds) at which an upload is there.

        Each fresh answer bounds it from above (``now - p``); a miss before it bounds it from
        below. Between the two we walk like a congestion window: a planned poll that found the
        upload moves the aim a little earlier, one that missed moves it clearly later, so about
        ``DOWN/(DOWN+UP)`` of planned polls miss (one extra request each) while the aim follows
        changes in the cloud's delay.
        """
        observed = now - p
        if state.offset is None:
            state.offset = observed - OFFSET_START_SLACK_S
            return
        if state.cadence is None:
            # Still polling at the plain interval: the earliest sighting is the best bound.
            state.offset = min(state.offset, observed - OFFSET_START_SLACK_S)
            return
        cadence = state.cadence or self.poll_interval_s
        continuous = state.last_fresh_at is not None and now - state.last_fresh_at < 1.5 * cadence
        missed_at = state.last_miss_at
        if missed_at is not None and missed_at - p > state.offset + cadence / 2:
            # Not there long after our estimate said it was: the offset moved later (summer time
            # ended, the dongle's clock was set). Start again from what we saw.
            logger.info("%s: uploads come later than learned; relearning", state.sn)
            state.offset = observed
        elif observed < state.offset - cadence / 2:
            logger.info("%s: uploads come earlier than learned; relearning", state.sn)
            state.offset = observed
        elif continuous and state.misses == 0:
            # Found at once: aim a little earlier. Always by the same small step: speeding up
            # while it keeps working (as tried before) doubled the share of misses, and a large
            # change in the delay is caught by the relearning above anyway.
            state.offset -= OFFSET_STEP_DOWN_S
        elif continuous and missed_at is not None:
            state.offset += OFFSET_STEP_UP_S

    def _expected_next(self, state: _Serial, now: float) -> float | None:
        """The wall time at which the next upload after ``now`` should be there."""
        cadence = state.cadence
        if cadence is None or state.offset is None or not state.plant_times:
            return None
        last = state.plant_times[-1]
        # Uploads jitter around a fixed rhythm: its phase is the mean of the recent ones (the
        # offset's walk absorbs the jitter).
        anchor = statistics.fmean(
            t + round((last - t) / cadence) * cadence for t in state.plant_times
        )
        base = anchor + state.offset + self.margin_s
        steps = max(1, int((now - base) // cadence) + 1)
        return base + steps * cadence

    def _after_fresh(self, state: _Serial, p: float, now: float) -> float:
        expected = self._expected_next(state, now)
        if expected is None:
            return now + self.poll_interval_s
        return expected

    def _after_miss(self, state: _Serial, now: float) -> float:
        """The wait after an answer with nothing new."""
        idle_for = now - (state.last_fresh_at if state.last_fresh_at is not None else now)
        if state.last_fresh_at is not None and idle_for >= self.idle_after_s:
            # Night, or an offline dongle: keep asking, ever more slowly.
            base = state.cadence or self.poll_interval_s
            state.idle_step = min(self.max_idle_s, max(base, state.idle_step * 1.5))
            return state.idle_step
        expected = self._expected_next(state, now)
        if expected is None:
            return self.poll_interval_s
        step = RETRY_STEPS_S[min(state.misses, len(RETRY_STEPS_S)) - 1]
        return min(step, expected - now)

    def _on_error(self, state: _Serial, error: ApiError, now: float) -> None:
        state.last_result = error.title
        if isinstance(error, TokenRejected):
            logger.warning("token rejected: polling stops until the token changes")
            self._token_rejected = True
            return
        if isinstance(error, SerialUnknown):
            logger.warning("%s is not known to this token: polling it stops", state.sn)
            state.stopped = StopReason.SERIAL_UNKNOWN
            return
        if isinstance(error, RateLimited):
            pause = max(error.retry_after, BAN_PAUSE_S if error.banned else MINUTE_S)
            pause *= self._rng.uniform(1.0, 1.1)
            if self._paused_until < now + pause:
                logger.warning("rate limited: pausing every request for %.0f s", pause)
                self._paused_until = now + pause
            return
        if isinstance(error, SerialNotReporting):
            state.errors += 1
            state.due = now + NOT_REPORTING_S
            return
        if isinstance(error, NetworkError):
            self._network_errors += 1
            wait = self._backoff(self._network_errors)
            if self._network_errors == 1:
                logger.info("network error: backing off %.0f s", wait)
            self._network_until = max(self._network_until, now + wait)
            state.errors += 1
            return
        state.errors += 1
        state.due = now + self._backoff(state.errors)
        state.held_until = state.due

    def _backoff(self, count: int) -> float:
        """Exponential, with jitter so that many clients that failed together do not come back
        together; never above the cap."""
        base: float = FIRST_BACKOFF_S * 2.0 ** min(count - 1, 16)
        return min(MAX_BACKOFF_S, float(base) * self._rng.uniform(0.8, 1.2))
