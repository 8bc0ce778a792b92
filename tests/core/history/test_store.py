"""The history store on real SQLite files: one row per upload, schema, damage, concurrency."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryError, HistoryStore, default_history_path
from solaxtray.core.history.store import SCHEMA_VERSION
from solaxtray.core.snapshot_json import snapshot_to_json
from tests.core.history.helpers import full_snap, snap


def test_default_path_is_in_the_data_dir(isolated_dirs: Path) -> None:
    assert default_history_path() == isolated_dirs / "data" / "solaxtray" / "history.sqlite3"


def test_a_snapshot_comes_back_with_every_fetch_json_field(tmp_path: Path) -> None:
    original = full_snap("SWAAAAAAA1", "2026-06-01 12:05:03")
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        assert store.add(original) is True
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        (back,) = store.snapshots(
            None, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 2, tzinfo=UTC)
        )
    assert snapshot_to_json(back) == snapshot_to_json(original)


def test_a_repeated_upload_is_one_row(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        first = snap("SWAAAAAAA1", "2026-06-01 12:05:00", ac_power=1.0)
        again = snap("SWAAAAAAA1", "2026-06-01 12:05:00", ac_power=1.0, fetched_late_s=200)
        other_sn = snap("SWAAAAAAA2", "2026-06-01 12:05:00")
        assert store.add(first) is True
        assert store.add(again) is False
        assert store.add_many([again, other_sn, first]) == 1
        assert store.count() == 2
        assert store.serials() == ["SWAAAAAAA1", "SWAAAAAAA2"]


def test_without_utc_a_late_repeat_of_an_offline_dongle_is_one_row(tmp_path: Path) -> None:
    """An offline dongle's last upload keeps coming, fetched hours later: still one row."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        assert store.add(snap("SWAAAAAAA1", "2026-06-01 18:00:00", utc_known=False))
        for late in (600, 3600, 5 * 3600):
            assert not store.add(
                snap("SWAAAAAAA1", "2026-06-01 18:00:00", utc_known=False, fetched_late_s=late)
            )
        assert store.count() == 1


def test_the_repeated_autumn_hour_keeps_both_uploads(tmp_path: Path) -> None:
    """02:30 summer time and 02:30 winter time share a wall-clock time, an hour apart."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        assert store.add(snap("SWAAAAAAA1", "2026-10-25 02:30:00", offset_h=2.0))
        assert store.add(snap("SWAAAAAAA1", "2026-10-25 02:30:00", offset_h=1.0))
        assert store.count() == 2


def test_a_snapshot_without_upload_time_is_not_stored(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        s = snap("SWAAAAAAA1", "2026-06-01 12:00:00")
        assert store.add(s.__class__(sn=s.sn, fetched_at=s.fetched_at)) is False
        assert store.count() == 0


def test_the_file_is_wal_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_a_newer_schema_is_left_alone_and_history_kept_in_memory(tmp_path: Path) -> None:
    """A newer solaxtray may still be running on it: neither misread nor renamed."""
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as store:
        store.add(snap("SWAAAAAAA1", "2026-06-01 12:00:00"))
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with HistoryStore.open(path) as store:
        assert store.warning is not None
        assert "newer version of solaxtray" in store.warning
        assert "kept in memory only" in store.warning
        assert store.path is None
        assert store.count() == 0
    assert not list(tmp_path.glob("h.sqlite3.corrupt-*"))
    assert path.exists()


def test_an_exclusively_locked_database_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("solaxtray.core.history.store.BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with HistoryStore.open(path) as store:
            assert store.warning is not None
            assert "locked" in store.warning
            assert store.path is None
            assert store.add(snap("SWAAAAAAA1", "2026-06-01 12:00:00"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not list(tmp_path.glob("h.sqlite3.corrupt-*"))


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\x00" * 300)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "inside").write_text("x")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (name TEXT)")
    db.commit()
    db.close()


def _truncated(path: Path) -> None:
    with HistoryStore.open(path) as store:
        for minute in range(0, 60, 5):
            store.add(snap("SWAAAAAAA1", f"2026-06-01 12:{minute:02d}:00"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\xff" * 100)


@pytest.mark.parametrize("damage", [_garbage, _folder, _fifo, _foreign, _truncated])
def test_a_damaged_database_is_set_aside_with_a_sentence(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    if damage is _fifo and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on Windows")
    path = tmp_path / "h.sqlite3"
    damage(path)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        store = HistoryStore.open(path)
    with store:
        assert store.warning is not None
        assert store.warning.startswith("The history database was damaged (")
        assert "moved to" in store.warning
        assert "\n" not in store.warning
        assert "Traceback" not in store.warning
        assert store.add(snap("SWAAAAAAA1", "2026-06-01 12:00:00"))
        assert store.path == path
    assert list(tmp_path.glob("h.sqlite3.corrupt-*"))
    with HistoryStore.open(path) as again:
        assert again.warning is None
        assert again.count() == 1


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="POSIX permissions, non-root"
)
def test_an_unreadable_file_in_a_read_only_folder_gives_memory_history(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "h.sqlite3"
    _garbage(path)
    path.chmod(0)
    folder.chmod(0o500)
    try:
        with HistoryStore.open(path) as store:
            assert store.warning is not None
            assert "kept in memory only" in store.warning
            assert store.path is None
            assert store.add(snap("SWAAAAAAA1", "2026-06-01 12:00:00"))
    finally:
        folder.chmod(0o700)
        path.chmod(0o600)


def test_a_database_locked_by_another_program_is_waited_for_then_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that holds the lock past the busy timeout: ``add`` raises HistoryError with a
    sentence, ``record`` logs it once and goes on."""
    monkeypatch.setattr("solaxtray.core.history.store.BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "h.sqlite3"
    store = HistoryStore.open(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        store = HistoryStore.open(path)
        with pytest.raises(HistoryError, match="stayed locked"):
            store.add(snap("SWAAAAAAA1", "2026-06-01 12:00:00"))
        with caplog.at_level(logging.WARNING):
            assert store.record([snap("SWAAAAAAA1", "2026-06-01 12:05:00")]) == 0
            assert store.record([snap("SWAAAAAAA1", "2026-06-01 12:10:00")]) == 0
        assert len([r for r in caplog.records if "Could not write" in r.message]) == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.record([snap("SWAAAAAAA1", "2026-06-01 12:15:00")]) == 1
    store.close()


def test_old_rows_are_thinned_to_one_an_hour(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 6, 10, tzinfo=UTC).timestamp())
    with HistoryStore.open(tmp_path / "h.sqlite3", clock=clock) as store:
        old = [
            snap("SWAAAAAAA1", f"2026-05-01 {h:02d}:{m:02d}:00")
            for h in range(24)
            for m in range(0, 60, 5)
        ]
        recent = [
            snap("SWAAAAAAA1", f"2027-06-01 {h:02d}:{m:02d}:00")
            for h in range(2)
            for m in range(0, 60, 5)
        ]
        store.add_many(old + recent)
        assert store.count() == 24 + 24  # thinned after the first write (due since open)
        kept = store.rows(None, first=datetime(2026, 5, 1).date(), last=datetime(2026, 5, 1).date())
        assert [r.local.minute for r in kept] == [55] * 24
        assert {r.resolution_s for r in kept} == {3600}
        assert store.downsample() == 0


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from solaxtray.core.history import HistoryStore
    from tests.core.history.helpers import snap
    store = HistoryStore.open(Path({path!r}))
    i = 0
    while True:
        day, rest = divmod(i, 288)
        s = snap({sn!r}, f"2026-{{1 + day // 28:02d}}-{{1 + day % 28:02d}} {{rest // 12:02d}}:{{rest % 12 * 5:02d}}:00",
                 ac_power=float(i), feedin_energy=1000 + i / 10)
        store.add(s)
        print(i, flush=True)
        i += 1
    """
)


def _writer(root: str, path: Path, sn: str) -> subprocess.Popen[str]:
    code = WRITER.format(root=root, path=str(path), sn=sn)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_two_writers_and_a_kill_9_lose_no_committed_row(tmp_path: Path) -> None:
    """Two processes write one database; one is killed with SIGKILL mid-stream. Every row a writer
    reported committed is there, and the file passes the integrity check."""
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    root = str(Path(__file__).resolve().parents[3])
    path = tmp_path / "h.sqlite3"
    HistoryStore.open(path).close()
    victim = _writer(root, path, "SWVICTIM01")
    survivor = _writer(root, path, "SWSURVIVE1")
    assert victim.stdout is not None
    assert survivor.stdout is not None
    reported: list[int] = []
    deadline = time.monotonic() + 60
    while len(reported) < 150 and time.monotonic() < deadline:
        reported.append(int(victim.stdout.readline()))
    victim.kill()  # SIGKILL
    victim.wait()
    reported.extend(int(line) for line in victim.stdout.read().split())  # printed before the kill
    survived: list[int] = []
    while len(survived) < 50:
        survived.append(int(survivor.stdout.readline()))
    survivor.kill()
    survivor.wait()
    assert len(reported) >= 150
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {int(v) for (v,) in db.execute("SELECT ac_power FROM samples WHERE sn = 'SWVICTIM01'")}
    assert set(reported) <= stored
    assert max(stored) - max(reported) <= 1  # at most the one in flight, committed not yet printed
    assert len(stored) == len(set(stored))
    db.close()
    with HistoryStore.open(path) as store:
        assert store.warning is None
