"""The tray app's Qt-free decisions: what a settings change redoes, what a failed build or
keyring read means."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solaxtray.core.api.registry import spec_of
from solaxtray.core.context import Change
from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.presentation import AppCondition
from solaxtray.core.settings import Settings
from solaxtray.core.tray_rules import (
    SettingsStep,
    demo_settings,
    keyring_condition,
    server_is_valid,
    settings_step,
)

BASE = Settings()


@pytest.mark.parametrize(
    ("new", "what", "refused", "step"),
    [
        (BASE, Change.NONE, False, SettingsStep.KEEP),
        (replace(BASE, low_soc_percent=30), Change.NONE, False, SettingsStep.KEEP),
        (BASE, Change.NONE, True, SettingsStep.REBUILD),
        (BASE, Change.SERVER, False, SettingsStep.REBUILD),
        (BASE, Change.CREDENTIALS | Change.SERIALS, False, SettingsStep.REBUILD),
        (BASE, Change.SERIALS, False, SettingsStep.REPLAN),
        (BASE, Change.BUDGET, False, SettingsStep.REPLAN),
        (
            replace(BASE, poll_interval_s=BASE.poll_interval_s + 60),
            Change.NONE,
            False,
            SettingsStep.REPLAN,
        ),
        (replace(BASE, per_day=BASE.per_day - 1), Change.NONE, False, SettingsStep.REPLAN),
    ],
)
def test_a_settings_change_redoes_only_what_it_changes(
    new: Settings, what: Change, refused: bool, step: SettingsStep
) -> None:
    assert settings_step(BASE, new, what, refused=refused) is step


def test_a_server_that_resolves_makes_a_build_error_a_credentials_problem() -> None:
    spec = spec_of("token")
    assert server_is_valid(spec, None)
    assert not server_is_valid(spec, "gopher://nowhere")


def test_keyring_trouble_is_a_condition_with_a_sentence() -> None:
    assert keyring_condition(SecretStoreLocked("Unlock it.")) == (
        AppCondition.KEYRING_LOCKED,
        "Unlock it.",
    )
    assert keyring_condition(SecretStoreError("None here."))[0] is AppCondition.KEYRING_MISSING
    condition, sentence = keyring_condition(TimeoutError())
    assert condition is AppCondition.KEYRING_LOCKED
    assert "did not answer in time" in sentence


def test_the_demo_polls_at_its_upload_interval() -> None:
    from solaxtray.core.simulator import DEMO_UPLOAD_INTERVAL

    assert demo_settings(BASE).poll_interval_s == max(1, round(DEMO_UPLOAD_INTERVAL))
    assert demo_settings(BASE).serials == BASE.serials
