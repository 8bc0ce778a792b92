"""Checking the Developer API's client id and secret alone (no inverter named): one token
request, none while a valid token is cached, and a refusal as the usual typed error."""

from __future__ import annotations

import pytest

from solaxtray.core.api.developer.client import DeveloperClient, MemoryTokenCache
from solaxtray.core.errors import TokenRejected
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DeveloperSimulator,
)


def test_sign_in_asks_once_and_then_uses_the_cached_token() -> None:
    cache = MemoryTokenCache()
    with DeveloperSimulator() as dev:
        client = DeveloperClient(
            DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, host=dev.base_url, token_cache=cache
        )
        try:
            assert client.sign_in() is True
            assert len(dev.requests) == 1
            assert cache.load() is not None
            assert client.sign_in() is False  # a valid token is proof enough
            assert len(dev.requests) == 1
            assert client.requests_made == 1
        finally:
            client.close()


def test_a_refused_sign_in_is_a_rejected_token() -> None:
    with DeveloperSimulator() as dev:
        client = DeveloperClient(DEMO_CLIENT_ID, "not-the-secret-42", host=dev.base_url)
        try:
            with pytest.raises(TokenRejected) as info:
                client.sign_in()
        finally:
            client.close()
    assert "not-the-secret-42" not in str(info.value)
