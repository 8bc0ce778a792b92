"""The API registry: one spec per API answers what the rest of the app asks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from solaxtray.core.api.registry import (
    ALIASES,
    DEVELOPER_SPEC,
    SPECS,
    TOKEN_SPEC,
    BackendKind,
    Capability,
    kind_of,
    spec_of,
)
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import ApiError, ConfigError
from solaxtray.core.models import Snapshot


def test_every_kind_has_one_spec() -> None:
    assert set(SPECS) == set(BackendKind)
    for kind, spec in SPECS.items():
        assert spec.kind is kind
        assert spec.name == kind.value


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("token", BackendKind.TOKEN),
        (" TokenId ", BackendKind.TOKEN),
        ("token-id", BackendKind.TOKEN),
        ("v1", BackendKind.TOKEN),
        ("developer", BackendKind.DEVELOPER),
        ("DEV", BackendKind.DEVELOPER),
        ("developer-api", BackendKind.DEVELOPER),
        ("oauth", BackendKind.DEVELOPER),
        (BackendKind.DEVELOPER, BackendKind.DEVELOPER),
    ],
)
def test_one_alias_table(typed: object, kind: BackendKind) -> None:
    assert kind_of(typed) is kind
    assert spec_of(typed) is SPECS[kind]


@pytest.mark.parametrize("typed", ["", "local", None, 3, "tokens"])
def test_unknown_kind_is_a_config_error_in_words(typed: object) -> None:
    with pytest.raises(ConfigError) as caught:
        kind_of(typed)
    assert "“token”" in caught.value.message
    assert "“developer”" in caught.value.message


def test_aliases_only_name_known_kinds() -> None:
    assert set(ALIASES.values()) == set(BackendKind)
    assert all(key == key.strip().lower() for key in ALIASES)


def test_serial_rules_follow_the_api() -> None:
    assert TOKEN_SPEC.normalise_serials(["sxabc12345", "SX ABC 12345"]) == ("SXABC12345",)
    with pytest.raises(ConfigError):
        TOKEN_SPEC.normalise_serial("H34A10I1234567")  # an inverter's own serial number
    assert DEVELOPER_SPEC.normalise_serial("h34a10i1234567") == "H34A10I1234567"
    with pytest.raises(ConfigError):
        DEVELOPER_SPEC.normalise_serial("SXABC12345")  # a dongle's registration number


def test_servers_resolve_through_the_api() -> None:
    assert TOKEN_SPEC.resolve_server("www") == TOKEN_SPEC.default_server
    assert DEVELOPER_SPEC.resolve_server(DEVELOPER_SPEC.default_server).startswith("https://")
    for spec in SPECS.values():
        for name in spec.server_names:
            assert spec.resolve_server(name).startswith("https://")
        with pytest.raises(ConfigError):
            spec.resolve_server("http://example.com")  # a secret never travels in clear


def test_credentials_and_capabilities() -> None:
    assert TOKEN_SPEC.env_variables() == ("SOLAXTRAY_TOKEN",)
    assert DEVELOPER_SPEC.env_variables() == ("SOLAXTRAY_CLIENT_ID", "SOLAXTRAY_CLIENT_SECRET")
    assert DEVELOPER_SPEC.complete({"client_id": "a", "client_secret": "b"})
    assert [f.attribute for f in DEVELOPER_SPEC.missing({"client_id": "a"})] == ["client_secret"]
    assert not TOKEN_SPEC.complete({"token": ""})
    assert DEVELOPER_SPEC.has(Capability.ALARMS)
    assert not TOKEN_SPEC.has(Capability.ALARMS)
    assert DEVELOPER_SPEC.batch_size == 10
    assert TOKEN_SPEC.batch_size == 1
    assert TOKEN_SPEC.ledger_file != DEVELOPER_SPEC.ledger_file


@pytest.mark.parametrize("kind", list(BackendKind))
def test_demo_and_factory_poll_the_demo_cloud(kind: BackendKind) -> None:
    """Each spec's demo cloud answers its own backend, built by its own factory."""
    spec = SPECS[kind]
    clock = FakeClock(1_780_000_000.0)
    demo = spec.demo(clock)
    try:
        backend = spec.factory(demo.server, demo.credentials, clock=clock)
        try:
            assert backend.max_serials_per_request == spec.batch_size
            assert (backend.per_minute, backend.per_day) == (spec.per_minute, spec.per_day)
            outcomes = backend.fetch_many(demo.serials[:2])
        finally:
            backend.close()
    finally:
        demo.simulator.stop()
    assert list(outcomes) == list(demo.serials[:2])
    for outcome in outcomes.values():
        assert isinstance(outcome, Snapshot | ApiError)
    assert any(isinstance(o, Snapshot) for o in outcomes.values())


def test_importing_the_registry_loads_no_client() -> None:
    """The tray icon reads it first: the HTTP clients, simulator and keyring stay unloaded."""
    code = (
        "import sys, solaxtray.core.api.registry\n"
        "heavy = [m for m in ('solaxtray.core.api.tokenid.client', 'solaxtray.core.api.developer.client',"
        " 'solaxtray.core.simulator', 'solaxtray.core.secrets', 'solaxtray.core.settings',"
        " 'keyring', 'urllib3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
