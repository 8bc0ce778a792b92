"""Packaging: the spec, the installers' parts, the app icons, the workflows and the self-test.

The fast tests run the real packaging steps (dpkg-deb, tarfile, the AppDir layout) on a tiny stand-in
onedir, so they take a second. One slow test freezes the real app with ``packaging/build.py linux``
(three to four minutes here), runs the built binary's ``--self-test`` (also against a real Secret
Service) and checks that the frozen app registers its tray item on a private desktop; it is marked
``e2e`` and can be skipped with ``SOLAXTRAY_SKIP_FREEZE=1``.
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import solaxtray
from solaxtray import selftest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> Any:
    return _load("solaxtray_build", PACKAGING / "build.py")


@pytest.fixture(scope="module")
def icu_data() -> Any:
    return _load("solaxtray_icu_data", PACKAGING / "icu_data.py")


@pytest.fixture(scope="module")
def make_icons() -> Any:
    return _load("solaxtray_make_icons", PACKAGING / "make_icons.py")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- the spec -------------------------------------------------------------------------------------


def _spec_head(packaging: Path) -> dict[str, Any]:
    """The spec's decisions (what is dropped, what is hidden-imported, which data files), evaluated
    up to the point where it would call PyInstaller's Analysis, for the tree around ``packaging``."""
    text = (PACKAGING / "solaxtray.spec").read_text(encoding="utf-8")
    compile(text, "solaxtray.spec", "exec")  # the whole file is valid Python
    head = text.split("\na = Analysis(", 1)[0]
    namespace: dict[str, Any] = {"SPECPATH": str(packaging), "__name__": "spec"}
    exec(compile(head, "solaxtray.spec", "exec"), namespace)  # noqa: S102 - our own file
    return namespace


@pytest.fixture(scope="module")
def spec_globals() -> dict[str, Any]:
    return _spec_head(PACKAGING)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file layout")
@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/translations/qtbase_ja.qm",
        "PySide6/Qt/translations/qtdeclarative_de.qm",
        "PySide6/Qt/translations/qtbase_ru.qm",
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6/Qt/translations/assistant_de.qm",
        "PySide6/Qt/translations/qtdeclarative_fr.qm",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    ],
)
def test_spec_drops_what_a_tray_app_never_loads(spec_globals: dict[str, Any], dest: str) -> None:
    assert spec_globals["dropped"](dest)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file layout")
@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqico.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libicudata.so.73",
        # Qt's own catalogs in the app's languages.
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/translations/qtbase_cs.qm",
        "PySide6/Qt/translations/qtbase_pt_BR.qm",
    ],
)
def test_spec_keeps_what_the_app_needs(spec_globals: dict[str, Any], dest: str) -> None:
    assert not spec_globals["dropped"](dest)


def test_spec_bundles_every_translation_catalog(spec_globals: dict[str, Any]) -> None:
    """Where ``solaxtray.core.i18n`` looks for them in the frozen app: next to the package."""
    from solaxtray.core.i18n import LANGUAGES

    bundled = {
        (Path(src).parent.parent.name, dest)
        for src, dest in spec_globals["DATAS"]
        if str(src).endswith("solaxtray.mo")
    }
    assert bundled == {(lang, f"solaxtray/locale/{lang}/LC_MESSAGES") for lang in LANGUAGES[1:]}


def test_spec_keeps_exactly_the_qt_modules_the_app_imports(spec_globals: dict[str, Any]) -> None:
    used = spec_globals["QT_USED"]
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    for module in spec_globals["QT_UNUSED"]:
        assert f"PySide6.{module}" in spec_globals["PY_EXCLUDES"]
    network_used = any(
        "QtNetwork" in p.read_text(encoding="utf-8") for p in (ROOT / "solaxtray").rglob("*.py")
    )
    assert ("QtNetwork" in used) == network_used
    if sys.platform.startswith("linux"):
        assert spec_globals["dropped"]("PySide6/Qt/lib/libQt6Network.so.6") == (not network_used)


def test_spec_hidden_imports_cover_the_package_and_keyring(spec_globals: dict[str, Any]) -> None:
    hidden = set(spec_globals["HIDDEN"])
    expected = {
        "solaxtray." + ".".join(p.relative_to(ROOT / "solaxtray").with_suffix("").parts)
        for p in (ROOT / "solaxtray").rglob("*.py")
        if p.stem not in {"__init__", "__main__"}
    }
    assert expected <= hidden
    assert "solaxtray.__main__" not in hidden
    assert "solaxtray.selftest" in hidden
    backend = {
        "linux": "keyring.backends.SecretService",
        "darwin": "keyring.backends.macOS",
        "win32": "keyring.backends.Windows",
    }["linux" if sys.platform.startswith("linux") else sys.platform]
    assert backend in hidden
    assert spec_globals["VERSION"] == solaxtray.__version__


def test_spec_collects_the_package_icons_and_catalogs(tmp_path: Path) -> None:
    """A tree with gettext catalogs (another branch adds them) gets them bundled beside the icons,
    under the package, where importlib.resources finds them in the frozen app."""
    shutil.copytree(ROOT / "solaxtray", tmp_path / "solaxtray")
    shutil.copytree(RESOURCES, tmp_path / "resources")
    (tmp_path / "packaging").mkdir()
    for lang in ("de", "pt"):
        mo = tmp_path / "solaxtray" / "locale" / lang / "LC_MESSAGES" / "solaxtray.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        mo.write_bytes(b"\xde\x12\x04\x95")
        (mo.parent / "solaxtray.po").write_text("# source, not shipped\n", encoding="utf-8")
    datas = {
        (Path(src).relative_to(tmp_path).as_posix(), dest)
        for src, dest in _spec_head(tmp_path / "packaging")["DATAS"]
        if Path(src).is_relative_to(tmp_path)
    }
    icons = sorted((ROOT / "solaxtray" / "icons").glob("*.png"))
    assert icons
    for icon in icons:
        assert (f"solaxtray/icons/{icon.name}", "solaxtray/icons") in datas
    for lang in ("de", "pt"):
        where = f"solaxtray/locale/{lang}/LC_MESSAGES"
        assert (f"{where}/solaxtray.mo", where) in datas
    assert not any(src.endswith(".po") for src, _ in datas)


def test_icu_data_keeps_the_apps_languages_and_global_tables(icu_data: Any) -> None:
    keep = icu_data.keep_item
    for name in (
        "cnvalias.icu",
        "ucadata.icu",
        "nfkc.nrm",
        "supplementalData.res",
        "zoneinfo64.res",
        "likelySubtags.res",
        "root.res",
        "pool.res",
        "res_index.res",
        "de.res",
        "pt_PT.res",
        "en_US_POSIX.res",
        "es_419.res",
        "coll/root.res",
        "coll/ucadata.icu",
        "coll/de.res",
        "coll/res_index.res",
        "zone/fr.res",
        "zone/pool.res",
        "curr/nl.res",
        "unit/cs.res",
    ):
        assert keep(name), name
    for name in (
        "ja.res",
        "zh_Hant_TW.res",
        "sr_Latn_BA.res",
        "coll/zh.res",
        "zone/ru.res",
        "lang/ja.res",
        "ibm-943_P15A-2003.cnv",
        "gb18030.cnv",
        "brkitr/cjdict.dict",
        "brkitr/root.res",
        "translit/root.res",
        "rbnf/de.res",
    ):
        assert not keep(name), name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ICU is bundled on Linux")
def test_trimmed_icu_data_still_serves_qt(icu_data: Any, tmp_path: Path) -> None:
    """The rebuilt library, loaded in place of PySide6's: collation, case mapping and time-zone names
    in the app's languages work as with the full data; another language falls back to root."""
    if icu_data.missing_tools():
        pytest.skip(f"needs {', '.join(icu_data.missing_tools())}")
    import PySide6

    full = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    slim = icu_data.slim_icu_data(full, tmp_path / "icu")
    assert slim.stat().st_size < full.stat().st_size / 3
    probe = (
        "from PySide6.QtCore import QCollator, QDateTime, QLocale, QTimeZone\n"
        "print(QCollator(QLocale('de')).compare('\u00c4pfel', 'Zebra') < 0)\n"
        "print(QLocale('de').toUpper('stra\u00dfe'))\n"
        "t = QTimeZone(b'Europe/Berlin')\n"
        "when = QDateTime(2026, 1, 15, 12, 0, 0, 0, t)\n"
        "for lang in ('de', 'ja'):\n"
        "    print(t.displayName(when, QTimeZone.NameType.LongName, QLocale(lang)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, LD_PRELOAD=str(slim)),
        check=True,
    )
    assert out.stdout.splitlines() == [
        "True",
        "STRASSE",
        "Mitteleurop\u00e4ische Normalzeit",
        "Central European Standard Time",
    ], out.stdout + out.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_spec_leaves_desktop_libraries_to_the_system(spec_globals: dict[str, Any]) -> None:
    system = spec_globals["SYSTEM_LIBS_RE"]
    for name in ("libX11.so.6", "libfontconfig.so.1", "libglib-2.0.so.0", "libdbus-1.so.3"):
        assert system.match(name), name
    # The xcb-util family is missing on many installs and Qt refuses xcb without it: bundled.
    for name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libssl.so.3"):
        assert not system.match(name), name


def test_spec_and_build_and_installer_agree_on_the_app_user_model_id(
    spec_globals: dict[str, Any], build: Any
) -> None:
    iss = (PACKAGING / "windows" / "solaxtray.iss").read_text(encoding="utf-8")
    aumid = build.APP_USER_MODEL_ID
    assert spec_globals["APP_USER_MODEL_ID"] == aumid
    assert f'#define AppUserModelID "{aumid}"' in iss
    assert 'AppUserModelID: "{#AppUserModelID}"' in iss
    assert "PrivilegesRequired=lowest" in iss
    app_py = ROOT / "solaxtray" / "ui" / "app.py"
    if app_py.exists():  # the app sets the same id at start
        assert f'"{aumid}"' in app_py.read_text(encoding="utf-8")


def test_installer_start_at_login_matches_the_apps_own_setting() -> None:
    iss = (PACKAGING / "windows" / "solaxtray.iss").read_text(encoding="utf-8")
    from solaxtray.core.autostart import WindowsRunKeyAutostart

    assert f'#define RunValue "{WindowsRunKeyAutostart.VALUE}"' in iss
    assert WindowsRunKeyAutostart.KEY in iss


# --- icons ----------------------------------------------------------------------------------------


def test_committed_pngs_have_their_sizes(make_icons: Any) -> None:
    for size in make_icons.PNG_SIZES:
        data = (RESOURCES / f"solaxtray-{size}.png").read_bytes()
        assert png_size(data) == (size, size)


def test_ico_holds_a_png_per_size(make_icons: Any) -> None:
    data = (RESOURCES / "solaxtray.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bpp, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        blob = data[offset : offset + length]
        assert png_size(blob) == (w or 256, h or 256)
        assert (planes, bpp) == (1, 32)
        sizes.append(w or 256)
    assert sizes == sorted(make_icons.ICO_SIZES)


def _icns_entries(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    pos = 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        assert length > 8
        yield kind, data[pos + 8 : pos + length]
        pos += length
    assert pos == len(data)


def test_icns_entries_are_pngs_of_the_right_size(make_icons: Any) -> None:
    entries = dict(_icns_entries((RESOURCES / "solaxtray.icns").read_bytes()))
    expected = dict(make_icons.ICNS_TYPES)
    assert set(entries) == set(expected)
    for kind, blob in entries.items():
        assert png_size(blob) == (expected[kind], expected[kind]), kind


def test_make_icons_regenerates_every_file(make_icons: Any, tmp_path: Path) -> None:
    """In a subprocess: the script makes a QGuiApplication, which must not meet pytest-qt's."""
    outdir = tmp_path / "icons"
    out = subprocess.run(
        [sys.executable, str(PACKAGING / "make_icons.py"), str(outdir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    committed = sorted(p.name for p in RESOURCES.iterdir() if p.name.startswith("solaxtray"))
    assert sorted(p.name for p in outdir.iterdir()) == committed
    assert out.stdout.count("bytes") == len(committed)
    big = (outdir / "solaxtray-512.png").read_bytes()
    small = (outdir / "solaxtray-16.png").read_bytes()
    assert png_size(big) == (512, 512)
    assert len(big) > 4 * len(small)  # drawn at each size, not an empty canvas


# --- build.py parts -------------------------------------------------------------------------------

DESKTOP_KEYS = {
    "Type",
    "Name",
    "GenericName",
    "Comment",
    "Exec",
    "Icon",
    "Terminal",
    "Categories",
    "Keywords",
    "StartupWMClass",
    "NoDisplay",
}
MAIN_CATEGORIES = {"Utility", "System", "Network", "Office", "Settings"}


def test_desktop_entry_is_valid(build: Any, tmp_path: Path) -> None:
    text = build.desktop_entry()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    assert parser.sections() == ["Desktop Entry"]
    entry = parser["Desktop Entry"]
    assert set(entry) <= DESKTOP_KEYS
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "solaxtray"
    assert entry["Icon"] == "solaxtray"
    assert entry["Terminal"] in {"true", "false"}
    for list_key in ("Categories", "Keywords"):
        assert entry[list_key].endswith(";")
    assert MAIN_CATEGORIES & set(entry["Categories"].rstrip(";").split(";"))
    validator = shutil.which("desktop-file-validate")
    if validator:
        path = tmp_path / "solaxtray.desktop"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_deb_control_fields(build: Any) -> None:
    control = build.deb_control("1.2.3", 4567, ["libc6 (>= 2.31)", "libx11-6"])
    fields = dict(
        line.split(": ", 1) for line in control.splitlines() if line and not line.startswith(" ")
    )
    assert fields["Package"] == "solaxtray"
    assert fields["Version"] == "1.2.3"
    assert fields["Architecture"] == "amd64"
    assert fields["Installed-Size"] == "4567"
    assert fields["Depends"] == "libc6 (>= 2.31), libx11-6"
    assert control.endswith("\n")
    description = control.split("Description: ", 1)[1].splitlines()
    assert all(line.startswith(" ") for line in description[1:])


def test_package_version_is_read_without_importing(build: Any) -> None:
    assert build.package_version() == solaxtray.__version__


@pytest.fixture
def fake_onedir(tmp_path: Path) -> Path:
    """A small stand-in for PyInstaller's output (an executable and an _internal dir), so the
    packaging steps themselves run for real in a second."""
    onedir = tmp_path / "dist" / "solaxtray"
    (onedir / "_internal").mkdir(parents=True)
    exe = onedir / "solaxtray"
    exe.write_text("#!/bin/sh\necho solaxtray-stand-in\n", encoding="utf-8")
    exe.chmod(0o755)
    (onedir / "_internal" / "data.txt").write_text("x" * 1000, encoding="utf-8")
    if sys.platform != "win32":  # symlinks need a privilege on Windows
        (onedir / "_internal" / "link").symlink_to("data.txt")
    return onedir


def test_tarball_layout(build: Any, fake_onedir: Path) -> None:
    out = build.build_tarball(fake_onedir, fake_onedir.parent, "9.8.7")
    assert out.name == "solaxtray-9.8.7-linux-x86_64.tar.gz"
    with tarfile.open(out) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = "solaxtray-9.8.7"
    assert members[f"{top}/solaxtray"].mode & 0o111
    if sys.platform != "win32":
        assert members[f"{top}/_internal/link"].issym()
    assert f"{top}/share/applications/solaxtray.desktop" in members
    assert f"{top}/share/icons/hicolor/256x256/apps/solaxtray.png" in members
    assert {m.uid for m in members.values()} == {0}
    assert not list(fake_onedir.parent.parent.glob(".solaxtray-*"))  # staging cleaned up


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")
def test_deb_layout(build: Any, fake_onedir: Path, tmp_path: Path) -> None:
    deb = build.build_deb(fake_onedir, fake_onedir.parent, tmp_path / "work", "9.8.7")
    assert deb.name == "solaxtray_9.8.7_amd64.deb"
    info = subprocess.run(
        ["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: solaxtray" in info
    assert "Version: 9.8.7" in info
    assert re.search(r"^Depends: libc6", info, re.MULTILINE)
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^-rwxr-xr-x root/root .* \./opt/solaxtray/solaxtray$", listing, re.M)
    assert re.search(r"\./usr/bin/solaxtray -> /opt/solaxtray/solaxtray$", listing, re.M)
    assert "./usr/share/applications/solaxtray.desktop" in listing
    for size in build.HICOLOR_SIZES:
        assert f"./usr/share/icons/hicolor/{size}x{size}/apps/solaxtray.png" in listing


@pytest.mark.skipif(sys.platform == "win32", reason="an AppDir holds symlinks")
def test_appdir_layout(build: Any, fake_onedir: Path) -> None:
    appdir = build.build_appdir(fake_onedir, fake_onedir.parent)
    apprun = appdir / "AppRun"
    assert os.access(apprun, os.X_OK)
    assert (appdir / "solaxtray.desktop").read_text(encoding="utf-8") == build.desktop_entry()
    assert png_size((appdir / "solaxtray.png").read_bytes()) == (256, 256)
    assert (appdir / ".DirIcon").is_symlink()
    if sys.platform.startswith("linux"):
        out = subprocess.run([str(apprun)], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "solaxtray-stand-in"


def test_build_refuses_a_missing_onedir_with_a_sentence(build: Any, tmp_path: Path) -> None:
    code = build.main(["linux", "--no-freeze", "--dist", str(tmp_path), "--work", str(tmp_path)])
    assert code == 1


# --- workflows ------------------------------------------------------------------------------------


def test_workflows() -> None:
    yaml = pytest.importorskip("yaml")
    tests = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text())
    release = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    # PyYAML reads the bare key `on` as True.
    assert "push" in tests[True]
    linux_steps = [s.get("run", "") for s in tests["jobs"]["linux"]["steps"]]
    assert any("scripts/test.sh" in r for r in linux_steps)
    assert set(tests["jobs"]["other"]["strategy"]["matrix"]["os"]) == {
        "windows-latest",
        "macos-latest",
    }
    # Every Python the package supports, on every platform.
    supported = ["3.11", "3.12", "3.13"]
    for job in ("linux", "other"):
        assert tests["jobs"][job]["strategy"]["matrix"]["python-version"] == supported
        setup = [s for s in tests["jobs"][job]["steps"] if "setup-python" in s.get("uses", "")]
        assert setup[0]["with"]["python-version"] == "${{ matrix.python-version }}"
    assert release[True]["push"]["tags"] == ["v*"]
    runs = " ".join(
        step.get("run", "") for job in release["jobs"].values() for step in job["steps"]
    )
    for target in ("linux", "windows", "macos"):
        assert f"packaging/build.py {target}" in runs
    assert "appimagetool" in runs
    assert runs.count("--self-test") >= 3


def test_dev_tools_are_pinned_and_the_hooks_run_them() -> None:
    """The tools that judge the code have exact versions (the installed ones), and the pre-commit
    hooks run those, not versions of their own."""
    yaml = pytest.importorskip("yaml")
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    pins = {r.name.lower(): str(r.specifier) for r in dev if r.name != "solaxtray"}
    assert set(pins) == {"ruff", "mypy", "types-requests", "pyinstaller", "babel"}
    for name, spec in pins.items():
        assert spec.startswith("=="), f"{name} is not pinned: {spec!r}"
        assert version(name) == spec.removeprefix("=="), f"{name} installed differs from its pin"
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = {h["id"]: h for repo in hooks["repos"] for h in repo["hooks"]}
    assert entries["ruff-check"]["entry"].startswith("python -m ruff check")
    assert entries["ruff-format"]["entry"].startswith("python -m ruff format")
    assert entries["mypy"]["entry"] == "python -m mypy"
    assert {h["language"] for h in entries.values()} == {"system"}


# --- self-test ------------------------------------------------------------------------------------


def test_self_test_from_source_passes() -> None:
    """Through the real command line, in its own process (it builds an offscreen QGuiApplication)."""
    out = subprocess.run(
        [sys.executable, "-m", "solaxtray", "--self-test"],
        capture_output=True,
        text=True,
        timeout=90,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stdout + out.stderr
    assert lines[-1] == "self-test passed"
    assert all(re.match(r"(ok  |WARN|FAIL) ", line) for line in lines[:-1]), lines
    assert any(line.startswith("ok   simulator fetch (v1)") for line in lines)
    assert any(line.startswith("ok   tray icon rendered") for line in lines)
    assert any(re.match(r"ok   Qt platform plugin \S+ loads$", line) for line in lines)
    assert any(" keyring: " in line for line in lines)
    assert "Traceback" not in out.stderr


@pytest.mark.keyring
def test_self_test_names_a_real_secret_service() -> None:
    """keyring's own discovery (the app's path) finds gnome-keyring on a private bus."""
    from tests.keyring_fixture import running_secret_service

    with running_secret_service() as bus:
        out = subprocess.run(
            [sys.executable, "-m", "solaxtray", "--self-test"],
            capture_output=True,
            text=True,
            timeout=90,
            env=dict(bus.env(), QT_QPA_PLATFORM="offscreen"),
        )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok   keyring: Secret Service" in out.stdout


def _self_test_with_no_secret_service_running() -> subprocess.CompletedProcess[str]:
    """The self-test where keyring is told to use the Secret Service but nothing answers on
    D-Bus: the backend is there, the service is not."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring",
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/solaxtray-no-bus",
    )
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", "--self-test"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Secret Service backend")
def test_self_test_fails_when_the_keyring_backend_cannot_store_anything() -> None:
    out = _self_test_with_no_secret_service_running()
    keyring_lines = [line for line in out.stdout.splitlines() if " keyring: " in line]
    assert len(keyring_lines) == 1, out.stdout
    assert keyring_lines[0].startswith("FAIL keyring: "), keyring_lines
    assert keyring_lines[0].endswith("so the app could not keep a token there.")
    assert out.returncode == 1
    assert out.stdout.splitlines()[-1].startswith("self-test FAILED")
    assert "Traceback" not in out.stderr + out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Secret Service backend")
def test_keyring_check_fails_without_a_service_behind_the_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/solaxtray-no-bus")
    previous = keyring.get_keyring()
    keyring.set_keyring(SecretService.Keyring())  # type: ignore[no-untyped-call]
    try:
        results = list(selftest.check_keyring())
    finally:
        keyring.set_keyring(previous)
    assert [r.level for r in results] == [selftest.Level.FAIL], results
    assert "could not be stored, read back and removed" in results[0].text


@pytest.mark.keyring
def test_keyring_check_round_trips_through_a_real_secret_service(secret_service: Any) -> None:
    """The test entry lives under its own service name: the app's token is never touched."""
    import keyring

    keyring.set_password("solaxtray", "tokenId", "202001010000000000000042")
    results = list(selftest.check_keyring())
    assert [r.line() for r in results] == [
        "ok   keyring: Secret Service (GNOME Keyring, KWallet) "
        "(a test entry was stored, read back and removed)"
    ]
    assert keyring.get_password("solaxtray", "tokenId") == "202001010000000000000042"
    service = selftest.SELFTEST_KEYRING_SERVICE
    assert keyring.get_password(service, selftest.SELFTEST_KEYRING_USERNAME) is None


@pytest.mark.keyring
def test_keyring_check_fails_on_a_locked_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """A collection that is locked with no one to type its password: detected, yet unusable; the
    check ends (at the latest at its time limit) with one FAIL sentence."""
    from tests.keyring_fixture import running_secret_service, using_bus

    monkeypatch.setattr(selftest, "keyring_timeout_s", lambda: 2.0)
    with running_secret_service(unlock=False) as bus, using_bus(bus, monkeypatch):
        results = list(selftest.check_keyring())
    assert [r.level for r in results] == [selftest.Level.FAIL], results
    assert results[0].text.endswith("so the app could not keep a token there.")


def test_self_test_reports_a_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selftest, "REQUIRED_MODULES", ("json", "solaxtray.no_such_module"))
    monkeypatch.setattr(selftest, "LINUX_MODULES", ())
    monkeypatch.setattr(selftest, "_package_modules", lambda: ["solaxtray.core.errors"])
    results = list(selftest.check_imports())
    assert [r.line().split(":")[0] for r in results] == ["FAIL import solaxtray.no_such_module"]
    assert "ModuleNotFoundError" in results[0].text

    monkeypatch.setattr(selftest, "REQUIRED_MODULES", ("json",))
    results = list(selftest.check_imports())
    assert [r.line() for r in results] == ["ok   imports: 2 modules (1 of solaxtray)"]


def test_a_crashing_check_is_a_fail_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Iterator[selftest.CheckResult]:
        yield selftest.CheckResult(selftest.Level.OK, "first part fine")
        raise OSError("disk on fire")

    monkeypatch.setattr(
        selftest, "CHECKS", (("environment", selftest.check_environment), ("broken", broken))
    )
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ok   solaxtray ")
    assert "FAIL broken: OSError: disk on fire" in lines
    assert lines[-1] == "self-test FAILED (1 problem)"


# --- the real frozen build (slow) -----------------------------------------------------------------


@pytest.mark.packaging
@pytest.mark.timeout(900)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build")
@pytest.mark.skipif(bool(os.environ.get("SOLAXTRAY_SKIP_FREEZE")), reason="SOLAXTRAY_SKIP_FREEZE")
def test_linux_build_and_frozen_self_test(build: Any, icu_data: Any, tmp_path: Path) -> None:
    missing = [t for t in ("dpkg-deb", "objdump") if shutil.which(t) is None]
    if importlib.util.find_spec("PyInstaller") is None:
        missing.append("pyinstaller")
    if missing:
        pytest.skip(f"the Linux build needs {', '.join(missing)}")
    dist, work = tmp_path / "dist", tmp_path / "work"
    out = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py"), "linux", "--dist", dist, "--work", work],
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    version = solaxtray.__version__
    onedir = dist / "solaxtray"
    deb = dist / f"solaxtray_{version}_amd64.deb"
    tarball = dist / f"solaxtray-{version}-linux-x86_64.tar.gz"
    # build.py prints each output with its size.
    sizes = dict(re.findall(r"^(\S+)  ([\d.]+) MB$", out.stdout, re.MULTILINE))
    assert set(sizes) == {str(onedir), str(deb), str(tarball)}
    onedir_mb, deb_mb = float(sizes[str(onedir)]), float(sizes[str(deb)])
    print(f"onedir {onedir_mb} MB, .deb {deb_mb} MB, .tar.gz {sizes[str(tarball)]} MB")
    # The size targets: sizes of a given tree are deterministic, unlike timings. They hold with the
    # trimmed ICU data; a machine without icupkg or a C compiler builds with the full 32 MB.
    if icu_data.missing_tools():
        print(f"full ICU data bundled (no {', '.join(icu_data.missing_tools())})")
        assert onedir_mb <= 137.0
        assert deb_mb <= 40.0
    else:
        assert onedir_mb <= 110.0
        assert deb_mb <= 32.0

    internal = onedir / "_internal"
    catalogs = {p.name for p in internal.rglob("*.qm")}
    assert catalogs <= {
        f"qtbase_{lang}.qm" for lang in ("de", "nl", "pl", "cs", "it", "es", "fr")
    } | {
        "qtbase_pt.qm",
        "qtbase_pt_BR.qm",
    }
    assert {"qtbase_de.qm", "qtbase_fr.qm"} <= catalogs
    icons = sorted(p.name for p in (ROOT / "solaxtray" / "icons").glob("*.png"))
    assert sorted(p.name for p in (internal / "solaxtray" / "icons").glob("*.png")) == icons
    mos = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "solaxtray").glob("locale/**/*.mo")
    )
    assert (
        sorted(
            p.relative_to(internal).as_posix() for p in internal.glob("solaxtray/locale/**/*.mo")
        )
        == mos
    )

    # --version: the same line as from source, without loading Qt (the frozen entry answers it).
    version_env = dict(os.environ, LD_DEBUG="files")
    result = subprocess.run(
        [str(onedir / "solaxtray"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=version_env,
    )
    assert result.returncode == 0
    assert result.stdout == f"solaxtray {version}\n"
    assert "libpython" in result.stderr  # LD_DEBUG works here
    assert "libQt6Core" not in result.stderr

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "DISPLAY"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run(
        [str(onedir / "solaxtray"), "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(frozen)" in result.stdout
    assert "FAIL" not in result.stdout
    assert "Traceback" not in result.stderr

    # keyring finds its backend on its own in the frozen app (it finds none without help when the
    # build lacks the backend modules or keyring's entry points).
    from tests.keyring_fixture import running_secret_service

    with running_secret_service() as bus:
        result = subprocess.run(
            [str(onedir / "solaxtray"), "--self-test"],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(bus.env(), QT_QPA_PLATFORM="offscreen"),
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   keyring: Secret Service" in result.stdout

    # The frozen app on a real X server and private bus registers its tray item, with an icon,
    # exactly as the source tree does in tests/e2e.
    from tests.e2e.desktop import missing_tools, open_desktop

    if missing_tools("Xvfb", "dbus-daemon"):
        pytest.skip("the frozen tray check needs Xvfb and dbus-daemon (the build itself passed)")
    desktop = open_desktop(tmp_path / "desktop")
    try:
        app = desktop.spawn([str(onedir / "solaxtray"), "--demo"], name="frozen-app")
        service = desktop.wait_registered(app, timeout=60)["service"]
        assert desktop.item_properties(service)["Id"] == "solaxtray"
        assert desktop.icon_pixmaps(service), "the frozen app's tray item has no icon"
    finally:
        desktop.close()
