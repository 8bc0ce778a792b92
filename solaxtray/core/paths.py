"""Where solaxtray keeps its files on each platform. Qt-free.

Why one module: the tray app, the CLI, the request ledger and the tests must all agree on the same
locations, and tests isolate themselves by pointing the XDG variables elsewhere (platformdirs
honours ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``, ``XDG_STATE_HOME`` and ``XDG_CACHE_HOME`` on Linux).
Elsewhere an explicitly set XDG variable is honoured too (see ``_xdg_override``).
The functions are evaluated on every call, never cached, so a changed environment takes effect.

Nothing here creates a directory: the writer of a file creates its parent when it first writes, so
merely asking ``solaxtray --help`` leaves no trace on disk.

Typical locations:

========  =============================================  ==============================================
kind      Linux                                          macOS / Windows
========  =============================================  ==============================================
config    ``~/.config/solaxtray``                        ``~/Library/Application Support/solaxtray`` /
                                                         ``%LOCALAPPDATA%\\solaxtray``
data      ``~/.local/share/solaxtray``                   as config
logs      ``~/.local/state/solaxtray/log``               ``~/Library/Logs/solaxtray`` /
                                                         ``%LOCALAPPDATA%\\solaxtray\\Logs``
========  =============================================  ==============================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from solaxtray import APP_NAME

SETTINGS_FILE = "settings.json"
LOG_FILE = "solaxtray.log"

_IS_LINUX: bool = sys.platform.startswith("linux")


def _xdg_override(variable: str, *parts: str) -> Path | None:
    """On macOS and Windows, an explicitly set XDG variable wins over the platform's default.

    Why: the test suite isolates every test through the XDG variables, on every OS; and the few
    users who set them outside Linux do so on purpose. (On Linux platformdirs honours them itself.)
    """
    if _IS_LINUX:
        return None
    value = os.environ.get(variable, "").strip()
    if not value or not os.path.isabs(value):
        return None
    return Path(value, APP_NAME, *parts)


def config_dir() -> Path:
    """The user's settings directory for solaxtray."""
    override = _xdg_override("XDG_CONFIG_HOME")
    return override or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Data that must survive restarts but is not configuration (the request ledger)."""
    override = _xdg_override("XDG_DATA_HOME")
    return override or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Data that may be thrown away at any time (for example the last snapshots shown)."""
    override = _xdg_override("XDG_CACHE_HOME")
    return override or Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The platform's conventional place for this app's log files."""
    override = _xdg_override("XDG_STATE_HOME", "log")
    return override or Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    """The versioned JSON settings file (see ``solaxtray.core.settings``)."""
    return config_dir() / SETTINGS_FILE


def ledger_path(backend: str = "token") -> Path:
    """The request ledger every solaxtray process of the user shares, so that together they stay
    inside the quota (see ``solaxtray.core.ledger``). One per SolaX API (``backend``: any name the
    registry knows): the tokenId's quota and the Developer API application's are separate."""
    from solaxtray.core.api.registry import spec_of

    return data_dir() / spec_of(backend).ledger_file


def log_path() -> Path:
    """The current (newest) rotating log file."""
    return log_dir() / LOG_FILE
