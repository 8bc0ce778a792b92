"""The client over real HTTP on 127.0.0.1: the project's simulator for everything the cloud does,
and a few bare sockets for what no cloud does (a refused port, a redirect, a firehose).

Every error raised is also checked for the token: in its text, its repr, its traceback, and in the
log records captured at DEBUG (urllib3 logs each request URL there)."""

from __future__ import annotations

import http.server
import json
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import solaxtray
from solaxtray.core.api.servers import (
    DEFAULT_API_URL,
    KNOWN_SERVERS,
    is_loopback_host,
    is_v2,
    resolve_api_url,
)
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import FakeClock, to_datetime
from solaxtray.core.errors import (
    ApiError,
    ConfigError,
    ErrorKind,
    MalformedResponse,
    NetworkError,
    RateLimited,
    SerialNotReporting,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator, Fault, SimInverter

TOKEN = "202011240000123456789012"
"""A made-up tokenId for the servers below (the simulator's own is DEMO_TOKEN)."""
SN = "SWABCDEFGH"


def assert_no_token(token: str, error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The token is nowhere a user or a log file could see it."""
    seen = [
        str(error),
        repr(error),
        getattr(error, "title", ""),
        "".join(traceback.format_exception(error)),
        caplog.text,
        *(record.getMessage() for record in caplog.records),
    ]
    for text in seen:
        assert token not in text


def fetch_error(
    client: SolaxClient, sn: str, caplog: pytest.LogCaptureFixture, token: str
) -> ApiError:
    with caplog.at_level(logging.DEBUG), pytest.raises(ApiError) as caught:
        client.fetch(sn)
    error = caught.value
    assert_no_token(token, error, caplog)
    assert error.message.endswith(".")
    assert error.sn == sn
    return error


# ---------------------------------------------------------------------------------------------
# Server names and the loopback rule


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("www", DEFAULT_API_URL),
        (" Global ", "https://global.solaxcloud.com/proxyApp/proxy/api/"),
        ("na", "https://na.solaxcloud.com/api/v2/dataAccess/realtimeInfo/get"),
        ("v2-in", "https://in.solaxcloud.com/api/v2/dataAccess/realtimeInfo/get"),
        ("qcells", "https://www.portal-q-cells.us/proxyApp/proxy/api/"),
        (
            "https://www.solaxcloud.com/proxyApp/proxy/api/getRealtimeInfo.do",
            DEFAULT_API_URL,
        ),
        ("https://example.org/proxyApp/proxy/api", "https://example.org/proxyApp/proxy/api/"),
        ("http://127.0.0.1:8080/proxyApp/proxy/api/", "http://127.0.0.1:8080/proxyApp/proxy/api/"),
        ("http://[::1]:81/api/v2/dataAccess/realtimeInfo/get", None),
        ("http://localhost:9/x/", "http://localhost:9/x/"),
    ],
)
def test_resolve_api_url(given: str, expected: str | None) -> None:
    assert resolve_api_url(given) == (expected or given)


@pytest.mark.parametrize(
    "given",
    [
        "",
        "nowhere",
        "ftp://www.solaxcloud.com/",
        "http://www.solaxcloud.com/proxyApp/proxy/api/",
        "http://10.0.0.5/proxyApp/proxy/api/",
        "http://127.0.0.1.example.com/",
        "https:///no-host",
        "https://user:pw@www.solaxcloud.com/proxyApp/proxy/api/",
        f"https://www.solaxcloud.com/proxyApp/proxy/api/getRealtimeInfo.do?tokenId={TOKEN}",
        "https://www.solaxcloud.com:99999/",
    ],
)
def test_resolve_api_url_refuses_in_words(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_api_url(given)
    assert caught.value.message.endswith(".")
    assert TOKEN not in str(caught.value)


def test_every_known_server_is_https_and_resolves_to_itself() -> None:
    assert {"www", "global", "v2-global", "v2-in", "v2-na"} <= set(KNOWN_SERVERS)
    for url in KNOWN_SERVERS.values():
        assert url.startswith("https://")
        assert resolve_api_url(url) == url
    assert [name for name, url in KNOWN_SERVERS.items() if is_v2(url)] == [
        "v2-global",
        "v2-in",
        "v2-na",
    ]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        ("::2", False),
        ("solaxcloud.com", False),
    ],
)
def test_loopback_rule(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# ---------------------------------------------------------------------------------------------
# Refusals before any request


def test_plain_http_to_another_machine_is_refused_before_sending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as caught:
        SolaxClient(TOKEN, api_url="http://192.0.2.7/proxyApp/proxy/api/")
    assert "https://" in caught.value.message
    assert_no_token(TOKEN, caught.value, caplog)
    assert not any(r.name.startswith("urllib3") for r in caplog.records)


@pytest.mark.parametrize("token", ["", "   ", "2020 1124", "tok\nen-injected", "tökenvalue"])
def test_unusable_tokens_are_refused_in_words(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SolaxClient(token, api_url="http://127.0.0.1:9/")
    assert caught.value.message.endswith(".")
    if token.strip():
        assert token not in str(caught.value)


def test_repr_never_shows_the_token() -> None:
    with SolaxClient(TOKEN, api_url="http://127.0.0.1:9/proxyApp/proxy/api/") as client:
        assert TOKEN not in repr(client)
        assert "127.0.0.1" in repr(client)
        assert TOKEN not in str(vars(client).get("api_url"))


@pytest.mark.parametrize(
    "sn", ["", "   ", "SW ABC", "SW/../x", TOKEN, "1" * 23, "2" * 23 + " 7", f"SW{TOKEN}"]
)
def test_impossible_serials_cost_no_request(sn: str, caplog: pytest.LogCaptureFixture) -> None:
    """Invalid requests count towards the hour-long ban: refuse them without asking."""
    with refused_port() as port:
        client = SolaxClient(TOKEN, api_url=f"http://127.0.0.1:{port}/")
        with caplog.at_level(logging.DEBUG), pytest.raises(SerialUnknown) as caught:
            client.fetch(sn)
    assert "registration number" in caught.value.message
    for digits in (TOKEN, "1" * 23, "2" * 23):  # a token is never echoed, even inside a serial
        assert digits not in str(caught.value)
    assert_no_token(TOKEN, caught.value, caplog)


# ---------------------------------------------------------------------------------------------
# Transport failures that need no cloud


@pytest.fixture
def refused_port_number() -> Iterator[int]:
    with refused_port() as port:
        yield port


class refused_port:  # noqa: N801 - used like a function in a with statement
    """A loopback port with nothing listening: bound, then released."""

    def __enter__(self) -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        return None


def test_refused_connection(refused_port_number: int, caplog: pytest.LogCaptureFixture) -> None:
    client = SolaxClient(TOKEN, api_url=f"http://127.0.0.1:{refused_port_number}/")
    error = fetch_error(client, SN, caplog, TOKEN)
    assert type(error) is NetworkError
    assert "refused the connection" in error.message


def test_unresolvable_host(caplog: pytest.LogCaptureFixture) -> None:
    """``.invalid`` never resolves (RFC 6761): the lookup fails locally, nothing leaves the box."""
    client = SolaxClient(TOKEN, api_url="https://solax.invalid/proxyApp/proxy/api/")
    error = fetch_error(client, SN, caplog, TOKEN)
    assert type(error) is NetworkError
    assert "could not be found" in error.message
    assert "solax.invalid" in error.message


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers for what a misconfigured server does, chosen by the server's ``mode``."""

    server: _Server

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        mode = self.server.mode
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", f"https://elsewhere.example{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode in ("firehose", "firehose-chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if mode == "firehose":
                self.send_header("Content-Length", str(64 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(1024):
                    self.wfile.write(b" " * 65536)
            except OSError:
                pass  # the client hung up, as it should
        elif mode == "json-401":
            answer = {"success": False, "exception": "token invalid!", "code": 103}
            self._send(401, json.dumps(answer).encode(), {"Content-Type": "application/json"})
        elif mode == "429":
            self._send(429, b"slow down", {"Retry-After": "120"})
        else:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            body = b"<html><body>Not Found</body></html>"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self) -> None:
        self.do_GET()

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []


@pytest.fixture
def odd_server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    server = _Server(request.param)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _url(server: _Server, path: str = "/proxyApp/proxy/api/") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


@pytest.mark.parametrize("odd_server", ["redirect"], indirect=True)
def test_redirect_is_not_followed(odd_server: _Server, caplog: pytest.LogCaptureFixture) -> None:
    client = SolaxClient(TOKEN, api_url=_url(odd_server))
    error = fetch_error(client, SN, caplog, TOKEN)
    assert type(error) is ServerError
    assert "redirect" in error.message
    assert "elsewhere.example" in error.message
    assert len(odd_server.requests) == 1


@pytest.mark.parametrize("odd_server", ["firehose", "firehose-chunked"], indirect=True)
def test_oversized_answer_is_cut_off(odd_server: _Server, caplog: pytest.LogCaptureFixture) -> None:
    client = SolaxClient(TOKEN, api_url=_url(odd_server), max_bytes=64 * 1024)
    error = fetch_error(client, SN, caplog, TOKEN)
    assert type(error) is MalformedResponse
    assert "64 KiB" in error.message


@pytest.mark.parametrize("odd_server", ["not-found"], indirect=True)
def test_wrong_path_says_check_the_address(
    odd_server: _Server, caplog: pytest.LogCaptureFixture
) -> None:
    client = SolaxClient(TOKEN, api_url=_url(odd_server, "/wrong/"))
    error = fetch_error(client, SN, caplog, TOKEN)
    assert type(error) is ServerError
    assert "HTTP 404" in error.message
    assert odd_server.requests[0][1].startswith("/wrong/getRealtimeInfo.do?")


@pytest.mark.parametrize("odd_server", ["json-401"], indirect=True)
def test_error_status_with_a_json_body_is_read(
    odd_server: _Server, caplog: pytest.LogCaptureFixture
) -> None:
    client = SolaxClient(TOKEN, api_url=_url(odd_server))
    assert type(fetch_error(client, SN, caplog, TOKEN)) is TokenRejected


@pytest.mark.parametrize("odd_server", ["429"], indirect=True)
def test_http_429_honours_retry_after(
    odd_server: _Server, caplog: pytest.LogCaptureFixture
) -> None:
    client = SolaxClient(TOKEN, api_url=_url(odd_server))
    error = fetch_error(client, SN, caplog, TOKEN)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 120.0


def test_untrusted_certificate_stops_before_the_token_is_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Certificate checks are on: a self-signed HTTPS server never receives the request."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    server = _Server("not-found")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        client = SolaxClient(TOKEN, api_url=f"https://127.0.0.1:{server.server_address[1]}/")
        error = fetch_error(client, SN, caplog, TOKEN)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert type(error) is NetworkError
    assert "could not be verified" in error.message
    assert server.requests == []


# ---------------------------------------------------------------------------------------------
# Against the simulator: what the cloud answers


@pytest.fixture(params=["v1", "v2"])
def endpoint(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def _client(sim: CloudSimulator, endpoint: str, token: str = DEMO_TOKEN, **kw: Any) -> SolaxClient:
    return SolaxClient(token, api_url=sim.v2_url if endpoint == "v2" else sim.v1_url, **kw)


def test_success_over_both_endpoints(
    simulator: CloudSimulator, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(start=simulator.clock.now())
    with _client(simulator, endpoint, clock=clock) as client, caplog.at_level(logging.DEBUG):
        assert client.is_v2 is (endpoint == "v2")
        snapshots = [client.fetch(sn) for sn in DEMO_SERIALS]
    assert [s.sn for s in snapshots] == list(DEMO_SERIALS)
    assert all(s.fetched_at == to_datetime(clock.now()) for s in snapshots)
    assert all(s.upload_time is not None and s.inverter_status is not None for s in snapshots)
    hybrid, _, micro = snapshots
    assert hybrid.soc is not None
    assert hybrid.bat_status is not None
    assert hybrid.utc_time is not None
    assert micro.feedin_power is None
    assert micro.soc is None
    assert [r.endpoint for r in simulator.requests] == [endpoint] * 3
    assert all(r.token_ok and r.result == "ok" for r in simulator.requests)
    assert DEMO_TOKEN not in caplog.text
    # urllib3's request line was logged, and masked.
    if endpoint == "v1":
        assert "tokenId=***" in caplog.text


@pytest.mark.parametrize("odd_server", ["not-found"], indirect=True)
def test_request_shapes(odd_server: _Server) -> None:
    """v1: GET with tokenId and sn in the query; v2: POST, tokenId header, wifiSn JSON body."""
    v1 = SolaxClient(TOKEN, api_url=_url(odd_server))
    v2 = SolaxClient(TOKEN, api_url=_url(odd_server, "/api/v2/dataAccess/realtimeInfo/get"))
    for client in (v1, v2):
        with pytest.raises(ServerError):
            client.fetch(SN)
        client.close()
    (get, get_path, get_headers, _), (post, post_path, post_headers, post_body) = (
        odd_server.requests
    )
    assert (get, post) == ("GET", "POST")
    assert get_path == f"/proxyApp/proxy/api/getRealtimeInfo.do?tokenId={TOKEN}&sn={SN}"
    assert "tokenId" not in get_headers
    assert post_path == "/api/v2/dataAccess/realtimeInfo/get"
    assert post_headers["tokenId"] == TOKEN
    assert json.loads(post_body) == {"wifiSn": SN}
    for headers in (get_headers, post_headers):
        assert headers["User-Agent"] == f"solaxtray/{solaxtray.__version__}"


def test_token_rejected(
    simulator: CloudSimulator, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The rejection body echoes the token back; none of it may surface."""
    with _client(simulator, endpoint, token=TOKEN) as client:
        error = fetch_error(client, DEMO_SERIALS[0], caplog, TOKEN)
    assert type(error) is TokenRejected
    assert error.kind is ErrorKind.AUTH


def test_serial_unknown(
    simulator: CloudSimulator, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(simulator, endpoint) as client:
        error = fetch_error(client, "SWNOTMINE1", caplog, DEMO_TOKEN)
    assert type(error) is SerialUnknown
    assert "SWNOTMINE1" in error.message
    assert "registration number" in error.message


def test_serial_not_reporting(endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    silent = SimInverter(
        sn="SWSILENT01", inverter_sn="X1SILENT000001", type_code=4, pv_peak_w=3000, reporting=False
    )
    with CloudSimulator(inverters=[silent]) as sim, _client(sim, endpoint) as client:
        error = fetch_error(client, "SWSILENT01", caplog, DEMO_TOKEN)
    assert type(error) is SerialNotReporting
    assert "SWSILENT01" in error.message


@pytest.mark.parametrize(
    "case",
    [
        (Fault.THROTTLE, RateLimited, "a minute"),
        (Fault.BAN, RateLimited, "an hour"),
        (Fault.BUSY, ServerError, "busy"),
        (Fault.ERROR_2001, ServerError, "gave no reason"),
        (Fault.HTML, ServerError, "maintenance"),
        (Fault.HTTP_500, ServerError, "HTTP 500"),
        (Fault.HTTP_503, ServerError, "HTTP 503"),
        (Fault.EMPTY, ServerError, "empty answer"),
        (Fault.TRUNCATED, MalformedResponse, "cut off"),
        (Fault.RESET, NetworkError, "broke off"),
        (Fault.OVERSIZED, MalformedResponse, "stopped reading"),
    ],
    ids=lambda case: case[0].name,
)
def test_injected_faults(
    simulator: CloudSimulator,
    endpoint: str,
    case: tuple[Fault, type[ApiError], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault, error_class, words = case
    simulator.inject(fault)
    with _client(simulator, endpoint) as client:
        error = fetch_error(client, DEMO_SERIALS[1], caplog, DEMO_TOKEN)
        assert type(error) is error_class
        assert words in error.message
        if isinstance(error, RateLimited):
            assert error.banned is (fault is Fault.BAN)
            assert error.retry_after == (3600.0 if fault is Fault.BAN else 60.0)
        # The fault was one answer: the next request works on the same client (and session).
        assert client.fetch(DEMO_SERIALS[1]).sn == DEMO_SERIALS[1]


def test_slow_answer_times_out(simulator: CloudSimulator, caplog: pytest.LogCaptureFixture) -> None:
    simulator.inject(Fault.SLOW)
    with _client(simulator, "v1", timeout=(1.0, 1.2)) as client:
        error = fetch_error(client, DEMO_SERIALS[0], caplog, DEMO_TOKEN)
    assert type(error) is NetworkError
    assert "did not answer within 1.2 seconds" in error.message


def test_real_quota_throttles(simulator: CloudSimulator, caplog: pytest.LogCaptureFixture) -> None:
    """The simulator's own per-minute quota, not an injected answer: the 11th request fails."""
    with _client(simulator, "v1") as client:
        for _ in range(simulator.per_minute):
            client.fetch(DEMO_SERIALS[2])
        error = fetch_error(client, DEMO_SERIALS[2], caplog, DEMO_TOKEN)
    assert type(error) is RateLimited
    assert not error.banned


def test_error_traceback_is_clean_but_keeps_the_cause(
    refused_port_number: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The library's exception (with the URL and the token in it) is replaced by masked text."""
    client = SolaxClient(TOKEN, api_url=f"http://127.0.0.1:{refused_port_number}/")
    error = fetch_error(client, SN, caplog, TOKEN)
    assert error.__context__ is None or error.__suppress_context__
    assert error.__cause__ is not None
    assert "tokenId=***" in str(error.__cause__)
    rendered = "".join(traceback.format_exception(error))
    assert "Connection refused" in rendered
    assert TOKEN not in rendered


def test_token_is_masked_in_every_log_record_at_debug(
    simulator: CloudSimulator, endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Success, API error and transport error, all at DEBUG, including urllib3's own lines."""
    simulator.inject(Fault.RESET, count=1)
    with caplog.at_level(logging.DEBUG), _client(simulator, endpoint) as client:
        with pytest.raises(NetworkError):
            client.fetch(DEMO_SERIALS[0])
        client.fetch(DEMO_SERIALS[0])
        with pytest.raises(SerialUnknown):
            client.fetch("SWNOTMINE2")
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert DEMO_TOKEN not in caplog.text
    for record in caplog.records:
        assert DEMO_TOKEN not in record.getMessage()
        assert DEMO_TOKEN not in str(record.args)
