"""The settings dialog's "Check set-up…" and "Find my inverters…" windows (pytest-qt,
offscreen): the doctor's results with their marks, discovery against the simulator with paging,
errors as sentences, and found inverters added to the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from solaxtray.core import paths
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import SystemClock
from solaxtray.core.doctor import CheckResult, Status
from solaxtray.core.doctor.local import check_autostart, check_writable
from solaxtray.core.errors import SecretStoreLocked
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DeveloperSimulator,
)
from solaxtray.core.simulator.plant import SimInverter
from solaxtray.ui.discover_dialog import DiscoverDialog
from solaxtray.ui.doctor_dialog import DoctorDialog
from solaxtray.ui.settings import SettingsDialog

pytestmark = pytest.mark.gui
WAIT_MS = 20_000

FLEET = [
    SimInverter(sn=f"SWUI{i:06d}", inverter_sn=f"H4UI{i:010d}", type_code=14, pv_peak_w=4000)
    for i in range(25)
]


def test_the_doctor_window_lists_each_check_with_its_mark_and_fix(
    qtbot: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    def run() -> list[CheckResult]:
        return [
            check_writable("writable-ok", "Settings folder", tmp_path / "ok"),
            check_writable("writable-bad", "Log folder", blocker / "log"),
            check_autostart(XdgAutostart(tmp_path / "autostart"), wanted=False),
        ]

    dialog = DoctorDialog(run)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.results) == 3, timeout=WAIT_MS)
    rows = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert [r.text(0) for r in rows if r is not None] == ["✓", "✗", "✓"]
    bad = rows[1]
    assert bad is not None
    assert "Fix: Make" in bad.text(2)
    assert bad.data(0, Qt.ItemDataRole.AccessibleTextRole) == "failed"
    assert "1 failed" in dialog.summary.text()
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.tree.topLevelItemCount() == 3


def test_the_doctor_window_sums_up_serials_past_the_first_ones(qtbot: Any) -> None:
    from solaxtray.core.doctor.model import fail, ok
    from solaxtray.core.doctor.serials import MORE_ID, SHOWN_SERIALS

    count = SHOWN_SERIALS + 200
    results = [ok("credentials", "Credentials", "Set.")]
    for i in range(count):
        sn = f"SW{i:08d}"
        results.append(ok(f"serial-shape:{sn}", f"Serial number {sn}", "Right shape."))
        known = (
            fail(f"serial-known:{sn}", sn, "Unknown.", "Add it.")
            if i == count - 1
            else ok(f"serial-known:{sn}", sn, "Known.")
        )
        results.append(known)

    dialog = DoctorDialog(lambda: results)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: len(dialog.results) == len(results), timeout=WAIT_MS)
    rows = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert len(rows) == 1 + 2 * SHOWN_SERIALS + 1
    last = rows[-1]
    assert last is not None
    assert last.text(0) == "✗"
    assert f"SW{count - 1:08d}" in last.text(2)
    assert "1 failed" in dialog.summary.text()  # the counts are over every result
    assert MORE_ID not in {r.id for r in dialog.results}


def test_a_doctor_run_that_raises_ends_in_one_sentence(qtbot: Any) -> None:
    def run() -> list[CheckResult]:
        raise SecretStoreLocked("The keyring did not answer within 10 seconds.")

    dialog = DoctorDialog(run)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.summary.text() == (
        "The set-up could not be checked: The keyring did not answer within 10 seconds."
    )


def _discover(
    qtbot: Any, sim: DeveloperSimulator, chosen: list[str], secret: str
) -> DiscoverDialog:
    from solaxtray.core.api.developer.client import DeveloperClient
    from solaxtray.core.discovery import discover_inverters

    def find() -> list[Any]:
        with DeveloperClient(DEMO_CLIENT_ID, secret, host=sim.base_url, battery=False) as c:
            return discover_inverters(c, page_size=10)

    dialog = DiscoverDialog(find, chosen.extend, known=(FLEET[0].inverter_sn,))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_find_my_inverters_lists_every_page_and_adds_the_ticked_ones(qtbot: Any) -> None:
    chosen: list[str] = []
    with DeveloperSimulator(inverters=FLEET, dev_per_minute=100) as sim:
        sim.max_page_size = 10
        dialog = _discover(qtbot, sim, chosen, DEMO_CLIENT_SECRET)
        qtbot.waitUntil(lambda: len(dialog.devices) == 25, timeout=WAIT_MS)
    assert dialog.table.rowCount() == 25
    first = dialog.table.item(0, 0)
    assert first is not None
    assert not first.flags() & Qt.ItemFlag.ItemIsEnabled  # already watched
    for row in (3, 24):
        item = dialog.table.item(row, 0)
        assert item is not None
        item.setCheckState(Qt.CheckState.Checked)
    dialog.add_button.click()
    assert chosen == [FLEET[3].inverter_sn, FLEET[24].inverter_sn]
    assert "Added 2" in dialog.status.text()


def test_find_my_inverters_with_rejected_credentials_says_so(qtbot: Any) -> None:
    with DeveloperSimulator(inverters=FLEET) as sim:
        dialog = _discover(qtbot, sim, [], "wrong-secret-0000")
        qtbot.waitUntil(lambda: dialog.search_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.status.text().startswith("Developer API sign-in refused:")
    assert dialog.table.rowCount() == 0


def test_on_the_token_api_the_window_says_where_the_numbers_are(qtbot: Any) -> None:
    dialog = DiscoverDialog(None, lambda _s: None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "dongle" in dialog.status.text()
    assert not dialog.add_button.isEnabled()


def _settings_dialog(qtbot: Any, settings: Settings) -> SettingsDialog:
    store = SettingsStore(paths.settings_path())
    store.save(settings)
    dialog = SettingsDialog(
        settings,
        store=store,
        clock=SystemClock(),
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    return dialog


def test_the_settings_buttons_find_inverters_and_add_them(
    qtbot: Any, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    with DeveloperSimulator(inverters=FLEET[:3]) as sim:
        dialog = _settings_dialog(qtbot, Settings(backend="developer", developer_host=sim.base_url))
        tools = dialog.inverters.setup_tools
        assert tools.find_button.accessibleName()
        tools.find_button.click()
        window = tools.discover_window
        assert window is not None
        qtbot.waitUntil(lambda: len(window.devices) == 3, timeout=WAIT_MS)
    item = window.table.item(1, 0)
    assert item is not None
    item.setCheckState(Qt.CheckState.Checked)
    window.add_button.click()
    loaded, _ = SettingsStore(paths.settings_path()).load()
    assert loaded.serials == (FLEET[1].inverter_sn,)


def test_the_settings_check_button_runs_the_real_doctor(
    qtbot: Any, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    with CloudSimulator() as sim:
        dialog = _settings_dialog(qtbot, Settings(serials=DEMO_SERIALS[:1], api_url=sim.v1_url))
        dialog.inverters.setup_tools.check_button.click()
        window = dialog.inverters.setup_tools.doctor_window
        assert window is not None
        qtbot.waitUntil(lambda: bool(window.results), timeout=WAIT_MS)
        sent = len(sim.requests)
    statuses = {r.id: r.status for r in window.results}
    assert statuses["server"] is Status.OK
    assert statuses[f"serial-known:{DEMO_SERIALS[0]}"] is Status.OK
    assert sent == 1
    assert DEMO_TOKEN not in "\n".join(r.message + r.fix for r in window.results)


def test_the_buttons_are_off_in_the_demo(qtbot: Any) -> None:
    store = SettingsStore(paths.settings_path())
    dialog = SettingsDialog(
        Settings(),
        store=store,
        clock=SystemClock(),
        demo=True,
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    assert not dialog.inverters.setup_tools.check_button.isEnabled()
    assert not dialog.inverters.setup_tools.find_button.isEnabled()
