"""The run context: one resolution of API, serials, server, budget and credentials."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from solaxtray.core.api.registry import DEVELOPER_SPEC, TOKEN_SPEC, BackendKind
from solaxtray.core.clock import FakeClock
from solaxtray.core.context import (
    Change,
    ContextError,
    Credentials,
    Overrides,
    Source,
    changes,
    demo_context,
    load_credentials,
    reconfigured,
    resolve,
)
from solaxtray.core.errors import ConfigError
from solaxtray.core.models import Snapshot
from solaxtray.core.settings import Settings

EU = "https://openapi-eu.solaxcloud.com"


def test_settings_alone(tmp_path: Path) -> None:
    settings = Settings(serials=("SXABC12345",), per_minute=5, per_day=20_000)
    context = resolve(settings, env={}, data_dir=tmp_path)
    assert context.kind is BackendKind.TOKEN
    assert context.serials == ("SXABC12345",)
    assert context.server == TOKEN_SPEC.default_server
    assert context.server_source is Source.DEFAULT
    assert (context.budget.per_minute, context.budget.per_day) == (5, 9_000)
    assert context.ledger_path == tmp_path / TOKEN_SPEC.ledger_file
    assert not context.ready  # no credentials yet


def test_flags_beat_environment_beat_settings(tmp_path: Path) -> None:
    settings = Settings(serials=("SXABC12345",), api_url="global")
    env = {"SOLAXTRAY_API_URL": "v2-na"}
    from_env = resolve(settings, env=env, data_dir=tmp_path)
    assert from_env.server_source is Source.ENV_SERVER
    assert "na.solaxcloud.com" in from_env.server
    flagged = resolve(
        settings, Overrides(server="qcells", serials=["sx xyz 98765"]), env=env, data_dir=tmp_path
    )
    assert flagged.server_source is Source.FLAG_SERVER
    assert "q-cells" in flagged.server
    assert flagged.serials == ("SXXYZ98765",)
    saved = resolve(settings, env={}, data_dir=tmp_path)
    assert saved.server_source is Source.SETTINGS
    assert saved.server.startswith("https://global.")


def test_saved_serials_belong_to_the_saved_api(tmp_path: Path) -> None:
    settings = Settings(serials=("SXABC12345",))
    context = resolve(settings, Overrides(backend="oauth"), env={}, data_dir=tmp_path)
    assert context.kind is BackendKind.DEVELOPER
    assert context.serials == ()
    assert context.server == EU
    assert context.ledger_path == tmp_path / DEVELOPER_SPEC.ledger_file


def test_refusals_name_their_source(tmp_path: Path) -> None:
    settings = Settings()
    with pytest.raises(ContextError) as bad_serial:
        resolve(settings, Overrides(serials=["H34A10I1234567"]), env={}, data_dir=tmp_path)
    assert bad_serial.value.source is Source.FLAG_SERIALS
    with pytest.raises(ContextError) as bad_env:
        resolve(settings, env={"SOLAXTRAY_API_URL": "http://example.com"}, data_dir=tmp_path)
    assert bad_env.value.source is Source.ENV_SERVER
    with pytest.raises(ContextError) as empty_flag:
        resolve(settings, Overrides(server="  "), env={}, data_dir=tmp_path)
    assert empty_flag.value.source is Source.FLAG_SERVER
    with pytest.raises(ConfigError):
        resolve(settings, Overrides(backend="lan"), env={}, data_dir=tmp_path)


def test_developer_server_has_no_environment_override(tmp_path: Path) -> None:
    settings = Settings(backend="developer", developer_host="in")
    context = resolve(settings, env={"SOLAXTRAY_API_URL": "v2-na"}, data_dir=tmp_path)
    assert context.server == "https://openapi-in.solaxcloud.com"
    assert context.server_source is Source.SETTINGS


def test_reconfigured_keeps_credentials_of_the_same_api(tmp_path: Path) -> None:
    settings = Settings(serials=("SXABC12345",))
    first = resolve(settings, env={}, data_dir=tmp_path).with_credentials(
        Credentials(BackendKind.TOKEN, token="t" * 20)
    )
    assert first.ready
    more = reconfigured(
        first, replace(settings, serials=("SXABC12345", "SXDEF67890"), per_day=100), env={}
    )
    assert more.credentials == first.credentials
    assert changes(first, more) == Change.SERIALS | Change.BUDGET
    other = reconfigured(first, replace(settings, backend="developer"), env={})
    assert other.credentials is None
    assert Change.API in changes(first, other)
    with pytest.raises(ValueError, match="another API"):
        other.with_credentials(Credentials(BackendKind.TOKEN, token="t" * 20))


def test_reconfigured_keeps_the_runs_flags_over_new_settings(tmp_path: Path) -> None:
    """What the tray did by itself: the command line's serials and server stay this run's
    while the settings change; a saved server change alone is a new server, nothing else."""
    settings = Settings(serials=("SXABC12345",))
    flags = Overrides(serials=["SXXYZ98765"], server="qcells")
    run = resolve(settings, flags, env={}, data_dir=tmp_path)
    changed = replace(settings, serials=("SXDEF67890",), api_url="global")
    again = reconfigured(run, changed, flags, env={}, data_dir=tmp_path)
    assert (again.serials, again.server) == (run.serials, run.server)
    assert changes(run, again) == Change.NONE
    plain = resolve(settings, env={}, data_dir=tmp_path)
    moved = reconfigured(plain, replace(settings, api_url="global"), env={}, data_dir=tmp_path)
    assert changes(plain, moved) == Change.SERVER


def test_credentials_hide_secrets_and_know_when_complete() -> None:
    creds = Credentials(BackendKind.DEVELOPER, client_id="abc", client_secret="s3cr3t-value")
    assert creds.kind is BackendKind.DEVELOPER
    assert creds.complete
    assert "s3cr3t" not in repr(creds)
    assert not Credentials(BackendKind.DEVELOPER, client_id="abc").complete


def test_load_credentials_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", "env-client")
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", "env-secret-value")
    creds = load_credentials(DEVELOPER_SPEC, 5.0)
    assert creds.complete
    assert creds.client_id == "env-client"
    assert not creds.share_access_token  # the environment is a separate set-up


@pytest.mark.parametrize("spec", [TOKEN_SPEC, DEVELOPER_SPEC])
def test_demo_context_polls_its_own_cloud(spec: object) -> None:
    from solaxtray.core.api.registry import BackendSpec

    assert isinstance(spec, BackendSpec)
    clock = FakeClock(1_780_000_000.0)
    demo = spec.demo(clock)
    try:
        context = demo_context(spec, demo, Settings())
        assert context.ready
        assert context.ledger_path is None
        with pytest.raises(ValueError, match="no request ledger"):
            context.open_ledger(clock)
        backend = context.open_backend(clock=clock)
        try:
            outcome = backend.fetch_many(context.serials[:1])
        finally:
            backend.close()
    finally:
        demo.simulator.stop()
    assert isinstance(outcome[context.serials[0]], Snapshot)


def test_missing_credentials_refused_in_the_backends_words(tmp_path: Path) -> None:
    context = resolve(Settings(backend="developer"), env={}, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="client id and a client secret"):
        context.open_backend()


def test_ledger_at_the_run_budget(tmp_path: Path) -> None:
    context = resolve(Settings(per_minute=3), env={}, data_dir=tmp_path)
    ledger = context.open_ledger(FakeClock(1_780_000_000.0))
    assert (ledger.per_minute, ledger.per_day) == (3, 9_000)
    assert ledger.path == tmp_path / TOKEN_SPEC.ledger_file


def test_a_polling_run_without_serials_is_refused_before_the_server(tmp_path: Path) -> None:
    """The API's own sentence, and before a bad server is looked at: the user fixes one thing
    at a time, the first that matters."""
    settings = Settings(backend="developer", serials=())
    bad_env = {"SOLAXTRAY_API_URL": "nowhere"}
    with pytest.raises(ContextError) as refused:
        resolve(settings, env=bad_env, data_dir=tmp_path, require_serials=True)
    assert refused.value.source is Source.NO_SERIALS
    assert "inverter's own serial number" in refused.value.message
    assert resolve(settings, env=bad_env, data_dir=tmp_path).serials == ()
