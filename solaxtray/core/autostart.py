"""Start at login, per platform. Qt-free.

Linux: an XDG autostart ``.desktop`` file. Desktops start autostart entries in parallel with the
panel, so a tray icon created at once often finds no tray (autostart races the panel):
the entry asks GNOME for a delay (``X-GNOME-Autostart-Delay``) and, because other desktops ignore
that key, also runs ``sh -c "sleep N; exec ..."``; the app itself then waits a while for a tray
before it falls back to a window. macOS: a LaunchAgent plist. Windows: the HKCU Run key.

Each backend takes its location as a parameter, so the tests write and read the real files of every
platform's format on Linux; only the Windows registry is imported on Windows alone.
"""

from __future__ import annotations

import importlib
import logging
import os
import plistlib
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from solaxtray.core.errors import ConfigError
from solaxtray.core.fileio import atomic_write_bytes
from solaxtray.core.i18n import _

logger = logging.getLogger(__name__)

APP_ID = "solaxtray"
LAUNCH_AGENT_LABEL = "io.github.solaxtray"
DEFAULT_DELAY_S = 10
"""Seconds GNOME waits before starting us: long enough for the panel in the common case."""


def launch_command() -> list[str]:
    """The command that starts this installation of the app.

    A frozen build (PyInstaller) is its own executable; from source we run the interpreter that runs
    us now, so a virtual environment keeps working after login.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "solaxtray"]


class Autostart(Protocol):
    """What the settings dialog needs: switch start-at-login on and off, and read it back."""

    def enable(self) -> None: ...

    def disable(self) -> None: ...

    def is_enabled(self) -> bool: ...


def _desktop_exec_arg(arg: str) -> str:
    """Quote one argument for a desktop entry's ``Exec`` key.

    The Desktop Entry Spec ("The Exec key") applies the string escapes (a backslash is written
    twice) before its quoting rule (double quote, backquote, dollar and backslash are
    backslash-escaped inside double quotes), so each quoting backslash is doubled once more; a
    percent sign is doubled because it starts a field code.
    """
    if arg and all(c.isalnum() or c in "-_./=:+," for c in arg):
        return arg
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return ('"' + quoted + '"').replace("\\", "\\\\").replace("%", "%%")


class XdgAutostart:
    """``$XDG_CONFIG_HOME/autostart/solaxtray.desktop``."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        command: Sequence[str] | None = None,
        delay_s: int = DEFAULT_DELAY_S,
    ) -> None:
        if directory is None:
            base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
            directory = Path(base) / "autostart"
        self.path = directory / f"{APP_ID}.desktop"
        self._command = list(command) if command is not None else launch_command()
        self._delay_s = delay_s

    def content(self) -> str:
        """The desktop entry: GNOME honours the delay key; the ``sleep`` serves every other desktop."""
        inner = f"sleep {self._delay_s}; exec {shlex.join(self._command)}"
        exec_line = " ".join(_desktop_exec_arg(a) for a in ["sh", "-c", inner])
        lines = [
            "[Desktop Entry]",
            "Type=Application",
            "Name=SolaX Tray",
            "Comment=Watch SolaX inverters from the system tray",
            f"Exec={exec_line}",
            "Icon=solaxtray",
            "Terminal=false",
            "Categories=Utility;",
            "X-GNOME-Autostart-enabled=true",
            f"X-GNOME-Autostart-Delay={self._delay_s}",
            "",
        ]
        return "\n".join(lines)

    def enable(self) -> None:
        _write_atomic(self.path, self.content().encode("utf-8"))
        logger.info("start at login enabled: %s", self.path)

    def disable(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(
                _("Could not remove the start-at-login entry {path}: {reason}.").format(
                    path=self.path, reason=exc.strerror
                )
            ) from exc
        logger.info("start at login disabled")

    def is_enabled(self) -> bool:
        """Enabled when our file exists and the user has not switched it off in the desktop's
        own start-up settings (which write ``Hidden=true`` or ``X-GNOME-Autostart-enabled=false``)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("Hidden", "X-GNOME-Autostart-enabled"):
                off = "true" if key.strip() == "Hidden" else "false"
                if value.strip().lower() == off:
                    return False
        return True


class LaunchAgentAutostart:
    """``~/Library/LaunchAgents/<label>.plist``; launchd runs it at login."""

    def __init__(
        self, directory: Path | None = None, *, command: Sequence[str] | None = None
    ) -> None:
        if directory is None:
            directory = Path.home() / "Library" / "LaunchAgents"
        self.path = directory / f"{LAUNCH_AGENT_LABEL}.plist"
        self._command = list(command) if command is not None else launch_command()

    def content(self) -> bytes:
        plist = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(self._command),
            "RunAtLoad": True,
            # Quit from the menu means quit: launchd must not start us again.
            "KeepAlive": False,
            "ProcessType": "Interactive",
        }
        return plistlib.dumps(plist)

    def enable(self) -> None:
        _write_atomic(self.path, self.content())
        logger.info("start at login enabled: %s", self.path)

    def disable(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(
                _("Could not remove the start-at-login entry {path}: {reason}.").format(
                    path=self.path, reason=exc.strerror
                )
            ) from exc
        logger.info("start at login disabled")

    def is_enabled(self) -> bool:
        return self.path.is_file()


class WindowsRunKeyAutostart:  # pragma: no cover - needs Windows
    """``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``: no admin rights needed."""

    KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
    VALUE = "SolaX Tray"

    def __init__(self, *, command: Sequence[str] | None = None) -> None:
        self._command = list(command) if command is not None else launch_command()

    def command_line(self) -> str:
        import subprocess

        return subprocess.list2cmdline(self._command)

    def enable(self) -> None:
        winreg = _winreg()
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, self.KEY) as key:
            winreg.SetValueEx(key, self.VALUE, 0, winreg.REG_SZ, self.command_line())

    def disable(self) -> None:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, self.VALUE)
        except FileNotFoundError:
            return

    def is_enabled(self) -> bool:
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY) as key:
                winreg.QueryValueEx(key, self.VALUE)
        except FileNotFoundError:
            return False
        return True


def _winreg() -> Any:  # pragma: no cover - needs Windows
    """The registry module, loaded by name: it exists on Windows only."""
    return importlib.import_module("winreg")


def for_platform(platform: str | None = None) -> Autostart:
    """The start-at-login backend of this machine (or of ``platform``, a ``sys.platform`` value)."""
    platform = platform or sys.platform
    if platform == "darwin":
        return LaunchAgentAutostart()
    if platform == "win32":
        return WindowsRunKeyAutostart()
    return XdgAutostart()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a crash never leaves half an entry that the
    desktop would try to run."""
    try:
        # Readable by the desktop's session manager like any file the user writes.
        atomic_write_bytes(path, data, mode=0o644)
    except OSError as exc:
        raise ConfigError(
            _("Could not write the start-at-login entry {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc
            )
        ) from exc
