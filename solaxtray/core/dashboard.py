"""What the popup's dashboard says: the fleet now, today's totals, the inverter cards, the chart
read-outs and the diagnostics. Qt-free.

The popup draws what these functions return and decides nothing itself, so the wording, the
choice of what to show and the chart models are tested without a display. History figures come
in as anything shaped like the history store's ``DayFigures`` and ``CurvePoint`` (see the
protocols below), so this module needs no database to test either.

Over 500 lines: the wording of one window in the order the popup shows it (now, today, cards,
charts, daily and monthly bars, diagnostics); the sections are small and independent and share the formatters and protocols
at the top.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from solaxtray.core.charts import Axis, day_ticks, nice_axis, percent_axis
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import (
    format_datetime,
    format_day_month,
    format_long_datetime,
    format_number,
    format_time,
    format_weekday_day_month,
    month_short,
    weekday_short,
)
from solaxtray.core.models import BatteryStatus, Snapshot
from solaxtray.core.presentation import (
    InverterView,
    TrayState,
    TrayView,
    format_age,
    format_duration,
    format_energy,
    format_percent,
    format_power,
    machine_utc_offset,
)

FLEET = "all"
"""The serial the daily figures use for the whole fleet."""


# --------------------------------------------------------------------------------------------
# Phrases


def format_battery(bat_power: float | None, soc: float | None) -> str:
    """ "Charging 1.2 kW · 67 %", "Discharging 450 W · 40 %", "Idle · 100 %".

    Sign from the field notes: ``batPower`` positive = charging, negative = discharging.
    """
    parts: list[str] = []
    if bat_power is not None and math.isfinite(bat_power):
        if bat_power >= 1:
            parts.append(_("Charging {power}").format(power=format_power(bat_power)))
        elif bat_power <= -1:
            parts.append(_("Discharging {power}").format(power=format_power(-bat_power)))
        else:
            parts.append(_("Idle"))
    if soc is not None:
        parts.append(format_percent(soc))
    return " · ".join(parts) if parts else "—"


def format_grid(feedin_power: float | None) -> str:
    """ "Exporting 2.1 kW" / "Importing 350 W" / "Balanced".

    Sign from the field notes: ``feedinpower`` positive = export to the grid, negative = import.
    """
    if feedin_power is None or not math.isfinite(feedin_power):
        return "—"
    if feedin_power >= 1:
        return _("Exporting {power}").format(power=format_power(feedin_power))
    if feedin_power <= -1:
        return _("Importing {power}").format(power=format_power(-feedin_power))
    return _("Balanced")


def format_clock_time(value: datetime | float | None) -> str:
    """A time of day for the popup: "14:05:09"; epoch seconds are shown in local time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_time(value, seconds=True)
    if not math.isfinite(value):
        return "—"
    return format_time(datetime.fromtimestamp(value), seconds=True)


def format_since(since: float | None, now: float) -> str:
    """ "since 14:02 (12 min)" for a status' start; empty when unknown."""
    if since is None or not math.isfinite(since):
        return ""
    clock = format_time(datetime.fromtimestamp(since))
    return _("since {time} ({duration})").format(
        time=clock, duration=format_duration(max(0.0, now - since))
    )


def format_next_poll(next_poll_at: float | None, now: float) -> str:
    """ "in 40 s", "now", or "none scheduled" (stopped by a rejected token or unknown serial
    until the settings change; a bare dash read like a missing value)."""
    if next_poll_at is None or not math.isfinite(next_poll_at):
        return _("none scheduled")
    wait = next_poll_at - now
    if wait <= 1:
        return _("now")
    return _("in {duration}").format(duration=format_duration(wait))


def format_next_try(next_try_at: float | None, now: float) -> str:
    """ "next try at 14:05": the end of a pause (rate limit) or of a backoff after errors. A
    clock time, because a countdown there read like ordinary polling that keeps slipping."""
    if next_try_at is None or not math.isfinite(next_try_at):
        return _("none scheduled")
    if next_try_at - now <= 1:
        return _("now")
    return _("next try at {time}").format(time=format_time(datetime.fromtimestamp(next_try_at)))


def format_quota(used: int | None, quota: int) -> str:
    """ "123 of 10,000 today (1 %)"."""
    if used is None:
        return "—"
    pct = 100.0 * used / quota if quota > 0 else 0.0
    return _("{used} of {quota} today ({percent})").format(
        used=format_number(used), quota=format_number(quota), percent=format_percent(pct)
    )


@dataclass(frozen=True, slots=True)
class Age:
    """An age as the face shows it ("2 min ago") and the moment it stands for (the tooltip)."""

    relative: str
    absolute: str


def age_text(
    age_s: float | None,
    now: float,
    local_offset: Callable[[float], float] = machine_utc_offset,
) -> Age:
    """ "2 min ago" with "Sun 29 Nov 14:05:09" (this machine's clock) behind it."""
    relative = format_age(age_s)
    if age_s is None or not math.isfinite(age_s) or not math.isfinite(now):
        return Age(relative, _("unknown"))
    at = now - age_s
    try:
        wall = datetime.fromtimestamp(at + local_offset(at), UTC)
    except (OverflowError, OSError, ValueError):
        return Age(relative, _("unknown"))
    return Age(relative, format_long_datetime(wall))


# --------------------------------------------------------------------------------------------
# The full field list of one inverter (behind "Details")

FIELDS: tuple[tuple[str, str], ...] = (
    ("status", N_("Status")),
    ("notes", N_("Notes")),
    ("type", N_("Type")),
    ("ac", N_("AC power")),
    ("pv", N_("PV")),
    ("battery", N_("Battery")),
    ("battery_status", N_("Battery state")),
    ("grid", N_("Grid")),
    ("eps", N_("EPS")),
    ("yield", N_("Yield")),
    ("energy", N_("Grid energy")),
    ("upload", N_("Last upload")),
    ("next_poll", N_("Next poll")),
    ("problem", N_("Problem")),
)
"""The rows of an inverter's details: key (used in object names and by tests) and label."""
DETAIL_KEYS = tuple(key for key, _label in FIELDS if key != "next_poll")
"""The rows shown under "Details"; the next poll is a polling internal (Diagnostics)."""


def inverter_rows(view: InverterView, now: float) -> dict[str, str | None]:
    """The text of every row of one inverter; ``None`` hides the row."""
    snap = view.snapshot
    rows: dict[str, str | None] = dict.fromkeys(key for key, _label in FIELDS)
    status = view.status_label or (_("No data yet") if snap is None else _("Unknown"))
    since = format_since(view.status_since, now)
    rows["status"] = f"{status} · {since}" if since else status
    rows["notes"] = "\n".join(view.notes) if view.notes else None
    # The title names the type already unless the user gave the inverter a name.
    if view.type_label is not None and view.type_label not in view.title:
        rows["type"] = view.type_label
    if view.retrying:
        rows["next_poll"] = format_next_try(view.next_poll_at, now)
    else:
        rows["next_poll"] = format_next_poll(view.next_poll_at, now)
    rows["problem"] = view.problem.sentence if view.problem is not None else None
    if snap is None:
        return rows
    rows["ac"] = format_power(snap.ac_power)
    rows["pv"] = _pv_text(snap)
    if snap.has_battery or snap.bat_power not in (None, 0.0):
        rows["battery"] = format_battery(snap.bat_power, snap.soc)
    if snap.bat_status is not None and snap.bat_status is not BatteryStatus.NORMAL:
        rows["battery_status"] = snap.bat_status.label
    # Without a meter the cloud sends null: say so rather than draw a dash that looks broken.
    rows["grid"] = (
        _("not measured") if snap.feedin_power is None else format_grid(snap.feedin_power)
    )
    rows["eps"] = _eps_text(snap)
    rows["yield"] = _("{today} {day} · {total} total").format(
        today=format_energy(snap.yield_today),
        day=_yield_day(snap, view.upload_age_s),
        total=format_energy(snap.yield_total),
    )
    if snap.feedin_energy is not None or snap.consume_energy is not None:
        rows["energy"] = _("fed in {fed_in} · consumed {consumed} (lifetime)").format(
            fed_in=format_energy(snap.feedin_energy), consumed=format_energy(snap.consume_energy)
        )
    if snap.upload_time is not None:
        # Plant-local wall time: shown as the plant shows it, with our own estimate of its age.
        when = format_datetime(snap.upload_time)
        rows["upload"] = _("{time} plant time · {age}").format(
            time=when, age=format_age(view.upload_age_s)
        )
    elif snap.upload_time_raw:
        rows["upload"] = snap.upload_time_raw
    return rows


def _yield_day(snap: Snapshot, age_s: float | None) -> str:
    """ "today", or the plant's date of the upload when that was an earlier day: after a night
    without uploads the cloud still answers with yesterday's last upload and its day total."""
    day = _upload_day(snap, age_s)
    if day is None:
        return _("today")
    return _("on {date}").format(date=format_day_month(day))


def _upload_day(snap: Snapshot, age_s: float | None) -> date | None:
    """The plant's date of the upload when that was before the plant's today, else ``None``."""
    upload = snap.upload_time
    if upload is None or age_s is None or not math.isfinite(age_s) or age_s < 0:
        return None
    try:
        plant_now = upload + timedelta(seconds=age_s)
    except OverflowError:
        return None
    if plant_now.date() == upload.date():
        return None
    return upload.date()


def _pv_text(snap: Snapshot) -> str:
    present = [(i + 1, p) for i, p in enumerate(snap.pv_power) if p is not None]
    if not present:
        return "—"
    total = format_power(snap.pv_total)
    # "0 W = 0 W (MPPT1) + 0 W (MPPT2)" says nothing the total does not.
    if len(present) == 1 or not any(abs(p) >= 1 for _, p in present):
        return total
    parts = " + ".join(f"{format_power(p)} (MPPT{i})" for i, p in present)
    return f"{total} = {parts}"


def _eps_text(snap: Snapshot) -> str | None:
    """EPS per phase, only when in use: during an EPS episode or when a phase carries load."""
    in_eps = snap.inverter_status is not None and snap.inverter_status.is_eps
    phases = [(name, p) for name, p in zip("RST", snap.eps_power, strict=True) if p is not None]
    if not phases or not (in_eps or any(abs(p) >= 1 for _, p in phases)):
        return None
    return " · ".join(f"{name} {format_power(p)}" for name, p in phases)


# --------------------------------------------------------------------------------------------
# Headline tiles


@dataclass(frozen=True, slots=True)
class Tile:
    """One labelled figure: "PV" / "6.5 kW" / "AC output 2.3 kW".

    ``spoken`` is the whole sentence a screen reader says for the tile.
    """

    key: str
    label: str
    value: str
    detail: str = ""
    tooltip: str = ""

    @property
    def spoken(self) -> str:
        if self.detail:
            return _("{label}: {value}, {detail}").format(
                label=self.label, value=self.value, detail=self.detail
            )
        return _("{label}: {value}").format(label=self.label, value=self.value)


def _live(view: TrayView) -> list[Snapshot]:
    """The snapshots the fleet figures add up: fresh data first, the last known when nothing is
    fresh (drawn as such by the state)."""
    fresh = [
        inv.snapshot
        for inv in view.inverters
        if inv.snapshot is not None and inv.state is not TrayState.STALE
    ]
    return fresh or [inv.snapshot for inv in view.inverters if inv.snapshot is not None]


def _total(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None and math.isfinite(v)]
    return sum(present) if present else None


def _home_load(snap: Snapshot) -> float | None:
    """The house load plus what the EPS outlet supplies: during an outage that is all of it."""
    load = snap.house_load
    eps = sum(p for p in snap.eps_power if p is not None and math.isfinite(p) and p > 0)
    if load is None:
        return eps if eps > 0 else None
    return load + eps


def now_tiles(view: TrayView) -> tuple[Tile, ...]:
    """The fleet now: PV, home, grid in or out, battery charge and power."""
    snaps = _live(view)
    pv = _total([s.pv_total for s in snaps])
    ac = _total([s.ac_power for s in snaps])
    home = _total([_home_load(s) for s in snaps])
    grid = _total([s.feedin_power for s in snaps])
    tiles = [
        Tile(
            "pv",
            _("PV"),
            format_power(pv),
            _("AC output {power}").format(power=format_power(ac)) if ac is not None else "",
            _("Solar power now, all inverters; AC output is what the inverters deliver."),
        ),
        Tile("home", _("Home"), format_power(home), "", _("Estimated house consumption now.")),
        _grid_tile(grid),
        _battery_tile(snaps),
    ]
    return tuple(tiles)


def _grid_tile(grid: float | None) -> Tile:
    tip = _("Power to or from the grid now, all inverters.")
    if grid is None or not math.isfinite(grid):
        return Tile("grid", _("Grid"), "—", _("not measured"), tip)
    if grid >= 1:
        return Tile("grid", _("Grid"), format_power(grid), _("exporting"), tip)
    if grid <= -1:
        return Tile("grid", _("Grid"), format_power(-grid), _("importing"), tip)
    return Tile("grid", _("Grid"), format_power(0), _("balanced"), tip)


def _battery_tile(snaps: Sequence[Snapshot]) -> Tile:
    batteries = [s for s in snaps if s.has_battery and s.soc is not None and math.isfinite(s.soc)]
    if not batteries:
        return Tile("battery", _("Battery"), "—", _("none reported"))
    power = _total([s.bat_power for s in batteries])
    if power is None or abs(power) < 1:
        detail = _("idle")
    elif power > 0:
        detail = _("charging {power}").format(power=format_power(power))
    else:
        detail = _("discharging {power}").format(power=format_power(-power))
    if len(batteries) == 1:
        return Tile("battery", _("Battery"), format_percent(batteries[0].soc), detail)
    socs = [s.soc for s in batteries if s.soc is not None]
    mean = sum(socs) / len(socs)
    # The API tells no capacities, so the mean is capacity-blind: the tooltip names each one.
    each = ", ".join(f"{s.sn} {format_percent(s.soc)}" for s in batteries)
    return Tile(
        "battery",
        _("Batteries ({count}, mean)").format(count=len(batteries)),
        format_percent(mean),
        detail,
        _("Mean of {count} batteries, not weighted by capacity: {each}.").format(
            count=len(batteries), each=each
        ),
    )


class DayTotals(Protocol):
    """What the dashboard reads of a day's figures (the history store's ``DayFigures``)."""

    @property
    def date(self) -> date: ...
    @property
    def sn(self) -> str: ...
    @property
    def yield_kwh(self) -> float | None: ...
    @property
    def export_kwh(self) -> float | None: ...
    @property
    def import_kwh(self) -> float | None: ...
    @property
    def consumption_kwh(self) -> float | None: ...
    @property
    def self_consumption_pct(self) -> float | None: ...
    @property
    def autarky_pct(self) -> float | None: ...
    @property
    def partial(self) -> bool: ...


def live_yield_today(view: TrayView) -> float | None:
    """Today's yield as the cloud says it now: the sum of the inverters' day counters, leaving
    out an inverter whose last upload is from an earlier day."""
    values = [
        inv.snapshot.yield_today
        for inv in view.inverters
        if inv.snapshot is not None and _upload_day(inv.snapshot, inv.upload_age_s) is None
    ]
    return _total(values)


def today_tiles(view: TrayView, today: DayTotals | None) -> tuple[Tile, ...]:
    """Today: yield, self-consumption, autarky, import and export.

    The yield is the cloud's own day counter when the inverters have reported today; the other
    figures need the lifetime counters over the day, so they come from the history. A day with
    gaps is said to be partial, and a figure never known stays a dash.
    """
    partial = _("partial day: the history has gaps") if today is not None and today.partial else ""
    live = live_yield_today(view)
    yield_kwh = live if live is not None else (today.yield_kwh if today is not None else None)
    figures = today
    return (
        Tile("yield", _("Yield"), format_energy(yield_kwh), "", _("Energy produced today.")),
        Tile(
            "self_consumption",
            _("Self-consumption"),
            format_percent(figures.self_consumption_pct if figures else None),
            "",
            _("The share of today's yield used at home rather than exported."),
        ),
        Tile(
            "autarky",
            _("Autarky"),
            format_percent(figures.autarky_pct if figures else None),
            "",
            _("The share of today's consumption not bought from the grid."),
        ),
        Tile(
            "import",
            _("Imported"),
            format_energy(figures.import_kwh if figures else None),
            "",
            _("Energy bought from the grid today."),
        ),
        Tile(
            "export",
            _("Exported"),
            format_energy(figures.export_kwh if figures else None),
            partial,
            _("Energy sent to the grid today."),
        ),
    )


def fleet_day(figures: Sequence[DayTotals], day: date) -> DayTotals | None:
    """The fleet's figures (``sn == "all"``) for ``day``, if the history has any."""
    for fig in figures:
        if fig.sn == FLEET and fig.date == day:
            return fig
    return None


ZONE_STEP_S = 900.0
"""Every time zone in use is a whole number of quarter hours from UTC."""


def plant_offset(
    view: TrayView, local_offset: Callable[[float], float] = machine_utc_offset
) -> float:
    """The plant's offset from UTC in seconds: an upload's plant wall time minus the moment its
    age puts it at, to the quarter hour; this machine's offset when no upload is known."""
    for inv in view.inverters:
        snap = inv.snapshot
        age = inv.upload_age_s
        if snap is None or snap.upload_time is None or age is None or not math.isfinite(age):
            continue
        wall = snap.upload_time.replace(tzinfo=UTC).timestamp()
        return round((wall - (view.now - age)) / ZONE_STEP_S) * ZONE_STEP_S
    return local_offset(view.now)


class StoredMoment(Protocol):
    """What the offset needs of a stored row (the history store's ``StoredRow``)."""

    @property
    def local(self) -> datetime: ...
    @property
    def at_utc(self) -> float: ...


def history_offset(rows: Sequence[StoredMoment]) -> float | None:
    """The plant's offset from UTC as the history recorded it (its newest row's plant wall time
    minus its moment), to the quarter hour; ``None`` without rows. The curve is placed with this
    offset, so it sits where the history's own days begin and end."""
    if not rows:
        return None
    newest = max(rows, key=lambda r: r.at_utc)
    wall = newest.local.replace(tzinfo=UTC).timestamp()
    return round((wall - newest.at_utc) / ZONE_STEP_S) * ZONE_STEP_S


def plant_today(
    view: TrayView,
    local_offset: Callable[[float], float] = machine_utc_offset,
    known_offset_s: float | None = None,
) -> date:
    """The plant's today (upload times are plant wall time). ``known_offset_s`` is the plant's
    offset as the history recorded it: the view's own guess assumes this machine's zone until an
    upload was seen arriving, which just after the plant's midnight names the wrong day."""
    offset = known_offset_s if known_offset_s is not None else plant_offset(view, local_offset)
    try:
        return datetime.fromtimestamp(view.now + offset, UTC).date()
    except (OverflowError, OSError, ValueError):
        return datetime.fromtimestamp(view.now, UTC).date()


# --------------------------------------------------------------------------------------------
# Inverter cards


@dataclass(frozen=True, slots=True)
class Card:
    """One inverter at a glance; the full field list is :func:`inverter_rows`."""

    sn: str
    title: str
    state: TrayState
    status: str
    """ "Normal Mode · since 14:02 (12 min)", with a symbol that says a problem by shape."""
    power: str
    battery: str | None
    yield_today: str
    age: Age | None
    problem: str | None
    notes: tuple[str, ...] = ()
    """What the alert rules add: a fault's reason, an outage's figures, a weak string's evidence.
    On the face, not behind "Details": they are what a person looks at the card for."""


STATE_SYMBOLS: dict[TrayState, str] = {
    TrayState.PRODUCING: "●",
    TrayState.IDLE: "○",
    TrayState.NIGHT: "☾",
    TrayState.IMPORTING: "◐",
    TrayState.STALE: "◌",
    TrayState.ERROR: "▲",
    TrayState.EPS: "◆",
    TrayState.FAULT: "■",
    TrayState.SETUP: "⚙",
}
"""A shape per state, so a card says fault or EPS without relying on its colour."""


def inverter_card(
    view: InverterView,
    now: float,
    local_offset: Callable[[float], float] = machine_utc_offset,
) -> Card:
    snap = view.snapshot
    status = view.status_label or (_("No data yet") if snap is None else _("Unknown"))
    since = format_since(view.status_since, now)
    status_line = f"{STATE_SYMBOLS[view.state]} {status}"
    if since:
        status_line = _("{status} · {since}").format(status=status_line, since=since)
    if snap is None:
        power = "—"
        battery = None
        yield_text = "—"
    else:
        power = _("AC {ac} · PV {pv}").format(
            ac=format_power(snap.ac_power), pv=format_power(snap.pv_total)
        )
        battery = (
            format_battery(snap.bat_power, snap.soc)
            if snap.has_battery or snap.bat_power not in (None, 0.0)
            else None
        )
        yield_text = _("{energy} {day}").format(
            energy=format_energy(snap.yield_today), day=_yield_day(snap, view.upload_age_s)
        )
    age = age_text(view.upload_age_s, now, local_offset) if view.upload_age_s is not None else None
    return Card(
        sn=view.sn,
        title=view.title,
        state=view.state,
        status=status_line,
        power=power,
        battery=battery,
        yield_today=yield_text,
        age=age,
        problem=view.problem.sentence if view.problem is not None else None,
        notes=tuple(view.notes),
    )


def diagnostics_lines(view: TrayView, elapsed: float = 0.0) -> tuple[str, ...]:
    """Polling internals: the requests used today and each inverter's next poll."""
    now = view.now + elapsed
    lines = [
        _("Requests: {quota}").format(quota=format_quota(view.requests_today, view.daily_quota))
    ]
    for inv in view.inverters:
        if inv.retrying:
            when = format_next_try(inv.next_poll_at, now)
        else:
            when = format_next_poll(inv.next_poll_at, now)
        lines.append(_("{sn}: next poll {when}").format(sn=inv.sn, when=when))
    return tuple(lines)


# --------------------------------------------------------------------------------------------
# Today's curve


class CurveSample(Protocol):
    """What the curve reads of one point (the history store's ``CurvePoint``)."""

    @property
    def at(self) -> datetime: ...
    @property
    def pv_w(self) -> float | None: ...
    @property
    def home_w(self) -> float | None: ...
    @property
    def grid_w(self) -> float | None: ...
    @property
    def battery_w(self) -> float | None: ...
    @property
    def soc_pct(self) -> float | None: ...


SERIES: tuple[tuple[str, str], ...] = (
    ("pv", N_("PV")),
    ("home", N_("Home")),
    ("grid", N_("Grid")),
    ("battery", N_("Battery")),
)
"""The power lines of the day curve, in drawing order; the charge has its own axis. The names
are marked for translation: pass them through ``_()`` where they are shown."""
GAP_S = 20 * 60.0
"""A silence longer than this (the app closed, the dongle offline) breaks the curve: uploads come
every five minutes or so, and a line drawn across an hour without data would invent it."""


@dataclass(frozen=True, slots=True)
class DayCurve:
    """Today's curve as the chart draws it: x in seconds since the plant's midnight."""

    day: date
    xs: tuple[float, ...]
    series: dict[str, tuple[float | None, ...]]
    soc: tuple[float | None, ...]
    power_axis: Axis
    soc_axis: Axis
    time_ticks: tuple[tuple[float, str], ...]

    @property
    def empty(self) -> bool:
        return not self.xs

    @property
    def has_soc(self) -> bool:
        return any(v is not None for v in self.soc)

    def readout(self, index: int) -> str:
        """The sentence for the sample at ``index``: what the cursor points at."""
        clock = _clock(self.xs[index])
        pv = format_power(self.series["pv"][index])
        home = format_power(self.series["home"][index])
        grid = self.series["grid"][index]
        battery = self.series["battery"][index]
        grid_text = _flow_words(grid, _("importing {power}"), _("exporting {power}"), _("balanced"))
        battery_text = _flow_words(
            battery, _("charging {power}"), _("discharging {power}"), _("idle")
        )
        soc = self.soc[index]
        words = {"time": clock, "pv": pv, "home": home, "grid": grid_text, "battery": battery_text}
        if soc is None:
            return _("At {time}: PV {pv}, home {home}, grid {grid}, battery {battery}.").format(
                **words
            )
        return _(
            "At {time}: PV {pv}, home {home}, grid {grid}, battery {battery}, charge {soc}."
        ).format(soc=format_percent(soc), **words)

    def runs(self, key: str) -> list[list[tuple[float, float]]]:
        """The unbroken stretches of one line (``"soc"`` or a power series): a missing value or
        a silence longer than ``GAP_S`` breaks the line, so a gap is never drawn as data."""
        values = self.soc if key == "soc" else self.series[key]
        runs: list[list[tuple[float, float]]] = []
        current: list[tuple[float, float]] = []
        last_x: float | None = None
        for x, v in zip(self.xs, values, strict=True):
            if v is None or (last_x is not None and x - last_x > GAP_S):
                if current:
                    runs.append(current)
                current = []
            if v is not None:
                current.append((x, v))
            last_x = x
        if current:
            runs.append(current)
        return runs

    def summary(self) -> str:
        """What the chart shows as a whole, for a screen reader before any cursor moves."""
        if self.empty:
            return _("Today's curve: no history for today yet.")
        peak = max((v for v in self.series["pv"] if v is not None), default=None)
        return _(
            "Today's curve from {start} to {end}, PV peak {peak}. Use the left and right arrow "
            "keys to read it."
        ).format(start=_clock(self.xs[0]), end=_clock(self.xs[-1]), peak=format_power(peak))


def _flow_words(watts: float | None, positive: str, negative: str, still: str) -> str:
    """ "charging 1.2 kW" / "discharging 450 W" / "idle" for a signed power (``positive`` and
    ``negative`` are translated phrases with a ``{power}`` placeholder)."""
    if watts is None:
        return "—"
    if watts >= 1:
        return positive.format(power=format_power(watts))
    if watts <= -1:
        return negative.format(power=format_power(-watts))
    return still


def _clock(seconds: float) -> str:
    s = max(0, min(int(seconds), 86_399))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def day_curve_model(points: Sequence[CurveSample], day: date, *, offset_s: float) -> DayCurve:
    """The chart model for ``points`` of the plant day ``day``, the plant being ``offset_s``
    seconds ahead of UTC. ``grid_w`` of the history is positive for import; the chart draws
    import above the axis like consumption, export below."""
    xs: list[float] = []
    series: dict[str, list[float | None]] = {key: [] for key, _ in SERIES}
    soc: list[float | None] = []
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    for p in points:
        x = p.at.timestamp() + offset_s - midnight.timestamp()
        if not 0 <= x < 86_400:
            continue
        xs.append(x)
        series["pv"].append(_finite(p.pv_w))
        series["home"].append(_finite(p.home_w))
        series["grid"].append(_finite(p.grid_w))
        series["battery"].append(_finite(p.battery_w))
        soc.append(_finite(p.soc_pct))
    values = [v for key in series for v in series[key]]
    return DayCurve(
        day=day,
        xs=tuple(xs),
        series={key: tuple(v) for key, v in series.items()},
        soc=tuple(soc),
        power_axis=nice_axis(values, max_ticks=4, floor=1000.0),
        soc_axis=percent_axis(),
        time_ticks=day_ticks(6),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# --------------------------------------------------------------------------------------------
# Daily bars


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    yield_kwh: float | None
    consumption_kwh: float | None
    partial: bool


BAR_RANGES = (7, 30)
"""The spans the bar chart offers, in days."""


@dataclass(frozen=True, slots=True)
class DayBars:
    """Yield against consumption for each of the last ``len(bars)`` days, oldest first; a day
    without history is a bar of ``None`` values (a gap, not a zero)."""

    bars: tuple[DayBar, ...]
    axis: Axis

    @property
    def empty(self) -> bool:
        return all(b.yield_kwh is None and b.consumption_kwh is None for b in self.bars)

    def label(self, index: int) -> str:
        """The x label: the weekday over a week, the day of the month over a month."""
        day = self.bars[index].day
        return weekday_short(day) if len(self.bars) <= 7 else str(day.day)

    def readout(self, index: int) -> str:
        bar = self.bars[index]
        when = format_weekday_day_month(bar.day)
        if bar.yield_kwh is None and bar.consumption_kwh is None:
            return _("{day}: no history.").format(day=when)
        words = {
            "day": when,
            "yield": format_energy(bar.yield_kwh),
            "consumption": format_energy(bar.consumption_kwh),
        }
        if bar.partial:
            return _("{day}: yield {yield}, consumption {consumption} (partial day).").format(
                **words
            )
        return _("{day}: yield {yield}, consumption {consumption}.").format(**words)

    def summary(self) -> str:
        days = len(self.bars)
        if self.empty:
            return ngettext(
                "Yield and consumption, last {n} day: no history yet.",
                "Yield and consumption, last {n} days: no history yet.",
                days,
            ).format(n=days)
        total = _total([b.yield_kwh for b in self.bars])
        used = _total([b.consumption_kwh for b in self.bars])
        return ngettext(
            "Yield and consumption, last {n} day: {produced} produced, {consumed} consumed. Use "
            "the left and right arrow keys to read each day.",
            "Yield and consumption, last {n} days: {produced} produced, {consumed} consumed. Use "
            "the left and right arrow keys to read each day.",
            days,
        ).format(n=days, produced=format_energy(total), consumed=format_energy(used))


def day_bars(figures: Sequence[DayTotals], last: date, days: int) -> DayBars:
    """The fleet's bars for the ``days`` days ending with ``last``."""
    by_day = {f.date: f for f in figures if f.sn == FLEET}
    bars: list[DayBar] = []
    for offset in range(days - 1, -1, -1):
        day = last - timedelta(days=offset)
        fig = by_day.get(day)
        if fig is None:
            bars.append(DayBar(day, None, None, False))
        else:
            bars.append(
                DayBar(day, _finite(fig.yield_kwh), _finite(fig.consumption_kwh), fig.partial)
            )
    values = [v for b in bars for v in (b.yield_kwh, b.consumption_kwh)]
    return DayBars(tuple(bars), nice_axis(values, max_ticks=3, floor=1.0))


# --------------------------------------------------------------------------------------------
# Monthly bars


class MonthTotals(Protocol):
    """What the dashboard reads of a month's figures (the history store's ``MonthFigures``)."""

    @property
    def month(self) -> date: ...
    @property
    def sn(self) -> str: ...
    @property
    def yield_kwh(self) -> float | None: ...
    @property
    def consumption_kwh(self) -> float | None: ...
    @property
    def missing_days(self) -> int: ...
    @property
    def partial(self) -> bool: ...
    @property
    def in_progress(self) -> bool: ...


MONTHS_RANGE = 12
"""The months the bar chart's year view shows: the current month and the eleven before."""


@dataclass(frozen=True, slots=True)
class MonthBar:
    month: date
    """The month's first day."""
    yield_kwh: float | None
    consumption_kwh: float | None
    partial: bool
    """A day of the month has gaps or no figures: the bar is lower than the month was."""
    in_progress: bool
    """The current month: its bar grows until the month ends."""
    missing_days: int = 0

    @property
    def marked(self) -> bool:
        """Drawn as not whole (by shape): a month with gaps, or one not over yet."""
        return self.partial or self.in_progress


def format_month_year(month: date) -> str:
    """ "Nov 2026" (the order and words of the language in force)."""
    return _("{month} {year}").format(month=month_short(month), year=month.year)


@dataclass(frozen=True, slots=True)
class MonthBars:
    """Yield against consumption for each of the last ``len(bars)`` months, oldest first, the
    current month last; a month without history is a bar of ``None`` values."""

    bars: tuple[MonthBar, ...]
    axis: Axis

    @property
    def empty(self) -> bool:
        return all(b.yield_kwh is None and b.consumption_kwh is None for b in self.bars)

    def label(self, index: int) -> str:
        """The x label: the month's short name."""
        return month_short(self.bars[index].month)

    def readout(self, index: int) -> str:
        bar = self.bars[index]
        when = format_month_year(bar.month)
        if bar.yield_kwh is None and bar.consumption_kwh is None:
            return _("{month}: no history.").format(month=when)
        words = {
            "month": when,
            "yield": format_energy(bar.yield_kwh),
            "consumption": format_energy(bar.consumption_kwh),
        }
        if bar.partial and bar.missing_days:
            return ngettext(
                "{month}: yield {yield}, consumption {consumption} (partial month: {n} day "
                "without history).",
                "{month}: yield {yield}, consumption {consumption} (partial month: {n} days "
                "without history).",
                bar.missing_days,
            ).format(n=bar.missing_days, **words)
        if bar.partial:
            return _(
                "{month}: yield {yield}, consumption {consumption} (partial month: some days "
                "have gaps)."
            ).format(**words)
        if bar.in_progress:
            return _("{month}: yield {yield}, consumption {consumption} so far.").format(**words)
        return _("{month}: yield {yield}, consumption {consumption}.").format(**words)

    def summary(self) -> str:
        months = len(self.bars)
        if self.empty:
            return ngettext(
                "Yield and consumption, last {n} month: no history yet.",
                "Yield and consumption, last {n} months: no history yet.",
                months,
            ).format(n=months)
        total = _total([b.yield_kwh for b in self.bars])
        used = _total([b.consumption_kwh for b in self.bars])
        return ngettext(
            "Yield and consumption, last {n} month: {produced} produced, {consumed} consumed. "
            "Use the left and right arrow keys to read each month.",
            "Yield and consumption, last {n} months: {produced} produced, {consumed} consumed. "
            "Use the left and right arrow keys to read each month.",
            months,
        ).format(n=months, produced=format_energy(total), consumed=format_energy(used))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_bars(figures: Sequence[MonthTotals], current: date, months: int) -> MonthBars:
    """The fleet's bars for the ``months`` months ending with ``current``'s month."""
    by_month = {_month_index(f.month): f for f in figures if f.sn == FLEET}
    last = _month_index(current)
    bars: list[MonthBar] = []
    for index in range(last - months + 1, last + 1):
        if index < 12:  # before the year 1: nothing to show
            continue
        month = date(index // 12, index % 12 + 1, 1)
        fig = by_month.get(index)
        if fig is None:
            bars.append(MonthBar(month, None, None, False, index == last))
        else:
            bars.append(
                MonthBar(
                    month,
                    _finite(fig.yield_kwh),
                    _finite(fig.consumption_kwh),
                    fig.partial,
                    fig.in_progress,
                    fig.missing_days,
                )
            )
    values = [v for b in bars for v in (b.yield_kwh, b.consumption_kwh)]
    return MonthBars(tuple(bars), nice_axis(values, max_ticks=3, floor=1.0))
