"""The demo's own world for one run: a simulated cloud and a throwaway directory. Qt-free.

Why one object: the demo never touches the user's history, ledger or settings, and what it
makes goes at quit. Its history database and request ledgers live in a directory made here,
its cloud is started here, and both are removed here, so the app's start and shutdown each
have one thing to ask.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solaxtray.core.api.registry import BackendSpec, DemoCloud
    from solaxtray.core.clock import Clock
    from solaxtray.core.history import HistoryStore
    from solaxtray.core.simulator import CloudSimulator


class DemoSession:
    """The demo's simulated cloud and throwaway directory, both made on first use."""

    def __init__(self) -> None:
        self._directory: Path | None = None
        self._cloud: DemoCloud | None = None
        self._closed = False
        self._lock = threading.Lock()
        """The history is seeded on a worker thread, which may start the cloud there."""

    @property
    def directory(self) -> Path:
        """The throwaway directory, made on first use. After ``close`` it is gone and stays gone:
        a worker that asks late (a history opening as the app quits) gets the deleted path, where
        nothing can be written, rather than a new directory nobody would ever delete."""
        if self._directory is None:
            if self._closed:
                return Path(os.devnull) / "solaxtray-demo"  # no directory can be made there
            self._directory = Path(tempfile.mkdtemp(prefix="solaxtray-demo-"))
        return self._directory

    @property
    def history_path(self) -> Path:
        """The demo's history database, deleted at quit."""
        return self.directory / "history.sqlite3"

    def ledger_path(self, spec: BackendSpec) -> Path:
        """The demo's requests must not count against the user's real budget: its own ledger."""
        return self.directory / f"ledger-{spec.name}"

    def start(self, spec: BackendSpec, clock: Clock) -> DemoCloud:
        """Start the demo cloud of ``spec``'s API (once; later calls return the same cloud).
        Raises ``RuntimeError`` after ``close``: a quit while the demo was starting wins."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the demo session is closed")
            if self._cloud is None:
                self._cloud = spec.demo(clock)
            return self._cloud

    @property
    def cloud(self) -> DemoCloud | None:
        return self._cloud

    @property
    def simulator(self) -> CloudSimulator | None:
        """The simulated SolaX Cloud the demo polls, while it runs."""
        return self._cloud.simulator if self._cloud is not None else None

    def seed_history(self, store: HistoryStore) -> int:
        """The demo opens on a plausible day so far and past month, from the same plant model as
        its live uploads; returns the rows added (none before the cloud is started)."""
        if self._cloud is None:
            return 0
        from solaxtray.core.history.demo import seed_demo_history

        cloud = self._cloud
        return seed_demo_history(store, cloud.simulator, serial_of=cloud.history_serial)

    def close(self) -> None:
        """Stop the cloud and delete the directory with everything in it."""
        with self._lock:
            self._closed = True
            cloud, self._cloud = self._cloud, None
        if cloud is not None:
            with contextlib.suppress(Exception):
                cloud.simulator.stop()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
