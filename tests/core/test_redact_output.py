"""The terminal's share of the masking: a stream that masks whole lines, error messages masked when
they are made, and values quoted at a readable length."""

from __future__ import annotations

import io
import json
import traceback

from solaxtray.core.errors import NetworkError, SolaxTrayError
from solaxtray.core.redact import (
    ECHO_LIMIT,
    RedactingWriter,
    register_secret,
    shorten,
    shorten_words,
    shown,
)

SECRET = "clientSecret-Qx81Lm0Zt"


def test_a_secret_written_in_pieces_is_masked() -> None:
    register_secret(SECRET)
    target = io.StringIO()
    out = RedactingWriter(target)
    json.dump({"inverterSN": SECRET, "n": 1}, out)  # json.dump writes many small pieces
    out.write("\n")
    print("head", SECRET[:5], end="", file=out)
    print(SECRET[5:], file=out)  # the secret split over two writes, then its newline
    out.write(f"tail {SECRET}")  # no newline: held until the flush
    assert SECRET not in target.getvalue()
    out.flush()
    text = target.getvalue()
    assert SECRET not in text
    assert text == '{"inverterSN": "***", "n": 1}\nhead ***\ntail ***'


def test_an_error_message_never_holds_a_registered_secret() -> None:
    register_secret(SECRET)
    error = NetworkError(f"The server {SECRET}.example.com refused the connection.", sn="X")
    seen = [str(error), repr(error), error.message, "".join(traceback.format_exception(error))]
    assert all(SECRET not in text for text in seen)
    assert "***" in error.message
    assert SECRET not in SolaxTrayError(f"token {SECRET}").message
    # A library lower-cases a host name: the secret in another case is still the secret.
    assert SECRET.lower() not in SolaxTrayError(f"host {SECRET.lower()}.example").message


def test_shown_masks_then_cuts() -> None:
    token = "123456789012345678901234"
    value = token + "x" * 500
    quoted = shown(value)
    assert len(quoted) == ECHO_LIMIT
    assert quoted.endswith("…")
    assert "123456" not in quoted  # masked before the cut, not half-shown
    assert shown("a\nb\x1bc") == "a?b?c"
    assert shorten("short") == "short"


def test_shorten_words_cuts_only_long_runs() -> None:
    text = "Check this: " + "y" * 10_000 + " and that."
    cut = shorten_words(text)
    assert cut.startswith("Check this: ")
    assert cut.endswith(" and that.")
    assert len(cut) < 450
