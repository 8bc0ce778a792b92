"""Finding the account's inverters: the Developer API's inventory, page by page. Qt-free.

Only the Developer API can list devices (``GET /openapi/v2/device/page_device_info``,
``deviceType=1``; see ``docs/developer-api.md``); the tokenId API answers one registration number
at a time, so there the numbers must be read off the dongle or the SolaX app
(``WHERE_REGISTRATION_NUMBERS_ARE``).

Each page is one request, taken from the shared request ledger before it is sent, so a search
never pushes the application over its quota. The page's shape is read tolerantly (the public
restatement of SolaX's reference names the endpoint but not its paging fields): the list under
``records``, ``list``, ``rows`` or ``data``, the count under ``total``, ``totalCount`` or
``totalSize``. Anything else is a ``MalformedResponse``, never a crash.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from solaxtray.core.api.tokenid.parsing import as_number
from solaxtray.core.errors import MalformedResponse, RateLimited, SecretStoreError
from solaxtray.core.i18n import N_, _
from solaxtray.core.redact import looks_like_token

if TYPE_CHECKING:
    from solaxtray.core.clock import Clock
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGES = 20
"""A runaway guard: a server that keeps answering full pages stops after this many requests."""

WHERE_REGISTRATION_NUMBERS_ARE = N_(
    "The tokenId API cannot list your inverters. Each one's registration number (10 letters and "
    "digits) is printed on the Pocket WiFi, LAN or 4G dongle plugged into the inverter, and the "
    "SolaX app and solaxcloud.com show it in the device list of your plant."
)

_LIST_KEYS = ("records", "list", "rows", "data", "devices")
_TOTAL_KEYS = ("total", "totalcount", "totalsize", "totalnum")


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One inverter of the account as the inventory lists it."""

    device_sn: str
    """The inverter's own serial: what the Developer API is asked for."""
    registration_no: str | None = None
    """The dongle's registration number: what the tokenId API is asked for."""
    model: str | None = None
    """SolaX's ``deviceModel`` code ("Appendix 4", not published), shown as given."""
    plant: str | None = None
    online: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "deviceSn": self.device_sn,
            "registerNo": self.registration_no,
            "deviceModel": self.model,
            "plant": self.plant,
            "online": self.online,
        }


@dataclass(frozen=True, slots=True)
class DevicePage:
    devices: tuple[DeviceInfo, ...]
    total: int | None


class DevicePager(Protocol):
    """What discovery needs of the Developer API client (``DeveloperClient.device_page``)."""

    @property
    def requests_made(self) -> int: ...

    def device_page(self, page: int, size: int) -> object: ...


def _malformed(detail: str) -> MalformedResponse:
    return MalformedResponse(
        _(
            "SolaX Cloud's list of your inverters could not be read ({detail}). Try again later."
        ).format(detail=detail),
        sn="",
    )


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        if text and text.isprintable() and len(text) <= 64 and not looks_like_token(text):
            return text
    return None


def _lower(item: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in item.items()}


def parse_device_page(result: object) -> DevicePage:
    """One page's ``result`` as typed devices; MalformedResponse when it is not a page."""
    if isinstance(result, list):
        items: object = result
        total = None
    elif isinstance(result, dict):
        fields = _lower(result)
        items = next((fields[k] for k in _LIST_KEYS if k in fields), None)
        if items is None and not any(k in fields for k in _TOTAL_KEYS):
            raise _malformed(_("no list of devices"))
        if items is None:
            items = []
        number = next((as_number(fields[k]) for k in _TOTAL_KEYS if k in fields), None)
        total = int(number) if number is not None and 0 <= number < 1_000_000 else None
    else:
        raise _malformed(_("no list of devices"))
    if not isinstance(items, list):
        raise _malformed(_("the devices are not a list"))
    devices: list[DeviceInfo] = []
    for raw in items:
        if not isinstance(raw, dict):
            raise _malformed(_("a device is not an object"))
        fields = _lower(raw)
        sn = _text(fields.get("devicesn"))
        if sn is None:
            logger.info("Inventory entry without a usable deviceSn skipped")
            continue
        online_value = fields.get("onlinestatus")
        online = None
        if isinstance(online_value, int | float) and not isinstance(online_value, bool):
            online = online_value == 1
        devices.append(
            DeviceInfo(
                device_sn=sn.upper(),
                registration_no=(_text(fields.get("registerno")) or "").upper() or None,
                model=_text(fields.get("devicemodel")),
                plant=_text(fields.get("plantname")) or _text(fields.get("plantid")),
                online=online,
            )
        )
    return DevicePage(tuple(devices), total)


def discover_inverters(
    client: DevicePager,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    before_page: Callable[[int], None] | None = None,
    after_page: Callable[[int], None] | None = None,
) -> list[DeviceInfo]:
    """Every inverter of the application's account, in the order listed, each serial once.

    ``before_page(page)`` runs before each page's request (take it from the ledger there, or
    raise ``RateLimited``); ``after_page(sent)`` gets the number of requests the page really
    cost (a token request comes on top of the first). Raises the ApiError of a failed page.
    """
    found: dict[str, DeviceInfo] = {}
    total: int | None = None
    for page in range(1, max_pages + 1):
        if before_page is not None:
            before_page(page)
        made = client.requests_made
        try:
            result = client.device_page(page, page_size)
        finally:
            if after_page is not None:
                after_page(client.requests_made - made)
        parsed = parse_device_page(result)
        total = parsed.total if parsed.total is not None else total
        new = [d for d in parsed.devices if d.device_sn not in found]
        found.update((d.device_sn, d) for d in new)
        if not parsed.devices or (total is not None and len(found) >= total):
            break
        if total is None and len(parsed.devices) < page_size:
            break
        if not new:  # the same page again: the server ignores the paging parameters
            break
    else:
        logger.info("Inventory stopped after %d pages", max_pages)
    return list(found.values())


def ledger_hooks(
    ledger: RequestLedger, label: str = "discover"
) -> tuple[Callable[[int], None], Callable[[int], None]]:
    """``before_page``/``after_page`` that count every page in a ``RequestLedger``: one request
    taken before each page (refused pages raise ``RateLimited``), the token request charged."""

    def before(_page: int) -> None:
        if not ledger.try_acquire(label):
            wait = float(ledger.wait_time())
            raise RateLimited(
                _(
                    "solaxtray has used this account's request budget for now; the list of inverters "
                    "can be asked again in about {max} seconds."
                ).format(max=max(1, round(wait))),
                sn="",
                retry_after=wait,
            )

    def after(sent: int) -> None:
        # The page's reservation ends with its answer; a sign-in on the way is recorded too, a
        # page refused before it left is not.
        ledger.settle(label, sent)

    return before, after


def registration_map(devices: Sequence[DeviceInfo]) -> dict[str, str]:
    """Registration number -> inverter serial, for telling a user which number to use."""
    return {d.registration_no: d.device_sn for d in devices if d.registration_no}


def discover_saved(settings: Settings, *, clock: Clock | None = None) -> list[DeviceInfo]:
    """The account's inverters with the saved Developer API region and the stored credentials,
    each page counted in the Developer API's ledger (the settings dialog's "Find my inverters").
    Raises SecretStoreError when the credentials are missing or unreadable, an ApiError when the
    cloud refuses."""
    from solaxtray.core import paths
    from solaxtray.core.api.developer.client import DeveloperClient
    from solaxtray.core.api.registry import DEVELOPER_SPEC
    from solaxtray.core.clock import SystemClock
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.secrets import (
        CLIENT_ID_ENV,
        CLIENT_SECRET_ENV,
        DEFAULT_TIMEOUT_S,
        DeveloperCredentials,
        KeyringTokenCache,
    )

    client_id, client_secret = DeveloperCredentials().get_with_timeout(DEFAULT_TIMEOUT_S)
    if client_id is None or client_secret is None:
        raise SecretStoreError(
            _("No Developer API client id and secret are set. Save them in the settings first."),
            title=_("No credentials"),
        )
    from_env = bool(os.environ.get(CLIENT_ID_ENV) or os.environ.get(CLIENT_SECRET_ENV))
    ledger = RequestLedger(
        paths.data_dir() / DEVELOPER_SPEC.ledger_file,
        clock=clock or SystemClock(),
        per_minute=settings.per_minute,
        per_day=settings.per_day,
    )
    before, after = ledger_hooks(ledger)
    with DeveloperClient(
        client_id,
        client_secret,
        host=settings.developer_host,
        battery=False,
        clock=clock,
        token_cache=None if from_env else KeyringTokenCache(client_id=client_id),
    ) as client:
        return discover_inverters(client, before_page=before, after_page=after)
