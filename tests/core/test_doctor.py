"""The doctor's cloud, keyring and local checks, each against the broken set-up it detects:
the simulator (wrong token, wrong server, unknown serial, wrong serial shape, stale upload, plant
clock off), the real keyring fixture, a broken start-up entry and an unwritable folder; plus the
request cap, counted in the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from solaxtray.core.api.registry import BackendKind
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import FakeClock
from solaxtray.core.doctor import (
    MAX_REQUESTS,
    CheckResult,
    DoctorSetup,
    Status,
    exit_status,
    run_doctor,
)
from solaxtray.core.doctor.cloud import CloudTarget, check_cloud
from solaxtray.core.doctor.credentials import Credentials, check_keyring, read_credentials
from solaxtray.core.doctor.desktop import SessionProbe
from solaxtray.core.doctor.local import check_autostart, check_requests_today, check_writable
from solaxtray.core.doctor.model import RequestBudget
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DeveloperSimulator,
)
from solaxtray.core.simulator.plant import SimInverter
from tests.keyring_fixture import SecretServiceBus, running_secret_service, using_bus

OTHER_TOKEN = "202001010000000000000099"


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.id: r for r in results}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(clock: FakeClock, tmp_path: Path) -> RequestLedger:
    return RequestLedger(tmp_path / "ledger.json", clock=clock)


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[CloudSimulator]:
    with CloudSimulator(clock=clock, per_minute=100) as sim:
        yield sim


def token_target(sim: CloudSimulator, *serials: str, **kwargs: object) -> CloudTarget:
    return CloudTarget(
        backend="token",
        serials=serials or DEMO_SERIALS,
        server=sim.v1_url,
        alternatives=kwargs.pop("alternatives", ()),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def run_token(
    target: CloudTarget, ledger: RequestLedger, clock: FakeClock, token: str = DEMO_TOKEN
) -> tuple[dict[str, CheckResult], RequestBudget]:
    budget = RequestBudget(ledger)
    results = check_cloud(target, Credentials(BackendKind.TOKEN, token=token), budget, clock)
    return by_id(results), budget


# -- tokenId API ------------------------------------------------------------------------------


def test_a_sound_set_up_passes_with_one_request_per_inverter(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    results, budget = run_token(token_target(sim), ledger, clock)
    assert {r.status for r in results.values()} == {Status.OK}, results
    assert budget.spent == len(DEMO_SERIALS) == ledger.used_today()
    assert len(sim.requests) == len(DEMO_SERIALS)
    assert (
        "inverter behind it has the serial number"
        in results[f"serial-known:{DEMO_SERIALS[0]}"].message
    )


def test_a_wrong_token_fails_with_the_fix(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    results, budget = run_token(token_target(sim), ledger, clock, token=OTHER_TOKEN)
    accepted = results["credentials-accepted"]
    assert accepted.status is Status.FAIL
    assert "token set" in accepted.fix
    assert results["server"].status is Status.WARN
    assert results[f"serial-known:{DEMO_SERIALS[1]}"].status is Status.WARN
    assert budget.spent == 1  # no serial asked after the refusal
    assert OTHER_TOKEN not in json.dumps([r.to_json() for r in results.values()])


def test_the_wrong_server_is_found_among_a_few_regional_tries(
    clock: FakeClock, ledger: RequestLedger
) -> None:
    with (
        CloudSimulator(clock=clock, tokens=(OTHER_TOKEN,)) as wrong,
        CloudSimulator(clock=clock, tokens=(OTHER_TOKEN,)) as also_wrong,
        CloudSimulator(clock=clock, per_minute=100) as right,
    ):
        target = token_target(
            wrong, alternatives=(also_wrong.v2_url, right.v1_url, "https://never.example/")
        )
        results, budget = run_token(target, ledger, clock)
        right_url = right.v1_url
    server = results["server"]
    assert server.status is Status.FAIL
    assert right_url in server.message
    assert right_url in server.fix
    assert results["credentials-accepted"].status is Status.OK
    assert all(results[f"serial-known:{sn}"].status is Status.OK for sn in DEMO_SERIALS)
    # configured + two alternatives at most, then the other two serials on the right server
    assert budget.spent == 3 + 2 == ledger.used_today()


def test_no_server_accepting_the_token_is_a_credentials_failure_naming_the_servers(
    clock: FakeClock, ledger: RequestLedger
) -> None:
    with (
        CloudSimulator(clock=clock, tokens=(OTHER_TOKEN,)) as wrong,
        CloudSimulator(clock=clock, tokens=(OTHER_TOKEN,)) as also_wrong,
    ):
        results, budget = run_token(
            token_target(wrong, alternatives=(also_wrong.v1_url,)), ledger, clock
        )
        tried = also_wrong.v1_url
    assert results["credentials-accepted"].status is Status.FAIL
    assert tried in results["credentials-accepted"].message
    assert budget.spent == 2


def test_an_unknown_serial_fails(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    results, _ = run_token(token_target(sim, DEMO_SERIALS[0], "SWNOTMINE1"), ledger, clock)
    assert results["serial-known:SWNOTMINE1"].status is Status.FAIL
    assert results[f"serial-known:{DEMO_SERIALS[0]}"].status is Status.OK


def test_an_inverter_serial_given_to_the_token_api_fails_its_shape_without_a_request(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    inverter_sn = sim.inverters[0].inverter_sn
    results, budget = run_token(token_target(sim, DEMO_SERIALS[1], inverter_sn), ledger, clock)
    shape = results[f"serial-shape:{inverter_sn}"]
    assert shape.status is Status.FAIL
    assert "10-character registration number" in shape.message + shape.fix
    assert f"serial-known:{inverter_sn}" not in results
    assert budget.spent == 1


def test_an_inverter_serial_carried_by_another_answer_names_the_registration_number(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    inverter_sn = sim.inverters[0].inverter_sn
    results, _ = run_token(token_target(sim, DEMO_SERIALS[0], inverter_sn), ledger, clock)
    assert results[f"serial-shape:{inverter_sn}"].fix.startswith(
        f"Replace it by {DEMO_SERIALS[0]},"
    )


def test_a_stale_upload_warns(sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock) -> None:
    sn = DEMO_SERIALS[2]
    sim.set_online(sn, False)
    clock.advance(3 * 3600)
    results, _ = run_token(token_target(sim, sn, stale_minutes=15), ledger, clock)
    age = results[f"upload-age:{sn}"]
    assert age.status is Status.WARN
    assert "3 h" in age.message


def test_a_plant_clock_seven_minutes_off_warns(clock: FakeClock, ledger: RequestLedger) -> None:
    drifting = SimInverter(
        sn="SWCLOCK001",
        inverter_sn="H1CLOCK0000001",
        type_code=14,
        pv_peak_w=5000,
        utc_offset_hours=1 + 7 / 60,
    )
    right = SimInverter(sn="SWCLOCK002", inverter_sn="H1CLOCK0000002", type_code=14, pv_peak_w=5000)
    with CloudSimulator(clock=clock, inverters=[drifting, right]) as sim:
        results, _ = run_token(token_target(sim, "SWCLOCK001", "SWCLOCK002"), ledger, clock)
    assert results["plant-clock:SWCLOCK001"].status is Status.WARN
    assert "7 minutes off" in results["plant-clock:SWCLOCK001"].message
    assert results["plant-clock:SWCLOCK002"].status is Status.OK
    assert "UTC+1 h" in results["plant-clock:SWCLOCK002"].message


def test_the_request_cap_holds_with_many_inverters_and_every_request_is_in_the_ledger(
    clock: FakeClock, ledger: RequestLedger
) -> None:
    fleet = [
        SimInverter(sn=f"SWMANY{i:04d}", inverter_sn=f"H1MANY{i:08d}", type_code=14, pv_peak_w=3000)
        for i in range(14)
    ]
    serials = tuple(inv.sn for inv in fleet)
    with CloudSimulator(clock=clock, inverters=fleet, per_minute=100) as sim:
        budget = RequestBudget(None)
        results = by_id(
            check_cloud(
                token_target(sim, *serials),
                Credentials(BackendKind.TOKEN, token=DEMO_TOKEN),
                budget,
                clock,
            )
        )
        assert len(sim.requests) == budget.spent == MAX_REQUESTS
        skipped = results[f"serial-known:{fleet[-1].sn}"]
        assert skipped.status is Status.WARN
        assert "request limit" in skipped.message
        sim.clear_requests()
        # With the shared ledger, its minute budget (9) stops the doctor first.
        _, budget = run_token(token_target(sim, *serials), ledger, clock)
        assert len(sim.requests) == budget.spent == ledger.used_today() == ledger.per_minute


def test_a_ledger_with_no_room_left_sends_nothing(
    sim: CloudSimulator, clock: FakeClock, tmp_path: Path
) -> None:
    full = RequestLedger(tmp_path / "full.json", clock=clock, per_minute=2)
    full.try_acquire("tray", 2)
    results, budget = run_token(token_target(sim), full, clock)
    assert budget.spent == 0
    assert not sim.requests
    assert results["credentials-accepted"].status is Status.WARN


# -- Developer API ----------------------------------------------------------------------------


@pytest.fixture
def dev(clock: FakeClock) -> Iterator[DeveloperSimulator]:
    with DeveloperSimulator(clock=clock, dev_per_minute=100) as dev:
        yield dev


def dev_run(
    target: CloudTarget, ledger: RequestLedger, clock: FakeClock, secret: str = DEMO_CLIENT_SECRET
) -> tuple[dict[str, CheckResult], RequestBudget]:
    budget = RequestBudget(ledger)
    creds = Credentials(BackendKind.DEVELOPER, client_id=DEMO_CLIENT_ID, client_secret=secret)
    return by_id(check_cloud(target, creds, budget, clock)), budget


def test_developer_api_sound_set_up_costs_a_sign_in_and_one_batch(
    dev: DeveloperSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    target = CloudTarget("developer", DEMO_DEVICE_SERIALS, server=dev.base_url, alternatives=())
    results, budget = dev_run(target, ledger, clock)
    assert {r.status for r in results.values()} == {Status.OK}, results
    assert budget.spent == 2 == ledger.used_today()


def test_developer_api_wrong_region_is_found(clock: FakeClock, ledger: RequestLedger) -> None:
    with (
        DeveloperSimulator(clock=clock, client_secret="another-secret-1234") as wrong,
        DeveloperSimulator(clock=clock) as right,
    ):
        target = CloudTarget(
            "developer",
            DEMO_DEVICE_SERIALS[:1],
            server=wrong.base_url,
            alternatives=(right.base_url,),
        )
        results, budget = dev_run(target, ledger, clock)
        right_url = right.base_url
    assert results["server"].status is Status.FAIL
    assert right_url in results["server"].fix
    assert results[f"serial-known:{DEMO_DEVICE_SERIALS[0]}"].status is Status.OK
    # the refused sign-in, then sign-in, inventory page and the serial on the right region
    assert budget.spent == 4 == ledger.used_today()


def test_developer_api_rejected_credentials_fail(
    dev: DeveloperSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    target = CloudTarget("developer", DEMO_DEVICE_SERIALS, server=dev.base_url, alternatives=())
    results, budget = dev_run(target, ledger, clock, secret="wrong-secret-999")
    assert results["credentials-accepted"].status is Status.FAIL
    assert "credentials set" in results["credentials-accepted"].fix
    assert budget.spent == 1


def test_a_registration_number_given_to_the_developer_api_names_the_serial_to_use(
    dev: DeveloperSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    registration = DEMO_SERIALS[0]
    target = CloudTarget(
        "developer",
        (DEMO_DEVICE_SERIALS[1], registration),
        server=dev.base_url,
        alternatives=(),
    )
    results, budget = dev_run(target, ledger, clock)
    shape = results[f"serial-shape:{registration}"]
    assert shape.status is Status.FAIL
    assert dev.device_serial(registration) in shape.fix
    assert budget.spent == 3  # sign-in, the batch, one inventory page


# -- keyring ----------------------------------------------------------------------------------


@pytest.mark.keyring
def test_keyring_round_trip_passes_on_a_real_secret_service(
    secret_service: SecretServiceBus,
) -> None:
    result = check_keyring("token", 10.0)
    assert result.status is Status.OK, result


def test_no_keyring_fails_and_says_how_to_do_without(no_keyring: None) -> None:
    result = check_keyring("token", 5.0)
    assert result.status is Status.FAIL
    assert "SOLAXTRAY_TOKEN" in result.fix


def test_no_keyring_is_only_a_warning_when_the_environment_has_the_token(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    assert check_keyring("token", 5.0).status is Status.WARN
    present, creds = read_credentials("token", 5.0)
    assert present.status is Status.OK
    assert creds is not None
    assert creds.token == DEMO_TOKEN
    assert "SOLAXTRAY_TOKEN" in present.message  # said to come from the environment
    assert not creds.share_access_token
    assert DEMO_TOKEN not in repr(creds)


def test_missing_credentials_fail_with_the_command_that_sets_them(no_keyring: None) -> None:
    result, creds = read_credentials("developer", 5.0)
    assert creds is None
    assert result.status is Status.FAIL
    assert "SOLAXTRAY_CLIENT_ID" in result.fix


@pytest.mark.keyring
def test_credentials_missing_from_a_working_keyring_fail_with_the_command_that_sets_them(
    secret_service: SecretServiceBus,
) -> None:
    result, creds = read_credentials("developer", 10.0)
    assert creds is None
    assert result.status is Status.FAIL
    assert "credentials set" in result.fix


@pytest.mark.keyring
def test_a_locked_keyring_fails_within_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_secret_service(unlock=False) as bus, using_bus(bus, monkeypatch):
        result = check_keyring("token", 3.0)
    assert result.status is Status.FAIL, result
    assert "Unlock your keyring" in result.fix


# -- this machine -----------------------------------------------------------------------------


def test_autostart_entry_written_by_the_app_passes(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    entry.enable()
    assert check_autostart(entry, wanted=True).status is Status.OK


@pytest.mark.parametrize(
    "text",
    [
        "this is not a desktop entry\n",
        "[Desktop Entry]\nType=Application\nName=SolaX Tray\n",
        "[Desktop Entry]\nType=Application\nExec=/nowhere/solaxtray\n",
    ],
)
def test_a_broken_autostart_entry_fails(tmp_path: Path, text: str) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    entry.path.parent.mkdir(parents=True)
    entry.path.write_text(text, encoding="utf-8")
    result = check_autostart(entry, wanted=True)
    assert result.status is Status.FAIL
    assert "off and on again" in result.fix


def test_autostart_wanted_but_missing_fails(tmp_path: Path) -> None:
    result = check_autostart(XdgAutostart(tmp_path / "autostart"), wanted=True)
    assert result.status is Status.FAIL


def test_an_unwritable_folder_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = check_writable("writable-settings", "Settings folder", blocker / "solaxtray")
    assert result.status is Status.FAIL
    assert str(blocker / "solaxtray") in result.fix
    assert check_writable("w", "Folder", tmp_path / "new" / "dir").status is Status.OK


def test_requests_today_warn_near_the_budget(clock: FakeClock, tmp_path: Path) -> None:
    ledger = RequestLedger(tmp_path / "l.json", clock=clock, per_minute=9, per_day=10)
    for _ in range(9):
        ledger.charge("tray", 1)
    result = check_requests_today(ledger, spent=2, cap=MAX_REQUESTS)
    assert result.status is Status.WARN
    assert "9 of 10" in result.message
    assert "sent 2" in result.message


def test_exit_status_is_one_only_when_a_check_failed() -> None:
    passing = [CheckResult("a", Status.OK, "A", "fine"), CheckResult("b", Status.WARN, "B", "m")]
    assert exit_status(passing) == 0
    assert exit_status([*passing, CheckResult("c", Status.FAIL, "C", "bad", "fix")]) == 1


def test_a_private_server_is_never_swapped_for_solax_own(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    target = CloudTarget("token", DEMO_SERIALS[:1], server=sim.v1_url)  # default alternatives
    results, budget = run_token(target, ledger, clock, token=OTHER_TOKEN)
    assert results["credentials-accepted"].status is Status.FAIL
    assert budget.spent == 1


@pytest.mark.usefixtures("no_keyring")
def test_the_whole_run_in_order_with_the_json_shape(
    sim: CloudSimulator,
    ledger: RequestLedger,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOLAXTRAY_TOKEN", DEMO_TOKEN)
    setup = DoctorSetup(
        target=token_target(sim, DEMO_SERIALS[0]),
        clock=clock,
        probe=SessionProbe(bus_address="", display=""),
        autostart=XdgAutostart(tmp_path / "autostart"),
        start_at_login=False,
        folders=[("writable-settings", "Settings folder", tmp_path / "config")],
        ledger=ledger,
        keyring_timeout=5.0,
        platform="linux",
    )
    results = run_doctor(setup)
    ids = [r.id for r in results]
    assert ids == [
        "keyring",
        "credentials",
        "credentials-accepted",
        "server",
        "serials",
        f"serial-shape:{DEMO_SERIALS[0]}",
        f"serial-known:{DEMO_SERIALS[0]}",
        f"upload-age:{DEMO_SERIALS[0]}",
        f"plant-clock:{DEMO_SERIALS[0]}",
        "tray",
        "notifications",
        "autostart",
        "writable-settings",
        "requests",
    ]
    assert exit_status(results) == 0
    assert "sent 1 request" in results[-1].message
    encoded = json.dumps({"checks": [r.to_json() for r in results]}, ensure_ascii=False)
    assert DEMO_TOKEN not in encoded
    assert {c["status"] for c in json.loads(encoded)["checks"]} <= {"ok", "warn"}


def test_a_token_pasted_as_a_serial_is_masked_everywhere(
    sim: CloudSimulator, ledger: RequestLedger, clock: FakeClock
) -> None:
    pasted = "2020010100000000000012345"[:24]
    results, budget = run_token(token_target(sim, pasted, "SW\nBAD"), ledger, clock)
    encoded = json.dumps([r.to_json() for r in results.values()])
    assert pasted not in encoded
    assert DEMO_TOKEN not in encoded
    assert "serial-shape:***" in results
    assert "serial-shape:SW?BAD" in results
    assert budget.spent == 0
