"""Choosing the language (flag, setting, OS), falling back to English, plural forms, and texts
translated when used rather than when imported. Qt-free."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from solaxtray.core import i18n
from solaxtray.core.errors import ConfigError, TokenRejected
from solaxtray.core.settings import Settings, SettingsStore, check_language


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", "de"),
        ("de_DE.UTF-8", "de"),
        ("de-AT", "de"),
        ("pt_BR", "pt"),
        ("pt-PT", "pt"),
        ("fr_FR@euro", "fr"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("en_GB", "en"),
        ("eo", None),
        ("", None),
        (None, None),
        ("zz_ZZ", None),
    ],
)
def test_normalize_language(tag: str | None, expected: str | None) -> None:
    assert i18n.normalize_language(tag) == expected


def test_environment_order_is_gettexts() -> None:
    env = {"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "it_IT", "LC_ALL": "es_ES", "LANGUAGE": "pl:cs"}
    assert i18n.languages_from_env(env) == ["pl", "cs"]
    del env["LANGUAGE"]
    assert i18n.languages_from_env(env) == ["es_ES"]
    del env["LC_ALL"]
    assert i18n.languages_from_env(env) == ["it_IT"]
    del env["LC_MESSAGES"]
    assert i18n.languages_from_env(env) == ["fr_FR.UTF-8"]
    assert i18n.languages_from_env({}) == []
    assert i18n.languages_from_env({"LANGUAGE": "", "LANG": "nl_NL"}) == ["nl_NL"]


def test_flag_beats_setting_beats_system() -> None:
    assert i18n.choose_language(cli="de", setting="fr", preferred=["nl"]) == "de"
    assert i18n.choose_language(cli=None, setting="fr", preferred=["nl"]) == "fr"
    assert i18n.choose_language(cli=None, setting="", preferred=["nl_BE", "de"]) == "nl"
    assert i18n.choose_language() == "en"


def test_unsupported_system_languages_are_skipped_for_the_next() -> None:
    assert i18n.choose_language(preferred=["eo", "ja_JP", "cs_CZ"]) == "cs"


def test_unknown_language_means_english_with_one_debug_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="solaxtray.core.i18n")
    assert i18n.choose_language(preferred=["eo", "ja", "tlh"] * 50) == "en"
    assert i18n.choose_language(cli="klingon") == "en"
    records = [r for r in caplog.records if r.name == "solaxtray.core.i18n"]
    assert len(records) == 2
    assert all(r.levelno == logging.DEBUG for r in records)


def test_language_follows_the_environment_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "de_DE:fr")
    i18n.reset()
    assert i18n.current_language() == "de"
    assert i18n._("Token rejected") == "Token abgelehnt"
    assert not i18n.chosen_explicitly()


def test_configure_with_a_flag_is_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    assert i18n.configure(cli="de") == "de"
    assert i18n.chosen_explicitly()
    assert i18n.configure(cli=None, setting=None) == "fr"
    assert not i18n.chosen_explicitly()


def test_a_title_defined_at_import_is_translated_when_the_error_is_made() -> None:
    """The class attribute was evaluated at import, in English; the error made after the
    language is chosen speaks that language."""
    i18n.configure(cli="de")
    assert TokenRejected("x").title == "Token abgelehnt"
    i18n.configure(cli="en")
    assert TokenRejected("x").title == "Token rejected"
    assert TokenRejected("x", title="Own title").title == "Own title"


def test_a_missing_catalog_means_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert i18n.set_language("de", locale_dir=tmp_path) == "de"
    assert i18n._("Token rejected") == "Token rejected"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_damaged_catalog_means_english(tmp_path: Path) -> None:
    path = i18n.catalog_path("de", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00" * 40)
    i18n.set_language("de", locale_dir=tmp_path)
    assert i18n._("Token rejected") == "Token rejected"


def _compiled_catalog(
    tmp_path: Path, language: str, plural_forms: str, forms: tuple[str, ...]
) -> Path:
    babel = pytest.importorskip("babel.messages.pofile")
    from babel.messages.mofile import write_mo

    po = (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {language}\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n'
        f'"Plural-Forms: {plural_forms}\\n"\n\n'
        'msgid "{n} inverter"\nmsgid_plural "{n} inverters"\n'
        + "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
    )
    catalog = babel.read_po(io.StringIO(po))
    path = i18n.catalog_path(language, tmp_path)
    path.parent.mkdir(parents=True)
    with path.open("wb") as fp:
        write_mo(fp, catalog)
    return tmp_path


def test_polish_has_three_plural_forms(tmp_path: Path) -> None:
    """The plural rule comes from the catalog's header: 1 falownik, 2-4 falowniki, 5 falowników,
    22 falowniki, 12 falowników."""
    from scripts.i18n import PLURAL_FORMS

    count, rule = PLURAL_FORMS["pl"]
    folder = _compiled_catalog(
        tmp_path,
        "pl",
        f"nplurals={count}; plural={rule};",
        ("{n} falownik", "{n} falowniki", "{n} falowników"),
    )
    i18n.set_language("pl", locale_dir=folder)
    words = {
        n: i18n.ngettext("{n} inverter", "{n} inverters", n).format(n=n)
        for n in (1, 2, 5, 12, 22, 25, 101)
    }
    assert words == {
        1: "1 falownik",
        2: "2 falowniki",
        5: "5 falowników",
        12: "12 falowników",
        22: "22 falowniki",
        25: "25 falowników",
        101: "101 falowników",
    }


def test_english_plural_without_a_catalog() -> None:
    i18n.configure(cli="en")
    assert i18n.ngettext("{n} inverter", "{n} inverters", 1).format(n=1) == "1 inverter"
    assert i18n.ngettext("{n} inverter", "{n} inverters", 0).format(n=0) == "0 inverters"


def test_argparse_speaks_through_the_catalog() -> None:
    import argparse

    i18n.install_argparse()
    i18n.configure(cli="de")
    assert argparse._("Token rejected") == "Token abgelehnt"  # type: ignore[attr-defined]


# --- the setting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), (None, ""), ("de", "de"), ("pt_BR", "pt"), (" fr ", "fr"), ("en", "en")],
)
def test_language_setting_is_validated(value: object, expected: str) -> None:
    assert check_language(value) == expected


@pytest.mark.parametrize("value", ["klingon", 3, ["de"], True])
def test_a_bad_language_setting_is_refused_in_one_sentence(value: object) -> None:
    with pytest.raises(ConfigError, match="language must be one of"):
        check_language(value)


def test_language_setting_round_trip_and_peek(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    assert store.peek_language() == ""
    store.save(Settings(language="pl"))
    assert store.load()[0].language == "pl"
    assert store.peek_language() == "pl"


def test_peek_language_never_sets_a_damaged_file_aside(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "settings.json"
    path.write_text('{"language": "de", "poll_interval_s": "oops"', encoding="utf-8")
    store = SettingsStore(path)
    assert store.peek_language() == ""
    assert path.read_text(encoding="utf-8").startswith('{"language"')
    assert list(folder.iterdir()) == [path]


def test_a_bad_language_in_the_file_costs_only_that_field(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"version": 1, "language": "xx", "stale_minutes": 20}', encoding="utf-8")
    settings, warning = SettingsStore(path).load()
    assert settings.language == ""
    assert settings.stale_minutes == 20
    assert warning is not None
    assert "language" in warning
