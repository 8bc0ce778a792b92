"""The icon and desktop entry that notifications name, installed for the user into a real
(temporary) XDG data directory."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from solaxtray.core import desktop_files
from solaxtray.core.desktop_files import ICON_SIZES, MARKER_KEY, install_desktop_files

ROOT = Path(__file__).resolve().parents[2]


def _icon(base: Path, size: int) -> Path:
    return base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "solaxtray.png"


def _entry(base: Path) -> Path:
    return base / "applications" / "solaxtray.desktop"


def test_the_package_ships_the_icons_of_resources() -> None:
    """The PNGs are package data (``pip install`` gets them) and the same as ``resources/``."""
    for size in ICON_SIZES:
        shipped = desktop_files.icon_bytes(size)
        assert shipped == (ROOT / "resources" / f"solaxtray-{size}.png").read_bytes(), size


def test_first_run_installs_icon_and_entry_into_the_xdg_data_dir(isolated_dirs: Path) -> None:
    base = desktop_files.data_home()
    assert base == isolated_dirs / "data"
    written = install_desktop_files(command=["/opt/my apps/solaxtray"])
    assert set(written) == {_icon(base, s) for s in ICON_SIZES} | {_entry(base)}
    assert _icon(base, 48).read_bytes() == desktop_files.icon_bytes(48)
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(_entry(base), encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Icon"] == "solaxtray"
    assert section["Exec"] == '"/opt/my apps/solaxtray"'
    assert section["Type"] == "Application"
    assert section[MARKER_KEY].startswith("solaxtray ")


def test_a_second_run_writes_nothing_and_an_outdated_file_is_replaced(tmp_path: Path) -> None:
    install_desktop_files(tmp_path, command=["solaxtray"])
    assert install_desktop_files(tmp_path, command=["solaxtray"]) == []
    _icon(tmp_path, 32).write_bytes(b"an older picture")
    assert install_desktop_files(tmp_path, command=["solaxtray"]) == [_icon(tmp_path, 32)]
    assert _icon(tmp_path, 32).read_bytes() == desktop_files.icon_bytes(32)
    # Another installation (a moved virtualenv): the entry is brought up to date.
    assert install_desktop_files(tmp_path, command=["/new/bin/solaxtray"]) == [_entry(tmp_path)]
    assert "Exec=/new/bin/solaxtray\n" in _entry(tmp_path).read_text(encoding="utf-8")


def test_a_desktop_entry_solaxtray_did_not_write_is_left_alone(tmp_path: Path) -> None:
    own = "[Desktop Entry]\nType=Application\nName=My SolaX\nExec=my-wrapper\nIcon=solaxtray\n"
    _entry(tmp_path).parent.mkdir(parents=True)
    _entry(tmp_path).write_text(own, encoding="utf-8")
    written = install_desktop_files(tmp_path, command=["solaxtray"])
    assert _entry(tmp_path) not in written
    assert _entry(tmp_path).read_text(encoding="utf-8") == own


def test_an_unwritable_data_dir_is_one_sentence_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file where the data directory should be (as unwritable as it gets, even for root)."""
    blocked = tmp_path / "share"
    blocked.write_text("not a directory", encoding="utf-8")
    assert install_desktop_files(blocked, command=["solaxtray"]) == []
    (record,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert record.getMessage().endswith("so notifications may show a generic icon.")


def test_the_exec_key_quotes_what_the_specification_reserves() -> None:
    text = desktop_files.desktop_entry(["/home/a b/venv/bin/python", "-m", "solaxtray"])
    assert 'Exec="/home/a b/venv/bin/python" -m solaxtray\n' in text
    text = desktop_files.desktop_entry(['/odd/"dir$/python'])
    assert 'Exec="/odd/\\"dir\\$/python"\n' in text
