"""``python -m solaxtray history --monthly``, as a user runs it: the three formats, which months
``--from`` and ``--to`` pick (every month they touch, whole), the demo, no formula in a
spreadsheet, and usage errors. Offline: no token, no keyring, no network route."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import MONTH_FIELDS, HistoryStore, default_history_path
from tests.core.history.test_monthly import SN, hourly

OTHER = "-SWFORMULA1"
"""A serial as hostile as a cloud may send: a leading '-' runs as a formula in a spreadsheet."""


@pytest.fixture
def stored() -> None:
    clock = FakeClock(datetime(2026, 7, 10, tzinfo=UTC).timestamp())
    with HistoryStore.open(default_history_path(), clock=clock) as store:
        store.add_many(hourly(SN, date(2026, 4, 30), date(2026, 6, 30)), resolution_s=3600)
        store.add_many(hourly(OTHER, date(2026, 6, 1), date(2026, 6, 2)), resolution_s=3600)


def history(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    env.pop("SOLAXTRAY_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", "history", "--monthly", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.usefixtures("stored")
def test_json_has_one_line_per_month_and_serial_plus_the_fleet() -> None:
    result = history("--format", "json", "--from", "2026-05-01", "--to", "2026-06-30")
    assert (result.returncode, result.stderr) == (0, "")
    months = json.loads(result.stdout)["months"]
    assert [(m["month"], m["sn"]) for m in months] == [
        ("2026-05", SN),
        ("2026-05", "all"),
        ("2026-06", OTHER),
        ("2026-06", SN),
        ("2026-06", "all"),
    ]
    assert list(months[0]) == list(MONTH_FIELDS)
    may = months[0]
    assert may == {
        "month": "2026-05",
        "sn": SN,
        "yield_kwh": 248.0,
        "export_kwh": 62.0,
        "import_kwh": 116.25,
        "consumption_kwh": 302.25,
        "self_consumption_pct": 75.0,
        "autarky_pct": 61.5,
        "days": 31,
        "missing_days": 0,
        "samples": 744,
        "partial": False,
        "in_progress": False,
    }
    other = months[2]
    assert (other["days"], other["missing_days"], other["partial"]) == (2, 28, True)


@pytest.mark.usefixtures("stored")
def test_from_and_to_pick_every_month_they_touch_whole() -> None:
    """--from 15 May --to 3 June gives all of May and all of June, not a low half of each."""
    result = history("--format", "json", "--from", "2026-05-15", "--to", "2026-06-03", "--sn", SN)
    assert result.returncode == 0, result.stderr
    months = json.loads(result.stdout)["months"]
    assert [(m["month"], m["days"], m["yield_kwh"]) for m in months if m["sn"] == SN] == [
        ("2026-05", 31, 248.0),
        ("2026-06", 30, 240.0),
    ]


@pytest.mark.usefixtures("stored")
def test_csv_never_starts_a_cell_with_a_formula() -> None:
    result = history("--format", "csv", "--from", "2026-06-01", "--to", "2026-06-01")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(MONTH_FIELDS)
    assert [r["sn"] for r in rows] == [f"'{OTHER}", SN, "all"]
    assert rows[1]["yield_kwh"] == "240"
    assert rows[1]["partial"] == "false"


@pytest.mark.usefixtures("stored")
def test_the_table_is_readable() -> None:
    result = history("--from", "2026-04-01", "--to", "2026-06-30", "--sn", SN)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Month",
        "Serial",
        "Yield",
        "kWh",
        "Export",
        "kWh",
        "Import",
        "kWh",
        "Used",
        "kWh",
        "Self-use",
        "%",
        "Autarky",
        "%",
        "Days",
        "Complete",
    ]
    assert lines[1].startswith(f"Apr 2026  {SN}")
    assert lines[1].endswith("1  partial (29 days missing)")
    assert lines[3].startswith(f"May 2026  {SN}")
    assert lines[3].endswith("31  yes")
    assert lines[-1].startswith("Used: yield + import − export.")
    german = history("--from", "2026-05-01", "--to", "2026-05-31", "--sn", SN, "--lang", "de")
    assert german.returncode == 0, german.stderr
    assert german.stdout.splitlines()[1].split() == [
        "Mai",
        "2026",
        SN,
        "248,00",
        "62,00",
        "116,25",
        "302,25",
        "75,0",
        "61,5",
        "31",
        "ja",
    ]


def test_without_from_the_last_twelve_months_and_nothing_stored_is_said() -> None:
    result = history("--to", "2026-06-30")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "No history is stored from 2025-07-01 to 2026-06-30.\n"
    assert not default_history_path().exists()  # reading made no database


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--daily",), "either --daily or --monthly"),
        (("--from", "2026-06-01", "--to", "2026-05-01"), "is after the last day"),
        (("--from", "2026-02-30"), "is not a calendar date"),
    ],
)
def test_usage_errors_are_one_sentence_and_status_2(args: tuple[str, ...], words: str) -> None:
    result = history(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_demo_has_a_year_of_made_up_months() -> None:
    result = history("--demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    fleet = [m for m in json.loads(result.stdout)["months"] if m["sn"] == "all"]
    assert len(fleet) == 12
    assert fleet[-1]["in_progress"]
    whole = [m for m in fleet[1:-1] if not m["partial"]]
    assert len(whole) >= 9
    assert all(m["yield_kwh"] > 0 for m in fleet)
    assert not Path(default_history_path()).exists()  # the demo writes nothing of the user's
