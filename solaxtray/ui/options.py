"""What the command line decides for one run of the tray app. Its own module so that the app's
start (``ui/app.py``) and the running app (``ui/tray_app.py``) both read it without importing each
other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AppOptions:
    """What the command line decides for one run (it overrides the saved settings)."""

    demo: bool = False
    serials: list[str] | None = None
    api_url: str | None = None
    tray_wait_s: float | None = None
    """How long to wait for a system tray before the fallback window (``None``: the default)."""
    backend: str | None = None
    """``token`` or ``developer`` for this run (``--backend``); ``None``: the settings decide. The
    serials and the API URL given with it are in that API's terms."""
