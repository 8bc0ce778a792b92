"""The detail window shows the alert rules' notes of an inverter (fault reason, EPS figures, weak
string) in its "Details" row, and hides the row when there are none."""

from __future__ import annotations

from datetime import UTC, datetime

from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.presentation import FleetInput, InverterInput, build_view
from solaxtray.ui.popup import inverter_rows

NOW = 1_780_000_000.0


def _snap() -> Snapshot:
    return Snapshot(
        sn="SWTEST0001",
        fetched_at=datetime.fromtimestamp(NOW, tz=UTC),
        inverter_status=InverterStatus.EPS,
        soc=50.0,
    )


def test_the_notes_row_holds_each_sentence_on_its_own_line() -> None:
    notes = ("EPS mode since 10:00 (10 min).", "About 50 min left at this rate.")
    view = build_view(
        FleetInput(inverters=[InverterInput("SWTEST0001", _snap(), notes=notes)], now=NOW)
    )
    rows = inverter_rows(view.inverters[0], NOW)
    assert rows["notes"] == "EPS mode since 10:00 (10 min).\nAbout 50 min left at this rate."


def test_no_notes_no_row() -> None:
    view = build_view(FleetInput(inverters=[InverterInput("SWTEST0001", _snap())], now=NOW))
    assert inverter_rows(view.inverters[0], NOW)["notes"] is None
