"""Test connection without Qt: the check the settings window runs, against the simulators over
real HTTP, with a real request ledger file."""

from __future__ import annotations

from pathlib import Path

import pytest

from solaxtray.core.api.backend import make_backend
from solaxtray.core.clock import FakeClock, SystemClock
from solaxtray.core.connection_check import (
    FORM_ONLY,
    SIGNED_IN,
    BudgetUsed,
    CheckTools,
    ConnectionCheck,
    NotTestedAgain,
    result_sentence,
    run_check,
)
from solaxtray.core.errors import ConfigError, TokenRejected
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DeveloperSimulator,
)

SALT = b"0123456789abcdef"


def _nothing_stored() -> str | None:
    return None


def _no_credentials() -> tuple[str | None, str | None]:
    return None, None


def _tools(ledger: RequestLedger | None = None) -> CheckTools:
    return CheckTools(
        stored_token=_nothing_stored,
        stored_credentials=_no_credentials,
        backend_factory=make_backend,
        ledger_for=(lambda *_a: ledger) if ledger is not None else None,
    )


def _developer_check(
    dev: DeveloperSimulator, serial: str | None, secret: str = DEMO_CLIENT_SECRET
) -> ConnectionCheck:
    """A test of typed Developer API credentials against ``dev``."""
    return ConnectionCheck(
        "developer",
        dev.base_url,
        serial,
        typed_client_id=DEMO_CLIENT_ID,
        typed_client_secret=secret,
    )


def test_a_token_and_a_serial_read_the_inverter(simulator: CloudSimulator) -> None:
    check = ConnectionCheck("token", simulator.v1_url, DEMO_SERIALS[0], typed_token=DEMO_TOKEN)
    result = run_check(check, _tools(), rejected=frozenset(), salt=SALT)
    assert isinstance(result.outcome, Snapshot)
    assert result_sentence(result.outcome).startswith("Connected: ")
    assert DEMO_SERIALS[0] in result_sentence(result.outcome)


def test_a_rejected_token_is_not_sent_again(simulator: CloudSimulator, tmp_path: Path) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    check = ConnectionCheck("token", simulator.v1_url, DEMO_SERIALS[0], typed_token="9" * 24)
    first = run_check(check, _tools(ledger), rejected=frozenset(), salt=SALT)
    assert isinstance(first.outcome, TokenRejected)
    assert "9" * 24 not in result_sentence(first.outcome)
    assert len(simulator.requests) == 1
    with pytest.raises(NotTestedAgain, match="change the token"):
        run_check(check, _tools(ledger), rejected=frozenset({first.fingerprint}), salt=SALT)
    assert len(simulator.requests) == 1
    assert ledger.used_today() == 1
    # Another salt (another dialog) does not know the fingerprint.
    again = run_check(check, _tools(ledger), rejected=frozenset({first.fingerprint}), salt=b"x")
    assert isinstance(again.outcome, TokenRejected)


def test_the_token_api_without_a_serial_sends_nothing(simulator: CloudSimulator) -> None:
    check = ConnectionCheck("token", simulator.v1_url, None, typed_token=DEMO_TOKEN)
    result = run_check(check, _tools(), rejected=frozenset(), salt=SALT)
    assert result.outcome == FORM_ONLY
    assert len(simulator.requests) == 0


def test_no_secret_at_all_is_one_sentence() -> None:
    check = ConnectionCheck("token", None, DEMO_SERIALS[0])
    with pytest.raises(ConfigError, match="Enter the token first"):
        run_check(check, _tools(), rejected=frozenset(), salt=SALT)


def test_a_spent_budget_is_said_before_anything_is_sent(
    simulator: CloudSimulator, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock(), per_minute=1)
    check = ConnectionCheck("token", simulator.v1_url, DEMO_SERIALS[0], typed_token=DEMO_TOKEN)
    run_check(check, _tools(ledger), rejected=frozenset(), salt=SALT)
    with pytest.raises(BudgetUsed, match="seconds"):
        run_check(check, _tools(ledger), rejected=frozenset(), salt=SALT)
    assert len(simulator.requests) == 1


def test_a_refused_test_takes_no_place_in_the_queue(
    simulator: CloudSimulator, tmp_path: Path
) -> None:
    clock = FakeClock()
    path = tmp_path / "ledger"
    tested = RequestLedger(path, clock=clock, per_minute=1, jitter_s=0)
    app = RequestLedger(path, clock=clock, per_minute=1, jitter_s=0)
    check = ConnectionCheck("token", simulator.v1_url, DEMO_SERIALS[0], typed_token=DEMO_TOKEN)
    run_check(check, _tools(tested), rejected=frozenset(), salt=SALT)
    with pytest.raises(BudgetUsed, match="seconds"):
        run_check(check, _tools(tested), rejected=frozenset(), salt=SALT)
    clock.advance(61)  # the minute's one request has left the window
    # The test gave up: the app, asking now, is not held behind a place nobody comes back for.
    assert app.wait_time() == 0
    assert app.try_acquire(DEMO_SERIALS[1])
    app.finish(DEMO_SERIALS[1])
    assert "?" not in path.read_text()


@pytest.mark.parametrize(
    ("serial", "secret", "reads"),
    [
        (DEMO_DEVICE_SERIALS[0], DEMO_CLIENT_SECRET, True),  # the sign-in and the reading
        (DEMO_DEVICE_SERIALS[0], "not-the-demo-secret-0000", False),  # the sign-in is refused
        ("not a serial!", DEMO_CLIENT_SECRET, False),  # refused before anything is sent
    ],
    ids=["reads", "refused-sign-in", "impossible-serial"],
)
def test_a_developer_test_counts_what_was_sent_and_no_more(
    tmp_path: Path, serial: str, secret: str, reads: bool
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    with DeveloperSimulator.demo() as dev:
        check = _developer_check(dev, serial, secret)
        result = run_check(check, _tools(ledger), rejected=frozenset(), salt=SALT)
        assert isinstance(result.outcome, Snapshot) is reads, result.outcome
        assert ledger.used_today() == len(dev.requests)
    # Nothing is left reserved either: another round may have the rest of the minute.
    assert ledger.used_last_minute() == len(dev.requests)


def test_developer_credentials_without_a_serial_sign_in_through_the_ledger(
    tmp_path: Path,
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    with DeveloperSimulator.demo() as dev:
        check = _developer_check(dev, None)
        result = run_check(check, _tools(ledger), rejected=frozenset(), salt=SALT)
        assert result.outcome == SIGNED_IN
        assert ledger.used_today() == len(dev.requests) == 1


def test_stored_developer_credentials_are_read_when_none_are_typed(tmp_path: Path) -> None:
    asked: list[str] = []

    def stored() -> tuple[str | None, str | None]:
        asked.append("credentials")
        return DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    tools = CheckTools(
        stored_token=_nothing_stored,
        stored_credentials=stored,
        backend_factory=make_backend,
        token_cache_for=lambda _client_id: None,
    )
    with DeveloperSimulator.demo() as dev:
        check = ConnectionCheck("developer", dev.base_url, DEMO_DEVICE_SERIALS[0])
        result = run_check(check, tools, rejected=frozenset(), salt=SALT)
    assert isinstance(result.outcome, Snapshot)
    assert asked == ["credentials"]
