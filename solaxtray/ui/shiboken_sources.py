"""Keep PySide6 from holding the source of every module imported after it in memory.

Why: from PySide6 6.4 (PYSIDE-2029) shiboken's import hook asks of each module imported after
PySide6 whether its source mentions "PySide6", through ``inspect.getsource``. That reads the
whole file into ``linecache``, which keeps it for the life of the process: for the tray app,
requests, urllib3, keyring and our own modules, about 11 MB of source lines (a third of what
the app holds beyond a bare PySide6 tray), never used again.

How: the same question answered by reading the file's bytes and dropping them, for modules that
come from a ``.py`` file; anything else (bytecode only, built-in, a zip) still goes to
shiboken's own check, and a PySide6 without that check (or with another layout) is left alone.
The answer is exactly the one shiboken would give, so the ``__feature__`` switching it serves
works as before.
"""

from __future__ import annotations

import linecache
import logging
import sys
from collections.abc import Callable
from types import ModuleType

logger = logging.getLogger(__name__)

_MARK = "_solaxtray_reads_bytes"


def spare_linecache() -> bool:
    """Install the file-reading check on shiboken's feature module; True when installed (now or
    before). Also empties ``linecache`` of what shiboken's check put there already."""
    import PySide6  # noqa: F401 - loads shiboken and its import hook

    feature = sys.modules.get("shibokensupport.feature")
    upstream: Callable[[ModuleType], bool] | None = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or upstream is None or not hasattr(feature, "inspect"):
        return False  # a PySide6 that no longer reads sources this way
    if getattr(upstream, _MARK, False):
        return True

    def mod_uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return upstream(module)
        try:
            with open(path, "rb") as fh:
                return b"PySide6" in fh.read()
        except OSError:
            return upstream(module)

    setattr(mod_uses_pyside, _MARK, True)
    feature._mod_uses_pyside = mod_uses_pyside  # type: ignore[attr-defined]
    # What the hook read before this point (the modules imported since PySide6 was) is
    # only a cache: tracebacks read their lines again when they need them.
    linecache.clearcache()
    return True
