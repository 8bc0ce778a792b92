"""``solaxtray --self-test``: check that everything the app needs loads and works."""

from __future__ import annotations


def run() -> int:
    from solaxtray.selftest import run_self_test

    return run_self_test()
