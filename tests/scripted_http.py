"""A real HTTP server on 127.0.0.1 whose every answer a test writes itself, byte by byte if it
likes: for what the simulator does not do (trickling a reply, echoing the token back).

    with ScriptedServer(answer) as server:
        ...server.url("/proxyApp/proxy/api/")...

``answer(handler)`` gets the ``BaseHTTPRequestHandler`` of each request (path, headers and body
already read into ``handler.body``) and writes whatever it wants to ``handler.wfile``.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

Answer = Callable[["ScriptedHandler"], None]


class ScriptedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    body = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = self.headers.get("Content-Length", "")
        self.body = self.rfile.read(int(length)) if length.isdigit() else b""
        try:
            self.server.answer(self)
        except OSError:  # the client gave up (it is meant to, in the deadline tests)
            self.close_connection = True

    do_GET = _answer  # noqa: N815 - the name http.server looks up
    do_POST = _answer  # noqa: N815

    def query(self, name: str) -> str:
        """One query-string parameter of the request (``""`` when absent)."""
        return parse_qs(urlsplit(self.path).query).get(name, [""])[0]

    def send_all(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """A complete, ordinary answer."""
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def trickle(self, data: bytes, every: float) -> None:
        """Write ``data`` one byte at a time, ``every`` seconds apart, until the client hangs up."""
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(every)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.answer = answer


class ScriptedServer:
    """Started on entry, stopped on exit."""

    def __init__(self, answer: Answer) -> None:
        self._server = _HTTPServer(answer)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
