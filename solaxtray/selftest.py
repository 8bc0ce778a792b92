"""``solaxtray --self-test``: proves an installed or frozen copy has everything it needs.

A frozen app fails in ways the source tree never does: a module PyInstaller did not see (the UI is
imported lazily), a Qt platform plugin the slim spec dropped, keyring finding no backend because its
entry points are gone, no CA bundle for HTTPS. Each check here exercises one of those for real and
prints one line, ``ok   …``, ``WARN …`` or ``FAIL …``; the exit status is 1 when anything failed.

The keyring check stores, reads back and removes a throwaway entry under its own service name
(``SELFTEST_KEYRING_SERVICE``, never the app's), on a thread with a time limit: a backend that is
merely detected says nothing about whether the token can be kept. No real server is contacted: the
fetch goes to the built-in simulator on 127.0.0.1 with its demo token.

Over 500 lines: one short check per part the app cannot run without (imports, Qt plugins, the icon,
the keyring, the history, the translations), in the order a bug report reads them.
"""

from __future__ import annotations

import contextlib
import enum
import importlib
import os
import pkgutil
import platform
import secrets
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import solaxtray
from solaxtray.core.i18n import _, ngettext

# What the app cannot run without, whatever else the package holds.
REQUIRED_MODULES: tuple[str, ...] = (
    "solaxtray.cli",
    "solaxtray.core.api.tokenid.client",
    "solaxtray.core.api.tokenid.parsing",
    "solaxtray.core.secrets",
    "solaxtray.core.settings",
    "solaxtray.core.simulator",
    "solaxtray.ui.app",
    "solaxtray.ui.tray_app",
    "PySide6.QtCore",
    "PySide6.QtGui",
    "PySide6.QtWidgets",
    "requests",
    "certifi",
    "keyring",
    "platformdirs",
    "filelock",
)
LINUX_MODULES = ("jeepney", "secretstorage")


class Level(enum.StrEnum):
    OK = "ok  "
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class CheckResult:
    level: Level
    text: str

    def line(self) -> str:
        return f"{self.level.value} {self.text}"


Check = Callable[[], Iterator[CheckResult]]


def _ok(text: str) -> CheckResult:
    return CheckResult(Level.OK, text)


def _warn(text: str) -> CheckResult:
    return CheckResult(Level.WARN, text)


def _fail(text: str) -> CheckResult:
    return CheckResult(Level.FAIL, text)


def _describe(exc: BaseException) -> str:
    """One line for an exception: the user-facing sentence when it is ours, else type and text."""
    title = getattr(exc, "title", None)
    if title:
        return f"{title}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def check_environment() -> Iterator[CheckResult]:
    mode = "frozen" if getattr(sys, "frozen", False) else "from source"
    yield _ok(
        _("solaxtray {version} ({mode}), Python {python_version}, {system} {machine}").format(
            version=solaxtray.__version__,
            mode=mode,
            python_version=platform.python_version(),
            system=platform.system(),
            machine=platform.machine(),
        )
    )


def _package_modules() -> list[str]:
    """Every module of the solaxtray package (frozen or not), except entry-point ``__main__``s
    (importing one would start the app)."""
    names = ["solaxtray"]
    for info in pkgutil.walk_packages(solaxtray.__path__, prefix="solaxtray."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            names.append(info.name)
    return names


def check_imports() -> Iterator[CheckResult]:
    wanted = list(REQUIRED_MODULES)
    if sys.platform.startswith("linux"):
        wanted += LINUX_MODULES
    found = _package_modules()
    modules = list(dict.fromkeys(wanted + found))
    failed = 0
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import failure is a finding, not a crash
            failed += 1
            yield _fail(_("import {name}: {error}").format(name=name, error=_describe(exc)))
    if not failed:
        yield _ok(
            _("imports: {count} modules ({own} of solaxtray)").format(
                count=len(modules), own=len(found)
            )
        )


def _platform_plugins() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) Qt platform plugin names for this OS."""
    if sys.platform == "win32":
        return ("qwindows",), ()
    if sys.platform == "darwin":
        return ("libqcocoa",), ()
    return ("libqxcb",), ("libqwayland",)


def check_qt_plugins() -> Iterator[CheckResult]:
    """The native platform plugin is there and its libraries resolve. Loading (dlopen) it needs no
    display, so a library the slim spec dropped shows up here instead of at the user's first start."""
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    plugin_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    files = {p.name.split(".")[0]: p for p in plugin_dir.glob("*")} if plugin_dir.is_dir() else {}
    required, optional = _platform_plugins()
    for name in required + optional:
        path = files.get(name)
        if path is None:
            if name in required:
                yield _fail(
                    _("Qt platform plugin {name} missing from {plugin_dir}").format(
                        name=name, plugin_dir=plugin_dir
                    )
                )
            else:
                yield _warn(
                    _(
                        "Qt platform plugin {name} missing: the app needs XWayland on Wayland"
                    ).format(name=name)
                )
            continue
        loader = QPluginLoader(str(path))
        if loader.load():
            yield _ok(_("Qt platform plugin {name} loads").format(name=name))
        elif name in required:
            yield _fail(
                _("Qt platform plugin {name} does not load: {error}").format(
                    name=name, error=loader.errorString()
                )
            )
        else:
            yield _warn(
                _("Qt platform plugin {name} does not load: {error}").format(
                    name=name, error=loader.errorString()
                )
            )


def _qt_app() -> object:
    """A QGuiApplication for offscreen rendering, unless the process already has one."""
    from PySide6.QtGui import QGuiApplication

    existing = QGuiApplication.instance()
    if existing is not None:
        return existing
    # Offscreen: the self-test must run on a build machine or over SSH, with no display.
    return QGuiApplication(["solaxtray", "-platform", "offscreen"])


def _render_with_app_renderer() -> object | None:
    """The app's own tray icon renderer, or ``None`` when this build has none."""
    try:
        from solaxtray.core.presentation import TrayState, TrayView
        from solaxtray.ui.icon import render_icon
    except ImportError:
        return None
    view = TrayView(
        state=TrayState.PRODUCING,
        power_w=2400.0,
        soc=65.0,
        age_fraction=0.25,
        tooltip_lines=("self-test",),
        problem=None,
    )
    return render_icon(view, 32, dark_panel=True)


def _render_smoke() -> object:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    image = QImage(32, 32, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#ffc83d"))
    painter.drawEllipse(QRectF(2, 2, 28, 28))
    painter.setFont(QFont("Sans", 9))
    painter.drawText(QRectF(0, 0, 32, 32), Qt.AlignmentFlag.AlignCenter, "2.4k")
    painter.end()
    return image


def check_icon() -> Iterator[CheckResult]:
    from PySide6.QtGui import QImage

    app = _qt_app()
    image = _render_with_app_renderer()
    how = _("the app's renderer")
    if image is None:
        image = _render_smoke()
        how = _("a QPainter smoke render (no app renderer in this build)")
    assert isinstance(image, QImage)
    painted = sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    )
    if image.isNull() or painted == 0:
        yield _fail(_("tray icon: {how} produced an empty image").format(how=how))
    else:
        yield _ok(
            _(
                "tray icon rendered offscreen with {how} ({width}x{height} px, {painted} pixels "
                "painted)"
            ).format(how=how, width=image.width(), height=image.height(), painted=painted)
        )
    del app


def import_keyring_backends() -> list[str]:
    """The app's own explicit import of this platform's keyring backends (see
    ``solaxtray.core.secrets.import_keyring_backends``); imported here lazily, so that a build
    without keyring gets a FAIL line instead of a self-test that cannot start."""
    from solaxtray.core.secrets import import_keyring_backends as load

    return load()


def keyring_timeout_s() -> float:
    """The app's one keyring time limit (``solaxtray.core.secrets.DEFAULT_TIMEOUT_S``)."""
    from solaxtray.core.secrets import DEFAULT_TIMEOUT_S

    return DEFAULT_TIMEOUT_S


def _active_keyring() -> str:
    import keyring

    backend = keyring.get_keyring()
    try:
        from solaxtray.core.secrets import backend_description

        return backend_description(backend)
    except ImportError:
        module = type(backend).__module__
        return "none available" if module.endswith((".fail", ".null")) else module


def _probe_keyring(fresh: bool) -> tuple[str | None, BaseException | None]:
    """The active backend's description, on a thread with a time limit: the probe talks to D-Bus or
    the Keychain, and a hung service must not hang the self-test. ``(None, None)`` on timeout."""
    result: list[str] = []
    error: list[BaseException] = []

    def probe() -> None:
        try:
            if not fresh:
                # As the app starts: a frozen app imports its backends before the first use.
                from solaxtray.core.secrets import ensure_keyring_backends

                ensure_keyring_backends()
            if fresh:
                import keyring.core

                keyring.core.init_backend()  # detect again, now that more backends are imported
            result.append(_active_keyring())
        except Exception as exc:
            error.append(exc)

    worker = threading.Thread(target=probe, name="selftest-keyring", daemon=True)
    worker.start()
    worker.join(keyring_timeout_s())
    if worker.is_alive():
        return None, None
    return (result[0] if result else None), (error[0] if error else None)


SELFTEST_KEYRING_SERVICE = "solaxtray-self-test"
"""The keyring service of the self-test's throwaway entry: apart from the app's own ("solaxtray"),
so the round trip can never overwrite or delete the user's token."""
SELFTEST_KEYRING_USERNAME = "round-trip"


class _RoundTripMismatch(Exception):
    """The keyring answered with something other than what was just stored."""


def _keyring_round_trip() -> None:
    """Store a random value, read it back and delete it; raises whatever the keyring raises."""
    import keyring
    import keyring.errors

    value = secrets.token_urlsafe(16)
    keyring.set_password(SELFTEST_KEYRING_SERVICE, SELFTEST_KEYRING_USERNAME, value)
    try:
        read_back = keyring.get_password(SELFTEST_KEYRING_SERVICE, SELFTEST_KEYRING_USERNAME)
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SELFTEST_KEYRING_SERVICE, SELFTEST_KEYRING_USERNAME)
    if read_back != value:
        raise _RoundTripMismatch


def _timed_round_trip(seconds: float) -> tuple[bool, BaseException | None]:
    """``(finished, error)`` of the round trip on a daemon thread: a locked keyring or a service
    that never answers D-Bus can block for ever, and the self-test must still end."""
    error: list[BaseException] = []

    def work() -> None:
        try:
            _keyring_round_trip()
        except Exception as exc:
            error.append(exc)

    worker = threading.Thread(target=work, name="selftest-keyring-round-trip", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return False, None
    return True, (error[0] if error else None)


def _round_trip_result(backend: str) -> CheckResult:
    seconds = keyring_timeout_s()
    finished, error = _timed_round_trip(seconds)
    if not finished:
        return _fail(
            _(
                "keyring: {backend} did not answer a test write within {seconds:g} s (locked, or "
                "its service is not running), so the app could not keep a token there."
            ).format(backend=backend, seconds=seconds)
        )
    if isinstance(error, _RoundTripMismatch):
        return _fail(
            _(
                "keyring: {backend} returned something else than the test entry just stored, so "
                "the app could not rely on it to keep a token."
            ).format(backend=backend)
        )
    if error is not None:
        # The type only: the library's own text is not ours to vouch for.
        return _fail(
            _(
                "keyring: {backend} is detected but a test entry could not be stored, read back "
                "and removed ({error}), so the app could not keep a token there."
            ).format(backend=backend, error=type(error).__name__)
        )
    return _ok(
        _("keyring: {backend} (a test entry was stored, read back and removed)").format(
            backend=backend
        )
    )


def check_keyring() -> Iterator[CheckResult]:
    # First as the app does it (keyring's own discovery), because that is what must work.
    found, error = _probe_keyring(fresh=False)
    loaded = import_keyring_backends()
    platform_backends = [n for n in loaded if not n.endswith(("fail", "chainer"))]
    if not platform_backends:
        yield _fail(_("keyring: this platform's backend is not in the build"))
        return
    if found == "none available":
        # Did keyring only miss a backend that is in the build? Then the app would miss it too.
        again, _error = _probe_keyring(fresh=True)
        if again not in (None, "none available"):
            yield _fail(
                _(
                    "keyring: found {again} only when its module is imported explicitly; keyring's "
                    "own discovery found nothing (missing entry points in the build?)"
                ).format(again=again)
            )
            return
    if found is None:
        if error is not None:
            # The type only: the library's own text is not ours to vouch for.
            yield _fail(
                _(
                    "keyring: the keyring backend could not be started ({error}), so the app could "
                    "not keep a token there."
                ).format(error=type(error).__name__)
            )
            return
        yield _fail(
            _(
                "keyring: the keyring service did not answer within {seconds:g} s, so "
                "the app could not keep a token there."
            ).format(seconds=keyring_timeout_s())
        )
    elif found == "none available":
        yield _warn(
            _(
                "keyring: no secure store available here (the app will ask for one, or use "
                "SOLAXTRAY_TOKEN); backends in the build: {backends}"
            ).format(backends=", ".join(platform_backends))
        )
    else:
        yield _round_trip_result(found)


def check_tls() -> Iterator[CheckResult]:
    import ssl

    import certifi

    bundle = Path(certifi.where())
    if not bundle.is_file():
        yield _fail(
            _("TLS: the CA bundle {bundle} is missing: HTTPS to SolaX Cloud would fail").format(
                bundle=bundle
            )
        )
        return
    context = ssl.create_default_context(cafile=str(bundle))
    count = len(context.get_ca_certs())
    yield _ok(
        ngettext(
            "TLS: {count} CA certificate, {openssl}",
            "TLS: {count} CA certificates, {openssl}",
            count,
        ).format(count=count, openssl=ssl.OPENSSL_VERSION)
    )


def check_simulator_fetch() -> Iterator[CheckResult]:
    from solaxtray.core.api.tokenid.client import SolaxClient
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

    sn = DEMO_SERIALS[0]
    with CloudSimulator() as sim:
        for name, url in (("v1", sim.v1_url), ("v2", sim.v2_url)):
            client = SolaxClient(DEMO_TOKEN, api_url=url, timeout=(5.0, 10.0))
            try:
                snap = client.fetch(sn)
            except Exception as exc:
                yield _fail(
                    _("simulator fetch ({name}) of {sn}: {error}").format(
                        name=name, sn=sn, error=_describe(exc)
                    )
                )
                continue
            finally:
                client.close()
            status = snap.inverter_status.label if snap.inverter_status is not None else "?"
            power = f"{snap.ac_power:.0f} W" if snap.ac_power is not None else "no power"
            yield _ok(
                _("simulator fetch ({name}) of {sn}: {status}, {power}").format(
                    name=name, sn=sn, status=status, power=power
                )
            )
    yield _ok(_("simulator started and stopped"))


def check_history() -> Iterator[CheckResult]:
    """The history database: SQLite with write-ahead logging on a real file, one row written and
    read back (a frozen build without the sqlite3 library would fail here, not at the first poll)."""
    import sqlite3
    from datetime import UTC, datetime

    from solaxtray.core.history import HistoryStore
    from solaxtray.core.models import Snapshot

    with tempfile.TemporaryDirectory(prefix="solaxtray-selftest-") as folder:
        with HistoryStore.open(Path(folder) / "history.sqlite3") as store:
            if store.warning:
                yield _fail(_("history database: {warning}").format(warning=store.warning))
                return
            now = datetime.now(UTC)
            upload = now.replace(tzinfo=None, microsecond=0)
            store.add(Snapshot(sn="SELFTEST01", fetched_at=now, upload_time=upload, ac_power=1.0))
            rows = store.rows(["SELFTEST01"])
        if len(rows) != 1 or rows[0].snapshot.ac_power != 1.0:
            yield _fail(_("history database: a stored row did not come back"))
            return
    yield _ok(
        _("history database: SQLite {version}, write-ahead log").format(
            version=sqlite3.sqlite_version
        )
    )


SELFTEST_LANGUAGE = "de"
SELFTEST_MESSAGE = "Token rejected"
"""A message the self-test reads from one catalog: a frozen build without its catalogs (or
with damaged ones) speaks English only, silently; this makes it a FAIL line."""


def check_translations() -> Iterator[CheckResult]:
    """Every catalog is there and loads with its plural rule, one translates a known message,
    and Qt's own catalog for the standard buttons is there."""
    import gettext

    from solaxtray.core import i18n

    missing = [lang for lang in i18n.LANGUAGES[1:] if not i18n.catalog_path(lang).is_file()]
    if missing:
        yield _fail(
            _("translations: no catalog for {languages} in {folder}").format(
                languages=", ".join(missing), folder=i18n.LOCALE_DIR
            )
        )
        return
    catalog = i18n.load_translations(SELFTEST_LANGUAGE)
    if not isinstance(catalog, gettext.GNUTranslations):
        yield _fail(
            _("translations: the {language} catalog does not load").format(
                language=SELFTEST_LANGUAGE
            )
        )
        return
    words = catalog.gettext(SELFTEST_MESSAGE)
    if words == SELFTEST_MESSAGE:
        yield _fail(
            _("translations: the {language} catalog lacks {message!r}").format(
                language=SELFTEST_LANGUAGE, message=SELFTEST_MESSAGE
            )
        )
        return
    yield _ok(
        _("translations: {count} catalogs, {message!r} is {words!r}").format(
            count=len(i18n.LANGUAGES) - 1, message=SELFTEST_MESSAGE, words=words
        )
    )
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if not (folder / f"qtbase_{SELFTEST_LANGUAGE}.qm").is_file():
        yield _warn(
            _("translations: Qt's own catalogs are missing in {folder}").format(folder=folder)
        )


CHECKS: tuple[tuple[str, Check], ...] = (
    ("environment", check_environment),
    ("imports", check_imports),
    ("Qt plugins", check_qt_plugins),
    ("tray icon", check_icon),
    ("keyring", check_keyring),
    ("TLS", check_tls),
    ("simulator", check_simulator_fetch),
    ("history", check_history),
    ("translations", check_translations),
)


def run_checks() -> list[CheckResult]:
    """Run every check; one that crashes is a FAIL line, never a traceback that hides the rest."""
    results: list[CheckResult] = []
    for name, check in CHECKS:
        try:
            results.extend(check())
        except Exception as exc:
            results.append(_fail(f"{name}: {_describe(exc)}"))
            if os.environ.get("SOLAXTRAY_SELFTEST_TRACEBACK"):
                traceback.print_exc()
    return results


def _output() -> TextIO:
    """stdout, or a file when there is none (a windowed Windows exe without a console: the
    console twin ``solaxtray-cli.exe`` is the one to run, but this must not crash either)."""
    if sys.stdout is not None:
        return sys.stdout
    path = Path(tempfile.gettempdir()) / "solaxtray-self-test.txt"
    return path.open("w", encoding="utf-8")


def run_self_test(out: TextIO | None = None) -> int:
    """Print one line per check and return 0 when nothing failed, 1 otherwise."""
    stream = out if out is not None else _output()
    failed = 0
    for result in run_checks():
        print(result.line(), file=stream, flush=True)
        failed += result.level is Level.FAIL
    if failed:
        summary = ngettext(
            "self-test FAILED ({count} problem)", "self-test FAILED ({count} problem(s))", failed
        ).format(count=failed)
    else:
        summary = _("self-test passed")
    print(summary, file=stream, flush=True)
    return 1 if failed else 0
