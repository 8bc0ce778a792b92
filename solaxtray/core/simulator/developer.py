"""The simulated SolaX Developer API, beside the tokenId API on the same socket. Qt-free, stdlib only.

``DeveloperSimulator`` is a ``CloudSimulator`` (same fleet, same physics, same demo story, same
``start``/``stop``/context manager and ``base_url``) that also answers the two Developer API routes
(``docs/developer-api.md``):

- ``POST /openapi/auth/oauth/token`` (form ``client_id``, ``client_secret``,
  ``grant_type=client_credentials``): ``code`` 0 and a new access token valid for
  ``token_lifetime`` seconds. As on the real service, a new token makes the previous one invalid.
- ``GET /openapi/v2/device/realtime_data?snList=..&deviceType=1|2&businessType=1``
  (``Authorization: bearer <token>``): ``code`` 10000 and one object per inverter (``deviceType=1``)
  or per battery of the listed inverters (``deviceType=2&requestSnType=1``), at most 10 serials.
- ``GET /openapi/v2/device/page_device_info?deviceType=1&current=N&size=M`` (also ``pageNo`` /
  ``pageSize``): the inventory, one page of the fleet's inverters (``records``, ``total``,
  ``pages``), at most ``max_page_size`` per page; ``malformed_pages`` answers chosen pages with
  a ``records`` that is not a list.

The serials are the inverters' own (``SimInverter.inverter_sn``); in the demo fleet:
``SWDEMOHYB3`` -> ``H34A10I9012345``, ``SWDEMOHYB1`` -> ``H1E5020A123456``, ``SWDEMOMIC1`` ->
``XB3602G4567890`` (``DEMO_DEVICE_SERIALS``). Where the real service's behaviour is not known the
simulator takes the stricter reading, so the client is tested against it: a serial the application
may not read spoils the whole request (code 10500), and an expired or superseded token is refused
with 10402. Its own quota (``dev_per_minute``, ``dev_per_day``) answers 10406 and 10405.

``inject`` (the tokenId simulator's transport faults) applies to these routes too; ``inject_code``
makes the next requests of one route answer a given Developer API code; ``edit_answers`` rewrites
the answers of both routes (``"dev-token"``, ``"dev-realtime"``).

Over 500 lines: a fake of one service, its routes in the order of ``docs/developer-api.md``, to be
read side by side with it.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, urlsplit

from solaxtray.core.clock import Clock
from solaxtray.core.simulator import wire
from solaxtray.core.simulator.cloud import Fault
from solaxtray.core.simulator.demo import demo_fleet
from solaxtray.core.simulator.plant import Reading, SimInverter
from solaxtray.core.simulator.quota import Outcome, TokenQuota
from solaxtray.core.simulator.server import CloudSimulator

logger = logging.getLogger(__name__)

DEMO_CLIENT_ID = "solaxtray-demo-client"
DEMO_CLIENT_SECRET = "solaxtray-demo-secret-0042"  # noqa: S105 - fake, for the simulator only
"""Accepted only by the simulator."""
DEMO_DEVICE_SERIALS: tuple[str, ...] = tuple(inv.inverter_sn for inv in demo_fleet(0.0))
"""The demo inverters' own serials, the Developer API's names for ``DEMO_SERIALS``."""
DEMO_TOKEN_LIFETIME = 2_591_999.0
"""What the real token endpoint gives: 30 days less a second."""

TOKEN_ROUTE = "/openapi/auth/oauth/token"  # noqa: S105 - a path
REALTIME_ROUTE = "/openapi/v2/device/realtime_data"
DEVICE_PAGE_ROUTE = "/openapi/v2/device/page_device_info"
DEV_DEVICES_ENDPOINT = "dev-devices"
ALARM_ROUTE = "/openapi/v2/alarm/page_alarm_info"
DEV_ALARM_ENDPOINT = "dev-alarm"
DEMO_ALARMS: dict[str, tuple[str, str]] = {
    "H34A10I9012345": ("IE 03", "Grid Volt Fault"),
}
"""The alarm the demo's fault inverter lists while its story is in fault (code, SolaX's text)."""
DEFAULT_ALARM = ("IE 01", "TZ Protect Fault")
"""What any other simulated inverter lists while it reports a fault."""
DEV_TOKEN_ENDPOINT = "dev-token"  # noqa: S105 - a label in the request log
DEV_REALTIME_ENDPOINT = "dev-realtime"
MAX_SERIALS = 10

MESSAGES: dict[int, str] = {
    0: "success",
    10000: "Operation successful",
    10001: "Operation failed",
    10200: "Operation abnormality, please see the specific message content for details",
    10400: "Request not authenticated",
    10401: "Username or password incorrect",
    10402: "Request access_token authentication failed",
    10403: "Interface has no access rights",
    10405: "The number of API calls has been used up",
    10406: "The API call rate has reached the upper limit, please try again later",
    10500: "User has no device data permission",
    10505: "Device unauthorized",
    10506: "Plant unauthorized",
    11500: "System busy, please try again later",
}
"""The words of the error table the public sources copy from SolaX's Appendix 1."""


class _Exchange(Protocol):
    """What this module needs of the request handler of ``server.py``."""

    path: str
    command: str
    headers: Message
    arrived: float

    def read_body(self) -> bytes: ...

    def reply(self, status: int, body: bytes, content_type: str = ...) -> None: ...

    def reset(self) -> None: ...


@dataclass(slots=True)
class _CodeInjection:
    route: str
    code: int
    http_status: int
    remaining: int


class DeveloperSimulator(CloudSimulator):
    """A ``CloudSimulator`` that speaks the Developer API too (see the module's docstring).

    Accepts every ``CloudSimulator`` argument, plus the application's credentials, the access
    token's lifetime and the Developer API's own per-application quota.
    """

    def __init__(
        self,
        *,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        token_lifetime: float = DEMO_TOKEN_LIFETIME,
        dev_per_minute: int = 10,
        dev_per_day: int = 10_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_lifetime = float(token_lifetime)
        self._dev_lock = threading.Lock()
        self._access: tuple[str, float] | None = None
        self._dev_quota = TokenQuota(dev_per_minute, dev_per_day, 1 << 30, 0.0)
        self._code_injections: list[_CodeInjection] = []
        self.tokens_issued = 0
        self.max_page_size = 50
        """The most devices one inventory page holds, whatever size is asked for."""
        self.malformed_pages: set[int] = set()
        """Inventory pages answered with ``records`` that is not a list."""
        self.alarm_texts: dict[str, tuple[str, str]] = dict(DEMO_ALARMS)
        """Per inverter serial: the code and text it lists while its status is a fault."""
        self._fault_since: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"DeveloperSimulator(client_id={self.client_id!r})"

    def __enter__(self) -> DeveloperSimulator:
        self.start()
        return self

    @classmethod
    def demo(
        cls,
        clock: Clock | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        per_minute: int = 10,
        per_day: int = 10_000,
    ) -> DeveloperSimulator:
        """The demo story of ``CloudSimulator.demo``, on both APIs, with ``DEMO_CLIENT_ID``."""
        sim = super().demo(clock, host=host, port=port, per_minute=per_minute, per_day=per_day)
        return cast(DeveloperSimulator, sim)

    # -- control from tests -------------------------------------------------------------------

    @property
    def device_serials(self) -> tuple[str, ...]:
        """The inverters' own serials, in fleet order: what the Developer API is asked for."""
        return tuple(inv.inverter_sn for inv in self.inverters)

    def device_serial(self, registration_no: str) -> str:
        """The inverter serial behind a dongle's registration number."""
        for inv in self.inverters:
            if inv.sn == registration_no:
                return inv.inverter_sn
        raise KeyError(f"the simulator has no inverter {registration_no!r}")

    def inject_code(
        self, code: int, *, route: str = "realtime", count: int = 1, http_status: int = 200
    ) -> None:
        """The next ``count`` requests to ``route`` ("realtime", "token", "devices" or "alarm")
        answer ``code`` (with ``http_status``), after the transport faults and before the token
        check."""
        if route not in ("realtime", "token", "devices", "alarm"):
            raise ValueError("route must be 'realtime', 'token', 'devices' or 'alarm'")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._dev_lock:
            self._code_injections.append(_CodeInjection(route, code, http_status, count))

    def expire_token(self) -> None:
        """Make the current access token invalid, as a token request by another program does."""
        with self._dev_lock:
            self._access = None

    @property
    def current_access_token(self) -> str | None:
        """The token the simulated cloud accepts now: for tests that check it leaks nowhere."""
        with self._dev_lock:
            return None if self._access is None else self._access[0]

    @property
    def access_token_valid_until(self) -> float | None:
        with self._dev_lock:
            return None if self._access is None else self._access[1]

    # -- serving ------------------------------------------------------------------------------

    def _handle(self, h: _Exchange) -> None:
        path = urlsplit(h.path).path
        if path == TOKEN_ROUTE:
            self._serve_token(h)
        elif path == REALTIME_ROUTE:
            self._serve_realtime(h)
        elif path == DEVICE_PAGE_ROUTE:
            self._serve_device_page(h)
        elif path == ALARM_ROUTE:
            self._serve_alarms(h)
        else:
            super()._handle(h)  # type: ignore[arg-type]

    def _take_code(self, route: str) -> _CodeInjection | None:
        with self._dev_lock:
            for item in self._code_injections:
                if item.route == route:
                    item.remaining -= 1
                    if item.remaining <= 0:
                        self._code_injections.remove(item)
                    return item
        return None

    def _transport_fault(self, h: _Exchange, endpoint: str, sn: str | None) -> bool:
        """Serve an injected ``Fault``; True when the request is answered (or cut) by it."""
        fault = self.take_fault(None)
        if fault is None:
            return False
        self.record(endpoint, sn, False, f"fault:{fault.value}")
        if fault is Fault.SLOW:
            self._stopping.wait(self.slow_delay)
            return False
        if fault is Fault.RESET:
            h.reset()
        elif fault is Fault.HTML:
            h.reply(200, wire.MAINTENANCE_PAGE, wire.CONTENT_TYPE_HTML)
        elif fault is Fault.HTTP_500:
            h.reply(500, wire.ERROR_PAGE_500, wire.CONTENT_TYPE_HTML)
        elif fault is Fault.HTTP_503:
            h.reply(503, wire.ERROR_PAGE_503, wire.CONTENT_TYPE_HTML)
        elif fault is Fault.EMPTY:
            h.reply(200, b"")
        elif fault is Fault.OVERSIZED:
            h.reply(200, wire.oversized(self.oversized_bytes))
        elif fault is Fault.TRUNCATED:
            h.reply(200, _envelope(10000, [{"deviceSn": sn or "", "pvMap": {}}])[:20])
        else:  # the tokenId API's refusals, in this API's words
            code = {
                Fault.BUSY: 11500,
                Fault.THROTTLE: 10406,
                Fault.BAN: 10405,
                Fault.ERROR_2001: 10001,
            }.get(fault, 10001)
            h.reply(200, _envelope(code))
        return True

    def _serve_token(self, h: _Exchange) -> None:
        body = h.read_body()
        if self._transport_fault(h, DEV_TOKEN_ENDPOINT, None):
            return
        injected = self._take_code("token")
        if injected is not None:
            self.record(DEV_TOKEN_ENDPOINT, None, False, f"code:{injected.code}")
            h.reply(injected.http_status, _envelope(injected.code))
            return
        if h.command != "POST":
            self.record(DEV_TOKEN_ENDPOINT, None, False, Outcome.BAD_REQUEST)
            h.reply(405, _envelope(10200))
            return
        form = parse_qs(body.decode("utf-8", "replace"))
        client_id = (form.get("client_id") or [""])[0]
        client_secret = (form.get("client_secret") or [""])[0]
        grant = (form.get("grant_type") or [""])[0]
        if grant != "client_credentials":
            self.record(DEV_TOKEN_ENDPOINT, None, False, Outcome.BAD_REQUEST)
            h.reply(200, _envelope(10200))
            return
        if not (
            secrets.compare_digest(client_id, self.client_id)
            and secrets.compare_digest(client_secret, self._client_secret)
        ):
            self.record(DEV_TOKEN_ENDPOINT, None, False, Outcome.TOKEN_INVALID)
            h.reply(200, _envelope(10401))
            return
        token = secrets.token_urlsafe(24)
        with self._dev_lock:
            # One valid token per application: this one replaces the last.
            self._access = (token, self.clock.now() + self.token_lifetime)
            self.tokens_issued += 1
        self.record(DEV_TOKEN_ENDPOINT, None, True, Outcome.OK)
        result = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.token_lifetime),
            "scope": "API",
            "grant_type": "client_credentials",
        }
        h.reply(200, self.edited(DEV_TOKEN_ENDPOINT, None, _envelope(0, result)))

    def _serve_realtime(self, h: _Exchange) -> None:
        if h.command == "POST":
            h.read_body()
        query = parse_qs(urlsplit(h.path).query)
        sn_text = (query.get("snList") or [""])[0]
        serials = [s.strip() for s in sn_text.split(",") if s.strip()]
        label = ",".join(serials) or None
        if self._transport_fault(h, DEV_REALTIME_ENDPOINT, label):
            return
        injected = self._take_code("realtime")
        if injected is not None:
            self.record(DEV_REALTIME_ENDPOINT, label, False, f"code:{injected.code}")
            h.reply(injected.http_status, _envelope(injected.code))
            return
        code = self._token_code(h.headers.get("Authorization", ""))
        if code is not None:
            self.record(DEV_REALTIME_ENDPOINT, label, False, Outcome.TOKEN_INVALID)
            h.reply(200, _envelope(code))
            return
        with self._dev_lock:
            now = self.clock.now()
            admitted = self._dev_quota.admit(min(h.arrived, now) if h.arrived else now)
        if admitted is not Outcome.OK:
            self.record(DEV_REALTIME_ENDPOINT, label, True, admitted)
            h.reply(200, _envelope(10406 if admitted is Outcome.THROTTLED else 10405))
            return
        device_type = (query.get("deviceType") or [""])[0]
        request_sn_type = (query.get("requestSnType") or ["1"])[0]
        if (
            not serials
            or len(serials) > MAX_SERIALS
            or device_type not in ("1", "2")
            or (query.get("businessType") or [""])[0] != "1"
            or request_sn_type != "1"
        ):
            self.record(DEV_REALTIME_ENDPOINT, label, True, Outcome.BAD_REQUEST)
            h.reply(200, _envelope(10200))
            return
        units = {inv.inverter_sn.upper(): inv for inv in self.inverters}
        if any(sn.upper() not in units for sn in serials):
            self.record(DEV_REALTIME_ENDPOINT, label, True, Outcome.NO_AUTH)
            h.reply(200, _envelope(10500))
            return
        items: list[dict[str, Any]] = []
        for sn in serials:
            inv = units[sn.upper()]
            reading = self.current_reading(inv.sn) if inv.reporting else None
            if reading is None:
                continue
            if device_type == "1":
                items.append(inverter_object(inv, reading))
            elif inv.has_battery:
                items.append(battery_object(inv, reading))
        self.record(DEV_REALTIME_ENDPOINT, label, True, Outcome.OK)
        h.reply(200, self.edited(DEV_REALTIME_ENDPOINT, label, _envelope(10000, items)))

    def _serve_device_page(self, h: _Exchange) -> None:
        if h.command == "POST":
            h.read_body()
        query = parse_qs(urlsplit(h.path).query)
        if self._transport_fault(h, DEV_DEVICES_ENDPOINT, None):
            return
        injected = self._take_code("devices")
        if injected is not None:
            self.record(DEV_DEVICES_ENDPOINT, None, False, f"code:{injected.code}")
            h.reply(injected.http_status, _envelope(injected.code))
            return
        code = self._token_code(h.headers.get("Authorization", ""))
        if code is not None:
            self.record(DEV_DEVICES_ENDPOINT, None, False, Outcome.TOKEN_INVALID)
            h.reply(200, _envelope(code))
            return
        with self._dev_lock:
            admitted = self._dev_quota.admit(self.clock.now())
        if admitted is not Outcome.OK:
            self.record(DEV_DEVICES_ENDPOINT, None, True, admitted)
            h.reply(200, _envelope(10406 if admitted is Outcome.THROTTLED else 10405))
            return

        def number(*names: str, default: int) -> int | None:
            for name in names:
                text = (query.get(name) or [""])[0]
                if text:
                    return int(text) if text.isdigit() and int(text) > 0 else None
            return default

        page = number("current", "pageNo", default=1)
        size = number("size", "pageSize", default=10)
        if page is None or size is None or (query.get("deviceType") or ["1"])[0] != "1":
            self.record(DEV_DEVICES_ENDPOINT, None, True, Outcome.BAD_REQUEST)
            h.reply(200, _envelope(10200))
            return
        size = min(size, self.max_page_size)
        fleet = list(self.inverters)
        start = (page - 1) * size
        records: Any = [device_info_object(inv) for inv in fleet[start : start + size]]
        if page in self.malformed_pages:
            records = "records"
        result = {
            "records": records,
            "total": len(fleet),
            "size": size,
            "current": page,
            "pages": -(-len(fleet) // size),
        }
        self.record(DEV_DEVICES_ENDPOINT, None, True, Outcome.OK)
        h.reply(200, _envelope(10000, result))

    def _serve_alarms(self, h: _Exchange) -> None:
        """The open alarms of one inverter (``deviceSn``): one record while its current upload
        reports a fault (103 or 104), none otherwise; paged like the real list."""
        query = parse_qs(urlsplit(h.path).query)
        sn = (query.get("deviceSn") or [""])[0].strip()
        label = sn or None
        if self._transport_fault(h, DEV_ALARM_ENDPOINT, label):
            return
        injected = self._take_code("alarm")
        if injected is not None:
            self.record(DEV_ALARM_ENDPOINT, label, False, f"code:{injected.code}")
            h.reply(injected.http_status, _envelope(injected.code))
            return
        code = self._token_code(h.headers.get("Authorization", ""))
        if code is not None:
            self.record(DEV_ALARM_ENDPOINT, label, False, Outcome.TOKEN_INVALID)
            h.reply(200, _envelope(code))
            return
        with self._dev_lock:
            admitted = self._dev_quota.admit(self.clock.now())
        if admitted is not Outcome.OK:
            self.record(DEV_ALARM_ENDPOINT, label, True, admitted)
            h.reply(200, _envelope(10406 if admitted is Outcome.THROTTLED else 10405))
            return
        units = {inv.inverter_sn.upper(): inv for inv in self.inverters}
        inv = units.get(sn.upper())
        if inv is None or (query.get("businessType") or [""])[0] != "1":
            self.record(DEV_ALARM_ENDPOINT, label, True, Outcome.NO_AUTH)
            h.reply(200, _envelope(10500 if inv is None else 10200))
            return
        reading = self.current_reading(inv.sn) if inv.reporting else None
        records: list[dict[str, Any]] = []
        with self._dev_lock:
            if reading is not None and reading.status in (103, 104):
                started = self._fault_since.setdefault(inv.inverter_sn, _plant_time(reading, inv))
                error_code, text = self.alarm_texts.get(inv.inverter_sn, DEFAULT_ALARM)
                records.append(
                    {
                        "deviceSn": inv.inverter_sn,
                        "registerNo": inv.sn,
                        "errorCode": error_code,
                        "alarmName": text,
                        "alarmLevel": 3 if reading.status == 104 else 2,
                        "alarmState": 1,
                        "alarmStartTime": started,
                        "alarmEndTime": None,
                    }
                )
            elif reading is not None:
                self._fault_since.pop(inv.inverter_sn, None)
        self.record(DEV_ALARM_ENDPOINT, label, True, Outcome.OK)
        result = {"current": 1, "size": 10, "pages": 1, "total": len(records), "records": records}
        h.reply(200, _envelope(10000, result))

    def _token_code(self, authorization: str) -> int | None:
        """None when the bearer token is the current one; else the code the refusal carries."""
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return 10400
        with self._dev_lock:
            access = self._access
        if access is None or not secrets.compare_digest(token.strip(), access[0]):
            return 10402
        if self.clock.now() >= access[1]:
            return 10402
        return None


def _envelope(code: int, result: Any = None) -> bytes:
    body: dict[str, Any] = {"code": code, "message": MESSAGES.get(code, "error"), "result": result}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _plant_time(reading: Reading, inv: SimInverter) -> str:
    return reading.upload_time_local(inv.utc_offset_hours)


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _f(value: float | None) -> float | None:
    return None if value is None else float(value)


def inverter_object(inv: SimInverter, reading: Reading) -> dict[str, Any]:
    """One ``deviceType=1`` object, in the key spelling of the recorded answer (mixed casing)."""
    pv_map: dict[str, Any] = {}
    mppt_map: dict[str, Any] = {}
    for i, power in enumerate(reading.pv, start=1):
        pv_map[f"pv{i}Voltage"] = None if power is None else 380.0
        pv_map[f"pv{i}Current"] = None if power is None else round(power / 380.0, 1)
        pv_map[f"pv{i}Power"] = _f(power)
        mppt_map[f"mppt{i}Power"] = _f(power)
    present = [p for p in reading.pv if p is not None]
    item: dict[str, Any] = {
        "deviceStatus": reading.status,
        "dataTime": _utc(reading.upload_epoch),
        "plantLocalTime": _plant_time(reading, inv),
        "deviceSn": inv.inverter_sn,
        "registerNo": inv.sn,
        "totalActivePower": float(reading.ac_power),
        "dailyYield": reading.yield_today,
        "totalYield": reading.yield_total,
        "pvMap": pv_map,
        "mpptMap": mppt_map,
        "MPPTTotalInputPower": float(sum(present)) if present else None,
        # Sign as the tokenId API's feedinpower: positive exports (an assumption, see the doc).
        "gridPower": reading.feedin_power,
        "gridPowerM2": reading.feedin_power_m2,
        "todayImportEnergy": None,
        "totalImportEnergy": reading.consume_energy,
        "todayExportEnergy": None,
        "totalExportEnergy": reading.feedin_energy,
    }
    for phase, power in enumerate(reading.eps, start=1):
        item[f"EPSL{phase}ActivePower"] = _f(power)
    return item


def device_info_object(inv: SimInverter) -> dict[str, Any]:
    """One inventory record: the inverter's serial, its dongle's registration number, a model
    code (Appendix 4 is not public: the tokenId API's type code stands in) and its plant."""
    return {
        "deviceSn": inv.inverter_sn,
        "registerNo": inv.sn,
        "deviceModel": inv.type_code,
        "deviceType": 1,
        "plantId": f"plant-{inv.sn.lower()}",
        "plantName": f"Plant {inv.sn}",
        "onlineStatus": 1 if inv.reporting else 0,
    }


def battery_object(inv: SimInverter, reading: Reading) -> dict[str, Any]:
    """One ``deviceType=2`` object: the battery behind the inverter, reporting through the same
    dongle (same ``registerNo``)."""
    power = _f(reading.bat_power)
    return {
        "deviceStatus": 0 if not power else 1,
        "dataTime": _utc(reading.upload_epoch),
        "plantLocalTime": _plant_time(reading, inv),
        "deviceSn": "BAT" + inv.inverter_sn[-11:],
        "registerNo": inv.sn,
        "batterySOC": _f(reading.soc),
        "batteryRemainings": (
            None
            if reading.soc is None or inv.battery_wh is None
            else round(reading.soc / 100.0 * inv.battery_wh / 1000.0, 2)
        ),
        "batterySOH": 100.0,
        "chargeDischargePower": power,
        "batteryVoltage": 400.0,
        "batteryCurrent": None if power is None else round(power / 400.0, 1),
        "batteryTemperature": 25.0,
    }


def serve_forever_developer_demo(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    ready: Callable[[DeveloperSimulator], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the demo cloud, both APIs, until Ctrl-C (or until ``stop`` is set): what
    ``solaxtray simulate`` can call instead of ``serve_forever_demo`` to serve the Developer API
    too. ``ready`` gets the started simulator (to print its addresses and the demo credentials)."""
    stop = stop if stop is not None else threading.Event()
    with DeveloperSimulator.demo(host=host, port=port) as sim:
        if ready is not None:
            ready(sim)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            logger.info("simulator stopped by the user")
