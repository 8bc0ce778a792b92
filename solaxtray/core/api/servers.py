"""Where the SolaX Cloud realtime API lives, and which addresses may receive a token. Qt-free.

The V6.1 document names one address; the field notes add the same v1 path on other hosts (and on the
Q.CELLS white label) and a v2 endpoint on three regional hosts. Tokens issued by the North America
portal work only on the ``na`` host, so the user must be able to pick a server by name.

The token travels in the query string (v1) or a header (v2), so an address decides who reads it:
only HTTPS, except plain HTTP to this machine (the simulator).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import _
from solaxtray.core.redact import shown

V1_PATH = "/proxyApp/proxy/api/"
V1_ENDPOINT = "getRealtimeInfo.do"
V2_PATH = "/api/v2/dataAccess/realtimeInfo/get"

DEFAULT_API_URL = "https://www.solaxcloud.com/proxyApp/proxy/api/"


def _v2(host: str) -> str:
    return f"https://{host}.solaxcloud.com{V2_PATH}"


KNOWN_SERVERS: dict[str, str] = {
    "www": DEFAULT_API_URL,
    "global": f"https://global.solaxcloud.com{V1_PATH}",
    "qcells": f"https://www.portal-q-cells.us{V1_PATH}",
    "v2-global": _v2("global"),
    "v2-in": _v2("in"),
    "v2-na": _v2("na"),
}
"""Server names a user may type instead of an address (``--api-url na`` style). ``www`` and
``global`` speak the v1 GET protocol; the ``v2-*`` names the POST endpoint of each region."""

_ALIASES: dict[str, str] = {
    "default": "www",
    "v1": "www",
    "v2": "v2-global",
    "in": "v2-in",
    "na": "v2-na",
    "q-cells": "qcells",
    "q.cells": "qcells",
}


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine: the only place a token may go over plain HTTP."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_v2(url: str) -> bool:
    """Whether the address is the v2 endpoint (POST with a ``tokenId`` header) rather than v1."""
    path = urlsplit(url).path.rstrip("/")
    return path.lower().endswith(V2_PATH.lower())


def resolve_api_url(name_or_url: str) -> str:
    """Turn a server name or an address typed by a user into the address the client uses.

    Accepts a name from ``KNOWN_SERVERS`` (case-insensitive) or an ``https://`` address; a v1
    address may be given with or without the trailing ``getRealtimeInfo.do``. Raises ConfigError,
    in words, for anything else: a token must not be sent where it would be readable on the way.
    """
    text = name_or_url.strip() if isinstance(name_or_url, str) else ""
    if not text:
        raise ConfigError(
            _(
                "The server address is empty. Use a server name such as {names}, or an "
                "https:// address."
            ).format(names=_names_sentence())
        )
    key = text.lower()
    key = _ALIASES.get(key, key)
    if key in KNOWN_SERVERS:
        return KNOWN_SERVERS[key]
    if "://" not in text:
        raise ConfigError(
            _(
                "The server address is neither a known server name ({names}) nor an "
                "address starting with https://."
            ).format(names=_names_sentence())
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError(_("The server address is not a valid web address.")) from None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise ConfigError(_("The server address must start with https:// and name a server."))
    if parts.username is not None or parts.password is not None:
        raise ConfigError(_("The server address must not contain a user name or password."))
    if parts.query or parts.fragment:
        # A pasted example URL may carry a tokenId; the address is stored in plain settings.
        raise ConfigError(
            _(
                "The server address must not contain a “?” part; give the address without the "
                "token and serial number."
            )
        )
    check_transport(text)
    path = parts.path or "/"
    if path.endswith(V1_ENDPOINT):
        path = path[: -len(V1_ENDPOINT)]
    if not is_v2(path) and not path.endswith("/"):
        path += "/"
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, path, "", ""))


def check_transport(url: str) -> None:
    """Refuse an address where the token would travel in clear text (ConfigError).

    Plain HTTP is allowed only to a loopback address, which is where the simulator listens.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ConfigError(_("The server address is not a valid web address.")) from None
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return
    if scheme == "http" and host and is_loopback_host(host):
        return
    if scheme == "http":
        raise ConfigError(
            _(
                "The server address uses plain http:// to {host}, which would send the token "
                "readable by anyone on the way. Use https://."
            ).format(host=shown(host) or _("an unnamed host"))
        )
    raise ConfigError(_("The server address must start with https://."))


def _names_sentence() -> str:
    return ", ".join(f"“{name}”" for name in KNOWN_SERVERS)
