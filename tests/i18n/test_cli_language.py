"""The command line in another language: ``--lang`` on every command, the setting and the
environment choose it, texts change, and the machine output (JSON keys, error kinds, exit
statuses) does not."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import pytest

from solaxtray.cli import build_parser, main
from solaxtray.core import i18n, paths
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, CloudSimulator

SN = DEMO_SERIALS[0]
REJECTED = "987650123498765012349876"
TEXTS = {"title", "message"}


def _without_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_texts(v) for k, v in value.items() if k not in TEXTS}
    if isinstance(value, list):
        return [_without_texts(v) for v in value]
    return value


def _shape(value: Any) -> Any:
    """Keys and value types, not values (a live demo's figures move between two runs)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


def _rejected_fetch(
    capsys: pytest.CaptureFixture[str], simulator: CloudSimulator, *lang: str
) -> tuple[int, dict[str, Any]]:
    status = main([*lang, "fetch", "--json", "--api-url", simulator.v1_url, "--sn", SN])
    out, _err = capsys.readouterr()
    return status, json.loads(out)


@pytest.fixture
def rejected_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", REJECTED)


@pytest.mark.usefixtures("rejected_token")
def test_json_is_the_same_in_every_language_except_the_texts(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    results = {
        lang: _rejected_fetch(capsys, simulator, "--lang", lang) for lang in ("en", "de", "pl")
    }
    statuses = {status for status, _data in results.values()}
    assert statuses == {3}
    english = results["en"][1]
    for lang in ("de", "pl"):
        assert _without_texts(results[lang][1]) == _without_texts(english)
    error = results["de"][1]["inverters"][0]["error"]
    assert error["kind"] == "auth"
    assert error["title"] == "Token abgelehnt"
    assert english["inverters"][0]["error"]["title"] == "Token rejected"


@pytest.mark.usefixtures("rejected_token")
def test_the_environment_chooses_the_language(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "de_DE:en")
    _status, data = _rejected_fetch(capsys, simulator)
    assert data["inverters"][0]["error"]["title"] == "Token abgelehnt"


@pytest.mark.usefixtures("rejected_token")
def test_the_setting_beats_the_environment_and_the_flag_beats_the_setting(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    SettingsStore(paths.settings_path()).save(Settings(language="de"))
    _status, data = _rejected_fetch(capsys, simulator)
    assert data["inverters"][0]["error"]["title"] == "Token abgelehnt"
    _status, data = _rejected_fetch(capsys, simulator, "--lang", "en")
    assert data["inverters"][0]["error"]["title"] == "Token rejected"


UNAVAILABLE = (
    "Language 'tlh' is not available; solaxtray speaks English here. "
    "Available: cs, de, es, fr, it, nl, pl, pt."
)


@pytest.mark.usefixtures("rejected_token")
def test_an_unknown_language_flag_is_english_with_one_line(
    simulator: CloudSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--lang", "tlh", "fetch", "--api-url", simulator.v1_url, "--sn", SN])
    _out, err = capsys.readouterr()
    assert status == 3  # the command went on
    first, *rest = err.splitlines()
    assert first == UNAVAILABLE
    assert len(rest) == 1
    assert rest[0].startswith(f"{SN}: Token rejected: SolaX Cloud did not accept the token.")


@pytest.mark.usefixtures("rejected_token")
@pytest.mark.parametrize(
    "environ",
    [{"LANGUAGE": "tlh"}, {"LANG": "tlh_XX.UTF-8"}, {"LC_ALL": "C.UTF-8"}, {"LANG": "en_US"}],
)
def test_an_unknown_language_from_the_environment_is_english_silently(
    simulator: CloudSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
) -> None:
    for name in i18n.ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    status = main(["fetch", "--api-url", simulator.v1_url, "--sn", SN])
    _out, err = capsys.readouterr()
    assert status == 3
    (line,) = err.splitlines()
    assert line.startswith(f"{SN}: Token rejected: SolaX Cloud did not accept the token.")


@pytest.mark.parametrize("lang", ["en", "en_GB", "EN-us", "C"])
def test_english_by_name_is_available(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", lang, "fetch", "--demo"]) == 0
    assert capsys.readouterr().err == ""


def test_the_unknown_language_is_quoted_with_its_controls_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--lang", "x\ny\x1b[2J\u202e" + "z" * 100, "fetch", "--demo"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert err.startswith("Language 'x\\u000ay\\u001b[2J\\u202ezzz")
    assert "z" * 40 not in err


def test_demo_json_keeps_its_shape_in_another_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "--demo", "--json", "--lang", "en"]) == 0
    english = json.loads(capsys.readouterr().out)
    assert main(["fetch", "--demo", "--json", "--lang", "de"]) == 0
    german = json.loads(capsys.readouterr().out)
    assert _shape(german) == _shape(english)
    assert [i["sn"] for i in german["inverters"]] == [i["sn"] for i in english["inverters"]]
    # Numbers stay JSON numbers, never "2,4".
    assert all(isinstance(i["acpower"], int | float) for i in german["inverters"])


def test_the_readable_table_uses_the_languages_decimal_mark(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--lang", "de", "fetch", "--demo"]) == 0
    german = capsys.readouterr().out
    assert main(["--lang", "en", "fetch", "--demo"]) == 0
    english = capsys.readouterr().out
    date_de = re.compile(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d\b")
    date_en = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b")
    today_kwh = re.compile(r"\s(\d+)([.,])\d\s+\S+ \S+\s*$")  # "Today kWh" column, 1 decimal
    assert date_de.search(german)
    assert date_en.search(english)
    assert not date_en.search(german)
    de_marks = {m.group(2) for line in german.splitlines() if (m := today_kwh.search(line))}
    en_marks = {m.group(2) for line in english.splitlines() if (m := today_kwh.search(line))}
    assert de_marks == {","}
    assert en_marks == {"."}


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "--lang", "de", "--demo", "--json"],
        ["history", "--lang", "de", "--demo", "--format", "json"],
        ["--lang=de", "history", "--demo", "--daily", "--format", "json"],
    ],
)
def test_lang_is_accepted_on_every_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    json.loads(capsys.readouterr().out)
    assert i18n.current_language() == "de"


def test_every_parser_offers_lang() -> None:
    parser = build_parser()

    def walk(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        found = [p]
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found.extend(walk(sub))
        return found

    parsers = walk(parser)
    assert len(parsers) > 8
    for p in parsers:
        assert any("--lang" in a.option_strings for a in p._actions), p.prog


def test_argparse_words_come_from_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    """After the language is chosen, argparse's own ``_`` is ours (so "usage:" and its error
    sentences are translated with the rest)."""
    assert main(["--lang", "de", "--version"]) == 0
    capsys.readouterr()
    assert argparse._ is i18n.gettext  # type: ignore[attr-defined]
    assert argparse.ngettext is i18n.ngettext  # type: ignore[attr-defined]
