"""The settings dialog: saved at once and read back, the token and the Developer API's client id
and secret in a real Secret Service (never on disk), the choice of API with its own serial numbers,
"Test connection" against the simulator on both APIs, and the locked / missing keyring states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

from solaxtray.core import paths
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import SystemClock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.settings import NotifySettings, Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DeveloperSimulator,
)
from solaxtray.ui.settings import SettingsDialog
from solaxtray.ui.settings.account import BACKEND_LABELS
from solaxtray.ui.settings.dialog import FRAME_ALLOWANCE_PX, TITLE_ALLOWANCE_PX
from solaxtray.ui.settings.secrets import SecretState
from solaxtray.ui.settings.widgets import INTERACTIVE_TYPES
from tests.keyring_fixture import SecretServiceBus, running_secret_service, using_bus

pytestmark = pytest.mark.gui

WAIT_MS = 15_000


def _dialog(qtbot: Any, settings: Settings | None = None, **kwargs: Any) -> SettingsDialog:
    store = SettingsStore(paths.settings_path())
    kwargs.setdefault("autostart", XdgAutostart(command=["solaxtray"]))
    dialog = SettingsDialog(settings or Settings(), store=store, clock=SystemClock(), **kwargs)
    qtbot.addWidget(dialog)
    return dialog


def _all_text(dialog: SettingsDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_changes_are_saved_at_once_and_survive_a_restart(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS) as got:
        dialog.serial_edit.setText("abc12-34567")
        dialog.add_serial()
    assert got.args[0].serials == ("ABC1234567",)
    dialog.serial_edit.setText("XYZ9876543")
    dialog.add_serial()
    dialog.alerts.notify_checks["eps"].setChecked(False)
    dialog.alerts.notify_checks["low_soc"].setChecked(True)
    dialog.alerts.low_soc_spin.setValue(20)
    dialog.alerts.stale_spin.setValue(30)
    dialog.account.server_combo.setCurrentIndex(dialog.account.server_combo.findData("v2-na"))
    dialog.account.server_combo.activated.emit(dialog.account.server_combo.currentIndex())
    dialog.inverters.serial_list.setCurrentRow(0)
    dialog.inverters.remove_serial()

    loaded, warning = SettingsStore(paths.settings_path()).load()
    assert warning is None
    assert loaded.serials == ("XYZ9876543",)
    assert loaded.notify.eps is False
    assert loaded.notify.fault is True
    assert loaded.low_soc_percent == 20
    assert loaded.stale_minutes == 30
    assert loaded.api_url == "v2-na"

    reopened = _dialog(qtbot, loaded)
    assert reopened.collect() == loaded
    assert reopened.alerts.low_soc_spin.text() == "below 20 %"


def test_an_invalid_serial_is_explained_and_not_added(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    with qtbot.assertNotEmitted(dialog.applied):
        dialog.serial_edit.setText("H1E4620J123456")  # an inverter serial, not the dongle's
        dialog.add_serial()
    assert dialog.inverters.serial_list.count() == 0
    assert "registration number" in dialog.inverters.serial_error.text()
    assert not paths.settings_path().exists()


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),  # the defaults: the switch on, no threshold
        Settings(low_soc_percent=15),
        Settings(low_soc_percent=15, notify=NotifySettings(low_soc=False)),
    ],
    ids=["defaults", "threshold", "threshold-switched-off"],
)
def test_the_low_battery_switch_and_threshold_always_agree(qtbot: Any, settings: Settings) -> None:
    dialog = _dialog(qtbot, settings)
    check, spin = dialog.alerts.notify_checks["low_soc"], dialog.alerts.low_soc_spin
    on = settings.notify.low_soc and settings.low_soc_percent is not None
    assert check.isChecked() is on
    assert spin.isEnabled() is on
    for _ in range(2):
        # Never "Off" (or 0) beside a ticked box; the number is usable only while it is ticked.
        assert "Off" not in spin.text()
        assert spin.value() >= 1
        assert spin.isEnabled() is check.isChecked()
        collected = dialog.collect()
        if check.isChecked():
            assert collected.low_soc_percent == spin.value()
            assert collected.notify.low_soc is True
        else:
            assert collected.low_soc_percent is None
        check.setChecked(not check.isChecked())
    check.setChecked(False)
    assert SettingsStore(paths.settings_path()).load()[0].low_soc_percent is None
    check.setChecked(True)
    spin.setValue(30)
    saved = SettingsStore(paths.settings_path()).load()[0]
    assert saved.low_soc_percent == 30
    assert saved.notify.low_soc is True


def test_start_at_login_writes_and_removes_the_autostart_entry(
    qtbot: Any, isolated_dirs: Path
) -> None:
    entry = XdgAutostart(command=["solaxtray"])
    dialog = _dialog(qtbot, autostart=entry)
    dialog.startup.autostart_check.setChecked(True)
    assert entry.path.is_file()
    assert dialog.settings.start_at_login is True
    dialog.startup.autostart_check.setChecked(False)
    assert not entry.path.exists()
    assert SettingsStore(paths.settings_path()).load()[0].start_at_login is False


@pytest.mark.keyring
def test_token_goes_to_the_keyring_only(
    qtbot: Any, secret_service: SecretServiceBus, isolated_dirs: Path
) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitUntil(
        lambda: dialog.account.secrets.token_state == SecretState.NOT_SET, timeout=WAIT_MS
    )
    assert not dialog.account.secrets.save_token_button.isHidden()
    dialog.account.secrets.token_edit.setText(f"  {DEMO_TOKEN} ")
    with qtbot.waitSignal(dialog.token_changed, timeout=WAIT_MS):
        dialog.account.secrets.save_token()
    assert keyring.get_password("solaxtray", "tokenId") == DEMO_TOKEN
    assert dialog.account.secrets.token_state == SecretState.SET
    assert dialog.account.secrets.token_edit.text() == ""
    assert DEMO_TOKEN not in _all_text(dialog)
    for path in isolated_dirs.rglob("*"):
        if path.is_file():
            assert DEMO_TOKEN.encode() not in path.read_bytes(), path

    reopened = _dialog(qtbot)
    reopened.show()
    qtbot.waitUntil(
        lambda: reopened.account.secrets.token_state == SecretState.SET, timeout=WAIT_MS
    )


def test_not_a_token_is_refused_in_words(qtbot: Any) -> None:
    dialog = _dialog(qtbot, token_store=_NeverCalledStore())
    dialog.account.secrets.token_edit.setText("ABC1234567")
    dialog.account.secrets.save_token()
    assert "Token not saved" in dialog.account.secrets.token_status.text()


def test_test_connection_reports_success_and_failure_in_words(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    settings = Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url)
    dialog = _dialog(qtbot, settings, token_store=_NeverCalledStore())
    dialog.account.secrets.token_edit.setText(DEMO_TOKEN)
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.account.test_result.text().startswith("Connected: ")
    assert DEMO_SERIALS[0] in dialog.account.test_result.text()

    dialog.account.secrets.token_edit.setText("9" * 24)
    dialog.account.test_connection()
    assert not dialog.account.test_button.isEnabled()  # the GUI thread did not wait for the answer
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.account.test_result.text().startswith("Token rejected: ")
    assert "9" * 24 not in dialog.account.test_result.text()


def test_missing_keyring_is_its_own_state(qtbot: Any, no_keyring: None) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    qtbot.waitUntil(
        lambda: dialog.account.secrets.token_state == SecretState.NO_KEYRING, timeout=WAIT_MS
    )
    assert "keyring" in dialog.account.secrets.token_status.text().lower()
    assert "SOLAXTRAY_TOKEN" in dialog.account.secrets.token_status.text()
    assert not dialog.account.secrets.save_token_button.isEnabled()


@pytest.mark.keyring
def test_locked_keyring_offers_retry(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_secret_service(unlock=True) as bus, using_bus(bus, monkeypatch):
        keyring.set_password("solaxtray", "tokenId", DEMO_TOKEN)
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            secretstorage.get_default_collection(connection).lock()
        finally:
            connection.close()
        dialog = _dialog(qtbot)
        dialog.show()
        qtbot.waitUntil(
            lambda: dialog.account.secrets.token_state == SecretState.LOCKED, timeout=WAIT_MS
        )
        assert not dialog.account.retry_button.isHidden()
        assert dialog.account.secrets.token_status.text().startswith("Keyring locked")
        dialog.account.retry_button.click()
        assert dialog.account.secrets.token_state == SecretState.LOADING
        qtbot.waitUntil(
            lambda: dialog.account.secrets.token_state == SecretState.LOCKED, timeout=WAIT_MS
        )


class _NeverCalledStore:
    def get(self) -> str | None:
        raise AssertionError("the keyring must not be read here")

    def set(self, value: str) -> None:
        raise AssertionError("the keyring must not be written here")

    def status(self) -> Any:
        raise AssertionError("the keyring must not be read here")


# --- the Developer API -------------------------------------------------------------------------


def test_choosing_the_developer_api_explains_it_and_validates_inverter_serials(
    qtbot: Any,
) -> None:
    dialog = _dialog(qtbot)
    assert dialog.backend == "token"
    assert dialog.account.backend_combo.currentText() == BACKEND_LABELS["token"]  # English here
    assert "Service → API" in dialog.account.backend_help.text()
    assert dialog.account.secrets.developer_panel.isHidden()

    dialog.serial_edit.setText("ABC1234567")
    dialog.add_serial()
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS) as got:
        dialog.select_backend("developer")
    assert got.args[0].backend == "developer"
    assert got.args[0].serials == ()
    assert "September 2026" in dialog.account.backend_combo.currentText()
    assert "developer.solaxcloud.com" in dialog.account.backend_help.text()
    assert "client id" in dialog.account.backend_help.text()
    assert not dialog.account.secrets.developer_panel.isHidden()
    assert dialog.account.secrets.token_panel.isHidden()
    assert "own serial numbers" in dialog.inverters.title()
    assert dialog.account.secrets.client_id_edit.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.account.secrets.client_secret_edit.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.inverters.serial_list.count() == 0
    assert "different numbers" in dialog.inverters.serial_error.text()

    with qtbot.assertNotEmitted(dialog.applied):
        dialog.serial_edit.setText("ABC1234567")  # the dongle's number: the wrong one here
        dialog.add_serial()
    assert "registration number" in dialog.inverters.serial_error.text()
    assert "inverter's own serial number" in dialog.inverters.serial_error.text()
    dialog.serial_edit.setText(DEMO_DEVICE_SERIALS[0].lower())
    dialog.add_serial()
    dialog.account.region_combo.setCurrentIndex(dialog.account.region_combo.findData("cn"))
    dialog.account.region_combo.activated.emit(dialog.account.region_combo.currentIndex())

    loaded, _warning = SettingsStore(paths.settings_path()).load()
    assert loaded.backend == "developer"
    assert loaded.serials == (DEMO_DEVICE_SERIALS[0],)
    assert loaded.developer_host == "cn"
    reopened = _dialog(qtbot, loaded)
    assert reopened.backend == "developer"
    assert reopened.collect() == loaded

    # Back to the tokenId: the registration number typed earlier in this session comes back.
    dialog.select_backend("token")
    assert dialog.settings.backend == "token"
    assert dialog.settings.serials == ("ABC1234567",)


@pytest.mark.keyring
def test_client_id_and_secret_go_to_the_keyring_only(
    qtbot: Any, secret_service: SecretServiceBus, isolated_dirs: Path
) -> None:
    secret = "s3cret-" + "x" * 20
    dialog = _dialog(qtbot, Settings(backend="developer"))
    dialog.show()
    qtbot.waitUntil(
        lambda: dialog.account.secrets.credentials_state == SecretState.NOT_SET, timeout=WAIT_MS
    )
    assert (
        dialog.account.secrets.token_state == SecretState.LOADING
    )  # the tokenId was not asked for
    dialog.account.secrets.client_id_edit.setText(" my-client-id ")
    dialog.account.secrets.client_secret_edit.setText(secret)
    with qtbot.waitSignal(dialog.credentials_changed, timeout=WAIT_MS):
        dialog.account.secrets.save_credentials()
    assert keyring.get_password("solaxtray", "clientId") == "my-client-id"
    assert keyring.get_password("solaxtray", "clientSecret") == secret
    assert dialog.account.secrets.credentials_state == SecretState.SET
    assert dialog.account.secrets.client_id_edit.text() == ""
    assert dialog.account.secrets.client_secret_edit.text() == ""
    assert secret not in _all_text(dialog)
    for path in isolated_dirs.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path

    reopened = _dialog(qtbot, Settings(backend="developer"))
    reopened.show()
    qtbot.waitUntil(
        lambda: reopened.account.secrets.credentials_state == SecretState.SET, timeout=WAIT_MS
    )


def test_a_pasted_wrong_thing_is_refused_before_the_keyring(qtbot: Any) -> None:
    dialog = _dialog(
        qtbot, Settings(backend="developer"), credentials_store=_NeverCalledCredentials()
    )
    dialog.account.secrets.client_id_edit.setText(
        "my client id"
    )  # spaces: never part of a client id
    dialog.account.secrets.client_secret_edit.setText("abc")
    dialog.account.secrets.save_credentials()
    assert "Credentials not saved" in dialog.account.secrets.credentials_status.text()


def test_test_connection_on_the_developer_api(qtbot: Any) -> None:
    with DeveloperSimulator.demo() as dev:
        settings = Settings(
            backend="developer", serials=(DEMO_DEVICE_SERIALS[0],), developer_host=dev.base_url
        )
        dialog = _dialog(qtbot, settings, credentials_store=_NeverCalledCredentials())
        dialog.account.secrets.client_id_edit.setText(DEMO_CLIENT_ID)
        dialog.account.secrets.client_secret_edit.setText(DEMO_CLIENT_SECRET)
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        assert dialog.account.test_result.text().startswith("Connected: ")
        assert DEMO_DEVICE_SERIALS[0] in dialog.account.test_result.text()

        dialog.account.secrets.client_secret_edit.setText("not-the-secret-42")
        dialog.account.test_connection()
        assert not dialog.account.test_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        text = dialog.account.test_result.text()
        assert text.startswith("Developer API sign-in refused: "), text
        assert "not-the-secret-42" not in text


def test_demo_mode_fixes_the_api_and_needs_no_secrets(qtbot: Any) -> None:
    dialog = _dialog(qtbot, demo=True, backend="developer")
    assert dialog.backend == "developer"
    assert not dialog.account.backend_combo.isEnabled()
    assert not dialog.account.secrets.save_credentials_button.isEnabled()
    assert "Demo mode" in dialog.account.secrets.credentials_status.text()
    dialog.alerts.notify_checks["low_soc"].setChecked(True)
    dialog.alerts.low_soc_spin.setValue(25)
    assert dialog.settings.backend == "token"  # the saved choice stays the user's own
    assert dialog.settings.low_soc_percent == 25


class _NeverCalledCredentials:
    def get(self) -> tuple[str | None, str | None]:
        raise AssertionError("the keyring must not be read here")

    def set(self, client_id: str, client_secret: str) -> None:
        raise AssertionError("the keyring must not be written here")

    def status(self) -> Any:
        raise AssertionError("the keyring must not be read here")


def test_a_rejected_token_is_not_tested_again_until_changed(
    qtbot: Any, simulator: CloudSimulator, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    asked: list[str] = []

    def ledger_for(kind: str, per_minute: int, per_day: int) -> RequestLedger:
        asked.append(kind)
        return ledger

    settings = Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url)
    dialog = _dialog(qtbot, settings, token_store=_NeverCalledStore(), ledger_for=ledger_for)
    dialog.account.secrets.token_edit.setText("9" * 24)
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.account.test_result.text().startswith("Token rejected: ")
    assert len(simulator.requests) == 1
    assert asked == ["token"]
    assert ledger.used_today() == 1

    for _ in range(3):
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        text = dialog.account.test_result.text()
        assert text.startswith("Not tested again: "), text
        assert "change the token" in text
    assert len(simulator.requests) == 1  # nothing more sent, nothing more counted
    assert ledger.used_today() == 1

    dialog.account.secrets.token_edit.setText(DEMO_TOKEN)
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.account.test_result.text().startswith("Connected: ")
    assert ledger.used_today() == 2


def test_test_connection_goes_through_the_ledger_and_says_when_it_is_spent(
    qtbot: Any, simulator: CloudSimulator, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock(), per_minute=1)
    settings = Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url)
    dialog = _dialog(
        qtbot, settings, token_store=_NeverCalledStore(), ledger_for=lambda *_a: ledger
    )
    dialog.account.secrets.token_edit.setText(DEMO_TOKEN)
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.account.test_result.text().startswith("Connected: ")
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    text = dialog.account.test_result.text()
    assert text.startswith("Request budget used up: "), text
    assert "seconds" in text
    assert len(simulator.requests) == 1


def test_a_developer_test_charges_its_sign_in_to_the_ledger(qtbot: Any, tmp_path: Path) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    with DeveloperSimulator.demo() as dev:
        settings = Settings(
            backend="developer", serials=(DEMO_DEVICE_SERIALS[0],), developer_host=dev.base_url
        )
        dialog = _dialog(
            qtbot,
            settings,
            credentials_store=_NeverCalledCredentials(),
            ledger_for=lambda *_a: ledger,
        )
        dialog.account.secrets.client_id_edit.setText(DEMO_CLIENT_ID)
        dialog.account.secrets.client_secret_edit.setText(DEMO_CLIENT_SECRET)
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        assert dialog.account.test_result.text().startswith("Connected: ")
        # Every request the cloud saw, the sign-in included, is in the shared ledger.
        assert ledger.used_today() == len(dev.requests) > 1

        dialog.account.secrets.client_secret_edit.setText("not-the-secret-42")
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        used, sent = ledger.used_today(), len(dev.requests)
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        assert dialog.account.test_result.text().startswith("Not tested again: ")
        # Nothing more sent or counted (the refused round was counted at its normal cost).
        assert ledger.used_today() == used >= len(dev.requests)
        assert len(dev.requests) == sent


def test_the_dialog_fits_an_800x600_screen_and_everything_can_be_reached(qtbot: Any) -> None:
    dialog = _dialog(qtbot, Settings(serials=(DEMO_SERIALS[0], DEMO_SERIALS[1])))
    dialog.show()
    qtbot.waitExposed(dialog)
    free = QRect(0, 0, 800, 600)
    assert dialog.content.sizeHint().height() > free.height(), "the form is taller than this"
    dialog.fit_to_screen(free)
    qtbot.wait(10)
    # Room for the title bar above, the whole window and its Close button inside the screen.
    assert dialog.geometry().top() - free.top() >= TITLE_ALLOWANCE_PX - FRAME_ALLOWANCE_PX
    assert free.contains(dialog.geometry())
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close is not None
    assert close.isVisible()
    assert dialog.rect().contains(close.geometry().translated(dialog.buttons.pos()))
    # The last line of the form scrolls into view.
    last = list(dialog.alerts.notify_checks.values())[-1]
    dialog.scroll_area.ensureWidgetVisible(last)
    viewport = dialog.scroll_area.viewport()
    corner = last.mapTo(viewport, last.rect().bottomLeft())
    assert viewport.rect().contains(corner)


# --- testing the credentials alone, labels and names, the size ------------------------------------


def test_test_connection_checks_developer_credentials_without_a_serial(
    qtbot: Any, tmp_path: Path
) -> None:
    ledger = RequestLedger(tmp_path / "ledger", clock=SystemClock())
    with DeveloperSimulator.demo() as dev:
        settings = Settings(backend="developer", developer_host=dev.base_url)
        dialog = _dialog(
            qtbot,
            settings,
            credentials_store=_NeverCalledCredentials(),
            ledger_for=lambda *_a: ledger,
        )
        dialog.account.secrets.client_id_edit.setText(DEMO_CLIENT_ID)
        dialog.account.secrets.client_secret_edit.setText(DEMO_CLIENT_SECRET)
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        text = dialog.account.test_result.text()
        assert text.startswith("Signed in"), text
        assert "serial number first" not in text
        assert len(dev.requests) == 1  # the sign-in alone, counted like every request
        assert ledger.used_today() == 1

        dialog.account.secrets.client_secret_edit.setText("not-the-secret-42")
        dialog.account.test_connection()
        qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
        text = dialog.account.test_result.text()
        assert text.startswith("Developer API sign-in refused: "), text
        assert "not-the-secret-42" not in text
        assert ledger.used_today() == len(dev.requests) == 2


def test_test_connection_on_the_token_api_without_a_serial_says_what_it_checked(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    dialog = _dialog(qtbot, Settings(api_url=simulator.v1_url), token_store=_NeverCalledStore())
    dialog.account.secrets.token_edit.setText(DEMO_TOKEN)
    dialog.account.test_connection()
    qtbot.waitUntil(lambda: dialog.account.test_button.isEnabled(), timeout=WAIT_MS)
    text = dialog.account.test_result.text()
    assert "right form" in text
    assert "no request was sent" in text
    assert text != "Add a serial number first."
    assert len(simulator.requests) == 0


@pytest.mark.parametrize("backend", ["token", "developer"])
def test_every_control_has_a_name_and_the_fields_have_visible_labels(
    qtbot: Any, backend: str
) -> None:
    dialog = _dialog(qtbot, Settings(backend=backend))
    controls = [w for t in INTERACTIVE_TYPES for w in dialog.findChildren(t)]
    assert len(controls) > 20
    unnamed = [f"{type(w).__name__} {w.objectName()!r}" for w in controls if not w.accessibleName()]
    assert unnamed == []
    buddies = {
        label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy()
    }
    shown = (
        [dialog.account.secrets.client_id_edit, dialog.account.secrets.client_secret_edit]
        if backend == "developer"
        else [dialog.account.secrets.token_edit]
    )
    for widget in [
        dialog.account.backend_combo,
        dialog.serial_edit,
        dialog.inverters.serial_list,
        *shown,
    ]:
        assert buddies.get(widget, "").strip(), f"{widget.accessibleName()} has no visible label"
    assert dialog.serial_edit.accessibleName() != dialog.inverters.serial_list.accessibleName()


@pytest.mark.parametrize("backend", ["token", "developer"])
def test_the_dialog_fits_a_1366x768_screen_without_scrolling(qtbot: Any, backend: str) -> None:
    dialog = _dialog(qtbot, Settings(backend=backend, serials=()))
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.fit_to_screen(QRect(0, 0, 1366, 768))
    viewport = dialog.scroll_area.viewport()
    bar = dialog.scroll_area.verticalScrollBar()
    # Everything is visible at once, also after the keyring's answer has arrived: no scrolling.
    qtbot.waitUntil(
        lambda: (
            dialog.account.secrets.token_state != SecretState.LOADING
            or dialog.account.secrets.credentials_state != SecretState.LOADING
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(
        lambda: dialog.content.sizeHint().height() <= viewport.height() and bar.maximum() == 0,
        timeout=2000,
    )
    assert dialog.width() <= 1366
    assert dialog.height() <= 700
    wanted = dialog.content.sizeHint()
    assert wanted.width() <= 1366
    assert wanted.height() <= 700
    # The empty list is a few rows high, not the largest thing in the window.
    assert dialog.inverters.serial_list.height() <= 6 * dialog.fontMetrics().height() + 20
