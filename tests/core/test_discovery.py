"""Inverter discovery through the Developer API's inventory, against the simulator: paging, one
request per page counted in the ledger, rejected credentials and malformed pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from solaxtray.core.api.developer.client import DeveloperClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.discovery import (
    DeviceInfo,
    discover_inverters,
    ledger_hooks,
    parse_device_page,
    registration_map,
)
from solaxtray.core.errors import MalformedResponse, RateLimited, TokenRejected
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.simulator.cloud import Fault
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEV_DEVICES_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.simulator.plant import SimInverter

FLEET = [
    SimInverter(sn=f"SWFLEET{i:03d}", inverter_sn=f"H4FLEET{i:07d}", type_code=14, pv_peak_w=5000)
    for i in range(25)
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(inverters=FLEET, clock=clock, dev_per_minute=100) as sim:
        yield sim


def _client(sim: DeveloperSimulator, secret: str = DEMO_CLIENT_SECRET) -> DeveloperClient:
    return DeveloperClient(DEMO_CLIENT_ID, secret, host=sim.base_url, battery=False)


def _pages(sim: DeveloperSimulator) -> int:
    return sum(1 for r in sim.requests if r.endpoint == DEV_DEVICES_ENDPOINT)


def test_25_inverters_come_in_three_pages_of_ten_each_counted_in_the_ledger(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger.json", clock=clock)
    before, after = ledger_hooks(ledger)
    with _client(sim) as client:
        found = discover_inverters(client, page_size=10, before_page=before, after_page=after)
        sent = client.requests_made
    assert [d.device_sn for d in found] == [inv.inverter_sn for inv in FLEET]
    assert found[3] == DeviceInfo(
        device_sn="H4FLEET0000003",
        registration_no="SWFLEET003",
        model="14",
        plant="Plant SWFLEET003",
        online=True,
    )
    assert _pages(sim) == 3
    assert sent == 4  # three pages and the sign-in
    assert ledger.used_today() == 4


def test_the_server_page_cap_is_honoured_rather_than_the_size_asked(
    sim: DeveloperSimulator,
) -> None:
    sim.max_page_size = 7
    with _client(sim) as client:
        found = discover_inverters(client, page_size=50)
    assert len(found) == 25
    assert _pages(sim) == 4


def test_rejected_credentials_cost_one_request_and_raise_one_typed_error(
    sim: DeveloperSimulator,
) -> None:
    with _client(sim, secret="wrong-secret-000") as client:
        with pytest.raises(TokenRejected):
            discover_inverters(client, page_size=10)
        assert client.requests_made == 1
    assert _pages(sim) == 0


def test_a_malformed_page_is_a_protocol_error_not_a_crash(sim: DeveloperSimulator) -> None:
    sim.malformed_pages = {2}
    with _client(sim) as client, pytest.raises(MalformedResponse) as caught:
        discover_inverters(client, page_size=10)
    assert "could not be read" in caught.value.message
    assert _pages(sim) == 2


def test_a_truncated_page_is_a_protocol_error(sim: DeveloperSimulator) -> None:
    with _client(sim) as client:
        discover_inverters(client, page_size=30)  # signs in
        sim.inject(Fault.TRUNCATED)
        with pytest.raises(MalformedResponse):
            discover_inverters(client, page_size=30)


def test_an_exhausted_ledger_stops_before_the_request(
    sim: DeveloperSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger.json", clock=clock, per_minute=2)
    before, after = ledger_hooks(ledger)
    with _client(sim) as client, pytest.raises(RateLimited):
        discover_inverters(client, page_size=10, before_page=before, after_page=after)
    assert _pages(sim) == 1  # page 1 (with its sign-in) used the minute's budget
    assert ledger.used_last_minute() == 2


@pytest.mark.parametrize(
    "result",
    [None, "text", 5, {"records": "x", "total": 1}, {"records": [1]}, {"unrelated": []}],
)
def test_pages_that_are_not_pages_are_refused(result: object) -> None:
    with pytest.raises(MalformedResponse):
        parse_device_page(result)


def test_entries_without_a_serial_or_with_a_token_like_value_are_left_out() -> None:
    page = parse_device_page(
        {
            "list": [
                {"deviceSn": "H1", "registerNo": "sw1"},
                {"registerNo": "SW2"},
                {"deviceSn": "1" * 24},
            ],
            "totalCount": 3,
        }
    )
    assert [d.device_sn for d in page.devices] == ["H1"]
    assert page.total == 3
    assert registration_map(page.devices) == {"SW1": "H1"}
