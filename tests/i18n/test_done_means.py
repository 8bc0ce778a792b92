"""The issue's own checks, run as a user types them: the language from the environment of a real
``python -m solaxtray`` process (``LANGUAGE=de solaxtray fetch --demo``, ``LANGUAGE=pl solaxtray
--help``, a rejected token under ``LANGUAGE=fr``). The tray app and its notifications under
``LANGUAGE=nl`` are checked on the desktop harness in ``tests/e2e/test_tray_e2e.py``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from solaxtray.core import i18n
from solaxtray.core.simulator import DEMO_SERIALS, CloudSimulator

REPO = Path(__file__).resolve().parents[2]
REJECTED = "987650123498765012349876"
TEXTS = {"title", "message"}


def run(language: str, *argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in i18n.ENV_VARIABLES and not key.startswith("SOLAXTRAY_")
    }
    env.update(LANGUAGE=language, LANG="C.UTF-8", PYTHONPATH=str(REPO), **extra)
    return subprocess.run(
        [sys.executable, "-m", "solaxtray", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _without_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_texts(v) for k, v in value.items() if k not in TEXTS}
    if isinstance(value, list):
        return [_without_texts(v) for v in value]
    return value


def translated(language: str, message: str) -> str:
    i18n.set_language(language)
    try:
        return i18n._(message)
    finally:
        i18n.reset()


def test_fetch_demo_speaks_german_with_decimal_commas() -> None:
    result = run("de", "fetch", "--demo")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert "Seriennr." in header
    assert "Heute kWh" in header
    assert "Normalmodus" in result.stdout
    # The "Heute kWh" column: one decimal after a comma, on every inverter's row.
    kwh = re.compile(r"\s\d+,\d\s+\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$")
    assert sum(bool(kwh.search(row)) for row in rows) == len(DEMO_SERIALS)
    assert not re.search(r"\s\d+\.\d\s", result.stdout)


def test_help_speaks_polish() -> None:
    result = run("pl", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("użycie: solaxtray")
    assert "Obserwuj falowniki SolaX przez SolaX Cloud." in result.stdout
    assert "usage:" not in result.stdout
    assert "show this help message and exit" not in result.stdout


def test_a_rejected_token_in_french_keeps_the_status_and_the_json(
    simulator: CloudSimulator,
) -> None:
    argv = ("fetch", "--api-url", simulator.v1_url, "--sn", DEMO_SERIALS[0])
    token = {"SOLAXTRAY_TOKEN": REJECTED}
    french = run("fr", *argv, **token)
    english = run("en", *argv, **token)
    assert french.returncode == english.returncode == 3
    title = translated("fr", "Token rejected")
    assert title != "Token rejected"
    assert title in french.stderr
    assert "Token rejected" in english.stderr
    assert "Token rejected" not in french.stderr
    french_json = run("fr", *argv, "--json", **token)
    english_json = run("en", *argv, "--json", **token)
    assert french_json.returncode == english_json.returncode == 3
    fr_data, en_data = json.loads(french_json.stdout), json.loads(english_json.stdout)
    assert _without_texts(fr_data) == _without_texts(en_data)
    assert fr_data["inverters"][0]["error"]["title"] == title
    assert fr_data["inverters"][0]["error"]["kind"] == "auth"
