"""The user's settings: a small versioned JSON file, validated field by field, written atomically.
Qt-free.

Why this shape:

- **Versioned, with a migration per version**: a file written by an older solaxtray is brought up to
  date step by step (``_MIGRATIONS``) instead of being rejected, so an upgrade never loses a user's
  serial numbers.
- **Atomic writes** (temporary file in the same directory, then ``os.replace``): a crash or a full disk
  in the middle of a save leaves the old file intact, never half a file.
- **A damaged file is set aside, not fatal**: it is renamed to ``settings.json.corrupt-<time>`` (so
  nothing the user typed is destroyed), every value that can still be read is kept, the rest fall
  back to defaults, and :meth:`SettingsStore.load` returns one sentence saying so and where the old
  file went. The app shows that sentence; it never crashes on its own settings.
- **The tokenId is never a setting**: it lives in the OS keyring only (``solaxtray.core.secrets``),
  as do the Developer API's client id and secret. A ``token``/``tokenId``/``client_secret`` key
  found in a file is dropped and the file rewritten at once without it, and a damaged file set
  aside has its secrets masked first, so a hand-edited file cannot keep a secret in plain text. A
  token typed where a serial number belongs is refused without being echoed.
- **Hostile files are ordinary input**: only a regular file is opened (a FIFO or a device would
  block or never end), without blocking, and at most ``MAX_FILE_BYTES`` are read; ``NaN``,
  ``Infinity``, ``1e400``, thousand-digit integers and deep nesting make the one field that holds
  them invalid, never the whole load; and a value is echoed in a sentence only in a short, redacted
  form, so a megabyte setting never becomes a megabyte line on a terminal.

Over 500 lines: the settings file's dataclasses, the serial rules of both APIs, the migrations, the
loader of hostile files and the atomic store of one file format; the serial rules are to move to
the API packages.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from solaxtray.core.api.registry import ALIASES, DEFAULT_KIND, BackendKind, spec_of
from solaxtray.core.errors import ConfigError
from solaxtray.core.fileio import atomic_write_bytes
from solaxtray.core.i18n import LANGUAGES, _, ngettext, normalize_language
from solaxtray.core.redact import redact, register_secret

logger = logging.getLogger(__name__)

SETTINGS_VERSION = 1
"""The version this code writes. Bump it and add a step to ``_MIGRATIONS`` when the format changes."""

PUBLISHED_PER_MINUTE = 10
PUBLISHED_PER_DAY = 10_000
DEFAULT_PER_MINUTE = 9
DEFAULT_PER_DAY = 9_000
"""Request budgets a safety margin under the published quota (spec section 3): users polling inside
the published limits have still been banned for an hour (field notes)."""

DEFAULT_BATTERY_RESERVE_PERCENT = 10
"""SolaX's default minimum SOC (also the EPS minimum SOC of the X1/X3-Hybrid G4): the charge below
which the inverter stops discharging, unless the installer changed it."""

MIN_POLL_INTERVAL_S = 10
MAX_POLL_INTERVAL_S = 3600
MAX_STALE_MINUTES = 24 * 60

MAX_FILE_BYTES = 4 * 1024 * 1024
"""A settings file is about a kilobyte; more than this is damage, not settings. Generous enough
that a file with one absurd value (a megabyte pasted into a field) is still read and the rest of
it kept."""
MAX_DEPTH = 16
"""Settings nest two levels deep; a value nested deeper than this is invalid as a whole (and never
walked recursively, so no nesting depth can exhaust the stack)."""
MAX_ECHO_CHARS = 40
"""The longest piece of a setting's value repeated in a sentence."""
MAX_NUMBER_DIGITS = 30
"""Longer integers in the file are invalid values: no setting needs them, and converting thousands
of digits is slow (Python refuses beyond 4,300)."""
MAX_SERVER_CHARS = 2048
"""The longest server address taken from the settings (longer is damage, and not echoed)."""

_SECRET_KEYS = frozenset(
    {"token", "tokenid", "token_id", "client_secret", "clientsecret", "access_token"}
)


class BadNumber:
    """A number in the file that no setting can hold (``NaN``, ``Infinity``, ``1e400``, an integer
    of thousands of digits), kept in its place so that only its field is invalid."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        if len(self.text) > MAX_ECHO_CHARS:
            return f"a number of {len(self.text)} characters"
        return self.text


class TooDeep:
    """A value nested deeper than ``MAX_DEPTH``, kept in its place so that only its field is
    invalid."""

    __slots__ = ()

    def __repr__(self) -> str:
        return _("a value nested too deeply")


_TOO_DEEP = TooDeep()


def echo(value: Any) -> str:
    """``value`` as a sentence may show it: the JSON text it was in the file (``null``, ``true``,
    ``"on"``; never Python's ``None``, ``True``, ``'on'``, which the user never wrote), redacted (a
    token under any name is masked), with control and format characters escaped, and cut to
    ``MAX_ECHO_CHARS`` with its full length said."""
    if isinstance(value, str) and len(value) > 4 * MAX_ECHO_CHARS:
        # Never build the text of a huge string only to cut it.
        return _("a text of {count} characters").format(count=len(value))
    if isinstance(value, list | tuple | dict) and len(value) > MAX_ECHO_CHARS:
        return _("a value of {count} items").format(count=len(value))
    pieces: list[str] = []
    whole = True
    try:
        _json_pieces(value, pieces, 4 * MAX_ECHO_CHARS)
    except _EchoFull:
        whole = False
    except (RecursionError, ValueError, TypeError):
        return _("a value that cannot be shown")
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in redact("".join(pieces)))
    if not whole:
        return text[: MAX_ECHO_CHARS - 1] + "…"
    if len(text) > MAX_ECHO_CHARS:
        return _("{start}… ({count} characters)").format(
            start=text[: MAX_ECHO_CHARS - 1], count=len(text)
        )
    return text


class _EchoFull(Exception):
    """The text of a value has grown past what a sentence shows: stop building it."""


def _json_pieces(value: Any, pieces: list[str], budget: int) -> int:
    """Append the JSON text of ``value`` to ``pieces`` (the file's numbers as written), stopping
    with ``_EchoFull`` once more than ``budget`` characters are built; returns the budget left."""
    if isinstance(value, BadNumber | TooDeep):
        piece = repr(value)
    elif isinstance(value, dict):
        pieces.append("{")
        budget -= 1
        for i, (key, item) in enumerate(value.items()):
            pieces.append((", " if i else "") + json.dumps(str(key), ensure_ascii=False) + ": ")
            budget = _json_pieces(item, pieces, budget - len(pieces[-1]))
        piece = "}"
    elif isinstance(value, list | tuple):
        pieces.append("[")
        budget -= 1
        for i, item in enumerate(value):
            if i:
                pieces.append(", ")
            budget = _json_pieces(item, pieces, budget - 2 * bool(i))
        piece = "]"
    else:
        piece = json.dumps(value, ensure_ascii=False)
    pieces.append(piece)
    budget -= len(piece)
    if budget < 0:
        raise _EchoFull
    return budget


DEFAULT_BACKEND: str = DEFAULT_KIND.value
"""The API a new settings file uses: the registry's default."""
BACKENDS: tuple[str, ...] = tuple(kind.value for kind in BackendKind)
"""The SolaX APIs a user can choose, as the settings file stores them (``api.registry``, which
imports no HTTP client)."""
DEFAULT_DEVELOPER_HOST = "eu"


def normalize_serials(values: Iterable[str], backend: str = DEFAULT_BACKEND) -> tuple[str, ...]:
    """Validate each serial and drop repeats, keeping the user's order.

    ``backend`` says which kind of number is wanted (its spec's serial rule): the dongles'
    registration numbers for the tokenId API, the inverters' own serial numbers for the Developer
    API.
    """
    return spec_of(backend).normalise_serials(values)


def check_backend(value: Any) -> str:
    """``token`` or ``developer`` (a few other spellings are accepted), or ConfigError."""
    key = value.strip().lower() if isinstance(value, str) else ""
    kind = ALIASES.get(key)
    if kind is None:
        raise ConfigError(
            _(
                "The SolaX API must be {BACKEND_TOKEN!r} (a tokenId from the API page of SolaX "
                "Cloud) or {BACKEND_DEVELOPER!r} (a client id and secret from the SolaX "
                "Developer Platform), not {value}."
            ).format(
                # The catalogs' placeholders keep their old names.
                BACKEND_TOKEN=BackendKind.TOKEN.value,
                BACKEND_DEVELOPER=BackendKind.DEVELOPER.value,
                value=echo(value),
            )
        )
    return kind.value


def check_developer_host(value: Any) -> str:
    """Validate a Developer API region (``eu``, ``cn``, ``in``) or address as the client would
    resolve it; keep what the user wrote (a region stays a name)."""
    if value is None:
        return DEFAULT_DEVELOPER_HOST
    if not isinstance(value, str):
        raise ConfigError(
            _("The Developer API server must be a region or an address, not {value}.").format(
                value=echo(value)
            )
        )
    _check_server_length(value)
    text = value.strip()
    if not text:
        return DEFAULT_DEVELOPER_HOST
    from solaxtray.core.api.developer.regions import resolve_developer_host

    resolve_developer_host(text)
    return text


def _check_server_length(value: str) -> None:
    if len(value) > MAX_SERVER_CHARS:
        raise ConfigError(
            ngettext(
                "The server address has {count} character; an address has at most {limit}.",
                "The server address has {count} characters; an address has at most {limit}.",
                len(value),
            ).format(count=len(value), limit=MAX_SERVER_CHARS)
        )


def check_language(value: Any) -> str:
    """``""`` (follow the system) or one of the languages the app speaks, as its short code."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    found = normalize_language(value) if isinstance(value, str) else None
    if found is None:
        raise ConfigError(
            _(
                "The language must be one of {languages}, or empty for the system's language, "
                "not {value}."
            ).format(languages=", ".join(LANGUAGES), value=echo(value))
        )
    return found


NOTIFY_FOLLOWS = {"back_online": "offline", "serial_unknown": "token_rejected"}
"""Alert kinds that follow another kind's switch: "back online" ends what "offline" started, so
hearing one without the other would be confusing; a serial the account does not know is a set-up
problem like rejected credentials, under the same switch."""


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Which alert kinds reach the user as desktop notifications (all are still logged and shown in
    the popup). Field names follow the alert kinds of ``solaxtray.core.alerts``."""

    fault: bool = True
    eps: bool = True
    recovery: bool = True
    offline: bool = True
    token_rejected: bool = True
    rate_limited: bool = True
    low_soc: bool = True
    weak_string: bool = True

    def enabled(self, kind: str) -> bool:
        """Whether an alert of this kind (its string value) should notify. Kinds this version does
        not know notify, because silence is the worse failure for an unknown kind of alert."""
        normalized = str(kind).lower().replace("-", "_")
        normalized = NOTIFY_FOLLOWS.get(normalized, normalized)
        for f in fields(self):
            if f.name == normalized:
                return bool(getattr(self, f.name))
        return True


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can set, except the token (which lives in the keyring).

    Frozen: the GUI thread and the poller's worker may both hold one; a change is a new value
    (``dataclasses.replace``), saved through :class:`SettingsStore`.
    """

    version: int = SETTINGS_VERSION
    serials: tuple[str, ...] = ()
    """The inverters to watch: for the tokenId API the registration numbers (10 characters, upper
    case) of their dongles, for the Developer API the inverters' own serial numbers."""
    api_url: str | None = None
    """A server name from ``KNOWN_SERVERS`` or a full API URL; ``None`` means the default server."""
    poll_interval_s: int = 60
    """The plain poll interval used until the upload cadence is learned."""
    stale_minutes: int = 15
    """Data older than this (and not explained by night) raises the offline alert."""
    low_soc_percent: int | None = None
    """Battery level that raises a low-SOC alert; ``None`` switches the alert off."""
    notify: NotifySettings = field(default_factory=NotifySettings)
    start_at_login: bool = False
    latitude: float | None = None
    longitude: float | None = None
    """Optional plant location: sunrise and sunset tell night from an outage."""
    per_minute: int = DEFAULT_PER_MINUTE
    per_day: int = DEFAULT_PER_DAY
    """Request budgets for the token. They may be lowered, never raised above the defaults."""
    backend: str = DEFAULT_BACKEND
    """Which SolaX API to use: ``token`` (tokenId) or ``developer`` (client id and secret)."""
    developer_host: str = DEFAULT_DEVELOPER_HOST
    """The Developer API's region (``eu``, ``cn``, ``in``) or address; unused with ``token``."""
    language: str = ""
    """The language of the app and CLI (``de``, ``pl``...); empty means the system's language."""
    battery_capacity_kwh: float | None = None
    """The usable capacity of each inverter's battery, if the user gives it: the EPS time left
    then follows the measured discharge; ``None``: estimated from the charge's slope alone."""
    battery_reserve_percent: int = DEFAULT_BATTERY_RESERVE_PERCENT
    """The charge at which the inverter stops discharging (SolaX's "Min SOC"): the EPS time left
    runs down to it, not to empty. The cloud's answers do not carry it; 0 means to empty."""

    def validated(self) -> Settings:
        """Return the same settings in canonical form, or raise ConfigError naming the first bad field."""
        data = settings_to_dict(self)
        settings, problems = _from_dict(data)
        if problems:
            raise ConfigError(problems[0])
        return settings


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON-ready form written to disk."""
    data = asdict(settings)
    data["serials"] = list(settings.serials)
    data["version"] = SETTINGS_VERSION
    return data


def settings_from_dict(data: Mapping[str, Any]) -> Settings:
    """Build settings from a (current-version) mapping, raising ConfigError on the first bad field."""
    settings, problems = _from_dict(data)
    if problems:
        raise ConfigError(problems[0])
    return settings


# --- field validation ----------------------------------------------------------------------------


def _int_in(label: str, value: Any, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()))
    ):
        raise ConfigError(
            _("{label} must be a whole number, not {value}.").format(label=label, value=echo(value))
        )
    number = int(value)
    if not low <= number <= high:
        raise ConfigError(
            _("{label} must be between {low} and {high}, not {value}.").format(
                label=label, low=low, high=high, value=echo(value)
            )
        )
    return number


def _check_poll_interval(value: Any) -> int:
    return _int_in(
        _("The poll interval (seconds)"),
        value,
        MIN_POLL_INTERVAL_S,
        MAX_POLL_INTERVAL_S,
    )


def _check_stale_minutes(value: Any) -> int:
    return _int_in(_("The stale-data time (minutes)"), value, 1, MAX_STALE_MINUTES)


def _check_low_soc(value: Any) -> int | None:
    if value is None:
        return None
    return _int_in(_("The low battery threshold (%)"), value, 1, 99)


BATTERY_CAPACITY_KWH = (0.5, 1000.0)
"""The battery capacities accepted, in kWh (the settings window's field offers the same)."""


def _check_capacity(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(_("The battery capacity must be a number of kWh."))
    low, high = BATTERY_CAPACITY_KWH
    if not low <= float(value) <= high:
        raise ConfigError(_("The battery capacity must be between 0.5 and 1000 kWh."))
    return float(value)


def _check_reserve(value: Any) -> int:
    return _int_in(_("The battery reserve (%)"), value, 0, 100)


def _check_per_minute(value: Any) -> int:
    return _int_in(
        _("The request budget per minute"),
        value,
        1,
        DEFAULT_PER_MINUTE,
    )


def _check_per_day(value: Any) -> int:
    return _int_in(_("The request budget per day"), value, 1, DEFAULT_PER_DAY)


def _check_bool(label: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(
            _("{label} must be true or false, not {value}.").format(label=label, value=echo(value))
        )
    return value


def _check_coordinate(label: str, value: Any, limit: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(
            _("The {label} must be a number of degrees, not {value}.").format(
                label=label, value=echo(value)
            )
        )
    if not -limit <= float(value) <= limit:
        raise ConfigError(
            _("The {label} must be between -{limit:g} and {limit:g} degrees.").format(
                label=label, limit=limit
            )
        )
    return float(value)


def _check_serials(value: Any, backend: str = DEFAULT_BACKEND) -> tuple[str, ...]:
    serials, problems = _salvage_serials(value, backend)
    if problems:
        raise ConfigError(problems[0])
    return serials


def _salvage_serials(value: Any, backend: str) -> tuple[tuple[str, ...], list[str]]:
    """The valid serial numbers of a list, and one sentence per invalid entry: one bad entry must
    not cost the user the good ones."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        return (), [_("The serial numbers must be a list of serial numbers.")]
    check = spec_of(backend).normalise_serial
    seen: dict[str, None] = {}
    problems: list[str] = []
    for item in value:
        if not isinstance(item, str):
            problems.append(_("A serial number must be text, not {item}.").format(item=echo(item)))
            continue
        if len(item) > 4 * MAX_ECHO_CHARS:
            problems.append(
                ngettext(
                    "A serial number has {count} character; it was dropped.",
                    "A serial number has {count} characters; it was dropped.",
                    len(item),
                ).format(count=len(item))
            )
            continue
        try:
            seen.setdefault(check(item), None)
        except ConfigError as exc:
            problems.append(exc.message)
    return tuple(seen), problems


def check_api_url(value: Any) -> str | None:
    """Validate a server name or API URL as the client would resolve it; keep what the user wrote
    (a server name stays a name, so a future change of that server's URL reaches the user)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(
            _("The server must be a name or a URL, not {value}.").format(value=echo(value))
        )
    _check_server_length(value)
    text = value.strip()
    if not text:
        return None
    from solaxtray.core.api.servers import resolve_api_url

    resolve_api_url(text)
    return text


def _check_notify(value: Any) -> NotifySettings:
    if not isinstance(value, Mapping):
        raise ConfigError(_("The notification choices must be a set of true/false switches."))
    known = {f.name for f in fields(NotifySettings)}
    choices: dict[str, bool] = {}
    for key, flag in value.items():
        if key not in known:
            logger.info("Ignoring unknown notification kind %s in the settings", echo(key))
            continue
        choices[key] = _check_bool(_("The notification switch {key}").format(key=echo(key)), flag)
    return NotifySettings(**choices)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "serials": _check_serials,
    "api_url": check_api_url,
    "poll_interval_s": _check_poll_interval,
    "stale_minutes": _check_stale_minutes,
    "low_soc_percent": _check_low_soc,
    "notify": _check_notify,
    "start_at_login": lambda v: _check_bool(_("Start at login"), v),
    "latitude": lambda v: _check_coordinate(_("latitude"), v, 90.0),
    "longitude": lambda v: _check_coordinate(_("longitude"), v, 180.0),
    "per_minute": _check_per_minute,
    "per_day": _check_per_day,
    "backend": check_backend,
    "developer_host": check_developer_host,
    "language": check_language,
    "battery_capacity_kwh": _check_capacity,
    "battery_reserve_percent": _check_reserve,
}


def _from_dict(data: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Every valid field of ``data`` over the defaults, and one sentence per invalid field."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    # The serials are checked as the chosen API names inverters, so the API is read first.
    backend = DEFAULT_BACKEND
    if "backend" in data:
        try:
            backend = values["backend"] = check_backend(data["backend"])
        except ConfigError as exc:
            problems.append(exc.message)
    for key, check in _CHECKS.items():
        if key not in data or key == "backend":
            continue
        if key == "serials":
            values[key], bad = _salvage_serials(data[key], backend)
            problems.extend(bad)
            continue
        try:
            values[key] = check(data[key])
        except ConfigError as exc:
            problems.append(exc.message)
    for key in data:
        if _is_secret_key(key):
            # Never carried over: a token belongs in the keyring only.
            logger.warning(
                "Dropping a secret found in the settings file; it belongs in the keyring"
            )
        elif key not in _CHECKS and key != "version":
            logger.info("Ignoring unknown settings key %s", echo(key))
    return Settings(**values), problems


# --- migrations ----------------------------------------------------------------------------------


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Files before versioning held one serial as ``sn`` (a string or a list)."""
    out = dict(data)
    if "serials" not in out and "sn" in out:
        sn = out.pop("sn")
        out["serials"] = [sn] if isinstance(sn, str) else sn
    out.pop("sn", None)
    return out


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: _migrate_0_to_1,
}
"""``_MIGRATIONS[n]`` turns a version-n mapping into a version-(n+1) one."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings mapping of any older version up to ``SETTINGS_VERSION``.

    A file from a newer solaxtray is read as far as this version understands it (unknown keys are
    ignored), which beats refusing to start after a downgrade.
    """
    raw_version = data.get("version", 0)
    if isinstance(raw_version, bool) or not isinstance(raw_version, int) or raw_version < 0:
        raise ConfigError(
            _("The settings file has an invalid version {raw_version}.").format(
                raw_version=echo(raw_version)
            )
        )
    version = raw_version
    while version < SETTINGS_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        logger.info("Migrated the settings to version %d", version)
    if version > SETTINGS_VERSION:
        logger.warning(
            "The settings file was written by a newer solaxtray (version %d); reading what this "
            "version understands",
            version,
        )
    data["version"] = SETTINGS_VERSION
    return data


# --- the store -----------------------------------------------------------------------------------


class SettingsStore:
    """Loads and saves :class:`Settings` at one path (normally ``paths.settings_path()``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"SettingsStore({str(self.path)!r})"

    def load(self) -> tuple[Settings, str | None]:
        """The saved settings, and a warning sentence for the user when the file was damaged.

        Never raises for a bad file: a missing file gives the defaults silently; something that is
        not a regular file (a pipe, a device) gives the defaults at once, without reading it; an
        unreadable, malformed or invalid file is renamed aside, the valid values are kept and
        written back, and the warning says what was dropped and where the old file is now. A
        secret found in the file (a tokenId, a client secret, a token-shaped value under any key)
        is never loaded, and the file is rewritten at once without it.
        """
        try:
            raw = self._read()
        except FileNotFoundError:
            return Settings(), None
        except _NotAFile as exc:
            logger.info("The settings path %s is %s, not a file", self.path, exc.kind)
            return Settings(), (
                _(
                    "The settings path {path} is {kind}, not a regular file, so solaxtray is using "
                    "default settings. Remove it, and settings you save will be written there as a "
                    "file."
                ).format(path=self.path, kind=exc.kind)
            )
        except OSError as exc:
            logger.info("Cannot read the settings file %s: %s", self.path, exc.strerror)
            return Settings(), (
                _(
                    "Could not read the settings file {path} ({error}); solaxtray is using "
                    "default settings for now."
                ).format(path=self.path, error=exc.strerror)
            )
        if len(raw) > MAX_FILE_BYTES:
            reason = _("it is larger than {size} MB").format(size=MAX_FILE_BYTES // (1024 * 1024))
            return Settings(), self._set_aside(raw, reason, truncated=True)
        try:
            data = parse_settings_bytes(raw)
        except ConfigError as exc:
            return Settings(), self._set_aside(raw, exc.message.rstrip("."))
        data, secrets_found = _without_secrets(data)
        problems: list[str] = []
        try:
            data = migrate(data)
        except ConfigError as exc:
            # Read it as this version's file: its values are still worth keeping.
            problems.append(exc.message)
            data["version"] = SETTINGS_VERSION
        settings, field_problems = _from_dict(data)
        problems.extend(field_problems)
        if problems:
            return settings, self._salvage(raw, settings, problems)
        kept = _without_unsafe_unknown_keys(data)
        if _secret_shaped(kept):
            # Inside a known setting (under a notification kind this version does not know,
            # say): keep the settings as they were understood, and nothing else of them.
            kept.update(settings_to_dict(settings))
        if secrets_found or kept != data:
            self._remove_secrets(kept)
        return settings, None

    def peek_language(self) -> str:
        """The saved ``language`` setting ("" for the system's), read without any side effect
        (no file set aside, no rewrite, no warning): the language is needed before anything
        else, and :meth:`load` may then report the file's problems in that language."""
        try:
            raw = self._read()
            if len(raw) > MAX_FILE_BYTES:
                return ""
            return check_language(parse_settings_bytes(raw).get("language"))
        except (OSError, ConfigError):
            return ""

    def _read(self) -> bytes:
        """At most ``MAX_FILE_BYTES + 1`` bytes of the file, if it is a regular file. Raises
        ``_NotAFile`` for anything else (checked before opening: opening a FIFO for reading waits
        for a writer, and a device never ends) and OSError when it cannot be read."""
        _check_regular(os.stat(self.path).st_mode)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(self.path, flags | getattr(os, "O_BINARY", 0))
        try:
            # The path may have been swapped since the stat: check what was really opened.
            _check_regular(os.fstat(fd).st_mode)
            chunks: list[bytes] = []
            left = MAX_FILE_BYTES + 1
            while left > 0:
                chunk = os.read(fd, min(left, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def save(self, settings: Settings) -> None:
        """Validate and write atomically. Raises ConfigError for an invalid value or when the file
        cannot be written (with the reason, for example a full disk or a read-only directory)."""
        data = settings_to_dict(settings.validated())
        try:
            _write_atomic(self.path, _dumps(data).encode("utf-8"))
        except OSError as exc:
            raise ConfigError(
                _("Could not save the settings to {path}: {reason}.").format(
                    path=self.path, reason=exc.strerror or exc
                ),
                title=_("Settings not saved"),
            ) from exc
        logger.debug("Saved the settings to %s", self.path)

    def _remove_secrets(self, data: dict[str, Any]) -> None:
        """Rewrite the file without the secrets it held, keeping every other key as it was (a key
        of a newer version included). Why at once, not at the next save: the user may never save,
        and every backup of the file would keep the secret in plain text."""
        try:
            _write_atomic(self.path, _dumps(data).encode("utf-8"))
        except OSError as exc:
            logger.warning(
                "The settings file %s holds a secret that belongs in the keyring, and it could "
                "not be rewritten without it (%s); remove it by hand",
                self.path,
                exc.strerror or exc,
            )
            return
        logger.warning(
            "Removed a secret from the settings file %s; it belongs in the keyring "
            "('solaxtray token set' or 'solaxtray credentials set')",
            self.path,
        )

    def _salvage(self, raw: bytes, settings: Settings, problems: list[str]) -> str:
        """Set the damaged file aside and write back what was valid: the next start must find
        the user's serial numbers again, not the defaults."""
        reason = _reasons(problems)
        target = self._move_aside(raw)
        if isinstance(target, OSError):
            return _(
                "The settings file {path} is damaged ({reason}), so those settings were reset to "
                "their defaults and the others kept for now. It could not be moved aside "
                "({error}); saving settings will replace it."
            ).format(path=self.path, reason=reason, error=target.strerror)
        try:
            self.save(settings)
        except ConfigError as exc:
            return _(
                "The settings file was damaged ({reason}), so those settings were reset to their "
                "defaults and the others kept for now, but they could not be saved again "
                "({error}). The old file was moved to {path}."
            ).format(reason=reason, error=exc.message.rstrip("."), path=target)
        return _(
            "The settings file was damaged ({reason}), so those settings were reset to their "
            "defaults; the others were kept and saved again. The old file was moved to "
            "{path}."
        ).format(reason=reason, path=target)

    def _set_aside(self, raw: bytes, reason: str, *, truncated: bool = False) -> str:
        """Move an unreadable file aside; the sentence says why and where it went."""
        reason = _cap(redact(reason))
        target = self._move_aside(raw, truncated=truncated)
        if isinstance(target, OSError):
            return _(
                "The settings file {path} is damaged ({reason}), so solaxtray started with "
                "default settings. It could not be moved aside ({error}); saving settings "
                "will replace it."
            ).format(path=self.path, reason=reason, error=target.strerror)
        return _(
            "The settings file was damaged ({reason}), so solaxtray started with default "
            "settings. The old file was moved to {path}."
        ).format(reason=reason, path=target)

    def _move_aside(self, raw: bytes, *, truncated: bool = False) -> Path | OSError:
        """Move the damaged file to ``settings.json.corrupt-<time>``, with any secret in it masked
        first: the copy is kept for the user to look at, so it would keep a token for ever. Of a
        file cut at ``MAX_FILE_BYTES`` (``truncated``) only the masked part that was read is kept:
        what was not read cannot be checked for secrets."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        scrubbed = scrub_settings_bytes(raw)
        try:
            if scrubbed == raw and not truncated:
                os.replace(self.path, target)
            else:
                _write_atomic(target, scrubbed)
                os.unlink(self.path)
        except OSError as exc:
            logger.info("Could not move the damaged settings file aside: %s", exc.strerror)
            return exc
        logger.info("Settings file damaged; moved it to %s", target)
        return target


class MemorySettingsStore(SettingsStore):
    """Settings held in memory for one run, never read from or written to a file: the demo's.
    The demo must not change (or even set aside, or clean) the user's own settings file."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(Path(os.devnull))
        self._settings = settings if settings is not None else Settings()

    def __repr__(self) -> str:
        return "MemorySettingsStore()"

    def load(self) -> tuple[Settings, str | None]:
        return self._settings, None

    def save(self, settings: Settings) -> None:
        self._settings = settings.validated()


class _NotAFile(OSError):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _check_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISFIFO(mode):
        kind = "a named pipe"
    elif stat.S_ISDIR(mode):
        kind = _("a folder")
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = _("a device")
    elif stat.S_ISSOCK(mode):
        kind = _("a socket")
    else:
        kind = _("something other than a file")
    raise _NotAFile(kind)


def _parse_float(text: str) -> float | BadNumber:
    number = float(text)
    return number if math.isfinite(number) else BadNumber(text)


def _parse_int(text: str) -> int | BadNumber:
    if len(text) > MAX_NUMBER_DIGITS:
        return BadNumber(text)
    return int(text)


def parse_settings_bytes(raw: bytes) -> dict[str, Any]:
    """The JSON object in a settings file's bytes, with every number no setting can hold (NaN,
    infinities, thousand-digit integers) as a ``BadNumber`` in its place. Raises ConfigError with
    the reason when the bytes are not one JSON object."""
    try:
        data = json.loads(
            raw.decode("utf-8"),
            parse_constant=BadNumber,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except UnicodeDecodeError:
        raise ConfigError(_("it is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            _("it is not valid JSON ({msg} at line {lineno})").format(
                msg=exc.msg, lineno=exc.lineno
            )
        ) from None
    except RecursionError:
        raise ConfigError(_("it is nested too deeply to read")) from None
    except ValueError:
        raise ConfigError(_("it is not valid JSON")) from None
    if not isinstance(data, dict):
        raise ConfigError(_("it does not hold a settings object"))
    return data


def _cap(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reasons(problems: list[str]) -> str:
    """The problems as one clause: the first three, then how many more."""
    shown = "; ".join(_cap(redact(p.rstrip("."))) for p in problems[:3])
    if len(problems) > 3:
        return f"{shown}; and {len(problems) - 3} more"
    return shown


def _json_safe(value: Any) -> bool:
    """Whether ``value`` can be written back as it was read (no ``BadNumber``, no ``TooDeep``)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _secret_shaped(value: Any) -> bool:
    """Whether ``value`` holds something token-shaped, or something that cannot be written back
    as it was read (a ``BadNumber`` under a key this version ignores): either way, not to be
    kept as it is."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return True
    return redact(text) != text


def _without_unsafe_unknown_keys(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the keys this version does not know whose name or value is shaped like
    a secret (or cannot be written back). Other unknown keys stay: a newer solaxtray's settings
    survive a downgrade."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _CHECKS or key == "version":
            out[key] = value
            continue
        if not _json_safe(value):
            continue
        if _secret_shaped({key: value}):
            logger.warning("Dropping a token-shaped value from the settings file")
            continue
        out[key] = value
    return out


def _dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _write_atomic(path: Path, content: bytes) -> None:
    """The one atomic writer (``core.fileio``): a crash or a full disk leaves the old file whole,
    never half a file; the settings stay private to the user. Raises OSError."""
    atomic_write_bytes(path, content)


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and key.lower() in _SECRET_KEYS


def _without_secrets(value: Any, depth: int = 0) -> tuple[Any, bool]:
    """``value`` with every secret key dropped at any depth, and whether one was there. The
    secrets' values are registered with ``redact`` so that they are masked in any later text.
    What is nested deeper than ``MAX_DEPTH`` becomes ``TooDeep`` (never walked further)."""
    if depth > MAX_DEPTH and isinstance(value, dict | list):
        return _TOO_DEEP, False
    if isinstance(value, dict):
        found = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if _is_secret_key(key):
                found = True
                if isinstance(item, str | int) and not isinstance(item, bool):
                    register_secret(str(item))
                continue
            out[key], inner = _without_secrets(item, depth + 1)
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_without_secrets(item, depth + 1) for item in value]
        return [item for item, _ in items], any(inner for _, inner in items)
    return value, False


_SECRET_VALUE_RE = re.compile(
    r"""(["']?(?:token|token[_-]?id|client[_-]?secret|access[_-]?token)["']?\s*[:=]\s*["']?)"""
    r"""[^\s"',;}\]]+""",
    re.IGNORECASE,
)


def scrub_settings_bytes(raw: bytes) -> bytes:
    """A settings file's bytes with its secrets removed or masked, as safe to keep as a copy.

    JSON that parses loses its secret keys (and is rewritten only if it had one); anything else is
    masked as text: every ``redact`` pattern (token-shaped runs, ``"tokenId": ...``, registered
    secrets) and the values of the other secret keys. Bytes that are not UTF-8 are kept as they
    are around the masks.
    """
    text = raw.decode("utf-8", errors="surrogateescape")
    try:
        data: Any = parse_settings_bytes(raw)
    except ConfigError:
        data = None
    if isinstance(data, dict):
        cleaned, found = _without_secrets(data)
        if not found:
            # Parsed and no secret key; a token-shaped value under another name is masked below.
            masked = redact(text)
            return raw if masked == text else masked.encode("utf-8", errors="surrogateescape")
        if _json_safe(cleaned):
            return _dumps(cleaned).encode("utf-8")
    masked = _SECRET_VALUE_RE.sub(r"\1***", redact(text))
    return raw if masked == text else masked.encode("utf-8", errors="surrogateescape")
