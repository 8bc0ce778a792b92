"""Save the README's pictures into docs/: the tray icon in every state, and the detail popup.

    python scripts/screenshots.py [--out docs]

Runs offscreen (no display needed). The icon sheet draws each state at 16, 22, 24, 32, 48 and 64 px
on a light and a dark panel, with the same renderer the app uses. The popups show real demo data: the
built-in simulator runs in this process on a fake clock, the app's own client fetches from it over
HTTP on 127.0.0.1, and the app's own presentation rules turn the answers into what the popup shows:
once in a quiet moment of the demo story, once while one inverter is in Fault Mode and another runs
on EPS. Re-run it after changing how the icon or the popup looks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from solaxtray.core.client import SolaxClient  # noqa: E402
from solaxtray.core.clock import FakeClock  # noqa: E402
from solaxtray.core.presentation import (  # noqa: E402
    FleetInput,
    InverterInput,
    Problem,
    TrayState,
    TrayView,
    build_view,
)
from solaxtray.core.simulator import (  # noqa: E402
    DEMO_SERIALS,
    DEMO_TOKEN,
    DEMO_UPLOAD_INTERVAL,
    CloudSimulator,
)
from solaxtray.ui.icon import render_icon  # noqa: E402
from solaxtray.ui.popup import PopupWindow  # noqa: E402

SIZES = (16, 22, 24, 32, 48, 64)
PANELS = (("light panel", "#ececec", False), ("dark panel", "#2b2b2b", True))
CELL = 76
LABEL_W = 190
HEADER_H = 48
POPUP_WIDTH = 420
POPUP_HEIGHT = 1060
QUIET_AT_S = 15.0
"""A moment of the demo story with every inverter in Normal Mode."""
ALERTS_AT_S = 55.0
"""A moment with SWDEMOHYB3 in Fault Mode (upload at 42 s) and SWDEMOHYB1 on EPS (upload at 52 s)."""


@dataclass(frozen=True)
class Sample:
    """One row of the icon sheet: a state as the icon shows it."""

    caption: str
    view: TrayView


def _view(
    state: TrayState,
    power_w: float | None,
    soc: float | None,
    age: float | None,
    problem: Problem | None = None,
) -> TrayView:
    return TrayView(
        state=state,
        power_w=power_w,
        soc=soc,
        age_fraction=age,
        tooltip_lines=(),
        problem=problem,
    )


def icon_samples() -> list[Sample]:
    trouble = Problem("Token rejected", "open Settings and enter the token again")
    return [
        Sample("Producing, battery 76 %", _view(TrayState.PRODUCING, 2400, 76, 0.3)),
        Sample("Producing 291 W", _view(TrayState.PRODUCING, 291, 60, 0.3)),
        Sample("Producing, no battery", _view(TrayState.PRODUCING, 850, None, 0.6)),
        Sample("Producing, 12 kW", _view(TrayState.PRODUCING, 12_300, 95, 0.1)),
        Sample("Idle", _view(TrayState.IDLE, 0, 64, 0.5)),
        Sample("Night", _view(TrayState.NIGHT, 0, 38, 0.9)),
        Sample("Importing from grid", _view(TrayState.IMPORTING, 40, 12, 0.4)),
        Sample("EPS (grid outage)", _view(TrayState.EPS, 1100, 55, 0.2)),
        Sample("Fault, 291 W still flowing", _view(TrayState.FAULT, 291, 60, 0.2)),
        Sample("Fault, stopped", _view(TrayState.FAULT, 0, 60, 0.2)),
        Sample("Stale / offline", _view(TrayState.STALE, 1200, 70, 1.0)),
        Sample("Problem (token)", _view(TrayState.ERROR, None, None, None, trouble)),
        Sample("Setup needed", _view(TrayState.SETUP, None, None, None)),
    ]


def icon_sheet(samples: list[Sample]) -> QImage:
    """A table: one row per state, every size on a light then a dark panel."""
    columns = len(SIZES) * len(PANELS)
    width = LABEL_W + columns * CELL
    height = HEADER_H + len(samples) * CELL
    sheet = QImage(width, height, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        font = QFont()
        font.setPixelSize(13)
        painter.setFont(font)
        for p, (panel_name, colour, _dark) in enumerate(PANELS):
            x0 = LABEL_W + p * len(SIZES) * CELL
            painter.fillRect(QRect(x0, 0, len(SIZES) * CELL, height), QColor(colour))
            painter.setPen(QColor("#111111" if p == 0 else "#eeeeee"))
            painter.drawText(
                QRect(x0, 4, len(SIZES) * CELL, 20), Qt.AlignmentFlag.AlignCenter, panel_name
            )
            for s, size in enumerate(SIZES):
                painter.drawText(
                    QRect(x0 + s * CELL, 24, CELL, 20), Qt.AlignmentFlag.AlignCenter, f"{size} px"
                )
        for row, sample in enumerate(samples):
            y0 = HEADER_H + row * CELL
            painter.setPen(QColor("#111111"))
            painter.drawText(
                QRect(8, y0, LABEL_W - 12, CELL),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                sample.caption,
            )
            for p, (_name, _colour, dark) in enumerate(PANELS):
                for s, size in enumerate(SIZES):
                    icon = render_icon(sample.view, size, dpr=1.0, dark_panel=dark)
                    x = LABEL_W + (p * len(SIZES) + s) * CELL + (CELL - size) // 2
                    painter.drawImage(QPoint(x, y0 + (CELL - size) // 2), icon)
    finally:
        painter.end()
    return sheet


def save_png(image: QImage, target: Path) -> None:
    """Opaque RGB at the strongest compression: the pictures live in the repository."""
    if not image.convertToFormat(QImage.Format.Format_RGB32).save(str(target), None, 0):
        raise OSError(f"could not write {target}")


def demo_view(sim: CloudSimulator, clock: FakeClock) -> TrayView:
    """What the app would show for the demo fleet at the clock's present moment."""
    inverters = []
    with SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock) as client:
        for sn in DEMO_SERIALS:
            snapshot = client.fetch(sn)
            reading = sim.current_reading(sn)
            age = None if reading is None else clock.now() - reading.upload_epoch
            inverters.append(
                InverterInput(
                    sn=sn,
                    snapshot=snapshot,
                    upload_age_s=age,
                    upload_interval_s=DEMO_UPLOAD_INTERVAL,
                    next_poll_at=clock.now() + 25.0,
                    status_since=None if reading is None else reading.upload_epoch,
                )
            )
    fleet = FleetInput(
        inverters=inverters,
        now=clock.now(),
        requests_today=len(sim.requests),
        daily_quota=10_000,
    )
    return build_view(fleet)


def grab_popup(view: TrayView, target: Path) -> None:
    popup = PopupWindow(as_popup=False)
    popup.update_view(view)
    popup.resize(POPUP_WIDTH, POPUP_HEIGHT)  # tall enough for all three demo inverters
    popup.show()
    QApplication.processEvents()
    save_png(popup.grab().toImage(), target)
    popup.close()
    popup.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="output directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app  # kept alive by Qt itself; only needed to exist

    written = [out / "icon-states.png"]
    save_png(icon_sheet(icon_samples()), written[0])

    clock = FakeClock(start=float(int(time.time())))
    with CloudSimulator.demo(clock=clock) as sim:
        clock.advance(QUIET_AT_S)
        written.append(out / "popup.png")
        grab_popup(demo_view(sim, clock), written[-1])
        clock.advance(ALERTS_AT_S - QUIET_AT_S)
        written.append(out / "popup-fault-eps.png")
        grab_popup(demo_view(sim, clock), written[-1])

    for path in written:
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
