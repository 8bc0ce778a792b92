"""The background caller: results come back on the GUI thread, exactly once, and what a call makes
after its time-out is handed to ``discard`` instead of being dropped."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from solaxtray.ui.background import BackgroundCaller, CallTimedOut


class Resource:
    """Something a call makes that must be released: an open file or database, say."""

    def __init__(self) -> None:
        self.closed = False
        self.made_on = threading.current_thread()

    def close(self) -> None:
        self.closed = True


def test_the_result_arrives_on_the_callers_thread(qtbot: QtBot) -> None:
    caller = BackgroundCaller()
    got: list[tuple[object, object, threading.Thread]] = []
    caller.call(Resource, lambda r, e: got.append((r, e, threading.current_thread())))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    result, error, thread = got[0]
    assert error is None
    assert isinstance(result, Resource)
    assert result.made_on is not threading.main_thread()
    assert thread is threading.main_thread()
    assert not caller.busy


def test_an_exception_is_delivered_not_raised(qtbot: QtBot) -> None:
    def fails() -> Resource:
        raise OSError("disk gone")

    caller = BackgroundCaller()
    got: list[tuple[object, BaseException | None]] = []
    caller.call(fails, lambda r, e: got.append((r, e)))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0][0] is None
    assert isinstance(got[0][1], OSError)


def test_a_late_result_is_discarded_once_after_the_time_out(qtbot: QtBot) -> None:
    release = threading.Event()

    def slow() -> Resource:
        release.wait(10)
        return Resource()

    caller = BackgroundCaller()
    done: list[tuple[object, BaseException | None]] = []
    late: list[Resource] = []

    def discard(resource: Resource) -> None:
        late.append(resource)
        resource.close()

    caller.call(slow, lambda r, e: done.append((r, e)), timeout_s=0.05, discard=discard)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert done[0][0] is None
    assert isinstance(done[0][1], CallTimedOut)
    assert late == []
    release.set()
    qtbot.waitUntil(lambda: bool(late), timeout=5000)
    assert late[0].closed
    assert len(done) == 1  # on_done ran exactly once


def test_a_result_in_time_is_not_discarded(qtbot: QtBot) -> None:
    caller = BackgroundCaller()
    done: list[object] = []
    late: list[Resource] = []
    caller.call(Resource, lambda r, e: done.append(r), timeout_s=5.0, discard=late.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    qtbot.wait(50)
    assert isinstance(done[0], Resource)
    assert late == []
