"""One tray app per user: a second launch asks the first to show its window, then exits.

A second poller on the same token would halve everyone's request budget and double the alerts, so
the check happens before anything polls. QLocalServer/QLocalSocket (a Unix socket, a named pipe on
Windows) carry one line from the newcomer to the running instance.

The name is derived from the user's data directory, so it is per user and, in the tests, per
isolated set of XDG directories (two test apps must not find each other). The demo has a name of
its own: a demo launch must neither be taken for the real app (and bring up its window) nor keep
the real app from starting.

Start-up speed: on Unix, :meth:`SingleInstance.probe` asks with a plain socket whether anyone
listens, so a first launch can put its tray icon up before loading QtNetwork and claim the name a
moment later; only a second launch (or Windows, with its named pipes) claims before any icon.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket as pysocket
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
SHOW_MESSAGE = b"show\n"


def instance_name(data_dir: Path, *, demo: bool = False) -> str:
    """A short socket name unique to this user and data directory (Unix socket paths are limited
    to about 100 bytes, so the directory is hashed rather than embedded), and to the demo."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): the data dir still separates users
        user = "user"
    # Two 32-bit checksums from zlib, which Python has loaded already: hashlib would cost some
    # milliseconds of start-up, and this name needs no cryptographic strength.
    key = f"{user}\0{data_dir}".encode()
    kind = "solaxtray-demo" if demo else "solaxtray"
    return f"{kind}-{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


class SingleInstance(QObject):
    """``claim()`` returns True for the first instance (which then listens) and False for a later
    one (after it has asked the first to show itself). ``activated`` fires in the first instance
    when a later one knocks."""

    activated = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def probe(self) -> bool | None:
        """Whether another instance listens: True, False, or None when this cannot be told
        without QtNetwork (Windows). Cheap: no Qt module is loaded. A True is acted on by
        :meth:`claim`, which tells that instance to show itself."""
        if sys.platform == "win32":
            return None
        path = self.name
        if not os.path.isabs(path):
            # QLocalServer's place for a plain name: QDir::tempPath(), i.e. $TMPDIR or /tmp.
            path = os.path.join(os.environ.get("TMPDIR") or "/tmp", path)  # noqa: S108
        if not os.path.exists(path):
            return False
        with pysocket.socket(pysocket.AF_UNIX, pysocket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT_MS / 1000)
            try:
                sock.connect(path)
            except OSError:
                return False  # a socket file left by a crashed instance
        return True

    def claim(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        if self._notify_running():
            logger.info("solaxtray is already running; asked it to show its window")
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A socket file left by a crashed instance: nobody answered above, so it is stale.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                logger.warning(
                    "cannot listen for other launches (%s); running without the check",
                    server.errorString(),
                )
                return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def release(self) -> None:
        for socket in self._clients:
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    def _notify_running(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(SHOW_MESSAGE)
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            # Keep the Python side of each socket alive here until it disconnects; Qt's parent
            # (the server) owns the C++ side.
            self._clients.append(socket)
            socket.readyRead.connect(self._on_ready)
            socket.disconnected.connect(self._on_disconnected)
            self._on_ready()

    def _on_ready(self) -> None:
        for socket in list(self._clients):
            if socket.bytesAvailable() <= 0:
                continue
            data = bytes(socket.readAll().data())
            if SHOW_MESSAGE.strip() in data:
                logger.info("another launch asked to show the window")
                self.activated.emit()

    def _on_disconnected(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        for socket in list(self._clients):
            if socket.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                self._on_ready()
                self._clients.remove(socket)
