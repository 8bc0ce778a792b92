"""The one atomic writer: whole files only, unique temporaries, nothing left behind."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from solaxtray.core.fileio import atomic_write_bytes, atomic_write_text


def test_writes_and_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "dir" / "settings.json"
    atomic_write_text(target, "first\n")
    atomic_write_text(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["settings.json"]


def test_default_mode_is_private_and_mode_can_be_given(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("permission bits are POSIX")
    private = tmp_path / "ledger"
    atomic_write_bytes(private, b"x")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    shared = tmp_path / "app.desktop"
    atomic_write_bytes(shared, b"x", mode=0o644)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644


def test_failed_write_keeps_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    """A full disk is simulated by a directory that refuses the rename."""
    target = tmp_path / "files" / "settings.json"
    atomic_write_text(target, "old")
    blocker = tmp_path / "files" / "dir-in-the-way"
    blocker.mkdir()
    (blocker / "child").write_text("keep", encoding="utf-8")
    with pytest.raises(OSError, match=r"\S"):
        atomic_write_bytes(blocker, b"new")  # a non-empty directory cannot be replaced
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["dir-in-the-way", "settings.json"]


def test_concurrent_writers_never_share_a_temporary(tmp_path: Path) -> None:
    """A fixed ``name.tmp`` let two writers truncate each other's half-written file."""
    target = tmp_path / "data" / "ledger"
    payloads = [bytes([65 + i]) * 50_000 for i in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(20):
                atomic_write_bytes(target, data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in target.parent.iterdir()] == ["ledger"]


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="POSIX symlinks")
def test_a_symlinked_file_is_written_through_its_link(tmp_path: Path) -> None:
    """A settings file kept in a dotfiles folder and linked into place: saving must update the
    file the link points to and keep the link, not replace the link with a copy."""
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "settings.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "config" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(target)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "new"
    assert link.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in dotfiles.iterdir()) == ["settings.json"]  # no temporary left
