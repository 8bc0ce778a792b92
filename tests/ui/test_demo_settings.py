"""The demo never touches the user's own settings file or keyring: its settings dialog lists the
demo's inverters read-only and says it is the demo, and nothing done there reaches the disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from solaxtray.core import paths
from solaxtray.core.simulator import DEMO_SERIALS
from solaxtray.ui.app import AppOptions
from solaxtray.ui.settings import SettingsDialog
from solaxtray.ui.tray_app import TrayApp
from tests.keyring_fixture import SecretServiceBus

pytestmark = pytest.mark.gui

WAIT_MS = 15_000
USER_TOKEN = "123456789012345678901234"


@pytest.fixture
def demo_app(qtbot: Any) -> Iterator[TrayApp]:
    app = TrayApp(AppOptions(demo=True, tray_wait_s=60.0), tray_available=lambda: False)
    try:
        yield app
    finally:
        app.shutdown()
        for window in (app.popup, app.settings_dialog, app.fallback):
            if window is not None:
                window.close()


def _open_settings(qtbot: Any, app: TrayApp) -> SettingsDialog:
    app.start()
    qtbot.waitUntil(lambda: bool(app.model.serials), timeout=WAIT_MS)
    app.show_settings()
    dialog = app.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitExposed(dialog)
    return dialog


def _listed(dialog: SettingsDialog) -> list[str]:
    return [
        dialog.inverters.serial_list.item(i).text()
        for i in range(dialog.inverters.serial_list.count())
    ]


def _try_to_change_everything(dialog: SettingsDialog) -> None:
    dialog.serial_edit.setText("XYZ9876543")
    dialog.add_serial()
    dialog.inverters.serial_list.setCurrentRow(0)
    dialog.inverters.remove_serial()
    dialog.alerts.notify_checks["eps"].setChecked(False)
    dialog.alerts.notify_checks["low_soc"].setChecked(True)
    dialog.alerts.low_soc_spin.setValue(33)
    dialog.alerts.stale_spin.setValue(42)


def test_the_demo_settings_show_the_demo_inverters_read_only(qtbot: Any, demo_app: TrayApp) -> None:
    dialog = _open_settings(qtbot, demo_app)
    assert sorted(_listed(dialog)) == sorted(DEMO_SERIALS)
    assert not dialog.serial_edit.isEnabled()
    assert not dialog.inverters.add_serial_button.isEnabled()
    assert not dialog.inverters.remove_serial_button.isEnabled()
    assert dialog.demo_note.isVisible()
    assert "demo" in dialog.demo_note.text().lower()
    _try_to_change_everything(dialog)
    assert sorted(_listed(dialog)) == sorted(DEMO_SERIALS)
    assert "cannot be changed" in dialog.inverters.serial_error.text()
    # A setting that applies to the demo run still applies to it.
    assert demo_app.settings.stale_minutes == 42


def test_the_demo_leaves_no_settings_file(qtbot: Any, demo_app: TrayApp) -> None:
    dialog = _open_settings(qtbot, demo_app)
    _try_to_change_everything(dialog)
    assert not paths.settings_path().exists()
    assert not any(p.is_file() for p in paths.config_dir().parent.rglob("*"))


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"version": 1, "serials": ["ABCDE12345"], "stale_minutes": 20}),
        # Damaged: a normal start would set it aside; the demo must leave it where it is.
        '{"version": 1, "serials": ["ABCDE12345"], "stale_minutes": NaN}',
    ],
    ids=["valid", "damaged"],
)
def test_the_demo_never_changes_the_real_settings_or_keyring(
    qtbot: Any, secret_service: SecretServiceBus, content: str
) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    keyring.set_password("solaxtray", "tokenId", USER_TOKEN)
    before = sorted(p.name for p in path.parent.iterdir())
    app = TrayApp(AppOptions(demo=True, tray_wait_s=60.0), tray_available=lambda: False)
    try:
        dialog = _open_settings(qtbot, app)
        _try_to_change_everything(dialog)
        dialog.close()
    finally:
        app.shutdown()
    assert path.read_text(encoding="utf-8") == content
    assert sorted(p.name for p in path.parent.iterdir()) == before
    assert keyring.get_password("solaxtray", "tokenId") == USER_TOKEN
    for username in ("clientId", "clientSecret"):
        assert keyring.get_password("solaxtray", username) is None


def test_the_tray_app_starts_with_a_bad_number_in_its_settings(
    qtbot: Any, isolated_dirs: Path
) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{"version": 1, "serials": ["ABCDE12345"], "stale_minutes": Infinity}', encoding="utf-8"
    )
    app = TrayApp(
        AppOptions(tray_wait_s=60.0), tray_available=lambda: False, token_loader=lambda: None
    )
    try:
        assert app.settings.serials == ("ABCDE12345",)
        assert app.settings.stale_minutes == 15
    finally:
        app.shutdown()
