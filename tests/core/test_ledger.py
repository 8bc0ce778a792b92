"""The request ledger: budgets over sliding windows, shared by processes through one file."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.ledger import DAY_S, MAX_PER_DAY, MAX_PER_MINUTE, RequestLedger


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "requests.ledger"


def test_per_minute_budget_and_wait_time(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=3, per_day=100)
    for _ in range(3):
        assert ledger.try_acquire("SN00000001")
        clock.advance(5)
    assert not ledger.try_acquire("SN00000001")
    # The first of the three left the window 60 s after it was made: 15 s have passed.
    assert ledger.wait_time() == pytest.approx(45.0)
    assert ledger.used_last_minute() == 3
    clock.advance(45.0)
    assert ledger.wait_time() == 0.0
    assert ledger.try_acquire("SN00000001")
    assert ledger.used_today() == 4


def test_per_day_budget_slides(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=9, per_day=5)
    for _ in range(5):
        assert ledger.try_acquire("SN00000001")
        clock.advance(3600)
    assert not ledger.try_acquire("SN00000001")
    assert ledger.wait_time() == pytest.approx(DAY_S - 5 * 3600)
    clock.advance(DAY_S - 5 * 3600)
    assert ledger.try_acquire("SN00000001")


def test_two_ledgers_on_one_file_share_the_budget(path: Path) -> None:
    """Two instances are what two processes (tray and ``fetch``) look like to the file."""
    clock = FakeClock()
    tray = RequestLedger(path, clock=clock, per_minute=4)
    cli = RequestLedger(path, clock=clock, per_minute=4)
    granted = []
    for _ in range(3):
        granted += [tray.try_acquire("A123456789"), cli.try_acquire("B123456789")]
    assert granted.count(True) == 4
    assert tray.used_last_minute() == cli.used_last_minute() == 4
    assert not tray.try_acquire("A123456789")
    assert not cli.try_acquire("B123456789")


def test_the_budget_holds_across_real_processes(path: Path) -> None:
    """Processes racing for the same file never grant more than the budget between them."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from solaxtray.core.clock import SystemClock\n"
        "from solaxtray.core.ledger import RequestLedger\n"
        "ledger = RequestLedger(Path(sys.argv[1]), clock=SystemClock(), per_minute=7)\n"
        "print(sum(ledger.try_acquire('SN' + sys.argv[2]) for _ in range(6)))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), f"{i:08d}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    granted = sum(int(p.communicate(timeout=60)[0]) for p in procs)
    assert granted == 7
    assert len(path.read_text().splitlines()) == 7


def test_records_hold_time_and_serial_only(path: Path) -> None:
    clock = FakeClock(1_780_000_000.0)
    ledger = RequestLedger(path, clock=clock)
    ledger.try_acquire("ABC1234567")
    assert path.read_text() == "1780000000.000 ABC1234567\n"


def test_budgets_can_only_be_lowered(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        ledger = RequestLedger(path, clock=FakeClock(), per_minute=10, per_day=10_000)
    assert (ledger.per_minute, ledger.per_day) == (MAX_PER_MINUTE, MAX_PER_DAY)
    assert "above the safe limit" in caplog.text
    lowered = RequestLedger(path, clock=FakeClock(), per_minute=2, per_day=50)
    assert (lowered.per_minute, lowered.per_day) == (2, 50)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\xff garbage\n{not a ledger}\n", b"nan X\ninf Y\n12", b"\n\n\n"],
)
def test_a_corrupt_file_starts_fresh(
    path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=2)
    with caplog.at_level(logging.WARNING):
        assert ledger.try_acquire("SN00000001")
        assert ledger.try_acquire("SN00000001")
        assert not ledger.try_acquire("SN00000001")
    assert ledger.used_today() == 2
    # The unreadable lines are gone after the first write that noticed them.
    assert all(line.split()[0][0].isdigit() for line in path.read_text().splitlines())


def test_old_records_are_pruned(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock)
    for _ in range(5):
        ledger.try_acquire("SN00000001")
        clock.advance(10)
    clock.advance(2 * DAY_S)
    assert ledger.used_today() == 0
    assert ledger.try_acquire("SN00000001")
    assert len(path.read_text().splitlines()) == 1


def test_a_clock_set_back_keeps_requests_counted(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=2)
    assert ledger.try_acquire("SN00000001")
    assert ledger.try_acquire("SN00000001")
    clock.jump(-3600)
    assert not ledger.try_acquire("SN00000001")
    # Not an hour's wait: the future records count as made just now.
    assert 0 < ledger.wait_time() <= 60


def test_an_unwritable_place_counts_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        ledger = RequestLedger(blocker / "requests.ledger", clock=FakeClock(), per_minute=1)
        assert ledger.try_acquire("SN00000001")
        assert not ledger.try_acquire("SN00000001")
    assert "this process only" in caplog.text


def test_a_round_of_several_requests_is_taken_whole_or_not_at_all(path: Path) -> None:
    """A Developer API round (a batch and its battery request) takes two at once."""
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=3, per_day=100)
    assert ledger.try_acquire("H34A10I9012345", 2)
    assert not ledger.try_acquire("H34A10I9012345", 2)  # one left: not enough, none taken
    assert ledger.used_last_minute() == 2
    assert ledger.wait_time(2) == pytest.approx(60.0)
    assert ledger.wait_time(1) == 0.0
    # What a round sent beyond its share (a token renewal) is charged whatever the budget says.
    ledger.charge("H34A10I9012345", 2)
    assert ledger.used_today() == 4
    assert not ledger.try_acquire("H34A10I9012345")
    clock.advance(60.0)
    assert ledger.try_acquire("H34A10I9012345", 3)
