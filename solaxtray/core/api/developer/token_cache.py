"""Where the Developer API's access token lives between requests. Qt-free."""

from __future__ import annotations

from typing import Protocol


class TokenCache(Protocol):
    """Where the access token lives between requests. The default keeps it in memory only.

    Why a hook: SolaX keeps one valid token per application, so two programs with the same client
    id (the tray and ``solaxtray watch``) invalidate each other's token at every renewal. A cache
    they share (the keyring, say) lets the second one pick up the first one's token instead.
    """

    def load(self) -> tuple[str, float] | None:
        """The token and when to renew it (epoch seconds, a margin before it expires), or None."""

    def save(self, token: str, expires_at: float) -> None: ...

    def clear(self) -> None: ...


class MemoryTokenCache:
    """The access token in this process's memory only."""

    def __init__(self) -> None:
        self._value: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"MemoryTokenCache(set={self._value is not None})"

    def load(self) -> tuple[str, float] | None:
        return self._value

    def save(self, token: str, expires_at: float) -> None:
        self._value = (token, expires_at)

    def clear(self) -> None:
        self._value = None
