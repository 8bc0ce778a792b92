"""The inputs the view is built from and the view itself: plain frozen data, and the
conditions and states they are told in. Qt-free.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from solaxtray.core.api.registry import DEFAULT_KIND
from solaxtray.core.errors import (
    ApiError,
    EnvTokenUnusable,
    NetworkError,
    RateLimited,
    SecretStoreError,
    SecretStoreLocked,
    SolaxTrayError,
    TokenRejected,
)
from solaxtray.core.i18n import N_, _
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation.formatting import (
    fleet_status_line,
    format_power_compact,
    machine_utc_offset,
)
from solaxtray.core.quota import PUBLISHED_PER_DAY

DEFAULT_UPLOAD_INTERVAL_S = 300.0
"""The cloud gets new data about every 5 minutes per dongle (field notes, "Time")."""
DEFAULT_DAILY_QUOTA = PUBLISHED_PER_DAY
DEFAULT_BACKEND: str = DEFAULT_KIND.value
"""The API a view is worded for when none is named: the registry's default."""
WINDOWS_TOOLTIP_LIMIT = 127
"""A Windows tray tooltip holds 128 UTF-16 units including the terminator."""


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
    NO_CREDENTIALS = "no_credentials"
    NO_SERIALS = "no_serials"
    CREDENTIALS_REJECTED = "token_rejected"
    """The token or the client id and secret were refused. The value is older than the name:
    the APIs' own wording tables (``core.api.registry``) are keyed by it."""
    RATE_LIMITED = "rate_limited"
    BANNED = "banned"
    KEYRING_LOCKED = "keyring_locked"
    KEYRING_MISSING = "keyring_missing"
    ENV_TOKEN_UNUSABLE = "env_token_unusable"  # noqa: S105 (a condition's name, not a secret)
    """``SOLAXTRAY_TOKEN`` cannot be a tokenId: nothing is asked, and the fix is outside the app
    (the environment), so the sentence says that rather than "open Settings"."""
    NO_NETWORK = "no_network"
    SERVER_TROUBLE = "server_trouble"

    @property
    def blocks_data(self) -> bool:
        """Whether no new data can arrive until the user acts (or the ban ends): such a condition
        takes over the icon, because the last values would pretend all is well."""
        return self in _BLOCKING_CONDITIONS


_BLOCKING_CONDITIONS = frozenset(
    {
        AppCondition.NO_CREDENTIALS,
        AppCondition.NO_SERIALS,
        AppCondition.CREDENTIALS_REJECTED,
        AppCondition.BANNED,
        AppCondition.KEYRING_LOCKED,
        AppCondition.KEYRING_MISSING,
        AppCondition.ENV_TOKEN_UNUSABLE,
    }
)
SETUP_CONDITIONS = frozenset(
    {
        AppCondition.NO_CREDENTIALS,
        AppCondition.NO_SERIALS,
        AppCondition.KEYRING_MISSING,
        AppCondition.ENV_TOKEN_UNUSABLE,
    }
)


def condition_for_error(error: SolaxTrayError | None) -> AppCondition:
    """The app-wide condition an error implies, or ``OK`` when it concerns one serial only.

    A rejected token or a network outage hits every serial, so it is shown once for the app rather
    than once per inverter.
    """
    if isinstance(error, TokenRejected):
        return AppCondition.CREDENTIALS_REJECTED
    if isinstance(error, RateLimited):
        return AppCondition.BANNED if error.banned else AppCondition.RATE_LIMITED
    if isinstance(error, NetworkError):
        return AppCondition.NO_NETWORK
    if isinstance(error, EnvTokenUnusable):
        return AppCondition.ENV_TOKEN_UNUSABLE
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
    backend: str = DEFAULT_BACKEND
    """The SolaX API in use ("token" or "developer"): the setup sentences name its credentials."""
    local_offset: Callable[[float], float] = field(default=machine_utc_offset)
    """This machine's offset from UTC at an epoch, for the tooltip's clock time of the upload."""


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
