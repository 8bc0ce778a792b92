"""Alert rules: what happened to an inverter that its owner should hear about. Qt-free.

The engine turns the stream of answers (snapshots and errors) into typed ``Alert`` values, on
transitions only: one alert when a state begins, none while it holds, one when it ends. The tray's
notifier shows ``title`` and ``body`` as they are; the ``watch`` command prints them as JSON lines.

The rules:

- **Fault** (103 Fault, 104 Permanent Fault): critical. **EPS** (106 EPS Check, 107 EPS Mode):
  warning. **Recovery** (info) when the inverter is back in Normal Mode for ``recovery_uploads``
  fresh uploads in a row; a fault that flickers (fault, normal, fault, ...) therefore raises one
  alert, not one per upload. Unknown status codes are neither fault nor EPS. A start-up that finds
  an inverter already in fault alerts once.
- **Offline** (warning) when the data is older than ``stale_minutes`` and the inverter stopped while
  it was producing or while its battery worked, and **back online** (info) when fresh data comes
  again. **Night is not an outage**: data that stops after production faded and with no battery
  activity is "asleep" and raises nothing. With the plant's location the sun decides instead of the
  last PV reading (``core/sun.py``); an inverter still asleep in broad daylight (or, without a
  location, after ``max_sleep_hours``) is reported offline after all. Staleness is judged from the
  moment we first saw an ``uploadTime``, so the plant's unknown time zone does not matter; it is
  judged on successful answers only, because when we cannot reach the cloud we know nothing about
  the inverter.
- **Token rejected** (critical) and **rate limited** (warning): once each, until a request succeeds
  (or, for the token, until ``token_changed``). **Serial unknown** / not reporting: once per serial
  until the serials change.
- **Low battery** (warning, optional): at or under ``low_soc_percent``, re-armed only once the charge
  is ``low_soc_hysteresis`` points above it.
- Offline and low-battery alerts that would repeat within ``cooldown_s`` of the last one for that
  inverter are swallowed (with their "back online"), so a flaky dongle does not nag.
- After the computer slept (``resumed``), offline alerts are held back for ``resume_grace_s`` (the
  network needs a moment), and alerts that arrive in the first ``merge_window_s`` (or until every
  inverter answered once) are merged into one "While you were away" summary.

Over 500 lines: one ``AlertEngine`` whose rules share the state of each inverter (open episodes,
hold-offs, the last fresh upload); split by rule, every part would reach into that state.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from solaxtray.core.clock import Clock
from solaxtray.core.errors import (
    ApiError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import format_number, format_time
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import format_percent, format_power
from solaxtray.core.settings import NOTIFY_FOLLOWS
from solaxtray.core.sun import solar_elevation

logger = logging.getLogger(__name__)

BATTERY_ACTIVE_W = 50.0
"""Battery power at or above this (either direction) means the battery was working."""
GRID_SHOWN_W = 50.0
"""Grid power at or above this (either direction) is worth a sentence in an EPS alert."""
PV_FADED_W = 50.0
PV_FADED_FRACTION = 0.1
"""Production under max(50 W, 10 % of the peak we have seen) counts as faded (dusk)."""
DAYLIGHT_ELEVATION_DEG = 10.0
"""With a location: above this sun elevation, silence is not sleep."""
MAX_ZONE_OFFSET_H = 14.0
"""The furthest any plant's local clock is ahead of UTC (Kiribati): bounds the unknown zone."""


class AlertKind(enum.StrEnum):
    """What an alert is about. The values are the names the notification settings use."""

    FAULT = "fault"
    EPS = "eps"
    RECOVERY = "recovery"
    OFFLINE = "offline"
    BACK_ONLINE = "back_online"
    CREDENTIALS_REJECTED = "token_rejected"
    """The token or the client id and secret were refused. The value is older than the name:
    it is the notification switch users have saved and the kind ``watch --json`` prints."""
    RATE_LIMITED = "rate_limited"
    SERIAL_UNKNOWN = "serial_unknown"
    LOW_SOC = "low_soc"
    AWAY_SUMMARY = "away_summary"
    WEAK_STRING = "weak_string"

    @property
    def setting(self) -> str | None:
        """The ``NotifySettings`` field that switches this kind's notifications, ``None`` for
        kinds that always notify (a summary may hold a fault)."""
        if self is AlertKind.AWAY_SUMMARY:
            return None
        return NOTIFY_FOLLOWS.get(str(self), str(self))


class Severity(enum.StrEnum):
    """How loud: critical stays on screen, warning is normal, info is low urgency."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell the user, with the words to tell it in.

    ``sn`` is ``None`` for alerts about the token or about several inverters. ``at`` is the epoch
    time the engine raised it.
    """

    kind: AlertKind
    severity: Severity
    sn: str | None
    title: str
    body: str
    at: float
    details: Mapping[str, object] | None = None
    """Facts beside the words (a fault's alarm code, an outage's figures) for ``watch`` lines
    and the detail window; JSON-ready values."""

    def to_json(self) -> dict[str, object]:
        """The ``watch`` command's line for this alert (``details`` is always an object)."""
        return {
            "type": "alert",
            "kind": str(self.kind),
            "severity": str(self.severity),
            "sn": self.sn,
            "title": self.title,
            "body": self.body,
            "at": datetime.fromtimestamp(self.at, tz=UTC).isoformat(),
            "details": dict(self.details or {}),
        }


class Health(enum.StrEnum):
    """What the alert rules believe about one inverter right now (for the popup and the icon)."""

    UNKNOWN = "unknown"
    OK = "ok"
    FAULT = "fault"
    EPS = "eps"
    ASLEEP = "asleep"
    OFFLINE = "offline"
    UNREACHABLE = "unreachable"
    """Serial unknown or not reporting: no data will come until the serials change."""


@dataclass(slots=True)
class _Inverter:
    upload_time: datetime | None = None
    upload_seen_at: float = 0.0
    """When we first saw the current ``uploadTime``: staleness is measured from here."""
    last: Snapshot | None = None
    peak_w: float = 0.0
    alarm: AlertKind | None = None
    """FAULT or EPS while one is unresolved."""
    alarm_upload: datetime | None = None
    """The plant time of the upload that began the alarm (or first showed it)."""
    alarm_raised_at: float = 0.0
    """Our clock when the alarm was raised: the duration when the plant time is missing."""
    alarm_start_known: bool = False
    """False when the alarm was already on at the first upload we saw: its start is unknown."""
    statuses_seen: int = 0
    normal_run: int = 0
    normal_upload: datetime | None = None
    """The plant time of the first Normal Mode upload of the current run."""
    stale: Health | None = None
    """ASLEEP or OFFLINE while the data is stale."""
    stale_since: float = 0.0
    offline_alerted: bool = False
    low_soc: bool = False
    unreachable: bool = False
    last_alert: dict[AlertKind, float] = field(default_factory=dict)


def inverter_name(snapshot: Snapshot | None) -> str:
    """The inverter in words for a title: its model, or "Inverter" when the cloud did not say."""
    if snapshot is not None and snapshot.inverter_type is not None:
        return snapshot.inverter_type.label
    return _("Inverter")


class AlertEngine:
    """Turns answers into alerts. Feed it every answer; it returns the alerts each one raises.

    Args:
        clock: Wall clock; the staleness and cooldown windows are measured with it.
        stale_minutes: Data older than this is stale (offline, or asleep at night).
        low_soc_percent: Battery threshold for the low-battery alert; ``None`` switches it off.
        low_soc_hysteresis: Points above the threshold before a new low-battery alert can come.
        recovery_uploads: Fresh Normal Mode uploads in a row that make a recovery.
        cooldown_s: Offline / low-battery alerts repeating within this are swallowed.
        resume_grace_s: After a resume, no offline alert for this long.
        merge_window_s: After a resume, alerts within this are merged into one summary.
        latitude, longitude: The plant's place, to tell night from an outage by the sun.
        max_sleep_hours: Without a location, "asleep" longer than this becomes "offline".
    """

    def __init__(
        self,
        *,
        clock: Clock,
        stale_minutes: float = 15,
        low_soc_percent: float | None = None,
        low_soc_hysteresis: float = 5.0,
        recovery_uploads: int = 2,
        cooldown_s: float = 600.0,
        resume_grace_s: float = 300.0,
        merge_window_s: float = 120.0,
        latitude: float | None = None,
        longitude: float | None = None,
        max_sleep_hours: float = 18.0,
    ) -> None:
        self._clock = clock
        self.stale_s = float(stale_minutes) * 60.0
        self.low_soc_percent = low_soc_percent
        self.low_soc_hysteresis = low_soc_hysteresis
        self.recovery_uploads = max(1, int(recovery_uploads))
        self.cooldown_s = cooldown_s
        self.resume_grace_s = resume_grace_s
        self.merge_window_s = merge_window_s
        self.location = (
            (float(latitude), float(longitude))
            if latitude is not None and longitude is not None
            else None
        )
        self.max_sleep_s = max_sleep_hours * 3600.0
        self._inverters: dict[str, _Inverter] = {}
        self._token_alerted = False
        self._rate_alerted = False
        self._grace_until = float("-inf")
        self._merge_until: float | None = None
        self._awaiting: set[str] = set()
        self._held: list[Alert] = []
        self.annotate: Callable[[list[Alert]], list[Alert]] | None = None
        """Applied to new alerts before they are passed on or held for a summary: what is added
        here (a fault's reason, looked up for this answer only) stays with a held alert."""

    # --- inputs ----------------------------------------------------------------------------------

    def set_serials(self, serials: Iterable[str]) -> None:
        """The watched serials changed: forget the ones gone, start the new ones fresh."""
        wanted = list(dict.fromkeys(serials))
        self._inverters = {sn: self._inverters.get(sn) or _Inverter() for sn in wanted}
        for inv in self._inverters.values():
            inv.unreachable = False

    def token_changed(self) -> None:
        """A new token: a rejection of the old one is history, and so are unknown serials."""
        self._token_alerted = False
        self._rate_alerted = False
        for inv in self._inverters.values():
            inv.unreachable = False

    def observe(self, snapshot: Snapshot) -> list[Alert]:
        """A successful answer for ``snapshot.sn`` (fresh or a repeat of the last upload)."""
        now = self._clock.now()
        inv = self._inverter(snapshot.sn)
        out: list[Alert] = []
        self._token_alerted = False
        self._rate_alerted = False
        inv.unreachable = False
        fresh = inv.last is None or snapshot.upload_time != inv.upload_time
        if fresh:
            inv.upload_seen_at = self._seen_at(snapshot, now, first=inv.last is None)
            inv.upload_time = snapshot.upload_time
            inv.last = snapshot
            production = _production(snapshot)
            if production is not None:
                inv.peak_w = max(inv.peak_w, production)
            if inv.stale is not None:
                out.extend(self._end_stale(inv, snapshot, now))
            out.extend(self._status_rules(inv, snapshot, now))
            out.extend(self._soc_rules(inv, snapshot, now))
        else:
            inv.last = snapshot
        out.extend(self._stale_rules(inv, snapshot, now))
        return self._release(out, snapshot.sn, now)

    def observe_error(self, sn: str, error: ApiError) -> list[Alert]:
        """A failed request for ``sn``. Network and server trouble raise nothing here (the tray
        shows the error itself); the token, the quota and the serial do, once."""
        now = self._clock.now()
        out: list[Alert] = []
        if isinstance(error, TokenRejected):
            if not self._token_alerted:
                self._token_alerted = True
                out.append(
                    self._alert(
                        AlertKind.CREDENTIALS_REJECTED,
                        Severity.CRITICAL,
                        None,
                        error.title,
                        _("{message} Polling is paused until the token is changed.").format(
                            message=error.message
                        ),
                        now=now,
                    )
                )
        elif isinstance(error, RateLimited):
            if not self._rate_alerted:
                self._rate_alerted = True
                minutes = max(1, round(error.retry_after / 60))
                if error.banned:
                    body = _("{message} Polling pauses for an hour.").format(message=error.message)
                else:
                    body = _("{message} Polling pauses for {minutes} min.").format(
                        message=error.message, minutes=minutes
                    )
                out.append(
                    self._alert(
                        AlertKind.RATE_LIMITED, Severity.WARNING, None, error.title, body, now=now
                    )
                )
        elif isinstance(error, SerialUnknown | SerialNotReporting):
            inv = self._inverter(sn)
            if not inv.unreachable:
                inv.unreachable = True
                out.append(
                    self._alert(
                        AlertKind.SERIAL_UNKNOWN,
                        Severity.WARNING,
                        sn,
                        _("{title} — SN {sn}").format(title=error.title, sn=sn),
                        error.message,
                        now=now,
                    )
                )
        return self._release(out, sn, now)

    def resumed(self, gap_s: float) -> list[Alert]:
        """The computer slept for about ``gap_s``: hold back offline alerts for a grace period and
        gather what comes next into one summary."""
        now = self._clock.now()
        logger.info(
            "resumed after %.0f s: holding offline alerts for %.0f s", gap_s, self.resume_grace_s
        )
        self._grace_until = now + self.resume_grace_s
        self._merge_until = now + self.merge_window_s
        self._awaiting = {sn for sn, inv in self._inverters.items() if not inv.unreachable}
        return []

    def flush(self) -> list[Alert]:
        """Alerts held for a "While you were away" summary, if their window has closed; call it
        now and then when no answers arrive (the answers call it themselves)."""
        return self._release([], None, self._clock.now())

    # --- read-only view ---------------------------------------------------------------------------

    def health(self, sn: str) -> Health:
        """What the rules believe about ``sn`` now."""
        inv = self._inverters.get(sn)
        if inv is None or inv.last is None:
            return Health.UNREACHABLE if inv is not None and inv.unreachable else Health.UNKNOWN
        if inv.unreachable:
            return Health.UNREACHABLE
        if inv.alarm is AlertKind.FAULT:
            return Health.FAULT
        if inv.stale is not None:
            return inv.stale
        if inv.alarm is AlertKind.EPS:
            return Health.EPS
        return Health.OK

    def in_fault(self, sn: str) -> bool:
        """Whether a fault of ``sn`` is unresolved: a fault answer now is no new transition."""
        inv = self._inverters.get(sn)
        return inv is not None and inv.alarm is AlertKind.FAULT

    # --- rules -----------------------------------------------------------------------------------

    def _status_rules(self, inv: _Inverter, snap: Snapshot, now: float) -> list[Alert]:
        status = snap.inverter_status
        if status is None:
            return []
        first_status = inv.statuses_seen == 0
        inv.statuses_seen += 1
        name = inverter_name(snap)
        if status.is_fault or status.is_eps:
            inv.normal_run = 0
            kind = AlertKind.FAULT if status.is_fault else AlertKind.EPS
            if inv.alarm is kind:
                return []
            inv.alarm = kind
            inv.alarm_upload = snap.upload_time
            inv.alarm_raised_at = now
            inv.alarm_start_known = not first_status
            severity = Severity.CRITICAL if status.is_fault else Severity.WARNING
            body = _status_sentence(snap, status)
            if status.is_eps:
                body = " ".join([body, *_eps_facts(snap)])
            title = _("{status} — {name}").format(status=_(status.label), name=name)
            return [self._alert(kind, severity, snap.sn, title, body, now=now)]
        if status is InverterStatus.NORMAL and inv.alarm is not None:
            if inv.normal_run == 0:
                inv.normal_upload = snap.upload_time
            inv.normal_run += 1
            if inv.normal_run >= self.recovery_uploads:
                body = self._recovery_sentence(inv, snap, now)
                inv.alarm = None
                inv.normal_run = 0
                return [
                    self._alert(
                        AlertKind.RECOVERY,
                        Severity.INFO,
                        snap.sn,
                        _(_BACK_TO_NORMAL_TITLE).format(name=name),
                        body,
                        now=now,
                    )
                ]
        elif status is not InverterStatus.NORMAL:
            inv.normal_run = 0
        return []

    @staticmethod
    def _recovery_sentence(inv: _Inverter, snap: Snapshot, now: float) -> str:
        """How long the fault or EPS mode lasted, from the plant's own upload times when it
        gave them (our clock otherwise), and when it began if that is known."""
        fault = inv.alarm is AlertKind.FAULT
        began = inv.alarm_upload
        ended = inv.normal_upload
        if began is not None and ended is not None and ended >= began:
            seconds = (ended - began).total_seconds()
        else:
            seconds = max(0.0, now - inv.alarm_raised_at)
        fields = {"sn": snap.sn, "duration": duration_words(seconds)}
        if began is None:
            template = _RECOVERED_LASTED if fault else _RECOVERED_EPS_LASTED
        elif inv.alarm_start_known:
            template = _RECOVERED_STARTED if fault else _RECOVERED_EPS_STARTED
        else:
            template = _RECOVERED_SEEN if fault else _RECOVERED_EPS_SEEN
        return _(template).format(start=format_time(began) if began else "", **fields)

    def _soc_rules(self, inv: _Inverter, snap: Snapshot, now: float) -> list[Alert]:
        threshold = self.low_soc_percent
        if threshold is None or snap.soc is None or not snap.has_battery:
            return []
        if not inv.low_soc and snap.soc <= threshold:
            inv.low_soc = True
            if self._cooled(inv, AlertKind.LOW_SOC, now):
                return [
                    self._alert(
                        AlertKind.LOW_SOC,
                        Severity.WARNING,
                        snap.sn,
                        _("Battery low — {name}").format(name=inverter_name(snap)),
                        _(
                            "The battery of SN {sn} is at {soc} (alert threshold {threshold})."
                        ).format(
                            sn=snap.sn,
                            soc=format_percent(snap.soc),
                            threshold=format_percent(threshold),
                        ),
                        now=now,
                    )
                ]
        elif inv.low_soc and snap.soc >= threshold + self.low_soc_hysteresis:
            inv.low_soc = False
        return []

    def _stale_rules(self, inv: _Inverter, snap: Snapshot, now: float) -> list[Alert]:
        age = now - inv.upload_seen_at
        if age <= self.stale_s or snap.upload_time is None:
            return []
        if inv.stale is None:
            inv.stale = Health.ASLEEP if self._looks_asleep(inv, snap, now) else Health.OFFLINE
            inv.stale_since = now
            logger.info("%s: no new data for %.0f min: %s", snap.sn, age / 60, inv.stale)
        elif inv.stale is Health.ASLEEP and self._should_have_woken(inv, now):
            inv.stale = Health.OFFLINE
        if inv.stale is Health.OFFLINE and not inv.offline_alerted:
            if now < self._grace_until:
                return []
            inv.offline_alerted = True
            if not self._cooled(inv, AlertKind.OFFLINE, now):
                inv.offline_alerted = False
                inv.stale_since = now
                return []
            minutes = age / 60
            return [
                self._alert(
                    AlertKind.OFFLINE,
                    Severity.WARNING,
                    snap.sn,
                    _("No data — {name}").format(name=inverter_name(snap)),
                    _offline_sentence(snap, minutes),
                    now=now,
                )
            ]
        return []

    def _end_stale(self, inv: _Inverter, snap: Snapshot, now: float) -> list[Alert]:
        alerted = inv.offline_alerted
        inv.stale = None
        inv.offline_alerted = False
        if not alerted:
            return []
        return [
            self._alert(
                AlertKind.BACK_ONLINE,
                Severity.INFO,
                snap.sn,
                _("Data again — {name}").format(name=inverter_name(snap)),
                _back_online_sentence(snap),
                now=now,
            )
        ]

    def _looks_asleep(self, inv: _Inverter, snap: Snapshot, now: float) -> bool:
        """Night or an outage? Decided from the last upload (and the sun, when we know where)."""
        if snap.bat_power is not None and abs(snap.bat_power) >= BATTERY_ACTIVE_W:
            return False
        if self.location is not None:
            return solar_elevation(now, *self.location) < DAYLIGHT_ELEVATION_DEG
        production = _production(snap) or 0.0
        return production < max(PV_FADED_W, PV_FADED_FRACTION * inv.peak_w)

    def _should_have_woken(self, inv: _Inverter, now: float) -> bool:
        if self.location is not None:
            return solar_elevation(now, *self.location) >= DAYLIGHT_ELEVATION_DEG
        return now - inv.upload_seen_at > self.max_sleep_s

    # --- helpers ---------------------------------------------------------------------------------

    def _inverter(self, sn: str) -> _Inverter:
        inv = self._inverters.get(sn)
        if inv is None:
            inv = self._inverters[sn] = _Inverter()
        return inv

    def _seen_at(self, snap: Snapshot, now: float, *, first: bool) -> float:
        """When the current upload happened, as best we can say without the plant's zone: now for
        an upload we see change, and for the first one now unless it is older than any zone allows
        (then at least that old)."""
        if not first or snap.upload_time is None:
            return now
        now_utc = datetime.fromtimestamp(now, tz=UTC).replace(tzinfo=None)
        latest_local_now = now_utc + timedelta(hours=MAX_ZONE_OFFSET_H)
        surely_old = (
            latest_local_now - snap.upload_time
        ).total_seconds() - 2 * 3600 * MAX_ZONE_OFFSET_H
        return now - surely_old if surely_old > 0 else now

    def _cooled(self, inv: _Inverter, kind: AlertKind, now: float) -> bool:
        """Whether an alert of ``kind`` may go out now; records it if so."""
        last = inv.last_alert.get(kind)
        if last is not None and now - last < self.cooldown_s:
            logger.info("%s alert swallowed: within the cooldown", kind)
            return False
        inv.last_alert[kind] = now
        return True

    def _alert(
        self, kind: AlertKind, severity: Severity, sn: str | None, *texts: str, now: float
    ) -> Alert:
        title, body = texts
        alert = Alert(kind, severity, sn, title, body, now)
        logger.info("alert %s (%s) for %s: %s", kind, severity, sn or "the token", title)
        return alert

    def _release(self, alerts: list[Alert], sn: str | None, now: float) -> list[Alert]:
        """Pass alerts on, or hold them for the "While you were away" summary."""
        if alerts and self.annotate is not None:
            alerts = self.annotate(alerts)
        if self._merge_until is None:
            return alerts
        self._held.extend(alerts)
        if sn is not None:
            self._awaiting.discard(sn)
        if now < self._merge_until and self._awaiting:
            return []
        held, self._held = self._held, []
        self._merge_until = None
        self._awaiting = set()
        return summarize(held, now)


def summarize(alerts: Sequence[Alert], now: float) -> list[Alert]:
    """One alert stays itself; several become one "While you were away" summary, as loud as the
    loudest of them, naming each."""
    if len(alerts) <= 1:
        return list(alerts)
    severity = max((a.severity for a in alerts), key=lambda s: s.rank)
    serials = {a.sn for a in alerts}
    sn = next(iter(serials)) if len(serials) == 1 else None
    lines = [_("{title}: {body}").format(title=a.title, body=a.body) for a in alerts]
    return [
        Alert(
            AlertKind.AWAY_SUMMARY,
            severity,
            sn,
            ngettext(
                "While you were away: {n} alert", "While you were away: {n} alerts", len(alerts)
            ).format(n=len(alerts)),
            "\n".join(lines),
            now,
        )
    ]


# Whole sentences with placeholders, so that they can be translated as they are (marked with
# N_ here, translated where they are filled in).
_BACK_TO_NORMAL_TITLE = N_("Back to normal — {name}")
_RECOVERED_STARTED = N_(
    "The inverter SN {sn} is back to normal after a fault that started at {start} plant time "
    "and lasted {duration}."
)
_RECOVERED_EPS_STARTED = N_(
    "The inverter SN {sn} is back to normal after EPS mode that started at {start} plant time "
    "and lasted {duration}."
)
_RECOVERED_SEEN = N_(
    "The inverter SN {sn} is back to normal after a fault that was already on at {start} plant "
    "time, when solaxtray began watching, and lasted at least {duration}."
)
_RECOVERED_EPS_SEEN = N_(
    "The inverter SN {sn} is back to normal after EPS mode that was already on at {start} plant "
    "time, when solaxtray began watching, and lasted at least {duration}."
)
_RECOVERED_LASTED = N_(
    "The inverter SN {sn} is back to normal after a fault that lasted {duration}."
)
_RECOVERED_EPS_LASTED = N_(
    "The inverter SN {sn} is back to normal after EPS mode that lasted {duration}."
)
_STATUS_AT = N_("The inverter SN {sn} reports {status} (code {code}) at {time} plant time.")
_STATUS = N_("The inverter SN {sn} reports {status} (code {code}).")
_EPS_OUTPUT = N_("Its EPS (backup) output delivers {power}.")
_BATTERY_CHARGING = N_("The battery is at {soc} and charging at {power}.")
_BATTERY_DISCHARGING = N_("The battery is at {soc} and discharging at {power}.")
_BATTERY_IDLE = N_("The battery is at {soc} and neither charging nor discharging.")
_GRID_IMPORT = N_("The meter shows {power} drawn from the grid.")
_GRID_EXPORT = N_("The meter shows {power} fed into the grid.")


def duration_words(seconds: float) -> str:
    """A past span for a sentence: "less than a minute", "1 minute", "12 minutes", "2.5 hours";
    never "0 s" (a fault seen on one upload lasted up to an upload interval, not nothing)."""
    if seconds < 60:
        return _("less than a minute")
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    whole = int(minutes // 60)
    return ngettext("{hours} hour", "{hours} hours", whole).format(
        hours=format_number(minutes / 60, 1)
    )


def _status_sentence(snap: Snapshot, status: InverterStatus) -> str:
    fields = {"sn": snap.sn, "status": _(status.label), "code": int(status)}
    if snap.upload_time is None:
        return _(_STATUS).format(**fields)
    return _(_STATUS_AT).format(time=format_time(snap.upload_time), **fields)


def _watts(value: float) -> str:
    return format_power(value)


def _eps_facts(snap: Snapshot) -> list[str]:
    """What the upload says about the EPS output, the battery and the grid, and nothing more:
    EPS mode does not prove that the grid is down or that the battery carries the house."""
    facts: list[str] = []
    eps = [p for p in snap.eps_power if p is not None]
    if eps:
        facts.append(_(_EPS_OUTPUT).format(power=_watts(sum(eps))))
    if snap.has_battery and snap.soc is not None:
        soc = format_percent(snap.soc)
        charge = snap.battery_charge or 0.0
        discharge = snap.battery_discharge or 0.0
        if charge >= BATTERY_ACTIVE_W:
            facts.append(_(_BATTERY_CHARGING).format(soc=soc, power=_watts(charge)))
        elif discharge >= BATTERY_ACTIVE_W:
            facts.append(_(_BATTERY_DISCHARGING).format(soc=soc, power=_watts(discharge)))
        else:
            facts.append(_(_BATTERY_IDLE).format(soc=soc))
    if (snap.grid_import or 0.0) >= GRID_SHOWN_W:
        facts.append(_(_GRID_IMPORT).format(power=_watts(snap.grid_import or 0.0)))
    elif (snap.grid_export or 0.0) >= GRID_SHOWN_W:
        facts.append(_(_GRID_EXPORT).format(power=_watts(snap.grid_export or 0.0)))
    return facts


def _production(snap: Snapshot) -> float | None:
    if snap.pv_total is not None:
        return snap.pv_total
    return snap.ac_power


def _offline_sentence(snap: Snapshot, minutes: float) -> str:
    duration = _duration(minutes)
    if snap.upload_time is None:
        return _(
            "SolaX Cloud has had no new data from SN {sn} for {duration}. The inverter or its "
            "dongle may be offline."
        ).format(sn=snap.sn, duration=duration)
    return _(
        "SolaX Cloud has had no new data from SN {sn} for {duration} (last upload at {time} "
        "plant time). The inverter or its dongle may be offline."
    ).format(sn=snap.sn, duration=duration, time=format_time(snap.upload_time))


def _back_online_sentence(snap: Snapshot) -> str:
    if snap.upload_time is None:
        return _("SolaX Cloud has new data from SN {sn} again.").format(sn=snap.sn)
    return _("SolaX Cloud has new data from SN {sn} again at {time} plant time.").format(
        sn=snap.sn, time=format_time(snap.upload_time)
    )


def _duration(minutes: float) -> str:
    if minutes < 120:
        count = round(minutes)
        return ngettext("{n} minute", "{n} minutes", count).format(n=count)
    whole = int(minutes // 60)
    return ngettext("{hours} hour", "{hours} hours", whole).format(
        hours=format_number(minutes / 60, 1)
    )
