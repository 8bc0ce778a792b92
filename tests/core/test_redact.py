"""Secrets masked in text and in log records, from every way they reach a log line."""

from __future__ import annotations

import io
import logging
import secrets

import pytest

from solaxtray.core.redact import (
    MASK,
    RedactingFilter,
    install_filter,
    looks_like_token,
    redact,
    register_secret,
)


def _new_secret() -> str:
    """A fresh secret per test: the registry lives as long as the process."""
    return "sk" + secrets.token_hex(10)


def _token() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(24))


def test_registered_secret_is_masked_everywhere_in_text() -> None:
    secret = _new_secret()
    register_secret(secret)
    text = redact(f"start {secret} middle {secret}end")
    assert secret not in text
    assert text == f"start {MASK} middle {MASK}end"


def test_longer_secret_containing_a_shorter_one_is_masked_whole() -> None:
    short = _new_secret()
    long = short + "tail99"
    register_secret(short)
    register_secret(long)
    assert redact(f"x {long} y") == f"x {MASK} y"


def test_too_short_values_are_not_registered() -> None:
    register_secret("ab")
    register_secret("   ")
    assert redact("a tab bar") == "a tab bar"


@pytest.mark.parametrize(
    "template",
    [
        "GET /proxyApp/proxy/api/getRealtimeInfo.do?tokenId={}&sn=SWABCDEFGH HTTP/1.1",
        '{{"success":false,"tokenId":"{}"}}',
        "{{'tokenId': '{}'}}",
        "tokenId: {}",
        "url=...%3FtokenId%3D{}%26sn%3DX",
        "token_id={}",
    ],
)
def test_token_fields_are_masked_without_registration(template: str) -> None:
    value = "unregistered" + secrets.token_hex(6)
    text = redact(template.format(value))
    assert value not in text
    assert MASK in text


def test_serial_after_token_survives() -> None:
    value = "unregistered" + secrets.token_hex(6)
    text = redact(f"getRealtimeInfo.do?tokenId={value}&sn=SWABCDEFGH")
    assert text.endswith(f"tokenId={MASK}&sn=SWABCDEFGH")


@pytest.mark.parametrize(("digits", "masked"), [(22, False), (23, True), (24, True), (25, False)])
def test_token_shaped_numbers(digits: int, masked: bool) -> None:
    number = "".join(secrets.choice("123456789") for _ in range(digits))
    text = redact(f"value {number}.")
    assert (number not in text) is masked


@pytest.mark.parametrize(("digits", "shaped"), [(10, False), (22, False), (23, True), (24, True)])
@pytest.mark.parametrize(("before", "after"), [("", ""), (" ", "\n"), ("SN:", "x")])
def test_looks_like_token_finds_what_redact_masks(
    digits: int, shaped: bool, before: str, after: str
) -> None:
    text = before + "".join(secrets.choice("123456789") for _ in range(digits)) + after
    assert looks_like_token(text) is shaped
    assert (redact(text) != text) is shaped


def test_a_longer_run_of_digits_is_not_token_shaped() -> None:
    assert not looks_like_token("1" * 25)
    assert not looks_like_token("SWABCDEFGH")
    assert not looks_like_token("")


def _logger_with_stream(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    return log, stream


def test_filter_masks_arguments_exceptions_and_stacks() -> None:
    token = _token()
    register_secret(token)
    log, stream = _logger_with_stream("test_redact.handler")
    log.debug("request to %s failed", f"https://x/?tokenId={token}&sn=A")
    try:
        raise RuntimeError(f"boom with {token}")
    except RuntimeError:
        log.exception("while fetching %r", {"tokenId": token})
    log.warning("stack of %s", token, stack_info=True)
    output = stream.getvalue()
    assert token not in output
    assert "request to https://x/?tokenId=***&sn=A failed" in output
    assert "RuntimeError: boom with ***" in output
    assert "Stack (most recent call last)" in output


def test_filter_drops_nothing_and_survives_bad_format_strings() -> None:
    log, stream = _logger_with_stream("test_redact.bad_format")
    secret = _new_secret()
    register_secret(secret)
    broken = "two placeholders %s %s"  # one argument short, as a buggy call site might be
    log.info(broken, secret)
    assert secret not in stream.getvalue()
    assert "two placeholders" in stream.getvalue()


def test_filter_on_a_logger_masks_what_propagates(caplog: pytest.LogCaptureFixture) -> None:
    """A filter on the logger that emits (as the client puts on urllib3's) masks the record
    itself, so handlers further up (caplog here) never see the secret."""
    name = "test_redact.third_party"
    install_filter((name,))
    install_filter((name,))
    assert sum(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters) == 1
    token = _token()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger(name).debug('"GET /api?tokenId=%s&sn=X HTTP/1.1" 200 None', token)
    assert caplog.records
    assert token not in caplog.text
    assert all(token not in r.getMessage() for r in caplog.records)
