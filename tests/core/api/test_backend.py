"""Both SolaX APIs behind one ``RealtimeBackend``, over real HTTP against the project's simulator.

The strongest check is the first: the demo plant, asked at the same moment through the tokenId API
(by registration number) and through the Developer API (by inverter serial), gives the same
snapshot values, so nothing after the backend needs to know which one is in use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from solaxtray.core.api.backend import (
    BACKEND_KINDS,
    DEVELOPER_BACKEND,
    TOKEN_BACKEND,
    RealtimeBackend,
    TokenBackend,
    make_backend,
    normalise_backend_kind,
)
from solaxtray.core.api.developer.client import DeveloperClient
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    ErrorKind,
    NetworkError,
    RateLimited,
    SerialUnknown,
    TokenRejected,
)
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DeveloperSimulator,
    serve_forever_developer_demo,
)

OTHER_TOKEN = "202011240000123456789012"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator.demo(clock) as server:
        yield server


def both(sim: DeveloperSimulator, clock: FakeClock) -> tuple[RealtimeBackend, RealtimeBackend]:
    token = make_backend(TOKEN_BACKEND, api_url=sim.v2_url, token=DEMO_TOKEN, clock=clock)
    developer = make_backend(
        DEVELOPER_BACKEND,
        api_url=sim.base_url,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        clock=clock,
    )
    return token, developer


def test_both_apis_give_the_same_snapshot_of_the_demo_plant(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    clock.advance(45)  # into the demo story: the fault inverter has uploaded its Fault Mode
    token, developer = both(sim, clock)
    try:
        by_token = token.fetch_many(DEMO_SERIALS)
        by_developer = developer.fetch_many(DEMO_DEVICE_SERIALS)
    finally:
        token.close()
        developer.close()
    for registration, device in zip(DEMO_SERIALS, DEMO_DEVICE_SERIALS, strict=True):
        assert sim.device_serial(registration) == device
        a, b = by_token[registration], by_developer[device]
        assert isinstance(a, Snapshot)
        assert isinstance(b, Snapshot)
        assert b.inverter_sn == a.inverter_sn == device
        for field in (
            "ac_power",
            "yield_today",
            "yield_total",
            "feedin_power",
            "feedin_energy",
            "consume_energy",
            "soc",
            "bat_power",
            "eps_power",
            "pv_power",
            "inverter_status",
            "upload_time",
        ):
            assert getattr(b, field) == getattr(a, field), (device, field)
    statuses = {s.inverter_status for s in by_developer.values() if isinstance(s, Snapshot)}
    assert len(statuses) > 1, "the demo story should show more than one status by now"


def test_per_backend_limits(sim: DeveloperSimulator, clock: FakeClock) -> None:
    token, developer = both(sim, clock)
    assert isinstance(token, TokenBackend)
    assert isinstance(developer, DeveloperClient)
    with token:
        assert token.name == TOKEN_BACKEND
        assert token.max_serials_per_request == 1
        assert (token.per_minute, token.per_day) == (9, 9000)
        assert token.requests_for(3) == 3
    with developer:
        assert developer.name == DEVELOPER_BACKEND
        assert developer.max_serials_per_request == 10
        assert developer.per_minute <= 9
        assert developer.per_day <= 9000
        assert developer.requests_for(3) == 2  # inverters and their batteries
        assert developer.requests_for(11) == 4


def test_the_developer_backend_asks_once_for_the_whole_fleet(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    token, developer = both(sim, clock)
    try:
        token.fetch_many(DEMO_SERIALS)
        developer.fetch_many(DEMO_DEVICE_SERIALS)
        assert token.requests_made == 3
        assert developer.requests_made == 3  # sign-in, inverters, batteries
    finally:
        token.close()
        developer.close()
    assert len([r for r in sim.requests if r.endpoint == "v2"]) == 3
    assert len([r for r in sim.requests if r.endpoint == DEV_REALTIME_ENDPOINT]) == 2


def test_token_backend_stops_the_round_on_a_rejected_token(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    with TokenBackend(SolaxClient(OTHER_TOKEN, api_url=sim.v2_url, clock=clock)) as backend:
        outcomes = backend.fetch_many(DEMO_SERIALS)
    assert len(sim.requests) == 1, "a rejected token must not be tried for every serial"
    assert list(outcomes) == list(DEMO_SERIALS)
    for sn, outcome in outcomes.items():
        assert isinstance(outcome, TokenRejected)
        assert outcome.kind is ErrorKind.AUTH
        assert outcome.sn == sn
        assert OTHER_TOKEN not in repr(outcome)


def test_token_backend_keeps_going_after_a_serial_error(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    serials = ["SWNOTMINE1", *DEMO_SERIALS]
    with TokenBackend(SolaxClient(DEMO_TOKEN, api_url=sim.v2_url, clock=clock)) as backend:
        outcomes = backend.fetch_many(serials)
    assert isinstance(outcomes["SWNOTMINE1"], SerialUnknown)
    assert all(isinstance(outcomes[sn], Snapshot) for sn in DEMO_SERIALS)
    assert len(sim.requests) == 4


def test_network_error_reaches_every_serial_of_both_backends(clock: FakeClock) -> None:
    sim = DeveloperSimulator.demo(clock).start()
    base, v2 = sim.base_url, sim.v2_url
    sim.stop()  # nothing listens on that port any more
    token = make_backend("tokenid", api_url=v2, token=DEMO_TOKEN, clock=clock, timeout=2.0)
    developer = make_backend(
        "developer",
        api_url=base,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        clock=clock,
        timeout=2.0,
    )
    try:
        for serials, backend in ((DEMO_SERIALS, token), (DEMO_DEVICE_SERIALS, developer)):
            outcomes = backend.fetch_many(serials)
            failed = [o.sn for o in outcomes.values() if isinstance(o, NetworkError)]
            assert failed == list(serials)
    finally:
        token.close()
        developer.close()


def test_both_backends_satisfy_the_protocol(sim: DeveloperSimulator, clock: FakeClock) -> None:
    backends: list[RealtimeBackend] = list(both(sim, clock))
    try:
        assert [b.name for b in backends] == list(BACKEND_KINDS)
        assert all(isinstance(b, RealtimeBackend) for b in backends)
    finally:
        for backend in backends:
            backend.close()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("token", "token"), ("tokenId", "token"), (" Developer ", "developer"), ("dev", "developer")],
)
def test_backend_kinds(given: str, expected: str) -> None:
    assert normalise_backend_kind(given) == expected


@pytest.mark.parametrize(
    ("kind", "token", "client_id", "client_secret"),
    [
        ("cloud", DEMO_TOKEN, None, None),
        ("token", None, None, None),
        ("developer", None, "only-the-id", None),
        ("developer", None, None, "only-the-secret"),
    ],
)
def test_make_backend_refuses_what_cannot_work(
    kind: str, token: str | None, client_id: str | None, client_secret: str | None
) -> None:
    with pytest.raises(ConfigError) as caught:
        make_backend(kind, token=token, client_id=client_id, client_secret=client_secret)
    assert caught.value.message.endswith(".")
    assert "only-the-secret" not in caught.value.message
    assert DEMO_TOKEN not in caught.value.message


def test_errors_are_returned_not_raised(sim: DeveloperSimulator, clock: FakeClock) -> None:
    token, developer = both(sim, clock)
    sim.inject_code(10500)
    try:
        outcome = developer.fetch_many(["H3NOTMINE0001"])["H3NOTMINE0001"]
    finally:
        token.close()
        developer.close()
    assert isinstance(outcome, ApiError)
    assert outcome.kind is ErrorKind.DEVICE


def test_the_foreground_demo_serves_both_apis() -> None:
    started: list[DeveloperSimulator] = []
    ready = threading.Event()
    stop = threading.Event()

    def on_ready(server: DeveloperSimulator) -> None:
        started.append(server)
        ready.set()

    thread = threading.Thread(
        target=serve_forever_developer_demo, kwargs={"ready": on_ready, "stop": stop}
    )
    thread.start()
    try:
        assert ready.wait(10)
        server = started[0]
        token = make_backend("token", api_url=server.v1_url, token=DEMO_TOKEN)
        developer = make_backend(
            "developer",
            api_url=server.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
        )
        try:
            first = token.fetch_many(DEMO_SERIALS[:1])[DEMO_SERIALS[0]]
            second = developer.fetch_many(DEMO_DEVICE_SERIALS[:1])[DEMO_DEVICE_SERIALS[0]]
        finally:
            token.close()
            developer.close()
        assert isinstance(first, Snapshot)
        assert isinstance(second, Snapshot)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_single_serial_string_is_one_serial(sim: DeveloperSimulator, clock: FakeClock) -> None:
    token, developer = both(sim, clock)
    try:
        assert list(token.fetch_many(DEMO_SERIALS[0])) == [DEMO_SERIALS[0]]
        assert list(developer.fetch_many(DEMO_DEVICE_SERIALS[0])) == [DEMO_DEVICE_SERIALS[0]]
    finally:
        token.close()
        developer.close()


def test_a_plain_fetch_function_gets_the_token_backend_rules(
    sim: DeveloperSimulator, clock: FakeClock
) -> None:
    rejected = SolaxClient(OTHER_TOKEN, api_url=sim.v2_url, clock=clock)
    calls: list[str] = []

    def fetch(sn: str) -> Snapshot:
        calls.append(sn)
        return rejected.fetch(sn)

    backend = TokenBackend.from_fetch(fetch)
    try:
        assert isinstance(backend, RealtimeBackend)
        assert backend.name == "fetch"
        assert backend.max_serials_per_request == 1
        assert (backend.per_minute, backend.per_day) == (9, 9000)
        assert "fetch" in repr(backend)
        outcomes = backend.fetch_many([f" {DEMO_SERIALS[0]} ", *DEMO_SERIALS])
        assert list(outcomes) == list(DEMO_SERIALS)
        assert calls == [DEMO_SERIALS[0]], "a rejected token must not be tried for every serial"
        assert backend.requests_made == 1
        assert [o.sn for o in outcomes.values() if isinstance(o, TokenRejected)] == list(
            DEMO_SERIALS
        )
        backend.close()  # the function's owner keeps what it holds
        good = TokenBackend.from_fetch(
            SolaxClient(DEMO_TOKEN, api_url=sim.v2_url, clock=clock).fetch, name="demo"
        )
        assert good.name == "demo"
        assert all(isinstance(o, Snapshot) for o in good.fetch_many(DEMO_SERIALS).values())
    finally:
        rejected.close()


def test_an_error_copied_for_another_serial_keeps_everything_else() -> None:
    cause = OSError("connection reset")
    try:
        try:
            raise cause
        except OSError as exc:
            raise RateLimited("Wait an hour.", sn="SWA", banned=True, retry_after=3600.0) from exc
    except RateLimited as caught:
        original = caught
    copied = original.for_serial("SWB")
    assert type(copied) is RateLimited
    assert copied is not original
    assert (copied.sn, original.sn) == ("SWB", "SWA")
    assert (copied.title, copied.message, copied.kind) == (
        original.title,
        original.message,
        ErrorKind.RATE_LIMIT,
    )
    assert (copied.banned, copied.retry_after) == (True, 3600.0)
    assert copied.__cause__ is cause
