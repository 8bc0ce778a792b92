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
  needs to be known. The aim walks: a planned poll that finds the upload moves it a little
  earlier, a miss clearly later. An aim that has not missed since it was learned speeds up
  (``DESCENT_AFTER``), a poll held back by the budget walks an aim far above its last miss
  (``HELD_ABOVE_MISS_S``), and a settled aim walks by smaller steps (``FINE_AFTER``).
- **Misses.** An answer with nothing new is retried at widening steps (``RETRY_STEPS_S``), never
  later than the next expected upload. When data has not changed for ``idle_after_s`` (night, an
  offline dongle) the interval keeps growing up to ``max_idle_s``: slower, never stopped. A
  break of some hours ended by an upload is a night, kept per serial: in the middle of the next
  night at the same time of day the step grows to ``DEEP_IDLE_S``, and around last night's
  wake-up it shrinks to the cadence, so nights cost fewer requests and the morning is seen
  sooner. A break at another time (an outage) keeps the plain step, and an inverter that
  uploads at night (a battery system) is never idle.
- **Not yet learned**: a plain ``poll_interval_s`` (default 60 s).
- **Budget.** At most ``per_minute`` requests of all serials fall into any 60 s (a sliding
  window) and they are at least half of ``60 / per_minute`` apart, so serials whose uploads come
  together are asked within seconds, not queued a whole share apart each; where the budget is
  short, an idle serial's ask waits (up to ``IDLE_YIELD_S``) for an upload due. A token bucket
  holds the day's requests under ``per_day`` for any number of inverters (what sleeping
  inverters save at night is spent in the day). The shared ``RequestLedger`` still has the last
  word (other processes spend the same quota); this keeps us from ever asking it in vain.
- **Errors.** Network trouble pauses every serial (one route to the cloud) with exponential backoff
  and jitter, capped at ``MAX_BACKOFF_S``; server and protocol errors back off the one serial. A
  rate limit pauses everything for its ``retry_after`` (an hour for a ban). A rejected token stops
  every serial until ``token_changed``; an unknown serial stops that serial until ``set_serials``;
  a serial the cloud knows but has no data for is asked again only every ``NOT_REPORTING_S``.
- **Batches.** A backend that names several serials in one request (``batch_size`` above one: the
  Developer API takes ten) is asked for the fleet in rounds aligned to the uploads. Each upload
  has a lag budget (``BATCH_WINDOW_S``) counted from where it was expected: its aim less how late
  an aim can be (``AIM_LAG_SIGMAS`` standard deviations of the serial's upload times). A round
  asks every serial due before the first of their budgets runs out, at the latest of their
  times; a round of ``WIDE_ROUND`` serials counts the aim's lateness more narrowly and may wait
  a little longer. A serial that missed keeps the budget of its first aim: its retry rides the
  next round when that comes in time, instead of starting a wait of its own. Serials due within
  ``EARLY_RIDE_S`` after a round ride along (the aim is usually after the upload, so it is often
  there; if not, nothing is learned and the serial is asked at its own time). The aim of a
  serial asked late, at a round set by another, walks earlier until it first misses, and from
  then on only when it is far above that miss (walking on moved the rounds' deadlines earlier
  until the fleet no longer fitted into one); an aim far above its last miss (the sparse polls
  while learning leave it most of a minute late) comes halfway down at once. Uploads that keep
  their rhythm walk the aim by a smaller step, since a miss costs a round of its own. The
  minute's budget counts what each round really cost, so rounds of two requests are never
  bunched.
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
"""The lag budget of an upload in fleet rounds: a round waits for later serials only while the
upload of each serial in it, counted from where it was expected, is fetched within this."""
BATCH_WINDOW_SHARE = 0.75
"""At most this share of the shortest learned cadence: a window as long as the cadence would
wait for a serial's own next upload."""
IDLE_EARLY_SHARE = 0.5
"""An idle serial may be asked this share of its idle step early, along with a round."""
SPACING_SHARE = 0.5
"""Shortest gap between two requests, as a share of ``60 / per_minute``. The minute's budget is a
sliding window (``_minute_room``); spacing requests a whole ``60 / per_minute`` apart on top of it
made a fleet whose uploads fall close together queue behind one another for up to a minute."""
NIGHT_MIN_S = 3 * 3600.0
"""A break in the uploads at least this long, ended by a fresh upload, is a night: its start
and end (time of day) are kept to plan the next one."""
DEEP_IDLE_AFTER_S = 3600.0
DEEP_IDLE_S = 1800.0
"""The idle step in the middle of a learned night: a fault or wake-up there is still seen within
half an hour, at a third of the requests of the plain idle step."""
WAKE_LEAD_S = 2700.0
"""From this long before last night's wake-up, the plain idle step again (sunrise moves, clouds
delay it): the wake-up is seen as quickly as without the learned night."""
NIGHT_SLACK_S = 2 * 3600.0
SAME_ROUND_S = 1.0
"""Results recorded within this of each other belong to one round (one ``fetch_many``)."""
IDLE_YIELD_S = 60.0
"""How long an idle serial's ask may wait for serials whose uploads are due."""
ON_TIME_S = 2.0
"""A request sent at most this long after its planned time was sent as planned."""
OFFSET_START_SLACK_S = 5.0
OFFSET_STEP_DOWN_S = 0.5
OFFSET_STEP_UP_S = 6.0
"""The aim's walk: about DOWN/(DOWN+UP), one planned poll in thirteen, misses (one extra request)."""
OFFSET_STEP_DOWN_BATCH_S = 0.25
"""The walk's step in fleet rounds for uploads that keep their rhythm (``STEADY_JITTER_S``),
where a miss costs a whole round: about one planned round in twenty-five misses."""
STEADY_JITTER_S = 1.0
"""Uploads whose times stray less than this (one standard deviation) from their rhythm."""
AIM_LAG_SIGMAS = 4.0
"""How late an aim may sit after its upload, in standard deviations of the upload times about
their rhythm. A round's wait is counted from there, so the budget holds for nearly every upload
(the aim is typically two or three of them late)."""
WIDE_ROUND = 6
WIDE_AIM_SIGMAS = 0.5
"""A round that gathers ``WIDE_ROUND`` serials counts the aim's lateness at this many standard
deviations: a longer wait for one upload then saves the requests of several."""
FAR_ABOVE_MISS_S = 2 * OFFSET_STEP_UP_S
"""In fleet rounds, an aim more than this above the serial's last miss comes halfway down at
once, never below this far above it."""
FINE_AFTER = 60
FINE_STREAK = 60
FINE_STEP_SHARE = 0.45
FINE_STEP_SHARE_BATCH = 0.5
"""Once a serial's aim has walked ``FINE_AFTER`` times (five hours at five minutes) and has
missed within its last ``FINE_STREAK`` finds, its steps (``OFFSET_STEP_DOWN_S``,
``OFFSET_STEP_UP_S``, ``OFFSET_STEP_DOWN_BATCH_S``) are this share (fleet rounds: the second):
the same share of misses, about half the spread that the walk's saw-tooth (a step up high)
adds to the lag. The full steps first, so a short run (the demo's ten minutes) settles as fast
as before, and again after a long run without a miss, so an aim far too late (the cloud got
faster) comes down as fast as before. The shares and counts are measured
(``benchmarks/polling.py``): smaller shares spent more requests at 25 inverters."""
DESCENT_AFTER = 20
DESCENT_MAX_S = 8.0
"""An aim that has never missed since it was learned and finds its upload ``DESCENT_AFTER``
times in a row walks down by twice its last step, up to ``DESCENT_MAX_S``, until it first
misses: learned from polls minutes apart, it may be most of a minute late, which the plain
step took most of a day to walk off. Speeding up an aim that has missed before doubled the
share of misses."""
HELD_STEP_S = 0.25
HELD_ABOVE_MISS_S = 20.0
"""A poll held back by the budget (sent over ``ON_TIME_S`` after its plan) that finds the upload
walks the aim down by ``HELD_STEP_S`` while the aim is this far above its last miss (or has
never missed): that far above, the upload was surely there at the aim. Nearer, finding it late
says nothing about the aim, and walking on made the next crowded minute's first polls miss.
Where uploads crowd a minute most polls are held, and without this the aim only ever went up,
by a miss now and then (at 25 inverters some aims stayed most of a minute late for a day)."""
EARLY_RIDE_S = 30.0
"""In fleet rounds, a serial due this soon after a round rides along: its aim is usually some
seconds after its upload, so the upload is often there already, and a request that goes anyway
costs nothing more (when it is not there yet, the serial is asked at its own time as planned)."""


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
    planned: float | None = None
    """When the serial's own plan (its aim, a retry or idle step, a backoff) asks it, before the
    request spacing, the minute's and the day's budget and a fleet round move it (may be past):
    how late a request went against it is what those cost (``benchmarks/polling.py``)."""


@dataclass(slots=True)
class _Serial:
    sn: str
    due: float
    plant_times: deque[float] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    gaps: deque[float] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    offset: float | None = None
    """Upper bound of (our wall time - plant seconds) at which an upload is available."""
    aim_floor: float | None = None
    """The offset of the last miss (its time less the plant time of the upload then found): an
    aim known to be too early."""
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
    night: tuple[float, float] | None = None
    """The last night's break: (wall time its last upload came, length in seconds)."""
    jitter: float = 0.0
    """The standard deviation of the recent uploads' times about their rhythm."""
    descent: float = 0.0
    found_in_row: int = 0
    """Planned polls that found the upload since the last miss."""
    aimed: int = 0
    """How often the aim has walked since it was (re)learned (``FINE_AFTER``)."""
    """The aim's next step down while it has never missed (``DESCENT_MAX_S``)."""
    awaited: float | None = None
    """Where the upload being waited for was aimed at (wall time), kept through the retries
    after a miss: in fleet rounds its lag budget runs from there, not from each retry."""

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
        if self.batch_size == 1 and self._serials[sn].idle_step > 0:
            # An idle serial (asleep, offline) yields to one whose upload is due within the next
            # minute if asking it first would hold that one back (the minute's budget is short,
            # or the spacing): its answer can wait.
            busy = [
                (due, index, other)
                for due, index, other in active
                if self._serials[other].idle_step == 0 and due <= first + IDLE_YIELD_S
            ]
            if busy and (
                self._minute_is_tight()
                or busy[0][0] < max(first, self._clock.now()) + self._global_spacing()
            ):
                first, _, sn = busy[0]
                when = first
        if self.batch_size > 1:
            when = self._round_time(active)
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
        along early, up to half their idle step ahead: nothing is uploading there, so an early
        answer loses nothing, and a request of its own would cost one more. Serials due within
        ``EARLY_RIDE_S`` ride along too: their upload is often there already."""
        if self._token_rejected or limit <= 1:
            return [sn]
        batched = self.batch_size > 1
        others = sorted(
            (state.due, index, state.sn)
            for index, state in enumerate(self._serials.values())
            if state.stopped is None
            and state.sn != sn
            and state.due <= when + (self._ride_ahead(state) if batched else 0.0)
        )
        return [sn, *(other for _, _, other in others[: limit - 1])]

    def _ride_ahead(self, state: _Serial) -> float:
        """How far ahead of its own time a serial rides along with a round (fleet rounds)."""
        if state.idle_step > 0:
            return state.idle_step * IDLE_EARLY_SHARE
        if state.misses == 0 and state.errors == 0 and state.awaited is not None:
            return EARLY_RIDE_S
        return 0.0

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
            planned=state.due if stopped is None else None,
        )

    def views(self) -> list[SerialView]:
        return [v for sn in self._serials if (v := self.view(sn)) is not None]

    # --- internals -------------------------------------------------------------------------------

    def _batch_window(self) -> float:
        cadences = [s.cadence for s in self._serials.values() if s.cadence is not None]
        shortest = min(cadences, default=self.poll_interval_s)
        return min(BATCH_WINDOW_S, BATCH_WINDOW_SHARE * shortest)

    def _round_time(self, active: list[tuple[float, int, str]]) -> float:
        """When the round of the earliest due serial goes: at the last time among the serials
        due before every one of them runs out of its lag budget (``_deadline``), up to
        ``batch_size`` of them. A round of ``WIDE_ROUND`` serials or more may use the wider
        budget: the wait of one upload then saves the requests of several."""
        budget = self._batch_window()
        for sigmas in (WIDE_AIM_SIGMAS, AIM_LAG_SIGMAS):
            deadline = min(self._deadline(self._serials[sn], budget, sigmas) for _, _, sn in active)
            group = [due for due, _, _ in active if due <= deadline][: self.batch_size]
            if len(group) >= WIDE_ROUND:
                break
        return max(group)

    def _deadline(self, state: _Serial, budget: float, sigmas: float) -> float:
        """The latest a round may ask ``state`` and still keep its upload's lag within
        ``budget``: counted from where its upload was expected, that is its aim less how late
        an aim can be (``sigmas`` standard deviations of its upload times), and for a retry
        after a miss from the first aim, so a miss does not start the wait again. Never before
        its own time."""
        start = state.due
        if state.misses > 0 and state.idle_step == 0 and state.awaited is not None:
            start = state.awaited
        return max(state.due, start - sigmas * state.jitter + budget)

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

    def _minute_is_tight(self) -> bool:
        """Whether two more requests now would not both fit into the minute's budget."""
        now = self._clock.now()
        spent = sum(cost for at, cost in self._rounds if at > now - MINUTE_S)
        return spent + 2 > self.per_minute

    def _global_spacing(self) -> float:
        return MINUTE_S / self.per_minute * SPACING_SHARE

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
            if self._asked_early(state, now):
                # Rode along before its time and its upload is not there yet: nothing is
                # learned, it is asked at its own time as planned.
                return False
            state.misses += 1
            state.found_in_row = 0
            state.last_miss_at = now
            state.due = now + self._after_miss(state, now)
            return False
        p = plant_seconds(upload)
        if state.last_fresh_at is not None and now - state.last_fresh_at >= NIGHT_MIN_S:
            state.night = (state.last_fresh_at, now - state.last_fresh_at)
        self._learn(state, p, now)
        state.last_miss_at = None
        state.last_upload = upload
        state.last_fresh_at = now
        state.misses = 0
        state.idle_step = 0.0
        state.due = self._after_fresh(state, p, now)
        return True

    def _asked_early(self, state: _Serial, now: float) -> bool:
        """Whether ``state`` was asked ahead of its own time, riding a round (fleet rounds)."""
        return (
            self.batch_size > 1
            and state.misses == 0
            and state.idle_step == 0
            and now < state.due - ON_TIME_S
        )

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
            state.aim_floor = missed_at - p
            state.aimed = 0
        elif observed < state.offset - cadence / 2:
            logger.info("%s: uploads come earlier than learned; relearning", state.sn)
            state.offset = observed
            state.aim_floor = None
            state.descent = 0.0
            state.aimed = 0
        elif (
            continuous
            and state.misses == 0
            and now - state.due <= ON_TIME_S
            and not self._asked_early(state, now)
        ):
            # Found at once, asked when planned: aim a little earlier, by a small step (halved
            # once the aim has settled, ``FINE_AFTER``). Speeding up while it keeps working
            # doubled the share of misses, and a large change in the delay is caught by the
            # relearning above anyway; only an aim that has not missed once in
            # ``DESCENT_AFTER`` polls speeds up (``DESCENT_MAX_S``).
            # Asked later, held back by the budget in a crowded minute, finding it says little
            # about the aim: walking the aim earlier then only made the next crowded minute's
            # first asks miss (but see ``HELD_ABOVE_MISS_S``). In fleet rounds a miss costs a
            # round of its own (two requests on the Developer API): the step is smaller there.
            steady = self.batch_size > 1 and state.jitter < STEADY_JITTER_S
            step = (OFFSET_STEP_DOWN_BATCH_S if steady else OFFSET_STEP_DOWN_S) * self._fine(state)
            state.found_in_row += 1
            if state.aim_floor is None and state.found_in_row > DESCENT_AFTER:
                step = max(step, state.descent)
                state.descent = min(DESCENT_MAX_S, step * 2)
            else:
                state.descent = 0.0
            state.offset -= max(step, self._halfway_down(state))
        elif continuous and state.misses == 0 and self.batch_size > 1:
            # Asked late by design, at a round set by another serial: finding it says only that
            # the aim is not too late by more than the wait. Walking it earlier at every such
            # round moved the round's deadline earlier until the fleet no longer fitted into
            # one round; never walking it left the first aim (often a minute late, from the
            # sparse polls while learning) for good. So it walks until it first misses, and
            # from then on only comes down when far above its last miss.
            if state.aim_floor is None:
                state.offset -= OFFSET_STEP_DOWN_S
            else:
                state.offset -= self._halfway_down(state)
        elif (
            continuous
            and state.misses == 0
            and self.batch_size == 1
            and (state.aim_floor is None or state.offset - state.aim_floor > HELD_ABOVE_MISS_S)
        ):
            # Held back by the budget and found, with the aim far above its last miss: the
            # upload was there at the aim. Walk down, slowly.
            state.offset -= HELD_STEP_S
        elif continuous and missed_at is not None:
            state.aim_floor = missed_at - p
            state.offset += OFFSET_STEP_UP_S * self._fine(state)
        if continuous:
            state.aimed += 1

    def _fine(self, state: _Serial) -> float:
        """The share of the aim's walk steps: ``FINE_STEP_SHARE`` once the aim has settled."""
        settled = state.aimed >= FINE_AFTER and state.found_in_row <= FINE_STREAK
        if not settled:
            return 1.0
        return FINE_STEP_SHARE if self.batch_size == 1 else FINE_STEP_SHARE_BATCH

    def _halfway_down(self, state: _Serial) -> float:
        """How far to bring down, in fleet rounds, an aim far above where the serial last missed
        (the sparse polls while learning often leave it most of a minute late): halfway there,
        never nearer than ``FAR_ABOVE_MISS_S``. Walking that distance by small steps took hours,
        with the fleet's rounds grouped around the late aim all along."""
        lowest = state.aim_floor
        if self.batch_size == 1 or lowest is None or state.offset is None:
            return 0.0
        gap = state.offset - lowest
        return min(gap / 2, gap - FAR_ABOVE_MISS_S) if gap > FAR_ABOVE_MISS_S else 0.0

    def _expected_next(self, state: _Serial, now: float) -> float | None:
        """The wall time at which the next upload after ``now`` should be there."""
        cadence = state.cadence
        if cadence is None or state.offset is None or not state.plant_times:
            return None
        last = state.plant_times[-1]
        # Uploads jitter around a fixed rhythm: its phase is the mean of the recent ones (the
        # offset's walk absorbs the jitter, whose size fleet rounds budget for).
        phases = [t + round((last - t) / cadence) * cadence for t in state.plant_times]
        anchor = statistics.fmean(phases)
        state.jitter = statistics.pstdev(phases) if len(phases) > 1 else 0.0
        base = anchor + state.offset + self.margin_s
        steps = max(1, int((now - base) // cadence) + 1)
        return base + steps * cadence

    def _after_fresh(self, state: _Serial, p: float, now: float) -> float:
        expected = self._expected_next(state, now)
        state.awaited = expected
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
            return self._night_step(state, now, idle_for, state.idle_step)
        expected = self._expected_next(state, now)
        if expected is None:
            return self.poll_interval_s
        step = RETRY_STEPS_S[min(state.misses, len(RETRY_STEPS_S)) - 1]
        return min(step, expected - now)

    def _night_step(self, state: _Serial, now: float, idle_for: float, step: float) -> float:
        """The idle step ``step`` fitted to a night like the last one: longer in its middle, and
        from ``WAKE_LEAD_S`` before last night's wake-up time to as long after, short enough to
        see the wake-up within a cadence. Learned per serial from its own uploads, so an
        inverter that uploads all night (a battery system, an EPS event) is never idle at all,
        and a break that did not start when last night did (an outage in the day) keeps
        ``step``."""
        if state.night is None:
            return step
        went_quiet, length = state.night
        # Tonight's wake-up: last night's, moved on by whole days.
        wake = went_quiet + length
        wake += DAY_S * round((now - wake) / DAY_S)
        quiet_since = now - idle_for
        if abs(quiet_since - (wake - length)) > NIGHT_SLACK_S:
            return step
        until = wake - now
        if until > WAKE_LEAD_S:
            if idle_for < DEEP_IDLE_AFTER_S:
                return step
            return max(step, min(DEEP_IDLE_S, until - WAKE_LEAD_S))
        if until < -WAKE_LEAD_S:
            return step
        # Near the wake-up: halve the distance to it, never faster than the cadence.
        base = state.cadence or self.poll_interval_s
        return min(step, max(base, until / 2))

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
