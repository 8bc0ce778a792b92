"""The detail window shows the alert rules' notes of an inverter (fault reason, EPS figures, weak
string) on the inverter's card and in its "Details", and nothing when there are none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from solaxtray.core.dashboard import inverter_card, inverter_rows
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, build_view
from solaxtray.ui.popup import PopupWindow

NOW = 1_780_000_000.0
SN = "SWTEST0001"
NOTES = ("EPS mode since 10:00 (10 min).", "About 50 min left at this rate.")


def _snap() -> Snapshot:
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(NOW, tz=UTC),
        inverter_status=InverterStatus.EPS,
        soc=50.0,
    )


def test_the_card_carries_each_note_and_the_details_row_holds_them_line_by_line() -> None:
    view = build_view(FleetInput(inverters=[InverterInput(SN, _snap(), notes=NOTES)], now=NOW))
    assert inverter_card(view.inverters[0], NOW).notes == NOTES
    assert inverter_rows(view.inverters[0], NOW)["notes"] == "\n".join(NOTES)


def test_no_notes_no_row() -> None:
    view = build_view(FleetInput(inverters=[InverterInput(SN, _snap())], now=NOW))
    assert inverter_card(view.inverters[0], NOW).notes == ()
    assert inverter_rows(view.inverters[0], NOW)["notes"] is None


@pytest.mark.gui
def test_the_popup_shows_the_notes_on_the_card_face(qtbot: QtBot) -> None:
    window = PopupWindow(as_popup=False)
    qtbot.addWidget(window)
    window.update_view(
        build_view(FleetInput(inverters=[InverterInput(SN, _snap(), notes=NOTES)], now=NOW))
    )
    window.show()
    qtbot.waitExposed(window)
    label = window.findChild(QLabel, f"{SN}.card-notes")
    assert label is not None
    assert label.isVisible()
    assert label.text() == "\n".join(NOTES)
    window.update_view(build_view(FleetInput(inverters=[InverterInput(SN, _snap())], now=NOW)))
    assert not label.isVisible()
