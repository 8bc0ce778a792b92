"""Alert rules: one alert per transition, night is not an outage, merged after a resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.alerts import AlertEngine, AlertKind, Health, Severity
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import (
    NetworkError,
    RateLimited,
    SerialUnknown,
    TokenRejected,
)
from solaxtray.core.models import InverterStatus, InverterType, Snapshot

SN = "ABC1234567"
NOON_UTC = datetime(2026, 6, 21, 12, 0, tzinfo=UTC).timestamp()
MIDNIGHT_UTC = datetime(2026, 6, 21, 23, 30, tzinfo=UTC).timestamp()
F = AlertKind.FAULT
E = AlertKind.EPS
R = AlertKind.RECOVERY


class Plant:
    """Feeds an engine one upload every five minutes (plant clock two hours ahead of UTC)."""

    def __init__(self, engine: AlertEngine, clock: FakeClock, sn: str = SN) -> None:
        self.engine, self.clock, self.sn = engine, clock, sn
        self.upload = clock.now()

    def snapshot(
        self,
        status: int = 102,
        *,
        pv: float = 3000.0,
        bat: float | None = 0.0,
        soc: float | None = 60.0,
    ) -> Snapshot:
        local = datetime.fromtimestamp(self.upload + 7200, tz=UTC).replace(tzinfo=None)
        return Snapshot(
            sn=self.sn,
            fetched_at=datetime.fromtimestamp(self.clock.now(), tz=UTC),
            inverter_type=InverterType.X3_HYBRID_G4,
            inverter_status=InverterStatus(status),
            upload_time=local.replace(microsecond=0),
            pv_power=(pv, None, None, None),
            ac_power=pv,
            bat_power=bat,
            soc=soc,
        )

    def fresh(self, status: int = 102, **kw: float | None) -> list[AlertKind]:
        """A new upload arrives (five minutes later) and is polled."""
        self.clock.advance(300)
        self.upload = self.clock.now() - 5
        return [a.kind for a in self.engine.observe(self.snapshot(status, **kw))]  # type: ignore[arg-type]

    def repeat(self, minutes: float, status: int = 102, **kw: float | None) -> list[AlertKind]:
        """Polled every five minutes for ``minutes`` with nothing new."""
        kinds: list[AlertKind] = []
        for _ in range(int(minutes // 5)):
            self.clock.advance(300)
            kinds += [a.kind for a in self.engine.observe(self.snapshot(status, **kw))]  # type: ignore[arg-type]
        return kinds


def make(start: float = NOON_UTC, **kw: object) -> tuple[AlertEngine, FakeClock, Plant]:
    clock = FakeClock(start)
    engine = AlertEngine(clock=clock, **kw)  # type: ignore[arg-type]
    engine.set_serials([SN])
    return engine, clock, Plant(engine, clock)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([102, 102, 103, 103, 103, 102, 102, 102], [F, R]),
        ([103, 103, 102, 102], [F, R]),  # found in fault at start-up: once
        ([102, 103, 102, 103, 102, 103, 102, 102], [F, R]),  # flicker: one fault
        ([102, 107, 107, 102, 102], [E, R]),
        ([102, 106, 107, 102, 102], [E, R]),
        ([102, 103, 107, 102, 102], [F, E, R]),
        ([102, 104, 104], [F]),
        ([102, 150, 131, 114, 102], []),  # unknown codes are neither fault nor EPS
        ([102, 100, 101, 109, 110, 102], []),
        ([102, 103, 100, 101, 103, 102, 102], [F, R]),  # restart attempts inside one fault
        ([102, 102], []),
    ],
)
def test_status_transitions(statuses: list[int], expected: list[AlertKind]) -> None:
    _, _, plant = make()
    got: list[AlertKind] = []
    for status in statuses:
        got += plant.fresh(status)
        got += plant.repeat(4, status)  # repeats of the same upload say nothing new
    assert got == expected


def test_fault_alert_words_and_severity() -> None:
    engine, clock, plant = make()
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    (alert,) = engine.observe(plant.snapshot(103))
    assert alert.severity is Severity.CRITICAL
    assert alert.title == "Fault Mode — X3-Hybrid-G4"
    assert f"SN {SN}" in alert.body
    assert "Fault Mode" in alert.body
    assert alert.sn == SN
    assert alert.at == clock.now()
    line = alert.to_json()
    assert (line["type"], line["kind"], line["severity"], line["sn"]) == (
        "alert",
        "fault",
        "critical",
        SN,
    )
    assert line["title"] == alert.title
    assert line["body"] == alert.body


def test_eps_is_a_warning_and_recovery_info() -> None:
    engine, clock, plant = make()
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    (eps,) = engine.observe(plant.snapshot(107))
    assert eps.severity is Severity.WARNING
    assert eps.title == "EPS Mode — X3-Hybrid-G4"
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    (rec,) = engine.observe(plant.snapshot(102))
    assert rec.kind is AlertKind.RECOVERY
    assert rec.severity is Severity.INFO


def test_stopping_while_producing_is_offline_then_back() -> None:
    engine, _, plant = make(stale_minutes=15)
    assert plant.fresh(pv=4200) == []
    assert plant.repeat(10, pv=4200) == []  # 10 min: not yet
    assert plant.repeat(60, pv=4200) == [AlertKind.OFFLINE]  # once, not every poll
    assert engine.health(SN) is Health.OFFLINE
    assert plant.fresh(pv=4000) == [AlertKind.BACK_ONLINE]
    assert engine.health(SN) is Health.OK


def test_stopping_after_dusk_is_asleep_not_offline() -> None:
    engine, _, plant = make(stale_minutes=15)
    plant.fresh(pv=4500)
    plant.fresh(pv=900)
    plant.fresh(pv=20, bat=0.0)  # the last upload of the evening
    assert plant.repeat(10 * 60, pv=20, bat=0.0) == []
    assert engine.health(SN) is Health.ASLEEP
    assert plant.fresh(pv=30) == []  # morning: no "back online" either
    assert engine.health(SN) is Health.OK


def test_stopping_while_the_battery_works_is_offline_even_at_night() -> None:
    _engine, _, plant = make(stale_minutes=15)
    plant.fresh(pv=0, bat=-800.0)
    assert plant.repeat(30, pv=0, bat=-800.0) == [AlertKind.OFFLINE]


def test_asleep_too_long_without_a_location_becomes_offline() -> None:
    _engine, _, plant = make(stale_minutes=15, max_sleep_hours=18)
    plant.fresh(pv=10)
    kinds = plant.repeat(17 * 60, pv=10)
    assert kinds == []
    assert plant.repeat(2 * 60, pv=10) == [AlertKind.OFFLINE]


@pytest.mark.parametrize(
    ("start", "expected"),
    [(NOON_UTC, [AlertKind.OFFLINE]), (MIDNIGHT_UTC, [])],
)
def test_the_sun_decides_when_the_location_is_known(
    start: float, expected: list[AlertKind]
) -> None:
    # Berlin: at 12:00 UTC in June the sun is high, at 23:30 UTC it is night.
    _engine, _, plant = make(start, latitude=52.52, longitude=13.40)
    plant.fresh(pv=5)  # low PV either way: only the sun tells night from a dead inverter
    assert plant.repeat(40, pv=5) == expected


def test_a_long_stale_upload_at_start_up_is_judged_at_once() -> None:
    engine, clock, plant = make(stale_minutes=15)
    plant.upload = clock.now() - 3 * 86_400  # uploadTime three days old, whatever the zone
    kinds = [a.kind for a in engine.observe(plant.snapshot(pv=3000))]
    assert kinds == [AlertKind.OFFLINE]


def test_offline_flapping_inside_the_cooldown_is_swallowed() -> None:
    _engine, _, plant = make(stale_minutes=15, cooldown_s=3600)
    plant.fresh(pv=3000)
    assert plant.repeat(20, pv=3000) == [AlertKind.OFFLINE]
    assert plant.fresh(pv=3000) == [AlertKind.BACK_ONLINE]
    assert plant.repeat(20, pv=3000) == []  # again within the hour: no new alarm...
    assert plant.fresh(pv=3000) == []  # ...and so no "back" either
    assert plant.repeat(60, pv=3000) == [AlertKind.OFFLINE]  # the cooldown is over


def test_low_battery_with_hysteresis() -> None:
    _, _, plant = make(low_soc_percent=20, low_soc_hysteresis=5, cooldown_s=0)
    got: list[AlertKind] = []
    for soc in (40, 25, 20, 18, 15, 22, 24, 19, 26, 21, 20):
        got += plant.fresh(soc=soc)
    # Low at 20; 22 and 24 do not re-arm (under 25); 26 does; low again at 20.
    assert got == [AlertKind.LOW_SOC, AlertKind.LOW_SOC]


def test_no_low_battery_alert_without_threshold_or_battery() -> None:
    _, _, plant = make()
    assert plant.fresh(soc=5) == []
    _, _, plant = make(low_soc_percent=20)
    assert plant.fresh(soc=None, bat=None) == []


def test_token_rate_and_serial_errors_alert_once() -> None:
    engine, _, plant = make()
    plant.fresh()
    kinds = []
    for _ in range(3):
        kinds += [a.kind for a in engine.observe_error(SN, TokenRejected("token invalid"))]
        kinds += [a.kind for a in engine.observe_error(SN, RateLimited("slow", retry_after=60))]
        kinds += [a.kind for a in engine.observe_error(SN, SerialUnknown("who?", sn=SN))]
        kinds += [a.kind for a in engine.observe_error(SN, NetworkError("down", sn=SN))]
    assert kinds == [
        AlertKind.CREDENTIALS_REJECTED,
        AlertKind.RATE_LIMITED,
        AlertKind.SERIAL_UNKNOWN,
    ]
    assert engine.health(SN) is Health.UNREACHABLE
    # A success ends these states; the next rejection is news again.
    plant.fresh()
    again = engine.observe_error(SN, TokenRejected("token invalid"))
    assert [a.kind for a in again] == [AlertKind.CREDENTIALS_REJECTED]
    assert again[0].severity is Severity.CRITICAL
    assert again[0].sn is None


def test_alerts_after_a_resume_are_merged_into_one_summary() -> None:
    clock = FakeClock(NOON_UTC)
    engine = AlertEngine(clock=clock, merge_window_s=900, resume_grace_s=300)
    other = "XYZ7654321"
    engine.set_serials([SN, other])
    a, b = Plant(engine, clock, SN), Plant(engine, clock, other)
    a.fresh(102)
    b.fresh(102)
    clock.jump(8 * 3600)  # the laptop slept through a fault and an EPS episode
    assert engine.resumed(8 * 3600) == []
    assert a.fresh(103) == []  # held: the other inverter has not answered yet
    clock.advance(300)
    b.upload = clock.now()
    (summary,) = engine.observe(b.snapshot(107))
    # One notification, as loud as the loudest alert in it, naming both.
    assert summary.kind is AlertKind.AWAY_SUMMARY
    assert summary.severity is Severity.CRITICAL
    assert "Fault Mode — X3-Hybrid-G4" in summary.body
    assert "EPS Mode — X3-Hybrid-G4" in summary.body
    # Afterwards alerts flow one by one again; the held states are not repeated.
    assert engine.observe(b.snapshot(107)) == []
    assert a.fresh(103) == []
    assert a.fresh(102) + a.fresh(102) == [AlertKind.RECOVERY]


def test_held_alerts_are_released_when_the_window_closes() -> None:
    clock = FakeClock(NOON_UTC)
    engine = AlertEngine(clock=clock, merge_window_s=60)
    engine.set_serials([SN, "XYZ7654321"])  # the second one never answers
    plant = Plant(engine, clock)
    plant.fresh(102)
    clock.jump(3600)
    engine.resumed(3600)
    clock.advance(1)
    plant.upload = clock.now()
    assert engine.observe(plant.snapshot(103)) == []
    assert engine.flush() == []
    clock.advance(60)
    assert [a.kind for a in engine.flush()] == [AlertKind.FAULT]


def test_summary_content_and_grace_for_offline() -> None:
    clock = FakeClock(NOON_UTC)
    engine = AlertEngine(clock=clock, merge_window_s=60, resume_grace_s=600, stale_minutes=15)
    other = "XYZ7654321"
    engine.set_serials([SN, other])
    a, b = Plant(engine, clock, SN), Plant(engine, clock, other)
    a.fresh(102, pv=3000)
    b.fresh(102)
    clock.jump(3 * 3600)
    engine.resumed(3 * 3600)
    clock.advance(5)
    # Stale for hours while producing, but the network may not be back: no offline alert yet.
    assert [x.kind for x in engine.observe(a.snapshot(pv=3000))] == []
    clock.advance(5)
    b.upload = clock.now()
    merged = engine.observe(b.snapshot(103))
    assert [x.kind for x in merged] == [AlertKind.FAULT]  # one alert stays itself
    # After the grace period the offline alert comes, on its own.
    assert a.repeat(15, pv=3000) == [AlertKind.OFFLINE]


def test_summary_names_every_alert() -> None:
    from solaxtray.core.alerts import Alert, summarize

    alerts = [
        Alert(AlertKind.FAULT, Severity.CRITICAL, SN, "Fault Mode — X1", "SN ABC1234567 ...", 1.0),
        Alert(AlertKind.EPS, Severity.WARNING, "XYZ7654321", "EPS Mode — X3", "SN XYZ ...", 2.0),
    ]
    (summary,) = summarize(alerts, 3.0)
    assert summary.kind is AlertKind.AWAY_SUMMARY
    assert summary.severity is Severity.CRITICAL
    assert summary.sn is None
    assert "Fault Mode — X1" in summary.body
    assert "EPS Mode — X3" in summary.body
    assert summary.title == "While you were away: 2 alerts"


def test_every_kind_maps_to_a_notification_setting() -> None:
    from dataclasses import fields

    from solaxtray.core.settings import NotifySettings

    names = {f.name for f in fields(NotifySettings)}
    for kind in AlertKind:
        assert kind.setting is None or kind.setting in names, kind
    assert AlertKind.BACK_ONLINE.setting == "offline"
    assert AlertKind.FAULT.setting == "fault"


def test_each_kinds_switch_is_the_one_that_silences_it() -> None:
    """What the settings window's switch says is what the notifier does: turning off the switch a
    kind names silences that kind (a serial the account does not know once notified whatever the
    set-up switch said)."""
    from dataclasses import fields, replace

    from solaxtray.core.settings import NotifySettings

    everything_on = NotifySettings()
    for kind in AlertKind:
        switch = kind.setting
        assert everything_on.enabled(kind), kind
        if switch is None:
            off = replace(everything_on, **{f.name: False for f in fields(NotifySettings)})
            assert off.enabled(kind), kind
        else:
            assert not replace(everything_on, **{switch: False}).enabled(kind), kind
    assert AlertKind.SERIAL_UNKNOWN.setting == "token_rejected"


def test_a_saved_token_rejected_switch_still_silences_rejected_credentials(
    tmp_path: Path,
) -> None:
    """The kind was renamed for two APIs; a settings file saved before, with the switch under its
    old name, still turns off the notification of rejected credentials."""
    from solaxtray.core.settings import SettingsStore

    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"version": 1, "notify": {"token_rejected": False}}), encoding="utf-8"
    )
    settings, warning = SettingsStore(path).load()
    assert warning is None
    engine, _, plant = make()
    plant.fresh()
    (alert,) = engine.observe_error(SN, TokenRejected("token invalid"))
    assert alert.kind is AlertKind.CREDENTIALS_REJECTED
    assert not settings.notify.enabled(alert.kind)
    assert settings.notify.enabled(AlertKind.RATE_LIMITED)


def test_sun_position_for_a_known_place_and_day() -> None:
    from solaxtray.core.sun import is_daylight, solar_elevation, sun_times

    berlin = (52.52, 13.40)
    times = sun_times(NOON_UTC, *berlin)
    assert times is not None
    sunrise, sunset = (datetime.fromtimestamp(t, tz=UTC) for t in times)
    # Published times for Berlin on 21 June: sunrise 04:43, sunset 21:33 (CEST, UTC+2).
    assert (sunrise.hour, sunrise.minute) in ((2, 42), (2, 43), (2, 44))
    assert (sunset.hour, sunset.minute) in ((19, 32), (19, 33), (19, 34))
    # Highest at solar noon: 90 - 52.52 + 23.44 degrees.
    noon = datetime(2026, 6, 21, 11, 8, tzinfo=UTC).timestamp()
    assert solar_elevation(noon, *berlin) == pytest.approx(60.9, abs=0.3)
    assert is_daylight(NOON_UTC, *berlin)
    assert not is_daylight(MIDNIGHT_UTC, *berlin)
    assert sun_times(NOON_UTC, 80.0, 0.0) is None  # midnight sun: no sunset at all


def test_eps_alert_says_only_what_the_upload_shows() -> None:
    """EPS Mode with the battery charging and power drawn from the grid: no claim that the grid
    is down or that the house runs on the battery."""
    from dataclasses import replace

    engine, clock, plant = make()
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    snap = replace(
        plant.snapshot(107, bat=800.0, soc=64.0),
        eps_power=(1200.0, None, None),
        feedin_power=-938.0,
    )
    (eps,) = engine.observe(snap)
    assert eps.kind is AlertKind.EPS
    assert "runs on the battery" not in eps.body
    assert "grid is down" not in eps.body
    assert "EPS Mode (code 107)" in eps.body
    assert "Its EPS (backup) output delivers 1.2 kW." in eps.body
    assert "The battery is at 64 % and charging at 800 W." in eps.body
    assert "The meter shows 938 W drawn from the grid." in eps.body


def test_eps_alert_with_the_battery_discharging_says_so() -> None:
    engine, clock, plant = make()
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    (eps,) = engine.observe(plant.snapshot(107, bat=-1500.0, soc=40.0))
    assert "The battery is at 40 % and discharging at 1.5 kW." in eps.body
    assert "drawn from the grid" not in eps.body


def _plant_clock(plant: Plant) -> str:
    return datetime.fromtimestamp(plant.upload + 7200, tz=UTC).strftime("%H:%M")


def test_recovery_names_when_the_fault_started_and_how_long_it_lasted() -> None:
    engine, clock, plant = make()
    plant.fresh(102)
    alerts: list[Any] = []
    clock.advance(300)
    plant.upload = clock.now()
    started = _plant_clock(plant)
    alerts += engine.observe(plant.snapshot(103))
    for _ in range(2):  # the fault holds for two more uploads
        clock.advance(300)
        plant.upload = clock.now()
        alerts += engine.observe(plant.snapshot(103))
    for _ in range(3):
        clock.advance(300)
        plant.upload = clock.now()
        alerts += engine.observe(plant.snapshot(102))
    recovery = [a for a in alerts if a.kind is AlertKind.RECOVERY]
    assert len(recovery) == 1
    assert recovery[0].title == "Back to normal — X3-Hybrid-G4"
    assert recovery[0].body == (
        f"The inverter SN {SN} is back to normal after a fault that started at {started} "
        "plant time and lasted 15 minutes."
    )


def test_recovery_from_a_fault_found_at_start_up_does_not_claim_its_start() -> None:
    engine, clock, plant = make()
    clock.advance(300)
    plant.upload = clock.now()
    first_seen = _plant_clock(plant)
    alerts = list(engine.observe(plant.snapshot(103)))
    for _ in range(2):
        clock.advance(300)
        plant.upload = clock.now()
        alerts += engine.observe(plant.snapshot(102))
    (recovery,) = [a for a in alerts if a.kind is AlertKind.RECOVERY]
    assert f"already on at {first_seen} plant time" in recovery.body
    assert "at least 5 minutes" in recovery.body


def test_an_eps_episode_of_one_upload_is_never_zero_seconds() -> None:
    engine, clock, plant = make(recovery_uploads=1)
    plant.fresh(102)
    clock.advance(300)
    plant.upload = clock.now()
    alerts = list(engine.observe(plant.snapshot(107)))
    # The next upload is already normal, and carries the same plant minute.
    clock.advance(20)
    plant.upload = clock.now()
    alerts += engine.observe(plant.snapshot(102))
    (recovery,) = [a for a in alerts if a.kind is AlertKind.RECOVERY]
    assert "after EPS mode that started at" in recovery.body
    assert "lasted less than a minute." in recovery.body
    assert "0 s" not in recovery.body
