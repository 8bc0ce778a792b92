"""The request ledger: one record per request to SolaX Cloud, shared by every solaxtray process of
the user. Qt-free.

Why a file and a lock: the quota (under 10 requests a minute, 10,000 a day) belongs to the token,
not to a process. A restart, a second tray instance or a ``solaxtray fetch`` run next to the tray app
all spend the same budget, and going over it risks an hour-long ban (field notes, "Failures
seen"). So every process asks this ledger before each request, and the answer is read from one
small file under a ``filelock.FileLock``.

What is stored: the epoch time and the serial of each request, one ``"<epoch> <serial>"`` line,
pruned to the last 24 hours. Never the token.

Budgets default to a margin under the published limits (9 a minute, 9,000 a day) and can only be
lowered: a higher value is clamped and logged. The windows are sliding (any 60 s, any 24 h), which
is stricter than calendar minutes and days and so safe whichever way the cloud counts.

A file we cannot read as a ledger (corrupt, truncated, someone else's) is set aside with a warning
and counting starts fresh; a directory we cannot write at all makes the ledger count in memory for
this process only, with one warning, rather than stop the app.

Typical use (the Qt poller and the ``watch`` loop)::

    ledger = RequestLedger(paths.ledger_path(), clock=SystemClock())
    if ledger.try_acquire(sn):
        client.fetch(sn)
    else:
        retry_in = ledger.wait_time()
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from solaxtray.core.clock import Clock

logger = logging.getLogger(__name__)

PUBLISHED_PER_MINUTE = 10
PUBLISHED_PER_DAY = 10_000
MAX_PER_MINUTE = 9
"""The highest per-minute budget we accept: one under the published limit, as a safety margin."""
MAX_PER_DAY = 9_000
MINUTE_S = 60.0
DAY_S = 86_400.0
LOCK_TIMEOUT_S = 5.0
"""Longer than any other process can hold the lock (a read and an append)."""
_PRUNE_SLACK_S = 3_600.0
"""Records this much older than a day trigger a rewrite: pruning on every request would turn one
append into a rewrite of the whole file."""
_FUTURE_TOLERANCE_S = 5.0


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


class RequestLedger:
    """Counts requests to the cloud across processes and says whether one more is allowed now.

    Args:
        path: The ledger file (``paths.ledger_path()``); its directory is created when missing.
        clock: Wall-clock source; records are epoch seconds so every process agrees on them.
        per_minute: Budget in any 60 s window, at most ``MAX_PER_MINUTE`` (higher is clamped).
        per_day: Budget in any 24 h window, at most ``MAX_PER_DAY`` (higher is clamped).
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock,
        per_minute: int = MAX_PER_MINUTE,
        per_day: int = MAX_PER_DAY,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self.per_minute = _clamp_budget("per_minute", int(per_minute), MAX_PER_MINUTE)
        self.per_day = _clamp_budget("per_day", int(per_day), MAX_PER_DAY)
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)
        self._memory: list[float] | None = None
        """Records kept in memory once the file proved unusable (None while the file works)."""
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
        """Record ``count`` requests for ``sn`` and return True if the budget allows them all now;
        otherwise record nothing and return False (ask ``wait_time(count)`` when to try again).

        ``count`` above one is for a backend that spends several requests on one round (the
        Developer API: its batch and battery requests). One lock, one read and (when allowed) one
        append: cheap enough for every request.
        """
        count = max(1, int(count))
        now = self._clock.now()
        if self._memory is not None:
            if self._wait(self._memory, now, count) > 0:
                return False
            self._memory.extend([now] * count)
            return True
        try:
            with self._lock:
                records, rewrite = self._read(now)
                if self._wait([t for t, _ in records], now, count) > 0:
                    if rewrite:
                        self._rewrite(records)
                    return False
                records.extend([(now, sn)] * count)
                if rewrite:
                    self._rewrite(records)
                else:
                    self._append(now, sn, count)
                return True
        except Timeout:
            logger.warning("request ledger %s is locked by another process; waiting", self.path)
            return False
        except OSError as exc:
            self._fall_back_to_memory(exc)
            return self.try_acquire(sn, count)

    def charge(self, sn: str, count: int) -> None:
        """Record ``count`` requests already sent, whatever the budget says (a token renewal or a
        retry the round needed beyond what ``try_acquire`` took), so later requests wait for
        them."""
        if count < 1:
            return
        now = self._clock.now()
        if self._memory is not None:
            self._memory.extend([now] * count)
            return
        try:
            with self._lock:
                self._append(now, sn, count)
        except Timeout:
            logger.warning(
                "request ledger %s is locked; %d request(s) not recorded", self.path, count
            )
        except OSError as exc:
            self._fall_back_to_memory(exc)
            self.charge(sn, count)

    def wait_time(self, count: int = 1) -> float:
        """Seconds until ``try_acquire`` (of ``count`` requests) would succeed (0 when it would
        now)."""
        now = self._clock.now()
        return self._wait(self._snapshot(now), now, max(1, int(count)))

    def used_last_minute(self) -> int:
        """Requests in the last 60 s, by every process of the user."""
        now = self._clock.now()
        return sum(1 for t in self._snapshot(now) if t > now - MINUTE_S)

    def used_today(self) -> int:
        """Requests in the last 24 h, by every process of the user."""
        now = self._clock.now()
        return sum(1 for t in self._snapshot(now) if t > now - DAY_S)

    # --- internals -------------------------------------------------------------------------------

    def _wait(self, times: list[float], now: float, count: int = 1) -> float:
        """When ``count`` more requests fit in both windows. More than a whole window's budget
        never fits: it is asked for as the whole budget (the caller's round is as big as it gets)."""
        minute = sorted(t for t in times if t > now - MINUTE_S)
        day = sorted(t for t in times if t > now - DAY_S)
        wait = 0.0
        room = self.per_minute - min(count, self.per_minute)
        if len(minute) > room:
            oldest = minute[len(minute) - room - 1]
            wait = max(wait, oldest + MINUTE_S - now)
        room = self.per_day - min(count, self.per_day)
        if len(day) > room:
            oldest = day[len(day) - room - 1]
            wait = max(wait, oldest + DAY_S - now)
        return max(0.0, wait)

    def _snapshot(self, now: float) -> list[float]:
        if self._memory is not None:
            return list(self._memory)
        try:
            with self._lock:
                records, _ = self._read(now)
                return [t for t, _ in records]
        except Timeout:
            logger.warning("request ledger %s is locked by another process", self.path)
            # Being unable to look counts as "full for a moment": never guess in the unsafe way.
            return [now] * self.per_minute
        except OSError as exc:
            self._fall_back_to_memory(exc)
            return list(self._memory or [])

    def _read(self, now: float) -> tuple[list[tuple[float, str]], bool]:
        """The records of the last day, and whether the file should be rewritten (old records to
        drop, lines that did not parse, or times ahead of our clock after it was set back)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], False
        records: list[tuple[float, str]] = []
        bad = 0
        rewrite = False
        for line in raw.splitlines():
            parts = line.split()
            try:
                t = float(parts[0])
            except (ValueError, IndexError):
                bad += 1
                continue
            if not math.isfinite(t):
                bad += 1
                continue
            if t > now + _FUTURE_TOLERANCE_S:
                # The wall clock went back: keep the request counted, at the present.
                t = now
                rewrite = True
            if t <= now - DAY_S:
                if t <= now - DAY_S - _PRUNE_SLACK_S:
                    rewrite = True
                continue
            records.append((t, parts[1].decode("ascii", "replace") if len(parts) > 1 else "-"))
        if bad:
            logger.warning(
                "request ledger %s had %d unreadable line(s); they were dropped", self.path, bad
            )
            rewrite = True
        return records, rewrite

    def _append(self, t: float, sn: str, count: int = 1) -> None:
        with self.path.open("a", encoding="ascii") as fh:
            fh.write(_line(t, sn) * count)

    def _rewrite(self, records: Iterable[tuple[float, str]]) -> None:
        """Replace the file atomically so a crash mid-write never loses the other records."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="ascii") as fh:
            fh.writelines(_line(t, sn) for t, sn in sorted(records))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def _fall_back_to_memory(self, exc: OSError) -> None:
        if self._memory is None:
            logger.warning(
                "cannot use the request ledger %s (%s); counting requests in this process only",
                self.path,
                exc.strerror or type(exc).__name__,
            )
            self._memory = []


def _line(t: float, sn: str) -> str:
    # The serial is kept to explain where a budget went; counting never needs it.
    safe = "".join(c for c in sn if c.isalnum())[:32] or "-"
    return f"{t:.3f} {safe}\n"
