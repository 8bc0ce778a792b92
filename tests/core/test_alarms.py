"""Fault reasons: SolaX's alarm list, asked once per fault transition, over real HTTP against the
simulator (``DeveloperSimulator``), counted in a real request ledger, and said in the alert."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.alarms import (
    REASON_BUDGET,
    REASON_DISPLAY,
    SOURCE_CLOUD,
    SOURCE_DISPLAY,
    FaultReason,
    InverterAlarm,
    alarm_source,
    look_up_fault,
    parse_alarm_page,
    reason_sentence,
)
from solaxtray.core.alerts import AlertKind
from solaxtray.core.api.backend import TokenBackend
from solaxtray.core.api.developer.client import DeveloperClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import ServerError
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.simulator import SimInverter
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEV_ALARM_ENDPOINT,
    DEV_REALTIME_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.watch import FleetWatch, run_watch

INV = SimInverter(
    sn="SWTEST0001",
    inverter_sn="H3TEST00000001",
    type_code=14,
    pv_peak_w=5000,
    utc_offset_hours=0.0,
)
DEV_SN = INV.inverter_sn


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(inverters=[INV], clock=clock, dev_per_minute=1000) as server:
        server.alarm_texts[DEV_SN] = ("IE 07", "Grid Frequency Fault")
        yield server


def client_for(sim: DeveloperSimulator, clock: FakeClock) -> DeveloperClient:
    return DeveloperClient(
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=sim.base_url, clock=clock, timeout=5.0
    )


def alarm_requests(sim: DeveloperSimulator) -> int:
    return sum(1 for r in sim.requests if r.endpoint == DEV_ALARM_ENDPOINT)


# -- the client and the simulator ------------------------------------------------------------


def test_the_alarm_list_names_the_fault_while_it_lasts(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with client_for(sim, clock) as client:
        assert client.alarms(DEV_SN) == []
        sim.script_status(INV.sn, [(0, 103)])
        clock.advance(301)
        alarms = client.alarms(DEV_SN)
        assert [(a.code, a.text, a.ongoing) for a in alarms] == [
            ("IE 07", "Grid Frequency Fault", True)
        ]
        assert alarms[0].started is not None
    assert alarm_requests(sim) == 2


def test_an_alarm_list_refusal_is_a_typed_error(sim: DeveloperSimulator, clock: FakeClock) -> None:
    sim.inject_code(10200, route="alarm")
    with client_for(sim, clock) as client, pytest.raises(ServerError):
        client.alarms(DEV_SN)


def test_the_demo_fault_inverter_lists_its_scripted_alarm(clock: FakeClock) -> None:
    with DeveloperSimulator.demo(clock=clock) as sim:
        fault_sn = sim.device_serial("SWDEMOHYB3")
        clock.advance(45)  # the demo story's fault upload
        with client_for(sim, clock) as client:
            assert [a.code for a in client.alarms(fault_sn)] == ["IE 03"]


def test_only_the_developer_api_says_it_has_alarms(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with client_for(sim, clock) as client:
        assert alarm_source(client) is client
    assert alarm_source(TokenBackend.from_fetch(lambda sn: _snap(sn, 103))) is None


# -- reading hostile answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [None, 5, "records", [], {"records": "x"}, {"records": [1, None, "a"]}, {"records": [{}]}],
)
def test_an_answer_without_alarms_reads_as_none(result: object) -> None:
    assert parse_alarm_page(result, DEV_SN) == []


def test_alarms_of_other_devices_and_token_shaped_words_are_left_out() -> None:
    result = {
        "Records": [
            {"deviceSn": "OTHER", "errorCode": "IE 01", "alarmName": "not ours"},
            {
                "DEVICESN": DEV_SN.lower(),
                "errorcode": 1007,
                "alarmName": "202001010000000000000042",
                "alarmState": 0,
                "alarmStartTime": 1_780_000_000_000,
            },
            {"errorCode": "IE 09", "alarmName": "Bus Volt Fault\n\x00", "alarmState": "1"},
        ]
    }
    alarms = parse_alarm_page(result, DEV_SN)
    assert [(a.code, a.text, a.ongoing) for a in alarms] == [
        ("IE 09", "Bus Volt Fault", True),
        ("1007", None, False),
    ]
    assert alarms[1].started == datetime.fromtimestamp(1_780_000_000)


# -- once per transition, counted, and said ------------------------------------------------------


def _snap(sn: str, status: int) -> Snapshot:
    return Snapshot(
        sn=sn,
        fetched_at=datetime.now(tz=UTC),
        inverter_type=InverterType.X3_HYBRID_G4,
        inverter_status=InverterStatus(status),
        upload_time=datetime(2026, 6, 1, 12, 0),
    )


def _watch(
    sim: DeveloperSimulator, clock: FakeClock, ledger: RequestLedger, hours: float
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    end = clock.now() + hours * 3600
    with client_for(sim, clock) as client:
        run_watch(
            serials=[DEV_SN],
            backend=client,
            clock=clock,
            sleep=clock.sleep,
            emit=lines.append,
            ledger=ledger,
            should_stop=lambda: clock.now() >= end,
        )
    return lines


def test_one_alarm_request_per_fault_transition_in_the_ledger(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    # Fault, a flicker (one Normal upload, not a recovery), fault, recovery, a second fault.
    sim.script_status(
        INV.sn, [(900, 103), (1500, 102), (1800, 103), (2700, 102), (5400, 104), (6600, 102)]
    )
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    lines = _watch(sim, clock, ledger, hours=2.5)
    faults = [line for line in lines if line["type"] == "alert" and line["kind"] == "fault"]
    assert len(faults) == 2
    assert alarm_requests(sim) == 2  # never per round: dozens of rounds saw the fault
    assert sum(1 for r in sim.requests if r.endpoint == DEV_REALTIME_ENDPOINT) > 20
    for line in faults:
        assert line["details"]["alarm_source"] == SOURCE_CLOUD
        assert line["details"]["alarm"]["code"] == "IE 07"
        assert line["details"]["alarm"]["text"] == "Grid Frequency Fault"
        assert "SolaX reports alarm IE 07 since " in line["body"]
        assert "Grid Frequency Fault." in line["body"]
    # The ledger never counts less than crossed the socket (it holds each round at its price,
    # realtime and battery, even when the battery request is saved).
    assert ledger.used_today() >= len(sim.requests)


def test_a_fault_on_the_tokenid_api_says_where_the_code_is_without_a_request(
    clock: FakeClock,
) -> None:
    statuses = {0: 102, 1: 103}
    calls: list[str] = []

    def fetch(sn: str) -> Snapshot:
        calls.append(sn)
        k = min(1, int((clock.now() - 1_780_000_000.0) // 300))
        return replace(_snap(sn, statuses[k]), upload_time=datetime(2026, 6, 1, 12, 5 * k))

    lines: list[dict[str, Any]] = []
    end = clock.now() + 900
    run_watch(
        serials=["SWTEST0001"],
        backend=TokenBackend.from_fetch(fetch),
        clock=clock,
        sleep=clock.sleep,
        emit=lines.append,
        should_stop=lambda: clock.now() >= end,
    )
    faults = [line for line in lines if line["type"] == "alert" and line["kind"] == "fault"]
    assert len(faults) == 1
    assert faults[0]["details"]["alarm_source"] == SOURCE_DISPLAY
    assert faults[0]["details"]["alarm"] is None
    assert faults[0]["body"].endswith(REASON_DISPLAY)
    other = [line for line in lines if line["type"] == "alert" and line["kind"] != "fault"]
    assert all(line["details"] == {} for line in other)


def test_no_alarm_request_when_the_ledger_has_no_room(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=clock, per_minute=1, per_day=1)
    assert ledger.try_acquire(DEV_SN, 1)
    with client_for(sim, clock) as client:
        reason = look_up_fault(client, DEV_SN, ledger)
    assert reason.sentence == REASON_BUDGET
    assert not reason.requested
    assert alarm_requests(sim) == 0


def test_a_failed_alarm_request_still_says_where_the_code_is(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    sim.inject_code(11500, route="alarm")
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    with client_for(sim, clock) as client:
        reason = look_up_fault(client, DEV_SN, ledger)
    assert reason.requested
    assert reason.alarm is None
    assert "could not be read" in reason.sentence
    assert "inverter's display" in reason.sentence
    assert ledger.used_today() == len(sim.requests) == 2  # the token request and the alarm one


def test_the_alarm_request_is_charged_in_the_ledger(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    sim.script_status(INV.sn, [(0, 103)])
    clock.advance(301)
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    with client_for(sim, clock) as client:
        client.fetch_many([DEV_SN])  # the token, realtime and battery requests, not charged
        before = len(sim.requests)
        reason = look_up_fault(client, DEV_SN, ledger)
    assert reason.alarm is not None
    assert reason.alarm.code == "IE 07"
    assert len(sim.requests) == before + 1
    assert ledger.used_today() == 1


# -- a fault held for the "While you were away" summary -------------------------------------


def _upload(sn: str, status: int, k: int) -> Snapshot:
    return replace(_snap(sn, status), upload_time=datetime(2026, 6, 1, 12, 5 * k))


def test_a_fault_held_for_the_away_summary_keeps_its_reason(clock: FakeClock) -> None:
    first, second = "SWTEST0001", "SWTEST0002"
    watch = FleetWatch([first, second], clock=clock)
    for sn in (first, second):
        watch.record_snapshot(sn, _upload(sn, 102, 0))
    watch.on_wall_gap(3600.0)  # the computer slept: what comes next is gathered
    clock.advance(10)
    # Round one: the first inverter's fault and its alarm, looked up for this answer.
    alarm = InverterAlarm("IE 07", "Grid Frequency Fault")
    watch.note_fault_reasons(
        {first: FaultReason(first, SOURCE_CLOUD, reason_sentence(alarm), alarm, requested=True)}
    )
    assert watch.record_snapshot(first, _upload(first, 103, 1))[1] == []  # held
    # Round two: the second inverter faults too, with no alarm listed; the summary goes out.
    clock.advance(10)
    watch.note_fault_reasons({second: FaultReason(second, SOURCE_CLOUD, "", requested=True)})
    _fresh, alerts = watch.record_snapshot(second, _upload(second, 103, 1))
    assert [a.kind for a in alerts] == [AlertKind.AWAY_SUMMARY]
    lines = alerts[0].body.splitlines()
    assert len(lines) == 2
    assert "IE 07" in lines[0]
    assert "Grid Frequency Fault" in lines[0]
    assert "IE 07" not in lines[1]
    # The popup's reason for the first inverter is there too.
    reason = watch.fault_reason(first)
    assert reason is not None
    assert reason.alarm == alarm


def test_a_single_held_fault_is_explained_once(clock: FakeClock) -> None:
    watch = FleetWatch(["SWTEST0001"], clock=clock)
    watch.record_snapshot("SWTEST0001", _upload("SWTEST0001", 102, 0))
    watch.on_wall_gap(3600.0)
    clock.advance(10)
    _fresh, alerts = watch.record_snapshot("SWTEST0001", _upload("SWTEST0001", 103, 1))
    assert [a.kind for a in alerts] == [AlertKind.FAULT]  # nothing else awaited: released
    assert alerts[0].body.count(REASON_DISPLAY) == 1
