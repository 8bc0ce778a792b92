"""The one way the app replaces a file: atomically and durably. Qt-free.

Settings, the request ledger and exported files are rewritten while other processes may read
them and while the machine may lose power. So the new content goes to a temporary file with a
unique name in the same directory (two writers never share a temporary file), is flushed to the
disk (``fsync``), then replaces the old file in one rename; the directory is synced too where the
platform allows, so the rename itself survives a crash. A reader sees the old file or the new one,
never half of either.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, creating its directory when missing.
    ``mode``: the new file's permission bits (default private, 0o600: settings and ledgers are
    the user's own). Raises OSError when the directory cannot be written; the temporary file
    never stays behind. A symbolic link is written through (the file it points to is replaced),
    so a file the user keeps elsewhere and links into place stays linked."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_directory(path.parent)


def atomic_write_text(
    path: Path, text: str, *, encoding: str = "utf-8", mode: int | None = None
) -> None:
    """``atomic_write_bytes`` for text (UTF-8 by default, newlines written as given)."""
    atomic_write_bytes(path, text.encode(encoding), mode=mode)


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; Windows cannot open a directory, where the rename is enough."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        logger.debug("could not sync directory %s", directory)
    finally:
        os.close(fd)
