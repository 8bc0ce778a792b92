"""Hostile settings files are ordinary input: odd numbers, deep nesting, pipes and devices, huge
values and secrets under unknown keys all end in the defaults plus whatever is valid, one short
sentence, and a file that no longer holds anything dangerous, never a crash, a hang or a
megabyte on the terminal."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from solaxtray.cli import main
from solaxtray.core import paths
from solaxtray.core.settings import MAX_FILE_BYTES, Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator

SERIAL = "ABCDE12345"
TOKEN_SHAPED = "202011223344556677889922"


@pytest.fixture
def store() -> SettingsStore:
    store = SettingsStore(paths.settings_path())
    store.path.parent.mkdir(parents=True, exist_ok=True)
    return store


def _aside(store: SettingsStore) -> list[Path]:
    return sorted(store.path.parent.glob("settings.json.corrupt-*"))


# --- numbers no setting can hold, and nesting no parser should walk --------------------------------

BAD_NUMBERS = {
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "overflowing_float": "1e400",
    "five_thousand_digits": "9" * 5000,
    "huge_coordinate": "1" + "0" * 400,
}


@pytest.mark.parametrize("number", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
@pytest.mark.parametrize("key", ["stale_minutes", "low_soc_percent", "latitude", "per_day"])
def test_a_number_no_setting_can_hold_costs_only_its_own_field(
    store: SettingsStore, key: str, number: str
) -> None:
    store.path.write_text(
        f'{{"version": 1, "serials": ["{SERIAL}"], "poll_interval_s": 120, "{key}": {number}}}',
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert settings.serials == (SERIAL,)
    assert settings.poll_interval_s == 120
    assert getattr(settings, key) == getattr(Settings(), key)
    assert warning is not None
    assert "\n" not in warning
    assert len(warning) < 600
    assert len(_aside(store)) == 1
    # What was valid is written back, so the next start finds it without a warning.
    again, second = store.load()
    assert second is None
    assert again == settings


@pytest.mark.parametrize("depth", [50, 900, 5000, 100_000])
def test_deep_nesting_is_damage_not_a_crash(store: SettingsStore, depth: int) -> None:
    deep = "[" * depth + "]" * depth
    store.path.write_text(
        f'{{"version": 1, "serials": ["{SERIAL}"], "notify": {deep}}}', encoding="utf-8"
    )
    settings, warning = store.load()
    assert warning is not None
    assert len(warning) < 600
    assert len(_aside(store)) == 1
    if depth <= 50:
        # Parsed, and only the deep field is invalid.
        assert settings.serials == (SERIAL,)
    assert settings.notify == Settings().notify


def test_deep_nesting_under_an_unknown_key_is_not_walked(store: SettingsStore) -> None:
    deep = "[" * 900 + "]" * 900
    store.path.write_text(
        f'{{"version": 1, "serials": ["{SERIAL}"], "from_the_future": {deep}}}', encoding="utf-8"
    )
    settings, _warning = store.load()
    assert settings.serials == (SERIAL,)


def test_a_bad_version_keeps_the_other_values(store: SettingsStore) -> None:
    store.path.write_text(f'{{"version": NaN, "serials": ["{SERIAL}"]}}', encoding="utf-8")
    settings, warning = store.load()
    assert settings.serials == (SERIAL,)
    assert warning is not None
    assert "version" in warning


@pytest.mark.parametrize("number", ["NaN", "1e400", "9" * 5000])
def test_the_command_line_starts_with_a_bad_number_in_the_settings(
    simulator: CloudSimulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    number: str,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"version": 1, "stale_minutes": {number}}}', encoding="utf-8")
    code = main(["fetch", "--api-url", simulator.v1_url, "--sn", DEMO_SERIALS[0]])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1
    assert "stale-data time" in warnings[0]


def test_a_megabyte_setting_is_not_a_megabyte_on_the_terminal(
    simulator: CloudSimulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"version": 1, "api_url": "h" * 1_000_000, "backend": "b" * 1_000_000}),
        encoding="utf-8",
    )
    code = main(["fetch", "--api-url", simulator.v1_url, "--sn", DEMO_SERIALS[0]])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert len(err) < 2000
    assert max(len(line) for line in err.splitlines()) < 1000


# --- what is valid is kept, written back, and what was dropped is said -------------------------------


def test_readable_values_are_written_back(store: SettingsStore) -> None:
    store.path.write_text(
        json.dumps({"version": 1, "serials": [SERIAL], "stale_minutes": "x"}), encoding="utf-8"
    )
    first, warning = store.load()
    assert first.serials == (SERIAL,)
    assert warning is not None
    assert '"x"' in warning  # what was dropped, named
    assert "saved again" in warning
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk["serials"] == [SERIAL]
    assert on_disk["stale_minutes"] == Settings().stale_minutes
    second, again = SettingsStore(store.path).load()
    assert second.serials == (SERIAL,)
    assert again is None


def test_one_bad_serial_does_not_cost_the_good_one(store: SettingsStore) -> None:
    store.path.write_text(
        json.dumps({"version": 1, "serials": [SERIAL, "BAD", 7, "XYZ9876543"]}), encoding="utf-8"
    )
    settings, warning = store.load()
    assert settings.serials == (SERIAL, "XYZ9876543")
    assert warning is not None
    assert "'BAD'" in warning
    assert json.loads(store.path.read_text(encoding="utf-8"))["serials"] == [SERIAL, "XYZ9876543"]


def test_a_huge_value_is_not_echoed_whole(store: SettingsStore) -> None:
    huge = "x" * 1_000_000
    large = "x" * 100_000
    store.path.write_text(
        json.dumps(
            {
                "version": 1,
                "serials": [SERIAL, "Y" * 100_000],
                "api_url": huge,
                "developer_host": large,
                "stale_minutes": large,
                "notify": {"fault": large},
                "latitude": [large],
                "backend": large,
            }
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert settings.serials == (SERIAL,)
    assert warning is not None
    assert len(warning) < 1000
    assert "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in warning


def test_a_file_too_large_is_set_aside_without_reading_it_all(store: SettingsStore) -> None:
    store.path.write_text(
        json.dumps({"version": 1, "serials": [SERIAL], "pad": "x" * (2 * MAX_FILE_BYTES)}),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert settings == Settings()
    assert warning is not None
    assert "larger than" in warning
    (aside,) = _aside(store)
    assert aside.stat().st_size <= MAX_FILE_BYTES + 1


# --- things that are not a file ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_named_pipe_is_refused_at_once(store: SettingsStore) -> None:
    os.mkfifo(store.path)
    result: list[tuple[Settings, str | None]] = []
    worker = threading.Thread(target=lambda: result.append(store.load()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(5.0)
    if worker.is_alive():
        # Unblock the reader so the test run can end, then fail.
        with open(store.path, "wb"):
            pass
        pytest.fail("loading the settings blocked on a named pipe")
    assert time.monotonic() - started < 5.0
    settings, warning = result[0]
    assert settings == Settings()
    assert warning is not None
    assert "named pipe" in warning


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero (POSIX)")
def test_a_device_is_refused_at_once(store: SettingsStore) -> None:
    store.path.symlink_to("/dev/zero")
    started = time.monotonic()
    settings, warning = store.load()
    assert time.monotonic() - started < 2.0
    assert settings == Settings()
    assert warning is not None
    assert "device" in warning
    assert store.path.is_symlink()  # a device is not "set aside"


def test_a_folder_is_refused_in_words(store: SettingsStore) -> None:
    store.path.mkdir()
    settings, warning = store.load()
    assert settings == Settings()
    assert warning is not None
    assert "folder" in warning


# --- secrets under keys this version does not know -------------------------------------------------


def test_a_token_shaped_value_under_an_unknown_key_leaves_the_file(store: SettingsStore) -> None:
    store.path.write_text(
        json.dumps(
            {
                "version": 1,
                "serials": [SERIAL],
                "my_note": f"the token is {TOKEN_SHAPED}",
                "from_a_newer_version": {"kept": True},
            }
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.serials == (SERIAL,)
    text = store.path.read_text(encoding="utf-8")
    assert TOKEN_SHAPED not in text
    data = json.loads(text)
    assert "my_note" not in data
    assert data["from_a_newer_version"] == {"kept": True}


def test_a_token_shaped_value_inside_a_known_setting_leaves_the_file(
    store: SettingsStore,
) -> None:
    store.path.write_text(
        json.dumps(
            {
                "version": 1,
                "serials": [SERIAL],
                "notify": {"eps": False, "from_the_future": TOKEN_SHAPED},
            }
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.notify.eps is False
    text = store.path.read_text(encoding="utf-8")
    assert TOKEN_SHAPED not in text
    assert SettingsStore(store.path).load() == (settings, None)


def test_a_bad_number_under_an_ignored_notification_kind_is_no_crash(
    store: SettingsStore,
) -> None:
    store.path.write_text(
        '{"version": 1, "serials": ["ABCDE12345"], "notify": {"eps": false, "x": NaN}}',
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.serials == (SERIAL,)
    assert settings.notify.eps is False
    assert "NaN" not in store.path.read_text(encoding="utf-8")


# --- a bad value is quoted as the file wrote it --------------------------------------------------


@pytest.mark.parametrize(
    ("written", "python"),
    [
        ("null", "None"),
        ("true", "True"),
        ('"soon"', "'soon'"),
        ('[1, null, {"a": false}]', "None"),
        ('"a\\u001b[2Jb"', "\x1b"),
    ],
)
def test_a_bad_value_is_quoted_as_the_json_it_was(
    store: SettingsStore, written: str, python: str
) -> None:
    store.path.write_text(
        f'{{"version": 1, "serials": ["{SERIAL}"], "stale_minutes": {written}}}', encoding="utf-8"
    )
    settings, warning = store.load()
    assert settings.stale_minutes == Settings().stale_minutes
    assert warning is not None
    assert f"must be a whole number, not {written})" in warning
    assert python not in warning


def test_a_bad_notification_switch_is_quoted_as_json(store: SettingsStore) -> None:
    store.path.write_text(
        f'{{"version": 1, "serials": ["{SERIAL}"], "notify": {{"fault": null}}}}',
        encoding="utf-8",
    )
    _settings, warning = store.load()
    assert warning is not None
    assert '"fault"' in warning
    assert "null" in warning
    assert "None" not in warning
    assert "'fault'" not in warning
