"""Settings file: round trip, validation sentences, migration, damaged files set aside, atomic save,
and the paths the file lives at."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from solaxtray.core import paths
from solaxtray.core.api.tokenid.serials import normalize_serial
from solaxtray.core.errors import ConfigError
from solaxtray.core.settings import (
    SETTINGS_VERSION,
    NotifySettings,
    Settings,
    SettingsStore,
    migrate,
    normalize_serials,
    settings_from_dict,
)


@pytest.fixture
def store() -> SettingsStore:
    return SettingsStore(paths.settings_path())


def test_paths_follow_xdg_variables(isolated_dirs: Path) -> None:
    assert paths.config_dir() == isolated_dirs / "config" / "solaxtray"
    assert paths.settings_path() == isolated_dirs / "config" / "solaxtray" / "settings.json"
    assert paths.data_dir() == isolated_dirs / "data" / "solaxtray"
    assert paths.ledger_path().parent == paths.data_dir()
    assert paths.log_dir() == isolated_dirs / "state" / "solaxtray" / "log"
    assert paths.log_path().parent == paths.log_dir()
    assert paths.cache_dir() == isolated_dirs / "cache" / "solaxtray"


def test_xdg_variables_win_on_other_platforms(
    monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path
) -> None:
    monkeypatch.setattr(paths, "_IS_LINUX", False)
    assert paths.config_dir() == isolated_dirs / "config" / "solaxtray"
    assert paths.log_dir() == isolated_dirs / "state" / "solaxtray" / "log"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # ignored, as the XDG spec says
    assert paths.data_dir().is_absolute()
    assert paths.data_dir() != Path("relative/path/solaxtray").absolute()


def test_platform_defaults_without_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name)
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir(), paths.cache_dir()):
        assert folder.is_absolute()
        assert "solaxtray" in folder.parts
    # Asking for a path creates nothing.
    assert not paths.config_dir().exists()


def test_missing_file_gives_defaults_silently(store: SettingsStore) -> None:
    settings, warning = store.load()
    assert settings == Settings()
    assert warning is None
    assert settings.poll_interval_s == 60
    assert settings.stale_minutes == 15
    assert settings.per_minute == 9
    assert settings.per_day == 9000


def test_round_trip(store: SettingsStore) -> None:
    original = Settings(
        serials=("ABCDE12345", "SX7Y8Z9W0Q"),
        api_url="v2-na",
        poll_interval_s=120,
        stale_minutes=30,
        low_soc_percent=20,
        notify=NotifySettings(recovery=False, low_soc=False),
        start_at_login=True,
        latitude=48.2,
        longitude=-16.4,
        per_minute=5,
        per_day=4000,
    )
    store.save(original)
    loaded, warning = store.load()
    assert warning is None
    assert loaded == original
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk["version"] == SETTINGS_VERSION
    assert on_disk["serials"] == ["ABCDE12345", "SX7Y8Z9W0Q"]
    assert on_disk["notify"]["recovery"] is False


def test_save_normalizes_serials(store: SettingsStore) -> None:
    store.save(Settings(serials=("abcde12345", "ABCDE12345", " sx7y8z9w0q ")))
    loaded, _ = store.load()
    assert loaded.serials == ("ABCDE12345", "SX7Y8Z9W0Q")


def test_save_is_atomic_and_leaves_no_temporary_files(store: SettingsStore) -> None:
    store.save(Settings(serials=("ABCDE12345",)))
    store.save(Settings(serials=("SX7Y8Z9W0Q",)))
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["settings.json"]


def test_failed_save_keeps_the_old_file(store: SettingsStore) -> None:
    store.save(Settings(serials=("ABCDE12345",)))
    before = store.path.read_bytes()
    with pytest.raises(ConfigError):
        store.save(Settings(poll_interval_s=1))
    assert store.path.read_bytes() == before


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root (and Windows) can write into read-only directories",
)
def test_unwritable_directory_is_a_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="Could not save the settings"):
            SettingsStore(folder / "settings.json").save(Settings())
    finally:
        folder.chmod(0o700)


def test_save_into_a_file_where_a_folder_should_be_is_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="Could not save the settings") as info:
        SettingsStore(blocker / "settings.json").save(Settings())
    assert info.value.title == "Settings not saved"


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b"", b'"just a string"'],
)
def test_corrupt_file_is_set_aside(store: SettingsStore, content: bytes) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(content)
    settings, warning = store.load()
    assert settings == Settings()
    assert warning is not None
    aside = [p for p in store.path.parent.iterdir() if p.name.startswith("settings.json.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == content
    assert str(aside[0]) in warning
    assert "default settings" in warning
    assert not store.path.exists()
    # A save afterwards works and the next load is clean.
    store.save(settings)
    assert store.load() == (Settings(), None)


def test_invalid_fields_are_reset_and_the_rest_kept(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        json.dumps(
            {
                "version": 1,
                "serials": ["ABCDE12345"],
                "poll_interval_s": -5,
                "stale_minutes": 20,
                "per_day": 50_000,
            }
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert settings.serials == ("ABCDE12345",)
    assert settings.stale_minutes == 20
    assert settings.poll_interval_s == 60
    assert settings.per_day == 9000
    assert warning is not None
    assert "poll interval" in warning
    assert "budget per day" in warning
    assert "were kept" in warning
    assert "corrupt-" in warning


def test_two_damaged_files_in_one_second_both_survive(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{broken 1", encoding="utf-8")
    store.load()
    store.path.write_text("{broken 2", encoding="utf-8")
    store.load()
    aside = sorted(p.read_text(encoding="utf-8") for p in store.path.parent.glob("*.corrupt-*"))
    assert aside == ["{broken 1", "{broken 2"]


def test_token_in_file_is_never_loaded(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        json.dumps(
            {"version": 1, "serials": ["ABCDE12345"], "tokenId": "202011223344556677889900"}
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert "202011223344556677889900" not in repr(settings)
    store.save(settings)
    assert "202011223344556677889900" not in store.path.read_text(encoding="utf-8")


def test_version_0_file_is_migrated(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps({"sn": "abcde12345", "stale_minutes": 25}), encoding="utf-8")
    settings, warning = store.load()
    assert warning is None
    assert settings.serials == ("ABCDE12345",)
    assert settings.stale_minutes == 25


def test_migrate_steps_and_newer_versions() -> None:
    assert migrate({"sn": ["A"]}) == {"serials": ["A"], "version": SETTINGS_VERSION}
    newer = migrate({"version": SETTINGS_VERSION + 5, "serials": [], "future_field": 1})
    assert newer["version"] == SETTINGS_VERSION
    with pytest.raises(ConfigError, match="invalid version"):
        migrate({"version": "one"})


def test_unknown_keys_are_ignored(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        json.dumps({"version": 1, "colour": "blue", "notify": {"fault": False, "future": True}}),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.notify.fault is False
    assert settings.notify.eps is True


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("poll_interval_s", 5, "between 10 and 3600"),
        ("poll_interval_s", "60", "whole number"),
        ("poll_interval_s", True, "whole number"),
        ("stale_minutes", 0, "between 1"),
        ("low_soc_percent", 100, "between 1 and 99"),
        ("per_minute", 10, "between 1 and 9"),
        ("per_day", 9001, "between 1 and 9000"),
        ("latitude", 91.0, "between -90 and 90"),
        ("longitude", "east", "number of degrees"),
        ("start_at_login", "yes", "true or false"),
        ("serials", "ABCDE12345", "list"),
        ("serials", ["SHORT"], "exactly 10"),
        ("notify", {"fault": "on"}, "true or false"),
        ("notify", [], "switches"),
        ("api_url", "http://example.com/api/", "https://"),
        ("api_url", "not a server", "known server name"),
    ],
)
def test_each_field_is_validated_with_a_sentence(field: str, value: object, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({field: value})
    assert words in info.value.message
    assert info.value.message.endswith(".")


def test_validated_rejects_budget_increase() -> None:
    with pytest.raises(ConfigError, match="budget per minute"):
        replace(Settings(), per_minute=12).validated()
    assert replace(Settings(), per_minute=3).validated().per_minute == 3


def test_api_url_accepts_names_and_urls() -> None:
    assert settings_from_dict({"api_url": "v2-na"}).api_url == "v2-na"
    assert settings_from_dict({"api_url": "  "}).api_url is None
    url = "https://global.solaxcloud.com/proxyApp/proxy/api/"
    assert settings_from_dict({"api_url": url}).api_url == url
    assert settings_from_dict({"api_url": "http://127.0.0.1:8080/proxyApp/proxy/api/"}).api_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [("abcde12345", "ABCDE12345"), (" SX 7Y8Z-9W0Q ", "SX7Y8Z9W0Q"), ("0123456789", "0123456789")],
)
def test_serial_normalized(text: str, expected: str) -> None:
    assert normalize_serial(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("H34A10I1234567", "inverter's own serial"),  # 14 characters: an inverter serial
        ("XB302012345678X", "registration number of the communication dongle"),
        ("ABC123", "exactly 10"),
        ("ABCDE1234_", "other than letters and digits"),
        ("", "empty"),
    ],
)
def test_serial_rejected_with_help(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_serial(text)
    assert words in info.value.message


def test_serials_keep_order_and_drop_repeats() -> None:
    assert normalize_serials(["bbbbb22222", "AAAAA11111", "BBBBB22222"]) == (
        "BBBBB22222",
        "AAAAA11111",
    )


def test_notify_enabled_by_kind() -> None:
    notify = NotifySettings(fault=False, low_soc=False, offline=False)
    assert notify.enabled("fault") is False
    assert notify.enabled("back_online") is False  # follows the offline switch
    assert NotifySettings().enabled("back_online") is True
    assert notify.enabled("LOW-SOC") is False
    assert notify.enabled("eps") is True
    assert notify.enabled("something_new") is True


# --- the SolaX API choice ----------------------------------------------------------------------


def test_backend_and_developer_host_round_trip(store: SettingsStore) -> None:
    assert (Settings().backend, Settings().developer_host) == ("token", "eu")
    settings = Settings(backend="developer", developer_host="cn", serials=("H34A10I9012345",))
    store.save(settings)
    loaded, warning = store.load()
    assert warning is None
    assert loaded == settings


@pytest.mark.parametrize(("given", "expected"), [("Developer", "developer"), ("tokenId", "token")])
def test_backend_spellings(given: str, expected: str) -> None:
    assert settings_from_dict({"backend": given}).backend == expected


def test_serials_are_checked_as_the_chosen_api_names_inverters() -> None:
    # The Developer API wants the inverter's own serial; the tokenId API the dongle's number.
    dev = settings_from_dict({"backend": "developer", "serials": ["h34a10i9012345"]})
    assert dev.serials == ("H34A10I9012345",)
    with pytest.raises(ConfigError, match="registration number of the communication dongle"):
        settings_from_dict({"backend": "developer", "serials": ["SWDEMOHYB3"]})
    with pytest.raises(ConfigError, match="inverter's own serial number"):
        settings_from_dict({"serials": ["H34A10I9012345"]})
    assert normalize_serials(["H34A10I9012345", "h34a10i9012345"], "developer") == (
        "H34A10I9012345",
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"backend": "oauth2"}, "developer"),
        ({"developer_host": "mars"}, "region"),
        ({"developer_host": "http://example.com"}, "https://"),
    ],
)
def test_bad_backend_values_are_named(data: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        settings_from_dict(data)


def test_a_bad_backend_sets_the_file_aside_and_keeps_the_rest(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(
        json.dumps({"version": 1, "backend": "bogus", "serials": ["SWDEMOHYB3"]}), encoding="utf-8"
    )
    settings, warning = store.load()
    assert warning is not None
    assert "damaged" in warning
    assert (settings.backend, settings.serials) == ("token", ("SWDEMOHYB3",))


def test_client_secret_in_the_file_is_dropped(store: SettingsStore) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(
        json.dumps({"version": 1, "client_secret": "leaked-secret-0042", "backend": "developer"}),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.backend == "developer"
    store.save(settings)
    assert "leaked-secret-0042" not in store.path.read_text(encoding="utf-8")


def test_each_api_has_its_own_ledger() -> None:
    assert paths.ledger_path("developer") != paths.ledger_path()
    assert paths.ledger_path("developer").parent == paths.data_dir()


# --- secrets never echoed, never kept on disk ----------------------------------------------------

TOKEN_LIKE = [
    "123456789012345678901234",  # 24 digits: a tokenId
    "2020-1122-3344-5566-7788-99",  # the same with separators a paste may bring
    "1234567890123456",  # 16 digits: too many for a serial, too few for a token
    "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",  # 32 characters: some other secret
]


@pytest.mark.parametrize(
    ("text", "backend"),
    [(text, "token") for text in TOKEN_LIKE]
    # Up to 20 letters and digits can be an inverter's own serial number.
    + [(text, "developer") for text in TOKEN_LIKE if len(text.replace("-", "")) > 20],
)
def test_a_token_typed_as_serial_is_refused_without_echo(text: str, backend: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_serials([text], backend)
    message = info.value.message
    assert "looks like a tokenId, not a serial number" in message
    cleaned = text.replace("-", "").upper()
    for fragment in (text, cleaned, cleaned[:12], cleaned[-12:]):
        assert fragment.upper() not in message.upper()


def test_a_registered_secret_typed_as_serial_is_not_echoed() -> None:
    from solaxtray.core.redact import register_secret

    secret = "QZ7SECRET91X"  # 12 characters: shaped like nothing in particular
    register_secret(secret)
    with pytest.raises(ConfigError) as info:
        normalize_serial(secret)
    assert secret not in info.value.message
    assert "looks like a tokenId" in info.value.message


def test_token_in_file_is_removed_from_the_file_at_once(store: SettingsStore) -> None:
    token = "202011223344556677889911"
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        json.dumps(
            {
                "version": 1,
                "serials": ["ABCDE12345"],
                "tokenId": token,
                "from_a_newer_version": {"kept": True, "client_secret": "nested-secret-77"},
            }
        ),
        encoding="utf-8",
    )
    settings, warning = store.load()
    assert warning is None
    assert settings.serials == ("ABCDE12345",)
    # No save: the file on disk no longer holds either secret, and everything else is still there.
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert token not in store.path.read_text(encoding="utf-8")
    assert "nested-secret-77" not in store.path.read_text(encoding="utf-8")
    assert data["serials"] == ["ABCDE12345"]
    assert data["from_a_newer_version"] == {"kept": True}
    assert [p.name for p in store.path.parent.iterdir()] == ["settings.json"]
    assert store.load() == (settings, None)


@pytest.mark.parametrize(
    "content",
    [
        # Not JSON at all, with the token under its usual key and a token-shaped value elsewhere.
        '{"tokenId": "tok-en-value-5544", "serials": ["ABCDE12345"], "x": 202011223344556677889922',
        # JSON with an invalid field (so the file is set aside) and the secrets as keys.
        json.dumps(
            {
                "serials": ["ABCDE12345"],
                "poll_interval_s": "often",
                "token": "tok-en-value-5544",
                "client_secret": "202011223344556677889922",
            }
        ),
        # A broken file with the secret under another of the keys a hand-edit may use.
        "{'client_secret': 'tok-en-value-5544', 'note': '202011223344556677889922'",
    ],
)
def test_a_damaged_file_is_set_aside_without_its_secrets(
    store: SettingsStore, content: str
) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(content, encoding="utf-8")
    _, warning = store.load()
    assert warning is not None
    assert "damaged" in warning
    aside = list(store.path.parent.glob("settings.json.corrupt-*"))
    assert len(aside) == 1
    kept = aside[0].read_text(encoding="utf-8")
    assert "tok-en-value-5544" not in kept
    assert "202011223344556677889922" not in kept
    assert "ABCDE12345" in kept or "'note'" in kept  # the rest is kept for the user to read
    if "saved again" in warning:
        # What could be read was written back, without the secrets.
        rewritten = store.path.read_text(encoding="utf-8")
        assert json.loads(rewritten)["serials"] == ["ABCDE12345"]
        assert "tok-en-value-5544" not in rewritten
        assert "202011223344556677889922" not in rewritten
    else:
        assert not store.path.exists()
    assert "tok-en-value-5544" not in warning
