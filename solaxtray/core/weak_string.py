"""A weak string: one PV input giving persistently less than its usual share. Qt-free.

The rule (``find_weak_string``) is a pure function over stored uploads (``core.history``): for
each MPPT input it compares today's share of the inverter's PV power with the share the same
input had at the same hour on the previous days. Shares, not watts, so that a cloudy day that
dims every string alike changes nothing; and only uploads with good light (PV power at least
``MIN_LIGHT_FRACTION`` of what that hour usually gives), because under a grey sky strings facing
different ways converge to the same share, which would look like a drop. An input is weak when
its share stays ``threshold`` or more under its usual for ``min_duration_s`` in a row. One
warning a day per inverter (``WeakStringMonitor``), naming the input and the drop; an inverter
with one input has nothing to compare with and is never checked.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from solaxtray.core.alerts import Alert, AlertKind, Severity, inverter_name
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import format_number, format_time
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_percent

logger = logging.getLogger(__name__)

DROP_THRESHOLD = 0.25
"""An input whose share falls a quarter or more under its usual share is weak."""
MIN_DURATION_S = 90 * 60.0
"""The drop must last this long in a row (passing shade from a chimney is not a weak string)."""
MIN_PAST_DAYS = 2
"""Previous days with uploads at that hour needed before an hour is compared."""
PAST_DAYS = 7
"""How many previous days the usual share is taken from."""
MIN_LIGHT_W = 200.0
MIN_LIGHT_FRACTION = 0.5
"""An upload is compared only when the PV power is at least this much (watts, and a fraction of
the usual PV power at that hour): dawn, dusk and grey skies tell nothing about shares."""
CHECK_EVERY_S = 30 * 60.0
"""``WeakStringMonitor`` reads the history at most this often."""

# Whole sentences with placeholders, so that they can be translated as they are.
TITLE = N_("PV input {mppt} weaker than usual — {name}")
BODY = N_(
    "PV input {mppt} of SN {sn} has given {share} of the PV power since {since} plant time, "
    "where it usually gives {usual} at these hours: {drop} less than usual for {duration}. "
    "Look for new shade, dirt or a damaged panel or cable on that string."
)
EVIDENCE = N_(
    "PV input {mppt}: {share} of the PV power from {since} to {until} plant time, usually "
    "{usual} at these hours ({days} previous days)."
)


@dataclass(frozen=True, slots=True)
class WeakString:
    """The evidence for one weak input of one inverter on one day."""

    sn: str
    mppt: int
    """The input's number as SolaX counts them (1 to 4)."""
    share: float
    """Its mean share of the PV power over the weak stretch (0 to 1)."""
    usual_share: float
    """Its usual share at those hours on the previous days (0 to 1)."""
    since: datetime
    until: datetime
    """Plant-local times of the first and last upload of the weak stretch."""
    days_compared: int

    @property
    def drop(self) -> float:
        """How much less than usual, as a fraction of the usual share."""
        return 1.0 - self.share / self.usual_share if self.usual_share > 0 else 0.0

    @property
    def duration_s(self) -> float:
        return (self.until - self.since).total_seconds()

    def details(self) -> dict[str, object]:
        return {
            "mppt": self.mppt,
            "share_pct": round(self.share * 100, 1),
            "usual_share_pct": round(self.usual_share * 100, 1),
            "drop_pct": round(self.drop * 100),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "days_compared": self.days_compared,
        }

    def evidence(self) -> str:
        """The detail window's line."""
        return _(EVIDENCE).format(
            mppt=self.mppt,
            share=_pct(self.share),
            since=format_time(self.since),
            until=format_time(self.until),
            usual=_pct(self.usual_share),
            days=self.days_compared,
        )


def _pct(fraction: float) -> str:
    return format_percent(fraction * 100)


def _inputs(snap: Snapshot) -> list[int]:
    return [i for i, p in enumerate(snap.pv_power) if p is not None]


def mppt_count(rows: Iterable[Snapshot]) -> int:
    """How many PV inputs the inverter reports (the most any upload had)."""
    return max((len(_inputs(s)) for s in rows), default=0)


def _shares(snap: Snapshot) -> tuple[float, dict[int, float]] | None:
    values = {i: max(0.0, float(p)) for i, p in enumerate(snap.pv_power) if p is not None}
    total = sum(values.values())
    if len(values) < 2 or total <= 0:
        return None
    return total, {i: v / total for i, v in values.items()}


def find_weak_string(
    rows: Sequence[Snapshot],
    day: date,
    *,
    threshold: float = DROP_THRESHOLD,
    min_duration_s: float = MIN_DURATION_S,
    past_days: int = PAST_DAYS,
    min_past_days: int = MIN_PAST_DAYS,
) -> WeakString | None:
    """The weakest input of one inverter on the plant-local ``day``, if one is weak.

    ``rows`` are one serial's stored uploads of ``day`` and the days before (any order; others
    are ignored). Uploads without a plant time or with fewer than two inputs are skipped.
    """
    if not rows:
        return None
    sn = rows[0].sn
    first_past = day - timedelta(days=past_days)
    # (input, hour) -> the share on each previous day (one median per day); hour -> PV power.
    past_share: dict[tuple[int, int], dict[date, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    past_total: dict[int, list[float]] = defaultdict(list)
    today: list[tuple[datetime, float, dict[int, float]]] = []
    for snap in rows:
        at = snap.upload_time
        if at is None or snap.sn != sn:
            continue
        shares = _shares(snap)
        if shares is None:
            continue
        total, by_input = shares
        if at.date() == day:
            today.append((at, total, by_input))
        elif first_past <= at.date() < day and total >= MIN_LIGHT_W:
            past_total[at.hour].append(total)
            for i, share in by_input.items():
                past_share[(i, at.hour)][at.date()].append(share)
    usual_share: dict[tuple[int, int], tuple[float, int]] = {}
    for key, per_day in past_share.items():
        if len(per_day) >= min_past_days:
            daily = [statistics.median(v) for v in per_day.values()]
            usual_share[key] = (statistics.median(daily), len(per_day))
    usual_total = {h: statistics.median(v) for h, v in past_total.items()}
    today.sort(key=lambda item: item[0])
    best: WeakString | None = None
    for i in sorted({i for _day, _powers, s in today for i in s}):
        found = _weakest_run(sn, i, today, usual_share, usual_total, threshold, min_duration_s)
        if found is not None and (best is None or found.drop > best.drop):
            best = found
    return best


def _weakest_run(  # noqa: PLR0917 - one private helper of find_weak_string
    sn: str,
    i: int,
    today: list[tuple[datetime, float, dict[int, float]]],
    usual_share: dict[tuple[int, int], tuple[float, int]],
    usual_total: dict[int, float],
    threshold: float,
    min_duration_s: float,
) -> WeakString | None:
    """The longest stretch of good-light uploads where input ``i`` stays under its usual share
    by ``threshold``; a good-light upload at its usual share ends a stretch, a dim one does not."""
    best: WeakString | None = None
    run: list[tuple[datetime, float, float, int]] = []

    def close() -> None:
        nonlocal best
        if len(run) >= 2 and (run[-1][0] - run[0][0]).total_seconds() >= min_duration_s:
            share = statistics.fmean(r[1] for r in run)
            usual = statistics.fmean(r[2] for r in run)
            found = WeakString(
                sn, i + 1, share, usual, run[0][0], run[-1][0], min(r[3] for r in run)
            )
            if best is None or found.duration_s > best.duration_s:
                best = found

    for at, total, shares in today:
        usual = usual_share.get((i, at.hour))
        light = usual_total.get(at.hour)
        if usual is None or light is None or i not in shares:
            continue
        if total < max(MIN_LIGHT_W, MIN_LIGHT_FRACTION * light):
            continue  # too dim to tell
        if usual[0] > 0 and shares[i] <= usual[0] * (1.0 - threshold):
            run.append((at, shares[i], usual[0], usual[1]))
        else:
            close()
            run = []
    close()
    return best


def weak_string_alert(found: WeakString, snap: Snapshot | None, now: float) -> Alert:
    """The day's warning for ``found``."""
    body = _(BODY).format(
        mppt=found.mppt,
        sn=found.sn,
        share=_pct(found.share),
        since=format_time(found.since),
        usual=_pct(found.usual_share),
        drop=format_percent(found.drop * 100),
        duration=_hours(found.duration_s),
    )
    title = _(TITLE).format(mppt=found.mppt, name=inverter_name(snap))
    return Alert(
        AlertKind.WEAK_STRING,
        Severity.WARNING,
        found.sn,
        title,
        body,
        now,
        details={"weak_string": found.details()},
    )


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    whole = int(minutes // 60)
    return ngettext("{hours} hour", "{hours} hours", whole).format(
        hours=format_number(minutes / 60, 1)
    )


RowsFn = Callable[[str, date, date], Sequence[Snapshot]]
"""One serial's stored uploads of the plant-local days ``first`` to ``last``."""


@dataclass(frozen=True, slots=True)
class WeakStringCheck:
    """One inverter's history read and judged for one plant-local day: what
    ``WeakStringMonitor.evaluate`` gives (the slow part, off the GUI thread in the tray) and
    ``apply`` turns into at most one warning a day."""

    sn: str
    day: date
    found: WeakString | None
    readable: bool = True
    """False when the history could not be read or judged (the warning just waits)."""


class WeakStringMonitor:
    """Runs ``find_weak_string`` now and then on the history and warns once a day per inverter.

    Off for an inverter with one PV input (nothing to compare it with). The evidence of the
    day's finding stays available for the detail window (``finding``). ``check`` does it all at
    once; the tray splits it: ``wants`` and ``evaluate`` (reads about 2,000 rows) on its worker
    thread, ``apply`` with the result on the GUI thread, where the monitor's state changes.
    """

    def __init__(self, rows: RowsFn, *, check_every_s: float = CHECK_EVERY_S) -> None:
        self._rows = rows
        self.check_every_s = check_every_s
        self._last_check: dict[str, float] = {}
        self._warned: dict[str, date] = {}
        self._findings: dict[str, WeakString] = {}

    def check(self, snap: Snapshot, now: float) -> list[Alert]:
        """After a fresh upload of ``snap.sn``: read its history if it is time, and warn once a
        day. Never raises for a history that cannot be read (the warning just waits)."""
        if not self.wants(snap, now):
            return []
        return self.apply(snap, now, self.evaluate(snap))

    def wants(self, snap: Snapshot, now: float) -> bool:
        """Whether an upload of ``snap`` is due a look at the history (at most every
        ``check_every_s`` per inverter, and only with two PV inputs or more). Changes nothing."""
        if snap.upload_time is None or len(_inputs(snap)) < 2:
            return False
        last = self._last_check.get(snap.sn)
        return last is None or now - last >= self.check_every_s

    def evaluate(self, snap: Snapshot) -> WeakStringCheck:
        """Read ``snap.sn``'s history of the past days and look for a weak input. Blocking, and
        touches no state of the monitor: safe on a worker thread while the GUI reads it."""
        day = snap.upload_time.date() if snap.upload_time is not None else date.min
        try:
            rows = self._rows(snap.sn, day - timedelta(days=PAST_DAYS), day)
            found = find_weak_string(rows, day)
        except Exception:  # the history is a bonus: a broken read must not stop the alerts
            logger.exception("weak-string check: the history of %s could not be read", snap.sn)
            return WeakStringCheck(snap.sn, day, None, readable=False)
        return WeakStringCheck(snap.sn, day, found)

    def apply(self, snap: Snapshot, now: float, result: WeakStringCheck) -> list[Alert]:
        """Keep ``result`` (of ``evaluate``) as the day's evidence and warn, once a day."""
        self._last_check[snap.sn] = now
        finding = self._findings.get(snap.sn)
        if finding is not None and finding.since.date() != result.day:
            del self._findings[snap.sn]
        found = result.found
        if found is None:
            return []
        self._findings[snap.sn] = found
        if self._warned.get(snap.sn) == result.day:
            return []
        self._warned[snap.sn] = result.day
        logger.info(
            "weak string on %s: input %d, %.0f %% under", snap.sn, found.mppt, found.drop * 100
        )
        return [weak_string_alert(found, snap, now)]

    def finding(self, sn: str) -> WeakString | None:
        """Today's evidence for ``sn``, if a weak input was found."""
        return self._findings.get(sn)
