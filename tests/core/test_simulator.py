"""The simulator over real HTTP, read with plain ``requests`` (not the project's client or parser):
what arrives on the wire is what the field notes say the real cloud sends."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from solaxtray.core.clock import FakeClock
from solaxtray.core.simulator import (
    DEAD_PATH,
    DEMO_EPS_SN,
    DEMO_FAULT_SN,
    DEMO_MICRO_SN,
    DEMO_SERIALS,
    DEMO_STORY_PERIOD,
    DEMO_TOKEN,
    DEMO_UPLOAD_INTERVAL,
    REDIRECT_TARGET,
    CloudSimulator,
    Fault,
    SimInverter,
    serve_forever_demo,
)

TABLE_3 = (
    "inverterSN",
    "sn",
    "acpower",
    "yieldtoday",
    "yieldtotal",
    "feedinpower",
    "feedinenergy",
    "consumeenergy",
    "feedinpowerM2",
    "soc",
    "peps1",
    "peps2",
    "peps3",
    "inverterType",
    "inverterStatus",
    "uploadTime",
    "batPower",
    "powerdc1",
    "powerdc2",
    "powerdc3",
    "powerdc4",
)
NUMERIC = tuple(
    k
    for k in TABLE_3
    if k not in {"inverterSN", "sn", "inverterType", "inverterStatus", "uploadTime"}
)
BATTERY_AND_GRID = (
    "feedinpower",
    "feedinenergy",
    "consumeenergy",
    "feedinpowerM2",
    "soc",
    "peps1",
    "peps2",
    "peps3",
    "batPower",
)

HYB = SimInverter(
    sn="SWTESTHYB1",
    inverter_sn="H1TEST00000001",
    type_code=15,
    pv_peak_w=6000,
    mppt_count=2,
    battery_wh=10_000,
    battery_max_w=2500,
    utc_offset_hours=0.0,
)
HYB3 = SimInverter(
    sn="SWTESTHYB3",
    inverter_sn="H3TEST00000001",
    type_code=14,
    pv_peak_w=12_000,
    mppt_count=3,
    phases=3,
    battery_wh=15_000,
    utc_offset_hours=2.0,
)
GRID = SimInverter(
    sn="SWTESTGRD1",
    inverter_sn="XBTEST00000001",
    type_code=4,
    pv_peak_w=4000,
    mppt_count=2,
    utc_offset_hours=0.0,
)
MICRO = SimInverter(
    sn="SWTESTMIC1",
    inverter_sn="XMTEST00000001",
    type_code=18,
    pv_peak_w=800,
    mppt_count=1,
    has_meter=False,
    sleeps_at_night=True,
    utc_offset_hours=0.0,
)
SILENT = SimInverter(
    sn="SWTESTSIL1",
    inverter_sn="XSTEST00000001",
    type_code=4,
    pv_peak_w=3000,
    reporting=False,
)
FLEET = (HYB, HYB3, GRID, MICRO, SILENT)
MIDSUMMER = datetime(2026, 6, 21, tzinfo=UTC).timestamp()
"""Midnight UTC on a long day: plant night at 02:00, strong sun at 13:00."""


def v1(
    sim: CloudSimulator, sn: str, token: str = DEMO_TOKEN, timeout: float = 10.0
) -> requests.Response:
    return requests.get(
        sim.v1_url + "getRealtimeInfo.do",
        params={"tokenId": token, "sn": sn},
        timeout=timeout,
        allow_redirects=False,
    )


def v2(sim: CloudSimulator, sn: str, token: str = DEMO_TOKEN) -> requests.Response:
    return requests.post(sim.v2_url, headers={"tokenId": token}, json={"wifiSn": sn}, timeout=10)


def result(response: requests.Response) -> dict[str, Any]:
    body = json.loads(response.content)
    assert body["success"] is True, body
    assert isinstance(body["result"], dict)
    return body["result"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MIDSUMMER + 13 * 3600)


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[CloudSimulator]:
    with CloudSimulator(inverters=FLEET, clock=clock, per_minute=1000) as s:
        yield s


# -- success answers ------------------------------------------------------------------------


def test_v1_success_has_every_table3_field_typed_as_the_cloud_sends(sim: CloudSimulator) -> None:
    response = v1(sim, HYB.sn)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json;charset=ISO-8859-1"
    body = json.loads(response.content)
    assert next(iter(body)) == "exception"
    assert list(body)[-2:] == ["success", "code"]
    assert body["exception"] == "Query success!"
    res = result(response)
    assert set(TABLE_3) <= set(res)
    assert res["sn"] == HYB.sn
    assert res["inverterSN"] == HYB.inverter_sn
    assert res["inverterType"] == "15"
    assert res["inverterStatus"] == "102"
    assert res["batStatus"] == "0"
    datetime.strptime(res["uploadTime"], "%Y-%m-%d %H:%M:%S")
    for key in NUMERIC:
        assert res[key] is None or type(res[key]) is float, key
    assert res["powerdc1"] > 0
    assert res["powerdc3"] is None
    assert res["powerdc4"] is None


def test_v2_success_says_operation_success_with_real_utc(sim: CloudSimulator) -> None:
    response = v2(sim, HYB3.sn)
    body = json.loads(response.content)
    assert next(iter(body)) == "success"
    assert body["exception"] == "operation success"
    res = result(response)
    assert set(TABLE_3) <= set(res)
    assert type(res["acpower"]) is int
    assert type(res["yieldtoday"]) is float
    utc = datetime.strptime(res["utcDateTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    local = datetime.strptime(res["uploadTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    # uploadTime is the plant's wall clock: two hours ahead of UTC for this plant.
    assert round((local - utc).total_seconds()) == 2 * 3600
    assert utc.timestamp() <= sim.clock.now()
    assert res["powerdc3"] is not None
    assert res["powerdc4"] is None


def test_v1_utc_date_time_is_eight_hours_off_when_a_plant_asks_for_it(clock: FakeClock) -> None:
    skewed = dataclasses.replace(GRID, v1_utc_skew_hours=8.0)
    with CloudSimulator(inverters=(skewed,), clock=clock, per_minute=1000) as sim:
        res = result(v1(sim, GRID.sn))
    utc = datetime.strptime(res["utcDateTime"], "%Y-%m-%dT%H:%M:%SZ")
    local = datetime.strptime(res["uploadTime"], "%Y-%m-%d %H:%M:%S")
    assert round((utc - local).total_seconds()) == 8 * 3600


def test_v1_utc_date_time_is_the_upload_instant_in_the_plants_zone(sim: CloudSimulator) -> None:
    # HYB3's clock is two hours ahead of UTC: both fields name one instant.
    res = result(v1(sim, HYB3.sn))
    utc = datetime.strptime(res["utcDateTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    local = datetime.strptime(res["uploadTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert round((local - utc).total_seconds()) == 2 * 3600
    assert utc.timestamp() <= sim.clock.now()


def test_micro_inverter_sends_null_for_every_battery_and_grid_field(sim: CloudSimulator) -> None:
    res = result(v1(sim, MICRO.sn))
    assert all(res[key] is None for key in BATTERY_AND_GRID)
    assert res["acpower"] == res["powerdc1"]
    assert res["acpower"] > 0


def test_grid_tie_with_meter_reports_grid_but_no_battery(sim: CloudSimulator) -> None:
    res = result(v1(sim, GRID.sn))
    assert res["batPower"] is None
    assert res["soc"] is None
    assert res["feedinpower"] is not None
    assert res["feedinenergy"] is not None


@pytest.mark.parametrize("inv", [HYB, HYB3, GRID], ids=lambda i: i.sn)
def test_flows_balance_through_a_day(clock: FakeClock, inv: SimInverter) -> None:
    with CloudSimulator(inverters=[inv], clock=clock, per_minute=1000) as s:
        for _ in range(24):
            clock.advance(3600)
            res = result(v1(s, inv.sn))
            reading = s.current_reading(inv.sn)
            assert reading is not None
            pv = sum(res[f"powerdc{i}"] or 0.0 for i in range(1, 5))
            bat = res["batPower"] or 0.0
            assert pv - bat == res["acpower"]
            assert res["acpower"] - res["feedinpower"] == reading.house_load
            assert reading.house_load > 0


def test_pv_is_zero_at_plant_night_and_high_at_midday() -> None:
    clock = FakeClock(MIDSUMMER + 2 * 3600)
    with CloudSimulator(inverters=[HYB, GRID], clock=clock, per_minute=1000) as s:
        night = result(v1(s, HYB.sn))
        assert night["powerdc1"] == 0.0
        assert night["powerdc2"] == 0.0
        # At night a hybrid feeds the house from its battery.
        assert night["batPower"] < 0
        assert night["inverterStatus"] == "102"
        assert result(v1(s, GRID.sn))["inverterStatus"] == "100"
        clock.advance(11 * 3600)
        noon = result(v1(s, HYB.sn))
        assert noon["powerdc1"] + noon["powerdc2"] > 0.3 * HYB.pv_peak_w


def test_soc_follows_the_battery_power() -> None:
    clock = FakeClock(MIDSUMMER)
    with CloudSimulator(inverters=[HYB], clock=clock, per_minute=1000) as s:
        previous = result(v1(s, HYB.sn))
        rises = falls = 0
        for _ in range(24 * 4):
            clock.advance(900)
            now = result(v1(s, HYB.sn))
            if now["soc"] > previous["soc"]:
                rises += 1
                assert now["batPower"] > 0 or previous["batPower"] > 0
            elif now["soc"] < previous["soc"]:
                falls += 1
                assert now["batPower"] < 0 or previous["batPower"] < 0
            assert 10.0 <= now["soc"] <= 100.0
            previous = now
        assert rises > 4
        assert falls > 4


# -- uploads ------------------------------------------------------------------------------


def test_answers_are_identical_between_uploads_and_change_at_an_upload(
    sim: CloudSimulator, clock: FakeClock
) -> None:
    first = v1(sim, HYB.sn).content
    next_at = sim.next_upload(HYB.sn)
    clock.advance(next_at - clock.now() - 0.5)
    assert v1(sim, HYB.sn).content == first
    assert v1(sim, HYB.sn).content == first
    clock.advance(1.0)
    changed = result(v1(sim, HYB.sn))
    assert changed["uploadTime"] != json.loads(first)["result"]["uploadTime"]
    uploaded = datetime.strptime(changed["uploadTime"], "%Y-%m-%d %H:%M:%S")
    assert abs(uploaded.replace(tzinfo=UTC).timestamp() - next_at) < 1.0


def test_upload_now_shows_a_scripted_change_without_waiting(simulator: CloudSimulator) -> None:
    sn = DEMO_SERIALS[0]
    before = result(v2(simulator, sn))
    assert before["inverterStatus"] == "102"
    simulator.script_status(sn, [(0.0, 104)])
    at = simulator.upload_now(sn)
    # An upload in this very second already happened: then the new one comes in the next.
    threading.Event().wait(max(0.0, at - simulator.clock.now()))
    after = result(v2(simulator, sn))
    assert after["inverterStatus"] == "104"
    assert after["acpower"] == 0
    assert after["uploadTime"] > before["uploadTime"]


def test_v2_answers_are_identical_between_uploads(sim: CloudSimulator, clock: FakeClock) -> None:
    first = v2(sim, HYB3.sn).content
    clock.advance(sim.next_upload(HYB3.sn) - clock.now() - 1.0)
    assert v2(sim, HYB3.sn).content == first
    clock.advance(1.0)
    assert v2(sim, HYB3.sn).content != first


def test_uploads_come_every_interval_with_phase_and_small_jitter(sim: CloudSimulator) -> None:
    now = sim.clock.now()
    times = sim.upload_times(HYB.sn, now, now + 6 * 3600)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) in (71, 72, 73)
    assert all(285.0 <= g <= 315.0 for g in gaps)
    assert len(set(gaps)) > 1
    other = sim.upload_times(GRID.sn, now, now + 3600)
    assert other[0] != times[0]


def test_offline_inverter_keeps_answering_with_its_last_upload(
    sim: CloudSimulator, clock: FakeClock
) -> None:
    before = result(v1(sim, HYB.sn))
    sim.set_online(HYB.sn, False)
    clock.advance(3600)
    stale = result(v1(sim, HYB.sn))
    assert stale == before
    sim.set_online(HYB.sn, True)
    clock.advance(301)
    fresh = result(v1(sim, HYB.sn))
    assert fresh["uploadTime"] > before["uploadTime"]


def test_scripted_offline_window(sim: CloudSimulator, clock: FakeClock) -> None:
    sim.script_offline(GRID.sn, 0.0, 1800.0)
    before = result(v1(sim, GRID.sn))
    clock.advance(1500)
    assert result(v1(sim, GRID.sn))["uploadTime"] == before["uploadTime"]
    clock.advance(700)
    assert result(v1(sim, GRID.sn))["uploadTime"] > before["uploadTime"]


def test_grid_tie_inverter_stops_uploading_after_dusk(clock: FakeClock) -> None:
    with CloudSimulator(inverters=[MICRO], clock=clock, per_minute=1000) as s:
        clock.advance(10 * 3600)  # 23:00
        dusk = result(v1(s, MICRO.sn))
        assert dusk["acpower"] == 0.0
        assert dusk["inverterStatus"] == "100"
        clock.advance(2 * 3600)
        assert result(v1(s, MICRO.sn)) == dusk
        clock.advance(8 * 3600)  # 09:00 next day
        morning = result(v1(s, MICRO.sn))
        assert morning["uploadTime"] > dusk["uploadTime"]
        assert morning["acpower"] > 0
        assert morning["yieldtoday"] < dusk["yieldtoday"]


def test_a_dongle_asleep_at_start_shows_last_nights_dusk_upload() -> None:
    clock = FakeClock(MIDSUMMER + 2 * 3600)
    with CloudSimulator(inverters=[MICRO], clock=clock) as s:
        res = result(v1(s, MICRO.sn))
        uploaded = datetime.strptime(res["uploadTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert MIDSUMMER - 6 * 3600 < uploaded.timestamp() < MIDSUMMER
        assert res["acpower"] == 0.0
        assert res["yieldtoday"] > 0.5  # yesterday's production, until the first upload today


# -- scripted statuses --------------------------------------------------------------------


def test_scripted_fault_then_recovery(sim: CloudSimulator, clock: FakeClock) -> None:
    sim.script_status(HYB.sn, [(10.0, 103), (700.0, 102)])
    seen: list[str] = []
    for _ in range(6):
        clock.advance(300)
        res = result(v1(sim, HYB.sn))
        seen.append(res["inverterStatus"])
        if res["inverterStatus"] == "103":
            assert res["acpower"] == 0.0
            assert res["powerdc1"] == 0.0
            assert res["feedinpower"] < 0
    assert seen[0] == "103"
    assert "102" in seen
    assert seen.index("102") > 0
    assert seen[seen.index("102") :].count("103") == 0


def test_scripted_eps_carries_the_house_on_the_eps_phases(
    sim: CloudSimulator, clock: FakeClock
) -> None:
    sim.script_status(HYB3.sn, [(0.0, 107)])
    clock.advance(301)
    res = result(v2(sim, HYB3.sn))
    reading = sim.current_reading(HYB3.sn)
    assert reading is not None
    assert res["inverterStatus"] == "107"
    assert res["feedinpower"] == 0
    eps = [res["peps1"], res["peps2"], res["peps3"]]
    assert all(p > 0 for p in eps)
    assert sum(eps) == reading.house_load
    pv = sum(res[f"powerdc{i}"] or 0 for i in range(1, 5))
    assert pv - res["batPower"] == sum(eps)


# -- errors -------------------------------------------------------------------------------


def test_bad_token_is_rejected_with_the_token_echoed(sim: CloudSimulator) -> None:
    bad = "12345678901234567890123"
    body = json.loads(v1(sim, HYB.sn, token=bad).content)
    assert body == {"exception": "token invalid!", "success": False, "code": 103, "tokenId": bad}
    body2 = json.loads(v2(sim, HYB.sn, token=bad).content)
    assert body2["success"] is False
    assert body2["code"] == 1001
    assert body2["tokenId"] == bad
    record = sim.requests[-1]
    assert record.token_ok is False
    assert record.result == "token_invalid"
    assert bad not in repr(sim.requests)
    assert DEMO_TOKEN not in repr(sim.requests)


def test_the_token_reaches_no_log_and_no_stderr(
    sim: CloudSimulator, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = "12345678901234567890123"
    with caplog.at_level(logging.DEBUG):
        v1(sim, HYB.sn)
        v1(sim, HYB.sn, token=bad)
        v2(sim, HYB.sn, token=bad)
        sim.inject(Fault.RESET)
        with pytest.raises(requests.ConnectionError):
            v1(sim, HYB.sn)
        requests.get(sim.base_url + "/x?tokenId=" + bad, timeout=5)
    out, err = capfd.readouterr()
    # The client side (urllib3) logs URLs itself; here only what the simulator says counts.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("solaxtray.core.simul")]
    assert ours
    for secret in (bad, DEMO_TOKEN):
        assert not [line for line in ours if secret in line]
        assert secret not in out + err
        assert secret not in repr(sim.requests)


def test_unknown_serial_and_inverter_serial_get_no_auth(sim: CloudSimulator) -> None:
    for sn in ("SWNOTMINE1", HYB.inverter_sn):
        body = json.loads(v1(sim, sn).content)
        assert body["success"] is False
        assert body["result"] == "no auth!"
    result(v1(sim, HYB.sn))  # a valid request ends the streak of violations before a ban
    body = json.loads(v2(sim, "SWNOTMINE1").content)
    assert body["exception"] == "no auth!"
    assert body["code"] == 1003


def test_known_silent_serial_did_not_access(sim: CloudSimulator) -> None:
    body = json.loads(v1(sim, SILENT.sn).content)
    assert body["success"] is False
    assert body["result"] == "this sn did not access!"
    assert sim.requests[-1].result == "not_accessed"


def test_v2_without_wifi_sn_is_a_generic_failure(sim: CloudSimulator) -> None:
    response = requests.post(sim.v2_url, headers={"tokenId": DEMO_TOKEN}, data=b"{", timeout=5)
    body = json.loads(response.content)
    assert body["success"] is False
    assert body["code"] == 2001


def test_unknown_path_is_404_and_the_old_9443_path_is_500(sim: CloudSimulator) -> None:
    assert requests.get(sim.base_url + "/nothing/here", timeout=5).status_code == 404
    response = requests.get(sim.base_url + DEAD_PATH, params={"sn": HYB.sn}, timeout=5)
    assert response.status_code == 500


def test_redirect_points_elsewhere_on_the_same_server(sim: CloudSimulator) -> None:
    sim.inject(Fault.REDIRECT)
    response = v1(sim, HYB.sn)
    assert response.status_code == 302
    assert response.headers["Location"] == sim.base_url + REDIRECT_TARGET
    followed = requests.get(response.headers["Location"], timeout=5)
    assert followed.status_code == 404
    assert sim.requests[-1].endpoint == REDIRECT_TARGET


# -- quota --------------------------------------------------------------------------------


def test_per_minute_throttle_then_ban_with_the_real_wording(clock: FakeClock) -> None:
    with CloudSimulator(inverters=[HYB], clock=clock, ban_after=3, ban_seconds=3600) as s:
        for _ in range(10):
            assert json.loads(v1(s, HYB.sn).content)["success"] is True
            clock.advance(1)
        throttled = json.loads(v1(s, HYB.sn).content)
        assert throttled["success"] is False
        assert throttled["code"] == 104
        assert throttled["exception"] == "Request calls within the current minute > threshold"
        clock.advance(60)  # the minute has passed: allowed again, and the violation streak ends
        assert json.loads(v1(s, HYB.sn).content)["success"] is True
        for _ in range(9):
            v1(s, HYB.sn)
        for _ in range(2):
            assert json.loads(v1(s, HYB.sn).content)["code"] == 104
        ban = json.loads(v2(s, HYB.sn).content)
        assert ban["code"] == 1
        assert "prohibit calls within the next hour" in ban["exception"]
        clock.advance(1800)
        assert json.loads(v1(s, HYB.sn).content)["code"] == 1
        clock.advance(1801)
        assert json.loads(v1(s, HYB.sn).content)["success"] is True
        results = [r.result for r in s.requests]
        assert results.count("throttled") == 3
        assert results.count("banned") == 2


def test_quota_is_per_token(clock: FakeClock) -> None:
    other = "999999999999999999999999"
    with CloudSimulator(inverters=[HYB], clock=clock, tokens=(DEMO_TOKEN, other)) as s:
        for _ in range(10):
            v1(s, HYB.sn)
        assert json.loads(v1(s, HYB.sn).content)["code"] == 104
        assert json.loads(v1(s, HYB.sn, token=other).content)["success"] is True


def test_daily_quota(clock: FakeClock) -> None:
    with CloudSimulator(inverters=[HYB], clock=clock, per_minute=100, per_day=5) as s:
        for _ in range(5):
            assert json.loads(v1(s, HYB.sn).content)["success"] is True
        over = json.loads(v1(s, HYB.sn).content)
        assert over["success"] is False
        assert over["code"] == 104
        assert "maximum call threshold" in over["exception"]
        clock.advance(86400)
        assert json.loads(v1(s, HYB.sn).content)["success"] is True


def test_repeated_unknown_serials_lead_to_a_ban(clock: FakeClock) -> None:
    with CloudSimulator(inverters=[HYB], clock=clock, ban_after=3) as s:
        for _ in range(2):
            assert json.loads(v1(s, "SWNOTMINE1").content)["result"] == "no auth!"
        assert json.loads(v1(s, "SWNOTMINE1").content)["code"] == 1
        assert json.loads(v1(s, HYB.sn).content)["code"] == 1


# -- injected faults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "content_type", "check"),
    [
        (Fault.HTML, 200, "text/html", lambda b: b.startswith(b"<!DOCTYPE html>")),
        (Fault.HTTP_500, 500, "text/html", lambda b: b"500" in b),
        (Fault.HTTP_503, 503, "text/html", lambda b: b"503" in b),
        (Fault.EMPTY, 200, "application/json", lambda b: b == b""),
        (Fault.OVERSIZED, 200, "application/json", lambda b: len(b) >= 1_000_000),
    ],
)
def test_transport_faults(
    sim: CloudSimulator, fault: Fault, status: int, content_type: str, check: Any
) -> None:
    sim.oversized_bytes = 1_000_000
    sim.inject(fault)
    response = v1(sim, HYB.sn)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(content_type)
    assert check(response.content)
    assert sim.requests[-1].result == f"fault:{fault.value}"
    assert result(v1(sim, HYB.sn))["sn"] == HYB.sn  # only one request was hit


def test_truncated_json(sim: CloudSimulator) -> None:
    sim.inject(Fault.TRUNCATED)
    response = v2(sim, HYB.sn)
    assert response.status_code == 200
    assert response.content.startswith(b'{"success":true')
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        json.loads(response.content)


def test_connection_reset(sim: CloudSimulator) -> None:
    sim.inject(Fault.RESET)
    with pytest.raises(requests.ConnectionError):
        v1(sim, HYB.sn)
    assert result(v1(sim, HYB.sn))["sn"] == HYB.sn


def test_slow_reply_times_out_a_client_and_still_answers_a_patient_one(
    sim: CloudSimulator,
) -> None:
    sim.slow_delay = 0.6
    sim.inject(Fault.SLOW, count=2)
    with pytest.raises(requests.ReadTimeout):
        v1(sim, HYB.sn, timeout=0.2)
    assert result(v1(sim, HYB.sn, timeout=5.0))["sn"] == HYB.sn


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (Fault.BUSY, 0, "The server is busy. Please try again later!"),
        (Fault.ERROR_2001, 2001, "error"),
        (Fault.THROTTLE, 104, "Request calls within the current minute > threshold"),
        (Fault.BAN, 1, "There have been several violations in a row"),
    ],
)
def test_api_faults_arrive_as_http_200_failures(
    sim: CloudSimulator, fault: Fault, code: int, words: str
) -> None:
    sim.inject(fault, count=2)
    for call in (v1, v2):
        response = call(sim, HYB.sn)
        assert response.status_code == 200
        body = json.loads(response.content)
        assert body["success"] is False
        assert body["code"] == code
        assert body["exception"].startswith(words)
    assert result(v1(sim, HYB.sn))["sn"] == HYB.sn


def test_fault_for_one_serial_leaves_the_others_alone(sim: CloudSimulator) -> None:
    sim.inject(Fault.HTTP_503, sn=GRID.sn)
    assert v1(sim, HYB.sn).status_code == 200
    assert v1(sim, GRID.sn).status_code == 503
    assert v1(sim, GRID.sn).status_code == 200


# -- the server and the demo --------------------------------------------------------------


def test_stop_is_clean_with_an_idle_keep_alive_connection(clock: FakeClock) -> None:
    before = set(threading.enumerate())
    sim = CloudSimulator(inverters=[HYB], clock=clock).start()
    session = requests.Session()
    assert session.get(sim.v1_url + "getRealtimeInfo.do", params={"sn": HYB.sn}).ok
    sim.stop()
    session.close()
    assert set(threading.enumerate()) <= before
    with pytest.raises(RuntimeError):
        _ = sim.base_url


def test_simulator_fixture_serves_the_demo_fleet(simulator: CloudSimulator) -> None:
    assert set(simulator.serials) == set(DEMO_SERIALS)
    for sn in DEMO_SERIALS:
        assert result(v1(simulator, sn))["sn"] == sn


def test_demo_story_shows_fault_recovery_and_eps_within_two_minutes() -> None:
    clock = FakeClock(MIDSUMMER + 22 * 3600)  # late evening: the demo's sun still shines
    with CloudSimulator.demo(clock=clock) as s:
        statuses: dict[str, list[str]] = {sn: [] for sn in DEMO_SERIALS}
        eps_seen = False
        for _ in range(12):
            clock.advance(
                10
            )  # one request per inverter every 10 s would break the quota: 6 a minute
            for sn in DEMO_SERIALS:
                reading = s.current_reading(sn)
                assert reading is not None
                code = str(reading.status)
                if not statuses[sn] or statuses[sn][-1] != code:
                    statuses[sn].append(code)
                    res = result(v2(s, sn))  # each change once over HTTP: 6 requests in all
                    assert res["inverterStatus"] == code
                    if code == "107":
                        eps_seen = True
                        assert res["feedinpower"] == 0
                        assert res["peps1"] > 0
        assert statuses[DEMO_FAULT_SN] == ["102", "103", "102"]
        assert statuses[DEMO_EPS_SN] == ["102", "107", "102"]
        assert statuses[DEMO_MICRO_SN] == ["102"]
        assert eps_seen
        assert result(v1(s, DEMO_MICRO_SN))["acpower"] > 0


def test_demo_story_repeats_every_period() -> None:
    clock = FakeClock(MIDSUMMER + 9 * 3600)
    with CloudSimulator.demo(clock=clock) as s:
        statuses = []
        for at in (DEMO_STORY_PERIOD + 25, DEMO_STORY_PERIOD + 50, DEMO_STORY_PERIOD + 100):
            clock.advance(s.origin + at - clock.now())
            reading = s.current_reading(DEMO_FAULT_SN)
            assert reading is not None
            statuses.append(reading.status)
        assert statuses == [102, 103, 102]


def test_demo_uploads_stay_far_under_the_quota() -> None:
    clock = FakeClock(MIDSUMMER)
    with CloudSimulator.demo(clock=clock) as s:
        start = clock.now()
        uploads = sorted(t for sn in DEMO_SERIALS for t in s.upload_times(sn, start, start + 3600))
        busiest = max(sum(1 for u in uploads if t <= u < t + 60) for t in uploads)
        assert busiest <= 6
        assert s.upload_interval == DEMO_UPLOAD_INTERVAL


def test_serve_forever_demo_runs_until_stopped() -> None:
    stop = threading.Event()
    urls: list[str] = []
    got: list[bool] = []

    def ready(s: CloudSimulator) -> None:
        urls.append(s.v1_url)
        got.append(result(v1(s, DEMO_SERIALS[0]))["sn"] == DEMO_SERIALS[0])
        stop.set()

    runner = threading.Thread(
        target=serve_forever_demo, args=(0,), kwargs={"ready": ready, "stop": stop}
    )
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive()
    assert got == [True]
    assert urls[0].startswith("http://127.0.0.1:")
    assert urls[0].endswith("/proxyApp/proxy/api/")


def test_a_status_scripted_in_the_same_second_as_the_last_step_wins() -> None:
    """A repair scripted within the second of the fault it repairs must not be lost to the sort:
    the later call wins (this once left an inverter in fault for good)."""
    from solaxtray.core.clock import FakeClock
    from solaxtray.core.simulator.cloud import SimulatedCloud

    clock = FakeClock(1_780_000_000.0)
    cloud = SimulatedCloud(clock=clock, upload_interval=3.0)
    sn = cloud.serials[0]
    cloud.script_status(sn, [(0.0, 103)])
    clock.advance(0.4)
    cloud.script_status(sn, [(0.0, 102)])
    cloud.upload_now(sn)
    clock.advance(4.0)
    reading = cloud.current_reading(sn)
    assert reading is not None
    assert reading.status == 102


@pytest.mark.parametrize(
    ("utc_hour", "machine", "expected"),
    [
        (12.0, 0.0, 0.0),  # midday: the machine's own zone
        (3.0, 10.0, 10.0),  # 13:00 in Sydney: kept
        (20.5, 1.0, 0.0),  # 21:30 local is past nine at night: one hour back
        (0.05, 0.0, -4.0),  # just after midnight: the evening of a plant four hours behind
        (5.0, 0.0, 4.0),  # five in the morning: four hours ahead is nine
        (23.0, 13.0, 13.0),  # noon the next day in Tonga: kept
        (17.0, 14.0, -8.0),  # 7:00 at UTC+14: two hours ahead is past +14, so the same hour at -8
    ],
)
def test_the_demo_plant_opens_on_a_day_with_something_to_show(
    utc_hour: float, machine: float, expected: float
) -> None:
    from solaxtray.core.simulator.demo import DEMO_DAY_HOURS, demo_offset_hours

    offset = demo_offset_hours(utc_hour * 3600.0, machine)
    assert offset == expected
    assert DEMO_DAY_HOURS[0] <= (utc_hour + offset) % 24.0 <= DEMO_DAY_HOURS[1]
    assert -12.0 <= offset <= 14.0
