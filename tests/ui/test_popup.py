"""The popup's contents for recorded snapshots, its live updates, and where it opens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from solaxtray.core.api.tokenid.parsing import parse_realtime
from solaxtray.core.dashboard import (
    format_battery,
    format_grid,
    format_next_poll,
    format_next_try,
    format_quota,
)
from solaxtray.core.errors import SerialUnknown
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, TrayView, build_view
from solaxtray.ui.popup import PopupWindow, inverter_rows, place_near
from solaxtray.ui.popup.cards import InverterCard

pytestmark = pytest.mark.gui

DATA = Path(__file__).parent.parent / "data" / "realtime"
NOW = 1_780_000_000.0
FETCHED = datetime(2026, 6, 15, 13, 25, tzinfo=UTC)


def recorded(name: str, sn: str) -> Snapshot:
    return parse_realtime((DATA / name).read_bytes(), sn=sn, fetched_at=FETCHED)


def fleet_view(*inverters: InverterInput, **fields: Any) -> TrayView:
    return build_view(FleetInput(inverters=inverters, now=NOW, **fields))


@pytest.fixture
def popup(qtbot: QtBot) -> PopupWindow:
    window = PopupWindow(as_popup=False)
    qtbot.addWidget(window)
    return window


def test_hybrid_with_battery_from_a_recorded_answer(popup: PopupWindow) -> None:
    snap = recorded("v1_floats_hybrid.json", "SWABCDEFGH")
    view = fleet_view(
        InverterInput(
            sn="SWABCDEFGH",
            snapshot=snap,
            upload_age_s=125.0,
            next_poll_at=NOW + 40,
            status_since=NOW - 3600,
        ),
        requests_today=123,
    )
    popup.update_view(view)

    def f(key: str) -> str | None:
        return popup.field_text("SWABCDEFGH", key)

    status = f("status")
    assert status is not None
    assert status.startswith("Normal Mode · since ")
    assert status.endswith("(1 h)")
    assert f("type") is None  # the title names the type already
    assert f("ac") == "2.9 kW"
    assert f("pv") == "1.7 kW = 1.0 kW (MPPT1) + 640 W (MPPT2)"
    assert f("battery") == "Discharging 1.2 kW · 76 %"
    assert f("grid") == "Importing 412 W"
    assert f("eps") is None  # no EPS episode, null phases
    assert f("yield") == "14.3 kWh today · 8.12 MWh total"
    assert f("energy") == "fed in 3.12 MWh · consumed 5.01 MWh (lifetime)"
    assert f("upload") == "2026-06-15 15:23:04 plant time · 2 min ago"
    assert f("next_poll") == "in 40 s"
    assert f("problem") is None
    assert f("battery_status") is None
    assert popup.problem_text() is None
    assert popup.headline_text() == "Producing"
    assert popup.tile_text("pv") == "1.7 kW"
    assert popup.tile_text("battery") == "76 %"
    assert popup.tile_text("grid") == "412 W"
    assert popup.quota_text() == "Requests: 123 of 10,000 today (1 %)"
    assert popup.quota_text() in popup.diagnostics_text()
    assert not popup.diagnostics.is_open  # polling internals are not on the face
    assert popup.section_sns() == ["SWABCDEFGH"]
    assert popup.flow.values.battery == -1250.0
    assert popup.flow.values.grid == -412.0


def test_micro_inverter_hides_battery_and_grid_it_does_not_have(popup: PopupWindow) -> None:
    snap = recorded("micro_inverter_nulls.json", "SMICRO0001")
    popup.update_view(fleet_view(InverterInput(sn="SMICRO0001", snapshot=snap, upload_age_s=30)))
    assert popup.field_text("SMICRO0001", "type") is None
    card = popup.card("SMICRO0001")
    assert card is not None
    assert card.title.text() == "X1-Boost/Mini-G4 · SN SMICRO0001"
    assert popup.field_text("SMICRO0001", "battery") is None
    assert popup.field_text("SMICRO0001", "grid") == "not measured"
    assert popup.field_text("SMICRO0001", "energy") is None
    assert popup.field_text("SMICRO0001", "pv") == "330 W = 170 W (MPPT1) + 160 W (MPPT2)"


def test_eps_episode_shows_phases_and_battery_fault(popup: PopupWindow) -> None:
    snap = recorded("v1_string_numbers_eps.json", "SRSTUVWXYZ")
    popup.update_view(fleet_view(InverterInput(sn="SRSTUVWXYZ", snapshot=snap, upload_age_s=30)))
    assert popup.field_text("SRSTUVWXYZ", "status") == "EPS Mode"
    assert popup.field_text("SRSTUVWXYZ", "eps") == "R 0 W"
    assert popup.field_text("SRSTUVWXYZ", "battery_status") == "Fault"
    # A battery fault outranks EPS.
    assert popup.problem_text() is not None
    assert "Battery fault" in popup.problem_text()  # type: ignore[operator]


def test_unknown_codes_are_named_by_number(popup: PopupWindow) -> None:
    snap = recorded("unknown_type_status_extras.json", "SXKLMNOPQR")
    popup.update_view(fleet_view(InverterInput(sn="SXKLMNOPQR", snapshot=snap, upload_age_s=30)))
    card = popup.card("SXKLMNOPQR")
    assert card is not None
    assert card.title.text().startswith("Type 105 · ")
    assert popup.field_text("SXKLMNOPQR", "status") == "Status 131"
    assert popup.field_text("SXKLMNOPQR", "grid") == "Exporting 1.6 kW"
    assert popup.field_text("SXKLMNOPQR", "battery_status") == "Disconnected"
    # Fields beyond the document are never shown raw (one of them echoes a token).
    texts = [popup.field_text("SXKLMNOPQR", key) or "" for key in ("upload", "problem", "type")]
    assert not any("2020112412345" in t for t in texts)


def make_snapshot(sn: str, watts: float, status: int = 102) -> Snapshot:
    return Snapshot(
        sn=sn,
        fetched_at=FETCHED,
        ac_power=watts,
        pv_power=(watts, None, None, None),
        inverter_status=InverterStatus(status),
        inverter_type=InverterType.X1_SMART,
        upload_time=datetime(2026, 6, 15, 15, 0, 0),
    )


def test_live_update_changes_texts_without_rebuilding(popup: PopupWindow) -> None:
    first = fleet_view(
        InverterInput("SNA0000001", make_snapshot("SNA0000001", 850.0), upload_age_s=60.0)
    )
    popup.update_view(first)
    box = popup.findChild(InverterCard, "inverter-SNA0000001")
    assert box is not None
    assert popup.field_text("SNA0000001", "ac") == "850 W"
    second = fleet_view(
        InverterInput("SNA0000001", make_snapshot("SNA0000001", 3100.0, 103), upload_age_s=60.0)
    )
    popup.update_view(second)
    assert popup.field_text("SNA0000001", "ac") == "3.1 kW"
    assert popup.field_text("SNA0000001", "status") == "Fault Mode"
    # One inverter: its problem is the popup's own problem line, not repeated in the section.
    assert popup.field_text("SNA0000001", "problem") is None
    problem = popup.problem_text()
    assert problem is not None
    assert problem.startswith("Fault Mode")
    assert popup.findChild(InverterCard, "inverter-SNA0000001") is box
    assert popup.headline_text().startswith("Fault")


def test_badge_is_the_tray_icon_and_follows_the_state(popup: PopupWindow) -> None:
    popup.update_view(
        fleet_view(InverterInput("SNA0000001", make_snapshot("SNA0000001", 850.0), upload_age_s=60))
    )
    producing = popup.badge_image()
    assert not producing.isNull()
    centre = producing.pixelColor(producing.width() // 2, producing.height() - 3)
    assert centre.green() > centre.red()  # the green plate
    popup.update_view(
        fleet_view(
            InverterInput("SNA0000001", make_snapshot("SNA0000001", 0.0, 103), upload_age_s=60)
        )
    )
    fault = popup.badge_image()
    edge = fault.pixelColor(fault.width() // 2, fault.height() - 3)
    assert edge.red() > 150
    assert edge.green() < 90


def test_sections_follow_the_serials(popup: PopupWindow) -> None:
    err = SerialUnknown("This serial is not bound to the token.", sn="SNB0000002")
    view = fleet_view(
        InverterInput("SNA0000001", make_snapshot("SNA0000001", 850.0), upload_age_s=60.0),
        InverterInput("SNB0000002", None, error=err),
    )
    popup.update_view(view)
    assert popup.section_sns() == ["SNA0000001", "SNB0000002"]
    assert popup.field_text("SNB0000002", "status") == "No data yet"
    assert popup.field_text("SNB0000002", "ac") is None
    problem = popup.field_text("SNB0000002", "problem")
    assert problem is not None
    assert "registration number printed on the dongle" in problem
    box = popup.findChild(InverterCard, "inverter-SNA0000001")
    assert box is not None
    host = box.parentWidget()
    assert host is not None
    layout = host.layout()
    assert layout is not None
    items_before = layout.count()
    popup.update_view(fleet_view(InverterInput("SNB0000002", None, error=err)))
    assert popup.section_sns() == ["SNB0000002"]
    # One box fewer, and no stretch left behind by the rebuild.
    assert layout.count() == items_before - 1
    visible = [b for b in popup.findChildren(InverterCard) if not b.isHidden()]
    assert [b.objectName() for b in visible] == ["inverter-SNB0000002"]


def test_buttons_emit_signals(popup: PopupWindow, qtbot: QtBot) -> None:
    refresh = popup.findChild(QPushButton, "refresh")
    settings = popup.findChild(QPushButton, "settings")
    assert refresh is not None
    assert settings is not None
    with qtbot.waitSignal(popup.refresh_requested, timeout=1000):
        refresh.click()
    with qtbot.waitSignal(popup.settings_requested, timeout=1000):
        settings.click()


def test_popup_mode_is_frameless_and_escape_hides(qtbot: QtBot) -> None:
    window = PopupWindow(as_popup=True)
    qtbot.addWidget(window)
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    window.show_near(QRect(1000, 740, 22, 22))
    assert window.isVisible()
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    window.set_popup_mode(False)
    assert not window.windowFlags() & Qt.WindowType.FramelessWindowHint


SCREEN = QRect(0, 0, 1920, 1080)
SIZE = QSize(380, 560)


def inside(point: QPoint, size: QSize, area: QRect) -> bool:
    return area.contains(QRect(point, size))


@pytest.mark.parametrize(
    ("anchor", "available", "check"),
    [
        # Bottom panel, tray at the right: above the icon, right-aligned with it.
        (
            QRect(1880, 1050, 24, 24),
            QRect(0, 0, 1920, 1044),
            lambda p: p.y() + SIZE.height() <= 1044 and p.x() + SIZE.width() <= 1920,
        ),
        # Top panel: below the icon.
        (QRect(1700, 0, 24, 24), QRect(0, 28, 1920, 1052), lambda p: p.y() >= 28),
        # Icon at the far left of a top panel: stays on screen, starts at the icon.
        (QRect(2, 2, 22, 22), QRect(0, 28, 1920, 1052), lambda p: p.x() <= 10),
        # No geometry known: bottom-right corner.
        (QRect(), SCREEN, lambda p: p.x() > 1400 and p.y() > 400),
    ],
)
def test_place_near_stays_on_screen(anchor: QRect, available: QRect, check: Any) -> None:
    point = place_near(SIZE, anchor, available)
    assert inside(point, SIZE, available)
    assert check(point)


def test_place_near_prefers_the_side_of_the_panel() -> None:
    below = place_near(SIZE, QRect(1700, 0, 24, 24), QRect(0, 28, 1920, 1052))
    above = place_near(SIZE, QRect(1700, 1056, 24, 24), QRect(0, 0, 1920, 1052))
    assert below.y() >= 24
    assert above.y() + SIZE.height() <= 1056


def test_rows_are_pure_text(qapp: Any) -> None:
    view = fleet_view(
        InverterInput("SNA0000001", make_snapshot("SNA0000001", 850.0), upload_age_s=600.0)
    )
    rows = inverter_rows(view.inverters[0], NOW)
    assert rows["ac"] == "850 W"
    assert rows["upload"] == "2026-06-15 15:00:00 plant time · 10 min ago"
    assert rows["next_poll"] == "none scheduled"


@pytest.mark.parametrize(
    ("bat_power", "soc", "text"),
    [
        (1200.0, 67.0, "Charging 1.2 kW · 67 %"),
        (-450.0, 40.0, "Discharging 450 W · 40 %"),
        (0.4, 100.0, "Idle · 100 %"),
        (None, 55.0, "55 %"),
        (None, None, "—"),
    ],
)
def test_battery_wording_follows_the_sign(
    bat_power: float | None, soc: float | None, text: str
) -> None:
    assert format_battery(bat_power, soc) == text


@pytest.mark.parametrize(
    ("feedin", "text"),
    [(2100.0, "Exporting 2.1 kW"), (-350.0, "Importing 350 W"), (0.0, "Balanced"), (None, "—")],
)
def test_grid_wording_follows_the_sign(feedin: float | None, text: str) -> None:
    assert format_grid(feedin) == text


def test_next_poll_and_quota_wording() -> None:
    assert format_next_poll(None, NOW) == "none scheduled"
    assert format_next_poll(NOW - 5, NOW) == "now"
    assert format_next_poll(NOW + 300, NOW) == "in 5 min"
    assert format_quota(None, 10_000) == "—"
    assert format_quota(9000, 9000) == "9,000 of 9,000 today (100 %)"
    assert format_quota(3, 0) == "3 of 0 today (0 %)"


def test_position_near_uses_the_screen_the_icon_is_on(qtbot: QtBot) -> None:
    window = PopupWindow(as_popup=True)
    qtbot.addWidget(window)
    screen = window.screen()
    assert screen is not None
    area = screen.availableGeometry()
    icon = QRect(area.right() - 30, area.bottom() - 24, 22, 22)
    point = window.position_near(icon)
    assert window.pos() == point
    assert area.contains(window.geometry())
    assert point.y() + window.height() <= icon.top()  # above an icon at the bottom


def test_popup_with_many_inverters_fits_the_screen(qtbot: QtBot) -> None:
    window = PopupWindow(as_popup=True)
    qtbot.addWidget(window)
    sns = [f"SNQ000000{i}" for i in range(6)]
    view = fleet_view(
        *(InverterInput(sn, make_snapshot(sn, 1200.0), upload_age_s=60.0) for sn in sns)
    )
    window.update_view(view)
    screen = window.screen()
    assert screen is not None
    available = screen.availableGeometry()
    assert window.content_size().height() > available.height()  # more than fits
    window.show_near(QRect(available.right() - 30, available.top(), 22, 22))
    # The buttons at the bottom stay reachable: the dashboard scrolls instead.
    assert available.contains(window.geometry())
    settings = window.findChild(QPushButton, "settings")
    assert settings is not None
    corner = settings.mapTo(window, settings.rect().bottomRight())
    assert window.rect().contains(corner)


def test_first_run_popup_has_no_dash_and_no_empty_list(popup: PopupWindow) -> None:
    view = build_view(FleetInput(inverters=(), now=NOW))
    popup.update_view(view)
    assert popup.headline_text() == "Setup needed"
    assert popup.section_sns() == []
    assert popup.tile_text("pv") == "—"
    popup.update_view(fleet_view(InverterInput("SNA0000001", make_snapshot("SNA0000001", 850.0))))
    assert popup.headline_text() == "Producing"
    assert popup.tile_text("pv") == "850 W"


def test_yield_of_an_upload_from_an_earlier_day_is_not_called_today(qapp: Any) -> None:
    snap = Snapshot(
        sn="SNA0000001",
        fetched_at=FETCHED,
        ac_power=0.0,
        yield_today=29.4,
        yield_total=4350.0,
        upload_time=datetime(2026, 11, 23, 23, 0, 5),
    )
    view = fleet_view(InverterInput("SNA0000001", snap, upload_age_s=6.5 * 3600))
    rows = inverter_rows(view.inverters[0], NOW)
    assert rows["yield"] == "29.4 kWh on 23 Nov · 4.35 MWh total"
    same_day = fleet_view(InverterInput("SNA0000001", snap, upload_age_s=600.0))
    assert inverter_rows(same_day.inverters[0], NOW)["yield"] == "29.4 kWh today · 4.35 MWh total"


def test_relative_times_move_on_only_while_the_window_is_visible(qtbot: QtBot) -> None:
    ticks = [100.0]
    window = PopupWindow(as_popup=False, monotonic=lambda: ticks[0])
    qtbot.addWidget(window)
    snap = recorded("v1_floats_hybrid.json", "SWABCDEFGH")
    window.update_view(
        fleet_view(
            InverterInput(
                sn="SWABCDEFGH", snapshot=snap, upload_age_s=125.0, next_poll_at=NOW + 200
            )
        )
    )
    assert not window.ages_ticking()  # hidden: nothing ticks
    window.show()
    qtbot.waitExposed(window)
    assert window.ages_ticking()

    ticks[0] += 180.0  # three minutes on, no new view (the next poll is still to come)
    window.refresh_ages()
    upload = window.field_text("SWABCDEFGH", "upload")
    assert upload is not None
    assert upload.endswith("· 5 min ago")
    assert window.field_text("SWABCDEFGH", "next_poll") == "in 20 s"

    window.hide()
    assert not window.ages_ticking()
    # A new view starts counting afresh from its own ages.
    window.update_view(fleet_view(InverterInput(sn="SWABCDEFGH", snapshot=snap, upload_age_s=30.0)))
    window.refresh_ages()
    assert window.field_text("SWABCDEFGH", "upload") == "2026-06-15 15:23:04 plant time · 30 s ago"


def test_a_pause_shows_when_the_next_try_is(qapp: Any) -> None:
    retry_at = NOW + 1800.0
    view = fleet_view(
        InverterInput(sn="SWABCDEFGH", next_poll_at=retry_at, retrying=True),
    )
    rows = inverter_rows(view.inverters[0], view.now)
    clock = datetime.fromtimestamp(retry_at).strftime("%H:%M")
    assert rows["next_poll"] == f"next try at {clock}"
    assert format_next_try(NOW, NOW) == "now"
    assert format_next_try(None, NOW) == "none scheduled"
