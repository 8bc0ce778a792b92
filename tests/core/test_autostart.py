"""Start-at-login entries are real files in the places the desktops read them."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

from solaxtray.core import autostart
from solaxtray.core.autostart import (
    LaunchAgentAutostart,
    XdgAutostart,
)


def _entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def test_xdg_default_directory_follows_xdg_config_home(isolated_dirs: Path) -> None:
    entry = XdgAutostart()
    assert entry.path == isolated_dirs / "config" / "autostart" / "solaxtray.desktop"


def _exec_argv(exec_value: str) -> list[str]:
    """Decode an Exec value as the Desktop Entry Spec says: string escapes first, then the quoting
    rule (inside double quotes a backslash escapes a double quote, backquote, dollar or backslash)."""
    text = exec_value.replace("\\\\", "\\").replace("%%", "%")
    args: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
            current.append(text[i + 1])
            i += 1
        elif c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            if current:
                args.append("".join(current))
                current = []
        else:
            current.append(c)
        i += 1
    if current:
        args.append("".join(current))
    return args


def test_xdg_enable_writes_entry_with_delay(isolated_dirs: Path) -> None:
    entry = XdgAutostart(command=["/opt/solax tray/bin/solaxtray"], delay_s=15)
    assert not entry.is_enabled()
    entry.enable()
    assert entry.is_enabled()
    keys = _entry(entry.path)
    assert keys["Type"] == "Application"
    assert keys["X-GNOME-Autostart-Delay"] == "15"
    argv = _exec_argv(keys["Exec"])
    assert argv[:2] == ["sh", "-c"]
    assert argv[2] == "sleep 15; exec '/opt/solax tray/bin/solaxtray'"
    assert not list(entry.path.parent.glob("*.tmp"))


def test_xdg_exec_line_runs_the_command_exactly(isolated_dirs: Path) -> None:
    """The quoting survives awkward characters: the decoded line, run by a shell, passes the
    arguments through unchanged."""
    tricky = 'a "b" $HOME `x` \\ 100%'
    entry = XdgAutostart(
        command=[sys.executable, "-c", "import sys; print(sys.argv[1])", tricky], delay_s=0
    )
    entry.enable()
    argv = _exec_argv(_entry(entry.path)["Exec"])
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30)
    assert out.stdout.rstrip("\n") == tricky


def test_xdg_disable_removes_entry_and_is_idempotent(isolated_dirs: Path) -> None:
    entry = XdgAutostart(command=["solaxtray"])
    entry.enable()
    entry.disable()
    assert not entry.path.exists()
    assert not entry.is_enabled()
    entry.disable()  # nothing to remove is not an error


@pytest.mark.parametrize("line", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_xdg_entry_switched_off_by_the_desktop_counts_as_disabled(
    isolated_dirs: Path, line: str
) -> None:
    entry = XdgAutostart(command=["solaxtray"])
    entry.enable()
    text = entry.path.read_text(encoding="utf-8").replace("X-GNOME-Autostart-enabled=true", "")
    entry.path.write_text(text + line + "\n", encoding="utf-8")
    assert not entry.is_enabled()


def test_default_command_runs_this_interpreter() -> None:
    command = autostart.launch_command()
    assert command[-2:] == ["-m", "solaxtray"]


def test_launch_agent_plist_written_and_removed(tmp_path: Path) -> None:
    agent = LaunchAgentAutostart(tmp_path / "LaunchAgents", command=["/Applications/S.app/x"])
    agent.enable()
    assert agent.is_enabled()
    data = plistlib.loads(agent.path.read_bytes())
    assert data["Label"] == autostart.LAUNCH_AGENT_LABEL
    assert data["ProgramArguments"] == ["/Applications/S.app/x"]
    assert data["RunAtLoad"] is True
    assert data["KeepAlive"] is False
    agent.disable()
    assert not agent.path.exists()
    assert not agent.is_enabled()


def test_for_platform_picks_the_backend() -> None:
    assert isinstance(autostart.for_platform("linux"), XdgAutostart)
    assert isinstance(autostart.for_platform("darwin"), LaunchAgentAutostart)
    assert isinstance(autostart.for_platform("win32"), autostart.WindowsRunKeyAutostart)
