"""A doctor report over many serial numbers stays readable: the first ones are shown check by
check, every further one is counted in one result that names the first few with a problem, and
the counts use the language's digit grouping. Qt-free."""

from __future__ import annotations

import pytest

from solaxtray.core import i18n
from solaxtray.core.doctor import CheckResult, Status
from solaxtray.core.doctor.model import fail, ok, warn
from solaxtray.core.doctor.serials import MORE_ID, SHOWN_SERIALS, summarise_serials


def _serial(sn: str, known: Status = Status.OK) -> list[CheckResult]:
    results = [ok(f"serial-shape:{sn}", f"Serial number {sn}", "Right shape.")]
    if known is Status.OK:
        results.append(ok(f"serial-known:{sn}", f"{sn} in the account", "Known."))
        results.append(ok(f"upload-age:{sn}", f"{sn} reporting", "Recent."))
    elif known is Status.WARN:
        results.append(warn(f"serial-known:{sn}", f"{sn} in the account", "Not checked.", "Later."))
    else:
        results.append(fail(f"serial-known:{sn}", f"{sn} in the account", "Unknown.", "Add it."))
    return results


HEAD = [ok("credentials", "Credentials", "Set."), ok("serials", "Serial numbers", "Many.")]
TAIL = [ok("tray", "System tray", "Here.")]


def test_a_few_serials_are_shown_whole() -> None:
    results = [*HEAD, *(r for i in range(SHOWN_SERIALS) for r in _serial(f"SW{i:08d}")), *TAIL]
    assert summarise_serials(results) == results


def test_beyond_the_first_serials_one_result_counts_and_names_the_problems() -> None:
    i18n.configure(cli="en")
    statuses = [Status.OK] * 9990 + [Status.WARN] * 3 + [Status.FAIL] * 7
    body = [r for i, status in enumerate(statuses) for r in _serial(f"SW{i:08d}", status)]
    results = [*HEAD, *body, *TAIL]
    shown = summarise_serials(results)
    assert shown[: len(HEAD)] == HEAD
    assert shown[-1] == TAIL[0]
    first = [r for r in body if r.id.split(":")[1] < f"SW{SHOWN_SERIALS:08d}"]
    assert shown[len(HEAD) : len(HEAD) + len(first)] == first
    (more,) = [r for r in shown if r.id == MORE_ID]
    assert len(shown) == len(HEAD) + len(first) + 1 + len(TAIL)
    assert more.status is Status.FAIL
    assert more.message.startswith(
        "9,980 serial numbers after the first 20: 9,970 passed every check, 3 had a warning, "
        "7 had a failed check."
    )
    assert "Failed: SW00009993, SW00009994, SW00009995, SW00009996, SW00009997 and 2 more." in (
        more.message
    )
    assert "With a warning: SW00009990, SW00009991, SW00009992." in more.message
    assert "--json" in more.fix


def test_all_good_beyond_the_first_serials_is_one_passed_line() -> None:
    i18n.configure(cli="de")
    body = [r for i in range(SHOWN_SERIALS + 1500) for r in _serial(f"SW{i:08d}")]
    (more,) = [r for r in summarise_serials([*HEAD, *body]) if r.id == MORE_ID]
    assert more.status is Status.OK
    assert more.message.startswith("1.500 ")
    assert more.fix == ""


@pytest.mark.parametrize("keep", [0, 1, 3])
def test_every_serial_is_either_shown_or_counted(keep: int) -> None:
    i18n.configure(cli="en")
    body = [r for i in range(5) for r in _serial(f"SW{i:08d}", Status.WARN)]
    shown = summarise_serials(body, keep=keep)
    shapes = [r for r in shown if r.id.startswith("serial-shape:")]
    assert len(shapes) == keep
    (more,) = [r for r in shown if r.id == MORE_ID]
    assert more.message.startswith(f"{5 - keep} serial number")
