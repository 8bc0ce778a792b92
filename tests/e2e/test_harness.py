"""The end-to-end harness's own pure parts, checked without any X server or bus: a harness that
misreads a window tree or an icon would make the desktop tests pass or fail for the wrong reason."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.e2e.desktop import APP_ENV, app_command, embedded_icon_rect, read_events
from tests.e2e.fake_desktop import argb_to_png

TREE_BEFORE_EMBED = """
xwininfo: Window id: 0x50d (the root window) (has no name)

  Root window id: 0x50d (the root window) (has no name)
  Parent window id: 0x0 (none)
     4 children:
     0x400007 "solaxtray": ("__main__.py" "solaxtray")  22x22+0+0  +0+0
     0x20001f "trayer": ()  10x10+-100+-100  +-100+-100
     0x200003 "panel": ("panel" "trayer")  2x32+798+0  +798+0
        1 child:
        0x200004 (has no name): ()  1x1+-1+-1  +797+-1
"""

TREE_EMBEDDED = """
     6 children:
     0x400009 "solaxtray": ()  1x1+0+0  +0+0
     0x200003 "panel": ("panel" "trayer")  24x32+776+0  +776+0
        2 children:
        0x200026 (has no name): ()  22x30+1+1  +777+1
           1 child:
           0x400007 "solaxtray": ("__main__.py" "solaxtray")  22x30+0+0  +777+1
        0x200004 (has no name): ()  1x1+-1+-1  +775+-1
     0x200001 "trayer": ("trayer" "Trayer")  10x10+10+10  +10+10
     0x500001 "other": ("other" "solaxtray")  50x50+5+5  +5+5
"""


def test_icon_rect_is_none_until_the_icon_sits_inside_the_panel() -> None:
    assert embedded_icon_rect(TREE_BEFORE_EMBED, "solaxtray") is None


def test_icon_rect_is_the_absolute_geometry_inside_the_panel() -> None:
    assert embedded_icon_rect(TREE_EMBEDDED, "solaxtray") == (777, 1, 22, 30)
    assert embedded_icon_rect(TREE_EMBEDDED, "bare-tray") is None


def test_sni_pixmap_becomes_a_png_with_alpha_and_channel_order_kept() -> None:
    from PySide6.QtGui import QImage

    # 2 x 1 pixels, ARGB in network byte order: opaque red, then half-transparent blue.
    png = argb_to_png(2, 1, bytes((255, 255, 0, 0, 128, 0, 0, 255)))
    image = QImage.fromData(png)
    assert (image.width(), image.height()) == (2, 1)
    red, blue = image.pixelColor(0, 0), image.pixelColor(1, 0)
    assert (red.red(), red.green(), red.blue(), red.alpha()) == (255, 0, 0, 255)
    assert (blue.red(), blue.green(), blue.blue(), blue.alpha()) == (0, 0, 255, 128)


def test_event_log_reader_leaves_a_half_written_line_for_later(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text(json.dumps({"event": "READY"}) + "\n" + '{"event": "no', encoding="utf-8")
    assert [e["event"] for e in read_events(log)] == ["READY"]
    assert read_events(tmp_path / "missing.jsonl") == []


def test_app_under_test_is_the_checkout_unless_a_binary_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(APP_ENV, raising=False)
    assert app_command("--demo") == [sys.executable, "-m", "solaxtray", "--demo"]

    binary = tmp_path / "solaxtray"
    binary.write_text("#!/bin/sh\n", encoding="ascii")
    binary.chmod(0o755)
    monkeypatch.setenv(APP_ENV, str(binary))
    assert app_command("--demo") == [str(binary.resolve()), "--demo"]

    binary.chmod(0o644)  # a file that cannot run must stop the suite, not test the checkout
    with pytest.raises(FileNotFoundError, match=APP_ENV):
        app_command()
