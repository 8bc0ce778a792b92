"""The README's pictures of the popup are what the app draws today: ``scripts/screenshots.py``
run into a temporary directory must give the committed pictures back, up to a few pixels of
anti-aliasing. When this fails after a change to the popup, run the script and commit the
pictures it draws."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[2]
PICTURES = ("popup.png", "popup-fault-eps.png", "popup-months.png", "popup-de.png", "popup-pt.png")
CHANNEL_SLACK = 48
"""A channel may differ this much before a pixel counts as changed (anti-aliasing)."""
MAX_CHANGED = 25
"""Pixels allowed to change: one changed digit is about a hundred."""


def changed_pixels(a: QImage, b: QImage) -> int:
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    changed = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            if pa == pb:
                continue
            if any(
                abs(((pa >> shift) & 0xFF) - ((pb >> shift) & 0xFF)) > CHANNEL_SLACK
                for shift in (0, 8, 16)
            ):
                changed += 1
    return changed


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("screenshots")
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from scripts.screenshots import popup_pictures; popup_pictures(Path(sys.argv[2]))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", PICTURES)
def test_committed_popup_pictures_are_up_to_date(drawn: Path, name: str) -> None:
    committed = QImage(str(REPO / "docs" / name))
    fresh = QImage(str(drawn / name))
    assert not committed.isNull()
    assert not fresh.isNull()
    assert committed.size() == fresh.size(), (
        f"docs/{name} is {committed.width()}x{committed.height()}, the popup draws "
        f"{fresh.width()}x{fresh.height()}: run python scripts/screenshots.py"
    )
    changed = changed_pixels(committed, fresh)
    assert changed <= MAX_CHANGED, (
        f"docs/{name} differs from the popup in {changed} pixels: run python scripts/screenshots.py"
    )


def test_the_pictures_fit_a_1366x768_screen(drawn: Path) -> None:
    for name in PICTURES:
        image = QImage(str(drawn / name))
        assert image.width() <= 1366
        assert image.height() <= 768 - 40  # a panel takes some of the height


def test_the_comparison_notices_a_changed_figure(drawn: Path) -> None:
    """The check can fail: a blot the size of one digit is caught."""
    image = QImage(str(drawn / PICTURES[0]))
    edited = image.copy()
    for x in range(60, 68):
        for y in range(84, 96):
            edited.setPixel(x, y, 0xFF000000 if (x + y) % 2 else 0xFFFFFFFF)
    assert changed_pixels(image, edited) > MAX_CHANGED
