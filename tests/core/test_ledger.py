"""The request ledger: budgets over sliding windows, shared by processes through one file."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import LedgerUnusable
from solaxtray.core.ledger import (
    HOLD_S,
    JITTER_S,
    MAX_FILE_BYTES,
    TICKET_GRACE_S,
    WINDOW_MARGIN_S,
    RequestLedger,
)
from solaxtray.core.quota import DAY_S, MAX_PER_DAY, MAX_PER_MINUTE, MINUTE_S

M = WINDOW_MARGIN_S


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "requests.ledger"


def _ledger(
    path: Path, clock: FakeClock, *, per_minute: int = MAX_PER_MINUTE, per_day: int = MAX_PER_DAY
) -> RequestLedger:
    """A ledger without jitter, so waits are exact."""
    return RequestLedger(path, clock=clock, per_minute=per_minute, per_day=per_day, jitter_s=0.0)


def _take(ledger: RequestLedger, sn: str = "SN00000001", count: int = 1) -> bool:
    """One whole round as the callers make it: reserve, (send, answer), finish."""
    if not ledger.try_acquire(sn, count):
        return False
    ledger.finish(sn)
    return True


def test_per_minute_budget_and_wait_time(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=3, per_day=100)
    for _ in range(3):
        assert _take(ledger)
        clock.advance(5)
    assert not ledger.try_acquire("SN00000001")
    # The first of the three leaves the window 60 s (and the margin) after its answer: 15 s
    # have passed.
    assert ledger.wait_time() == pytest.approx(45.0 + M)
    assert ledger.used_last_minute() == 3
    clock.advance(45.0 + M)
    assert ledger.wait_time() == 0.0
    assert _take(ledger)
    assert ledger.used_today() == 4


def test_per_day_budget_slides(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=9, per_day=5)
    for _ in range(5):
        assert _take(ledger)
        clock.advance(3600)
    assert not ledger.try_acquire("SN00000001")
    assert ledger.wait_time() == pytest.approx(DAY_S - 5 * 3600 + M)
    clock.advance(DAY_S - 5 * 3600 + M)
    assert _take(ledger)


def test_two_ledgers_on_one_file_share_the_budget(path: Path) -> None:
    """Two instances are what two processes (tray and ``fetch``) look like to the file."""
    clock = FakeClock()
    tray = _ledger(path, clock, per_minute=4)
    cli = _ledger(path, clock, per_minute=4)
    granted = []
    for _ in range(3):
        granted += [_take(tray, "A123456789"), _take(cli, "B123456789")]
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
        "granted = 0\n"
        "for _ in range(6):\n"
        "    if ledger.try_acquire('SN' + sys.argv[2]):\n"
        "        granted += 1\n"
        "        ledger.finish('SN' + sys.argv[2])\n"
        "print(granted)\n"
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
    records = [line for line in path.read_text().splitlines() if not line.startswith("?")]
    assert len(records) == 7


def test_records_hold_time_and_serial_only(path: Path) -> None:
    clock = FakeClock(1_780_000_000.0)
    ledger = RequestLedger(path, clock=clock)
    assert ledger.try_acquire("ABC1234567")
    # In flight: marked with its owner (this process and thread), never anything secret.
    time_, sn, owner = path.read_text().split()
    assert (time_, sn) == ("1780000000.000", "ABC1234567")
    assert owner.startswith("+")
    assert owner[1:].replace(".", "").isalnum()
    clock.advance(0.25)
    ledger.finish("ABC1234567")
    assert path.read_text() == "1780000000.250 ABC1234567\n"


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
        assert _take(ledger)
        assert _take(ledger)
        assert not ledger.try_acquire("SN00000001")
    assert ledger.used_today() == 2
    # The unreadable lines are gone after the first write that noticed them.
    # (A "?" line is the ticket the refused request left in the queue.)
    assert all(line[0].isdigit() or line[0] == "?" for line in path.read_text().splitlines())


def test_old_records_are_pruned(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock)
    for _ in range(5):
        _take(ledger)
        clock.advance(10)
    clock.advance(2 * DAY_S)
    assert ledger.used_today() == 0
    assert _take(ledger)
    assert len(path.read_text().splitlines()) == 1


def test_a_clock_set_back_keeps_requests_counted(path: Path) -> None:
    clock = FakeClock()
    ledger = RequestLedger(path, clock=clock, per_minute=2)
    assert _take(ledger)
    assert _take(ledger)
    clock.jump(-3600)
    assert not ledger.try_acquire("SN00000001")
    # Not an hour's wait: the future records count as made just now.
    assert 0 < ledger.wait_time() <= 60 + M + JITTER_S


def test_an_unwritable_place_counts_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        ledger = RequestLedger(blocker / "requests.ledger", clock=FakeClock(), per_minute=1)
        assert _take(ledger)
        assert not ledger.try_acquire("SN00000001")
    assert "this process only" in caplog.text


def test_a_round_of_several_requests_is_taken_whole_or_not_at_all(path: Path) -> None:
    """A Developer API round (a batch and its battery request) takes two at once."""
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=3, per_day=100)
    assert ledger.try_acquire("H34A10I9012345", 2)
    ledger.finish("H34A10I9012345")
    assert not ledger.try_acquire("H34A10I9012345", 2)  # one left: not enough, none taken
    assert ledger.used_last_minute() == 2
    assert ledger.wait_time(2) == pytest.approx(60.0 + M)
    # (This ledger queued for two; its own ticket does not stand in its way.)
    assert ledger.wait_time(1) == 0.0
    # What a round sent beyond its share (a token renewal) is charged whatever the budget says.
    assert ledger.try_acquire("H34A10I9012345", 1)
    ledger.finish("H34A10I9012345", extra=1)
    assert ledger.used_today() == 4
    assert not ledger.try_acquire("H34A10I9012345")
    clock.advance(60.0 + M)
    assert ledger.try_acquire("H34A10I9012345", 3)


# --- a request counts from its reservation until its answer is back ------------------------------


def test_a_request_counts_until_its_answer_is_back(path: Path) -> None:
    """The cloud counts a request when it arrives, somewhere between our decision and its answer:
    the slot frees 60 s after the answer, never 60 s after the decision."""
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=1)
    assert ledger.try_acquire("SN00000001")
    assert not ledger.try_acquire("SN00000002")  # in flight: it counts already
    clock.advance(0.8)  # a slow answer
    ledger.finish("SN00000001")
    clock.advance(MINUTE_S - 0.5)  # 60 s after the decision, 59.5 after the answer
    assert not ledger.try_acquire("SN00000002")
    assert ledger.wait_time() == pytest.approx(0.5 + M)
    clock.advance(0.5 + M)
    assert ledger.try_acquire("SN00000002")


def test_an_unfinished_reservation_holds_its_slot_until_it_must_be_over(path: Path) -> None:
    """A process killed in the middle of a request never finishes it: its slot is held as long as
    a request can possibly be in flight, then freed; the others are not stopped for good."""
    clock = FakeClock()
    killed = _ledger(path, clock, per_minute=1)
    other = _ledger(path, clock, per_minute=1)
    assert killed.try_acquire("SN00000001")
    clock.advance(MINUTE_S + 5)
    assert not other.try_acquire("SN00000002")
    clock.advance(HOLD_S)
    assert other.try_acquire("SN00000002")


def test_a_process_that_exits_without_finishing_frees_its_reservation(path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from solaxtray.core.clock import SystemClock\n"
        "from solaxtray.core.ledger import RequestLedger\n"
        "ledger = RequestLedger(Path(sys.argv[1]), clock=SystemClock())\n"
        "assert ledger.try_acquire('SN00000001')\n"
        "raise KeyboardInterrupt  # Ctrl-C while the request is in flight\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in proc.stderr
    (line,) = path.read_text().splitlines()
    assert "+" not in line  # finished at exit, not left in flight for HOLD_S


def test_the_time_is_read_once_the_lock_is_held(path: Path) -> None:
    """A caller that waited for the lock must not take what was written meanwhile for records
    from the future (which count as made now after the clock was set back): moved earlier, they
    would leave the window early."""
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=1)
    answers: list[bool] = []
    with FileLock(str(path) + ".lock"):  # another process holds the ledger for a while
        waiter = threading.Thread(target=lambda: answers.append(ledger.try_acquire("SN00000002")))
        waiter.start()
        time.sleep(0.3)  # it is waiting for the lock now
        clock.advance(30)
        path.write_text(f"{clock.now():.3f} SN00000001\n")  # that process's request, just answered
    waiter.join(10)
    assert answers == [False]
    assert path.read_text().splitlines()[0] == f"{clock.now():.3f} SN00000001"


# --- fair order: a queue of waiters in the file -----------------------------------------------------


def test_a_waiter_is_served_before_a_newcomer(path: Path) -> None:
    """A process that retries exactly when a slot frees (a loop of ``fetch``) must not take it
    from one that was waiting already (``watch``, which looks again a second later)."""
    clock = FakeClock()
    first = _ledger(path, clock, per_minute=1)
    watch = _ledger(path, clock, per_minute=1)
    assert _take(first, "SN00000001")
    clock.advance(10)
    assert not watch.try_acquire("SN00000002")
    wait = watch.wait_time()
    assert wait == pytest.approx(50 + M)
    clock.advance(wait)
    # The slot is free now; a new process and the old one are there first, the waiter a second
    # later. The slot stays the waiter's.
    newcomer = _ledger(path, clock, per_minute=1)
    assert not newcomer.try_acquire("SN00000003")
    assert not first.try_acquire("SN00000001")
    clock.advance(1.0)
    assert watch.try_acquire("SN00000002")
    watch.finish("SN00000002")
    # Then the others, in the order they queued, each coming back when it is told to.
    assert not first.try_acquire("SN00000001")
    assert not newcomer.try_acquire("SN00000003")
    clock.advance(max(first.wait_time(), newcomer.wait_time()))
    assert not first.try_acquire("SN00000001")
    assert newcomer.try_acquire("SN00000003")


def test_waiters_are_served_in_the_order_they_came(path: Path) -> None:
    clock = FakeClock()
    ledgers = [_ledger(path, clock, per_minute=2) for _ in range(5)]
    for ledger in ledgers[:2]:
        assert _take(ledger)
    for ledger in ledgers[2:]:
        assert not ledger.try_acquire("SN00000001")
        clock.advance(1)
    clock.advance(MINUTE_S)
    # Two slots free: the two first in the queue get them, whoever asks first.
    order = [ledgers[4], ledgers[3], ledgers[2]]
    assert [_take(ledger) for ledger in order] == [False, True, True]


def test_a_ticket_whose_holder_never_comes_back_lapses(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=1)
    gone = _ledger(path, clock, per_minute=1)
    other = _ledger(path, clock, per_minute=1)
    assert _take(ledger)
    assert not gone.try_acquire("SN00000002")
    wait = gone.wait_time()
    clock.advance(wait + 1)
    assert not other.try_acquire("SN00000003")  # still promised to the one queued first
    clock.advance(gone.jitter_s + TICKET_GRACE_S)
    assert other.try_acquire("SN00000003")


def test_a_wait_for_the_days_budget_takes_no_place_in_the_queue(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=9, per_day=2)
    assert _take(ledger)
    assert _take(ledger)
    waiting = _ledger(path, clock, per_minute=9, per_day=2)
    assert not waiting.try_acquire("SN00000002")
    assert waiting.wait_time() > 3600
    assert not any(line.startswith("?") for line in path.read_text().splitlines())


def test_waits_are_spread_by_jitter(path: Path) -> None:
    clock = FakeClock()
    assert _take(_ledger(path, clock, per_minute=1))
    waits = set()
    for seed in range(5):
        ledger = RequestLedger(path, clock=clock, per_minute=1, rng=random.Random(seed))
        assert not ledger.try_acquire("SN00000002")
        wait = ledger.wait_time()
        assert MINUTE_S + M <= wait <= MINUTE_S + M + JITTER_S
        waits.add(round(wait, 3))
    assert len(waits) == 5


def test_damaged_tickets_are_dropped(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("? x\n? ab-c 1 2 3\n? abc 0 1 2\n? abc 1 nan 5\n")
    clock = FakeClock()
    assert _take(_ledger(path, clock, per_minute=1))
    assert not any(line.startswith("?") for line in path.read_text().splitlines())


# --- hostile things where the ledger file should be -------------------------------------------------


def _within(seconds: float, call: Callable[[], object]) -> object:
    """``call()``'s result or exception, failing if it takes longer than ``seconds`` (a hang)."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # handed back to the test
            box.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"still running after {seconds} s"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_is_refused_at_once(path: Path) -> None:
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    ledger = RequestLedger(path, clock=FakeClock())
    for call in (
        lambda: ledger.try_acquire("SN00000001"),
        ledger.wait_time,
        ledger.used_today,
        lambda: ledger.charge("SN00000001", 1),
    ):
        error = _within(5, call)
        assert isinstance(error, LedgerUnusable)
        assert error.message == (
            f"The request ledger {path} is a named pipe, not a file: remove it or move it away, "
            "and solaxtray will start a new ledger there."
        )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_is_refused_at_once(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/zero")
    error = _within(5, lambda: RequestLedger(path, clock=FakeClock()).try_acquire("SN00000001"))
    assert isinstance(error, LedgerUnusable)
    assert "is a device, not a file" in error.message


def test_a_directory_is_refused_at_once(path: Path) -> None:
    path.mkdir(parents=True)
    error = _within(5, lambda: RequestLedger(path, clock=FakeClock()).try_acquire("SN00000001"))
    assert isinstance(error, LedgerUnusable)
    assert "is a directory, not a file" in error.message


def test_a_huge_file_is_set_aside_unread(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:  # sparse: 8 GB that take no room on disk
        fh.truncate(8 * 1024**3)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING):
        ledger = RequestLedger(path, clock=FakeClock(), per_minute=1)
        assert _take(ledger)
    assert time.monotonic() - start < 5
    assert "set aside" in caplog.text
    (aside,) = path.parent.glob(path.name + ".corrupt-*")
    assert aside.stat().st_size == 8 * 1024**3
    assert path.stat().st_size < MAX_FILE_BYTES
    assert not ledger.try_acquire("SN00000001")  # the new ledger counts


def test_a_caller_that_gives_up_takes_no_place_in_the_queue(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=1)
    one_off = _ledger(path, clock, per_minute=1)
    other = _ledger(path, clock, per_minute=1)
    assert _take(ledger)
    assert not one_off.try_acquire_once("SN00000002")
    assert not any(line.startswith("?") for line in path.read_text().splitlines())
    clock.advance(MINUTE_S + M)
    assert other.try_acquire("SN00000003")  # nobody is queued before it


def test_a_refusal_without_queueing_keeps_the_place_the_ledger_holds(path: Path) -> None:
    """The tray's connection test shares the poller's ledger: its refusal must not cost the
    poller the place it waits in."""
    clock = FakeClock()
    first = _ledger(path, clock, per_minute=1)
    shared = _ledger(path, clock, per_minute=1)
    newcomer = _ledger(path, clock, per_minute=1)
    assert _take(first)
    assert not shared.try_acquire("SN00000002")  # the poller queues
    assert not shared.try_acquire_once("SN00000002")  # the test, refused
    clock.advance(shared.wait_time())
    assert not newcomer.try_acquire("SN00000003")
    assert shared.try_acquire("SN00000002")


def test_settle_counts_what_was_sent_and_releases_the_rest(path: Path) -> None:
    clock = FakeClock()
    ledger = _ledger(path, clock, per_minute=9)
    assert ledger.try_acquire("SN00000001", 3)
    ledger.settle("SN00000001", 1)
    assert ledger.used_last_minute() == 1
    assert "+" not in path.read_text()
    assert ledger.try_acquire("SN00000001", 2)
    ledger.settle("SN00000001", 3)  # a token renewal on top of the two reserved
    assert ledger.used_last_minute() == 4
    assert ledger.try_acquire("SN00000001", 2)
    ledger.settle("SN00000001", 0)  # refused before anything left
    assert ledger.used_last_minute() == 4
    assert "+" not in path.read_text()
