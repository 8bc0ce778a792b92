"""Save the README's pictures into docs/: the tray icon in every state, and the detail popup.

    python scripts/screenshots.py [--out docs] [--lang de --lang pt]

Runs offscreen (no display needed). The icon sheet draws each state at 16, 22, 24, 32, 48 and 64 px on a
light and a dark panel, with the same renderer the app uses. The popups show real demo data: the
demo fleet of the built-in simulator runs in this process on a fake clock (a fixed June day, in
UTC, so every run draws the same pixels), the app's own client fetches from it over HTTP on
127.0.0.1 every five minutes from a week before until the afternoon, every answer goes into a real
history database, and the popup reads its curve, bars and totals from there: once on a quiet
afternoon in the light palette, once in the dark palette while one inverter is in Fault Mode and
another runs on EPS, scrolled to the inverter cards; and the quiet afternoon once more in German and
in Brazilian Portuguese (``--lang`` chooses others); and the quiet afternoon with the bar chart on
its twelve months, the months before the week made by the demo's cheap year
(``seed_months_before``). All are drawn at a size that fits a 1366x768 screen. ``tests/ui/test_screenshots.py`` fails when the committed pictures are not what this script
draws, so re-run it after changing how the icon or the popup looks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The popup writes clock times in the machine's zone: one zone for every run, so the same pixels.
os.environ["TZ"] = "UTC"
time.tzset()

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QScrollArea, QStyleFactory  # noqa: E402

from solaxtray.core import i18n  # noqa: E402
from solaxtray.core.api.tokenid.client import SolaxClient  # noqa: E402
from solaxtray.core.clock import FakeClock  # noqa: E402
from solaxtray.core.history import HistoryStore  # noqa: E402
from solaxtray.core.history.demo import seed_months_before  # noqa: E402
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
    CloudSimulator,
)
from solaxtray.core.simulator.demo import (  # noqa: E402
    DEMO_EPS_SN,
    DEMO_FAULT_SN,
    DEMO_PHASES,
    demo_fleet,
)
from solaxtray.core.simulator.plant import SimInverter  # noqa: E402
from solaxtray.ui.icon import render_icon  # noqa: E402
from solaxtray.ui.popup import PopupWindow  # noqa: E402

SIZES = (16, 22, 24, 32, 48, 64)
PANELS = (("light panel", "#ececec", False), ("dark panel", "#2b2b2b", True))
CELL = 76
LABEL_W = 190
HEADER_H = 48
POPUP_WIDTH = 440
POPUP_HEIGHT = 720
"""The popup as it opens on a 1366x768 screen with a panel: its body scrolls below this."""
DAY_START = datetime(2026, 6, 15, tzinfo=UTC).timestamp()
"""The pictured day (a Monday in June, UTC): fixed, so every run draws the same pixels."""
HISTORY_DAYS = 7
"""Days of history before the pictured day, for the bar chart."""
FETCH_EVERY_S = 300.0
"""The demo fleet uploads every five minutes here, and is fetched once per upload."""
EARLIER_FETCH_EVERY_S = 900.0
"""Earlier days are fetched every quarter hour: enough for their daily figures, four times faster."""
QUIET_AT = "14:30"
"""The quiet picture: every inverter in Normal Mode on a June afternoon."""
LANGUAGES: tuple[str, ...] = ("de", "pt")
"""The languages of the README's extra pictures (``docs/popup-de.png``, ``docs/popup-pt.png``):
German, the longest, and Brazilian Portuguese."""
ALERTS_AFTER_S = 20 * 60.0
"""The second picture: twenty minutes later, with one inverter in Fault Mode and one on EPS."""


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


def demo_inverters(clock: FakeClock) -> list[SimInverter]:
    """The demo fleet with its sun where the clock says (the demo proper moves the sun so that a
    demo started at night shows production; a picture of a whole day needs the real one)."""
    return [
        replace(inv, solar_shift_hours=0.0, utc_offset_hours=0.0) for inv in demo_fleet(clock.now())
    ]


def demo_simulator(clock: FakeClock) -> CloudSimulator:
    """The simulated cloud of ``demo_inverters``."""
    return CloudSimulator(
        inverters=demo_inverters(clock),
        clock=clock,
        upload_interval=FETCH_EVERY_S,
        phases=DEMO_PHASES,
        jitter=0.0,
        per_day=100_000,
    )


def record_history(
    sim: CloudSimulator, clock: FakeClock, store: HistoryStore, until: float
) -> list[InverterInput]:
    """Fetch every inverter from the clock's present moment to ``until`` (epoch) and store every
    answer; returns what the app would know at ``until``."""
    inputs: list[InverterInput] = []
    with SolaxClient(DEMO_TOKEN, api_url=sim.v1_url, clock=clock) as client:
        while True:
            step = EARLIER_FETCH_EVERY_S if clock.now() < DAY_START else FETCH_EVERY_S
            last = clock.now() + step > until
            if last:
                clock.advance(max(0.0, until - clock.now()))
            inputs = []
            for sn in DEMO_SERIALS:
                snapshot = client.fetch(sn)
                store.add(snapshot)
                reading = sim.current_reading(sn)
                inputs.append(
                    InverterInput(
                        sn=sn,
                        snapshot=snapshot,
                        upload_age_s=None
                        if reading is None
                        else clock.now() - reading.upload_epoch,
                        upload_interval_s=FETCH_EVERY_S,
                        next_poll_at=clock.now() + 25.0,
                    )
                )
            if last:
                return inputs
            clock.advance(step)


def demo_view(
    inputs: list[InverterInput], clock: FakeClock, requests: int, since: dict[str, float]
) -> TrayView:
    """What the app would show for the demo fleet at the clock's present moment."""
    fleet = FleetInput(
        inverters=[replace(i, status_since=since.get(i.sn)) for i in inputs],
        now=clock.now(),
        requests_today=requests,
        daily_quota=9_000,
        local_offset=lambda _at: 0.0,
    )
    return build_view(fleet)


def _palette(dark: bool) -> QPalette:
    """Fusion's own light palette, or a dark one as a dark desktop theme gives it."""
    style = QStyleFactory.create("Fusion")
    palette = style.standardPalette()
    if not dark:
        return palette
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e8e8e8",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#2b2b2b",
        QPalette.ColorRole.Text: "#e8e8e8",
        QPalette.ColorRole.Button: "#3a3a3a",
        QPalette.ColorRole.ButtonText: "#e8e8e8",
        QPalette.ColorRole.Highlight: "#3d8fd6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#e8e8e8",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#808080"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#808080"))
    return palette


def grab_popup(
    view: TrayView,
    store: HistoryStore,
    target: Path,
    *,
    dark: bool,
    cards: bool = False,
    months: bool = False,
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    app.setPalette(_palette(dark))
    popup = PopupWindow(
        as_popup=False, history=store, monotonic=lambda: 0.0, local_offset=lambda _at: 0.0
    )
    popup.update_view(view)
    popup.resize(POPUP_WIDTH, POPUP_HEIGHT)
    popup.show()
    QApplication.processEvents()
    while not popup.bars_ready():  # the earlier days are computed on a worker thread
        QApplication.processEvents()
        time.sleep(0.001)
    if months:
        # The year at a glance, read at last month (the cursor's read-out under the chart).
        popup.show_months()
        while not popup.bars_ready():  # computed on a worker thread
            QApplication.processEvents()
            time.sleep(0.001)
        popup.bars_chart.set_cursor(popup.bars_chart.sample_count() - 2)
        QApplication.processEvents()
    if cards:
        # The second picture shows the inverter cards, one with its details open.
        card = popup.card(DEMO_FAULT_SN)
        assert card is not None
        card.details.set_open(True)
        QApplication.processEvents()
        scroll = popup.findChild(QScrollArea, "dashboard-scroll")
        assert scroll is not None
        body = scroll.widget()
        assert body is not None
        top = card.mapTo(body, QPoint(0, 0)).y() - 30  # with the "Inverters" caption
        scroll.verticalScrollBar().setValue(top)
        QApplication.processEvents()
    save_png(popup.grab().toImage(), target)
    popup.close()
    popup.deleteLater()
    QApplication.processEvents()


def popup_pictures(out: Path, languages: Sequence[str] = LANGUAGES) -> list[Path]:
    """Draw ``popup.png``, ``popup-fault-eps.png``, ``popup-months.png`` and the quiet picture
    once more in each of ``languages`` (``popup-<lang>.png``) into ``out``; returns their
    paths."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app
    i18n.set_language("en")
    written = [out / "popup.png", out / "popup-fault-eps.png", out / "popup-months.png"]
    hour, minute = (int(part) for part in QUIET_AT.split(":"))
    quiet_at = DAY_START + hour * 3600 + minute * 60
    clock = FakeClock(start=DAY_START - HISTORY_DAYS * 86_400.0)
    with (
        tempfile.TemporaryDirectory(prefix="solaxtray-screenshots-") as tmp,
        demo_simulator(clock) as sim,
        HistoryStore.open(Path(tmp) / "history.sqlite3", clock=clock) as store,
    ):
        # The year before the week, cheaply: only the twelve-month picture shows it.
        seed_months_before(store, demo_inverters(clock), clock.now())
        inputs = record_history(sim, clock, store, quiet_at)
        requests = sum(1 for r in sim.requests if r.time >= DAY_START)
        grab_popup(demo_view(inputs, clock, requests, {}), store, written[0], dark=False)
        grab_popup(
            demo_view(inputs, clock, requests, {}), store, written[2], dark=False, months=True
        )
        for language in languages:
            # The same moment in another language: the view's words and the popup's numbers,
            # dates and times are chosen when they are built and drawn.
            i18n.set_language(language)
            target = out / f"popup-{language}.png"
            grab_popup(demo_view(inputs, clock, requests, {}), store, target, dark=False)
            written.append(target)
        i18n.set_language("en")
        # A fault on one inverter and a grid outage on another, from the next upload on.
        sim.script_status(DEMO_FAULT_SN, [(0.0, 103)])
        sim.script_status(DEMO_EPS_SN, [(0.0, 107)])
        began = clock.now() + FETCH_EVERY_S
        inputs = record_history(sim, clock, store, clock.now() + ALERTS_AFTER_S)
        requests = sum(1 for r in sim.requests if r.time >= DAY_START)
        since = {DEMO_FAULT_SN: began, DEMO_EPS_SN: began}
        grab_popup(
            demo_view(inputs, clock, requests, since), store, written[1], dark=True, cards=True
        )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="output directory")
    parser.add_argument(
        "--lang",
        action="append",
        choices=[lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE],
        help=f"draw the quiet popup in this language too (repeatable; default: {LANGUAGES})",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app  # kept alive by Qt itself; only needed to exist

    written = [out / "icon-states.png"]
    save_png(icon_sheet(icon_samples()), written[0])
    written.extend(popup_pictures(out, tuple(args.lang) if args.lang else LANGUAGES))

    for path in written:
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
