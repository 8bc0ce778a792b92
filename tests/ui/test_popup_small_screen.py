"""The demo's popup, opened for the first time on a 1366x768 screen next to an icon at the top
right (where the window used to open 72 px off the screen, its Settings button hidden), lies
wholly on the screen with every button inside it.

Runs in a child process, because the screen size is fixed when Qt starts: the offscreen platform
reads it from a configuration file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, sys
from pathlib import Path
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QPushButton

app = QApplication([])
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore
from solaxtray.core.history.demo import seed_demo_history
from solaxtray.core.presentation import FleetInput, InverterInput, build_view
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.ui.popup import PopupWindow

clock = FakeClock(1_781_528_400.0)
with CloudSimulator.demo(clock=clock) as sim, HistoryStore.open(
    Path(sys.argv[1]) / "history.sqlite3", clock=clock
) as store:
    seed_demo_history(store, sim)
    clock.advance(60.0)
    with SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock) as client:
        inputs = [InverterInput(sn, client.fetch(sn), upload_age_s=30.0) for sn in DEMO_SERIALS]
    view = build_view(FleetInput(inverters=inputs, now=clock.now()))
    popup = PopupWindow(as_popup=True, history=store)
    popup.update_view(view)
    screen = app.primaryScreen()
    popup.show_near(QRect(1366 - 30, 3, 22, 22))
    for _ in range(20):
        app.processEvents()
    window = popup.frameGeometry()
    buttons = {}
    for button in popup.findChildren(QPushButton):
        corner = button.mapTo(popup, button.rect().bottomRight())
        buttons[button.objectName()] = [corner.x(), corner.y(), button.isVisible()]
    print(json.dumps({
        "screen": screen.geometry().getRect(),
        "window": window.getRect(),
        "size": [popup.width(), popup.height()],
        "buttons": buttons,
    }))
"""


def test_first_show_on_1366x768_lies_on_the_screen(tmp_path: Path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "laptop",
                        "x": 0,
                        "y": 0,
                        "width": 1366,
                        "height": 768,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["screen"] == [0, 0, 1366, 768]
    x, y, w, h = facts["window"]
    assert x >= 0
    assert y >= 0
    assert x + w <= 1366, facts
    assert y + h <= 768, facts
    width, height = facts["size"]
    for name in ("export", "refresh", "settings"):
        right, bottom, visible = facts["buttons"][name]
        assert visible, name
        assert right < width, name
        assert bottom < height, name
