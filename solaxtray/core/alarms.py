"""Why an inverter is in fault: SolaX's alarm list, asked once when a fault begins. Qt-free.

Only the Developer API has an alarm endpoint (``/openapi/v2/alarm/page_alarm_info``, see
``docs/developer-api.md``); the tokenId API's answer carries the status code and nothing more.
Which backend can answer is its API's spec's business: a backend whose ``kind`` names an API with
the alarms capability (``core.api.registry``) and that has an ``alarms(sn)`` method
(``AlarmSource``) can; nothing else in the app compares backend names.

The request costs budget like any other, so it is made once per transition into fault (the
alert rules already raise one alert per transition, never per round), charged in the request
ledger, and skipped when the ledger says no. The reason, or the sentence that says where to find
it, goes into the fault alert itself (one notification, one ``watch`` line with ``details``) and
is kept per serial for the detail window until the inverter recovers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from solaxtray.core.alerts import Alert, AlertKind
from solaxtray.core.api.tokenid.parsing import as_code, as_number, as_text
from solaxtray.core.errors import ApiError
from solaxtray.core.i18n import N_, _
from solaxtray.core.ledger import RequestBudget
from solaxtray.core.locale_format import format_time
from solaxtray.core.models import Snapshot
from solaxtray.core.redact import looks_like_token, redact

logger = logging.getLogger(__name__)

MAX_TEXT = 120
"""SolaX's alarm text is cut to this many characters (it is shown in a notification)."""

SOURCE_CLOUD = "solax_cloud"
SOURCE_DISPLAY = "inverter_display"
"""``details["alarm_source"]``: read from SolaX's alarm list, or only on the inverter itself."""

# Whole sentences with placeholders, so that they can be translated as they are.
REASON_CODE_TEXT = N_("SolaX reports alarm {code}: {text}.")
REASON_CODE = N_("SolaX reports alarm {code}.")
REASON_TEXT = N_("SolaX reports: {text}.")
REASON_SINCE = N_("SolaX reports alarm {code} since {start}: {text}.")
REASON_NONE = N_(
    "SolaX Cloud lists no open alarm for this inverter yet; the fault code is on the inverter's "
    "display and in the SolaX app."
)
REASON_FAILED = N_(
    "SolaX Cloud's alarm list could not be read ({why}); the fault code is on the inverter's "
    "display and in the SolaX app."
)
REASON_BUDGET = N_(
    "The request budget is used up for now, so SolaX Cloud's alarm list was not asked; the "
    "fault code is on the inverter's display and in the SolaX app."
)
REASON_DISPLAY = N_(
    "The tokenId API does not say why; the fault code is on the inverter's display and in the "
    "SolaX app."
)


@dataclass(frozen=True, slots=True)
class InverterAlarm:
    """One alarm of SolaX's list: its code, SolaX's words, when it began (plant time), whether it
    is still open, and SolaX's level (higher is worse) when given."""

    code: str | None
    text: str | None
    started: datetime | None = None
    ongoing: bool = True
    level: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "text": self.text,
            "started": None if self.started is None else self.started.isoformat(),
            "ongoing": self.ongoing,
            "level": self.level,
        }


@dataclass(frozen=True, slots=True)
class FaultReason:
    """What is known about why ``sn`` went into fault, for the alert, the popup and ``watch``.

    ``alarm`` is the alarm SolaX lists (``None`` when it lists none, when it could not be asked,
    or when the API has no alarm list); ``sentence`` says it, or says where to look instead.
    """

    sn: str
    source: str
    sentence: str
    alarm: InverterAlarm | None = None
    requested: bool = False
    """Whether an alarm request was sent for it (what the ledger was charged)."""

    def details(self) -> dict[str, object]:
        """The ``details`` of the fault alert's ``watch`` line."""
        return {
            "alarm_source": self.source,
            "alarm": None if self.alarm is None else self.alarm.to_json(),
            "reason": self.sentence,
        }


@runtime_checkable
class AlarmSource(Protocol):
    """A backend that can list an inverter's alarms (the Developer API)."""

    @property
    def requests_made(self) -> int: ...

    def alarms(self, sn: str) -> list[InverterAlarm]:
        """The open alarms of ``sn``, newest first; raises ``ApiError``."""
        ...


BudgetGate = RequestBudget
"""What the lookup needs of the request ledger: the one ledger protocol."""


def alarm_source(backend: object) -> AlarmSource | None:
    """The backend as an ``AlarmSource`` when its API's spec has the alarms capability, else
    ``None`` (one source of truth: the registry, not a flag on each backend)."""
    from solaxtray.core.api.registry import ALIASES, SPECS, Capability

    kind = ALIASES.get(str(getattr(backend, "kind", "")))
    if kind is None or not SPECS[kind].has(Capability.ALARMS):
        return None
    return backend if isinstance(backend, AlarmSource) else None


# -- reading SolaX's answer -----------------------------------------------------------------------


def parse_alarm_page(result: object, sn: str) -> list[InverterAlarm]:
    """The alarms of ``sn`` in the ``result`` of one ``page_alarm_info`` answer, open ones first,
    newest first. Lenient like the realtime parser: keys in any case, ``records`` or a bare list,
    codes as numbers or strings; anything that is not an alarm, or belongs to another device, is
    left out, and nothing that could be a token is kept."""
    if isinstance(result, Mapping):
        fields = {str(k).lower(): v for k, v in result.items()}
        records: object = fields.get("records", fields.get("list", fields.get("rows")))
    else:
        records = result
    if not isinstance(records, list):
        return []
    wanted = sn.strip().upper()
    alarms: list[InverterAlarm] = []
    for item in records[:100]:
        if not isinstance(item, Mapping):
            continue
        fields = {str(k).lower(): v for k, v in item.items()}
        device = fields.get("devicesn")
        if isinstance(device, str) and device.strip() and device.strip().upper() != wanted:
            register = fields.get("registerno")
            if not (isinstance(register, str) and register.strip().upper() == wanted):
                continue
        code = _code_text(fields.get("errorcode", fields.get("alarmcode", fields.get("code"))))
        text = _clean(fields.get("alarmname", fields.get("alarmmsg", fields.get("alarmcontent"))))
        if code is None and text is None:
            continue
        state = as_code(fields.get("alarmstate"))
        level = as_code(fields.get("alarmlevel"))
        alarms.append(
            InverterAlarm(
                code=code,
                text=text,
                started=_start_time(fields.get("alarmstarttime")),
                ongoing=state != 0,
                level=level,
            )
        )
    alarms.sort(key=lambda a: (not a.ongoing, -(a.started.timestamp() if a.started else 0.0)))
    return alarms


def _clean(value: object) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    text = " ".join("".join(c for c in text if c.isprintable()).split())
    if not text or looks_like_token(text):
        return None
    text = redact(text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _code_text(value: object) -> str | None:
    number = as_number(value)
    if number is not None and not isinstance(value, str):
        return str(int(number)) if number.is_integer() else None
    text = _clean(value)
    return None if text is None else text[:24]


def _start_time(value: object) -> datetime | None:
    """SolaX gives times as "YYYY-mm-dd HH:MM:SS" (plant time) or epoch milliseconds."""
    number = as_number(value)
    if number is not None and not isinstance(value, str):
        try:
            return datetime.fromtimestamp(number / 1000.0 if number > 1e11 else number)
        except (OverflowError, OSError, ValueError):
            return None
    text = as_text(value)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("/", "-")).replace(tzinfo=None)
    except ValueError:
        return None


# -- asking once per fault ------------------------------------------------------------------------


def reason_sentence(alarm: InverterAlarm) -> str:
    """SolaX's alarm in one sentence."""
    if alarm.code is not None and alarm.text is not None:
        if alarm.started is not None:
            return _(REASON_SINCE).format(
                code=alarm.code, text=alarm.text, start=format_time(alarm.started)
            )
        return _(REASON_CODE_TEXT).format(code=alarm.code, text=alarm.text)
    if alarm.code is not None:
        return _(REASON_CODE).format(code=alarm.code)
    return _(REASON_TEXT).format(text=alarm.text)


def display_reason(sn: str) -> FaultReason:
    """For an API without an alarm list: where the code can be read."""
    return FaultReason(sn, SOURCE_DISPLAY, _(REASON_DISPLAY))


def look_up_fault(backend: object, sn: str, ledger: BudgetGate | None) -> FaultReason:
    """Ask ``backend`` once for the alarms of ``sn`` (when it can, and the ledger allows one
    more request), never raising: every outcome is a ``FaultReason`` with a sentence."""
    source = alarm_source(backend)
    if source is None:
        return display_reason(sn)
    try:
        if ledger is not None and not ledger.try_acquire(sn, 1):
            logger.info("%s: no budget for the alarm request", sn)
            return FaultReason(sn, SOURCE_DISPLAY, _(REASON_BUDGET))
    except OSError as exc:
        logger.warning("%s: the request ledger could not be read (%s)", sn, exc)
        return FaultReason(sn, SOURCE_DISPLAY, _(REASON_BUDGET))
    before = source.requests_made
    try:
        alarms = source.alarms(sn)
    except ApiError as error:
        logger.info("%s: alarm list not available: %s", sn, error.title)
        _charge_extra(ledger, sn, source.requests_made - before)
        why = error.title[:1].lower() + error.title[1:]
        return FaultReason(sn, SOURCE_DISPLAY, _(REASON_FAILED).format(why=why), requested=True)
    _charge_extra(ledger, sn, source.requests_made - before)
    open_alarms = [a for a in alarms if a.ongoing]
    if not open_alarms:
        return FaultReason(sn, SOURCE_CLOUD, _(REASON_NONE), requested=True)
    alarm = open_alarms[0]
    return FaultReason(sn, SOURCE_CLOUD, reason_sentence(alarm), alarm=alarm, requested=True)


def _charge_extra(ledger: BudgetGate | None, sn: str, spent: int) -> None:
    """The ledger reserved one request, which is answered now: what was sent counts (a token
    renewal on the way as well), a reservation never sent (refused before it left) does not."""
    if ledger is not None:
        try:
            ledger.settle(sn, spent)
        except OSError as exc:
            logger.warning("the request ledger could not be charged (%s)", exc)


def faults_beginning(
    outcomes: Mapping[str, Snapshot | ApiError], in_fault: Callable[[str], bool]
) -> list[str]:
    """The serials whose answer shows a fault the alert rules do not hold yet: the transitions
    that will raise a fault alert when the answers are recorded. Called before recording them."""
    out: list[str] = []
    for sn, outcome in outcomes.items():
        if not isinstance(outcome, Snapshot):
            continue
        status = outcome.inverter_status
        if status is not None and status.is_fault and not in_fault(sn):
            out.append(sn)
    return out


def look_up_faults(
    backend: object,
    serials: Iterable[str],
    ledger: BudgetGate | None,
) -> dict[str, FaultReason]:
    """``look_up_fault`` for each serial (one request each at most)."""
    return {sn: look_up_fault(backend, sn, ledger) for sn in serials}


def with_reasons(
    alerts: Sequence[Alert], reasons: Mapping[str, FaultReason], *, supports_alarms: bool
) -> list[Alert]:
    """The alerts with each fault alert's reason added to its body and ``details``. A fault with
    no looked-up reason (an API without alarms) says where the code can be read."""
    out: list[Alert] = []
    for alert in alerts:
        if alert.kind is not AlertKind.FAULT or alert.sn is None:
            out.append(alert)
            continue
        reason = reasons.get(alert.sn)
        if reason is None:
            if supports_alarms:
                out.append(alert)
                continue
            reason = display_reason(alert.sn)
        details = {**(alert.details or {}), **reason.details()}
        out.append(replace(alert, body=f"{alert.body} {reason.sentence}", details=details))
    return out


class FaultReasons:
    """The reason per serial while it is in fault, for the detail window."""

    def __init__(self) -> None:
        self._by_sn: dict[str, FaultReason] = {}

    def note(self, reasons: Mapping[str, FaultReason]) -> None:
        self._by_sn.update(reasons)

    def note_alerts(self, alerts: Iterable[Alert]) -> None:
        """Forget a reason when its inverter recovers."""
        for alert in alerts:
            if alert.kind is AlertKind.RECOVERY and alert.sn is not None:
                self._by_sn.pop(alert.sn, None)

    def get(self, sn: str) -> FaultReason | None:
        return self._by_sn.get(sn)

    def forget_others(self, serials: Iterable[str]) -> None:
        keep = set(serials)
        self._by_sn = {sn: r for sn, r in self._by_sn.items() if sn in keep}
