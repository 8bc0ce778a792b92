#!/usr/bin/env bash
# Install what the whole test suite needs, then lint, type-check and run every test.
# On Debian/Ubuntu it installs the desktop parts the end-to-end tests drive (Xvfb, a private D-Bus,
# trayer, gnome-keyring) with apt when they are missing: as root, or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

APT_PACKAGES=(
    # Qt offscreen and xcb runtime libraries
    libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0
    libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
    # the real desktop parts the tests drive; dbus-x11 is deliberately absent (with it Qt
    # auto-launches a session bus that outlives the tests)
    xvfb xauth dbus trayer x11-utils gnome-keyring
    # packaging: objdump for PyInstaller, dpkg-deb for the .deb; openssl for a TLS test;
    # python3-venv so a system Python can make the project's virtual environment
    binutils dpkg-dev openssl python3-venv
    # icupkg and a C compiler: the frozen app carries a slimmed ICU data library built with them
    icu-devtools gcc
)
if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "Installing system packages: ${missing[*]}"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
fi

# A virtual environment of its own: Debian and Ubuntu refuse pip installs into the system Python
# (PEP 668), and the tests must not depend on what else is installed.
VENV=${SOLAXTRAY_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PYTHON="$VENV/bin/python"
"$PYTHON" -m pip install -q --disable-pip-version-check --upgrade pip
"$PYTHON" -m pip install -q --disable-pip-version-check -e '.[dev]'
export PATH="$PWD/$VENV/bin:$PATH"

# Every desktop tool the tests drive is installed by now: a test that skips for lack of one
# would prove nothing, so tests/conftest.py turns such a skip into a failure.
if [ "$(uname -s)" = Linux ]; then
    export SOLAXTRAY_STRICT_SKIPS=1
fi

"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
"$PYTHON" -m mypy
"$PYTHON" -m pytest "$@"
