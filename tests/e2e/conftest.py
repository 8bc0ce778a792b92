"""Fixtures of the end-to-end tests: a private desktop per test (see desktop.py).

Without Xvfb or dbus-daemon the tests are skipped with the reason, never passed: on a machine
that can run them, scripts/test.sh installs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.desktop import Desktop, missing_tools, open_desktop


def _require(*tools: str) -> None:
    missing = missing_tools(*tools)
    if missing:
        pytest.skip(
            f"end-to-end desktop test needs {', '.join(missing)} (apt: xvfb dbus trayer x11-utils)"
        )


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    """Xvfb + a private session bus + the fake panel and notification server."""
    _require("Xvfb", "dbus-daemon")
    desk = open_desktop(tmp_path / "desktop")
    try:
        yield desk
    finally:
        desk.close()


@pytest.fixture
def bare_desktop(tmp_path: Path) -> Iterator[Desktop]:
    """Xvfb + a private bus with no StatusNotifierWatcher: Qt falls back to the XEmbed tray."""
    _require("Xvfb", "dbus-daemon", "trayer", "xwininfo")
    desk = open_desktop(tmp_path / "desktop", fake_desktop=False)
    try:
        yield desk
    finally:
        desk.close()
