"""What the tray shows, decided from the state of the fleet. Qt-free.

The tray icon, its tooltip and the popup all read one frozen :class:`TrayView`, built here by a pure
function from plain inputs (snapshots, errors, ages, app-level conditions). Why: the rules that turn
"inverter 2 has not uploaded for 12 minutes while the token was rejected" into one colour and one
sentence are the part of the UI most worth testing, and they need no display to test.

The number formatting shared by the tooltip (built here) and the popup lives here too, because the
core may not import the UI; :mod:`solaxtray.ui.text` re-exports it and adds the popup's own phrases.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from solaxtray.core.errors import (
    ApiError,
    NetworkError,
    RateLimited,
    SecretStoreError,
    SecretStoreLocked,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import format_number, format_time
from solaxtray.core.models import BatteryStatus, InverterStatus, Snapshot

DEFAULT_UPLOAD_INTERVAL_S = 300.0
"""The cloud gets new data about every 5 minutes per dongle (field notes, "Time")."""
DEFAULT_DAILY_QUOTA = 10_000
PRODUCING_MIN_W = 10.0
"""Below this the PV input is inverter self-test noise or dusk, not production."""
IMPORTING_MIN_W = 50.0
"""Below this a grid draw is meter noise and standby, not something worth a colour."""
BATTERY_ACTIVE_W = 50.0
"""A battery moving more than this keeps the inverter awake, so its silence is no night's sleep."""
STALE_GRACE_S = 60.0
"""The cloud publishes an upload with some delay; a minute late is not a missed upload."""
APP_NAME = "SolaX"
BACKEND_TOKEN = "token"  # noqa: S105 - the default API's name (``api.registry.BackendKind``)
"""Plain text: the tray icon imports this module before anything else."""
WINDOWS_TOOLTIP_LIMIT = 127
"""A Windows tray tooltip holds 128 UTF-16 units including the terminator."""


def machine_utc_offset(at: float) -> float:
    """This machine's offset from UTC at epoch ``at``, in seconds (daylight saving included)."""
    return float(time.localtime(at).tm_gmtoff)


# --------------------------------------------------------------------------------------------
# Inputs


class Availability(enum.Enum):
    """What the polling side (the alert engine) concluded about an inverter's reporting.

    ``ASLEEP`` is the expected night silence (no PV, the dongle stops uploading), ``OFFLINE`` an
    unexpected silence. ``ONLINE`` lets the upload age decide.
    """

    ONLINE = "online"
    ASLEEP = "asleep"
    OFFLINE = "offline"


class AppCondition(enum.Enum):
    """App-wide conditions that concern every inverter at once (one token, one network)."""

    OK = "ok"
    NO_TOKEN = "no_token"  # noqa: S105 (a state name, not a secret)
    NO_SERIALS = "no_serials"
    TOKEN_REJECTED = "token_rejected"  # noqa: S105
    RATE_LIMITED = "rate_limited"
    BANNED = "banned"
    KEYRING_LOCKED = "keyring_locked"
    KEYRING_MISSING = "keyring_missing"
    NO_NETWORK = "no_network"
    SERVER_TROUBLE = "server_trouble"

    @property
    def blocks_data(self) -> bool:
        """Whether no new data can arrive until the user acts (or the ban ends): such a condition
        takes over the icon, because the last values would pretend all is well."""
        return self in _BLOCKING_CONDITIONS


_BLOCKING_CONDITIONS = frozenset(
    {
        AppCondition.NO_TOKEN,
        AppCondition.NO_SERIALS,
        AppCondition.TOKEN_REJECTED,
        AppCondition.BANNED,
        AppCondition.KEYRING_LOCKED,
        AppCondition.KEYRING_MISSING,
    }
)
_SETUP_CONDITIONS = frozenset(
    {AppCondition.NO_TOKEN, AppCondition.NO_SERIALS, AppCondition.KEYRING_MISSING}
)


def condition_for_error(error: SolaxTrayError | None) -> AppCondition:
    """The app-wide condition an error implies, or ``OK`` when it concerns one serial only.

    A rejected token or a network outage hits every serial, so it is shown once for the app rather
    than once per inverter.
    """
    if isinstance(error, TokenRejected):
        return AppCondition.TOKEN_REJECTED
    if isinstance(error, RateLimited):
        return AppCondition.BANNED if error.banned else AppCondition.RATE_LIMITED
    if isinstance(error, NetworkError):
        return AppCondition.NO_NETWORK
    if isinstance(error, SecretStoreLocked):
        return AppCondition.KEYRING_LOCKED
    if isinstance(error, SecretStoreError):
        return AppCondition.KEYRING_MISSING
    return AppCondition.OK


@dataclass(frozen=True, slots=True)
class InverterInput:
    """Everything known about one registration number at one moment.

    ``upload_age_s`` is computed by the poller (the upload time is plant-local wall time, so only
    the side that knows the plant's zone or has observed uploads can turn it into an age).
    """

    sn: str
    snapshot: Snapshot | None = None
    error: ApiError | None = None
    upload_age_s: float | None = None
    upload_interval_s: float = DEFAULT_UPLOAD_INTERVAL_S
    availability: Availability = Availability.ONLINE
    next_poll_at: float | None = None
    """Epoch seconds of the next scheduled request for this serial."""
    retrying: bool = False
    """``next_poll_at`` is the end of a pause (rate limit) or of a backoff after errors, so the
    popup says "next try at 14:05" rather than a countdown that reads like normal polling."""
    status_since: float | None = None
    """Epoch seconds since which the inverter has had its present status (see StatusTracker)."""
    name: str | None = None
    """A user-given name, shown instead of the inverter type in titles."""
    notes: tuple[str, ...] = ()
    """The alert rules' facts in sentences (fault reason, EPS figures, weak string), from
    ``core.notes.inverter_notes``: the popup shows them under the status."""
    short_note: str | None = None
    """Their few words for the tooltip and the menu's status line ("EPS 52 %, ~40 min left")."""


@dataclass(frozen=True, slots=True)
class FleetInput:
    """The whole picture: every configured serial plus app-wide facts."""

    inverters: Sequence[InverterInput] = ()
    condition: AppCondition = AppCondition.OK
    now: float = 0.0
    """Epoch seconds; lets the view say "next poll in 40 s" without reading a clock itself."""
    requests_today: int | None = None
    daily_quota: int = DEFAULT_DAILY_QUOTA
    stale_after_s: float | None = None
    """Override of the stale threshold (the user's "stale data minutes" setting)."""
    condition_detail: str | None = None
    """An optional extra sentence for the condition (for example an error's own message)."""
    backend: str = BACKEND_TOKEN
    """The SolaX API in use ("token" or "developer"): the setup sentences name its credentials."""
    local_offset: Callable[[float], float] = field(default=machine_utc_offset)
    """This machine's offset from UTC at an epoch, for the tooltip's clock time of the upload."""


# --------------------------------------------------------------------------------------------
# Outputs


class TrayState(enum.IntEnum):
    """The state at a glance. The numeric order is the severity used to pick a fleet's worst
    state: a fault outranks an EPS episode, which outranks silence, and so on down to production.
    """

    PRODUCING = 0
    IDLE = 1
    NIGHT = 2
    IMPORTING = 3
    STALE = 4
    ERROR = 5
    EPS = 6
    FAULT = 7
    SETUP = 8

    @property
    def label(self) -> str:
        return _(_STATE_LABELS[self])

    @property
    def is_problem(self) -> bool:
        return self >= TrayState.STALE


_STATE_LABELS: dict[TrayState, str] = {
    TrayState.PRODUCING: N_("Producing"),
    TrayState.IDLE: N_("Idle"),
    TrayState.NIGHT: N_("Asleep for the night"),
    TrayState.IMPORTING: N_("Importing from the grid"),
    TrayState.STALE: N_("No recent data"),
    TrayState.ERROR: N_("Cannot get data"),
    TrayState.EPS: N_("Grid outage (EPS)"),
    TrayState.FAULT: N_("Fault"),
    TrayState.SETUP: N_("Setup needed"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """A failure in words: what is wrong (title, message) and what the user can do (action)."""

    title: str
    action: str
    message: str = ""

    @property
    def sentence(self) -> str:
        """The one line the tooltip and popup show: "Token rejected — open Settings and ..."."""
        return _("{title} — {action}").format(title=self.title, action=self.action)


@dataclass(frozen=True, slots=True)
class InverterView:
    """One inverter as the popup shows it."""

    sn: str
    state: TrayState
    title: str
    """The inverter's name or type and its serial: "X3-Hybrid-G4 · SN ABC1234567"."""
    snapshot: Snapshot | None
    status_label: str | None
    status_since: float | None
    type_label: str | None
    upload_age_s: float | None
    age_fraction: float | None
    next_poll_at: float | None
    problem: Problem | None
    retrying: bool = False
    """``next_poll_at`` ends a pause or backoff (see ``InverterInput.retrying``)."""
    notes: tuple[str, ...] = ()
    """See ``InverterInput.notes``."""


@dataclass(frozen=True, slots=True)
class TrayView:
    """What the tray icon, tooltip and popup show at one moment."""

    state: TrayState
    power_w: float | None
    """Total AC power of the inverters with usable data, W."""
    soc: float | None
    """The lowest SOC over the batteries present (see :func:`fleet_soc`)."""
    age_fraction: float | None
    """How far the freshest data is through its upload cycle, 0..1; ``None`` when unknown."""
    tooltip_lines: tuple[str, ...]
    problem: Problem | None
    inverters: tuple[InverterView, ...] = ()
    requests_today: int | None = None
    daily_quota: int = DEFAULT_DAILY_QUOTA
    now: float = 0.0
    condition: AppCondition = AppCondition.OK
    yield_today_kwh: float | None = None
    """The fleet's yield so far today, kWh (see :func:`fleet_yield_today`)."""
    short_notes: tuple[str, ...] = ()
    """The inverters' short notes, for the status line (see ``InverterInput.short_note``)."""

    @property
    def needs_attention(self) -> bool:
        """Whether the tray item asks the panel for attention (StatusNotifierItem
        "NeedsAttention"): during a fault, which needs the installer."""
        return self.state is TrayState.FAULT

    @property
    def status_line(self) -> str:
        """The fleet now and today in one line, for the menu: "2.3 kW · 28 % · 25.6 kWh today";
        the state in words ("Setup needed") while no figure is known."""
        if self.power_w is None and self.yield_today_kwh is None:
            line = self.state.label
        else:
            line = fleet_status_line(self.power_w, self.soc, self.yield_today_kwh)
        return " · ".join([line, *self.short_notes])

    @property
    def power_text(self) -> str:
        """The icon's compact text ("850", "2.4k"), or a dash when no power is known."""
        if self.power_w is None:
            return "–"
        return format_power_compact(self.power_w)

    @property
    def tooltip(self) -> str:
        return "\n".join(self.tooltip_lines)

    def tooltip_within(self, limit: int = WINDOWS_TOOLTIP_LIMIT) -> str:
        """The tooltip cut to ``limit`` characters by whole lines, keeping the summary line and
        the problem sentence first.

        Why: Windows truncates a tray tooltip at 127 characters, mid-word, so with several
        inverters the sentence that says what to do would be the part lost.
        """
        lines = list(self.tooltip_lines)
        if not lines:
            return ""
        keep = [lines[0]]
        rest = lines[1:]
        if self.problem is not None and self.problem.sentence in rest:
            rest.remove(self.problem.sentence)
            sentence = self.problem.sentence
            if len(f"{lines[0]}\n{sentence}") > limit:
                sentence = self.problem.title  # at least what is wrong, if not what to do
            rest.insert(0, sentence)
        for line in rest:
            if len("\n".join([*keep, line])) <= limit:
                keep.append(line)
        text = "\n".join(keep)
        return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"

    @property
    def has_battery(self) -> bool:
        return self.soc is not None

    @property
    def visual_key(self) -> tuple[object, ...]:
        """Everything the icon's pixels depend on, quantised to what is visible.

        Why: setting a new QIcon on a tray icon leaks in some Qt versions and costs a D-Bus round
        trip on Linux; the caller compares keys and only calls ``setIcon`` when this changes.
        """
        soc = round(self.soc) if self.soc is not None and math.isfinite(self.soc) else None
        age = None if self.age_fraction is None else round(self.age_fraction * 24)
        return (self.state, self.power_text, soc, age)


# --------------------------------------------------------------------------------------------
# Formatting shared with the UI


def format_power_compact(watts: float) -> str:
    """Power in at most four characters for the icon: "0", "850", "2.4k", "12k", "1.2M".

    Negative values keep their sign (a hybrid charging its battery from the grid shows negative
    AC power); the sign is the only extra character.
    """
    if not math.isfinite(watts):
        return "–"
    sign = "-" if watts < 0 and round(abs(watts)) > 0 else ""
    w = abs(watts)
    if round(w) < 1000:
        return f"{sign}{round(w):d}"
    kw = w / 1000.0
    if round(kw, 1) < 10:
        return f"{sign}{format_number(kw, 1)}k"
    if round(kw) < 1000:
        return f"{sign}{round(kw):d}k"
    mw = kw / 1000.0
    if round(mw, 1) < 10:
        return f"{sign}{format_number(mw, 1)}M"
    return f"{sign}{round(mw):d}M"


def format_power(watts: float | None) -> str:
    """Power for reading: "850 W", "2.4 kW", "12.3 kW"; an em dash when unknown."""
    if watts is None or not math.isfinite(watts):
        return "—"
    if abs(watts) < 1000:
        return f"{format_number(watts)} W"
    if abs(watts) < 1_000_000:
        return f"{format_number(watts / 1000, 1)} kW"
    return f"{format_number(watts / 1_000_000, 2, grouping=False)} MW"


def format_energy(kwh: float | None) -> str:
    """Energy from the cloud's kWh: "12.6 kWh", "12.9 MWh"; an em dash when unknown."""
    if kwh is None or not math.isfinite(kwh):
        return "—"
    if abs(kwh) < 1000:
        return f"{format_number(kwh, 1)} kWh"
    if abs(kwh) < 1_000_000:
        return f"{format_number(kwh / 1000, 2)} MWh"
    return f"{format_number(kwh / 1_000_000, 2, grouping=False)} GWh"


def format_percent(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{format_number(value, grouping=False)} %"


def format_age(seconds: float | None) -> str:
    """How long ago: "just now", "45 s ago", "3 min ago", "2 h 5 min ago", "3 days ago"."""
    if seconds is None or not math.isfinite(seconds):
        return _("unknown")
    if seconds < -60:
        # Upload times are plant-local and clocks drift; a time far ahead is suspect, not news.
        return _("in the future (clock skew?)")
    s = max(0, int(seconds))
    if s < 10:
        return _("just now")
    if s < 60:
        return _("{seconds} s ago").format(seconds=s)
    if s < 3600:
        return _("{minutes} min ago").format(minutes=s // 60)
    if s < 86400:
        h, m = divmod(s // 60, 60)
        if m:
            return _("{hours} h {minutes} min ago").format(hours=h, minutes=m)
        return _("{hours} h ago").format(hours=h)
    days = s // 86400
    return ngettext("{n} day ago", "{n} days ago", days).format(n=days)


def format_local_clock(
    at: float | None, local_offset: Callable[[float], float] = machine_utc_offset
) -> str:
    """ "14:05": an epoch as this machine's wall clock (the plant's zone plays no part; the age
    estimate already turned the plant's time into an instant)."""
    if at is None or not math.isfinite(at):
        return _("unknown")
    try:
        wall = datetime.fromtimestamp(at + local_offset(at), UTC)
    except (OverflowError, OSError, ValueError):
        return _("unknown")
    return format_time(wall)


def format_duration(seconds: float | None) -> str:
    """A span without direction: "40 s", "5 min", "1 h 10 min"."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return _("{seconds} s").format(seconds=s)
    if s < 3600:
        m, rest = divmod(s, 60)
        if rest and m < 5:
            return _("{minutes} min {seconds} s").format(minutes=m, seconds=rest)
        return _("{minutes} min").format(minutes=m)
    h, m = divmod(s // 60, 60)
    if m:
        return _("{hours} h {minutes} min").format(hours=h, minutes=m)
    return _("{hours} h").format(hours=h)


TODAY_PHRASE = N_("{energy} today")
"""One phrase with a placeholder, so a translation can order it as its language needs (marked
for translation; translated where used)."""


def format_today(kwh: float) -> str:
    """ "25.6 kWh today"."""
    return _(TODAY_PHRASE).format(energy=format_energy(kwh))


def fleet_status_line(power_w: float | None, soc: float | None, yield_kwh: float | None) -> str:
    """The fleet now and today: "2.3 kW · 28 % · 25.6 kWh today"; unknown parts are left out,
    except the power, which shows a dash (the line keeps its place in the menu)."""
    parts = [format_power(power_w)]
    if soc is not None and math.isfinite(soc):
        parts.append(format_percent(soc))
    if yield_kwh is not None and math.isfinite(yield_kwh):
        parts.append(format_today(yield_kwh))
    return " · ".join(parts)


def fleet_yield_today(inverters: Sequence[InverterInput]) -> float | None:
    """The sum of today's yield over the inverters, kWh, or ``None`` with no yield known.

    The cloud's ``yieldtoday`` restarts at the plant's midnight, and an inverter asleep since
    yesterday evening keeps answering with yesterday's last upload; counting that figure would
    carry yesterday's yield into today. An upload counts only when it is from the plant's present
    day: the upload's plant-local time plus its age is the plant's clock now. An upload from an
    earlier day adds nothing (the inverter has not produced today, or nothing of it reached the
    cloud). Without an age the upload is taken as today's.
    """
    total: float | None = None
    for inv in inverters:
        snap = inv.snapshot
        if snap is None or snap.yield_today is None or not math.isfinite(snap.yield_today):
            continue
        upload = snap.upload_time
        age = inv.upload_age_s
        if upload is not None and age is not None and math.isfinite(age):
            try:
                plant_now = upload + timedelta(seconds=max(0.0, age))
            except OverflowError:
                continue
            if plant_now.date() != upload.date():
                total = total or 0.0
                continue
        total = (total or 0.0) + snap.yield_today
    return total


# --------------------------------------------------------------------------------------------
# Rules


def stale_threshold(interval_s: float, override_s: float | None = None) -> float:
    """Data is stale after two missed uploads (plus publishing grace), unless the user chose a
    threshold of their own."""
    if override_s is not None and override_s > 0:
        return override_s
    return 2 * interval_s + STALE_GRACE_S


def age_fraction(age_s: float | None, interval_s: float) -> float | None:
    """Position in the upload cycle, 0 (just uploaded) to 1 (the next upload is due or late)."""
    if age_s is None or not math.isfinite(age_s) or interval_s <= 0:
        return None
    return min(1.0, max(0.0, age_s / interval_s))


def fleet_soc(snapshots: Sequence[Snapshot]) -> float | None:
    """The lowest SOC of the batteries present.

    Why the minimum and not a weighted mean: the API does not tell battery capacities, so any
    weighting would be a guess, and the battery closest to empty is the one the owner has to act
    on (it is also what the low-SOC alert watches).
    """
    socs = [
        s.soc for s in snapshots if s.has_battery and s.soc is not None and math.isfinite(s.soc)
    ]
    return min(socs) if socs else None


def _snapshot_state(snap: Snapshot) -> TrayState:
    status = snap.inverter_status
    if status is not None and status.is_fault:
        return TrayState.FAULT
    if snap.bat_status is BatteryStatus.FAULT:
        # A battery fault needs the installer as much as an inverter fault does.
        return TrayState.FAULT
    if status is not None and status.is_eps:
        return TrayState.EPS
    return _flow_state(snap.pv_total, snap.ac_power, snap.grid_import)


def _flow_state(pv: float | None, ac: float | None, grid_import: float | None) -> TrayState:
    production = pv if pv is not None else ac
    if production is not None and production >= PRODUCING_MIN_W:
        return TrayState.PRODUCING
    if grid_import is not None and grid_import >= IMPORTING_MIN_W:
        return TrayState.IMPORTING
    return TrayState.IDLE


def inverter_state(inv: InverterInput, *, stale_after_s: float | None = None) -> TrayState:
    """One inverter's state. Fault and EPS win even on old data: the last thing the cloud heard
    was a fault, and going quiet after a fault is no reason to stop saying so."""
    snap = inv.snapshot
    if snap is None:
        return TrayState.ERROR if inv.error is not None else TrayState.STALE
    state = _snapshot_state(snap)
    if state in (TrayState.FAULT, TrayState.EPS):
        return state
    if inv.availability is Availability.OFFLINE:
        return TrayState.STALE
    if inv.availability is Availability.ASLEEP:
        return TrayState.NIGHT
    threshold = stale_threshold(inv.upload_interval_s, stale_after_s)
    if inv.upload_age_s is not None and inv.upload_age_s > threshold:
        # Until the alert rules have judged the silence (they need a while after start-up), an
        # upload that ended without sun and without a working battery is the dongle going to
        # sleep for the night, not an outage: the same reading the alert rules make.
        return TrayState.NIGHT if _looks_asleep(snap) else TrayState.STALE
    return state


def _looks_asleep(snap: Snapshot) -> bool:
    production = snap.pv_total if snap.pv_total is not None else snap.ac_power
    if production is None or not math.isfinite(production) or production >= PRODUCING_MIN_W:
        return False
    bat = snap.bat_power
    return bat is None or not math.isfinite(bat) or abs(bat) < BATTERY_ACTIVE_W


def _type_label(snap: Snapshot | None) -> str | None:
    if snap is None or snap.inverter_type is None:
        return None
    return snap.inverter_type.label


def inverter_title(inv: InverterInput) -> str:
    """The inverter's name in titles, e.g. "X3-Hybrid-G4 · SN ABC1234567".

    The type name comes first because owners recognise their inverter by model, not by serial.
    """
    name = inv.name or _type_label(inv.snapshot) or _("Inverter")
    return _("{name} · SN {sn}").format(name=name, sn=inv.sn)


def _error_problem(error: ApiError) -> Problem:
    action = _("retrying automatically.")
    if isinstance(error, SerialUnknown):
        action = _(
            "open Settings and enter the registration number printed on the dongle, not the "
            "inverter's serial."
        )
    elif isinstance(error, SerialNotReporting):
        action = _("check that the dongle is powered and connected to Wi-Fi.")
    elif isinstance(error, ServerError):
        action = _("nothing to do; retrying automatically.")
    return Problem(error.title, action, error.message)


_STATUS_SINCE_FOR = N_("{status} since {time} ({duration})")
_STATUS_SINCE = N_("{status} since {time}")


def _inverter_problem(inv: InverterInput, state: TrayState, now: float) -> Problem | None:
    snap = inv.snapshot
    if state is TrayState.FAULT and snap is not None:
        status = snap.inverter_status
        if status is not None and status.is_fault:
            title = _(status.label)
            if inv.status_since is not None and now >= inv.status_since:
                # "since 21:43 (12 min)"; under a minute the time alone, never "for 0 s".
                fields = {"status": title, "time": format_local_clock(inv.status_since)}
                if now - inv.status_since >= 60:
                    fields["duration"] = format_duration(now - inv.status_since)
                    title = _(_STATUS_SINCE_FOR).format(**fields)
                else:
                    title = _(_STATUS_SINCE).format(**fields)
            return Problem(
                title,
                _("look at the inverter's display; call your installer if it does not clear."),
            )
        return Problem(
            _("Battery fault"),
            _(
                "look at the battery and inverter displays; call your installer if it does not "
                "clear."
            ),
        )
    if state is TrayState.EPS:
        return Problem(
            _("Grid outage: the inverter is in EPS mode"),
            _("keep the load low until the grid returns."),
        )
    if inv.error is not None and condition_for_error(inv.error) is AppCondition.OK:
        return _error_problem(inv.error)
    if state is TrayState.STALE and snap is None:
        # Before the first answer: nothing has gone wrong yet, so there is nothing to fix.
        return None
    if state is TrayState.STALE:
        if inv.upload_age_s is not None:
            title = _("No new data for {duration}").format(
                duration=format_duration(inv.upload_age_s)
            )
        else:
            title = _("No data yet")
        return Problem(title, _("check that the dongle is powered and connected to Wi-Fi."))
    if snap is not None and snap.bat_status is BatteryStatus.DISCONNECTED:
        return Problem(_("Battery disconnected"), _("check the battery's breaker and cables."))
    return None


def condition_problem(
    condition: AppCondition, detail: str | None = None, backend: str = BACKEND_TOKEN
) -> Problem | None:
    """The fixed sentence for an app-wide condition; the setup sentences name the credentials of
    the API in use (a Developer API user has no tokenId to paste)."""
    own = _api_condition_texts(backend).get(condition.value)
    if own is not None:
        title, action = own
        return Problem(_(title), _(action), detail or "")
    texts: dict[AppCondition, tuple[str, str]] = {
        AppCondition.NO_TOKEN: (
            N_("Setup needed"),
            N_("open Settings and paste the tokenId from SolaX Cloud (Service → API)."),
        ),
        AppCondition.NO_SERIALS: (
            N_("No inverter configured"),
            N_("open Settings and add the registration number printed on the dongle."),
        ),
        AppCondition.TOKEN_REJECTED: (
            N_("Token rejected"),
            N_("open Settings and paste the tokenId from SolaX Cloud."),
        ),
        AppCondition.RATE_LIMITED: (
            N_("Too many requests"),
            N_("polling slows down by itself; close other apps that use the same token."),
        ),
        AppCondition.BANNED: (
            N_("SolaX Cloud blocked requests for an hour"),
            N_("polling resumes by itself; close other apps that use the same token."),
        ),
        AppCondition.KEYRING_LOCKED: (
            N_("Keyring locked"),
            N_("unlock your keyring, then choose Retry in Settings."),
        ),
        AppCondition.KEYRING_MISSING: (
            N_("No keyring available"),
            N_("start a Secret Service keyring (GNOME Keyring, KWallet) or set SOLAXTRAY_TOKEN."),
        ),
        AppCondition.NO_NETWORK: (
            N_("No connection to SolaX Cloud"),
            N_("check the internet connection; retrying automatically."),
        ),
        AppCondition.SERVER_TROUBLE: (
            N_("SolaX Cloud is having trouble"),
            N_("nothing to do; retrying automatically."),
        ),
    }
    if condition not in texts:
        return None
    title, action = texts[condition]
    return Problem(_(title), _(action), detail or "")


def _api_condition_texts(backend: str) -> Mapping[str, tuple[str, str]]:
    """The API's own setup sentences; none for a name the registry does not know (the general
    sentences then stand)."""
    from solaxtray.core.api.registry import ALIASES, SPECS

    kind = ALIASES.get(backend.strip().lower()) if isinstance(backend, str) else None
    return SPECS[kind].wording.condition_texts if kind is not None else {}


def _worst(states: Sequence[TrayState]) -> TrayState:
    problems = [s for s in states if s.is_problem]
    if problems:
        return max(problems)
    if TrayState.PRODUCING in states:
        return TrayState.PRODUCING
    if TrayState.IMPORTING in states:
        return TrayState.IMPORTING
    if states and all(s is TrayState.NIGHT for s in states):
        return TrayState.NIGHT
    return TrayState.IDLE


def _effective_condition(fleet: FleetInput) -> AppCondition:
    if fleet.condition is not AppCondition.OK:
        return fleet.condition
    if not fleet.inverters:
        return AppCondition.NO_SERIALS
    found = [condition_for_error(i.error) for i in fleet.inverters]
    for cond in (
        AppCondition.TOKEN_REJECTED,
        AppCondition.BANNED,
        AppCondition.RATE_LIMITED,
    ):
        if cond in found:
            return cond
    # A network outage is app-wide only when every serial failed the same way.
    if found and all(c is AppCondition.NO_NETWORK for c in found):
        return AppCondition.NO_NETWORK
    return AppCondition.OK


def build_view(fleet: FleetInput) -> TrayView:
    """The single place where fleet state becomes what the user sees."""
    condition = _effective_condition(fleet)
    now = fleet.now
    inverter_views: list[InverterView] = []
    states: list[TrayState] = []
    live: list[Snapshot] = []
    stale: list[Snapshot] = []
    fractions: list[float] = []
    for inv in fleet.inverters:
        state = inverter_state(inv, stale_after_s=fleet.stale_after_s)
        states.append(state)
        snap = inv.snapshot
        frac = age_fraction(inv.upload_age_s, inv.upload_interval_s)
        if snap is not None:
            if state is TrayState.STALE:
                stale.append(snap)
            else:
                live.append(snap)
        if frac is not None:
            fractions.append(frac)
        status = snap.inverter_status if snap is not None else None
        inverter_views.append(
            InverterView(
                sn=inv.sn,
                state=state,
                title=inverter_title(inv),
                snapshot=snap,
                status_label=_(status.label) if status is not None else None,
                status_since=inv.status_since,
                type_label=_type_label(snap),
                upload_age_s=inv.upload_age_s,
                age_fraction=frac,
                next_poll_at=inv.next_poll_at,
                problem=_inverter_problem(inv, state, now),
                retrying=inv.retrying,
                notes=inv.notes,
            )
        )

    # An inverter not yet asked (or not yet answered) says nothing about the fleet: at start-up
    # the first answers arrive one by one, and the first one must not read "No recent data".
    waiting = [
        inv.snapshot is None and inv.error is None and s is TrayState.STALE
        for inv, s in zip(fleet.inverters, states, strict=True)
    ]
    judged = [s for s, w in zip(states, waiting, strict=True) if not w] or states
    if condition in _SETUP_CONDITIONS:
        state = TrayState.SETUP
    elif condition.blocks_data:
        state = TrayState.ERROR
    else:
        state = _worst(judged)

    # Power and SOC from live data; when nothing is live, the last known values (drawn grey).
    shown = live or stale
    powers = [p for p in (_power_of(s) for s in shown) if p is not None and math.isfinite(p)]
    power = sum(powers) if powers else None
    soc = fleet_soc(shown)
    frac_all = min(fractions) if fractions else None

    problem = condition_problem(condition, fleet.condition_detail, fleet.backend)
    if problem is None:
        for view in sorted(inverter_views, key=lambda v: v.state, reverse=True):
            if view.problem is not None:
                problem = view.problem
                if len(inverter_views) > 1:
                    problem = Problem(
                        _("{sn}: {title}").format(sn=view.sn, title=problem.title),
                        problem.action,
                        problem.message,
                    )
                break

    yield_today = fleet_yield_today(fleet.inverters)
    multiple = len(fleet.inverters) > 1
    short_notes = tuple(
        _("{sn}: {note}").format(sn=inv.sn, note=inv.short_note) if multiple else inv.short_note
        for inv in fleet.inverters
        if inv.short_note
    )
    tooltip = _tooltip(
        state,
        power,
        soc,
        inverter_views,
        problem,
        now=now,
        local_offset=fleet.local_offset,
        yield_today=yield_today,
    )
    if short_notes:  # after the state line: what an outage leaves, an alarm's code
        tooltip = (*tooltip[:2], *short_notes, *tooltip[2:])
    return TrayView(
        state=state,
        power_w=power,
        soc=soc,
        age_fraction=frac_all,
        tooltip_lines=tooltip,
        problem=problem,
        inverters=tuple(inverter_views),
        requests_today=fleet.requests_today,
        daily_quota=fleet.daily_quota,
        now=now,
        condition=condition,
        yield_today_kwh=yield_today,
        short_notes=short_notes,
    )


def _power_of(snap: Snapshot) -> float | None:
    return snap.ac_power if snap.ac_power is not None else snap.pv_total


def _tooltip(
    state: TrayState,
    power: float | None,
    soc: float | None,
    inverters: Sequence[InverterView],
    problem: Problem | None,
    *,
    now: float,
    local_offset: Callable[[float], float],
    yield_today: float | None = None,
) -> tuple[str, ...]:
    # The first line keeps its shape in every state so a glance (and a screen reader) finds the
    # numbers at the same place.
    lines = [f"{APP_NAME} · {fleet_status_line(power, soc, yield_today)}"]
    second = state.label
    if state is TrayState.STALE and all(v.snapshot is None for v in inverters):
        second = _("Waiting for the first data")
    # A clock time, not "28 s ago": the tooltip is rebuilt only when a poll brings news (nothing
    # ticks while idle), and an absolute time stays true in between.
    ages = [v.upload_age_s for v in inverters if v.upload_age_s is not None]
    if ages and state is not TrayState.SETUP:
        second = _("{state} · updated {time}").format(
            state=second, time=format_local_clock(now - min(ages), local_offset)
        )
    lines.append(second)
    if len(inverters) > 1:
        for v in inverters:
            label = v.state.label
            if v.snapshot is None and v.problem is None:
                label = _("waiting for data")
            shown = format_power(_power_of(v.snapshot) if v.snapshot else None)
            lines.append(f"{v.sn}: {shown} · {label}")
    if problem is not None:
        lines.append(problem.sentence)
    return tuple(lines)


# --------------------------------------------------------------------------------------------
# Status history


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


def snapshot_local_time(snap: Snapshot) -> datetime | None:
    """The upload time as the plant shows it (plant-local wall clock, no zone)."""
    return snap.upload_time
