"""The weak-string rule on scripted history: a shaded string, a cloudy day, a clean day; and the
once-a-day warning through ``FleetWatch`` reading a real history database."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from solaxtray.core.alerts import Alert, AlertKind
from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.watch import FleetWatch, rows_reader
from solaxtray.core.weak_string import find_weak_string

SN = "SWTEST0001"
TODAY = date(2026, 6, 10)
STEP = timedelta(minutes=5)


def sun(t: datetime) -> float:
    """Clear-sky PV power of the whole array (W) at plant time ``t``: 07:00 to 19:00."""
    hours = t.hour + t.minute / 60
    if not 7 <= hours <= 19:
        return 0.0
    return 6000 * math.sin(math.pi * (hours - 7) / 12)


def east_share(t: datetime) -> float:
    """Input 1 faces east: most of the power in the morning, least in the evening."""
    hours = t.hour + t.minute / 60
    return 0.7 - 0.4 * (hours - 7) / 12


def day_rows(
    day: date,
    *,
    weak: tuple[int, float, int, int] | None = None,
    clouds: float = 1.0,
    diffuse: bool = False,
    inputs: int = 2,
) -> list[Snapshot]:
    """One day of 5-minute uploads. ``weak``: (input, factor, from hour, to hour) dims one input;
    ``clouds`` dims all; ``diffuse``: grey light, every input gets the same share."""
    rows = []
    t = datetime(day.year, day.month, day.day, 6, 0)
    while t.date() == day and t.hour < 20:
        total = sun(t) * clouds
        share = 0.5 if diffuse else east_share(t)
        pv = [total * share, total * (1 - share)]
        if weak is not None and weak[2] <= t.hour < weak[3]:
            pv[weak[0] - 1] *= weak[1]
        if inputs == 1:
            pv = [sum(pv)]
        powers = (*pv, *([None] * (4 - len(pv))))
        rows.append(
            Snapshot(
                sn=SN,
                fetched_at=datetime(t.year, t.month, t.day, t.hour, t.minute, tzinfo=UTC),
                inverter_type=InverterType.X3_HYBRID_G4,
                inverter_status=InverterStatus.NORMAL,
                upload_time=t,
                pv_power=powers,  # type: ignore[arg-type]
                ac_power=sum(pv),
            )
        )
        t += STEP
    return rows


def history(today: list[Snapshot], *, past: int = 4, inputs: int = 2) -> list[Snapshot]:
    rows = []
    for back in range(past, 0, -1):
        rows.extend(day_rows(TODAY - timedelta(days=back), inputs=inputs))
    return rows + today


def test_a_clean_day_has_no_weak_string() -> None:
    assert find_weak_string(history(day_rows(TODAY)), TODAY) is None


def test_a_shaded_string_is_named_with_its_drop() -> None:
    found = find_weak_string(history(day_rows(TODAY, weak=(2, 0.5, 10, 14))), TODAY)
    assert found is not None
    assert found.mppt == 2
    assert found.since == datetime(2026, 6, 10, 10, 0)
    assert found.until == datetime(2026, 6, 10, 13, 55)
    # Half its power: its share falls by about a third of what it usually is.
    assert 0.3 < found.drop < 0.45
    assert found.usual_share > found.share
    assert found.days_compared == 4
    assert "PV input 2:" in found.evidence()


def test_a_cloudy_day_that_dims_every_string_alike_is_not_a_weak_string() -> None:
    assert find_weak_string(history(day_rows(TODAY, clouds=0.4)), TODAY) is None


def test_grey_light_that_evens_the_shares_out_is_not_a_weak_string() -> None:
    found = find_weak_string(history(day_rows(TODAY, clouds=0.3, diffuse=True)), TODAY)
    assert found is None


def test_a_passing_shadow_is_too_short() -> None:
    today = day_rows(TODAY, weak=(1, 0.3, 12, 13))  # one hour
    assert find_weak_string(history(today), TODAY) is None


def test_no_past_days_no_comparison() -> None:
    assert find_weak_string(day_rows(TODAY, weak=(2, 0.5, 9, 15)), TODAY) is None
    one_day = history(day_rows(TODAY, weak=(2, 0.5, 9, 15)), past=1)
    assert find_weak_string(one_day, TODAY) is None


def test_a_single_input_inverter_is_never_checked() -> None:
    rows = history(day_rows(TODAY, clouds=0.5, inputs=1), inputs=1)
    assert find_weak_string(rows, TODAY) is None


def test_one_warning_a_day_from_the_history_database(tmp_path: Path) -> None:
    today = day_rows(TODAY, weak=(2, 0.5, 9, 16))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        store.add_many(history([], past=4))
        start = datetime(2026, 6, 10, 6, 0, tzinfo=UTC).timestamp()
        clock = FakeClock(start)
        watch = FleetWatch([SN], clock=clock, history_rows=rows_reader(store))
        told = []
        for snap in today:
            store.add(snap)
            clock.advance(STEP.total_seconds())
            told.extend(watch.on_snapshot(SN, snap))
        weak = [a for a in told if a.kind is AlertKind.WEAK_STRING]
        assert len(weak) == 1
        alert = weak[0]
        assert alert.title.startswith("PV input 2 weaker than usual")
        assert "PV input 2 of SN SWTEST0001" in alert.body
        assert alert.details is not None
        assert json_of(alert)["details"]["weak_string"]["mppt"] == 2
        assert json_of(alert)["details"]["weak_string"]["drop_pct"] >= 25
        finding = watch.weak_string(SN)
        assert finding is not None
        assert finding.mppt == 2


def json_of(alert: Alert) -> Any:
    """The alert's ``watch`` line, read back as JSON: what a script gets."""
    return json.loads(json.dumps(alert.to_json()))


def test_read_ahead_as_the_tray_does_still_warns_once_a_day(tmp_path: Path) -> None:
    """The tray reads and judges the history on its worker thread (``weak_string_checks``) and
    records the answers after: one warning a day still, and no read where answers are recorded."""
    today = day_rows(TODAY, weak=(2, 0.5, 9, 16))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        store.add_many(history([], past=4))
        clock = FakeClock(datetime(2026, 6, 10, 6, 0, tzinfo=UTC).timestamp())
        read = rows_reader(store)
        assert read is not None
        reads: list[str] = []

        def rows(sn: str, first: date, last: date) -> Sequence[Snapshot]:
            reads.append(sn)
            return read(sn, first, last)

        watch = FleetWatch([SN], clock=clock, history_rows=rows)
        told = []
        for snap in today:
            store.add(snap)
            clock.advance(STEP.total_seconds())
            checks = watch.weak_string_checks({SN: snap})  # the worker's part
            before = len(reads)
            watch.note_weak_string_checks(checks)
            told.extend(watch.on_snapshot(SN, snap))
            assert len(reads) == before  # recording the answer reads nothing
        weak = [a for a in told if a.kind is AlertKind.WEAK_STRING]
        assert len(weak) == 1
        assert "PV input 2" in weak[0].title
        # A look every half hour at most: 14 hours of uploads, not 168 reads.
        assert 20 <= len(reads) <= 30
