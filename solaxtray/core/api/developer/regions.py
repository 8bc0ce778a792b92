"""The Developer API's regional hosts, and the one rule that turns what a user typed into a
host. Qt-free."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from solaxtray.core.api.servers import check_transport
from solaxtray.core.errors import ConfigError
from solaxtray.core.i18n import _

REGION_HOSTS: dict[str, str] = {
    "eu": "https://openapi-eu.solaxcloud.com",
    "cn": "https://openapi-cn.solaxcloud.com",
    "in": "https://openapi-in.solaxcloud.com",
}
"""Regional hosts of the Developer API by the names a user may type."""
DEFAULT_REGION = "eu"


def resolve_developer_host(name_or_url: str) -> str:
    """The base address of the Developer API for a region name (``eu``, ``cn``, ``in``, also as
    ``developer-eu`` / ``openapi-eu``) or an ``https://`` address (plain ``http://`` to this
    machine only: the simulator). Raises ConfigError, in words, for anything else."""
    text = name_or_url.strip() if isinstance(name_or_url, str) else ""
    key = text.lower()
    for prefix in ("developer-", "openapi-", "dev-"):
        key = key.removeprefix(prefix)
    if key in REGION_HOSTS:
        return REGION_HOSTS[key]
    names = ", ".join(f"“{name}”" for name in REGION_HOSTS)
    if "://" not in text:
        raise ConfigError(
            _(
                "The Developer API server must be a region ({names}) or an address starting with "
                "https://."
            ).format(names=names)
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError(
            _("The Developer API server address is not a valid web address.")
        ) from None
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        raise ConfigError(_("The server address must not contain a user name or password."))
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise ConfigError(
            _(
                "Give the Developer API server as its bare address, for example {example}, "
                "without a path or a “?” part."
            ).format(example=REGION_HOSTS[DEFAULT_REGION])
        )
    check_transport(text)
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, "", "", ""))
