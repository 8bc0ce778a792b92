"""Answers no cloud should send, built as data, for the parser, client, command-line and fuzz tests.

Each value here once crashed ``fetch`` or ended ``watch``: it must come out as one typed error.
The simulator's ``edit_answers`` hook serves them over real HTTP; the helpers below rewrite the
simulator's own answer as JSON (decode, change, encode), never by patching its text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from solaxtray.core.simulator.developer import DEV_REALTIME_ENDPOINT, DEV_TOKEN_ENDPOINT

HUGE_INT = 10**400 - 1
"""Beyond a float's range: ``float(HUGE_INT)`` raises OverflowError (309 digits would do)."""
TOO_MANY_DIGITS = 10**4400 - 1
"""Beyond Python's limit for turning digits into an int (4300): ``json.loads`` raises ValueError.
Encoding it needs the limit lifted, see ``dumps``."""
OVERFLOWING_TIME = "9999-12-31T23:59:59-05:00"
"""Valid ISO 8601, but in the year 10000 once converted to UTC: ``astimezone`` raises."""
UNDERFLOWING_TIME = "0001-01-01T00:00:00+05:00"
"""In the year 0 once converted to UTC."""
NON_LATIN1_TOKEN = "tökén-Ω-токен-0123456789"
"""An access token that cannot travel in an HTTP header (not Latin-1)."""
DEEP = 600
"""Nesting that the recursive scrubbing of extra fields could not take."""


def nested(depth: int, leaf: Any = 1) -> Any:
    """``leaf`` inside ``depth`` lists, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def dumps(value: Any) -> bytes:
    """JSON bytes for any value here, huge integers included."""
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    finally:
        sys.set_int_max_str_digits(limit)


def deep_text(depth: int) -> str:
    """A JSON array nested ``depth`` deep, as text (too deep for ``json.dumps``)."""
    return "[" * depth + "]" * depth


Edit = Callable[[str, str | None, bytes], bytes]


def token_id_edit(sn: str, **fields: Any) -> Edit:
    """A ``CloudSimulator.edit_answers`` edit: ``fields`` set in the result of ``sn``'s answers."""

    def edit(endpoint: str, asked: str | None, body: bytes) -> bytes:
        if endpoint not in ("v1", "v2") or asked != sn:
            return body
        data = json.loads(body)
        data["result"].update(fields)
        return dumps(data)

    return edit


def developer_edit(device_sn: str, **fields: Any) -> Edit:
    """A ``DeveloperSimulator.edit_answers`` edit: ``fields`` set in ``device_sn``'s object of
    every realtime answer for inverters."""

    def edit(endpoint: str, asked: str | None, body: bytes) -> bytes:
        if endpoint != DEV_REALTIME_ENDPOINT:
            return body
        data = json.loads(body)
        for item in data.get("result") or []:
            if item.get("deviceSn") == device_sn:
                item.update(fields)
        return dumps(data)

    return edit


def token_answer_edit(**fields: Any) -> Edit:
    """A ``DeveloperSimulator.edit_answers`` edit: ``fields`` set in the token answer's result."""

    def edit(endpoint: str, asked: str | None, body: bytes) -> bytes:
        if endpoint != DEV_TOKEN_ENDPOINT:
            return body
        data = json.loads(body)
        data["result"].update(fields)
        return dumps(data)

    return edit
