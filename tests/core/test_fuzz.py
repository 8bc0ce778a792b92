"""Property tests: whatever the cloud answers, only typed errors come out.

Over both parsers directly (random JSON-like values in every field, and mutations of the recorded
real answers in ``tests/data/realtime``), and over both clients against the project's simulators
on a real socket (the simulator's answer rewritten by ``edit_answers``). Every outcome must be a
``Snapshot`` or a ``SolaxTrayError`` subclass, and a snapshot must print as UTF-8 JSON, as
``fetch --json`` and ``watch`` do.

Small by default (the file runs in seconds); ``SOLAXTRAY_FUZZ_EXAMPLES=2000`` for a long run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solaxtray.core.api.developer.client import DeveloperClient, usable_access_token
from solaxtray.core.api.developer.parsing import (
    match_batteries,
    match_inverters,
    snapshot_from_developer,
)
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.api.tokenid.parsing import parse_envelope, parse_realtime
from solaxtray.core.errors import SolaxTrayError
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
    UNDERFLOWING_TIME,
    deep_text,
    dumps,
    nested,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "realtime"
RECORDED = sorted(p for p in DATA.iterdir() if p.is_file())
SN = "SWABCDEFGH"
FETCHED_AT = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def examples(default: int) -> Callable[[Any], Any]:
    """``max_examples`` for one property: ``default``, or SOLAXTRAY_FUZZ_EXAMPLES when set."""
    wanted = os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "").strip()
    return settings(max_examples=int(wanted) if wanted.isdigit() else default)


# --- what a hostile cloud may send ------------------------------------------------------------------

TOKEN_ID_FIELDS = [
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
    "batStatus",
    "utcDateTime",
]
DEVELOPER_FIELDS = [
    "deviceSn",
    "registerNo",
    "deviceStatus",
    "dataTime",
    "plantLocalTime",
    "totalActivePower",
    "acPower1",
    "acPower2",
    "acPower3",
    "dailyYield",
    "totalYield",
    "gridPower",
    "gridPowerM2",
    "totalExportEnergy",
    "totalImportEnergy",
    "EPSL1ActivePower",
    "epsl2activepower",
    "EPSL3ActivePower",
    "pvMap",
    "mpptMap",
    "batterySOC",
    "chargeDischargePower",
    "inverterSn",
]

HOSTILE: list[Any] = [
    HUGE_INT,
    -HUGE_INT,
    2**1024,
    1e308,
    -1e308,
    5e-324,
    float("nan"),
    float("inf"),
    OVERFLOWING_TIME,
    UNDERFLOWING_TIME,
    "9999-12-31 23:59:59",
    "0001-01-01 00:00:00",
    "2026-11-24 15:23:04",
    "2026-11-24T14:23:04.512Z",
    "1970-01-01T00:00:00+14:00",
    "9" * 400,
    "1e400",
    "NaN",
    "-Infinity",
    " 14 ",
    "",
    "\ud800",
    "x\udfffy",
    "token invalid",
    "Query success!",
    "202011240000123456789012",
    nested(DEEP),
    nested(40, {"k": "v"}),
    {"tokenId": "202011240000123456789012"},
]
"""Values that broke, or could break, a reader: out of range, out of the calendar, lone
surrogates, deep nesting, token-shaped text."""


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(HOSTILE),
    )


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    _scalars(),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=10,
)


def _objects(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(fields), st.text(max_size=10)), JSON_VALUES, max_size=12
    )


Mutation = Callable[[bytes], bytes]


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    """One random change to a body, drawn in full beforehand (so that it can be applied on the
    simulator's thread): a field set or dropped (in the envelope, its result, or one item of a
    result list), bytes cut, inserted or replaced, a run of digits inserted (beyond a float at
    309, beyond Python's int parsing at 4300), the body swapped for deep nesting, or none."""
    kinds = ["set", "set", "set", "drop", "cut", "insert", "replace", "digits", "deep", "as-is"]
    kind = draw(st.sampled_from(kinds))
    into_result = draw(st.integers(0, 3)) > 0
    pick = draw(st.integers(0, 1000))
    new_key = draw(st.one_of(st.none(), st.none(), st.text(max_size=8)))
    value = draw(st.one_of(st.sampled_from(HOSTILE), JSON_VALUES)) if kind == "set" else None
    position = draw(st.integers(0, 1 << 20))
    chunk = draw(st.binary(max_size=16))
    digits = draw(st.sampled_from([309, 400, 4301, 5000]))
    depth = draw(st.integers(30, 3000))

    def mutate(body: bytes) -> bytes:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if kind in ("set", "drop") and isinstance(parsed, dict):
            target = parsed
            result = parsed.get("result")
            if into_result and isinstance(result, dict):
                target = result
            elif into_result and isinstance(result, list) and result:
                item = result[pick % len(result)]
                target = item if isinstance(item, dict) else parsed
            keys = sorted(target) or ["x"]
            key = new_key if new_key is not None else keys[pick % len(keys)]
            if kind == "set":
                target[key] = value
            else:
                target.pop(key, None)
            return dumps(parsed)
        if kind == "deep":
            return deep_text(depth).encode()
        if kind == "as-is" or not body:
            return body
        at = position % (len(body) + 1)
        if kind == "cut":
            return body[:at]
        if kind == "insert":
            return body[:at] + chunk + body[at:]
        if kind == "digits":  # where a value starts, most often a number
            colons = [i + 1 for i, byte in enumerate(body) if byte == ord(":")] or [at]
            at = colons[position % len(colons)]
            return body[:at] + b"9" * digits + body[at:]
        return body[:at] + chunk + body[at + len(chunk) :]

    return mutate


def _check_outcome(outcome: object) -> None:
    """A snapshot that prints as UTF-8 JSON with finite numbers, or a typed error in words."""
    if isinstance(outcome, SolaxTrayError):
        assert outcome.message
        outcome.message.encode("utf-8")
        return
    assert isinstance(outcome, Snapshot), repr(outcome)
    text = json.dumps(snapshot_to_json(outcome), ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")
    json.dumps(outcome.extra, ensure_ascii=False).encode("utf-8")
    for value in (outcome.ac_power, outcome.soc, outcome.bat_power, *outcome.pv_power):
        assert value is None or math.isfinite(value)


def _parse(body: bytes) -> object:
    try:
        return parse_realtime(body, sn=SN, fetched_at=FETCHED_AT)
    except SolaxTrayError as error:
        return error


# --- the parsers ----------------------------------------------------------------------------------


@examples(300)
@given(
    envelope=st.fixed_dictionaries(
        {
            "success": st.one_of(st.just(True), JSON_VALUES),
            "result": st.one_of(_objects(TOKEN_ID_FIELDS), JSON_VALUES),
        },
        optional={"code": JSON_VALUES, "exception": JSON_VALUES},
    )
)
def test_token_id_parser_gives_a_snapshot_or_a_typed_error(envelope: dict[str, Any]) -> None:
    body = dumps(envelope)
    _check_outcome(_parse(body))
    parse_envelope(body)


@examples(300)
@given(path=st.sampled_from(RECORDED), mutate=mutations())
def test_token_id_parser_on_mutated_recorded_answers(path: Path, mutate: Mutation) -> None:
    _check_outcome(_parse(mutate(path.read_bytes())))


@examples(200)
@given(
    inverter=_objects(DEVELOPER_FIELDS),
    batteries=st.lists(_objects(DEVELOPER_FIELDS), max_size=2),
)
def test_developer_parser_gives_a_snapshot_or_a_typed_error(
    inverter: dict[str, Any], batteries: list[dict[str, Any]]
) -> None:
    sn = DEMO_DEVICE_SERIALS[0]
    matched = match_inverters([inverter, *batteries], [sn])
    match_batteries(batteries, [sn], matched)
    try:
        outcome: object = snapshot_from_developer(inverter, batteries, sn=sn, fetched_at=FETCHED_AT)
    except SolaxTrayError as error:
        outcome = error
    _check_outcome(outcome)


# --- the clients against the simulators -------------------------------------------------------------


@pytest.fixture(scope="module")
def token_sim() -> Iterator[CloudSimulator]:
    with CloudSimulator(per_minute=1_000_000, per_day=100_000_000) as sim:
        yield sim


@pytest.fixture(scope="module")
def dev_sim() -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(dev_per_minute=1_000_000, dev_per_day=100_000_000) as sim:
        yield sim


@examples(60)
@given(mutate=mutations(), v2=st.booleans())
def test_token_id_client_gives_a_snapshot_or_a_typed_error(
    token_sim: CloudSimulator, mutate: Mutation, v2: bool
) -> None:
    sn = DEMO_SERIALS[0]
    token_sim.edit_answers(lambda _endpoint, _sn, body: mutate(body))
    try:
        with SolaxClient(DEMO_TOKEN, api_url=token_sim.v2_url if v2 else token_sim.v1_url) as c:
            try:
                outcome: object = c.fetch(sn)
            except SolaxTrayError as error:
                outcome = error
    finally:
        token_sim.edit_answers(None)
    _check_outcome(outcome)


def _token_values() -> st.SearchStrategy[Any]:
    """Access tokens the sign-in may hold: never one the client would take and register as a
    secret (a random registered "secret" would be masked in every later test's text)."""
    return st.one_of(
        st.sampled_from([NON_LATIN1_TOKEN, "two words", "", "\ud800abcdef", "tab\there"]),
        st.text(max_size=20).filter(lambda t: not usable_access_token(t.strip())),
        JSON_VALUES.filter(lambda v: not isinstance(v, str)),
    )


@examples(60)
@given(data=st.data())
def test_developer_client_gives_snapshots_or_typed_errors(
    dev_sim: DeveloperSimulator, data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from([DEV_TOKEN_ENDPOINT, DEV_REALTIME_ENDPOINT]), "endpoint")
    token_fields: dict[str, Any] = {}
    if target == DEV_TOKEN_ENDPOINT:
        token_fields = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "access_token": _token_values(),
                    "expires_in": JSON_VALUES,
                    "token_type": JSON_VALUES,
                },
            ),
            "token answer",
        )
    mutate = data.draw(mutations(), "realtime mutation")
    battery_too = data.draw(st.booleans(), "battery answer too")
    realtime_answers: list[bytes] = []

    def edit(endpoint: str, _sn: str | None, body: bytes) -> bytes:
        if endpoint == DEV_TOKEN_ENDPOINT and token_fields:
            answer = json.loads(body)
            answer["result"].update(token_fields)
            return dumps(answer)
        if endpoint == DEV_REALTIME_ENDPOINT and target == DEV_REALTIME_ENDPOINT:
            # The inverters' answer comes first; the batteries' after it, changed or not.
            realtime_answers.append(body)
            if len(realtime_answers) == 1 or battery_too:
                return mutate(body)
        return body

    dev_sim.edit_answers(edit)
    try:
        client = DeveloperClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=dev_sim.base_url)
        with client:
            outcomes = client.fetch_many(list(DEMO_DEVICE_SERIALS))
    finally:
        dev_sim.edit_answers(None)
    assert list(outcomes) == list(DEMO_DEVICE_SERIALS)
    for outcome in outcomes.values():
        _check_outcome(outcome)
