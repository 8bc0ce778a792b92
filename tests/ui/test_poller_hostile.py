"""The tray app's poller when one inverter's answer holds a value no inverter reports: that inverter
gets its protocol error, its neighbours their snapshots, and polling goes on. Against the
project's simulators over real HTTP (``edit_answers`` serves the odd value)."""

from __future__ import annotations

from typing import Any

import pytest

from solaxtray.core.api.backend import make_backend
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import SystemClock
from solaxtray.core.errors import ErrorKind, MalformedResponse
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DeveloperSimulator,
)
from solaxtray.ui.poller import Poller
from tests.hostile import DEEP, HUGE_INT, OVERFLOWING_TIME, developer_edit, nested, token_id_edit
from tests.ui.test_poller import WAIT_MS, IntervalPlanner, RecordingPlanner

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    "fields",
    [{"acpower": HUGE_INT}, {"utcDateTime": OVERFLOWING_TIME}, {"somethingNew": nested(DEEP)}],
    ids=["400-digits", "year-10000", "nested-600"],
)
def test_token_id_odd_answer_is_a_protocol_error_and_polling_goes_on(
    qtbot: Any, simulator: CloudSimulator, fields: dict[str, Any]
) -> None:
    odd, other = DEMO_SERIALS[0], DEMO_SERIALS[1]
    simulator.edit_answers(token_id_edit(odd, **fields))
    clock = SystemClock()
    client = SolaxClient(DEMO_TOKEN, api_url=simulator.v1_url, timeout=(2.0, 10.0))
    planner = RecordingPlanner(IntervalPlanner([odd, other], 3600.0, clock=clock))
    poller = Poller(client.fetch, planner, clock=clock)
    try:
        poller.start()
        qtbot.waitUntil(lambda: bool(planner.errors and planner.snapshots), timeout=WAIT_MS)
        (error,) = planner.errors
        assert isinstance(error, MalformedResponse)
        assert (error.kind, error.sn) == (ErrorKind.PROTOCOL, odd)
        assert planner.snapshots == [other]
        assert poller.next_poll is not None  # the odd inverter is asked again later
    finally:
        poller.stop()
        client.close()


def test_developer_odd_inverter_is_a_protocol_error_and_its_batch_is_shown(qtbot: Any) -> None:
    odd = DEMO_DEVICE_SERIALS[1]
    clock = SystemClock()
    with DeveloperSimulator.demo(clock=clock) as dev:
        dev.edit_answers(developer_edit(odd, dataTime=OVERFLOWING_TIME))
        backend = make_backend(
            "developer",
            api_url=dev.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            timeout=(2.0, 10.0),
        )
        planner = RecordingPlanner(IntervalPlanner(DEMO_DEVICE_SERIALS, 3600.0, clock=clock))
        poller = Poller(backend, planner, clock=clock)
        try:
            poller.start()
            qtbot.waitUntil(
                lambda: len(planner.snapshots) + len(planner.errors) == len(DEMO_DEVICE_SERIALS),
                timeout=WAIT_MS,
            )
            (error,) = planner.errors
            assert isinstance(error, MalformedResponse)
            assert (error.kind, error.sn) == (ErrorKind.PROTOCOL, odd)
            assert sorted(planner.snapshots) == sorted(s for s in DEMO_DEVICE_SERIALS if s != odd)
            assert poller.next_poll is not None
        finally:
            poller.stop()
            backend.close()
