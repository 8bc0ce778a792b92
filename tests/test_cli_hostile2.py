"""The command line fed hostile flags, files and output streams, through the real entry point:
each ends in one sentence and a documented exit status, never a traceback, a hang or a silent stop,
and nothing stored is lost.

In-process (``cli.main``) where that is enough to see the defect, and as a ``python -m solaxtray``
process where the process itself matters (a closed or full stdout, the interpreter's last flush).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solaxtray import cli
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, default_history_path
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from tests.core.history.helpers import full_snap
from tests.hostile import token_id_edit

DAY = date(2026, 6, 10)
LATER = FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())
EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "60"))
UNEXPECTED = "unexpected error"


@pytest.fixture
def stored() -> Path:
    path = default_history_path()
    with HistoryStore.open(path, clock=LATER) as store:
        store.add(full_snap("SWHOSTILE1", f"{DAY} 12:00:00"))
    return path


def history(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["history", *args])
    out, err = capsys.readouterr()
    return status, out, err


def process(argv: list[str], home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``python -m solaxtray argv`` with the test's XDG folders (``isolated_dirs``)."""
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    options: dict[str, object] = {"capture_output": True, "text": True, "timeout": 60}
    options.update(kwargs)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "solaxtray", *argv],
        env=env,
        encoding="utf-8",
        check=False,
        **options,
    )


# --- history: the first and last days of the calendar ---------------------------------------------


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    "args",
    [
        ["--to", "9999-12-31"],
        ["--from", "0001-01-01", "--to", "9999-12-31"],
        ["--to", "0001-01-01"],
        ["--to", "0001-01-05"],
        ["--from", "0001-01-01", "--to", "0001-01-01"],
        ["--from", "9999-12-31", "--to", "9999-12-31"],
    ],
)
@pytest.mark.parametrize("view", [[], ["--daily"], ["--format", "csv"], ["--format", "json"]])
def test_the_calendars_edges_are_days_like_any_other(
    capsys: pytest.CaptureFixture[str], args: list[str], view: list[str]
) -> None:
    status, out, err = history(capsys, *args, *view)
    assert (status, err) == (0, "")
    wide = args[1] == "0001-01-01" and args[-1] == "9999-12-31"
    assert ("SWHOSTILE1" in out) == wide, out


def test_the_widest_range_as_a_process(stored: Path, isolated_dirs: Path) -> None:
    done = process(
        ["history", "--daily", "--from", "0001-01-01", "--to", "9999-12-31"], isolated_dirs
    )
    assert done.returncode == 0, done.stderr
    assert "SWHOSTILE1" in done.stdout
    assert done.stderr == ""


# --- history: fuzzing the day flags -------------------------------------------------------------

day_text = st.one_of(
    st.dates().map(date.isoformat),
    st.from_regex(r"\A[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}\Z"),
    st.text(max_size=20),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=st.one_of(st.none(), day_text), last=st.one_of(st.none(), day_text))
@pytest.mark.usefixtures("stored")
def test_any_day_flags_end_in_a_table_or_one_sentence(
    capsys: pytest.CaptureFixture[str], first: str | None, last: str | None
) -> None:
    args = ["--daily"]
    if first is not None:
        args += [f"--from={first}"]
    if last is not None:
        args += [f"--to={last}"]
    status, out, err = history(capsys, *args)
    assert status in (0, 2), err
    assert UNEXPECTED not in err
    if status == 2:
        assert out == ""
        assert err.count("\n") == 1, err


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    serials=st.lists(
        st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{1,70}\Z"), st.text(max_size=80)), max_size=5
    ),
    view=st.sampled_from([[], ["--daily"], ["--format", "csv"], ["--format", "json"]]),
)
@pytest.mark.usefixtures("stored")
def test_any_serial_flags_end_in_an_answer_or_one_sentence(
    capsys: pytest.CaptureFixture[str], serials: list[str], view: list[str]
) -> None:
    args = [f"--sn={sn}" for sn in serials]
    status, out, err = history(capsys, "--from", str(DAY), "--to", str(DAY), *args, *view)
    assert status in (0, 2), err
    assert UNEXPECTED not in err
    assert "Traceback" not in err
    if status == 2:
        assert out == ""


# --- history: a file that passes SQLite's checks but holds values this store never writes ------

HOSTILE_VALUES = [
    ("ac_power", "'abc'"),
    ("soc", "x'00ff'"),
    ("yield_today", "'12 kWh'"),
    ("powerdc1", "'x'"),
    ("fetched_at", "1e300"),
    ("resolution_s", "'x'"),
    ("inverter_status", "1e30"),
    ("inverter_type", "'Hybrid'"),
    ("offset_min", "1e300"),
    ("inverter_sn", "x'1b5b324a'"),
]


def _edit(path: Path, column: str, value: str, sn: str = "SWHOSTILE1") -> None:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        db.execute(f"UPDATE samples SET {column} = {value} WHERE sn = ?", (sn,))  # noqa: S608
        db.commit()
    finally:
        db.close()


@pytest.mark.parametrize(("column", "value"), HOSTILE_VALUES)
@pytest.mark.parametrize("view", [[], ["--daily"], ["--format", "csv"], ["--format", "json"]])
def test_an_odd_stored_value_reads_as_absent(
    capsys: pytest.CaptureFixture[str], stored: Path, column: str, value: str, view: list[str]
) -> None:
    _edit(stored, column, value)
    status, out, err = history(capsys, "--from", str(DAY), "--to", str(DAY), *view)
    assert (status, err) == (0, ""), err
    assert "SWHOSTILE1" in out
    if view == ["--format", "json"] and column not in ("fetched_at", "offset_min"):
        (row,) = json.loads(out)["rows"]
        json_name = {
            "ac_power": "acpower",
            "yield_today": "yieldtoday",
            "inverter_sn": "inverterSN",
        }
        name = json_name.get(column, column)
        if name in row:
            assert row[name] is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("upload_time", "'garbage'"),
        ("upload_time", "'2026-06-10T12:00:00+05:00'"),
        ("at_utc", "'2026'"),
        ("at_utc", "1e300"),
        ("sn", "x'00ff'"),
    ],
)
@pytest.mark.parametrize("view", [[], ["--daily"], ["--format", "json"]])
def test_a_row_that_cannot_be_placed_in_time_is_left_out(
    capsys: pytest.CaptureFixture[str], stored: Path, column: str, value: str, view: list[str]
) -> None:
    with HistoryStore.open(stored, clock=LATER) as store:
        store.add(full_snap("SWHOSTILE2", f"{DAY} 12:00:00"))
    _edit(stored, column, value)
    status, out, err = history(capsys, "--from", "2000-01-01", "--to", "2030-01-01", *view)
    assert (status, err) == (0, ""), err
    assert "SWHOSTILE2" in out
    assert "SWHOSTILE1" not in out


# --- output streams: full, closed ----------------------------------------------------------------


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert UNEXPECTED not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", [["history", "--format", "csv"], ["fetch", "--demo", "--json"]])
def test_a_full_disk_under_stdout_is_one_sentence(
    stored: Path, isolated_dirs: Path, argv: list[str]
) -> None:
    with open("/dev/full", "w") as full:
        done = process(
            argv, isolated_dirs, stdout=full, stderr=subprocess.PIPE, capture_output=False
        )
    assert done.returncode == 1, done.stderr
    _no_traceback(done.stderr)
    assert done.stderr.startswith("Output not written: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "No space left on device" in done.stderr


def test_a_closed_stdout_ends_quietly(stored: Path, isolated_dirs: Path) -> None:
    done = process(["history", "--format", "csv"], isolated_dirs, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_closed_stderr_keeps_the_exit_status(isolated_dirs: Path) -> None:
    done = process(
        ["fetch", "--demo", "--sn", "BAD"], isolated_dirs, preexec_fn=lambda: os.close(2)
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_under_stderr_keeps_the_exit_status(isolated_dirs: Path) -> None:
    with open("/dev/full", "w") as full:
        done = process(
            ["fetch", "--demo", "--sn", "BAD"],
            isolated_dirs,
            stdout=subprocess.PIPE,
            stderr=full,
            capture_output=False,
        )
    assert done.returncode == 2
    assert done.stdout == ""


# --- control characters from the cloud or a file never reach the terminal raw -------------------

HOSTILE_TEXT = "\x1b]0;pwned\x07\u202eEVIL\u009b31mRED\x1b[2J\r\u2028\U000e0041"
RAW = ("\x1b", "\x07", "\u202e", "\u009b", "\u2028", "\U000e0041")


def _no_raw_controls(text: str) -> None:
    for ch in RAW:
        assert ch not in text, repr(ch)
    assert "\r" not in text.replace("\r\n", "")


@pytest.mark.parametrize("view", [[], ["--format", "csv"], ["--format", "json"], ["--daily"]])
def test_stored_control_characters_are_escaped(
    stored: Path, isolated_dirs: Path, view: list[str]
) -> None:
    with HistoryStore.open(stored, clock=LATER) as store:
        store.add(full_snap("SW" + HOSTILE_TEXT, f"{DAY} 12:00:00", inverter_sn=HOSTILE_TEXT))
    done = process(["history", "--from", str(DAY), "--to", str(DAY), *view], isolated_dirs)
    assert done.returncode == 0, done.stderr
    _no_raw_controls(done.stdout)
    assert "\\u001b]0;pwned\\u0007\\u202eEVIL" in done.stdout
    if view == ["--format", "json"]:  # still valid JSON, saying the same
        rows = json.loads(done.stdout)["rows"]
        assert HOSTILE_TEXT in [row["inverterSN"] for row in rows]


def test_a_cloud_echoing_control_characters_cannot_drive_the_terminal(
    simulator: CloudSimulator, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sn = DEMO_SERIALS[0]
    simulator.edit_answers(token_id_edit(sn, inverterSN=HOSTILE_TEXT))
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    argv = ["fetch", "--api-url", simulator.v1_url, "--sn", sn]
    as_json = process([*argv, "--json"], isolated_dirs)
    table = process(argv, isolated_dirs)
    assert as_json.returncode == 0, as_json.stderr
    _no_raw_controls(as_json.stdout)
    (item,) = json.loads(as_json.stdout)["inverters"]
    assert item["inverterSN"] == HOSTILE_TEXT
    assert table.returncode == 0, table.stderr
    _no_raw_controls(table.stdout + table.stderr)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("plain ASCII, tab\there\n", "plain ASCII, tab\there\n"),
        ("a,b\r\n", "a,b\r\n"),
        ("1\u202f234\u00a0W – ok −5\n", "1\u202f234\u00a0W – ok −5\n"),
        ("Grüße, Zażółć, 東京\n", "Grüße, Zażółć, 東京\n"),
        ("\x1b[31m", "\\u001b[31m"),
        ("a\rb", "a\\u000db"),
        ("\u009b2J\u200f", "\\u009b2J\\u200f"),
        ("\U000e0041", "\\udb40\\udc41"),
    ],
)
def test_terminal_safe_escapes_controls_only(text: str, safe: str) -> None:
    from solaxtray.cli.output import terminal_safe

    assert terminal_safe(text) == safe
    # As JSON would write the escaped characters: decoding gives the text back.
    assert (
        json.loads('"' + safe.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"')
        == text
    )


# --- the log file ---------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
@pytest.mark.parametrize("argv", [["fetch", "--demo"], ["history"]])
def test_a_fifo_in_place_of_the_log_file_does_not_hang(
    isolated_dirs: Path, argv: list[str]
) -> None:
    from solaxtray.core import paths

    log = paths.log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(log)
    try:
        done = process(argv, isolated_dirs, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the command waited for a reader of the log FIFO")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Cannot write the log file" in done.stderr
    _no_traceback(done.stderr)
    assert Path(log).is_fifo()  # left where it is


# --- a large export is streamed -------------------------------------------------------------------


def _fill(path: Path, rows: int) -> None:
    from datetime import timedelta

    from solaxtray.core.models import Snapshot

    start = datetime(2026, 1, 1)
    with HistoryStore.open(path, clock=LATER) as store:
        store.add_many(
            Snapshot(
                sn=f"SWBIG{i % 3:05d}",
                fetched_at=(start + timedelta(minutes=5 * i)).replace(tzinfo=UTC),
                upload_time=start + timedelta(minutes=5 * i),
                utc_time=(start + timedelta(minutes=5 * i)).replace(tzinfo=UTC),
                ac_power=float(i),
                soc=50.0,
            )
            for i in range(rows)
        )


def test_iter_rows_is_rows_in_chunks() -> None:
    path = default_history_path()
    _fill(path, 25)
    with HistoryStore.open(path, clock=LATER) as store:
        whole = store.rows(None, first=date(2025, 1, 1), last=date(2027, 1, 1))
        for chunk in (1, 2, 7, 25, 100):
            chunked = list(
                store.iter_rows(None, first=date(2025, 1, 1), last=date(2027, 1, 1), chunk=chunk)
            )
            assert chunked == whole
        assert list(store.iter_rows([])) == []


ROWS = 20_000


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_large_export_is_not_held_in_memory(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """Memory, not time: the peak while exporting stays far below what the rows take when read
    all at once (tracemalloc counts allocations, the same on every machine)."""
    import io
    import tracemalloc

    from solaxtray.cli import history as history_command

    path = default_history_path()
    _fill(path, ROWS)
    wide = ["--from", "2025-01-01", "--to", "2027-01-01"]
    with HistoryStore.open(path, clock=LATER) as store:
        tracemalloc.start()
        rows = store.rows(None, first=date(2025, 1, 1), last=date(2027, 1, 1))
        all_at_once = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(rows) == ROWS
        del rows
    args = cli.build_parser().parse_args(["history", *wide, "--format", fmt])

    class Sink(io.TextIOBase):
        written = 0

        def write(self, text: str) -> int:
            Sink.written += len(text)
            return len(text)

    history_command.run(args, out=Sink())  # type: ignore[arg-type]  # imports, caches
    Sink.written = 0
    tracemalloc.start()
    history_command.run(args, out=Sink())  # type: ignore[arg-type]
    streamed = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert Sink.written > ROWS * 100
    assert streamed < all_at_once / 3, (streamed, all_at_once)


# --- --lang ---------------------------------------------------------------------------------------


def test_a_path_in_language_is_not_followed(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "../../../../etc/passwd:../x")
    monkeypatch.setenv("LC_ALL", "C")
    done = process(["history", "--from", "nonsense"], isolated_dirs)
    assert done.returncode == 2
    assert done.stderr.startswith("Usage: The date given to --from"), done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "schema",
    [
        "CREATE TABLE samples (x)",
        "CREATE TABLE samples (id INTEGER PRIMARY KEY, sn TEXT)",
        "CREATE VIEW samples AS SELECT 1 AS x",
    ],
)
def test_a_file_with_our_version_but_not_our_tables_is_set_aside(
    capsys: pytest.CaptureFixture[str], schema: str
) -> None:
    """Left in place, every query would fail for ever and history would quietly stop being
    recorded; set aside (kept, not deleted), a new database records again."""
    import sqlite3

    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(schema)
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    status, out, err = history(capsys, "--format", "json")
    assert status == 0, err
    assert json.loads(out) == {"rows": []}
    assert err.startswith("Warning: The history database was damaged (it is a database of some")
    kept = [p for p in path.parent.iterdir() if p.name.startswith("history.sqlite3.corrupt-")]
    assert len(kept) == 1
    with HistoryStore.open(path, clock=LATER) as store:
        assert store.warning is None
        assert store.add(full_snap("SWHOSTILE1", f"{DAY} 12:00:00"))


ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"


@pytest.mark.parametrize(
    "statements",
    [
        # A view with every column of ours, whose every read never ends.
        [
            "ALTER TABLE samples RENAME TO real_samples",
            f"CREATE VIEW samples AS SELECT * FROM real_samples WHERE ({ENDLESS}) > 0",  # noqa: S608
        ],
        # A trigger whose every write never ends.
        [
            "CREATE TRIGGER endless AFTER INSERT ON samples BEGIN "
            f"INSERT INTO meta SELECT 'k', ({ENDLESS}); END"
        ],
    ],
)
def test_a_view_or_trigger_planted_in_the_file_cannot_hang_a_command(
    stored: Path, isolated_dirs: Path, statements: list[str]
) -> None:
    import sqlite3

    db = sqlite3.connect(stored)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    try:
        done = process(["history", "--format", "json"], isolated_dirs, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("history ran the planted query")
    assert done.returncode == 0, done.stderr
    assert "was damaged (it is a database of some other program)" in done.stderr
    assert json.loads(done.stdout) == {"rows": []}
    kept = [p for p in stored.parent.iterdir() if p.name.startswith("history.sqlite3.corrupt-")]
    assert len(kept) == 1


# --- doctor ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_doctor_reports_an_unusable_ledger_as_a_check(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The doctor is where a broken set-up is explained: a ledger it cannot use is a failed
    check with its fix, not an exit before any check is shown; no request goes out meanwhile."""
    from solaxtray.core import paths

    ledger = paths.ledger_path("token")
    ledger.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(ledger)
    else:
        ledger.mkdir()
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    argv = ["doctor", "--json", "--sn", "ABCDE12345", "--api-url", "http://127.0.0.1:9"]
    done = process(argv, isolated_dirs)
    assert done.returncode == 1, done.stderr
    _no_traceback(done.stderr)
    checks = {check["id"]: check for check in json.loads(done.stdout)["checks"]}
    requests = checks["requests"]
    assert requests["status"] == "fail"
    assert "request ledger" in requests["message"]
    assert requests["fix"]
    assert "Request ledger unusable" not in done.stderr


def test_watch_with_a_closed_stdout_ends_instead_of_working_for_no_one(isolated_dirs: Path) -> None:
    try:
        done = process(
            ["watch", "--demo"], isolated_dirs, preexec_fn=lambda: os.close(1), timeout=30
        )
    except subprocess.TimeoutExpired:
        pytest.fail("watch went on with nobody to read it")
    assert done.returncode == 0, done.stderr
    _no_traceback(done.stderr)


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("view", [["--format", "json"], ["--format", "csv"], []])
def test_daily_sums_that_overflow_are_absent_not_infinity(
    capsys: pytest.CaptureFixture[str], stored: Path, view: list[str]
) -> None:
    """Two stored days of 1e308 kWh (finite each, as a cloud may send them) add up past a
    float's range: the fleet's figure is absent, and the JSON stays JSON."""
    with HistoryStore.open(stored, clock=LATER) as store:
        store.add(full_snap("SWHOSTILE2", f"{DAY} 12:00:00"))
    for column in ("yield_today", "feedin_energy", "consume_energy"):
        _edit(stored, column, "1.7e308", sn="SWHOSTILE1")
        _edit(stored, column, "1.7e308", sn="SWHOSTILE2")
    status, out, err = history(capsys, "--daily", "--from", str(DAY), "--to", str(DAY), *view)
    assert (status, err) == (0, "")
    assert "inf" not in out.lower()
    if view == ["--format", "json"]:
        days = _strict_json(out)["days"]  # type: ignore[index]
        fleet = next(d for d in days if d["sn"] == "all")
        assert fleet["yield_kwh"] is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_simulate_with_a_full_disk_under_stdout_does_not_blame_the_port(
    isolated_dirs: Path,
) -> None:
    with open("/dev/full", "w") as full:
        done = process(
            ["simulate"], isolated_dirs, stdout=full, stderr=subprocess.PIPE, capture_output=False
        )
    assert done.returncode == 1, done.stderr
    _no_traceback(done.stderr)
    assert done.stderr.startswith("Output not written: "), done.stderr
    assert "port" not in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("view", [[], ["--format", "json"], ["--format", "csv"], ["--daily"]])
def test_stored_text_that_is_not_utf8_reads_as_replacement_characters(
    capsys: pytest.CaptureFixture[str], stored: Path, view: list[str]
) -> None:
    _edit(stored, "inverter_sn", "CAST(x'41ff42' AS TEXT)")
    status, out, err = history(capsys, "--from", str(DAY), "--to", str(DAY), *view)
    assert (status, err) == (0, ""), err
    assert "SWHOSTILE1" in out
    if view == ["--format", "json"]:
        (row,) = json.loads(out)["rows"]
        assert row["inverterSN"] == "A\ufffdB"
