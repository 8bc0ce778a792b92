"""A throwaway Linux desktop for one end-to-end test: its own X server (Xvfb), its own session bus,
the fake panel and notification server (fake_desktop.py), optionally a classic XEmbed tray (trayer).

The app under test runs as a subprocess exactly as a user starts it, on that display and bus, with
its own HOME and XDG directories. The test process itself stays offscreen and never joins the
private bus except through explicit jeepney connections, so nothing of the developer's session
(their real tray, notification daemon or keyring) can take part or be disturbed.

Every wait here is bounded and every process started is stopped in ``close()``. The benchmarks
reuse this module, which is why it holds no pytest fixtures (those are in conftest.py).

The app under test is ``python -m solaxtray`` from this checkout, unless the environment variable
``SOLAXTRAY_E2E_APP`` names an executable, such as the packaged app built by PyInstaller
(``SOLAXTRAY_E2E_APP=dist/solaxtray/solaxtray pytest tests/e2e``): then the same tests (and
the start-up and memory benchmarks) run against that binary, to check what users install. The
variable is read by this test process only; the app's own environment stays isolated.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jeepney import DBusAddress, MessageType, new_method_call
from jeepney.io.blocking import open_dbus_connection

REPO_ROOT = Path(__file__).resolve().parents[2]
FAKE_DESKTOP = Path(__file__).with_name("fake_desktop.py")
ITEM_PATH = "/StatusNotifierItem"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPERTIES = "org.freedesktop.DBus.Properties"
SCREEN_SIZE = "800x600x24"

Event = dict[str, Any]


class DesktopError(AssertionError):
    """A bounded wait ran out, or a helper process died: the message says which and shows why."""


def missing_tools(*tools: str) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


def stop_process(proc: subprocess.Popen[Any], timeout: float = 5.0) -> int | None:
    """SIGTERM the process's own session, then SIGKILL it if it lingers; never waits unbounded."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return proc.returncode


def start_xvfb(
    screen: str = SCREEN_SIZE, timeout: float = 10.0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display number, returned as ":N".

    Xvfb writes the number and the newline in two writes; closing the pipe after the first one
    makes the second fail with EPIPE and kills Xvfb now and then. So read up to the newline.
    """
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write_fd)
    buf = b""
    deadline = time.monotonic() + timeout
    try:
        os.set_blocking(read_fd, False)
        while not buf.endswith(b"\n"):
            if time.monotonic() > deadline or proc.poll() is not None:
                stop_process(proc)
                raise DesktopError(f"Xvfb did not report a display within {timeout} s")
            try:
                chunk = os.read(read_fd, 16)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            if not chunk:
                stop_process(proc)
                raise DesktopError("Xvfb closed its display pipe without a display number")
            buf += chunk
    finally:
        os.close(read_fd)
    return proc, ":" + buf.decode().strip()


def start_session_bus(timeout: float = 10.0) -> tuple[subprocess.Popen[str], str]:
    """A private dbus-daemon; returns it and its address (printed on its first stdout line)."""
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    line = ""
    while not line.endswith("\n"):
        if time.monotonic() > deadline or proc.poll() is not None:
            stop_process(proc)
            raise DesktopError("dbus-daemon did not print its address")
        part = proc.stdout.readline()
        if part:
            line += part
        else:
            time.sleep(0.01)
    return proc, line.strip()


APP_ENV = "SOLAXTRAY_E2E_APP"


def app_command(*args: str) -> list[str]:
    """How to start the app under test with ``args`` (see the module docstring)."""
    binary = os.environ.get(APP_ENV, "").strip()
    if binary:
        path = Path(binary).expanduser().resolve()
        if not os.access(path, os.X_OK) or path.is_dir():
            raise FileNotFoundError(f"{APP_ENV}={binary!r} is not an executable file")
        return [str(path), *args]
    return [sys.executable, "-m", "solaxtray", *args]


def isolated_env(base: Path, display: str, bus_address: str) -> dict[str, str]:
    """The environment of a fresh user: own HOME and XDG dirs, the private display and bus.

    Inherited session variables are dropped so nothing can reach the developer's desktop, and
    any SOLAXTRAY_* setting of the developer's is removed.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOLAXTRAY_", "XDG_", "DBUS_", "WAYLAND_", "QT_", "DESKTOP_"))
        and key not in {"DISPLAY", "HOME", "XAUTHORITY", "SESSION_MANAGER"}
    }
    home = base / "home"
    dirs = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_RUNTIME_DIR": base / "runtime",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    dirs["XDG_RUNTIME_DIR"].chmod(0o700)  # Qt warns (on stderr) about a looser runtime dir
    env.update({key: str(path) for key, path in dirs.items()})
    pythonpath = [str(REPO_ROOT)]
    if os.environ.get("PYTHONPATH"):
        pythonpath.append(os.environ["PYTHONPATH"])
    env.update(
        HOME=str(home),
        DISPLAY=display,
        DBUS_SESSION_BUS_ADDRESS=bus_address,
        QT_QPA_PLATFORM="xcb",
        PYTHONPATH=os.pathsep.join(pythonpath),
        PYTHONUNBUFFERED="1",
        # The tray path Qt chose (D-Bus or XEmbed) lands in the app's stderr for a failing test.
        QT_LOGGING_RULES="qt.qpa.tray=true",
    )
    return env


def read_events(path: Path) -> list[Event]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line still being written: the next read gets it whole
    return events


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name}: not written)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return f"--- last lines of {path.name} ---\n" + "\n".join(text[-lines:])


@dataclass
class AppProcess:
    """The app under test with its output files (files, not pipes: a full pipe would freeze it)."""

    proc: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    started_at: float
    log_path: Path | None = None
    """The app's own log file, shown with its output when a test fails."""

    def output(self) -> str:
        parts = [tail(self.stdout_path), tail(self.stderr_path)]
        if self.log_path is not None:
            parts.append(tail(self.log_path))
        return "\n".join(parts)

    def stop(self) -> int | None:
        return stop_process(self.proc)


@dataclass
class Desktop:
    """One private display + bus + fake panel; ``env`` is what every process on it gets."""

    workdir: Path
    display: str
    bus_address: str
    env: dict[str, str]
    events_path: Path
    icon_dir: Path
    _procs: list[subprocess.Popen[Any]] = field(default_factory=list)
    _apps: list[AppProcess] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)

    # -- processes -------------------------------------------------------------------------------
    def spawn(self, cmd: Sequence[str], name: str, **kwargs: Any) -> AppProcess:
        """Start a process on this desktop; its output goes to files named after ``name``."""
        stdout_path = self.workdir / f"{name}.stdout"
        stderr_path = self.workdir / f"{name}.stderr"
        out = stdout_path.open("wb")
        err = stderr_path.open("wb")
        self._files += [out, err]
        started = time.monotonic()
        env_used = kwargs.pop("env", None) or self.env
        proc = subprocess.Popen(
            list(cmd),
            env=env_used,
            cwd=kwargs.pop("cwd", self.workdir),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **kwargs,
        )
        log_path = Path(env_used["XDG_STATE_HOME"]) / "solaxtray" / "log" / "solaxtray.log"
        app = AppProcess(proc, stdout_path, stderr_path, started, log_path)
        self._apps.append(app)
        return app

    def start_app(self, *args: str, env: dict[str, str] | None = None) -> AppProcess:
        """The app with ``ARGS`` as a user would start it: ``python -m solaxtray`` from this
        checkout, or the binary ``SOLAXTRAY_E2E_APP`` names."""
        return self.spawn(app_command(*args), name="app", env=env or self.env)

    def start_fake_desktop(self, timeout: float = 10.0) -> None:
        err = (self.workdir / "fake_desktop.stderr").open("wb")
        self._files.append(err)
        proc = subprocess.Popen(
            [
                sys.executable,
                str(FAKE_DESKTOP),
                "--log",
                str(self.events_path),
                "--icon-dir",
                str(self.icon_dir),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        self._procs.append(proc)
        self.wait_for(lambda evs: any(e["event"] == "READY" for e in evs), timeout, "fake desktop")

    def start_trayer(self, timeout: float = 10.0) -> None:
        """A classic XEmbed system tray at the top right; waits until its panel window exists."""
        proc = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
                "--transparent",
                "false",
                "--tint",
                "0xffffff",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._procs.append(proc)
        deadline = time.monotonic() + timeout
        while '"panel" "trayer"' not in self.window_tree():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise DesktopError("trayer's panel window did not appear")
            time.sleep(0.05)

    def window_tree(self) -> str:
        result = subprocess.run(
            ["xwininfo", "-root", "-tree"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return result.stdout

    def close(self) -> None:
        for app in reversed(self._apps):
            app.stop()
        for proc in reversed(self._procs):
            stop_process(proc)
        for fh in self._files:
            fh.close()

    # -- watching ---------------------------------------------------------------------------------
    def events(self) -> list[Event]:
        return read_events(self.events_path)

    def wait_for(
        self,
        predicate: Callable[[list[Event]], bool],
        timeout: float,
        what: str,
        app: AppProcess | None = None,
    ) -> list[Event]:
        """Poll the event log until ``predicate`` holds; fail with the evidence when time is up
        or as soon as the app has died (an app that crashed at start must not cost the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            if predicate(events):
                return events
            if app is not None and app.proc.poll() is not None:
                raise DesktopError(
                    f"the app exited with status {app.proc.returncode} while waiting for {what}\n"
                    + app.output()
                )
            if time.monotonic() > deadline:
                shown = "\n".join(json.dumps(e)[:300] for e in events[-20:])
                raise DesktopError(
                    f"no {what} within {timeout} s; desktop events:\n{shown}\n"
                    + (app.output() if app else "")
                )
            time.sleep(0.05)

    def wait_registered(self, app: AppProcess, timeout: float = 20.0) -> Event:
        events = self.wait_for(
            lambda evs: any(e["event"] == "item_registered" for e in evs),
            timeout,
            "StatusNotifierItem registration",
            app,
        )
        return next(e for e in events if e["event"] == "item_registered")

    # -- acting as the panel and the user, over D-Bus ---------------------------------------------
    def item_properties(self, service: str, path: str = ITEM_PATH) -> dict[str, Any]:
        with open_dbus_connection(bus=self.bus_address) as conn:
            addr = DBusAddress(path, bus_name=service, interface=PROPERTIES)
            reply = conn.send_and_get_reply(
                new_method_call(addr, "GetAll", "s", (ITEM_IFACE,)), timeout=5
            )
        if reply.header.message_type == MessageType.error:
            raise DesktopError(f"GetAll on the tray item failed: {reply.body}")
        return {key: value[1] for key, value in reply.body[0].items()}

    def icon_pixmaps(self, service: str, path: str = ITEM_PATH) -> list[tuple[int, int, bytes]]:
        pixmaps = self.item_properties(service, path).get("IconPixmap") or []
        return [(int(w), int(h), bytes(data)) for w, h, data in pixmaps]

    def menu_items(self, service: str, path: str = ITEM_PATH) -> list[tuple[int, str]]:
        """The top-level entries of the item's dbusmenu, labels without their '&' mnemonics."""
        menu_path = self.item_properties(service, path)["Menu"]
        with open_dbus_connection(bus=self.bus_address) as conn:
            menu = DBusAddress(menu_path, bus_name=service, interface=MENU_IFACE)
            conn.send_and_get_reply(new_method_call(menu, "AboutToShow", "i", (0,)), timeout=5)
            reply = conn.send_and_get_reply(
                new_method_call(menu, "GetLayout", "iias", (0, -1, [])), timeout=5
            )
        if reply.header.message_type == MessageType.error:
            raise DesktopError(f"GetLayout on the tray menu failed: {reply.body}")
        _revision, (_root_id, _root_props, children) = reply.body
        items = []
        for _sig, (child_id, child_props, _grandchildren) in children:
            label = child_props.get("label", ("s", ""))[1]
            items.append((int(child_id), str(label).replace("&", "")))
        return items

    def click_menu(self, service: str, label: str, path: str = ITEM_PATH) -> None:
        """Click a top-level menu entry the way a panel does (dbusmenu ``Event "clicked"``)."""
        items = self.menu_items(service, path)
        matches = [item_id for item_id, text in items if text == label]
        if not matches:
            raise DesktopError(f"no menu entry {label!r}; the menu has {items}")
        menu_path = self.item_properties(service, path)["Menu"]
        with open_dbus_connection(bus=self.bus_address) as conn:
            menu = DBusAddress(menu_path, bus_name=service, interface=MENU_IFACE)
            conn.send_and_get_reply(
                new_method_call(
                    menu, "Event", "isvu", (matches[0], "clicked", ("i", 0), int(time.time()))
                ),
                timeout=5,
            )


def open_desktop(workdir: Path, *, fake_desktop: bool = True) -> Desktop:
    """Start Xvfb, a bus and (by default) the fake panel; the caller must ``close()`` it."""
    workdir.mkdir(parents=True, exist_ok=True)
    xvfb, display = start_xvfb()
    try:
        bus, address = start_session_bus()
    except BaseException:
        stop_process(xvfb)
        raise
    desktop = Desktop(
        workdir=workdir,
        display=display,
        bus_address=address,
        env=isolated_env(workdir, display, address),
        events_path=workdir / "desktop_events.jsonl",
        icon_dir=workdir / "icons",
        _procs=[xvfb, bus],
    )
    # close() stops in reverse order of start: the bus before the X server, helpers before both.
    try:
        if fake_desktop:
            desktop.start_fake_desktop()
    except BaseException:
        desktop.close()
        raise
    return desktop


_TRAYER_ICON = re.compile(
    r"^(\s+)\S+ \"(?P<title>[^\"]*)\": \(\"(?P<res>[^\"]*)\" \"(?P<cls>[^\"]*)\"\)\s+"
    r"(?P<w>\d+)x(?P<h>\d+)\+-?\d+\+-?\d+\s+\+(?P<x>-?\d+)\+(?P<y>-?\d+)",
    re.MULTILINE,
)


def embedded_icon_rect(tree: str, wm_class: str) -> tuple[int, int, int, int] | None:
    """The absolute rectangle (x, y, w, h) of a window of ``wm_class`` that sits inside trayer's
    panel in ``xwininfo -root -tree`` output, or None while it is still a top-level window.

    Why nesting matters: before the XEmbed handshake the icon window exists at the root, and a
    screenshot taken then shows an empty tray.
    """
    lines = tree.splitlines()
    panel_indent: int | None = None
    for line in lines:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if panel_indent is not None and stripped and indent <= panel_indent:
            panel_indent = None  # left the panel's subtree
        if '("panel" "trayer")' in line:
            panel_indent = indent
            continue
        if panel_indent is None:
            continue
        match = _TRAYER_ICON.match(line)
        if match and wm_class in (match["res"], match["cls"]):
            w, h, x, y = (int(match[k]) for k in ("w", "h", "x", "y"))
            if w > 1 and h > 1:
                return x, y, w, h
    return None


def grab_screen(desktop: Desktop, target: Path, timeout: float = 20.0) -> None:
    """Save the whole X screen as PNG with Qt, from a helper process on the test display (the
    test process itself is offscreen and cannot see that display)."""
    code = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication(sys.argv)\n"
        "ok = app.primaryScreen().grabWindow(0).save(sys.argv[1])\n"
        "sys.exit(0 if ok else 3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        env=desktop.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise DesktopError(f"screen grab failed ({result.returncode}): {result.stderr[-2000:]}")
