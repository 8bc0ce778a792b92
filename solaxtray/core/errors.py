"""One error hierarchy for everything a user can run into. Qt-free.

Every error carries a ``title`` and a ``message`` written for a person who owns an inverter, not for a
programmer: the CLI prints them, the tray shows them, the log records them. Library exceptions
(requests, keyring, json) are translated into these at one boundary each, ``raise ... from exc``.

No error ever holds a secret: messages are built from fixed sentences, and whatever else reaches one
(a serial, a server's words or address) is masked here on the way in, so a cloud that echoes the
token cannot smuggle it into a terminal, a dialog or a traceback.
"""

from __future__ import annotations

import copy
import enum
from typing import Self

from solaxtray.core.i18n import N_, _
from solaxtray.core.redact import redact


class ErrorKind(enum.StrEnum):
    """The kinds the CLI's ``--json`` output and exit status name."""

    AUTH = "auth"
    DEVICE = "device"
    RATE_LIMIT = "rate_limit"
    NETWORK = "network"
    SERVER = "server"
    PROTOCOL = "protocol"


EXIT_STATUS: dict[ErrorKind, int] = {
    ErrorKind.AUTH: 3,
    ErrorKind.DEVICE: 4,
    ErrorKind.RATE_LIMIT: 5,
    ErrorKind.NETWORK: 6,
    ErrorKind.SERVER: 6,
    ErrorKind.PROTOCOL: 7,
}
EXIT_USAGE = 2


class SolaxTrayError(Exception):
    """Base of every error meant for the user's eyes."""

    title: str = N_("Something went wrong")

    def __init__(self, message: str, *, title: str | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        # The class's title is English (marked with N_); it is translated here, when the error
        # is made, because the language is chosen after this module is imported.
        self.title = title if title is not None else _(type(self).title)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(SolaxTrayError):
    """A request for one serial did not give a snapshot."""

    kind: ErrorKind = ErrorKind.PROTOCOL

    def __init__(self, message: str, *, sn: str | None = None, title: str | None = None) -> None:
        super().__init__(message, title=title)
        self.sn = sn

    def for_serial(self, sn: str) -> Self:
        """The same failure for another serial of the same round or request (its own object and
        ``.sn``, same title, message, cause and extra fields such as ``retry_after``), so that
        one answer about the account can be reported once per serial it concerns."""
        clone = copy.copy(self)
        clone.sn = sn
        clone.__cause__ = self.__cause__
        return clone


class TokenRejected(ApiError):
    """The cloud does not accept the tokenId. Retrying with the same token risks a ban."""

    kind = ErrorKind.AUTH
    title = N_("Token rejected")


class SerialUnknown(ApiError):
    """The serial is not bound to this token's account (often the inverter's serial was given
    instead of the dongle's registration number)."""

    kind = ErrorKind.DEVICE
    title = N_("Serial number not found")


class SerialNotReporting(ApiError):
    """The account knows the serial but the cloud has never had data from it."""

    kind = ErrorKind.DEVICE
    title = N_("Inverter not reporting")


class RateLimited(ApiError):
    """Per-minute throttle or the hour-long ban after repeated violations."""

    kind = ErrorKind.RATE_LIMIT
    title = N_("Too many requests")

    def __init__(
        self,
        message: str,
        *,
        sn: str | None = None,
        banned: bool = False,
        retry_after: float = 60.0,
        title: str | None = None,
    ) -> None:
        super().__init__(message, sn=sn, title=title)
        self.banned = banned
        self.retry_after = retry_after


class NetworkError(ApiError):
    """No route to the cloud: DNS failure, refused or reset connection, timeout."""

    kind = ErrorKind.NETWORK
    title = N_("No connection to SolaX Cloud")


class ServerError(ApiError):
    """The cloud answered but could not serve: 5xx, maintenance page, busy, code 2001."""

    kind = ErrorKind.SERVER
    title = N_("SolaX Cloud is having trouble")


class MalformedResponse(ApiError):
    """An answer we cannot read as the protocol says."""

    kind = ErrorKind.PROTOCOL
    title = N_("Unexpected answer from SolaX Cloud")


class ConfigError(SolaxTrayError):
    """A setting or argument that cannot work (for example a token over plain HTTP)."""

    title = N_("Check the settings")


class LedgerUnusable(ConfigError):
    """Something that is not a file (a named pipe, a device, a directory) stands where the request
    ledger should be. Counting only in memory would let other processes overspend the shared
    quota, and reading it could block for ever, so solaxtray stops with this instead."""

    title = N_("Request ledger unusable")


class SecretStoreError(SolaxTrayError):
    """The OS keyring is missing, locked, or refused access."""

    title = N_("Keyring not available")


class SecretStoreLocked(SecretStoreError):
    """The keyring exists but is locked (or its unlock prompt was dismissed or timed out)."""

    title = N_("Keyring locked")


class EnvTokenUnusable(SecretStoreError):
    """``SOLAXTRAY_TOKEN`` holds something that cannot be a tokenId: the credentials given are
    unusable (as a rejected token is), not the keyring; asking the cloud would only count a
    refusal towards a block."""

    title = N_("Token not usable")


class NotificationError(SolaxTrayError):
    """The desktop could not show a notification (no service, a refusal, no answer)."""

    title = N_("Notifications not shown")
