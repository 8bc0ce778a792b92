"""One odd value in a cloud answer costs that inverter's reading, as one typed error, and nothing
more: at the parsers directly, then through both clients against the project's simulator over real
HTTP. Each case here once escaped as OverflowError, RecursionError or UnicodeEncodeError."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from solaxtray.core.api.developer.client import DeveloperClient, MemoryTokenCache
from solaxtray.core.api.developer.parsing import snapshot_from_developer
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.api.tokenid.parsing import (
    MAX_NESTING,
    nesting_depth,
    parse_envelope,
    parse_realtime,
)
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import ApiError, ErrorKind, MalformedResponse
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DEV_TOKEN_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.snapshot_json import snapshot_to_json
from tests.hostile import (
    DEEP,
    HUGE_INT,
    NON_LATIN1_TOKEN,
    OVERFLOWING_TIME,
    TOO_MANY_DIGITS,
    UNDERFLOWING_TIME,
    deep_text,
    developer_edit,
    dumps,
    nested,
    token_answer_edit,
    token_id_edit,
)

SN = "SWABCDEFGH"
FETCHED_AT = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
GOOD_RESULT: dict[str, Any] = {
    "inverterSN": "H34A10I1234567",
    "sn": SN,
    "acpower": 2875.0,
    "yieldtoday": 14.3,
    "inverterType": "14",
    "inverterStatus": "102",
    "uploadTime": "2026-11-24 15:23:04",
    "utcDateTime": "2026-11-24T14:23:04Z",
    "batStatus": "0",
}

HOSTILE_FIELDS: list[tuple[str, Any]] = [
    ("acpower", HUGE_INT),
    ("soc", -HUGE_INT),
    ("inverterStatus", HUGE_INT),
    ("batStatus", HUGE_INT),
    ("utcDateTime", OVERFLOWING_TIME),
    ("utcDateTime", UNDERFLOWING_TIME),
    ("somethingNew", nested(DEEP)),
    ("acpower", nested(DEEP)),
    ("somethingNew", {"a": nested(MAX_NESTING + 1)}),
]
"""Fields of a successful answer that no inverter reports and that once escaped as exceptions."""


def _body(**fields: Any) -> bytes:
    return dumps({"success": True, "code": 0, "result": {**GOOD_RESULT, **fields}})


def assert_protocol_error(error: BaseException, sn: str) -> None:
    """One typed error of the ``protocol`` kind for ``sn``, with a sentence a person can read."""
    assert isinstance(error, MalformedResponse), repr(error)
    assert error.kind is ErrorKind.PROTOCOL
    assert error.sn == sn
    assert error.message.endswith(".")
    assert "Traceback" not in error.message
    assert len(error.message) < 300


# --- the tokenId parser ---------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), HOSTILE_FIELDS, ids=lambda v: str(v)[:20])
def test_token_id_parser_turns_an_impossible_value_into_a_protocol_error(
    field: str, value: Any
) -> None:
    with pytest.raises(ApiError) as caught:
        parse_realtime(_body(**{field: value}), sn=SN, fetched_at=FETCHED_AT)
    assert_protocol_error(caught.value, SN)
    assert SN in caught.value.message


def test_the_same_answer_without_the_odd_value_is_read() -> None:
    snapshot = parse_realtime(_body(), sn=SN, fetched_at=FETCHED_AT)
    assert snapshot.ac_power == 2875.0


@pytest.mark.parametrize(
    "text",
    [
        '{"success":true,"result":{"acpower":' + deep_text(100_000) + "}}",
        deep_text(5_000),
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" * 200_000,  # never closed
        '{"success":true,"result":' + '{"x":' * 40 + "{}" + "}" * 41,
    ],
    ids=["deep-value", "deep-array", "deep-objects", "unclosed", "just-too-deep"],
)
def test_deep_bodies_are_refused_without_recursing(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ApiError) as caught:
        parse_realtime(text.encode(), sn=SN, fetched_at=FETCHED_AT)
    assert_protocol_error(caught.value, SN)
    assert parse_envelope(text.encode()) is None
    # Not a timed assertion of speed, only a guard against an accidental quadratic scan.
    assert time.perf_counter() - started < 5


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    words = "[{" * 5_000 + '"\\' + "]}" * 10  # a quote and a backslash: escaped in the JSON
    snapshot = parse_realtime(_body(note=words), sn=SN, fetched_at=FETCHED_AT)
    assert snapshot.extra["note"] == words
    assert nesting_depth(_body(note=words).decode()) == 2
    assert nesting_depth('["\\\\", [["\\"]]"]]') == 3


def test_digits_beyond_pythons_int_limit_are_a_protocol_error() -> None:
    with pytest.raises(ApiError) as caught:
        parse_realtime(_body(acpower=TOO_MANY_DIGITS), sn=SN, fetched_at=FETCHED_AT)
    assert_protocol_error(caught.value, SN)


def test_an_impossible_code_on_a_failure_is_still_a_typed_error() -> None:
    body = dumps({"success": False, "code": HUGE_INT, "exception": "token invalid"})
    with pytest.raises(ApiError) as caught:
        parse_realtime(body, sn=SN, fetched_at=FETCHED_AT)
    assert caught.value.kind is ErrorKind.AUTH  # told by its words, as with any unknown code


def test_lone_surrogates_become_printable_text() -> None:
    body = _body(inverterSN="\ud800H34A", note="x\udfff", **{"k\ud801": "v"})
    snapshot = parse_realtime(body, sn=SN, fetched_at=FETCHED_AT)
    assert snapshot.inverter_sn == "\ufffdH34A"
    # What fetch --json and watch print must encode as UTF-8.
    json.dumps(snapshot_to_json(snapshot), ensure_ascii=False).encode("utf-8")
    json.dumps(snapshot.extra, ensure_ascii=False).encode("utf-8")


# --- the Developer API parser ---------------------------------------------------------------------


DEV_SN = DEMO_DEVICE_SERIALS[0]
GOOD_INVERTER: dict[str, Any] = {
    "deviceSn": DEV_SN,
    "deviceStatus": 102,
    "dataTime": "2026-11-24 14:23:04",
    "plantLocalTime": "2026-11-24 15:23:04",
    "totalActivePower": 1200.0,
}


@pytest.mark.parametrize(
    ("inverter", "battery"),
    [
        ({"totalActivePower": HUGE_INT}, {}),
        ({"deviceStatus": HUGE_INT}, {}),
        ({"pvMap": {"pv1Power": HUGE_INT}}, {}),
        ({"dataTime": OVERFLOWING_TIME}, {}),
        ({"somethingNew": nested(DEEP)}, {}),
        ({}, {"batterySOC": HUGE_INT}),
        ({}, {"chargeDischargePower": -HUGE_INT}),
    ],
    ids=lambda v: str(v)[:24],
)
def test_developer_parser_turns_an_impossible_value_into_a_protocol_error(
    inverter: dict[str, Any], battery: dict[str, Any]
) -> None:
    batteries = [{"batterySOC": 50.0, **battery}]
    with pytest.raises(ApiError) as caught:
        snapshot_from_developer(
            {**GOOD_INVERTER, **inverter}, batteries, sn=DEV_SN, fetched_at=FETCHED_AT
        )
    assert_protocol_error(caught.value, DEV_SN)


def test_developer_sums_beyond_a_float_are_no_reading() -> None:
    inverter = {**GOOD_INVERTER, "totalActivePower": None, "acPower1": 1e308, "acPower2": 1e308}
    batteries = [{"chargeDischargePower": 1e308}, {"chargeDischargePower": 1e308}]
    snap = snapshot_from_developer(inverter, batteries, sn=DEV_SN, fetched_at=FETCHED_AT)
    assert snap.ac_power is None
    assert snap.bat_power is None


# --- the tokenId client against the simulator -------------------------------------------------------


@pytest.fixture
def token_sim() -> Iterator[CloudSimulator]:
    with CloudSimulator(per_minute=10_000, per_day=1_000_000) as sim:
        yield sim


@pytest.mark.parametrize("v2", [False, True], ids=["v1", "v2"])
@pytest.mark.parametrize(("field", "value"), HOSTILE_FIELDS, ids=lambda v: str(v)[:20])
def test_token_id_client_reports_the_odd_inverter_and_reads_the_others(
    token_sim: CloudSimulator, field: str, value: Any, v2: bool
) -> None:
    odd, other = DEMO_SERIALS[0], DEMO_SERIALS[1]
    token_sim.edit_answers(token_id_edit(odd, **{field: value}))
    url = token_sim.v2_url if v2 else token_sim.v1_url
    with SolaxClient(DEMO_TOKEN, api_url=url) as client:
        with pytest.raises(ApiError) as caught:
            client.fetch(odd)
        assert_protocol_error(caught.value, odd)
        assert client.fetch(other).sn == other
        token_sim.edit_answers(None)
        assert client.fetch(odd).sn == odd  # the next good answer is read again


# --- the Developer API client against the simulator -------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dev_sim(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(clock=clock, dev_per_minute=10_000) as sim:
        yield sim


def _dev_client(sim: DeveloperSimulator, clock: FakeClock, **kwargs: Any) -> DeveloperClient:
    return DeveloperClient(
        DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=sim.base_url, clock=clock, **kwargs
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"dataTime": OVERFLOWING_TIME},
        {"totalActivePower": HUGE_INT},
        {"deviceStatus": HUGE_INT},
    ],
    ids=lambda v: str(v)[:24],
)
def test_developer_client_reports_the_odd_inverter_and_reads_its_batch(
    dev_sim: DeveloperSimulator, clock: FakeClock, fields: dict[str, Any]
) -> None:
    odd = DEMO_DEVICE_SERIALS[1]
    dev_sim.edit_answers(developer_edit(odd, **fields))
    with _dev_client(dev_sim, clock) as client:
        outcomes = client.fetch_many(list(DEMO_DEVICE_SERIALS))
    error = outcomes[odd]
    assert isinstance(error, ApiError)
    assert_protocol_error(error, odd)
    for sn in DEMO_DEVICE_SERIALS:
        if sn != odd:
            assert isinstance(outcomes[sn], Snapshot), outcomes[sn]
    # One request for the three inverters: the odd one did not cost its neighbours a request.
    realtime = [r for r in dev_sim.requests if r.endpoint == DEV_REALTIME_ENDPOINT]
    assert realtime[0].sn == ",".join(DEMO_DEVICE_SERIALS)


def test_developer_body_nested_too_deep_is_one_protocol_error_per_serial(
    dev_sim: DeveloperSimulator, clock: FakeClock
) -> None:
    dev_sim.edit_answers(developer_edit(DEMO_DEVICE_SERIALS[0], somethingNew=nested(DEEP)))
    with _dev_client(dev_sim, clock, battery=False) as client:
        outcomes = client.fetch_many(list(DEMO_DEVICE_SERIALS))
    for sn, outcome in outcomes.items():
        assert isinstance(outcome, ApiError)
        assert_protocol_error(outcome, sn)


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_in": HUGE_INT},
        {"expires_in": TOO_MANY_DIGITS},
        {"access_token": NON_LATIN1_TOKEN},
        {"access_token": "abc\u0100def-latin-extended"},
        {"access_token": "two words token"},
        {"access_token": nested(DEEP)},
    ],
    ids=["expires-400-digits", "expires-4400-digits", "non-latin1", "latin-ext", "space", "deep"],
)
def test_developer_token_answer_with_an_impossible_value_is_a_protocol_error(
    dev_sim: DeveloperSimulator, clock: FakeClock, fields: dict[str, Any]
) -> None:
    dev_sim.edit_answers(token_answer_edit(**fields))
    with _dev_client(dev_sim, clock) as client:
        outcomes = client.fetch_many(list(DEMO_DEVICE_SERIALS))
        for sn, outcome in outcomes.items():
            assert isinstance(outcome, ApiError), outcome
            assert_protocol_error(outcome, sn)
        # Nothing was sent with a token that could not be one.
        assert [r.endpoint for r in dev_sim.requests] == [DEV_TOKEN_ENDPOINT]
        # The next sign-in gives a good token, and the client goes on with it.
        dev_sim.edit_answers(None)
        outcomes = client.fetch_many(list(DEMO_DEVICE_SERIALS))
    assert all(isinstance(o, Snapshot) for o in outcomes.values()), outcomes


def test_developer_token_lifetime_is_capped(dev_sim: DeveloperSimulator, clock: FakeClock) -> None:
    dev_sim.edit_answers(token_answer_edit(expires_in=1e300))
    cache = MemoryTokenCache()
    with _dev_client(dev_sim, clock, token_cache=cache) as client:
        client.fetch_many([DEV_SN])
    saved = cache.load()
    assert saved is not None
    assert saved[1] <= clock.now() + 90 * 86400


def test_a_cached_token_that_cannot_be_sent_is_replaced(
    dev_sim: DeveloperSimulator, clock: FakeClock
) -> None:
    cache = MemoryTokenCache()
    cache.save(NON_LATIN1_TOKEN, clock.now() + 86400)
    with _dev_client(dev_sim, clock, token_cache=cache) as client:
        outcome = client.fetch_many([DEV_SN])[DEV_SN]
    assert isinstance(outcome, Snapshot), outcome
    saved = cache.load()
    assert saved is not None
    assert saved[0] == dev_sim.current_access_token
