"""``solaxtray history``: formats, the daily view, filters, hostile flags, offline use."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from solaxtray import cli
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import (
    DAY_FIELDS,
    HistoryStore,
    daily_figures,
    default_history_path,
    export_days_csv,
    export_rows_csv,
    plant_today,
)
from tests.core.history.helpers import full_snap, snap
from tests.core.history.test_daily import DAY, SN, plain_day

LATER = FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())


@pytest.fixture
def stored() -> None:
    with HistoryStore.open(default_history_path(), clock=LATER) as store:
        store.add_many(plain_day())
        store.add(full_snap("SWOTHER001", f"{DAY} 12:00:00", inverter_sn="=HYPERLINK(1)"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["history", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.usefixtures("stored")
def test_daily_json_matches_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "--daily", "--format", "json", "--from", str(DAY), "--to", str(DAY)
    )
    assert (status, err) == (0, "")
    days = json.loads(out)["days"]
    assert [(d["date"], d["sn"]) for d in days] == [
        (str(DAY), SN),
        (str(DAY), "SWOTHER001"),
        (str(DAY), "all"),
    ]
    assert list(days[0]) == list(DAY_FIELDS)
    assert days[0] == {
        "date": "2026-06-10",
        "sn": SN,
        "yield_kwh": 24.0,
        "export_kwh": 6.0,
        "import_kwh": 6.0,
        "consumption_kwh": 24.0,
        "self_consumption_pct": 75.0,
        "autarky_pct": 75.0,
        "samples": 48,
        "partial": False,
    }


@pytest.mark.usefixtures("stored")
def test_csv_is_the_export_functions_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--format", "csv", "--from", str(DAY), "--to", str(DAY))
    with HistoryStore.open(default_history_path(), clock=LATER) as store:
        assert out == export_rows_csv(store, None, DAY, DAY)
        daily = export_days_csv(store, [SN], DAY, DAY)
        figures = daily_figures(store, [SN], DAY, DAY)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 49
    other = next(r for r in rows if r["sn"] == "SWOTHER001")
    assert other["inverterSN"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert other["inverterType"] == "105"
    assert other["inverterTypeName"] == "Type 105"
    assert other["powerdc3"] == ""
    status, out, _ = run(
        capsys, "--daily", "--format", "csv", "--sn", SN, "--from", str(DAY), "--to", str(DAY)
    )
    assert out == daily
    lines = list(csv.DictReader(io.StringIO(out)))
    assert [(r["sn"], r["yield_kwh"], r["partial"]) for r in lines] == [
        (SN, "24", "false"),
        ("all", "24", "false"),
    ]
    assert len(figures) == 2


@pytest.mark.usefixtures("stored")
def test_the_table_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--daily", "--from", str(DAY), "--to", str(DAY))
    assert status == 0
    header, first, *_ = out.splitlines()
    assert header.split()[:3] == ["Day", "Serial", "Yield"]
    assert first.split()[:3] == ["2026-06-10", SN, "24.00"]
    status, out, _ = run(capsys, "--sn", "SWOTHER001", "--from", str(DAY), "--to", str(DAY))
    assert "2026-06-10 12:00:00" in out
    status, out, _ = run(capsys, "--from", "2020-01-01", "--to", "2020-01-02")
    assert out == "No history is stored from 2020-01-01 to 2020-01-02.\n"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "2026-13-01"], "--from is not a calendar date"),
        (["--to", "yesterday"], "--to is not a calendar date"),
        (["--from", "2026-02-30"], "--from is not a calendar date"),
        (["--from", "99999-01-01"], "--from is not a calendar date"),
        (["--from", "2026-06-05", "--to", "2026-06-01"], "is after the last day"),
        (["--sn", "a;b"], "--sn may hold only"),
        (["--sn", "x" * 65], "--sn may hold only"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_hostile_flags_are_one_sentence_and_status_2(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == ""
    assert words in err
    assert "Traceback" not in err
    if args[0] != "--format":  # argparse prints its usage line first
        assert err.count("\n") == 1


def test_no_database_means_an_empty_answer_and_no_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--format", "json")
    assert (status, json.loads(out), err) == (0, {"rows": []}, "")
    assert not default_history_path().exists()


def test_an_unknown_serial_is_said_once(capsys: pytest.CaptureFixture[str]) -> None:
    with HistoryStore.open(default_history_path()) as store:
        store.add(snap(SN, "2026-06-10 12:00:00"))
    status, out, err = run(
        capsys,
        "--sn",
        "SWNOBODY01",
        "--format",
        "json",
        "--from",
        "2026-06-10",
        "--to",
        "2026-06-10",
    )
    assert (status, json.loads(out)) == (0, {"rows": []})
    assert err == "No history is stored for the serial number SWNOBODY01.\n"


def test_works_offline_without_credentials(stored: None, isolated_dirs: Path) -> None:
    """A fresh interpreter with no token, no keyring backend and no network route."""
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    env.pop("SOLAXTRAY_TOKEN", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "solaxtray",
            "history",
            "--daily",
            "--format",
            "json",
            "--from",
            str(DAY),
            "--to",
            str(DAY),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["days"][0]["yield_kwh"] == 24.0
    assert date.fromisoformat(json.loads(result.stdout)["days"][0]["date"]) == DAY


def test_the_demo_history_is_made_up_and_never_written(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--demo", "--daily", "--format", "json")
    assert (status, err) == (0, "")
    days = json.loads(out)["days"]
    fleet = [d for d in days if d["sn"] == "all"]
    assert len(fleet) == 7  # the default: a week up to today at the plant
    assert all(d["yield_kwh"] > 0 for d in fleet)
    assert not any(d["partial"] for d in fleet[:-1])
    assert not default_history_path().exists()


def test_without_to_the_last_day_is_today_at_the_plant(capsys: pytest.CaptureFixture[str]) -> None:
    """A plant 14 hours ahead of UTC is already in tomorrow: its day, not the machine's."""
    now = datetime.now(UTC)
    plant_now = now + timedelta(hours=14)
    with HistoryStore.open(default_history_path()) as store:
        store.add(snap(SN, plant_now.strftime("%Y-%m-%d %H:%M:%S"), offset_h=14.0, yield_today=1.0))
        assert plant_today(store) == plant_now.date()
        assert plant_today(HistoryStore.in_memory()) == datetime.now().date()
    status, out, _ = run(capsys, "--daily", "--format", "json")
    assert status == 0
    assert {d["date"] for d in json.loads(out)["days"]} == {plant_now.date().isoformat()}
