"""The doctor's history check against real SQLite files: none yet, a sound one, garbage, a page
torn by a crash, another program's database, a folder or a FIFO in its place, a read-only file.
The user's file is never changed nor set aside by the check. Qt-free."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from solaxtray.core import i18n
from solaxtray.core.clock import FakeClock
from solaxtray.core.doctor import CheckResult, Status
from solaxtray.core.doctor.history_db import HISTORY_ID, check_history
from solaxtray.core.history import HistoryStore
from tests.core.history.helpers import full_snap

LATER = FakeClock(datetime(2026, 7, 1, tzinfo=UTC).timestamp())


@pytest.fixture(autouse=True)
def _english() -> None:
    i18n.configure(cli="en")


def _state(folder: Path) -> dict[str, str]:
    """Every file of the folder (a FIFO or folder by kind) and its content's digest."""
    state = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            state[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[path.name] = "not a file"
    return state


def _stored(path: Path, days: int) -> Path:
    with HistoryStore.open(path, clock=LATER) as store:
        for day in range(1, days + 1):
            for hour in (9, 12, 15):
                store.add(full_snap("SWHIST0001", f"2026-06-{day:02d} {hour:02d}:00:00"))
                store.add(full_snap("SWHIST0002", f"2026-06-{day:02d} {hour:02d}:00:00"))
    # Closed: the -wal is checkpointed into the file and removed with the -shm.
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [
        path.name
    ]
    return path


def test_no_history_yet_is_fine_and_nothing_is_created(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "history.sqlite3"
    result = check_history(path)
    assert result.id == HISTORY_ID
    assert result.status is Status.OK
    assert "No history is stored yet" in result.message
    assert list(path.parent.iterdir()) == []


def test_a_sound_history_says_how_many_days_it_holds(tmp_path: Path) -> None:
    path = _stored(tmp_path / "history.sqlite3", days=3)
    before = _state(tmp_path)
    result = check_history(path)
    assert result.status is Status.OK, result
    assert result.message == (
        f"The history database {path} is sound and writable (3 days of uploads)."
    )
    assert _state(tmp_path) == before


def test_the_day_count_uses_the_digit_grouping(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _stored(path, days=1)
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO samples (sn, upload_time, offset_min, at_utc, utc_known, fetched_at)"
            " VALUES ('SWHIST0001', ?, 0, ?, 1, 0)",
            [(f"{2000 + i // 365:04d}-{i % 365:03d}T12:00:00", float(i)) for i in range(1200)],
        )
    db.close()
    i18n.configure(cli="de")
    assert "1.201" in check_history(path).message


def test_garbage_is_damage_and_stays_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database at all\n" * 200)
    before = _state(tmp_path)
    result = check_history(path)
    assert result.status is Status.FAIL
    assert result.message.startswith(f"The history database {path} is damaged (")
    assert "solaxtray history" in result.fix
    assert _state(tmp_path) == before


def test_a_torn_page_fails_the_integrity_check_and_stays_where_it_is(tmp_path: Path) -> None:
    path = _stored(tmp_path / "history.sqlite3", days=20)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page + 100 : 3 * page] = b"\xff" * (page - 100)  # a page of the samples b-tree
    path.write_bytes(bytes(data))
    before = _state(tmp_path)
    result = check_history(path)
    assert result.status is Status.FAIL, result
    assert "is damaged" in result.message
    assert _state(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def test_another_programs_database_is_not_a_history(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    before = _state(tmp_path)
    result = check_history(path)
    assert result.status is Status.FAIL
    assert "it holds no solaxtray history" in result.message
    assert _state(tmp_path) == before


def test_a_folder_in_its_place_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.mkdir()
    result = check_history(path)
    assert result.status is Status.FAIL
    assert result.message == f"{path} is not a file, so no history can be stored there."
    assert path.is_dir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_in_its_place_is_refused_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    os.mkfifo(path)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(check_history(path)), daemon=True)
    worker.start()
    worker.join(10)
    assert done, "the check waited on a named pipe"
    (result,) = done
    assert isinstance(result, CheckResult)
    assert result.status is Status.FAIL


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root can write read-only files")
def test_a_read_only_history_fails_and_says_so(tmp_path: Path) -> None:
    path = _stored(tmp_path / "history.sqlite3", days=2)
    path.chmod(0o444)
    result = check_history(path)
    assert result.status is Status.FAIL
    assert "(2 days of uploads)" in result.message
    assert "the file is read-only" in result.message


def test_the_doctor_run_includes_the_history_check() -> None:
    """``doctor_setup`` points the check at the user's own history database."""
    from solaxtray.core.doctor.factory import doctor_setup
    from solaxtray.core.history import default_history_path
    from solaxtray.core.settings import Settings

    setup = doctor_setup(Settings(), "token", (), "")
    assert setup.history == default_history_path()


def test_a_history_in_use_is_checked_beside_its_writer(tmp_path: Path) -> None:
    """The tray app has it open (its -wal and -shm beside it, a write not yet checkpointed): the
    check reads what the writer committed and changes none of the three files."""
    path = _stored(tmp_path / "history.sqlite3", days=2)
    with HistoryStore.open(path, clock=LATER) as store:
        store.add(full_snap("SWHIST0001", "2026-06-05 12:00:00"))
        before = _state(tmp_path)
        assert "history.sqlite3-wal" in before
        result = check_history(path)
        assert _state(tmp_path) == before
    assert result.status is Status.OK, result
    assert "(3 days of uploads)" in result.message
