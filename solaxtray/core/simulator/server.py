"""The simulated SolaX Cloud on a real socket: ``CloudSimulator``. Qt-free, stdlib only.

A ``ThreadingHTTPServer`` on 127.0.0.1 (port 0: the OS picks) that speaks both endpoints of the
real service: v1 ``GET /proxyApp/proxy/api/getRealtimeInfo.do?tokenId=..&sn=..`` and v2
``POST /api/v2/dataAccess/realtimeInfo/get`` (header ``tokenId``, body ``{"wifiSn": sn}``). The
sockets are real (keep-alive, resets, slow answers), so a client meets it as it will meet the
cloud. What it answers is ``cloud.SimulatedCloud``'s business.

Run the demo cloud in the foreground with ``solaxtray simulate [--port N]``, which calls
``serve_forever_demo``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.simulator import wire
from solaxtray.core.simulator.cloud import Fault, SimulatedCloud
from solaxtray.core.simulator.demo import (
    DEMO_PHASES,
    DEMO_SCRIPTS,
    DEMO_STORY_PERIOD,
    DEMO_TOKEN,
    DEMO_UPLOAD_INTERVAL,
    demo_fleet,
)
from solaxtray.core.simulator.plant import SimInverter
from solaxtray.core.simulator.quota import Outcome

logger = logging.getLogger(__name__)

V1_PREFIX = "/proxyApp/proxy/api/"
V1_PATH = V1_PREFIX + "getRealtimeInfo.do"
V2_PATH = "/api/v2/dataAccess/realtimeInfo/get"
DEAD_PATH = "/proxy/api/getRealtimeInfo.do"
"""The old ``:9443/proxy/api/`` address: the real one answers HTTP 500 forever."""
REDIRECT_TARGET = "/redirected"
_MAX_REQUEST_BODY = 64 * 1024

AnswerEdit = Callable[[str, str | None, bytes], bytes]
"""Rewrites a data answer before it is sent: ``(endpoint, serial, body) -> body``."""


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], sim: CloudSimulator) -> None:
        self.sim = sim
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.discard(request)

    def drop_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so ``stop`` is fast."""
        with self.connections_lock:
            live = list(self.connections)
        for conn in live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm a keep-alive client waits for
    # its own delayed ACK, about 40 ms per request.
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    timeout = 30.0
    arrived = 0.0
    """The simulator's ``clock.now()`` when this request's first line had been read: the
    moment the quota counts it, however long the handler takes afterwards."""

    def parse_request(self) -> bool:
        sim = cast(_Server, self.server).sim
        low, high = sim.latency
        if high > 0:
            time.sleep(sim._latency_rng.uniform(low, high))
        self.arrived = sim.clock.now()
        return super().parse_request()

    # http.server logs the request line, and the v1 request line holds the token: never that.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("simulator %s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("simulator: http.server message suppressed")

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("simulator: malformed HTTP request")

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        sim = cast(_Server, self.server).sim
        try:
            sim._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("simulator: client went away")
            self.close_connection = True

    def read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(max(0, length), _MAX_REQUEST_BODY))

    def reply(self, status: int, body: bytes, content_type: str = wire.CONTENT_TYPE_JSON) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def reset(self) -> None:
        """Abort the connection with a TCP reset and no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class CloudSimulator(SimulatedCloud):
    """A SolaX Cloud on 127.0.0.1 with a fleet of simulated inverters.

    Use as a context manager, or call ``start`` and ``stop``. Without ``inverters`` it serves the
    demo fleet (``DEMO_SERIALS``) on ``DEMO_TOKEN`` with the real five-minute upload cadence;
    ``CloudSimulator.demo()`` adds the demo story. ``slow_delay`` and ``oversized_bytes`` shape
    the ``Fault.SLOW`` and ``Fault.OVERSIZED`` answers and may be changed at any time.
    ``latency`` (seconds, low and high) is the way to the cloud: each request is held for a random
    time within it before the cloud sees (and counts) it, as a real network varies.
    """

    def __init__(
        self,
        *,
        inverters: Sequence[SimInverter] | None = None,
        tokens: Sequence[str] = (DEMO_TOKEN,),
        clock: Clock | None = None,
        upload_interval: float = 300.0,
        per_minute: int = 10,
        per_day: int = 10_000,
        ban_after: int = 3,
        ban_seconds: float = 3600.0,
        host: str = "127.0.0.1",
        port: int = 0,
        phases: dict[str, float] | None = None,
        jitter: float | None = None,
        slow_delay: float = 3.0,
        oversized_bytes: int = 4 * 1024 * 1024,
        latency: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        super().__init__(
            inverters=inverters,
            tokens=tokens,
            clock=clock,
            upload_interval=upload_interval,
            per_minute=per_minute,
            per_day=per_day,
            ban_after=ban_after,
            ban_seconds=ban_seconds,
            phases=phases,
            jitter=jitter,
        )
        self.host = host
        self.slow_delay = slow_delay
        self.oversized_bytes = oversized_bytes
        self.latency = latency
        self._latency_rng = random.Random()  # noqa: S311 - a network's variation, not security
        self._port = port
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._edit: AnswerEdit | None = None

    @classmethod
    def demo(
        cls,
        clock: Clock | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        per_minute: int = 10,
        per_day: int = 10_000,
    ) -> CloudSimulator:
        """The demo story (see ``demo.py``) on ``DEMO_TOKEN``: uploads every
        ``DEMO_UPLOAD_INTERVAL`` seconds; fault and recovery, and an EPS episode, within the first
        two minutes, repeating every ``DEMO_STORY_PERIOD`` seconds."""
        clock = clock if clock is not None else SystemClock()
        sim = cls(
            inverters=demo_fleet(clock.now()),
            clock=clock,
            upload_interval=DEMO_UPLOAD_INTERVAL,
            per_minute=per_minute,
            per_day=per_day,
            phases=DEMO_PHASES,
            jitter=1.5,
            host=host,
            port=port,
        )
        for sn, steps in DEMO_SCRIPTS.items():
            unit = sim._units[sn]
            unit.script = [(sim.origin + at, code) for at, code in steps]
            unit.script_period = DEMO_STORY_PERIOD
        return sim

    # -- the socket ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def v1_url(self) -> str:
        """The ``api_url`` for the document's endpoint (ends in ``/proxyApp/proxy/api/``)."""
        return self.base_url + V1_PREFIX

    @property
    def v2_url(self) -> str:
        return self.base_url + V2_PATH

    def start(self) -> CloudSimulator:
        """Listen and serve on a background thread; returns once the socket is listening."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"solax-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, cut idle connections and join every thread."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> CloudSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- hostile answers ------------------------------------------------------------------------

    def edit_answers(self, edit: AnswerEdit | None) -> None:
        """Pass every data answer through ``edit`` before it is sent; ``None`` stops that.

        For what the cloud should never answer but one day may: a 400-digit number, a date
        beyond the calendar, nesting 600 levels deep, random bytes. ``edit`` gets the endpoint
        (``"v1"``, ``"v2"``, and on the ``DeveloperSimulator`` ``"dev-token"`` and
        ``"dev-realtime"``), the serial asked for (the Developer API's comma-separated list, None
        for a token request) and the body the simulator would send; what it returns is sent
        instead, with the same status. It runs on the server's threads.
        """
        self._edit = edit

    def edited(self, endpoint: str, sn: str | None, body: bytes) -> bytes:
        """``body`` as ``edit_answers`` wants it sent."""
        edit = self._edit
        return body if edit is None else edit(endpoint, sn, body)

    # -- one request --------------------------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        url = urlsplit(h.path)
        if url.path == V1_PATH:
            endpoint, v2 = "v1", False
            query = parse_qs(url.query)
            token = (query.get("tokenId") or [""])[0]
            sn_values = query.get("sn")
            sn: str | None = sn_values[0] if sn_values else None
            if h.command == "POST":
                h.read_body()
        elif url.path == V2_PATH and h.command == "POST":
            endpoint, v2 = "v2", True
            token = h.headers.get("tokenId", "")
            sn = _wifi_sn(h.read_body())
        else:
            if h.command == "POST":
                h.read_body()
            self.record(url.path, None, False, Outcome.NOT_FOUND, at=h.arrived)
            if url.path == DEAD_PATH:
                h.reply(500, wire.ERROR_PAGE_500, wire.CONTENT_TYPE_HTML)
            else:
                h.reply(404, wire.NOT_FOUND_PAGE, wire.CONTENT_TYPE_HTML)
            return

        token_ok = self.token_ok(token)
        fault = self.take_fault(sn)
        if fault is not None:
            self.record(endpoint, sn, token_ok, f"fault:{fault.value}", at=h.arrived)
            if fault is not Fault.SLOW:
                self._serve_fault(h, fault, sn, v2)
                return
            self._stopping.wait(self.slow_delay)

        if not token_ok:
            self.record(endpoint, sn, False, Outcome.TOKEN_INVALID, at=h.arrived)
            h.reply(200, wire.token_invalid(token, v2=v2))
            return
        if sn is None and v2:
            self.record(endpoint, sn, True, Outcome.BAD_REQUEST, at=h.arrived)
            h.reply(200, wire.error_2001(v2=v2))
            return
        body, outcome = self.answer(token, sn, v2=v2, arrived=h.arrived)
        if fault is None:
            self.record(endpoint, sn, True, outcome, at=h.arrived)
        h.reply(200, self.edited(endpoint, sn, body))

    def _serve_fault(self, h: _Handler, fault: Fault, sn: str | None, v2: bool) -> None:
        if fault is Fault.RESET:
            h.reset()
            return
        if fault is Fault.REDIRECT:
            h.send_response(302)
            h.send_header("Location", self.base_url + REDIRECT_TARGET)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        pages: dict[Fault, tuple[int, bytes, str]] = {
            Fault.HTML: (200, wire.MAINTENANCE_PAGE, wire.CONTENT_TYPE_HTML),
            Fault.HTTP_500: (500, wire.ERROR_PAGE_500, wire.CONTENT_TYPE_HTML),
            Fault.HTTP_503: (503, wire.ERROR_PAGE_503, wire.CONTENT_TYPE_HTML),
        }
        if fault in pages:
            h.reply(*pages[fault])
            return
        bodies: dict[Fault, Callable[[], bytes]] = {
            Fault.EMPTY: lambda: b"",
            Fault.BUSY: lambda: wire.busy(v2=v2),
            Fault.ERROR_2001: lambda: wire.error_2001(v2=v2),
            Fault.THROTTLE: lambda: wire.throttled(v2=v2),
            Fault.BAN: lambda: wire.banned(v2=v2),
            Fault.OVERSIZED: lambda: wire.oversized(self.oversized_bytes),
            Fault.TRUNCATED: lambda: _half(self.sample_success(sn, v2=v2)),
        }
        h.reply(200, bodies[fault]())


def _half(body: bytes) -> bytes:
    return body[: len(body) // 2]


def _wifi_sn(body: bytes) -> str | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    sn = data.get("wifiSn") if isinstance(data, dict) else None
    return sn if isinstance(sn, str) else None


def serve_forever_demo(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    ready: Callable[[CloudSimulator], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the demo cloud until Ctrl-C (or until ``stop`` is set): the body of
    ``solaxtray simulate``. ``ready`` is called once the server listens, with the simulator (to
    print its URLs). Raises OSError when the port cannot be bound."""
    stop = stop if stop is not None else threading.Event()
    with CloudSimulator.demo(host=host, port=port) as sim:
        if ready is not None:
            ready(sim)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            logger.info("simulator stopped by the user")
