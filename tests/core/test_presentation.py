"""The presentation rules as tables: fleet state in, icon state, numbers and sentences out."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from solaxtray.core.errors import (
    NetworkError,
    RateLimited,
    SecretStoreLocked,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.models import BatteryStatus, InverterStatus, InverterType, Snapshot
from solaxtray.core.presentation import (
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    StatusTracker,
    TrayState,
    UploadAges,
    age_fraction,
    build_view,
    condition_for_error,
    fleet_soc,
    format_age,
    format_duration,
    format_energy,
    format_local_clock,
    format_power,
    format_power_compact,
    inverter_state,
    stale_threshold,
)

NOW = 1_780_000_000.0


def snap(sn: str = "SNA0000001", **fields: Any) -> Snapshot:
    return Snapshot(sn=sn, fetched_at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC), **fields)


def producing(sn: str = "SNA0000001", watts: float = 2400.0, **fields: Any) -> Snapshot:
    fields.setdefault("inverter_status", InverterStatus.NORMAL)
    return snap(sn, ac_power=watts, pv_power=(watts, None, None, None), **fields)


def inv(snapshot: Snapshot | None, **fields: Any) -> InverterInput:
    sn = snapshot.sn if snapshot is not None else fields.pop("sn", "SNA0000001")
    fields.setdefault("upload_age_s", 60.0)
    return InverterInput(sn=sn, snapshot=snapshot, **fields)


def fleet(*inverters: InverterInput, **fields: Any) -> FleetInput:
    return FleetInput(inverters=inverters, now=NOW, **fields)


@pytest.mark.parametrize(
    ("watts", "text"),
    [
        (0.0, "0"),
        (0.3, "0"),
        (-0.3, "0"),
        (7.0, "7"),
        (850.0, "850"),
        (999.4, "999"),
        (999.6, "1.0k"),
        (2400.0, "2.4k"),
        (2449.0, "2.4k"),
        (9949.0, "9.9k"),
        (9960.0, "10k"),
        (12_345.0, "12k"),
        (999_400.0, "999k"),
        (1_234_567.0, "1.2M"),
        (-850.0, "-850"),
        (-2400.0, "-2.4k"),
        (math.nan, "–"),
    ],
)
def test_compact_power_text(watts: float, text: str) -> None:
    assert format_power_compact(watts) == text
    if math.isfinite(watts):
        assert len(text) <= 5


@pytest.mark.parametrize(
    ("value", "power", "energy"),
    [
        (None, "—", "—"),
        (850.0, "850 W", "850.0 kWh"),
        (2400.0, "2.4 kW", "2.40 MWh"),
        (12_877.6, "12.9 kW", "12.88 MWh"),
    ],
)
def test_power_and_energy_units(value: float | None, power: str, energy: str) -> None:
    assert format_power(value) == power
    assert format_energy(value) == energy


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "unknown"),
        (3, "just now"),
        (45, "45 s ago"),
        (180, "3 min ago"),
        (3600 + 300, "1 h 5 min ago"),
        (7200, "2 h ago"),
        (86400 * 3, "3 days ago"),
        (-3600, "in the future (clock skew?)"),
    ],
)
def test_age_text(seconds: float | None, text: str) -> None:
    assert format_age(seconds) == text


def test_duration_text() -> None:
    assert format_duration(40) == "40 s"
    assert format_duration(90) == "1 min 30 s"
    assert format_duration(600) == "10 min"
    assert format_duration(3900) == "1 h 5 min"


@pytest.mark.parametrize(
    ("snapshot", "fields", "state"),
    [
        (producing(), {}, TrayState.PRODUCING),
        (producing(inverter_status=InverterStatus.FAULT), {}, TrayState.FAULT),
        (producing(inverter_status=InverterStatus.PERMANENT_FAULT), {}, TrayState.FAULT),
        (producing(inverter_status=InverterStatus.EPS), {}, TrayState.EPS),
        (producing(inverter_status=InverterStatus.EPS_CHECK), {}, TrayState.EPS),
        # A status the V6.1 table lacks is neither fault nor EPS.
        (producing(inverter_status=InverterStatus(130)), {}, TrayState.PRODUCING),
        (producing(bat_status=BatteryStatus.FAULT, soc=50.0), {}, TrayState.FAULT),
        (snap(ac_power=0.0, feedin_power=-600.0), {}, TrayState.IMPORTING),
        (snap(ac_power=0.0, feedin_power=-20.0), {}, TrayState.IDLE),
        (snap(ac_power=0.0, pv_power=(5.0, None, None, None)), {}, TrayState.IDLE),
        (producing(), {"upload_age_s": 3600.0}, TrayState.STALE),
        (producing(), {"upload_age_s": 2 * 300 + 30.0}, TrayState.PRODUCING),
        (producing(), {"availability": Availability.OFFLINE}, TrayState.STALE),
        (snap(ac_power=0.0), {"availability": Availability.ASLEEP}, TrayState.NIGHT),
        # The last word was a fault: silence afterwards does not hide it.
        (
            producing(inverter_status=InverterStatus.FAULT),
            {"upload_age_s": 7200.0},
            TrayState.FAULT,
        ),
    ],
)
def test_inverter_state(snapshot: Snapshot, fields: dict[str, Any], state: TrayState) -> None:
    assert inverter_state(inv(snapshot, **fields)) is state


def test_inverter_without_data_is_error_or_waiting() -> None:
    err = SerialUnknown("not bound", sn="SNA0000001")
    assert inverter_state(inv(None, error=err)) is TrayState.ERROR
    assert inverter_state(inv(None)) is TrayState.STALE


def test_stale_threshold_follows_interval_and_setting() -> None:
    assert stale_threshold(300.0) == 660.0
    assert stale_threshold(300.0, 900.0) == 900.0
    assert inverter_state(inv(producing(), upload_age_s=800.0)) is TrayState.STALE
    assert (
        inverter_state(inv(producing(), upload_age_s=800.0), stale_after_s=900.0)
        is TrayState.PRODUCING
    )


@pytest.mark.parametrize(
    ("states", "worst"),
    [
        ([InverterStatus.NORMAL, InverterStatus.FAULT], TrayState.FAULT),
        ([InverterStatus.EPS, InverterStatus.FAULT], TrayState.FAULT),
        ([InverterStatus.NORMAL, InverterStatus.EPS], TrayState.EPS),
        ([InverterStatus.NORMAL, InverterStatus.NORMAL], TrayState.PRODUCING),
    ],
)
def test_fleet_shows_worst_state(states: list[InverterStatus], worst: TrayState) -> None:
    inverters = [inv(producing(f"SN{i:08d}", inverter_status=s)) for i, s in enumerate(states)]
    assert build_view(fleet(*inverters)).state is worst


def test_eps_outranks_stale_and_stale_outranks_production() -> None:
    eps = inv(producing("SNA0000001", inverter_status=InverterStatus.EPS))
    old = inv(producing("SNB0000002"), upload_age_s=5000.0)
    fine = inv(producing("SNC0000003"))
    assert build_view(fleet(eps, old, fine)).state is TrayState.EPS
    assert build_view(fleet(old, fine)).state is TrayState.STALE


def test_one_producer_makes_the_fleet_producing() -> None:
    idle = inv(snap("SNA0000001", ac_power=0.0))
    sun = inv(producing("SNB0000002"))
    assert build_view(fleet(idle, sun)).state is TrayState.PRODUCING
    night = inv(snap("SNA0000001", ac_power=0.0), availability=Availability.ASLEEP)
    assert build_view(fleet(night)).state is TrayState.NIGHT


def test_total_power_leaves_out_stale_inverters_while_others_are_live() -> None:
    a = inv(producing("SNA0000001", 2000.0))
    b = inv(producing("SNB0000002", 1500.0))
    old = inv(producing("SNC0000003", 5000.0), upload_age_s=5000.0)
    view = build_view(fleet(a, b, old))
    assert view.power_w == 3500.0
    assert view.power_text == "3.5k"
    # With nothing live, the last known value is kept (the icon draws it grey).
    alone = build_view(fleet(old))
    assert alone.state is TrayState.STALE
    assert alone.power_w == 5000.0


def test_soc_is_the_lowest_battery() -> None:
    a = producing("SNA0000001", soc=80.0, bat_power=100.0)
    b = producing("SNB0000002", soc=35.0, bat_power=-50.0)
    no_battery = producing("SNC0000003")
    assert fleet_soc([a, b, no_battery]) == 35.0
    assert fleet_soc([no_battery]) is None
    view = build_view(fleet(inv(a), inv(b), inv(no_battery)))
    assert view.soc == 35.0
    assert view.has_battery


def test_tooltip_first_line_is_stable() -> None:
    ok = build_view(fleet(inv(producing(watts=2400.0, soc=67.0, bat_power=10.0))))
    assert ok.tooltip_lines[0] == "SolaX · 2.4 kW · 67 %"
    assert ok.tooltip_lines[1].startswith("Producing")
    fault = build_view(
        fleet(
            inv(
                producing(watts=0.0, soc=67.0, bat_power=10.0, inverter_status=InverterStatus.FAULT)
            )
        )
    )
    assert fault.tooltip_lines[0] == "SolaX · 0 W · 67 %"
    assert fault.tooltip_lines[1].startswith("Fault")
    assert "Fault Mode" in fault.tooltip


def test_age_fraction() -> None:
    assert age_fraction(150.0, 300.0) == 0.5
    assert age_fraction(900.0, 300.0) == 1.0
    assert age_fraction(None, 300.0) is None
    view = build_view(fleet(inv(producing(), upload_age_s=75.0)))
    assert view.age_fraction == 0.25


@pytest.mark.parametrize(
    ("condition", "state", "words"),
    [
        (AppCondition.NO_CREDENTIALS, TrayState.SETUP, "paste the tokenId"),
        (AppCondition.NO_SERIALS, TrayState.SETUP, "registration number"),
        (AppCondition.KEYRING_MISSING, TrayState.SETUP, "SOLAXTRAY_TOKEN"),
        (AppCondition.KEYRING_LOCKED, TrayState.ERROR, "unlock your keyring"),
        (AppCondition.CREDENTIALS_REJECTED, TrayState.ERROR, "open Settings and paste the tokenId"),
        (AppCondition.BANNED, TrayState.ERROR, "an hour"),
    ],
)
def test_blocking_conditions_take_over_the_icon(
    condition: AppCondition, state: TrayState, words: str
) -> None:
    view = build_view(fleet(inv(producing()), condition=condition))
    assert view.state is state
    assert view.problem is not None
    assert words in view.problem.sentence
    assert view.problem.sentence in view.tooltip_lines


def test_no_serials_at_all_means_setup() -> None:
    view = build_view(FleetInput(now=NOW))
    assert view.state is TrayState.SETUP
    assert view.condition is AppCondition.NO_SERIALS


def test_rejected_token_from_an_inverter_error_is_app_wide() -> None:
    err = TokenRejected("The cloud does not accept the token.", sn="SNA0000001")
    view = build_view(fleet(inv(producing(), error=err)))
    assert view.state is TrayState.ERROR
    assert view.problem is not None
    assert view.problem.sentence == (
        "Token rejected — open Settings and paste the tokenId from SolaX Cloud."
    )


def test_throttle_keeps_the_data_state_but_says_so() -> None:
    err = RateLimited("Too many calls this minute.", sn="SNA0000001")
    view = build_view(fleet(inv(producing(), error=err)))
    assert view.state is TrayState.PRODUCING
    assert view.problem is not None
    assert view.problem.title == "Too many requests"


def test_network_outage_on_every_serial_is_app_wide_and_data_goes_stale() -> None:
    err = NetworkError("No route.", sn="x")
    view = build_view(
        fleet(
            inv(producing("SNA0000001"), error=err, upload_age_s=4000.0),
            inv(producing("SNB0000002"), error=err, upload_age_s=4000.0),
        )
    )
    assert view.condition is AppCondition.NO_NETWORK
    assert view.state is TrayState.STALE
    assert view.problem is not None
    assert "internet connection" in view.problem.sentence


def test_serial_error_names_the_serial_and_the_fix() -> None:
    err = SerialUnknown("not bound", sn="SNB0000002")
    view = build_view(fleet(inv(producing("SNA0000001")), inv(None, sn="SNB0000002", error=err)))
    assert view.state is TrayState.ERROR
    assert view.problem is not None
    assert view.problem.title.startswith("SNB0000002: Serial number not found")
    assert "registration number printed on the dongle" in view.problem.action


def test_fault_problem_says_since_when() -> None:
    fault = producing(inverter_status=InverterStatus.FAULT)
    view = build_view(fleet(inv(fault, status_since=NOW - 600)))
    assert view.problem is not None
    assert view.problem.title == f"Fault Mode since {format_local_clock(NOW - 600)} (10 min)"


def test_a_fault_that_just_began_has_a_start_time_not_zero_seconds() -> None:
    fault = producing(inverter_status=InverterStatus.FAULT)
    view = build_view(fleet(inv(fault, status_since=NOW)))
    assert view.problem is not None
    assert view.problem.title == f"Fault Mode since {format_local_clock(NOW)}"
    assert "0 s" not in view.problem.title


def test_fault_outranks_another_inverters_server_error() -> None:
    err = ServerError("busy", sn="SNB0000002")
    fault = inv(producing("SNA0000001", inverter_status=InverterStatus.FAULT))
    view = build_view(fleet(fault, inv(None, sn="SNB0000002", error=err)))
    assert view.state is TrayState.FAULT
    assert view.problem is not None
    assert "Fault Mode" in view.problem.title


def test_inverter_views_carry_titles_and_labels() -> None:
    s = producing(inverter_type=InverterType.X3_HYBRID_G4)
    unknown = producing("SNB0000002", inverter_type=InverterType(105))
    view = build_view(fleet(inv(s, next_poll_at=NOW + 40), inv(unknown)))
    first, second = view.inverters
    assert first.title == "X3-Hybrid-G4 · SN SNA0000001"
    assert first.status_label == "Normal Mode"
    assert first.next_poll_at == NOW + 40
    assert second.type_label == "Type 105"
    assert len(view.tooltip_lines) == 4  # summary, state, one line per inverter


def test_visual_key_tracks_what_the_icon_draws() -> None:
    a = build_view(fleet(inv(producing(watts=2410.0))))
    b = build_view(fleet(inv(producing(watts=2440.0))))  # same "2.4k"
    c = build_view(fleet(inv(producing(watts=2600.0))))
    assert a.visual_key == b.visual_key
    assert a.visual_key != c.visual_key


def test_condition_for_error() -> None:
    assert condition_for_error(RateLimited("x", banned=True)) is AppCondition.BANNED
    assert condition_for_error(SecretStoreLocked("x")) is AppCondition.KEYRING_LOCKED
    assert condition_for_error(ServerError("x")) is AppCondition.OK
    assert condition_for_error(None) is AppCondition.OK


def test_status_tracker_keeps_the_start_of_a_status() -> None:
    tracker = StatusTracker()
    # Found at the first answer: how long it has lasted is unknown, so no "since".
    assert tracker.observe("A", InverterStatus.FAULT, 100.0) is None
    assert tracker.observe("A", InverterStatus.FAULT, 400.0) is None
    assert tracker.observe("A", InverterStatus.NORMAL, 700.0) == 700.0
    assert tracker.observe("A", InverterStatus.NORMAL, 1000.0) == 700.0
    assert tracker.observe("A", InverterStatus.FAULT, 1300.0) == 1300.0
    assert tracker.since("A") == 1300.0
    assert tracker.since("B") is None


def test_tooltip_within_a_limit_keeps_summary_and_problem() -> None:
    inverters = [inv(producing(f"SN{i:08d}", 1000.0 + i)) for i in range(6)]
    err = SerialUnknown("not bound", sn="SNX0000009")
    inverters.append(inv(None, sn="SNX0000009", error=err))
    view = build_view(fleet(*inverters))
    assert len(view.tooltip) > 127
    short = view.tooltip_within(127)
    assert len(short) <= 127
    lines = short.split("\n")
    assert lines[0] == view.tooltip_lines[0]
    assert view.problem is not None
    assert lines[1] == "SNX0000009: Serial number not found"
    assert view.tooltip_within(10_000) != short


def test_before_the_first_answer_nothing_is_wrong_yet() -> None:
    view = build_view(fleet(InverterInput(sn="SNA0000001"), InverterInput(sn="SNB0000002")))
    assert view.state is TrayState.STALE
    assert view.problem is None
    assert view.power_w is None
    assert view.power_text == "–"
    assert view.tooltip_lines == (
        "SolaX · —",
        "Waiting for the first data",
        "SNA0000001: — · waiting for data",
        "SNB0000002: — · waiting for data",
    )


def test_implausible_numbers_do_not_break_the_view() -> None:
    odd = snap(
        ac_power=math.nan,
        pv_power=(math.inf, None, None, None),
        soc=math.nan,
        bat_power=-math.inf,
        feedin_power=math.nan,
        inverter_status=InverterStatus.NORMAL,
    )
    view = build_view(fleet(inv(odd, upload_age_s=math.nan)))
    assert view.power_w is None
    assert view.power_text == "–"
    assert view.soc is None
    assert view.age_fraction is None
    assert isinstance(view.visual_key, tuple)
    assert view.tooltip_lines[0] == "SolaX · —"


def test_inverters_still_waiting_do_not_make_the_fleet_stale() -> None:
    first = inv(producing("SNA0000001", 1700.0), upload_age_s=40.0)
    view = build_view(fleet(first, InverterInput(sn="SNB0000002"), InverterInput(sn="SNC0000003")))
    assert view.state is TrayState.PRODUCING
    assert view.tooltip_lines[1].startswith("Producing")
    assert view.problem is None
    # A serial that failed is judged, though: waiting means no answer and no error yet.
    failed = InverterInput(sn="SNB0000002", error=SerialUnknown("not bound", sn="SNB0000002"))
    assert build_view(fleet(first, failed)).state is TrayState.ERROR


def test_silence_after_a_sunless_upload_is_night_until_the_alert_rules_say_offline() -> None:
    dusk = snap(
        ac_power=0.0,
        pv_power=(0.0, 0.0, None, None),
        feedin_power=-666.0,
        inverter_status=InverterStatus.WAIT,
    )
    asleep = build_view(fleet(inv(dusk, upload_age_s=6.5 * 3600)))
    assert asleep.state is TrayState.NIGHT
    assert asleep.problem is None
    assert asleep.tooltip_lines[1].startswith("Asleep for the night")
    offline = inv(dusk, upload_age_s=6.5 * 3600, availability=Availability.OFFLINE)
    assert build_view(fleet(offline)).state is TrayState.STALE
    # Silence after production, or while a battery was working, is no night's sleep.
    assert build_view(fleet(inv(producing(), upload_age_s=6.5 * 3600))).state is TrayState.STALE
    busy = snap(ac_power=-300.0, pv_power=(0.0, None, None, None), bat_power=-800.0, soc=50.0)
    assert build_view(fleet(inv(busy, upload_age_s=6.5 * 3600))).state is TrayState.STALE


def _plant_wall(epoch: float, zone_h: float) -> datetime:
    """What a plant ``zone_h`` hours from UTC writes as uploadTime at ``epoch`` (naive)."""
    return datetime.fromtimestamp(epoch + zone_h * 3600, tz=UTC).replace(tzinfo=None)


@pytest.mark.parametrize("zone_h", [-5.0, 0.0, 5.75, 9.0])
def test_upload_age_learns_the_plant_zone_from_an_upload_seen_arriving(zone_h: float) -> None:
    ages = UploadAges(local_offset=lambda _t: 0.0)  # this machine on UTC
    upload_at = NOW - 120.0
    ages.observe("SNA0000001", _plant_wall(upload_at, zone_h), NOW)
    first = ages.age("SNA0000001", NOW + 30.0)
    assert first is not None
    if zone_h > 0:
        # East of us the machine's zone would say "in the future": at least as old as known.
        assert first == pytest.approx(30.0)
    # The next upload appears between two looks a minute apart: now the zone is known.
    ages.observe("SNA0000001", _plant_wall(upload_at, zone_h), NOW + 60.0)
    ages.observe("SNA0000001", _plant_wall(upload_at + 300.0, zone_h), NOW + 240.0)
    assert ages.zone_offset("SNA0000001") == zone_h * 3600
    age = ages.age("SNA0000001", NOW + 300.0)
    assert age == pytest.approx(120.0)


def test_upload_age_in_the_machines_zone_needs_no_learning() -> None:
    ages = UploadAges(local_offset=lambda _t: 3600.0)
    ages.observe("SNA0000001", _plant_wall(NOW - 4000.0, 1.0), NOW)
    assert ages.age("SNA0000001", NOW) == pytest.approx(4000.0)
    assert ages.age("SNB0000002", NOW) is None
    ages.observe("SNA0000001", None, NOW)
    ages.forget("SNA0000001")
    assert ages.age("SNA0000001", NOW) is None


def test_upload_age_does_not_learn_from_an_upload_found_after_a_long_gap() -> None:
    ages = UploadAges(local_offset=lambda _t: 0.0)
    ages.observe("SNA0000001", _plant_wall(NOW, 0.0), NOW)
    # Asked again two hours later (the laptop slept): the upload found may be of any age since.
    later = NOW + 7200.0
    ages.observe("SNA0000001", _plant_wall(later - 3000.0, 0.0), later)
    assert ages.zone_offset("SNA0000001") is None
    assert ages.age("SNA0000001", later) == pytest.approx(3000.0)


def test_tooltip_says_the_clock_time_of_the_upload_so_it_stays_true_without_a_timer() -> None:
    utc_plus_one = 3600.0
    upload = NOW - 150.0  # 2026-05-28 20:24:10 UTC
    expected = datetime.fromtimestamp(upload + utc_plus_one, UTC).strftime("%H:%M")
    lines = []
    for later in (0.0, 200.0):  # the same upload seen again later: an older age, the same time
        view = build_view(
            FleetInput(
                inverters=[inv(producing(), upload_age_s=150.0 + later)],
                now=NOW + later,
                local_offset=lambda _t: utc_plus_one,
            )
        )
        lines.append(view.tooltip_lines[1])
    assert lines[0] == f"Producing · updated {expected}"
    assert expected == "21:24"
    assert lines[1] == lines[0]
    assert "ago" not in "\n".join(lines)


@pytest.mark.parametrize(
    "condition",
    [AppCondition.NO_CREDENTIALS, AppCondition.CREDENTIALS_REJECTED, AppCondition.KEYRING_MISSING],
)
def test_developer_api_setup_sentences_ask_for_the_client_id_and_secret(
    condition: AppCondition,
) -> None:
    developer = build_view(fleet(inv(producing()), condition=condition, backend="developer"))
    token = build_view(fleet(inv(producing()), condition=condition))
    assert developer.problem is not None
    assert token.problem is not None
    for text in (developer.tooltip, developer.problem.sentence):
        assert "tokenId" not in text
        assert "SOLAXTRAY_TOKEN" not in text
        assert "client id and secret" in text or "SOLAXTRAY_CLIENT_SECRET" in text
    assert "tokenId" in token.tooltip or "SOLAXTRAY_TOKEN" in token.tooltip


def test_a_retry_after_a_pause_reaches_the_popups_view() -> None:
    view = build_view(fleet(inv(producing(), next_poll_at=NOW + 600.0, retrying=True)))
    assert view.inverters[0].retrying
    assert view.inverters[0].next_poll_at == NOW + 600.0
    assert not build_view(fleet(inv(producing()))).inverters[0].retrying


def test_today_sums_the_yield_of_todays_uploads_only() -> None:
    """Yesterday's last upload of a sleeping inverter must not count as today's yield."""
    today = datetime(2026, 6, 1, 14, 0)
    a = producing("SNA0000001", soc=28.0, bat_power=10.0, yield_today=25.6, upload_time=today)
    b = producing("SNB0000002", watts=0.0, yield_today=12.9, upload_time=today)
    # Uploaded at 21:30 yesterday, 16.5 hours ago: its "yield today" is yesterday's.
    asleep = snap("SNC0000003", yield_today=7.3, upload_time=datetime(2026, 5, 31, 21, 30))
    view = build_view(
        fleet(
            inv(a, upload_age_s=60.0),
            inv(b, upload_age_s=60.0),
            inv(asleep, upload_age_s=16.5 * 3600),
        )
    )
    assert view.yield_today_kwh == pytest.approx(38.5)
    assert "38.5 kWh today" in view.tooltip_lines[0]
    # Only yesterday's figure known: nothing produced today so far.
    night = build_view(fleet(inv(asleep, upload_age_s=16.5 * 3600)))
    assert night.yield_today_kwh == 0.0
    # No figure at all: nothing is claimed.
    assert build_view(fleet(inv(producing()))).yield_today_kwh is None


def test_status_line_says_now_and_today() -> None:
    one = producing(
        watts=2300.0, soc=28.0, bat_power=10.0, yield_today=25.6, upload_time=datetime(2026, 6, 1)
    )
    view = build_view(fleet(inv(one, upload_age_s=30.0)))
    assert view.status_line == "2.3 kW · 28 % · 25.6 kWh today"
    assert view.tooltip_lines[0] == "SolaX · 2.3 kW · 28 % · 25.6 kWh today"
    assert build_view(fleet(inv(producing(watts=850.0)))).status_line == "850 W"
    setup = build_view(fleet(condition=AppCondition.NO_CREDENTIALS))
    assert setup.status_line == "Setup needed"


def test_only_a_fault_asks_the_panel_for_attention() -> None:
    fault = build_view(fleet(inv(producing(watts=0.0, inverter_status=InverterStatus.FAULT))))
    eps = build_view(fleet(inv(producing(watts=900.0, inverter_status=InverterStatus.EPS))))
    assert fault.needs_attention
    assert not eps.needs_attention
    assert not build_view(fleet(inv(producing()))).needs_attention
