"""The app's icon and desktop entry in the user's XDG data directory. Qt-free.

Why: notifications name the icon and desktop entry "solaxtray" (the ``desktop-entry`` hint), and
a daemon shows a generic icon when neither is installed, which is the case after ``pip install``
(the .deb and AppImage ship them system-wide). So the tray app installs them for the user on its
first run on Linux: ``applications/solaxtray.desktop`` and
``icons/hicolor/<size>x<size>/apps/solaxtray.png`` under ``$XDG_DATA_HOME`` (platformdirs), from
the PNGs shipped in the package. A file is written only when it is absent or outdated, atomically;
a desktop entry that solaxtray did not write (the user's own) is left alone. The demo never calls
this: it writes nothing of the user's.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import platformdirs

import solaxtray
from solaxtray.core.fileio import atomic_write_bytes

logger = logging.getLogger(__name__)

APP_NAME = "solaxtray"
ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)
MARKER_KEY = "X-SolaxTray-Installed-By"
"""Marks a desktop entry as solaxtray's own, so that only such an entry is ever replaced."""

_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def supported(platform: str | None = None) -> bool:
    """Desktop entries and hicolor icons are the freedesktop way: Linux and the BSDs. Not for a
    frozen build: its package (.deb, AppImage, tarball) brings its own entry and icons."""
    if getattr(sys, "frozen", False):
        return False
    platform = platform or sys.platform
    return platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def data_home() -> Path:
    """``$XDG_DATA_HOME`` (``~/.local/share``): where a user's desktop entries and icons go."""
    return platformdirs.user_data_path()


def icon_bytes(size: int) -> bytes:
    """The shipped PNG of one size (package data, so it is there after ``pip install``)."""
    return (resources.files(solaxtray) / "icons" / f"{APP_NAME}-{size}.png").read_bytes()


def launch_command() -> list[str]:
    """How a desktop launcher starts this very installation."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == APP_NAME and script.is_file():
        return [str(script.resolve())]
    return [sys.executable, "-m", APP_NAME]


def _desktop_quote(arg: str) -> str:
    """One argument of an ``Exec`` line (Desktop Entry Specification, "The Exec key")."""
    if arg and not (set(arg) & _DESKTOP_RESERVED):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(command: Sequence[str]) -> str:
    """The entry: the same keys as the packaged one (packaging/build.py), plus the marker."""
    exec_line = " ".join(_desktop_quote(arg) for arg in command)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=SolaX Tray\n"
        "GenericName=Solar inverter monitor\n"
        "Comment=SolaX inverter status in the system tray\n"
        f"Exec={exec_line}\n"
        f"Icon={APP_NAME}\n"
        "Terminal=false\n"
        "Categories=Utility;Monitor;\n"
        "Keywords=solar;inverter;SolaX;PV;battery;\n"
        f"StartupWMClass={APP_NAME}\n"
        f"{MARKER_KEY}=solaxtray {solaxtray.__version__}\n"
    )


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly that; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data, mode=0o644)
    return True


def install_desktop_files(
    base: Path | None = None, *, command: Sequence[str] | None = None
) -> list[Path]:
    """Put the icon (every size) and the desktop entry under ``base`` (``$XDG_DATA_HOME``)
    where they are missing or outdated; returns the files written.

    Never raises for a file-system problem: a read-only home costs the notifications their
    icon, not the app its start (one sentence in the log).
    """
    base = base if base is not None else data_home()
    written: list[Path] = []
    try:
        for size in ICON_SIZES:
            target = base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png"
            if _write_if_changed(target, icon_bytes(size)):
                written.append(target)
        entry = base / "applications" / f"{APP_NAME}.desktop"
        text = desktop_entry(command if command is not None else launch_command())
        if _ours_or_absent(entry) and _write_if_changed(entry, text.encode("utf-8")):
            written.append(entry)
    except OSError as exc:
        logger.warning(
            "Could not install solaxtray's icon and desktop entry in %s (%s), so notifications "
            "may show a generic icon.",
            base,
            type(exc).__name__,
        )
        return written
    if written:
        logger.info("Installed %d desktop file(s) under %s", len(written), base)
    return written


def _ours_or_absent(entry: Path) -> bool:
    try:
        text = entry.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return True
    if f"\n{MARKER_KEY}=" in text:
        return True
    logger.info("Leaving %s alone: solaxtray did not write it", entry)
    return False


__all__ = [
    "ICON_SIZES",
    "data_home",
    "desktop_entry",
    "install_desktop_files",
    "launch_command",
    "supported",
]
