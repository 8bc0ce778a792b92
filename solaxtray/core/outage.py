"""EPS mode with numbers: since when, the load on the EPS outputs, the battery and the time left.
Qt-free.

``estimate_time_left`` is a pure function over the uploads seen during the episode: from the SOC
slope (a least-squares line, so SOC's whole-percent steps and noise average out), and, when the
user gave the battery's capacity, from the energy left and the battery's measured discharge,
down to the reserve (SolaX's "Min SOC", where the inverter stops discharging), not to empty. It
says nothing (``None``) after one upload only, and nothing while the battery charges or holds
steady: the wording must say only what the data shows.

``OutageTracker`` follows each inverter's EPS episodes on fresh uploads and adds, to the alerts
the rules raise, one follow-up when the battery falls to the low-battery threshold during the
episode ("battery 20 %, about 40 min left") and, on the recovery alert, how the battery's charge
went. ``outage_lines`` gives the detail window, tooltip and menu their lines.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from solaxtray.core.alerts import Alert, AlertKind, Severity, inverter_name
from solaxtray.core.i18n import N_, _
from solaxtray.core.locale_format import format_number, format_time
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import format_energy, format_percent, format_power

logger = logging.getLogger(__name__)

MIN_UPLOADS = 2
"""Uploads of the episode needed before any time left is estimated."""
WINDOW_UPLOADS = 12
"""The slope is fitted over at most this many of the latest uploads (an hour at 5 min): the
load changes, and the latest hour says more about the next than the first did."""
FALLING_PCT_PER_H = 0.5
"""A SOC falling slower than this (percent an hour) is holding steady, not running down."""
MIN_CHANGE_PCT = 1.0
"""The fitted line must move at least this many points over the window: SOC comes in whole
percents, so less is within its rounding."""
DISCHARGING_W = 50.0
"""Battery discharge at or above this counts as discharging."""
MAX_ESTIMATE_H = 72.0
"""Longer estimates are not worth a number: they are shown as "more than 3 days"."""


@dataclass(frozen=True, slots=True)
class SocPoint:
    """One upload during the episode: seconds on any fixed scale, the SOC, the battery power
    (positive charges, negative discharges) when known."""

    t: float
    soc: float
    bat_power: float | None = None


class Trend:
    """What the battery does, as far as the uploads show."""

    UNKNOWN = "unknown"
    """One upload only, or no SOC."""
    FALLING = "falling"
    STEADY = "steady"
    RISING = "rising"


@dataclass(frozen=True, slots=True)
class Estimate:
    """The battery's course and, when it runs down, the minutes left down to the reserve."""

    trend: str
    minutes_left: float | None
    basis: str | None = None
    """``"capacity"`` (energy left over measured discharge) or ``"slope"`` (SOC over time)."""
    slope_pct_per_h: float | None = None
    at_reserve: bool = False
    """At or below the reserve and not rising: the inverter may stop at once, no minutes."""


def estimate_time_left(
    points: Sequence[SocPoint],
    *,
    capacity_kwh: float | None = None,
    reserve_pct: float = 0.0,
) -> Estimate:
    """The time left on the battery from the uploads of one EPS episode (oldest first).

    Needs two uploads at different times. The trend is the least-squares SOC slope over the
    latest ``WINDOW_UPLOADS``, steady unless its line moves a whole point; only a falling one
    gives minutes. With ``capacity_kwh``, the
    minutes are the energy above ``reserve_pct`` over the mean measured discharge of the window
    (it follows the load at once); otherwise the SOC above the reserve over the slope. At or
    below the reserve: no minutes but ``at_reserve`` (unless it rises), from the first upload.
    """
    reserve = min(max(reserve_pct, 0.0), 100.0) if math.isfinite(reserve_pct) else 0.0
    usable = [p for p in points if math.isfinite(p.t) and math.isfinite(p.soc)]
    by_time: dict[float, SocPoint] = {}
    for p in usable:
        by_time[p.t] = p  # a repeated upload counts once, the last word wins
    window = [by_time[t] for t in sorted(by_time)][-WINDOW_UPLOADS:]
    if not window:
        return Estimate(Trend.UNKNOWN, None)
    latest = window[-1]
    at_reserve = latest.soc <= reserve
    if len(window) < MIN_UPLOADS:
        return Estimate(Trend.UNKNOWN, None, at_reserve=at_reserve)
    slope = _slope_per_hour(window)
    moved = abs(slope) * (latest.t - window[0].t) / 3600.0
    if abs(slope) < FALLING_PCT_PER_H or moved < MIN_CHANGE_PCT - 1e-9:
        return Estimate(Trend.STEADY, None, slope_pct_per_h=slope, at_reserve=at_reserve)
    if slope > 0:
        return Estimate(Trend.RISING, None, slope_pct_per_h=slope)
    if at_reserve:
        return Estimate(Trend.FALLING, None, slope_pct_per_h=slope, at_reserve=True)
    left_pct = latest.soc - reserve
    if capacity_kwh is not None and capacity_kwh > 0:
        discharge = [-p.bat_power for p in window if p.bat_power is not None]
        mean_w = sum(discharge) / len(discharge) if discharge else 0.0
        if mean_w >= DISCHARGING_W:
            minutes = left_pct / 100.0 * capacity_kwh * 1000.0 / mean_w * 60.0
            return Estimate(Trend.FALLING, _capped(minutes), "capacity", slope)
    minutes = left_pct / -slope * 60.0
    return Estimate(Trend.FALLING, _capped(minutes), "slope", slope)


def _capped(minutes: float) -> float:
    return min(minutes, MAX_ESTIMATE_H * 60.0)


def _slope_per_hour(points: Sequence[SocPoint]) -> float:
    n = len(points)
    mean_t = sum(p.t for p in points) / n
    mean_s = sum(p.soc for p in points) / n
    var = sum((p.t - mean_t) ** 2 for p in points)
    if var <= 0:
        return 0.0
    cov = sum((p.t - mean_t) * (p.soc - mean_s) for p in points)
    return cov / var * 3600.0


# -- words ----------------------------------------------------------------------------------------

# Whole sentences with placeholders, so that they can be translated as they are.
LINE_SINCE = N_("EPS mode since {since} ({duration}).")
LINE_LOAD = N_("The EPS outputs deliver {power}.")
LINE_BATTERY_FALLING = N_("Battery {soc}, falling about {rate} points an hour.")
LINE_BATTERY_RISING = N_("Battery {soc}, rising.")
LINE_BATTERY_STEADY = N_("Battery {soc}, holding steady.")
LINE_BATTERY = N_("Battery {soc}.")
LINE_LEFT = N_("About {left} left at this rate.")
LINE_LEFT_CAPACITY = N_("About {left} left at this rate ({capacity} battery).")
LINE_LEFT_RESERVE = N_("About {left} left at this rate, down to the {reserve} reserve.")
LINE_LEFT_CAPACITY_RESERVE = N_(
    "About {left} left at this rate, down to the {reserve} reserve ({capacity} battery)."
)
LINE_AT_RESERVE = N_(
    "The battery has reached its {reserve} reserve: the inverter may stop supplying the EPS "
    "outputs."
)
LINE_EMPTY = N_("The battery has run empty: the inverter may stop supplying the EPS outputs.")
LINE_WAIT = N_("The time left is estimated after the next upload.")
SHORT_LEFT = N_("EPS {soc}, ~{left} left")
SHORT_AT_RESERVE = N_("EPS {soc}, reserve reached")
SHORT = N_("EPS {soc}")
SHORT_NO_SOC = N_("EPS")
FOLLOW_UP_TITLE = N_("Battery {soc} in EPS mode — {name}")
FOLLOW_UP_LEFT = N_(
    "The battery of SN {sn} is at {soc} in EPS mode, about {left} left at this rate "
    "(alert threshold {threshold})."
)
FOLLOW_UP_LEFT_RESERVE = N_(
    "The battery of SN {sn} is at {soc} in EPS mode, about {left} left at this rate, down to the "
    "{reserve} reserve (alert threshold {threshold})."
)
FOLLOW_UP = N_("The battery of SN {sn} is at {soc} in EPS mode (alert threshold {threshold}).")
RECOVERY_CHARGE = N_("During EPS mode the battery went from {start} to {end}.")


def minutes_words(minutes: float) -> str:
    """A span ahead for a sentence: "40 min", "2 h 10 min", "more than 3 days"."""
    if minutes >= MAX_ESTIMATE_H * 60.0:
        return _("more than 3 days")
    whole = max(1, round(minutes))
    if whole < 60:
        return _("{minutes} min").format(minutes=whole)
    hours, rest = divmod(whole, 60)
    if rest == 0 or hours >= 10:
        return _("{hours} h").format(hours=hours)
    return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)


def _pct(value: float) -> str:
    return format_percent(value)


def reserve_reached(reserve_pct: float) -> str:
    """The sentence for a battery at its reserve (or empty, with no reserve)."""
    if reserve_pct > 0:
        return _(LINE_AT_RESERVE).format(reserve=_pct(reserve_pct))
    return _(LINE_EMPTY)


def _watts(value: float) -> str:
    return format_power(value)


# -- following the episodes -----------------------------------------------------------------------


@dataclass(slots=True)
class Episode:
    """One inverter's EPS episode as the uploads show it."""

    sn: str
    since: datetime | None
    """Plant time of the first EPS upload we saw."""
    started_at: float
    """Our clock then (the duration when plant times are missing)."""
    points: list[SocPoint] = field(default_factory=list)
    start_soc: float | None = None
    last: Snapshot | None = None
    follow_up_sent: bool = False
    normal_uploads: int = 0
    """Uploads out of EPS mode since its last EPS upload."""
    end_soc: float | None = None
    ended: datetime | None = None
    """The charge and the plant time of the first upload out of EPS mode."""


@dataclass(frozen=True, slots=True)
class OutageView:
    """What the detail window, the tooltip and the menu show for one inverter in EPS mode."""

    sn: str
    since: datetime | None
    duration_s: float
    eps_load_w: float | None
    soc: float | None
    estimate: Estimate
    capacity_kwh: float | None
    reserve_pct: float = 0.0
    """The reserve the estimate counts down to."""

    def details(self) -> dict[str, object]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "duration_s": round(self.duration_s),
            "eps_load_w": self.eps_load_w,
            "soc": self.soc,
            "trend": self.estimate.trend,
            "minutes_left": (
                None if self.estimate.minutes_left is None else round(self.estimate.minutes_left)
            ),
            "estimate_basis": self.estimate.basis,
            "reserve_pct": self.reserve_pct,
            "at_reserve": self.estimate.at_reserve,
        }


def _t(snap: Snapshot, fallback: float) -> float:
    """Seconds on a fixed scale for the slope: the plant's upload time (only differences
    matter, so its unknown zone does not), else when we fetched it."""
    if snap.upload_time is not None:
        return snap.upload_time.replace(tzinfo=None).timestamp()
    return fallback


class OutageTracker:
    """Follows the EPS episodes of each inverter on fresh uploads (see the module's docstring).

    Args:
        low_soc_percent: The low-battery threshold; ``None``: no follow-up.
        capacity_kwh: The battery's usable capacity, if the user gave it.
        reserve_percent: The charge where the inverter stops discharging (SolaX's minimum SOC):
            the time left counts down to it; 0: to empty.
        recovery_uploads: Uploads out of EPS mode that end an episode (the alert rules' own).
    """

    def __init__(
        self,
        *,
        low_soc_percent: float | None = None,
        capacity_kwh: float | None = None,
        reserve_percent: float = 0.0,
        recovery_uploads: int = 2,
    ) -> None:
        self.low_soc_percent = low_soc_percent
        self.capacity_kwh = capacity_kwh
        self.reserve_percent = reserve_percent
        self.recovery_uploads = recovery_uploads
        self._episodes: dict[str, Episode] = {}
        self._ended: dict[str, Episode] = {}

    def observe(self, snap: Snapshot, now: float, *, fresh: bool) -> list[Alert]:
        """A successful answer; returns the follow-up alert when it is due."""
        if not fresh:
            return []
        status = snap.inverter_status
        episode = self._episodes.get(snap.sn)
        if status is not None and status.is_eps:
            if episode is not None and episode.normal_uploads >= self.recovery_uploads:
                # Over for the rules, though its recovery alert never reached us (held in a
                # "while you were away" summary): this is a new episode.
                episode = None
            if episode is None:
                episode = Episode(snap.sn, snap.upload_time, now, start_soc=_soc(snap))
                self._episodes[snap.sn] = episode
            self._ended.pop(snap.sn, None)
            episode.normal_uploads = 0
            episode.last = snap
            soc = _soc(snap)
            if soc is not None:
                episode.points.append(SocPoint(_t(snap, now), soc, snap.bat_power))
                if episode.start_soc is None:
                    episode.start_soc = soc
            return self._follow_up(episode, snap, now)
        if episode is not None and status is not None and not status.is_eps:
            # Kept until the rules call it a recovery (a flicker back to EPS resumes it).
            if episode.normal_uploads == 0:
                episode.end_soc = _soc(snap)  # the charge when EPS mode ended, and when
                episode.ended = snap.upload_time
            episode.normal_uploads += 1
            self._ended[snap.sn] = episode
        return []

    def _follow_up(self, episode: Episode, snap: Snapshot, now: float) -> list[Alert]:
        threshold = self.low_soc_percent
        soc = _soc(snap)
        if episode.follow_up_sent or threshold is None or soc is None or soc > threshold:
            return []
        episode.follow_up_sent = True
        view = self.view(snap.sn, now)
        left = view.estimate.minutes_left if view is not None else None
        reserve = view.reserve_pct if view is not None else 0.0
        fields = {"sn": snap.sn, "soc": _pct(soc), "threshold": _pct(threshold)}
        if view is not None and view.estimate.at_reserve:
            body = f"{_(FOLLOW_UP).format(**fields)} {reserve_reached(reserve)}"
        elif left is not None:
            line = FOLLOW_UP_LEFT_RESERVE if reserve > 0 else FOLLOW_UP_LEFT
            body = _(line).format(left=minutes_words(left), reserve=_pct(reserve), **fields)
        else:
            body = _(FOLLOW_UP).format(**fields)
        title = _(FOLLOW_UP_TITLE).format(soc=_pct(soc), name=inverter_name(snap))
        details = view.details() if view is not None else {}
        logger.info("EPS follow-up for %s: battery %.0f %%", snap.sn, soc)
        return [
            Alert(
                AlertKind.LOW_SOC,
                Severity.WARNING,
                snap.sn,
                title,
                body,
                now,
                details={"eps": True, **details},
            )
        ]

    def with_outage(self, alerts: Sequence[Alert], now: float) -> list[Alert]:
        """The rules' alerts with the episode's figures: the EPS alert gets its ``details``, a
        recovery from EPS the charge it used, and the rules' own low-battery alert is dropped
        when this tracker's follow-up for that inverter is among them."""
        followed = {a.sn for a in alerts if a.details and a.details.get("eps") is True}
        out: list[Alert] = []
        for alert in alerts:
            sn = alert.sn
            if sn is None:
                out.append(alert)
            elif alert.kind is AlertKind.LOW_SOC and sn in followed and not alert.details:
                continue
            elif alert.kind is AlertKind.EPS:
                view = self.view(sn, now)
                extra = view.details() if view is not None else {}
                out.append(replace(alert, details={**(alert.details or {}), "eps": extra}))
            elif alert.kind is AlertKind.RECOVERY and sn in self._episodes:
                out.append(self._recovered(alert, now))
            else:
                out.append(alert)
        return out

    def _recovered(self, alert: Alert, now: float) -> Alert:
        assert alert.sn is not None
        episode = self._episodes.pop(alert.sn)
        self._ended.pop(alert.sn, None)
        duration = _duration(episode, now)
        if episode.since is not None and episode.ended is not None:
            duration = max(duration, (episode.ended - episode.since).total_seconds())
        end_soc = episode.end_soc
        if end_soc is None and episode.points:
            end_soc = episode.points[-1].soc
        facts: dict[str, object] = {
            "since": None if episode.since is None else episode.since.isoformat(),
            "duration_s": round(duration),
            "soc_start": episode.start_soc,
            "soc_end": end_soc,
            "soc_used": (
                None
                if episode.start_soc is None or end_soc is None
                else round(episode.start_soc - end_soc, 1)
            ),
        }
        body = alert.body
        if episode.start_soc is not None and end_soc is not None:
            sentence = _(RECOVERY_CHARGE).format(start=_pct(episode.start_soc), end=_pct(end_soc))
            body = f"{body} {sentence}"
        return replace(alert, body=body, details={**(alert.details or {}), "eps": facts})

    def view(self, sn: str, now: float) -> OutageView | None:
        """The episode of ``sn`` now, if it is in EPS mode."""
        episode = self._episodes.get(sn)
        if episode is None or sn in self._ended:
            return None
        last = episode.last
        eps = [p for p in last.eps_power if p is not None] if last is not None else []
        return OutageView(
            sn=sn,
            since=episode.since,
            duration_s=_duration(episode, now),
            eps_load_w=sum(eps) if eps else None,
            soc=_soc(last) if last is not None else None,
            estimate=estimate_time_left(
                episode.points, capacity_kwh=self.capacity_kwh, reserve_pct=self.reserve_percent
            ),
            capacity_kwh=self.capacity_kwh,
            reserve_pct=self.reserve_percent,
        )

    def forget_others(self, serials: Iterable[str]) -> None:
        keep = set(serials)
        self._episodes = {sn: e for sn, e in self._episodes.items() if sn in keep}
        self._ended = {sn: e for sn, e in self._ended.items() if sn in keep}


def _soc(snap: Snapshot) -> float | None:
    return snap.soc if snap.has_battery else None


def _duration(episode: Episode, now: float) -> float:
    last = episode.last
    if episode.since is not None and last is not None and last.upload_time is not None:
        return max(0.0, (last.upload_time - episode.since).total_seconds())
    return max(0.0, now - episode.started_at)


def outage_lines(view: OutageView) -> list[str]:
    """The detail window's lines for an inverter in EPS mode (whole sentences)."""
    lines: list[str] = []
    since = format_time(view.since) if view.since is not None else None
    if since is not None:
        lines.append(
            _(LINE_SINCE).format(since=since, duration=minutes_words(view.duration_s / 60))
        )
    if view.eps_load_w is not None:
        lines.append(_(LINE_LOAD).format(power=_watts(view.eps_load_w)))
    est = view.estimate
    if view.soc is not None:
        soc = _pct(view.soc)
        if est.trend == Trend.FALLING and est.slope_pct_per_h is not None:
            rate = format_number(-est.slope_pct_per_h)
            lines.append(_(LINE_BATTERY_FALLING).format(soc=soc, rate=rate))
        elif est.trend == Trend.RISING:
            lines.append(_(LINE_BATTERY_RISING).format(soc=soc))
        elif est.trend == Trend.STEADY:
            lines.append(_(LINE_BATTERY_STEADY).format(soc=soc))
        else:
            lines.append(_(LINE_BATTERY).format(soc=soc))
        if est.at_reserve:
            lines.append(reserve_reached(view.reserve_pct))
        elif est.minutes_left is not None:
            lines.append(_left_line(view, est.minutes_left))
        elif est.trend == Trend.UNKNOWN:
            lines.append(_(LINE_WAIT))
    return lines


def _left_line(view: OutageView, minutes: float) -> str:
    """The time left, naming the reserve (if any) and the capacity (if the estimate used it)."""
    words = {"left": minutes_words(minutes), "reserve": _pct(view.reserve_pct)}
    if view.estimate.basis == "capacity" and view.capacity_kwh is not None:
        words["capacity"] = format_energy(view.capacity_kwh)
        line = LINE_LEFT_CAPACITY_RESERVE if view.reserve_pct > 0 else LINE_LEFT_CAPACITY
    else:
        line = LINE_LEFT_RESERVE if view.reserve_pct > 0 else LINE_LEFT
    return _(line).format(**words)


def outage_short(view: OutageView) -> str:
    """The few words the tooltip and the menu's status line add: "EPS 52 %, ~40 min left"."""
    if view.soc is None:
        return _(SHORT_NO_SOC)
    soc = _pct(view.soc)
    if view.estimate.at_reserve and view.reserve_pct > 0:
        return _(SHORT_AT_RESERVE).format(soc=soc)
    if view.estimate.minutes_left is not None:
        return _(SHORT_LEFT).format(soc=soc, left=minutes_words(view.estimate.minutes_left))
    return _(SHORT).format(soc=soc)
