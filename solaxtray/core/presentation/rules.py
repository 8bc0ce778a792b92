"""The view rules: one pure function, :func:`build_view`, turns the state of the fleet into
what the tray shows. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

from solaxtray.core.i18n import _
from solaxtray.core.models import BatteryStatus, Snapshot
from solaxtray.core.presentation.formatting import (
    fleet_status_line,
    format_local_clock,
    format_power,
)
from solaxtray.core.presentation.model import (
    SETUP_CONDITIONS,
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    InverterView,
    Problem,
    TrayState,
    TrayView,
    condition_for_error,
)
from solaxtray.core.presentation.wording import condition_problem, inverter_problem

PRODUCING_MIN_W = 10.0
"""Below this the PV input is inverter self-test noise or dusk, not production."""
IMPORTING_MIN_W = 50.0
"""Below this a grid draw is meter noise and standby, not something worth a colour."""
BATTERY_ACTIVE_W = 50.0
"""A battery moving more than this keeps the inverter awake, so its silence is no night's sleep."""
STALE_GRACE_S = 60.0
"""The cloud publishes an upload with some delay; a minute late is not a missed upload."""
APP_NAME = "SolaX"


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
        AppCondition.CREDENTIALS_REJECTED,
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
                problem=inverter_problem(inv, state, now),
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
    if condition in SETUP_CONDITIONS:
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
