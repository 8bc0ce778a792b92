"""``solaxtray watch``: poll like the tray app and print one JSON line per new snapshot and
per alert.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from solaxtray.cli.options import add_target_options
from solaxtray.cli.output import EXIT_OK
from solaxtray.cli.target import (
    load_settings,
    make_ledger,
    open_backend,
    open_history,
    resolve_target,
)
from solaxtray.core.i18n import _

COMMANDS: tuple[str, ...] = ("watch",)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``watch`` to ``commands``."""
    watch = commands.add_parser(
        "watch",
        help=_("poll like the tray app and print one JSON line per new snapshot and per alert"),
    )
    add_target_options(watch, top=False)


def run(args: argparse.Namespace) -> int:
    from solaxtray.core.watch import run_watch

    settings = load_settings(bool(getattr(args, "demo", False)))
    with ExitStack() as stack:
        target = resolve_target(args, settings, stack)
        backend = open_backend(target, stack)
        try:
            return run_watch(
                serials=list(target.serials),
                backend=backend,
                settings=settings,
                ledger=make_ledger(
                    settings,
                    backend,
                    target.backend,
                    Path(stack.enter_context(tempfile.TemporaryDirectory())) / "ledger"
                    if target.demo
                    else None,
                ),
                out=sys.stdout,
                history=open_history(target, stack),
            )
        except KeyboardInterrupt:
            # Ctrl-C is how a user ends watch: not an error.
            return EXIT_OK
