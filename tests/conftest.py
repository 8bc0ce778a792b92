"""Shared test set-up: every test gets its own config, data, state and cache directories, and
Qt runs offscreen unless an end-to-end test starts its own X server."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from solaxtray.core import i18n
from solaxtray.core.simulator import CloudSimulator

pytest_plugins = ["tests.keyring_fixture"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A developer's own token or server must never leak into a test run.
for _name in (
    "SOLAXTRAY_TOKEN",
    "SOLAXTRAY_API_URL",
    "SOLAXTRAY_CLIENT_ID",
    "SOLAXTRAY_CLIENT_SECRET",
):
    os.environ.pop(_name, None)
# The tests read English sentences and English number formats, whatever the developer's own
# language: the language tests choose theirs explicitly.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


# Property tests keep no example database and write nothing into the checkout (Hypothesis caches
# the constants of the code under test in its storage directory, ./.hypothesis by default), and
# have no per-example deadline (examples that cross a real socket vary in time). How many examples
# each property tries is its own business; SOLAXTRAY_FUZZ_EXAMPLES raises it for a long run.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "solaxtray-hypothesis")
)
settings.register_profile(
    "solaxtray",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("solaxtray")


# Skips that say "this platform or user cannot run it", not "a tool is missing here".
_PLATFORM_SKIP = re.compile(
    r"win32|Windows|macOS|POSIX|root|colour scheme|SOLAXTRAY_SKIP_FREEZE", re.IGNORECASE
)


@pytest.fixture(autouse=True)
def _language_from_environment() -> Iterator[None]:
    """Each test starts with no language chosen (English here, from LANG=C.UTF-8): a test that
    runs ``main(["--lang", "de", ...])`` must not leave German behind for the next."""
    i18n.reset()
    yield
    i18n.reset()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With SOLAXTRAY_STRICT_SKIPS set (scripts/test.sh does, after installing every tool), a test
    that skips for lack of Xvfb, D-Bus, gnome-keyring or the like fails instead: in CI a quietly
    skipped end-to-end test would be a green run that proved nothing."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not (report.skipped and os.environ.get("SOLAXTRAY_STRICT_SKIPS")):
        return
    if hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if _PLATFORM_SKIP.search(reason):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped although SOLAXTRAY_STRICT_SKIPS is set: {reason}"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the XDG (and macOS/Windows-equivalent) user directories into the test's tmp dir, so
    settings, the request ledger and logs of one test never meet another's or the developer's."""
    home = tmp_path / "home"
    for sub in ("config", "data", "state", "cache", "runtime"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    return home


@pytest.fixture
def simulator() -> Iterator[CloudSimulator]:
    """A started SolaX Cloud simulator on 127.0.0.1 with the demo fleet, ``DEMO_TOKEN``, the real
    quota (10 a minute) and the system clock; stopped after the test. Build your own
    ``CloudSimulator(clock=FakeClock(), ...)`` to step through time."""
    with CloudSimulator() as sim:
        yield sim
