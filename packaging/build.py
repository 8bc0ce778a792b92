"""Build solaxtray's installers from the one PyInstaller spec.

    python packaging/build.py linux     dist/solaxtray/ (onedir), the .tar.gz and the .deb
    python packaging/build.py appdir    dist/solaxtray.AppDir from the onedir (appimagetool's input)
    python packaging/build.py windows   the onedir and a per-user setup.exe (Inno Setup)
    python packaging/build.py macos     "SolaX Tray.app", signed, in a .dmg

Options: ``--dist DIR`` / ``--work DIR`` move the outputs and PyInstaller's scratch space (the tests
build into a tmp dir), ``--no-freeze`` reuses an existing onedir.

Signing steps run only when their secrets are in the environment, and say so when skipped:
Windows ``WINDOWS_CERT_FILE`` (+ ``WINDOWS_CERT_PASSWORD``); macOS ``MACOS_SIGN_IDENTITY`` for
Developer ID (ad-hoc otherwise, because macOS only shows notifications from a signed bundle) and
``APPLE_ID`` + ``APPLE_TEAM_ID`` + ``APPLE_APP_PASSWORD`` for notarization.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
SPEC = PACKAGING / "solaxtray.spec"
APP_NAME = "solaxtray"
DISPLAY_NAME = "SolaX Tray"
BUNDLE_ID = "io.github.solaxtray"
APP_USER_MODEL_ID = "io.github.solaxtray.SolaXTray"
SUMMARY = "SolaX inverter status in the system tray"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

# Used when the build machine cannot tell which package holds a library (no dpkg): what the Qt xcb
# and Wayland platforms load from the system on a Debian/Ubuntu desktop.
FALLBACK_DEPENDS = (
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libdbus-1-3",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
)
DEB_RECOMMENDS = "gnome-keyring | kwalletmanager | keepassxc"


class BuildError(Exception):
    """A build step that cannot go on, with the sentence that says why."""


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def package_version() -> str:
    """The version from solaxtray/__init__.py, read without importing the package (and Qt)."""
    tree = ast.parse((ROOT / "solaxtray" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise BuildError("solaxtray/__init__.py has no __version__")


def desktop_entry(exec_cmd: str = APP_NAME) -> str:
    """The freedesktop .desktop entry shared by the .deb, the tarball and the AppImage."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={DISPLAY_NAME}\n"
        f"GenericName=Solar inverter monitor\n"
        f"Comment={SUMMARY}\n"
        f"Exec={exec_cmd}\n"
        f"Icon={APP_NAME}\n"
        "Terminal=false\n"
        "Categories=Utility;Monitor;\n"
        "Keywords=solar;inverter;SolaX;PV;battery;\n"
        f"StartupWMClass={APP_NAME}\n"
    )


def run(cmd: Sequence[str | os.PathLike[str]], **kwargs: object) -> None:
    log("$ " + " ".join(str(c) for c in cmd))
    try:
        subprocess.run([str(c) for c in cmd], check=True, **kwargs)  # type: ignore[call-overload]
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed on this machine") from exc
    except subprocess.CalledProcessError as exc:
        raise BuildError(f"{cmd[0]} failed with exit status {exc.returncode}") from exc


def freeze(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; returns the onedir."""
    started = time.monotonic()
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            dist,
            "--workpath",
            work / "pyinstaller",
            SPEC,
        ],
        cwd=ROOT,
    )
    log(f"PyInstaller took {time.monotonic() - started:.0f} s")
    return dist / APP_NAME


def tree_size(path: Path) -> int:
    """Bytes in a directory tree, symlinks counted once as links."""
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


# --- Linux ----------------------------------------------------------------------------------------


def _elf_files(onedir: Path) -> Iterable[Path]:
    for p in onedir.rglob("*"):
        if p.is_file() and not p.is_symlink():
            with p.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield p


def glibc_needed(onedir: Path) -> str | None:
    """The newest GLIBC_x.y symbol version any bundled binary asks for: the libc6 lower bound."""
    best: tuple[int, ...] = ()
    pattern = re.compile(rb"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?")
    for path in _elf_files(onedir):
        for m in pattern.finditer(path.read_bytes()):
            version = tuple(int(g) for g in m.groups() if g is not None)
            best = max(best, version)
    return ".".join(map(str, best)) if best else None


def _needed_sonames(path: Path) -> set[str]:
    out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True, check=False)
    return set(re.findall(r"^\s*NEEDED\s+(\S+)", out.stdout, re.MULTILINE))


def system_libraries(onedir: Path) -> set[str]:
    """Sonames the bundled binaries link but the onedir does not hold: the system must have them."""
    bundled = {p.name for p in onedir.rglob("*")}
    needed: set[str] = set()
    for path in _elf_files(onedir):
        needed |= _needed_sonames(path)
    return {name for name in needed if name not in bundled}


def _ldconfig_paths() -> dict[str, str]:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    paths: dict[str, str] = {}
    for m in re.finditer(r"^\s*(\S+) \(([^)]*)\) => (\S+)$", out, re.MULTILINE):
        if "x86-64" in m.group(2) or "64bit" in m.group(2):
            paths.setdefault(m.group(1), m.group(3))
    return paths


def deb_depends(onedir: Path) -> list[str]:
    """The Depends of the .deb: the Debian packages holding each system library the app links."""
    if shutil.which("dpkg-query") is None or shutil.which("objdump") is None:
        return sorted(FALLBACK_DEPENDS)
    where = _ldconfig_paths()
    packages: set[str] = set()
    for soname in sorted(system_libraries(onedir)):
        path = where.get(soname)
        if path is None:
            log(f"warning: {soname} is linked but not installed here; not declared")
            continue
        candidates = [path, os.path.realpath(path)]
        candidates += [c.replace("/usr/lib/", "/lib/", 1) for c in candidates]
        for candidate in candidates:
            out = subprocess.run(
                ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
            )
            if out.returncode == 0 and ":" in out.stdout:
                packages.add(out.stdout.split(":", 1)[0].strip())
                break
        else:
            log(f"warning: no package owns {path}; not declared")
    glibc = glibc_needed(onedir)
    packages.discard("libc6")
    return [f"libc6 (>= {glibc})" if glibc else "libc6", *sorted(packages)]


def deb_control(version: str, installed_kb: int, depends: Sequence[str]) -> str:
    return (
        f"Package: {APP_NAME}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        "Maintainer: solaxtray developers <noreply@example.invalid>\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {DEB_RECOMMENDS}\n"
        "Section: utils\n"
        "Priority: optional\n"
        "Homepage: https://github.com/solaxtray/solaxtray\n"
        f"Description: {SUMMARY}\n"
        " Watches SolaX solar inverters through the SolaX Cloud API and shows their power,\n"
        " battery and status as a tray icon, with notifications on faults and outages.\n"
    )


def install_icons(share: Path) -> None:
    """hicolor theme icons, one PNG per size, named after the app."""
    for size in HICOLOR_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RESOURCES / f"{APP_NAME}-{size}.png", target)


def _normalise_modes(root: Path) -> None:
    """dpkg-deb refuses group-writable control dirs, and a umask of 077 would ship unreadable
    files: set 755 on directories and executables, 644 on the rest."""
    for p in [root, *root.rglob("*")]:
        if p.is_symlink():
            continue
        if p.is_dir() or os.access(p, os.X_OK):
            p.chmod(0o755)
        else:
            p.chmod(0o644)


def build_deb(onedir: Path, dist: Path, work: Path, version: str) -> Path:
    stage = work / "deb" / f"{APP_NAME}_{version}_amd64"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "DEBIAN").mkdir(parents=True)
    shutil.copytree(onedir, stage / "opt" / APP_NAME, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / APP_NAME).symlink_to(f"/opt/{APP_NAME}/{APP_NAME}")
    share = stage / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "applications" / f"{APP_NAME}.desktop").write_text(desktop_entry(), encoding="utf-8")
    install_icons(share)
    installed_kb = (tree_size(stage) + 1023) // 1024
    control = deb_control(version, installed_kb, deb_depends(onedir))
    (stage / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    _normalise_modes(stage)
    out = dist / f"{APP_NAME}_{version}_amd64.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", stage, out])
    return out


def build_tarball(onedir: Path, dist: Path, version: str) -> Path:
    """solaxtray-<version>/ holding the onedir plus share/ (desktop entry and icons): unpack
    anywhere and run ./solaxtray, or copy share/ into ~/.local/share for a menu entry."""
    top = f"{APP_NAME}-{version}"
    out = dist / f"{top}-linux-x86_64.tar.gz"
    extras = dist.parent / f".{top}-share"
    if extras.exists():
        shutil.rmtree(extras)
    (extras / "applications").mkdir(parents=True)
    (extras / "applications" / f"{APP_NAME}.desktop").write_text(desktop_entry(), encoding="utf-8")
    install_icons(extras)

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(onedir, arcname=top, filter=owned_by_root)
        tar.add(extras, arcname=f"{top}/share", filter=owned_by_root)
    shutil.rmtree(extras)
    return out


def build_appdir(onedir: Path, dist: Path) -> Path:
    """An AppDir (the input of appimagetool, which the release workflow runs)."""
    appdir = dist / f"{APP_NAME}.AppDir"
    if appdir.exists():
        shutil.rmtree(appdir)
    shutil.copytree(onedir, appdir / "usr" / "lib" / APP_NAME, symlinks=True)
    share = appdir / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    entry = desktop_entry()
    (share / "applications" / f"{APP_NAME}.desktop").write_text(entry, encoding="utf-8")
    (appdir / f"{APP_NAME}.desktop").write_text(entry, encoding="utf-8")
    install_icons(share)
    shutil.copyfile(RESOURCES / f"{APP_NAME}-256.png", appdir / f"{APP_NAME}.png")
    (appdir / ".DirIcon").symlink_to(f"{APP_NAME}.png")
    apprun = appdir / "AppRun"
    apprun.write_text(
        "#!/bin/sh\n"
        'HERE="$(dirname "$(readlink -f "$0")")"\n'
        f'exec "$HERE/usr/lib/{APP_NAME}/{APP_NAME}" "$@"\n',
        encoding="utf-8",
    )
    apprun.chmod(0o755)
    return appdir


def build_linux(dist: Path, work: Path, *, freeze_first: bool) -> list[Path]:
    version = package_version()
    onedir = freeze(dist, work) if freeze_first else dist / APP_NAME
    executable = onedir / APP_NAME
    if not executable.is_file():
        raise BuildError(f"no frozen app at {executable}: run without --no-freeze first")
    tarball = build_tarball(onedir, dist, version)
    deb = build_deb(onedir, dist, work, version)
    return [onedir, tarball, deb]


# --- Windows --------------------------------------------------------------------------------------


def find_iscc() -> str:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    raise BuildError("Inno Setup 6 (ISCC.exe) is not installed: choco install innosetup")


def sign_windows(files: Sequence[Path]) -> None:
    cert = os.environ.get("WINDOWS_CERT_FILE")
    if not cert:
        log("code signing skipped: WINDOWS_CERT_FILE is not set (SmartScreen will warn users)")
        return
    cmd: list[str | os.PathLike[str]] = ["signtool", "sign", "/f", cert, "/fd", "SHA256"]
    if os.environ.get("WINDOWS_CERT_PASSWORD"):
        cmd += ["/p", os.environ["WINDOWS_CERT_PASSWORD"]]
    cmd += ["/tr", "http://timestamp.digicert.com", "/td", "SHA256", *files]
    log(f"signing {len(files)} file(s)")
    # The password is on signtool's command line: do not echo it.
    try:
        subprocess.run([str(c) for c in cmd], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError("signtool could not sign the Windows executables") from exc


def build_windows(dist: Path, work: Path, *, freeze_first: bool) -> list[Path]:
    version = package_version()
    onedir = freeze(dist, work) if freeze_first else dist / APP_NAME
    sign_windows([onedir / f"{APP_NAME}.exe", onedir / f"{APP_NAME}-cli.exe"])
    run(
        [
            find_iscc(),
            f"/DAppVersion={version}",
            f"/DSourceDir={onedir}",
            f"/DOutputDir={dist}",
            f"/DResourcesDir={RESOURCES}",
            f"/DAppUserModelID={APP_USER_MODEL_ID}",
            PACKAGING / "windows" / "solaxtray.iss",
        ]
    )
    setup = dist / f"{APP_NAME}-{version}-windows-x64-setup.exe"
    sign_windows([setup])
    return [onedir, setup]


# --- macOS ----------------------------------------------------------------------------------------


def sign_macos(app: Path) -> None:
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    if identity:
        run(
            [
                "codesign",
                "--force",
                "--deep",
                "--timestamp",
                "--options",
                "runtime",
                "--entitlements",
                PACKAGING / "macos" / "entitlements.plist",
                "--sign",
                identity,
                app,
            ]
        )
    else:
        log("Developer ID signing skipped: MACOS_SIGN_IDENTITY is not set; signing ad hoc")
        run(["codesign", "--force", "--deep", "--sign", "-", app])
    run(["codesign", "--verify", "--deep", "--strict", app])


def notarize(dmg: Path) -> None:
    names = ("APPLE_ID", "APPLE_TEAM_ID", "APPLE_APP_PASSWORD")
    missing = [n for n in names if not os.environ.get(n)]
    if missing or not os.environ.get("MACOS_SIGN_IDENTITY"):
        log(
            "notarization skipped: needs MACOS_SIGN_IDENTITY and "
            + ", ".join(names)
            + " (Gatekeeper will ask users to confirm the first start)"
        )
        return
    log("submitting to Apple's notary service (takes minutes)")
    try:
        subprocess.run(
            [
                "xcrun",
                "notarytool",
                "submit",
                str(dmg),
                "--apple-id",
                os.environ["APPLE_ID"],
                "--team-id",
                os.environ["APPLE_TEAM_ID"],
                "--password",
                os.environ["APPLE_APP_PASSWORD"],
                "--wait",
            ],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError("notarization failed: see notarytool's log above") from exc
    run(["xcrun", "stapler", "staple", dmg])


def build_macos(dist: Path, work: Path, *, freeze_first: bool) -> list[Path]:
    version = package_version()
    if freeze_first:
        freeze(dist, work)
    app = dist / f"{DISPLAY_NAME}.app"
    if not app.is_dir():
        raise BuildError(f"no app bundle at {app}")
    sign_macos(app)
    stage = work / "dmg"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(app, stage / app.name, symlinks=True)
    (stage / "Applications").symlink_to("/Applications")
    arch = os.uname().machine
    dmg = dist / f"{APP_NAME}-{version}-macos-{arch}.dmg"
    run(
        [
            "hdiutil",
            "create",
            "-volname",
            DISPLAY_NAME,
            "-srcfolder",
            stage,
            "-ov",
            "-format",
            "UDZO",
            dmg,
        ]
    )
    if os.environ.get("MACOS_SIGN_IDENTITY"):
        run(
            ["codesign", "--force", "--timestamp", "--sign", os.environ["MACOS_SIGN_IDENTITY"], dmg]
        )
    notarize(dmg)
    return [app, dmg]


# --- command line ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", choices=["linux", "appdir", "windows", "macos"])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output directory")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch directory")
    parser.add_argument(
        "--no-freeze", action="store_true", help="reuse the onedir already in --dist"
    )
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    work: Path = args.work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    freeze_first = not args.no_freeze
    try:
        if args.target == "linux":
            outputs = build_linux(dist, work, freeze_first=freeze_first)
        elif args.target == "appdir":
            onedir = freeze(dist, work) if freeze_first else dist / APP_NAME
            outputs = [build_appdir(onedir, dist)]
        elif args.target == "windows":
            outputs = build_windows(dist, work, freeze_first=freeze_first)
        else:
            outputs = build_macos(dist, work, freeze_first=freeze_first)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    for path in outputs:
        size = tree_size(path) if path.is_dir() else path.stat().st_size
        print(f"{path}  {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
