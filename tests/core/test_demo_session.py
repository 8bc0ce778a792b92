"""The demo's throwaway directory: made on first use, deleted at close, and never made again by a
late reader (a history opening as the app quits), which would leave a directory nobody deletes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from solaxtray.core.demo_session import DemoSession


def _demo_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("solaxtray-demo-*"))


def test_the_directory_is_deleted_at_close_and_not_made_again() -> None:
    before = _demo_dirs()
    demo = DemoSession()
    made = demo.directory
    assert made.is_dir()
    (made / "history.sqlite3").write_bytes(b"")
    demo.close()
    assert not made.exists()
    late = demo.history_path
    assert not late.parent.exists()
    assert _demo_dirs() == before


def test_a_session_closed_before_any_use_makes_no_directory() -> None:
    before = _demo_dirs()
    demo = DemoSession()
    demo.close()
    assert not demo.directory.exists()
    assert _demo_dirs() == before
