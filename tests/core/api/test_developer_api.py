"""The Developer API client over real HTTP against the project's simulator (``DeveloperSimulator``).

Requests are counted on the simulator's side (``sim.requests``), so "one renewal, never a loop" and
"ten serials in one request" are checked against what really crossed the socket. Time is a
``FakeClock`` shared by the client and the simulator, so a token's 30 days pass in a line.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from solaxtray.core.api.developer.client import (
    MAX_SERIALS_PER_REQUEST,
    REGION_HOSTS,
    DeveloperClient,
    MemoryTokenCache,
    resolve_developer_host,
)
from solaxtray.core.api.developer.parsing import snapshot_from_developer
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    ErrorKind,
    MalformedResponse,
    NetworkError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.simulator import Fault, SimInverter, SimRequest
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DEV_TOKEN_ENDPOINT,
    DeveloperSimulator,
)
from tests.hostile import token_answer_edit

HOUR = 3600.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(clock=clock, token_lifetime=HOUR, dev_per_minute=1000) as server:
        yield server


def client_for(sim: DeveloperSimulator, clock: FakeClock, **kwargs: object) -> DeveloperClient:
    options: dict[str, object] = {"host": sim.base_url, "clock": clock, "timeout": 5.0}
    options.update(kwargs)
    secret = options.pop("client_secret", DEMO_CLIENT_SECRET)
    assert isinstance(secret, str)
    return DeveloperClient(DEMO_CLIENT_ID, secret, **options)  # type: ignore[arg-type]


def sent(sim: DeveloperSimulator, endpoint: str) -> list[SimRequest]:
    return [r for r in sim.requests if r.endpoint == endpoint]


def realtime_lists(sim: DeveloperSimulator) -> list[list[str]]:
    return [(r.sn or "").split(",") for r in sent(sim, DEV_REALTIME_ENDPOINT)]


def fleet(count: int, *, battery: bool = False) -> list[SimInverter]:
    return [
        SimInverter(
            sn=f"SWTEST{i:04d}",
            inverter_sn=f"H3TEST{i:08d}",
            type_code=14,
            pv_peak_w=5000,
            battery_wh=5000 if battery else None,
            utc_offset_hours=0.0,
        )
        for i in range(count)
    ]


# -- the token --------------------------------------------------------------------------------


def test_token_is_fetched_once_and_reused(sim: DeveloperSimulator, clock: FakeClock) -> None:
    with client_for(sim, clock) as client:
        for _ in range(3):
            outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
            assert all(isinstance(o, Snapshot) for o in outcomes.values())
            clock.advance(60)
    assert len(sent(sim, DEV_TOKEN_ENDPOINT)) == 1
    assert client.token_requests == 1
    assert sim.tokens_issued == 1


def test_token_is_renewed_before_it_expires(sim: DeveloperSimulator, clock: FakeClock) -> None:
    with client_for(sim, clock, battery=False) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS[:1])
        clock.advance(HOUR - 400)  # still more than the five-minute margin left
        client.fetch_many(DEMO_DEVICE_SERIALS[:1])
        assert client.token_requests == 1
        clock.advance(200)  # inside the margin: renewed before the cloud would refuse it
        outcome = client.fetch_many(DEMO_DEVICE_SERIALS[:1])[DEMO_DEVICE_SERIALS[0]]
    assert isinstance(outcome, Snapshot)
    assert client.token_requests == 2
    assert all(r.token_ok for r in sent(sim, DEV_REALTIME_ENDPOINT)), "a stale token was sent"


def test_rejected_token_is_renewed_once_and_the_request_repeated(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with client_for(sim, clock, battery=False) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.expire_token()  # another program signed in with the same application
        sim.clear_requests()
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    assert all(isinstance(o, Snapshot) for o in outcomes.values())
    assert [(r.endpoint, r.token_ok) for r in sim.requests] == [
        (DEV_REALTIME_ENDPOINT, False),
        (DEV_TOKEN_ENDPOINT, True),
        (DEV_REALTIME_ENDPOINT, True),
    ]


@pytest.mark.parametrize("expires_in", [1e-300, 0.001, 1, 59], ids=str)
def test_a_tiny_token_lifetime_costs_one_sign_in_over_many_rounds(
    sim: DeveloperSimulator, clock: FakeClock, expires_in: float
) -> None:
    sim.edit_answers(token_answer_edit(expires_in=expires_in))
    with client_for(sim, clock, battery=False) as client:
        for _ in range(15):  # seven and a half minutes of 30-second rounds
            outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
            assert all(isinstance(o, Snapshot) for o in outcomes.values()), outcomes
            clock.advance(30)
    assert len(sent(sim, DEV_TOKEN_ENDPOINT)) == 1
    assert len(sent(sim, DEV_REALTIME_ENDPOINT)) == 15


def test_a_tiny_token_lifetime_still_gives_way_to_a_rejection_once(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    sim.edit_answers(token_answer_edit(expires_in=0.001))
    with client_for(sim, clock, battery=False) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.expire_token()  # the cloud no longer takes the token the client still believes in
        sim.clear_requests()
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
        assert all(isinstance(o, Snapshot) for o in outcomes.values()), outcomes
        assert [(r.endpoint, r.token_ok) for r in sim.requests] == [
            (DEV_REALTIME_ENDPOINT, False),
            (DEV_TOKEN_ENDPOINT, True),
            (DEV_REALTIME_ENDPOINT, True),
        ]
        # Refused for good: one renewal and one repeat, then an error, never a loop.
        sim.inject_code(10402, count=1000)
        sim.clear_requests()
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    assert all(isinstance(o, TokenRejected) for o in outcomes.values()), outcomes
    assert [r.endpoint for r in sim.requests] == [
        DEV_REALTIME_ENDPOINT,
        DEV_TOKEN_ENDPOINT,
        DEV_REALTIME_ENDPOINT,
    ]


def test_http_401_counts_as_a_rejected_token(sim: DeveloperSimulator, clock: FakeClock) -> None:
    with client_for(sim, clock, battery=False) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.inject_code(10402, http_status=401)
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    assert all(isinstance(o, Snapshot) for o in outcomes.values())
    assert client.token_requests == 2


def test_a_token_rejected_again_gives_an_auth_error_without_a_loop(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    serials = [inv.inverter_sn for inv in fleet(1)] + list(DEMO_DEVICE_SERIALS)
    with client_for(sim, clock, battery=False) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.inject_code(10402, count=1000)
        sim.clear_requests()
        outcomes = client.fetch_many(serials)
        # One renewal and one repeat, nothing more, and no request for the other serials.
        assert [r.endpoint for r in sim.requests] == [
            DEV_REALTIME_ENDPOINT,
            DEV_TOKEN_ENDPOINT,
            DEV_REALTIME_ENDPOINT,
        ]
        assert set(outcomes) == set(serials)
        for sn, outcome in outcomes.items():
            assert isinstance(outcome, TokenRejected)
            assert outcome.kind is ErrorKind.AUTH
            assert outcome.sn == sn
        # The next round signs in afresh once; a fresh token that is refused is not renewed.
        sim.clear_requests()
        again = client.fetch_many(DEMO_DEVICE_SERIALS)
        assert [r.endpoint for r in sim.requests] == [DEV_TOKEN_ENDPOINT, DEV_REALTIME_ENDPOINT]
        assert all(isinstance(o, TokenRejected) for o in again.values())


def test_a_token_renewed_by_another_process_is_picked_up_from_a_shared_cache(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    shared = MemoryTokenCache()
    first = client_for(sim, clock, battery=False, token_cache=shared)
    second = client_for(sim, clock, battery=False, token_cache=shared)
    with first, second:
        first.fetch_many(DEMO_DEVICE_SERIALS)
        second.fetch_many(DEMO_DEVICE_SERIALS)
        assert first.token_requests + second.token_requests == 1


def test_wrong_client_secret_is_an_auth_error_after_one_request(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with client_for(sim, clock, client_secret="not-the-right-secret") as client:
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    assert [r.endpoint for r in sim.requests] == [DEV_TOKEN_ENDPOINT]
    for outcome in outcomes.values():
        assert isinstance(outcome, TokenRejected)
        assert outcome.title == "Developer API sign-in refused"
        assert "client id and secret" in outcome.message


# -- realtime data ----------------------------------------------------------------------------


def test_demo_fleet_in_one_request_with_one_battery_request(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with client_for(sim, clock) as client:
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    # The first round asks for every inverter's battery: nothing is known about them yet.
    assert realtime_lists(sim) == [list(DEMO_DEVICE_SERIALS), list(DEMO_DEVICE_SERIALS)]
    assert client.requests_made == 3  # token, inverters, batteries
    for inv in sim.inverters:
        snap = outcomes[inv.inverter_sn]
        assert isinstance(snap, Snapshot)
        reading = sim.current_reading(inv.sn)
        assert reading is not None
        assert snap.inverter_sn == inv.inverter_sn
        assert snap.extra["registerNo"] == inv.sn
        assert snap.ac_power == reading.ac_power
        assert snap.feedin_power == reading.feedin_power
        assert snap.soc == reading.soc
        assert snap.bat_power == reading.bat_power
        assert snap.pv_power == tuple(None if p is None else float(p) for p in reading.pv)
        assert snap.inverter_status == InverterStatus(reading.status)
        assert snap.upload_time_raw == reading.upload_time_local(inv.utc_offset_hours)
        assert snap.yield_today == reading.yield_today
        assert snap.utc_time == datetime.fromtimestamp(reading.upload_epoch, tz=UTC)


def test_ten_serials_share_one_request_and_the_eleventh_goes_in_a_second(
    clock: FakeClock,
) -> None:
    inverters = fleet(11)
    serials = [inv.inverter_sn for inv in inverters]
    with (
        DeveloperSimulator(inverters=inverters, clock=clock, dev_per_minute=1000) as sim,
        client_for(sim, clock, battery=False) as client,
    ):
        outcomes = client.fetch_many(serials)
        assert client.requests_for(len(serials)) == 2
    assert MAX_SERIALS_PER_REQUEST == 10
    assert realtime_lists(sim) == [serials[:10], serials[10:]]
    assert [type(outcomes[sn]) for sn in serials] == [Snapshot] * 11


def test_an_inverter_without_a_battery_is_left_out_of_later_battery_requests(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    micro = next(inv.inverter_sn for inv in sim.inverters if not inv.has_battery)
    with client_for(sim, clock) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.clear_requests()
        clock.advance(sim.upload_interval)  # a new upload, so the batteries are asked again
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    lists = realtime_lists(sim)
    assert len(lists) == 2
    assert micro in lists[0]
    assert micro not in lists[1]
    micro_snap = outcomes[micro]
    assert isinstance(micro_snap, Snapshot)
    assert micro_snap.soc is None
    assert micro_snap.bat_power is None


def test_no_battery_request_while_the_inverters_have_not_uploaded_again(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    """The battery reports in the same upload as its inverter: with no new upload there is
    nothing new to ask for, and the round costs one request instead of two."""
    with client_for(sim, clock) as client:
        first = client.fetch_many(DEMO_DEVICE_SERIALS)
        sim.clear_requests()
        clock.advance(sim.upload_interval / 4)
        again = client.fetch_many(DEMO_DEVICE_SERIALS)
        assert len(realtime_lists(sim)) == 1, "only the inverters were asked"
        sim.clear_requests()
        clock.advance(sim.upload_interval)
        later = client.fetch_many(DEMO_DEVICE_SERIALS)
        assert len(realtime_lists(sim)) == 2, "a new upload: the batteries are asked again"
    batteries = [inv.inverter_sn for inv in sim.inverters if inv.has_battery]
    assert batteries
    for sn in batteries:
        before, same, after = first[sn], again[sn], later[sn]
        assert isinstance(before, Snapshot)
        assert isinstance(same, Snapshot)
        assert isinstance(after, Snapshot)
        assert same.upload_time == before.upload_time
        assert (same.soc, same.bat_power) == (before.soc, before.bat_power)
        assert same.soc is not None
        assert after.upload_time != before.upload_time
        assert after.soc is not None


def test_an_unknown_serial_does_not_spoil_the_others(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    serials = [*DEMO_DEVICE_SERIALS, "H3NOTMINE0001"]
    with client_for(sim, clock, battery=False) as client:
        outcomes = client.fetch_many(serials)
        assert isinstance(outcomes["H3NOTMINE0001"], SerialUnknown)
        assert outcomes["H3NOTMINE0001"].kind is ErrorKind.DEVICE
        assert all(isinstance(outcomes[sn], Snapshot) for sn in DEMO_DEVICE_SERIALS)
        # Found by asking each alone once; from then on the refused one is kept apart.
        assert realtime_lists(sim)[0] == serials
        assert sorted(map(tuple, realtime_lists(sim)[1:])) == sorted((sn,) for sn in serials)
        sim.clear_requests()
        client.fetch_many(serials)
    assert realtime_lists(sim) == [list(DEMO_DEVICE_SERIALS), ["H3NOTMINE0001"]]


def test_a_serial_without_data_is_not_reporting(clock: FakeClock) -> None:
    silent = SimInverter(
        sn="SWSILENT01", inverter_sn="H3SILENT000001", type_code=14, pv_peak_w=5000, reporting=False
    )
    inverters = [*fleet(1), silent]
    with (
        DeveloperSimulator(inverters=inverters, clock=clock) as sim,
        client_for(sim, clock, battery=False) as client,
    ):
        outcomes = client.fetch_many([inv.inverter_sn for inv in inverters])
    assert isinstance(outcomes[inverters[0].inverter_sn], Snapshot)
    missing = outcomes[silent.inverter_sn]
    assert isinstance(missing, SerialNotReporting)
    assert missing.sn == silent.inverter_sn


def test_malformed_serials_cost_no_request(sim: DeveloperSimulator, clock: FakeClock) -> None:
    with client_for(sim, clock) as client:
        outcomes = client.fetch_many(
            [
                "bad serial!",
                DEMO_CLIENT_SECRET,
                " ",
                "202011240000123456789012",
                "SN-202011240000123456789012",
                "20201124000012345678901 2",
            ]
        )
    assert sim.requests == ()
    assert len(outcomes) == 6
    for outcome in outcomes.values():
        assert isinstance(outcome, SerialUnknown)
        assert DEMO_CLIENT_SECRET not in outcome.message
        assert "20201124000012345678901" not in outcome.message


# -- every error kind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected", "kind"),
    [
        (10406, RateLimited, ErrorKind.RATE_LIMIT),
        (10405, RateLimited, ErrorKind.RATE_LIMIT),
        (11500, ServerError, ErrorKind.SERVER),
        (10001, ServerError, ErrorKind.SERVER),
        (10200, ServerError, ErrorKind.SERVER),
        (10401, TokenRejected, ErrorKind.AUTH),
        (10403, TokenRejected, ErrorKind.AUTH),
        (10500, SerialUnknown, ErrorKind.DEVICE),
        (10505, SerialUnknown, ErrorKind.DEVICE),
        (10506, SerialUnknown, ErrorKind.DEVICE),
    ],
)
def test_realtime_error_codes_map_to_our_kinds(
    sim: DeveloperSimulator, clock: FakeClock, code: int, expected: type[ApiError], kind: ErrorKind
) -> None:
    sn = DEMO_DEVICE_SERIALS[0]
    with client_for(sim, clock, battery=False) as client:
        sim.inject_code(code)
        outcome = client.fetch_many([sn])[sn]
    assert isinstance(outcome, expected)
    assert outcome.kind is kind
    assert outcome.sn == sn
    assert outcome.title
    assert outcome.message.endswith(".")
    if isinstance(outcome, RateLimited):
        assert outcome.retry_after == (60 if code == 10406 else HOUR)


@pytest.mark.parametrize(
    ("code", "expected"),
    [(10406, RateLimited), (11500, ServerError), (10401, TokenRejected), (10402, TokenRejected)],
)
def test_token_endpoint_error_codes(
    sim: DeveloperSimulator, clock: FakeClock, code: int, expected: type[ApiError]
) -> None:
    sim.inject_code(code, route="token")
    with client_for(sim, clock) as client:
        outcomes = client.fetch_many(DEMO_DEVICE_SERIALS)
    assert [r.endpoint for r in sim.requests] == [DEV_TOKEN_ENDPOINT]
    assert all(type(o) is expected for o in outcomes.values())


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.HTML, ServerError),
        (Fault.HTTP_500, ServerError),
        (Fault.HTTP_503, ServerError),
        (Fault.EMPTY, ServerError),
        (Fault.RESET, NetworkError),
        (Fault.TRUNCATED, MalformedResponse),
        (Fault.OVERSIZED, MalformedResponse),
        (Fault.BUSY, ServerError),
        (Fault.THROTTLE, RateLimited),
    ],
)
def test_transport_faults(
    sim: DeveloperSimulator, clock: FakeClock, fault: Fault, expected: type[ApiError]
) -> None:
    sn = DEMO_DEVICE_SERIALS[1]
    with client_for(sim, clock, battery=False, max_bytes=64 * 1024) as client:
        client.fetch_many([sn])
        sim.inject(fault)
        outcome = client.fetch_many([sn])[sn]
    assert isinstance(outcome, expected)
    assert outcome.sn == sn


def test_an_account_wide_error_stops_the_round(clock: FakeClock) -> None:
    inverters = fleet(12)
    serials = [inv.inverter_sn for inv in inverters]
    with (
        DeveloperSimulator(inverters=inverters, clock=clock) as sim,
        client_for(sim, clock, battery=False) as client,
    ):
        client.fetch_many(serials[:1])
        sim.clear_requests()
        sim.inject_code(10406)
        outcomes = client.fetch_many(serials)
    assert len(sim.requests) == 1
    assert [o.sn for o in outcomes.values() if isinstance(o, RateLimited)] == serials


def test_the_simulated_quota_is_enforced(clock: FakeClock) -> None:
    with (
        DeveloperSimulator(clock=clock, dev_per_minute=2) as sim,
        client_for(sim, clock, battery=False) as client,
    ):
        results = [client.fetch_many(DEMO_DEVICE_SERIALS[:1]) for _ in range(3)]
        clock.advance(61)
        after = client.fetch_many(DEMO_DEVICE_SERIALS[:1])
    assert [type(r[DEMO_DEVICE_SERIALS[0]]) for r in results] == [Snapshot, Snapshot, RateLimited]
    assert isinstance(after[DEMO_DEVICE_SERIALS[0]], Snapshot)


# -- secrets ----------------------------------------------------------------------------------


def test_secrets_are_nowhere_in_output_logs_or_tracebacks(
    sim: DeveloperSimulator, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    tokens: list[str] = []
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG), client_for(sim, clock) as client:
        client.fetch_many(DEMO_DEVICE_SERIALS)
        tokens.append(sim.current_access_token or "")
        sim.expire_token()
        client.fetch_many(DEMO_DEVICE_SERIALS)
        tokens.append(sim.current_access_token or "")
        sim.inject_code(10402, count=5)
        sim.inject(Fault.RESET)
        for code in (10406, 10001, 10500):
            sim.inject_code(code)
        for _ in range(6):
            for sn, outcome in client.fetch_many(DEMO_DEVICE_SERIALS).items():
                texts += [str(outcome), repr(outcome), f"{sn}"]
                if isinstance(outcome, ApiError):
                    with pytest.raises(ApiError) as caught:
                        _raise(outcome)
                    texts.append("".join(traceback.format_exception(caught.value)))
            tokens.append(sim.current_access_token or "")
        texts.append(repr(client))
    texts += [caplog.text, *(r.getMessage() for r in caplog.records)]
    secrets = {DEMO_CLIENT_SECRET, *(t for t in tokens if t)}
    assert len(secrets) >= 3, "the test did not see the token change"
    joined = "\n".join(texts)
    for secret in secrets:
        assert secret not in joined


def _raise(error: ApiError) -> None:
    raise error


def test_the_repr_names_no_credential(clock: FakeClock) -> None:
    client = DeveloperClient("my-client-id-123", "my-client-secret-456", clock=clock)
    try:
        assert "my-client-secret-456" not in repr(client)
        assert "my-client-id-123" not in repr(client)
    finally:
        client.close()


# -- configuration and mapping ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("eu", REGION_HOSTS["eu"]),
        ("CN", REGION_HOSTS["cn"]),
        ("developer-in", REGION_HOSTS["in"]),
        (" openapi-eu ", REGION_HOSTS["eu"]),
        ("https://openapi-eu.solaxcloud.com/", "https://openapi-eu.solaxcloud.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_hosts_by_region_or_address(given: str, expected: str) -> None:
    assert resolve_developer_host(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "mars",
        "http://openapi-eu.solaxcloud.com",
        "https://x.example/openapi",
        "https://u:p@x.io",
    ],
)
def test_bad_hosts_are_refused_in_words(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_developer_host(given)
    assert caught.value.message.endswith(".")


@pytest.mark.parametrize(("client_id", "secret"), [("", "secret-1234"), ("id-1", "two words")])
def test_bad_credentials_are_refused_without_echoing_them(client_id: str, secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        DeveloperClient(client_id, secret)
    assert "two words" not in caught.value.message
    assert "Developer" in caught.value.message


def test_mapping_is_case_insensitive_and_keeps_the_rest() -> None:
    fetched = datetime(2026, 5, 22, 14, 0, tzinfo=UTC)
    inverter = {
        "DEVICESN": "X3ABCD0123",
        "registerNo": "SE123456SP",
        "DeviceStatus": "107",
        "plantLocalTime": "2026-05-22 15:13:10",
        "TotalActivePower": 360.0,
        "dailyYield": 15.7,
        "totalYield": 20465.3,
        "GridPower": -250,
        "gridPowerM2": 0,
        "totalExportEnergy": 64.98,
        "totalImportEnergy": 23.28,
        "EPSL1ActivePower": 120.0,
        "epsl2activepower": 80.0,
        "EpsL3ActivePower": None,
        "pvMap": {"PV1Power": 189.0, "pv2power": 0.0, "pv3Power": None},
        "inverterTemperature": 40.4,
        "accessToken": "must-not-be-kept",
    }
    battery = {"batterySOC": 85.5, "ChargeDischargePower": -150.5, "deviceStatus": 1}
    snap = snapshot_from_developer(inverter, [battery], sn="X3ABCD0123", fetched_at=fetched)
    assert snap.inverter_sn == "X3ABCD0123"
    assert snap.inverter_status is InverterStatus.EPS
    assert snap.ac_power == 360.0
    assert snap.feedin_power == -250.0
    assert snap.grid_import == 250.0
    assert snap.eps_power == (120.0, 80.0, None)
    assert snap.pv_power == (189.0, 0.0, None, None)
    assert snap.soc == 85.5
    assert snap.bat_power == -150.5
    assert snap.battery_discharge == 150.5
    assert snap.upload_time == datetime(2026, 5, 22, 15, 13, 10)
    assert snap.extra["inverterTemperature"] == 40.4
    assert "accessToken" not in snap.extra
    assert snap.inverter_type is None


def test_mapping_falls_back_to_mppt_powers_and_phase_powers() -> None:
    fetched = datetime(2026, 5, 22, 14, 0, tzinfo=UTC)
    inverter = {
        "deviceSn": "X3ABCD0123",
        "mpptMap": {"mppt1Power": 500.0, "MPPT2POWER": 400.0},
        "acPower1": 300.0,
        "acPower2": 290.0,
        "acPower3": None,
        "dataTime": "2026-05-22 15:13:10",
    }
    snap = snapshot_from_developer(inverter, (), sn="X3ABCD0123", fetched_at=fetched)
    assert snap.pv_power == (500.0, 400.0, None, None)
    assert snap.ac_power == 590.0
    assert snap.upload_time_raw == "2026-05-22 15:13:10"
    assert snap.soc is None


def _serials(outcomes: dict[str, Snapshot | ApiError]) -> Sequence[str]:
    return list(outcomes)


def test_outcomes_come_back_in_the_order_asked_without_duplicates(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    asked = [DEMO_DEVICE_SERIALS[2], f" {DEMO_DEVICE_SERIALS[0]} ", DEMO_DEVICE_SERIALS[2]]
    with client_for(sim, clock) as client:
        outcomes = client.fetch_many(asked)
    assert _serials(outcomes) == [DEMO_DEVICE_SERIALS[2], DEMO_DEVICE_SERIALS[0]]
    assert realtime_lists(sim)[0] == [DEMO_DEVICE_SERIALS[2], DEMO_DEVICE_SERIALS[0]]


@pytest.mark.parametrize("endpoint", ["v1", "v2"])
def test_the_demo_tells_one_upload_instant_on_both_apis(clock: FakeClock, endpoint: str) -> None:
    """The same demo upload read through the tokenId API and the Developer API: one instant, and
    the plant's wall clock is that instant in the plant's zone."""
    from solaxtray.core.api.tokenid.client import SolaxClient
    from solaxtray.core.simulator import DEMO_TOKEN

    with DeveloperSimulator.demo(clock, per_minute=1000) as sim:
        clock.advance(100.0)  # past the first uploads of every demo inverter
        api_url = sim.v2_url if endpoint == "v2" else sim.v1_url
        with SolaxClient(DEMO_TOKEN, api_url=api_url, clock=clock) as token_client:
            by_token = {inv.inverter_sn: token_client.fetch(inv.sn) for inv in sim.inverters}
        with client_for(sim, clock) as dev_client:
            by_dev = dev_client.fetch_many(DEMO_DEVICE_SERIALS)
        for inv in sim.inverters:
            reading = sim.current_reading(inv.sn)
            assert reading is not None
            instant = datetime.fromtimestamp(reading.upload_epoch, tz=UTC)
            token_snap = by_token[inv.inverter_sn]
            dev_snap = by_dev[inv.inverter_sn]
            assert isinstance(dev_snap, Snapshot)
            assert token_snap.utc_time == instant
            assert dev_snap.utc_time == instant
            assert token_snap.upload_time is not None
            plant_clock = token_snap.upload_time.replace(tzinfo=UTC)
            offset = (plant_clock - instant).total_seconds()
            assert offset == inv.utc_offset_hours * 3600.0
