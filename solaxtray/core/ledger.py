"""The request ledger: one record per request to SolaX Cloud, shared by every solaxtray process of
the user. Qt-free.

Why a file and a lock: the quota (under 10 requests a minute, 10,000 a day) belongs to the token,
not to a process. A restart, a second tray instance or a ``solaxtray fetch`` run next to the tray app
all spend the same budget, and going over it risks an hour-long ban (field notes, "Failures
seen"). So every process asks this ledger before each request, and the answer is read from one
small file under a ``filelock.FileLock``.

Budgets default to a margin under the published limits (9 a minute, 9,000 a day) and can only be
lowered: a higher value is clamped and logged. The windows are sliding (any 60 s, any 24 h), which
is stricter than calendar minutes and days and so safe whichever way the cloud counts.

How the minute stays under the limit *as the cloud counts it*, with many processes:

- **Reserved before sending, counted until the answer is back.** The cloud counts a request when
  it arrives, some time after we decided to send it and before its answer has come back. Counting
  it from the decision (as a single time stamp) let a slot free up a few milliseconds before the
  cloud's did, and processes waiting for that moment sent a tenth and eleventh request into the
  cloud's window. So ``try_acquire`` writes a *reservation* before the request leaves, and
  ``finish`` turns it into a record stamped when the answer was back. A request occupies our
  window from its reservation until ``MINUTE_S + WINDOW_MARGIN_S`` after its answer; wherever in
  between the cloud counted it, it leaves our window after it left the cloud's, so no sliding
  60 s of the cloud's can hold more than the budget. A reservation never finished (the process
  was killed in the middle of a request) ends ``HOLD_S`` after it began; a normal exit (Ctrl-C)
  finishes it.
- **Fair order, no starvation.** A caller refused for want of room takes a ticket in the file's
  queue, and a caller may use free room only when it is enough for everyone queued before it as
  well. Without the queue, processes that retry at the exact moment a slot frees (a loop of
  ``fetch`` runs) took every slot, and a ``watch`` that looked again a second later got nothing
  for minutes. A FIFO rather than an aging priority: the waits are at most about a minute and
  the queue holds one ticket per waiting process, so first come, first served bounds every
  waiter's wait by the few requests queued before it; starvation is impossible by construction,
  with nothing to tune. A ticket lapses when its holder does not come back within the wait it was
  given plus ``TICKET_GRACE_S`` (interrupted, gave up), so a dead process holds the queue up for
  seconds, never for good. Only minute-sized waits queue: when the day's budget is spent nobody
  gets anything for hours, and no one should hold a place that long.
- **Jitter.** Each wait handed out has up to ``JITTER_S`` added at random, so waiters told the same
  moment do not all wake together and meet at the lock (and the cloud) in the same millisecond.

What is stored, one line each, pruned to the last 24 hours; never the token:

- ``"<epoch> <serial>"``: a request whose answer came back at ``<epoch>`` (the old format, whose
  time was when the request was granted, reads the same);
- ``"<epoch> <serial> +<owner>"``: a reservation made at ``<epoch>`` whose answer is not back yet;
- ``"? <owner> <count> <since> <until>"``: a waiter's ticket.

A regular file we cannot read as a ledger (unreadable lines, or bigger than a ledger can get) is
repaired or set aside with a warning and counting starts fresh; a directory we cannot write at
all makes the ledger count in memory for this process only, with one warning, rather than stop
the app. Something that is not a regular file where the ledger should be (a named pipe, a device,
a directory) raises ``LedgerUnusable`` at once: it is never opened for blocking reads or writes.

Typical use (the Qt poller, the ``watch`` loop, ``fetch``)::

    ledger = RequestLedger(paths.ledger_path(), clock=SystemClock())
    if ledger.try_acquire(sn):
        try:
            client.fetch(sn)
        finally:
            ledger.finish(sn)
    else:
        retry_in = ledger.wait_time()

Over 500 lines: one file format shared by every process (the reservations, the queue of waiters,
the day's count), read and written under one lock; its rules hold only together.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import random
import stat
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from filelock import FileLock, Timeout

from solaxtray.core.clock import Clock
from solaxtray.core.errors import LedgerUnusable
from solaxtray.core.fileio import atomic_write_text
from solaxtray.core.i18n import N_, _
from solaxtray.core.quota import (
    DAY_S,
    MAX_PER_DAY,
    MAX_PER_MINUTE,
    MINUTE_S,
)

logger = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 5.0
"""Longer than any other process can hold the lock (a read and a write of a small file)."""
WINDOW_MARGIN_S = 0.5
"""Kept beyond the 60 s after an answer: time stamps are stored to the millisecond, and the cloud
may stamp a request a moment after its answer began."""
HOLD_S = 120.0
"""How long an unfinished reservation counts as in flight: longer than any request can take (the
transport's deadline, the tray's 60 s limit on a round), so only a killed process reaches it."""
JITTER_S = 1.0
"""The most added at random to a wait."""
RETRY_S = 0.5
"""The wait handed to a caller whose room is there but promised to someone queued before it."""
TICKET_GRACE_S = 10.0
"""How long past its wait a ticket is kept for a holder that has not come back."""
QUEUE_WAIT_S = MINUTE_S + WINDOW_MARGIN_S + 1.0
"""Waits up to this long (the minute's budget) take a place in the queue; longer ones (the day's)
do not."""
MAX_FILE_BYTES = 2 * 1024 * 1024
"""Far more than a day's records at the highest budget (about 0.5 MB): a bigger file is not a
ledger and is set aside without being read."""
_PRUNE_SLACK_S = 3_600.0
"""Records this much older than a day trigger a rewrite: pruning on every request would turn one
append into a rewrite of the whole file."""
_FUTURE_TOLERANCE_S = 5.0

_T = TypeVar("_T")

_NOT_A_FILE = {
    "fifo": N_(
        "The request ledger {path} is a named pipe, not a file: remove it or move it away, and "
        "solaxtray will start a new ledger there."
    ),
    "directory": N_(
        "The request ledger {path} is a directory, not a file: remove it or move it away, and "
        "solaxtray will start a new ledger there."
    ),
    "device": N_(
        "The request ledger {path} is a device, not a file: remove it or move it away, and "
        "solaxtray will start a new ledger there."
    ),
    "other": N_(
        "The request ledger {path} is not a regular file: remove it or move it away, and "
        "solaxtray will start a new ledger there."
    ),
}


def _clamp_budget(name: str, value: int, highest: int) -> int:
    if value > highest:
        logger.warning(
            "request budget %s=%d is above the safe limit; using %d instead", name, value, highest
        )
        return highest
    if value < 1:
        logger.warning("request budget %s=%d is below 1; using 1 instead", name, value)
        return 1
    return value


@dataclass(slots=True)
class _Record:
    t: float
    """When the answer came back; for a reservation (``owner`` set), when it was made."""
    sn: str
    owner: str | None = None
    """The ledger and thread whose request is still in flight; ``None`` once finished."""

    def end(self, now: float, *, strict: bool) -> float:
        """When the request stopped (or, strictly, may stop) being in flight. A reservation ends
        at the latest ``HOLD_S`` after it began; estimating, it is taken as ending now."""
        if self.owner is None:
            return self.t
        return self.t + HOLD_S if strict else max(self.t, now)


@dataclass(slots=True)
class _Ticket:
    owner: str
    count: int
    since: float
    until: float


@dataclass(slots=True)
class _State:
    records: list[_Record] = field(default_factory=list)
    tickets: list[_Ticket] = field(default_factory=list)
    rewrite: bool = False
    """The file must be written whole (something changed or went away)."""
    appended: list[_Record] = field(default_factory=list)
    """New records that an append is enough for, when nothing else changed."""


_open_ledgers: weakref.WeakSet[RequestLedger] = weakref.WeakSet()


@atexit.register
def _finish_at_exit() -> None:
    """A process ended with Ctrl-C in the middle of a request: its requests are done now, and
    other processes should not wait ``HOLD_S`` for them."""
    for ledger in list(_open_ledgers):
        with contextlib.suppress(Exception):
            ledger.finish_all()


class RequestBudget(Protocol):
    """What the watch loop, the Qt poller, the alarm lookup and the connection test need of the
    shared ledger: ``RequestLedger`` has it all, and test stand-ins implement it."""

    def try_acquire(self, sn: str, count: int = 1) -> bool: ...

    def wait_time(self, count: int = 1) -> float: ...

    def finish(self, sn: str, extra: int = 0) -> None: ...

    def settle(self, sn: str, spent: int) -> None: ...

    def charge(self, sn: str, count: int) -> None: ...

    def used_today(self) -> int: ...


class RequestLedger:
    """Counts requests to the cloud across processes and says whether one more is allowed now.

    Args:
        path: The ledger file (``paths.ledger_path()``); its directory is created when missing.
        clock: Wall-clock source; records are epoch seconds so every process agrees on them.
        per_minute: Budget in any 60 s window, at most ``MAX_PER_MINUTE`` (higher is clamped).
        per_day: Budget in any 24 h window, at most ``MAX_PER_DAY`` (higher is clamped).
        rng: Source of the jitter added to waits (seeded in tests).
        jitter_s: The most added to a wait at random (0 in tests that check exact waits).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock,
        per_minute: int = MAX_PER_MINUTE,
        per_day: int = MAX_PER_DAY,
        rng: random.Random | None = None,
        jitter_s: float = JITTER_S,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self.per_minute = _clamp_budget("per_minute", int(per_minute), MAX_PER_MINUTE)
        self.per_day = _clamp_budget("per_day", int(per_day), MAX_PER_DAY)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.jitter_s = max(0.0, float(jitter_s))
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)
        self._id = f"{os.getpid():x}x{random.getrandbits(24):06x}"
        """This ledger's name in the file: its tickets and, with the thread, its reservations."""
        self._memory: _State | None = None
        """Records kept in memory once the file proved unusable (None while the file works)."""
        self._mutex = threading.Lock()
        """Guards ``_memory`` (the file has its lock)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._fall_back_to_memory(exc)

    def __repr__(self) -> str:
        return (
            f"RequestLedger({str(self.path)!r}, per_minute={self.per_minute}, "
            f"per_day={self.per_day})"
        )

    # --- public ----------------------------------------------------------------------------------

    def try_acquire(self, sn: str, count: int = 1) -> bool:
        """Reserve ``count`` requests for ``sn`` and return True if the budget allows them all now
        and no earlier waiter needs the room; otherwise reserve nothing, take (or keep) a place in
        the queue, and return False (ask ``wait_time(count)`` when to try again).

        Call ``finish`` (or ``settle``) on the same thread once the requests' answers are back
        (or they failed): until then they count as in flight. ``count`` above one is for a
        backend that spends several requests on one round (the Developer API: its batch and
        battery requests).
        """
        return self._acquire(sn, count, queue=True)

    def try_acquire_once(self, sn: str, count: int = 1) -> bool:
        """``try_acquire`` for a caller that gives up when refused (a one-off connection test):
        a refusal, and a success too, leaves the queue as it was. A place taken by a caller that
        never comes back would hold up everyone queued after it until the place lapses, seconds
        after the room it waited for was free; and a place this ledger already holds is another
        caller's (the poller the tray's connection test shares the ledger with)."""
        return self._acquire(sn, count, queue=False)

    def _acquire(self, sn: str, count: int, *, queue: bool) -> bool:
        count = max(1, int(count))

        def act(state: _State, now: float) -> bool:
            if self._allowed(state, now, count):
                owner = self._owner()
                new = [_Record(now, sn, owner) for _ in range(count)]
                state.records.extend(new)
                state.appended.extend(new)
                if queue:  # a one-off caller does not take the place this ledger waits in
                    self._drop_ticket(state)
                _open_ledgers.add(self)
                return True
            if not queue:
                return False
            wait = self._estimate(state, now, count)
            if wait <= QUEUE_WAIT_S:
                self._keep_ticket(state, now, count, wait)
            else:
                self._drop_ticket(state)
            return False

        return self._transact(act, busy=False, note="waiting")

    def finish(self, sn: str, extra: int = 0) -> None:
        """The round reserved by ``try_acquire`` on this thread is over (answered, failed or
        given up): its requests count from now. ``extra`` more requests that the round really
        sent (a token renewal, a split batch) are recorded as well, whatever the budget says."""
        owner = self._owner()

        def act(state: _State, now: float) -> None:
            for record in state.records:
                if record.owner == owner:
                    record.t, record.owner = now, None
                    state.rewrite = True
            new = [_Record(now, sn) for _ in range(max(0, int(extra)))]
            state.records.extend(new)
            state.appended.extend(new)

        self._transact(act, busy=None, note="a finished request was not recorded")

    def settle(self, sn: str, spent: int) -> None:
        """The round reserved by ``try_acquire`` on this thread is over, and ``spent`` requests
        really left: that many count from now, as ``finish`` counts them. Reserved requests
        beyond ``spent`` were never sent (refused before they left, or made needless by an
        earlier failure), so the cloud never counted them: they are released, not recorded.
        Requests beyond the reservation (a token renewal) are recorded as well."""
        owner = self._owner()
        spent = max(0, int(spent))

        def act(state: _State, now: float) -> None:
            kept: list[_Record] = []
            used = 0
            for record in state.records:
                if record.owner == owner:
                    state.rewrite = True
                    if used >= spent:
                        continue  # never sent: released
                    record.t, record.owner = now, None
                    used += 1
                kept.append(record)
            state.records = kept
            new = [_Record(now, sn) for _ in range(spent - used)]
            state.records.extend(new)
            state.appended.extend(new)

        self._transact(act, busy=None, note="a finished request was not recorded")

    def finish_all(self) -> None:
        """Every reservation this ledger still holds, on any thread, is over now (at exit)."""
        prefix = self._id + "."

        def act(state: _State, now: float) -> None:
            for record in state.records:
                if record.owner is not None and record.owner.startswith(prefix):
                    record.t, record.owner = now, None
                    state.rewrite = True
            self._drop_ticket(state)

        self._transact(act, busy=None, note="finished requests were not recorded")
        _open_ledgers.discard(self)

    def charge(self, sn: str, count: int) -> None:
        """Record ``count`` requests already sent, whatever the budget says, so later requests
        wait for them (``finish(sn, extra)`` does the same for a round's extra requests)."""
        if count < 1:
            return

        def act(state: _State, now: float) -> None:
            new = [_Record(now, sn) for _ in range(count)]
            state.records.extend(new)
            state.appended.extend(new)

        self._transact(act, busy=None, note=f"{count} request(s) not recorded")

    def wait_time(self, count: int = 1) -> float:
        """Seconds until ``try_acquire`` (of ``count`` requests) may succeed: 0 when it would
        now. It includes this caller's place in the queue and a little jitter; a caller that
        holds a place keeps it by coming back within this wait."""
        count = max(1, int(count))

        def act(state: _State, now: float) -> float:
            if self._allowed(state, now, count):
                return 0.0
            wait = self._estimate(state, now, count)
            if self._ticket(state) is not None:
                if wait <= QUEUE_WAIT_S:
                    self._keep_ticket(state, now, count, wait)
                else:
                    self._drop_ticket(state)
            return wait + self._jitter()

        # Being unable to look counts as "full for a moment": never guess in the unsafe way.
        return self._transact(act, busy=MINUTE_S, note="waiting")

    def used_last_minute(self) -> int:
        """Requests in the last 60 s (those in flight included), by every process of the user."""
        return self._count_within(MINUTE_S)

    def used_today(self) -> int:
        """Requests in the last 24 h (those in flight included), by every process of the user."""
        return self._count_within(DAY_S)

    # --- the rules -------------------------------------------------------------------------------

    def _owner(self) -> str:
        return f"{self._id}.{threading.get_ident():x}"

    def _ticket(self, state: _State) -> _Ticket | None:
        return next((t for t in state.tickets if t.owner == self._id), None)

    def _ahead(self, state: _State) -> int:
        """Requests queued before this ledger's ticket (all of them without a ticket)."""
        ahead = 0
        for ticket in state.tickets:  # in the order they were taken: the file keeps it
            if ticket.owner == self._id:
                break
            ahead += ticket.count
        return ahead

    def _budgets(self) -> tuple[tuple[float, int], tuple[float, int]]:
        return ((MINUTE_S, self.per_minute), (DAY_S, self.per_day))

    def _allowed(self, state: _State, now: float, count: int) -> bool:
        """Room now for ``count`` more (a round bigger than a window is asked as the whole
        window) after everyone queued before us, counting requests in flight as unfinished."""
        ahead = self._ahead(state)
        for span, budget in self._budgets():
            used = sum(
                1 for r in state.records if r.end(now, strict=True) + span + WINDOW_MARGIN_S > now
            )
            if used + ahead + min(count, budget) > budget:
                return False
        return True

    def _estimate(self, state: _State, now: float, count: int) -> float:
        """When ``count`` more should fit after those queued before us, taking requests in flight
        as finished now (a waiter that comes back too early asks again)."""
        ahead = self._ahead(state)
        wait = 0.0
        for span, budget in self._budgets():
            need = min(ahead + min(count, budget), budget)
            frees = sorted(
                e
                for r in state.records
                if (e := r.end(now, strict=False) + span + WINDOW_MARGIN_S) > now
            )
            room = budget - need
            if len(frees) > room:
                wait = max(wait, frees[len(frees) - room - 1] - now)
        # Room that is there but promised to someone before us: look again shortly.
        return max(wait, RETRY_S)

    def _jitter(self) -> float:
        return self._rng.uniform(0.0, self.jitter_s) if self.jitter_s > 0 else 0.0

    def _keep_ticket(self, state: _State, now: float, count: int, wait: float) -> None:
        """Take a place in the queue, or keep ours: its holder is expected back within
        ``wait`` (at least a second: some callers never look again sooner) plus jitter and grace."""
        if self._memory is not None:
            return  # one process: nobody to be fair to
        until = now + max(wait, 1.0) + self.jitter_s + TICKET_GRACE_S
        mine = self._ticket(state)
        count = min(count, self.per_minute)
        if mine is None:
            state.tickets.append(_Ticket(self._id, count, now, until))
        else:
            mine.count, mine.until = count, until
        state.rewrite = True
        _open_ledgers.add(self)

    def _drop_ticket(self, state: _State) -> None:
        before = len(state.tickets)
        state.tickets = [t for t in state.tickets if t.owner != self._id]
        if len(state.tickets) != before:
            state.rewrite = True

    def _count_within(self, span: float) -> int:
        def act(state: _State, now: float) -> int:
            return sum(1 for r in state.records if r.end(now, strict=True) > now - span)

        return self._transact(act, busy=self.per_minute, note="counting")

    # --- storage ---------------------------------------------------------------------------------

    def _transact(self, act: Callable[[_State, float], _T], *, busy: _T, note: str) -> _T:
        """Run ``act`` on the ledger's state under the lock and store what it changed. The time
        it gets is read once the lock is held: a time read before waiting for the lock would be
        stale, and records written meanwhile would look as if they came from the future.
        ``busy`` is the answer when another process holds the lock too long."""
        if self._memory is not None:
            with self._mutex:
                now = self._clock.now()
                self._prune(self._memory, now)
                return act(self._memory, now)
        try:
            with self._lock:
                now = self._clock.now()
                state = self._load(now)
                result = act(state, now)
                self._store(state)
                return result
        except Timeout:
            logger.warning("request ledger %s is locked by another process; %s", self.path, note)
            return busy
        except OSError as exc:
            self._fall_back_to_memory(exc)
            return self._transact(act, busy=busy, note=note)

    def _load(self, now: float) -> _State:
        raw = self._read_file()
        state = _State()
        if raw is None:
            return state
        bad = 0
        for line in raw.splitlines():
            parts = line.split()
            if not parts:
                continue
            if parts[0] == b"?":
                ticket = _parse_ticket(parts)
                if ticket is None:
                    bad += 1
                else:
                    state.tickets.append(ticket)
                continue
            try:
                t = float(parts[0])
            except ValueError:
                bad += 1
                continue
            if not math.isfinite(t):
                bad += 1
                continue
            sn = parts[1].decode("ascii", "replace") if len(parts) > 1 else "-"
            owner = None
            if len(parts) > 2 and parts[2].startswith(b"+"):
                owner = parts[2][1:].decode("ascii", "replace") or None
            state.records.append(_Record(t, sn, owner))
        if bad:
            logger.warning(
                "request ledger %s had %d unreadable line(s); they were dropped", self.path, bad
            )
            state.rewrite = True
        self._prune(state, now)
        return state

    def _prune(self, state: _State, now: float) -> None:
        """Forget what can no longer count; keep counting what the clock seems to have left
        behind (times ahead of our clock after it was set back count as now)."""
        kept: list[_Record] = []
        for record in state.records:
            if record.t > now + _FUTURE_TOLERANCE_S:
                record.t = now
                state.rewrite = True
            end = record.end(now, strict=True)
            if end + WINDOW_MARGIN_S <= now - DAY_S:
                if end <= now - DAY_S - _PRUNE_SLACK_S:
                    state.rewrite = True
                continue
            kept.append(record)
        state.records = kept
        live = [t for t in state.tickets if now <= t.until <= now + QUEUE_WAIT_S * 2]
        if len(live) != len(state.tickets):
            state.tickets = live
            state.rewrite = True
        for ticket in state.tickets:
            if ticket.since > now + _FUTURE_TOLERANCE_S:
                ticket.since = now
                state.rewrite = True

    def _read_file(self) -> bytes | None:
        """The file's bytes, ``None`` when there is none (or it was set aside). Never blocks:
        opened non-blocking and read only when it is a regular file of a ledger's size."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except IsADirectoryError:  # Windows cannot open a directory at all
            raise self._unusable("directory") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise self._unusable(_kind_of(info.st_mode))
            too_big = info.st_size > MAX_FILE_BYTES
            data = None if too_big else _read_at_most(fd, MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
        if data is None or len(data) > MAX_FILE_BYTES:
            self._set_aside(f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            return None
        return data

    def _unusable(self, kind: str) -> LedgerUnusable:
        logger.info("request ledger %s is not a regular file (%s)", self.path, kind)
        return LedgerUnusable(_(_NOT_A_FILE[kind]).format(path=self.path))

    def _set_aside(self, reason: str) -> None:
        """Rename a damaged ledger to ``<name>.corrupt-<time>``; counting starts fresh."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        os.replace(self.path, target)
        logger.warning(
            "request ledger %s was set aside as %s (%s); counting starts fresh",
            self.path,
            target.name,
            reason,
        )

    def _store(self, state: _State) -> None:
        if state.rewrite:
            self._rewrite(state)
        elif state.appended:
            self._append(state.appended)
        state.rewrite = False
        state.appended = []

    def _append(self, records: list[_Record]) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.path, flags | getattr(os, "O_BINARY", 0), 0o600)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise self._unusable(_kind_of(info.st_mode))
            os.write(fd, "".join(_line(r) for r in records).encode("ascii"))
        finally:
            os.close(fd)

    def _rewrite(self, state: _State) -> None:
        """Replace the file atomically so a crash mid-write never loses the other records."""
        text = "".join(_line(r) for r in sorted(state.records, key=lambda r: r.t))
        text += "".join(_ticket_line(t) for t in state.tickets)
        atomic_write_text(self.path, text, encoding="ascii")

    def _fall_back_to_memory(self, exc: OSError) -> None:
        if self._memory is None:
            logger.warning(
                "cannot use the request ledger %s (%s); counting requests in this process only",
                self.path,
                exc.strerror or type(exc).__name__,
            )
            self._memory = _State()


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(64 * 1024, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _parse_ticket(parts: list[bytes]) -> _Ticket | None:
    if len(parts) != 5:
        return None
    try:
        owner = parts[1].decode("ascii")
        count, since, until = int(parts[2]), float(parts[3]), float(parts[4])
    except (UnicodeDecodeError, ValueError):
        return None
    if not owner.isalnum() or count < 1 or not (math.isfinite(since) and math.isfinite(until)):
        return None
    return _Ticket(owner, min(count, MAX_PER_MINUTE), since, until)


def _line(record: _Record) -> str:
    # The serial is kept to explain where a budget went; counting never needs it.
    safe = "".join(c for c in record.sn if c.isalnum())[:32] or "-"
    if record.owner is None:
        return f"{record.t:.3f} {safe}\n"
    return f"{record.t:.3f} {safe} +{record.owner}\n"


def _ticket_line(ticket: _Ticket) -> str:
    return f"? {ticket.owner} {ticket.count} {ticket.since:.3f} {ticket.until:.3f}\n"
