"""The doctor's set-up for this machine and the saved settings: what ``solaxtray doctor`` and the
settings dialog's "Check set-up" both run. Qt-free."""

from __future__ import annotations

import os
from collections.abc import Sequence

from solaxtray.core import autostart, paths
from solaxtray.core.api.registry import spec_of
from solaxtray.core.clock import SystemClock
from solaxtray.core.context import Credentials
from solaxtray.core.doctor import CloudTarget, DoctorSetup
from solaxtray.core.doctor.desktop import SessionProbe
from solaxtray.core.history.store import default_history_path
from solaxtray.core.i18n import _
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.secrets import DEFAULT_TIMEOUT_S, KeyringTokenCache
from solaxtray.core.settings import Settings


def doctor_setup(
    settings: Settings, backend: str, serials: Sequence[str], server: str
) -> DoctorSetup:
    """The checks of this machine and account for ``backend``, ``serials`` and ``server`` (as
    given, unvalidated: their validity is what the checks report)."""
    clock = SystemClock()

    def token_cache_for(creds: Credentials) -> KeyringTokenCache | None:
        # Share the tray app's access token: signing in anew would make it invalid. The run
        # context says when one is shared (the API has one, and the keyring holds the secrets).
        if not creds.share_access_token or not creds.client_id:
            return None
        return KeyringTokenCache(client_id=creds.client_id)

    return DoctorSetup(
        target=CloudTarget(
            backend=backend,
            serials=tuple(serials),
            server=server,
            stale_minutes=settings.stale_minutes,
        ),
        clock=clock,
        probe=SessionProbe(),
        autostart=autostart.for_platform(),
        start_at_login=settings.start_at_login,
        folders=[
            ("writable-settings", _("Settings folder"), paths.config_dir()),
            ("writable-ledger", _("Request ledger folder"), paths.data_dir()),
            ("writable-log", _("Log folder"), paths.log_dir()),
        ],
        ledger=RequestLedger(
            paths.ledger_path(backend),
            clock=clock,
            per_minute=settings.per_minute,
            per_day=settings.per_day,
        ),
        keyring_timeout=DEFAULT_TIMEOUT_S,
        token_cache_for=token_cache_for,
        history=default_history_path(),
    )


def saved_server(settings: Settings, backend: str) -> str:
    """The server the app would use: the environment (where the API has a variable for it),
    then the settings. Empty means the default."""
    spec = spec_of(backend)
    from_env = os.environ.get(spec.server_env, "").strip() if spec.server_env else ""
    saved = getattr(settings, spec.server_setting, None)
    return from_env or (saved if isinstance(saved, str) else "")


def saved_setup(settings: Settings, backend: str | None = None) -> DoctorSetup:
    """The set-up of the saved settings (the settings dialog's button)."""
    kind = backend or settings.backend
    serials = settings.serials if spec_of(kind) is spec_of(settings.backend) else ()
    return doctor_setup(settings, kind, serials, saved_server(settings, kind))
