"""The transport against real HTTP servers on 127.0.0.1 that misbehave on purpose: one deadline for
the whole request whatever a server trickles, and only our typed errors out of ``send``."""

from __future__ import annotations

import json
import time

import pytest

from solaxtray.core.api.developer.client import TOKEN_PATH, DeveloperClient
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.api.transport import (
    DEADLINE_S,
    DEFAULT_TIMEOUT,
    HttpTransport,
    normalise_timeout,
)
from solaxtray.core.errors import ApiError, MalformedResponse, NetworkError, ServerError
from tests.scripted_http import ScriptedHandler, ScriptedServer

DEADLINE = 1.5
"""Short, so the test is quick; the bound checked is twice this (correctness, not speed)."""
EVERY = 0.05
"""Seconds between two trickled bytes: no single read ever waits long enough to time out."""
SN = "SWABCDEFGH"
TOKEN = "202011240000123456789012"
BODY = json.dumps({"success": True, "code": 0, "result": {"inverterSN": "X"}}).encode() + b" " * 400


def _trickle_headers(h: ScriptedHandler) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"p" * 400
    h.trickle(head, EVERY)


def _trickle_body(h: ScriptedHandler) -> None:
    h.wfile.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(BODY)
    )
    h.trickle(BODY, EVERY)


def _trickle_chunked(h: ScriptedHandler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for byte in BODY:
        h.wfile.write(b"1\r\n" + bytes([byte]) + b"\r\n")
        h.wfile.flush()
        time.sleep(EVERY)


@pytest.mark.parametrize("answer", [_trickle_headers, _trickle_body, _trickle_chunked])
def test_a_trickling_server_cannot_stretch_the_deadline(answer: object) -> None:
    with ScriptedServer(answer) as server:  # type: ignore[arg-type]
        transport = HttpTransport(server.url(), timeout=DEADLINE)
        started = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            transport.send("GET", server.url("/x"), sn=SN)
        elapsed = time.monotonic() - started
        transport.close()
    assert elapsed < 2 * DEADLINE, f"took {elapsed:.1f} s with a {DEADLINE} s deadline"
    assert f"did not answer within {DEADLINE:g} seconds" in caught.value.message
    assert caught.value.sn == SN


def test_the_client_states_its_own_deadline() -> None:
    with ScriptedServer(_trickle_body) as server:
        client = SolaxClient(TOKEN, api_url=server.url("/proxyApp/proxy/api/"), timeout=(1.0, 1.2))
        started = time.monotonic()
        with pytest.raises(NetworkError) as caught:
            client.fetch(SN)
        elapsed = time.monotonic() - started
        client.close()
    assert elapsed < 2 * 1.2
    assert "within 1.2 seconds" in caught.value.message
    assert TOKEN not in str(caught.value)


def test_the_default_deadline_is_the_figure_in_the_sentence() -> None:
    assert normalise_timeout(DEFAULT_TIMEOUT)[1] == DEADLINE_S
    assert HttpTransport("https://example.invalid/").deadline == DEADLINE_S
    # A deadline shorter than the connect timeout caps the connect timeout too.
    assert normalise_timeout(2.0) == (2.0, 2.0)
    assert normalise_timeout((5.0, 1.0)) == (1.0, 1.0)


def test_a_prompt_answer_after_a_slow_one_is_not_cut() -> None:
    """The watchdog of one request never shuts the next request's connection."""
    calls: list[int] = []

    def answer(h: ScriptedHandler) -> None:
        calls.append(1)
        if len(calls) == 1:
            _trickle_body(h)
        else:
            h.send_all(200, BODY)

    with ScriptedServer(answer) as server:
        transport = HttpTransport(server.url(), timeout=0.6)
        with pytest.raises(NetworkError):
            transport.send("GET", server.url("/x"), sn=SN)
        for _ in range(3):
            reply = transport.send("GET", server.url("/x"), sn=SN)
            assert reply.body == BODY
            time.sleep(0.3)  # past where the first request's deadline would have been
        transport.close()


def test_a_header_that_is_not_latin_1_is_a_typed_error() -> None:
    with ScriptedServer(lambda h: h.send_all(200, BODY)) as server:
        transport = HttpTransport(server.url())
        with pytest.raises(MalformedResponse) as caught:
            transport.send("GET", server.url("/x"), sn=SN, headers={"Authorization": "bearer ключ"})
        transport.close()
    assert caught.value.sn == SN
    assert "ключ" not in str(caught.value)


def test_any_library_exception_becomes_a_typed_error() -> None:
    """A header value with a line break: requests raises InvalidHeader (a ValueError too)."""
    with ScriptedServer(lambda h: h.send_all(200, BODY)) as server:
        transport = HttpTransport(server.url())
        with pytest.raises(ApiError) as caught:
            transport.send("GET", server.url("/x"), sn=SN, headers={"X-Bad": "a\r\nInjected: 1"})
        transport.close()
    assert caught.value.sn == SN
    assert caught.value.message.endswith(".")


def test_developer_access_token_with_non_latin_1_characters() -> None:
    """The sign-in answers with an access token http.client cannot put into a header."""

    def answer(h: ScriptedHandler) -> None:
        if h.path.startswith(TOKEN_PATH):
            token = {"code": 0, "result": {"access_token": "токен-доступа", "expires_in": 3600}}
            h.send_all(200, json.dumps(token, ensure_ascii=False).encode())
        else:
            h.send_all(500, b"")

    with ScriptedServer(answer) as server:
        client = DeveloperClient("client-id-1234", "client-secret-5678", host=server.url())
        outcome = client.fetch_many(["H1234567890ABC"])
        client.close()
    error = outcome["H1234567890ABC"]
    assert isinstance(error, ApiError)
    assert error.kind == "protocol"


def test_a_redirect_to_a_huge_or_secret_host_is_cut_and_masked() -> None:
    location = f"https://{TOKEN}.{'a' * 50_000}.example/"  # under http.client's line limit

    def answer(h: ScriptedHandler) -> None:
        h.send_all(302, b"", {"Location": location})

    with ScriptedServer(answer) as server:
        client = SolaxClient(TOKEN, api_url=server.url("/proxyApp/proxy/api/"))
        with pytest.raises(ServerError) as caught:
            client.fetch(SN)
        client.close()
    message = caught.value.message
    assert TOKEN not in message
    assert len(message) < 600
    assert "…" in message
