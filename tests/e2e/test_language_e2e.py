"""The tray app under ``LANGUAGE=nl``, as a Dutch desktop meets it: the StatusNotifierItem's
tooltip and menu, and the fault notification's title and body, are the Dutch catalog's words
with Dutch number formats (the harness of ``test_tray_e2e.py``: Xvfb, a private session bus, the
fake panel and notification server)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from solaxtray import APP_NAME
from solaxtray.core import i18n
from solaxtray.core.paths import SETTINGS_FILE
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator
from tests.e2e.desktop import AppProcess, Desktop, DesktopError
from tests.e2e.plant import SN, hybrid_cloud
from tests.e2e.test_tray_e2e import (
    FAULT,
    _answered,
    _notifications,
    _wait_answers,
    _wait_next_upload,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

LANGUAGE = "nl"


@pytest.fixture
def cloud() -> Iterator[CloudSimulator]:
    """The same one-inverter cloud as the tray's other end-to-end tests."""
    with hybrid_cloud() as sim:
        yield sim


def dutch(message: str) -> str:
    i18n.set_language(LANGUAGE)
    try:
        return i18n._(message)
    finally:
        i18n.reset()


def _start_dutch(desktop: Desktop, cloud: CloudSimulator) -> AppProcess:
    settings_file = Path(desktop.env["XDG_CONFIG_HOME"]) / APP_NAME / SETTINGS_FILE
    SettingsStore(settings_file).save(Settings(poll_interval_s=60))
    env = dict(desktop.env, SOLAXTRAY_TOKEN=DEMO_TOKEN, LANGUAGE=LANGUAGE, LANG="C.UTF-8")
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return desktop.start_app("--api-url", cloud.v1_url, "--sn", SN, env=env)


def test_the_tray_app_and_its_fault_notification_speak_dutch(
    desktop: Desktop, cloud: CloudSimulator
) -> None:
    app = _start_dutch(desktop, cloud)
    service = desktop.wait_registered(app)["service"]
    _wait_answers(cloud, 1, app)

    refresh = dutch("Refresh now")
    assert refresh != "Refresh now"
    labels = [label for _id, label in desktop.menu_items(service)]
    assert any(label.startswith(refresh) for label in labels), labels
    assert not any(label.startswith("Refresh now") for label in labels), labels

    deadline = time.monotonic() + 10.0
    tooltip = ""
    while time.monotonic() < deadline:
        tooltip = desktop.item_properties(service)["ToolTip"][2]
        if " vandaag" in tooltip:
            break
        time.sleep(0.1)
    assert dutch("{energy} today").replace("{energy}", "") in tooltip, tooltip
    assert " today" not in tooltip, tooltip
    # Dutch decimal commas: "12,3 kWh", never "12.3 kWh".
    assert re.search(r"\d,\d kWh", tooltip), tooltip
    assert not re.search(r"\d\.\d kWh", tooltip), tooltip

    cloud.script_status(SN, [(0.0, FAULT)])
    _wait_next_upload(cloud)
    answered = len(_answered(cloud))
    desktop.click_menu(service, refresh)
    _wait_answers(cloud, answered + 1, app)
    desktop.wait_for(
        lambda evs: any(e["event"] == "notify" for e in evs), 25.0, "fault notification", app
    )
    notes = _notifications(desktop)
    assert len(notes) == 1, notes
    summary, body = notes[0]["summary"], notes[0]["body"]
    fault_mode = dutch("Fault Mode")
    assert fault_mode != "Fault Mode"
    assert summary.startswith(f"{fault_mode} — "), summary
    at = dutch("The inverter SN {sn} reports {status} (code {code}) at {time} plant time.")
    opening = at.split("{time}")[0].format(sn=SN, status=fault_mode, code=FAULT)
    assert opening in body, body
    assert "Fault Mode" not in f"{summary} {body}"
    if app.proc.poll() is not None:
        raise DesktopError(app.output())
