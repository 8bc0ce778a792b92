"""``solaxtray doctor`` and ``solaxtray inverters`` end to end in-process, against the simulators
over real HTTP: the JSON shape, exit statuses, the ledger, and no secret in any output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from solaxtray.cli import main
from solaxtray.core import paths
from solaxtray.core.clock import SystemClock
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_DEVICES_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.simulator.plant import SimInverter

WRONG_TOKEN = "202001010000000000007777"


@pytest.fixture(autouse=True)
def _headless(monkeypatch: pytest.MonkeyPatch, no_keyring: None) -> Iterator[None]:
    """No desktop and no keyring: what a server sees; the credentials come from the
    environment."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    yield
    reset_logging()


def doctor(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, dict[str, str]], str]:
    status = main(["doctor", "--json", *args])
    out, err = capsys.readouterr()
    checks = json.loads(out)["checks"]
    for check in checks:
        assert set(check) == {"id", "status", "title", "message", "fix"}
        assert check["status"] in ("ok", "warn", "fail")
    return status, {c["id"]: c for c in checks}, out + err


def test_a_sound_headless_set_up_exits_0_with_warnings_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    with CloudSimulator() as sim:
        status, checks, text = doctor(
            capsys, "--api-url", sim.v1_url, *[a for s in DEMO_SERIALS for a in ("--sn", s)]
        )
        sent = len(sim.requests)
    assert status == 0, checks
    assert checks["keyring"]["status"] == "warn"
    assert checks["tray"]["status"] == "warn"
    assert checks["server"]["status"] == "ok"
    assert all(checks[f"serial-known:{sn}"]["status"] == "ok" for sn in DEMO_SERIALS)
    assert f"sent {sent} request" in checks["requests"]["message"]
    ledger = RequestLedger(paths.ledger_path("token"), clock=SystemClock())
    assert ledger.used_today() == sent == len(DEMO_SERIALS)
    assert DEMO_TOKEN not in text


def test_a_rejected_token_exits_1_and_the_token_is_nowhere_in_the_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", WRONG_TOKEN)
    with CloudSimulator() as sim:
        status, checks, text = doctor(capsys, "--api-url", sim.v1_url, "--sn", DEMO_SERIALS[0])
    assert status == 1
    assert checks["credentials-accepted"]["status"] == "fail"
    assert WRONG_TOKEN not in text


def test_the_text_output_marks_each_check_and_gives_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    with CloudSimulator() as sim:
        status = main(["doctor", "--api-url", sim.v1_url, "--sn", "H34A10I9012345"])
    out = capsys.readouterr().out
    assert status == 1
    assert "✗ Serial number H34A10I9012345:" in out
    assert "⚠ Keyring:" in out
    assert "    Fix: " in out
    assert "failed." in out.splitlines()[-1]


def test_a_bad_server_address_is_a_failed_check_not_a_crash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    status, checks, _ = doctor(capsys, "--api-url", "http://example.com/", "--sn", "SWDEMOHYB3")
    assert status == 1
    assert checks["server"]["status"] == "fail"


def test_the_doctor_refuses_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--demo"]) == 2
    assert "own set-up" in capsys.readouterr().err


# --- inverters -----------------------------------------------------------------------------------


FLEET = [
    SimInverter(sn=f"SWPAGE{i:04d}", inverter_sn=f"H4PAGE{i:08d}", type_code=14, pv_peak_w=4000)
    for i in range(25)
]


@pytest.fixture
def dev_creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", DEMO_CLIENT_SECRET)


def test_discover_lists_every_page_as_json_counted_in_the_developer_ledger(
    capsys: pytest.CaptureFixture[str], dev_creds: None
) -> None:
    SettingsStore(paths.settings_path()).save(
        Settings(backend="developer", serials=(FLEET[4].inverter_sn,))
    )
    with DeveloperSimulator(inverters=FLEET, dev_per_minute=100) as sim:
        sim.max_page_size = 10
        status = main(["inverters", "--discover", "--json", "--api-url", sim.base_url])
        pages = sum(1 for r in sim.requests if r.endpoint == DEV_DEVICES_ENDPOINT)
    out = capsys.readouterr().out
    assert status == 0
    listed = json.loads(out)["inverters"]
    assert [d["deviceSn"] for d in listed] == [inv.inverter_sn for inv in FLEET]
    assert [d["watched"] for d in listed].count(True) == 1
    assert pages == 3
    ledger = RequestLedger(paths.ledger_path("developer"), clock=SystemClock())
    assert ledger.used_today() == 4  # three pages and the sign-in
    assert DEMO_CLIENT_SECRET not in out


def test_discover_with_rejected_credentials_exits_3_with_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", "not-the-secret-4242")
    with DeveloperSimulator() as sim:
        status = main(
            ["inverters", "--discover", "--backend", "developer", "--api-url", sim.base_url]
        )
    err = capsys.readouterr().err
    assert status == 3
    assert len(err.strip().splitlines()) == 1
    assert "not-the-secret-4242" not in err


def test_discover_on_a_malformed_page_exits_7(
    capsys: pytest.CaptureFixture[str], dev_creds: None
) -> None:
    with DeveloperSimulator(inverters=FLEET) as sim:
        sim.max_page_size = 10
        sim.malformed_pages = {2}
        status = main(
            ["inverters", "--discover", "--backend", "developer", "--api-url", sim.base_url]
        )
    assert status == 7
    assert "could not be read" in capsys.readouterr().err


def test_discover_demo_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inverters", "--discover", "--demo", "--backend", "developer"]) == 0
    out = capsys.readouterr().out
    for sn in DEMO_DEVICE_SERIALS:
        assert sn in out
    assert not paths.ledger_path("developer").exists()


def test_discover_on_the_token_api_says_where_the_numbers_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inverters", "--discover", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["inverters"] == []
    assert "dongle" in answer["message"]


def test_inverters_without_discover_lists_the_saved_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    SettingsStore(paths.settings_path()).save(Settings(serials=("SWDEMOHYB3",)))
    assert main(["inverters"]) == 0
    assert capsys.readouterr().out == "SWDEMOHYB3\n"


def test_a_rejected_token_from_the_environment_is_fixed_in_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", WRONG_TOKEN)
    with CloudSimulator() as sim:
        _status, checks, _text = doctor(capsys, "--api-url", sim.v1_url, "--sn", DEMO_SERIALS[0])
    fix = checks["credentials-accepted"]["fix"]
    assert "SOLAXTRAY_TOKEN" in fix
    assert "unset" in fix
    assert "token set" not in fix


def test_an_impossible_token_from_the_environment_is_fixed_in_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", "12345")
    with CloudSimulator() as sim:
        status, checks, _text = doctor(capsys, "--api-url", sim.v1_url, "--sn", DEMO_SERIALS[0])
        sent = len(sim.requests)
    assert status == 1
    assert sent == 0
    assert checks["credentials"]["status"] == "fail"
    fix = checks["credentials"]["fix"]
    assert "SOLAXTRAY_TOKEN" in fix
    assert "unset" in fix
    assert "token set" not in fix


def test_rejected_developer_credentials_from_the_environment_are_fixed_there(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_CLIENT_ID", DEMO_CLIENT_ID)
    monkeypatch.setenv("SOLAXTRAY_CLIENT_SECRET", "not-the-secret")
    with DeveloperSimulator() as sim:
        _status, checks, _text = doctor(
            capsys,
            "--backend",
            "developer",
            "--api-url",
            sim.base_url,
            "--sn",
            DEMO_DEVICE_SERIALS[0],
        )
    fix = checks["credentials-accepted"]["fix"]
    assert "SOLAXTRAY_CLIENT_ID and SOLAXTRAY_CLIENT_SECRET" in fix
    assert "credentials set" not in fix


def test_thousands_of_serials_are_a_short_report_and_json_keeps_every_check(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    serials = [f"SW{i:08d}" for i in range(2000)] + ["BAD1"]
    sn_args = [a for sn in serials for a in ("--sn", sn)]
    with CloudSimulator() as sim:
        status = main(["--lang", "en", "doctor", "--api-url", sim.v1_url, *sn_args])
        text = capsys.readouterr().out
        _status, checks, _all = doctor(capsys, "--api-url", sim.v1_url, *sn_args)
        german = main(["--lang", "de", "doctor", "--api-url", sim.v1_url, *sn_args])
        text_de = capsys.readouterr().out
    assert status == german == 1
    lines = text.splitlines()
    assert len(lines) < 100
    assert "✓ Serial numbers: 2,001 serial numbers set." in lines
    (other,) = [line for line in lines if "after the first 20" in line]
    assert other.startswith("✗ Other serial numbers: 1,981 serial numbers after the first 20:")
    assert "Failed: BAD1." in other
    assert lines[-1].startswith("4,0")  # every check counted, with the digit grouping
    assert "2.001" in text_de
    # --json keeps every result.
    assert sum(cid.startswith("serial-shape:") for cid in checks) == len(serials)


def test_a_damaged_history_is_a_failed_check_and_stays_in_place(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from solaxtray.core.history import default_history_path

    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database\n" * 100)
    with CloudSimulator() as sim:
        status, checks, _text = doctor(capsys, "--api-url", sim.v1_url, "--sn", DEMO_SERIALS[0])
    assert status == 1
    assert checks["history"]["status"] == "fail"
    assert "is damaged" in checks["history"]["message"]
    assert path.read_bytes() == b"not a database\n" * 100
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(path.name)] == [path.name]


def test_the_per_serial_titles_are_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    sn = DEMO_SERIALS[0]
    with CloudSimulator() as sim:
        main(["--lang", "de", "doctor", "--json", "--api-url", sim.v1_url, "--sn", sn])
    titles = {c["id"]: c["title"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert titles[f"serial-shape:{sn}"] == f"Seriennummer {sn}"
    assert titles[f"serial-known:{sn}"] == f"{sn} im Konto"
    assert titles[f"upload-age:{sn}"] == f"{sn} sendet Daten"
    assert titles[f"plant-clock:{sn}"] == f"Uhr von {sn}"
