"""The tray app's decisions that need no Qt: what a settings change redoes, what a backend that
cannot be built or a keyring that cannot be read means for the user, how the demo polls.

Why here and not in the wiring: they are rules, testable without a display, and the Qt module
that acts on them (``ui/tray_app.py``) stays a list of connections.
"""

from __future__ import annotations

import enum
from dataclasses import replace

from solaxtray.core.api.registry import BackendSpec
from solaxtray.core.context import Change
from solaxtray.core.errors import (
    ConfigError,
    EnvTokenUnusable,
    SecretStoreError,
    SecretStoreLocked,
)
from solaxtray.core.i18n import _
from solaxtray.core.presentation import AppCondition
from solaxtray.core.settings import Settings


class SettingsStep(enum.Enum):
    """What the running polling does after the settings changed (same API, credentials known)."""

    REBUILD = "rebuild"
    """A new backend, planner and poller: the API, server or credentials changed, or nothing
    runs because the server was refused."""
    REPLAN = "replan"
    """The running scheduler and alert rules take new serials, budget or interval, keeping the
    learned upload rhythm and what the alerts already said."""
    KEEP = "keep"
    """Nothing of the polling changed (a word of the alerts, the stale time): only the view."""


def settings_step(old: Settings, new: Settings, what: Change, *, refused: bool) -> SettingsStep:
    """The step for a change from ``old`` to ``new`` settings whose run contexts differ by
    ``what``; ``refused``: the server was refused before, so nothing polls yet."""
    if refused or what & (Change.API | Change.SERVER | Change.CREDENTIALS):
        return SettingsStep.REBUILD
    if what & (Change.SERIALS | Change.BUDGET) or (
        old.poll_interval_s != new.poll_interval_s
        or (old.per_minute, old.per_day) != (new.per_minute, new.per_day)
    ):
        return SettingsStep.REPLAN
    return SettingsStep.KEEP


def server_is_valid(spec: BackendSpec, server: str | None) -> bool:
    """Whether the server or region names a usable address: then a ``ConfigError`` from building
    the backend is about the credentials (for example a pasted token with spaces)."""
    try:
        spec.resolve_server(server or spec.default_server)
    except ConfigError:
        return False
    return True


def keyring_condition(error: BaseException) -> tuple[AppCondition, str]:
    """The condition and its sentence when the credentials could not be read: locked, missing,
    or (any other failure, such as no answer in time) a keyring to unlock and retry."""
    if isinstance(error, EnvTokenUnusable):
        return AppCondition.ENV_TOKEN_UNUSABLE, error.message
    if isinstance(error, SecretStoreLocked):
        return AppCondition.KEYRING_LOCKED, error.message
    if isinstance(error, SecretStoreError):
        return AppCondition.KEYRING_MISSING, error.message
    return AppCondition.KEYRING_LOCKED, _(
        "The keyring did not answer in time. Unlock it, then choose Retry in Settings."
    )


def demo_settings(settings: Settings) -> Settings:
    """The demo polls at its simulator's upload interval: at the user's interval (a minute or
    more) the fault and grid-outage episodes of the first two minutes would show late. Still
    far below the per-minute limit."""
    from solaxtray.core.simulator import DEMO_UPLOAD_INTERVAL

    return replace(settings, poll_interval_s=max(1, round(DEMO_UPLOAD_INTERVAL)))
