"""The settings the alerts added: the battery's capacity for the EPS estimate, and the
weak-string notification switch. A real settings file, written and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solaxtray.core.errors import ConfigError
from solaxtray.core.settings import NotifySettings, Settings, SettingsStore, settings_from_dict


def test_the_battery_capacity_round_trips(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(battery_capacity_kwh=11.6))
    assert json.loads((tmp_path / "settings.json").read_text())["battery_capacity_kwh"] == 11.6
    settings, warning = store.load()
    assert settings.battery_capacity_kwh == 11.6
    assert warning is None


def test_no_capacity_by_default() -> None:
    assert Settings().battery_capacity_kwh is None
    assert settings_from_dict({"battery_capacity_kwh": None}).battery_capacity_kwh is None
    assert settings_from_dict({"battery_capacity_kwh": 5}).battery_capacity_kwh == 5.0


@pytest.mark.parametrize("value", [0, -3, 1e9, float("nan"), "11.6", True, [11.6]])
def test_an_impossible_capacity_is_refused_in_words(value: object) -> None:
    with pytest.raises(ConfigError, match="battery capacity"):
        settings_from_dict({"battery_capacity_kwh": value})


def test_a_hostile_capacity_in_the_file_loads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "battery_capacity_kwh": "lots", "stale_minutes": 20}))
    settings, warning = SettingsStore(path).load()
    assert settings.battery_capacity_kwh is None
    assert settings.stale_minutes == 20
    assert warning is not None


def test_the_weak_string_warning_has_its_own_switch() -> None:
    assert NotifySettings().enabled("weak_string")
    assert not NotifySettings(weak_string=False).enabled("weak_string")
    assert NotifySettings(weak_string=False).enabled("fault")


# -- the battery's reserve (SolaX's minimum SOC) ----------------------------------------------------


def test_the_reserve_is_solax_default_minimum_soc_unless_set() -> None:
    assert Settings().battery_reserve_percent == 10
    assert settings_from_dict({"battery_reserve_percent": 0}).battery_reserve_percent == 0
    assert settings_from_dict({"battery_reserve_percent": 100}).battery_reserve_percent == 100
    assert settings_from_dict({"battery_reserve_percent": 25.0}).battery_reserve_percent == 25


def test_the_reserve_round_trips(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.save(Settings(battery_reserve_percent=20))
    assert json.loads((tmp_path / "settings.json").read_text())["battery_reserve_percent"] == 20
    settings, warning = store.load()
    assert settings.battery_reserve_percent == 20
    assert warning is None


def test_a_file_from_before_the_reserve_loads_with_the_default(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    old = {"version": 1, "serials": ["SWTEST0001"], "battery_capacity_kwh": 11.6}
    path.write_text(json.dumps(old))
    settings, warning = SettingsStore(path).load()
    assert warning is None
    assert settings.battery_reserve_percent == 10
    assert settings.battery_capacity_kwh == 11.6
    assert settings.serials == ("SWTEST0001",)


@pytest.mark.parametrize("value", [-1, 101, 1e9, 10.5, float("nan"), "10", True, [10], None])
def test_an_impossible_reserve_is_refused_in_words(value: object) -> None:
    with pytest.raises(ConfigError, match="battery reserve"):
        settings_from_dict({"battery_reserve_percent": value})


@pytest.mark.parametrize(
    "raw", ["NaN", "Infinity", "1e400", "-5", "101", '"ten"', "true", "[20]", "9" * 500]
)
def test_a_hostile_reserve_in_the_file_falls_back_and_keeps_the_rest(
    tmp_path: Path, raw: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        '{"version": 1, "stale_minutes": 20, "battery_capacity_kwh": 11.6, '
        f'"battery_reserve_percent": {raw}}}'
    )
    settings, warning = SettingsStore(path).load()
    assert settings.battery_reserve_percent == 10
    assert settings.stale_minutes == 20
    assert settings.battery_capacity_kwh == 11.6
    assert warning is not None
    assert "\n" not in warning
    # What was kept was written back: the next start loads it without a word.
    again, second = SettingsStore(path).load()
    assert second is None
    assert again == settings
