"""The wired application offscreen: demo mode polls the in-process simulator, the first run without a
token opens the settings in the "setup" state, keyring trouble is said in words, no tray leads to
the fallback window, and Quit stops everything."""

from __future__ import annotations

import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from solaxtray.core import paths
from solaxtray.core.api.backend import make_backend
from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.models import Snapshot
from solaxtray.core.presentation import AppCondition, TrayState
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import (
    DEMO_SERIALS,
    DEMO_STORY_PERIOD,
    DEMO_TOKEN,
    DEMO_UPLOAD_INTERVAL,
    CloudSimulator,
)
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.ui.app import (
    AppOptions,
    ErrorDialogHook,
    Launch,
    already_running_text,
    single_instance_name,
)
from solaxtray.ui.settings import SettingsDialog
from solaxtray.ui.single_instance import SingleInstance, instance_name
from solaxtray.ui.tray import STARTING_TOOLTIP
from solaxtray.ui.tray_app import TrayApp

pytestmark = pytest.mark.gui

WAIT_MS = 15_000


@pytest.fixture
def make_app(qtbot: Any) -> Any:
    apps: list[TrayApp] = []

    def build(options: AppOptions | None = None, **kwargs: Any) -> TrayApp:
        kwargs.setdefault("tray_available", lambda: False)
        app = TrayApp(options or AppOptions(tray_wait_s=60.0), **kwargs)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.shutdown()
        for window in (app.popup, app.settings_dialog, app.fallback):
            if window is not None:
                window.close()


def test_demo_mode_shows_live_data(qtbot: Any, make_app: Any) -> None:
    app = make_app(AppOptions(demo=True, tray_wait_s=60.0))
    app.start()
    qtbot.waitUntil(lambda: bool(app.model.snapshots), timeout=WAIT_MS)
    view = app.view
    assert view is not None
    assert view.power_w is not None
    assert set(app.model.serials) == set(DEMO_SERIALS)
    assert app.tray.icon_updates >= 1
    assert not app.tray.icon.icon().isNull()
    assert app.demo is not None
    sim = app.demo.simulator
    assert sim is not None
    demo_dir, address = app.demo.directory, (sim.host, sim.port)
    assert demo_dir.is_dir()
    app.shutdown()
    # The demo's cloud stops answering and its throwaway directory is gone.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2.0).close()
    assert not demo_dir.exists()


def test_the_demo_opens_details_on_a_day_of_history(qtbot: Any, make_app: Any) -> None:
    """The popup reads the app's history: in the demo, today's curve and the daily bars are
    there from the first opening, and its window fits the screen."""
    app = make_app(AppOptions(demo=True, tray_wait_s=60.0))
    app.start()
    qtbot.waitUntil(lambda: bool(app.model.snapshots), timeout=WAIT_MS)
    app.menu.open_details.emit()
    popup = app.popup
    assert popup is not None
    assert popup.isVisible()
    qtbot.waitUntil(popup.bars_ready, timeout=WAIT_MS)
    curve = popup.curve_chart.model
    assert curve is not None
    assert len(curve.xs) > 10
    bars = popup.bars_chart.model
    assert bars is not None
    assert not bars.empty
    assert popup.tile_text("autarky").endswith(" %")
    area = popup.screen().availableGeometry()
    assert popup.height() <= area.height()
    app.shutdown()


def test_first_run_without_token_is_setup_and_opens_settings(qtbot: Any, make_app: Any) -> None:
    app = make_app(token_loader=lambda: None)
    app.start()
    qtbot.waitUntil(lambda: app.settings_dialog is not None, timeout=WAIT_MS)
    assert isinstance(app.settings_dialog, SettingsDialog)
    assert app.settings_dialog.isVisible()
    assert app.view is not None
    assert app.view.state is TrayState.SETUP
    assert "Setup needed" in app.tray.icon.toolTip()
    assert app.poller is None


@pytest.mark.parametrize(
    ("error", "condition", "words"),
    [
        (SecretStoreLocked("Unlock it."), AppCondition.KEYRING_LOCKED, "Keyring locked"),
        (SecretStoreError("No keyring."), AppCondition.KEYRING_MISSING, "No keyring available"),
    ],
)
def test_keyring_trouble_is_said_in_the_tooltip(
    qtbot: Any, make_app: Any, error: Exception, condition: AppCondition, words: str
) -> None:
    def loader() -> str | None:
        raise error

    app = make_app(token_loader=loader)
    app.start()
    qtbot.waitUntil(lambda: app.model.condition is condition, timeout=WAIT_MS)
    assert words in app.tray.icon.toolTip()
    # As for a missing token, Settings open: the place to retry and read what to do.
    assert isinstance(app.settings_dialog, SettingsDialog)
    assert app.settings_dialog.isVisible()


def test_token_and_serials_poll_the_given_server(
    qtbot: Any, make_app: Any, simulator: CloudSimulator
) -> None:
    sn = DEMO_SERIALS[1]
    app = make_app(
        AppOptions(serials=[sn], api_url=simulator.v1_url, tray_wait_s=60.0),
        token_loader=lambda: DEMO_TOKEN,
    )
    app.start()
    qtbot.waitUntil(lambda: sn in app.model.snapshots, timeout=WAIT_MS)
    assert [r.sn for r in simulator.requests] == [sn]
    assert app.model.requests_today == 1  # counted in the shared ledger
    # The tooltip tells what was fetched: the view built from that snapshot, not the start-up text.
    view = app.view
    assert view is not None
    assert [(v.sn, v.snapshot) for v in view.inverters] == [(sn, app.model.snapshots[sn])]
    assert app.tray.icon.toolTip() == view.tooltip != STARTING_TOOLTIP


def test_an_impossible_token_in_the_environment_is_said_without_asking_the_cloud(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOLAXTRAY_TOKEN holding what cannot be a tokenId is unusable credentials, said with the
    variable's name (never its value), and the cloud is not asked: each refusal there counts
    towards an hour-long block."""
    monkeypatch.setenv("SOLAXTRAY_TOKEN", "not-a-token")
    app = make_app(
        AppOptions(serials=[DEMO_SERIALS[0]], api_url=simulator.v1_url, tray_wait_s=60.0)
    )
    app.start()
    qtbot.waitUntil(lambda: app.model.condition is AppCondition.ENV_TOKEN_UNUSABLE, timeout=WAIT_MS)
    tooltip = app.tray.icon.toolTip()
    assert "SOLAXTRAY_TOKEN" in tooltip
    assert "open Settings" not in tooltip  # the fix is in the environment, not the settings
    assert "not-a-token" not in tooltip
    qtbot.wait(300)
    assert not simulator.requests


def test_rejected_token_is_said_and_polling_stops(
    qtbot: Any, make_app: Any, simulator: CloudSimulator
) -> None:
    app = make_app(
        AppOptions(serials=[DEMO_SERIALS[0]], api_url=simulator.v1_url, tray_wait_s=60.0),
        token_loader=lambda: "7" * 24,
    )
    app.start()
    qtbot.waitUntil(
        lambda: app.model.condition is AppCondition.CREDENTIALS_REJECTED, timeout=WAIT_MS
    )
    assert "Token rejected" in app.tray.icon.toolTip()
    assert "7" * 24 not in app.tray.icon.toolTip()
    assert app.poller is not None
    assert app.poller.next_poll is None


def test_saved_settings_are_used_and_a_change_applies_at_once(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, isolated_dirs: Path
) -> None:
    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    store.save(Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url))
    app = make_app(settings_store=store, token_loader=lambda: DEMO_TOKEN)
    app.start()
    qtbot.waitUntil(lambda: DEMO_SERIALS[0] in app.model.snapshots, timeout=WAIT_MS)
    first_poller = app.poller
    _apply_settings(
        app, Settings(serials=(DEMO_SERIALS[2],), api_url=simulator.v1_url, low_soc_percent=30)
    )
    assert app.poller is first_poller  # re-planned in place, not rebuilt
    assert app.planner is not None
    assert app.planner.alerts.low_soc_percent == 30
    qtbot.waitUntil(lambda: DEMO_SERIALS[2] in app.model.snapshots, timeout=WAIT_MS)
    assert DEMO_SERIALS[0] not in app.model.snapshots


def test_no_tray_leads_to_the_fallback_window(qtbot: Any, make_app: Any) -> None:
    app = make_app(AppOptions(tray_wait_s=0.1), token_loader=lambda: None)
    app.start()
    qtbot.waitUntil(lambda: app.fallback is not None and app.fallback.isVisible(), timeout=WAIT_MS)
    assert app.fallback is not None
    assert "Setup needed" in app.fallback.status_label.text()
    app.fallback.buttons["Open details"].click()
    assert app.popup is not None
    assert app.popup.isVisible()


def test_pause_from_the_menu_reaches_the_notifier(qtbot: Any, make_app: Any) -> None:
    app = make_app(token_loader=lambda: None)
    app.menu.action("For 1 hour").trigger()
    assert app.notifier.paused
    assert app.menu.resume_action.isEnabled()
    app.menu.resume_action.trigger()
    assert not app.notifier.paused
    assert not app.menu.resume_action.isEnabled()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop desktop files")
def test_the_app_installs_its_icon_and_desktop_entry_but_the_demo_does_not(
    qtbot: Any, make_app: Any, isolated_dirs: Path
) -> None:
    share = isolated_dirs / "data"
    entry = share / "applications" / "solaxtray.desktop"
    icon = share / "icons" / "hicolor" / "48x48" / "apps" / "solaxtray.png"
    demo = make_app(AppOptions(demo=True, tray_wait_s=60.0))
    demo.start()
    qtbot.waitUntil(lambda: bool(demo.model.snapshots), timeout=WAIT_MS)
    assert not (share / "applications").exists()
    assert not (share / "icons").exists()

    app = make_app(token_loader=lambda: None)
    app.start()
    qtbot.waitUntil(lambda: entry.exists() and icon.exists(), timeout=WAIT_MS)
    assert "Icon=solaxtray\n" in entry.read_text(encoding="utf-8")


def test_a_click_on_a_notification_opens_the_details(qtbot: Any, make_app: Any) -> None:
    """Where the tray's own balloon carried the alert (no notification service): its click."""
    app = make_app(token_loader=lambda: None)
    assert app.popup is None or not app.popup.isVisible()
    app.tray.icon.messageClicked.emit()
    qtbot.waitUntil(lambda: app.popup is not None and app.popup.isVisible(), timeout=WAIT_MS)


def test_token_without_serials_opens_the_settings(qtbot: Any, make_app: Any) -> None:
    app = make_app(token_loader=lambda: DEMO_TOKEN)
    app.start()
    qtbot.waitUntil(lambda: app.settings_dialog is not None, timeout=WAIT_MS)
    assert app.model.condition is AppCondition.NO_SERIALS
    assert app.view is not None
    assert app.view.state is TrayState.SETUP
    assert "No inverter configured" in app.tray.icon.toolTip()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_one_dialog_and_the_app_runs_on(
    qtbot: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    hook = ErrorDialogHook(tmp_path / "log.txt")
    hook.install()
    after: list[int] = []
    try:

        def broken_slot() -> None:
            raise RuntimeError("slot bug")

        QTimer.singleShot(0, broken_slot)
        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: caplog.text.count("slot bug") >= 2, timeout=WAIT_MS)
        QTimer.singleShot(0, lambda: after.append(1))
        qtbot.waitUntil(lambda: bool(after), timeout=WAIT_MS)  # the event loop carries on
    finally:
        hook.uninstall()
    assert hook.dialog is not None
    qtbot.addWidget(hook.dialog)
    assert hook.dialog.isVisible()
    assert str(tmp_path / "log.txt") in hook.dialog.text()


# --- the Developer API -------------------------------------------------------------------------


def test_demo_on_the_developer_api_tells_the_same_story(qtbot: Any, make_app: Any) -> None:
    """The same fleet as the tokenId demo, under the inverters' own serials, asked together."""
    app = make_app(AppOptions(demo=True, backend="developer", tray_wait_s=60.0))
    app.start()
    qtbot.waitUntil(lambda: len(app.model.snapshots) == len(DEMO_SERIALS), timeout=WAIT_MS)
    assert app.model.serials == DEMO_DEVICE_SERIALS
    assert app.demo is not None
    sim = app.demo.simulator
    assert isinstance(sim, DeveloperSimulator)
    realtime = [r for r in sim.requests if r.endpoint == DEV_REALTIME_ENDPOINT]
    assert 0 < len(realtime) < len(DEMO_SERIALS)
    for registration_no, device_sn in zip(DEMO_SERIALS, DEMO_DEVICE_SERIALS, strict=True):
        snap = app.model.snapshots[device_sn]
        assert snap.inverter_sn == device_sn
        assert sim.device_serial(registration_no) == device_sn
    view = app.view
    assert view is not None
    assert view.power_w is not None
    assert app.tray.icon_updates >= 1


def test_developer_credentials_poll_and_the_ledger_counts_every_request(
    qtbot: Any, make_app: Any, isolated_dirs: Path
) -> None:
    with DeveloperSimulator.demo() as dev:
        store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
        store.save(
            Settings(
                backend="developer",
                serials=DEMO_DEVICE_SERIALS[:2],
                developer_host=dev.base_url,
            )
        )
        app = make_app(
            settings_store=store,
            token_loader=_never_asked_for_a_token,
            developer_loader=lambda: (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        )
        app.start()
        qtbot.waitUntil(lambda: len(app.model.snapshots) == 2, timeout=WAIT_MS)
        assert app.backend_kind == "developer"
        assert app.ledger is not None
        assert app.ledger.path == paths.ledger_path("developer")
        sent = len(list(dev.requests))
        qtbot.waitUntil(lambda: app.model.requests_today == sent, timeout=WAIT_MS)
        assert app.model.daily_quota <= 9_000
        assert DEMO_CLIENT_SECRET not in repr(app.credentials)


def test_developer_api_without_credentials_is_setup(qtbot: Any, make_app: Any) -> None:
    app = make_app(
        AppOptions(backend="developer", tray_wait_s=60.0),
        token_loader=_never_asked_for_a_token,
        developer_loader=lambda: ("only-an-id", None),
    )
    app.start()
    qtbot.waitUntil(lambda: app.settings_dialog is not None, timeout=WAIT_MS)
    assert app.view is not None
    assert app.view.state is TrayState.SETUP
    assert app.model.condition_detail is not None
    assert "client id and secret" in app.model.condition_detail
    # What the user reads (the tooltip) names the Developer API's secrets, not the tokenId.
    assert "client id and secret" in app.tray.icon.toolTip()
    assert "tokenId" not in app.tray.icon.toolTip()
    dialog = app.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    assert dialog.backend == "developer"


def test_switching_api_in_the_settings_reads_the_other_secrets(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, isolated_dirs: Path
) -> None:
    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    store.save(Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url))
    asked: list[str] = []

    def developer_loader() -> tuple[str | None, str | None]:
        asked.append("developer")
        return None, None

    app = make_app(
        settings_store=store, token_loader=lambda: DEMO_TOKEN, developer_loader=developer_loader
    )
    app.start()
    qtbot.waitUntil(lambda: DEMO_SERIALS[0] in app.model.snapshots, timeout=WAIT_MS)
    _apply_settings(app, Settings(backend="developer"))
    qtbot.waitUntil(lambda: asked == ["developer"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.model.condition is AppCondition.NO_CREDENTIALS, timeout=WAIT_MS)
    assert app.poller is None
    assert app.backend is None


def _never_asked_for_a_token() -> str | None:
    raise AssertionError("the tokenId must not be read for the Developer API")


def test_start_up_shows_the_icon_before_the_app_is_built_then_hands_it_over(
    qtbot: Any, qapp: Any, isolated_dirs: Path
) -> None:
    single = SingleInstance(instance_name(isolated_dirs / "data"))
    assert single.probe() is False
    launch = Launch(qapp, AppOptions(demo=True, tray_wait_s=60.0), single, claimed=False)
    try:
        launch.show_icon()
        assert launch.tray.icon.toolTip() == STARTING_TOOLTIP
        assert not launch.tray.icon.icon().isNull()
        launch.build()
        assert single.probe() is True  # claimed once the event loop ran
        app = launch.tray_app
        assert app is not None
        assert app.tray is launch.tray
        qtbot.waitUntil(lambda: bool(app.model.snapshots), timeout=WAIT_MS)
        assert launch.tray.icon.toolTip() != STARTING_TOOLTIP
    finally:
        launch.shutdown()
        single.release()


def test_a_launch_that_lost_the_race_gives_way(qtbot: Any, qapp: Any, isolated_dirs: Path) -> None:
    name = instance_name(isolated_dirs / "data")
    first = SingleInstance(name)
    second = SingleInstance(name)
    launch = Launch(qapp, AppOptions(demo=True, tray_wait_s=60.0), second, claimed=False)
    try:
        launch.show_icon()
        assert first.claim()  # another launch claimed the name in the meantime
        with qtbot.waitSignals([first.activated, launch.finished], timeout=WAIT_MS):
            launch.build()
        assert launch.stopped_as_duplicate
        assert launch.tray_app is None
        assert not launch.tray.visible
    finally:
        launch.shutdown()
        first.release()


def test_a_demo_beside_the_real_app_starts_on_its_own_and_leaves_the_real_app_alone(
    qtbot: Any, qapp: Any, isolated_dirs: Path
) -> None:
    real = SingleInstance(single_instance_name(AppOptions()))
    assert real.claim()  # the real app runs
    demo_options = AppOptions(demo=True, tray_wait_s=60.0)
    demo_single = SingleInstance(single_instance_name(demo_options))
    launch = Launch(qapp, demo_options, demo_single, claimed=False)
    second_demo = SingleInstance(single_instance_name(demo_options))
    try:
        assert demo_single.probe() is False
        with qtbot.assertNotEmitted(real.activated, wait=300):
            launch.show_icon()
            launch.build()
        assert not launch.stopped_as_duplicate
        assert launch.tray_app is not None
        # A second demo is the one that gives way, to the first demo.
        with qtbot.waitSignal(demo_single.activated, timeout=WAIT_MS):
            assert second_demo.claim() is False
        assert "demo" in already_running_text(demo_options)
        assert "demo" not in already_running_text(AppOptions())
    finally:
        launch.shutdown()
        second_demo.release()
        demo_single.release()
        real.release()


def test_the_demo_story_is_the_same_on_both_apis() -> None:
    """What the developer demo shows, step by step through the whole story (fault, recovery, EPS),
    is what the tokenId demo shows for the same inverters."""
    clock = FakeClock()
    with DeveloperSimulator.demo(clock=clock) as sim:
        token = make_backend("token", token=DEMO_TOKEN, api_url=sim.v2_url, clock=clock)
        developer = make_backend(
            "developer",
            api_url=sim.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            clock=clock,
        )
        statuses: set[object] = set()
        try:
            for _step in range(int(DEMO_STORY_PERIOD // DEMO_UPLOAD_INTERVAL)):
                by_token = token.fetch_many(DEMO_SERIALS)
                by_device = developer.fetch_many(DEMO_DEVICE_SERIALS)
                for sn, device_sn in zip(DEMO_SERIALS, DEMO_DEVICE_SERIALS, strict=True):
                    a, b = by_token[sn], by_device[device_sn]
                    assert isinstance(a, Snapshot), a
                    assert isinstance(b, Snapshot), b
                    assert b.inverter_status == a.inverter_status, (sn, clock.now())
                    assert b.ac_power == pytest.approx(a.ac_power, abs=1.0)
                    if a.has_battery:
                        assert b.soc == pytest.approx(a.soc, abs=1.0)
                    statuses.add(a.inverter_status)
                clock.advance(DEMO_UPLOAD_INTERVAL)
        finally:
            token.close()
            developer.close()
    # The story is all there: normal production, a fault, and an EPS episode.
    names = {getattr(s, "label", str(s)) for s in statuses}
    assert {"Normal Mode", "Fault Mode", "EPS Mode"} <= names, names


def test_adding_a_serial_keeps_what_was_learned_and_says_a_fault_once(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, isolated_dirs: Path
) -> None:
    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    faulty = DEMO_SERIALS[0]
    simulator.script_status(faulty, [(0.0, 103)])
    simulator.upload_now(faulty)
    store.save(Settings(serials=(faulty,), api_url=simulator.v1_url))
    app = make_app(settings_store=store, token_loader=lambda: DEMO_TOKEN)
    said: list[Any] = []
    notify_all = app.notifier.notify_all

    def record(alerts: list[Any]) -> None:
        said.extend(alerts)
        notify_all(alerts)

    app.notifier.notify_all = record
    app.start()
    qtbot.waitUntil(lambda: any(a.kind == "fault" for a in said), timeout=WAIT_MS)
    planner, ledger = app.planner, app.ledger
    added = DEMO_SERIALS[1]
    _apply_settings(app, replace(app.settings, serials=(faulty, added)))
    qtbot.waitUntil(lambda: added in app.model.snapshots, timeout=WAIT_MS)
    assert app.planner is planner
    assert app.ledger is ledger
    assert app.planner is not None
    assert set(app.planner.scheduler.serials) == {faulty, added}
    _apply_settings(app, replace(app.settings, api_url=simulator.v2_url))
    assert app.planner is not planner  # a new server is a new build, with the same alert rules
    assert app.planner is not None
    assert app.planner.alerts is planner.alerts
    qtbot.waitUntil(lambda: [r.sn for r in simulator.requests].count(faulty) >= 2, timeout=WAIT_MS)
    faults = [a for a in said if a.kind == "fault" and a.sn == faulty]
    assert len(faults) == 1


def test_a_token_the_client_cannot_use_is_a_token_problem(
    qtbot: Any, make_app: Any, simulator: CloudSimulator
) -> None:
    app = make_app(
        AppOptions(serials=[DEMO_SERIALS[0]], api_url=simulator.v1_url, tray_wait_s=60.0),
        token_loader=lambda: "1234 5678 9012 3456 7890",
    )
    app.start()
    qtbot.waitUntil(lambda: app.model.condition is not AppCondition.OK, timeout=WAIT_MS)
    assert app.model.condition is AppCondition.CREDENTIALS_REJECTED
    assert "spaces" in (app.model.condition_detail or "")
    assert app.settings_dialog is not None
    assert app.settings_dialog.isVisible()
    assert simulator.requests == ()


def test_demo_polls_at_the_demo_upload_interval_and_starts_as_starting(
    qtbot: Any, make_app: Any
) -> None:
    app = make_app(AppOptions(demo=True, tray_wait_s=60.0))
    tooltips: list[str] = []
    original = app.tray.icon.setToolTip

    def record(text: str) -> None:
        tooltips.append(text)
        original(text)

    app.tray.icon.setToolTip = record
    app.start()
    assert app.tray.icon.toolTip() == STARTING_TOOLTIP
    qtbot.waitUntil(lambda: bool(app.model.snapshots), timeout=WAIT_MS)
    assert app.planner is not None
    assert app.planner.scheduler.poll_interval_s == DEMO_UPLOAD_INTERVAL
    assert not any("No inverter configured" in t or "Setup needed" in t for t in tooltips)


def _apply_settings(app: TrayApp, settings: Settings) -> None:
    """What the settings window does after the user changed something: it emits ``applied``."""
    app.show_settings()
    dialog = app.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    dialog.applied.emit(settings)


def test_the_tray_polls_what_the_run_context_resolves_and_acts_on_what_changed(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, isolated_dirs: Path
) -> None:
    """The tray resolves its run as the command line does (``core.context.resolve``), and a
    settings change redoes only what the context says changed."""
    from solaxtray.core.context import Overrides, resolve

    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    saved = Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url)
    store.save(saved)
    app = make_app(settings_store=store, token_loader=lambda: DEMO_TOKEN)
    app.start()
    qtbot.waitUntil(lambda: DEMO_SERIALS[0] in app.model.snapshots, timeout=WAIT_MS)
    context = app.context
    assert context is not None
    cli = resolve(saved, Overrides())
    assert (context.spec, context.serials, context.server, context.budget, context.ledger_path) == (
        cli.spec,
        cli.serials,
        cli.server,
        cli.budget,
        cli.ledger_path,
    )
    backend, poller = app.backend, app.poller
    # A word of the alerts only: nothing of the run changed, nothing is rebuilt.
    _apply_settings(app, replace(app.settings, low_soc_percent=25))
    assert (app.backend, app.poller, app.context) == (backend, poller, context)
    # A serial list: the fleet follows, the backend and poller stay.
    _apply_settings(app, replace(app.settings, serials=(DEMO_SERIALS[0], DEMO_SERIALS[1])))
    assert app.backend is backend
    assert app.poller is poller
    assert app.context is not None
    assert app.context.serials == (DEMO_SERIALS[0], DEMO_SERIALS[1])
    # The server: a new backend and poller.
    _apply_settings(app, replace(app.settings, api_url=simulator.v2_url))
    assert app.backend is not backend
    assert app.poller is not poller
    assert app.context is not None
    assert app.context.credentials is not None
    assert app.context.credentials.token == DEMO_TOKEN


def test_a_server_refused_at_start_is_said_and_a_fixed_one_polls(
    qtbot: Any,
    make_app: Any,
    simulator: CloudSimulator,
    isolated_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_API_URL", "gopher://nowhere")
    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    store.save(Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url))
    app = make_app(settings_store=store, token_loader=lambda: DEMO_TOKEN)
    app.start()
    qtbot.waitUntil(lambda: app.model.condition is AppCondition.SERVER_TROUBLE, timeout=WAIT_MS)
    assert app.poller is None
    assert simulator.requests == ()
    monkeypatch.delenv("SOLAXTRAY_API_URL")
    _apply_settings(app, replace(app.settings, stale_minutes=app.settings.stale_minutes + 1))
    qtbot.waitUntil(lambda: DEMO_SERIALS[0] in app.model.snapshots, timeout=WAIT_MS)
    assert app.model.condition is AppCondition.OK


def test_a_server_refused_in_a_settings_change_is_said_and_undoing_it_polls_again(
    qtbot: Any, make_app: Any, simulator: CloudSimulator, isolated_dirs: Path
) -> None:
    store = SettingsStore(isolated_dirs / "config" / "solaxtray" / "settings.json")
    good = Settings(serials=(DEMO_SERIALS[0],), api_url=simulator.v1_url)
    store.save(good)
    app = make_app(settings_store=store, token_loader=lambda: DEMO_TOKEN)
    app.start()
    qtbot.waitUntil(lambda: DEMO_SERIALS[0] in app.model.snapshots, timeout=WAIT_MS)
    _apply_settings(app, replace(good, api_url="gopher://nowhere"))
    refused = (app.model.condition, app.poller)
    assert refused == (AppCondition.SERVER_TROUBLE, None)
    asked = len(simulator.requests)
    _apply_settings(app, good)
    qtbot.waitUntil(lambda: len(simulator.requests) > asked, timeout=WAIT_MS)
    assert (app.model.condition, app.poller is not None) == (AppCondition.OK, True)
