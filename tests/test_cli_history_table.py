"""The readable ``history`` tables line up as the user sees them: a serial stored with control
characters prints with ``\\uXXXX`` escapes, and its columns still line up with the others."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

import pytest

from solaxtray import cli
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, default_history_path
from tests.core.history.helpers import full_snap

DAY = date(2026, 6, 10)
LATER = FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())
ODD = {"controls": ("SW\x1b\x07ODD", "SW\\u001b\\u0007ODD"), "wide": ("SW太陽ODD", "SW太陽ODD")}
"""A stored serial and how it prints: ``\\u001b`` takes six columns for one character, a CJK
character two."""


def _ends(line: str) -> list[int]:
    """The terminal column where each cell ends (a CJK character takes two columns)."""

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) == "W" else 1 for c in text)

    return [columns(line[: m.end()]) for m in re.finditer(r"\S+", line)]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize(("view", "right"), [([], slice(3, 9)), (["--daily"], slice(2, 9))])
def test_columns_line_up_on_the_printed_width(
    capsys: pytest.CaptureFixture[str], view: list[str], right: slice, odd: str
) -> None:
    stored, printed = ODD[odd]
    with HistoryStore.open(default_history_path(), clock=LATER) as store:
        store.add(full_snap("SWPLAIN001", f"{DAY} 12:00:00"))
        store.add(full_snap(stored, f"{DAY} 12:00:00"))
    status = cli.main(["--lang", "en", "history", "--from", str(DAY), "--to", str(DAY), *view])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    rows = [line for line in out.splitlines() if "SWPLAIN001" in line or "ODD" in line]
    assert len(rows) == 2, out
    assert printed in out
    plain, odd_row = sorted(rows, key=lambda line: "ODD" in line)
    # The right-aligned figures end in the same column in both rows.
    assert _ends(plain)[right] == _ends(odd_row)[right]
