"""Opening the history store for the tray app, on a worker thread.

Opening runs SQLite's integrity check, whose cost grows with the file (tens of milliseconds per
year of history), may wait for another program's lock, and in the demo includes seeding the
throwaway database with a plausible day and month. None of that may hold the GUI thread, so the
tray app runs this function through its ``BackgroundCaller`` and gets the store back on the GUI
thread. A damaged database is set aside by the store itself with a sentence (``warning``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from solaxtray.core.api.registry import BackendSpec
    from solaxtray.core.clock import Clock
    from solaxtray.core.demo_session import DemoSession
    from solaxtray.core.history import HistoryStore

logger = logging.getLogger(__name__)


def open_history(
    path: Path, clock: Clock, demo: DemoSession | None = None, spec: BackendSpec | None = None
) -> HistoryStore:
    """The history store at ``path``; in the demo (``demo`` and its API's ``spec``), seeded from
    the demo's cloud, which is started here. Blocks: call it off the GUI thread."""
    from solaxtray.core.history import HistoryStore

    store = HistoryStore.open(path, clock=clock)
    if demo is not None and spec is not None:
        # The demo opens on a plausible day so far and past month, from the same plant model.
        demo.start(spec, clock)
        added = demo.seed_history(store)
        logger.debug("demo history seeded with %d uploads", added)
    return store
