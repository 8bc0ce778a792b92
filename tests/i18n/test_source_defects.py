"""Sentences the translators could not translate well as the source had them: a machine id in the
catalog, labels outside it, counts without plural forms, numbers with English separators, and the
doctor's terminal lines built from English f-strings."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("babel")

from scripts import i18n as tool
from solaxtray.cli.doctor import print_checks
from solaxtray.core import i18n
from solaxtray.core.alerts import duration_words
from solaxtray.core.api.tokenid.serials import normalize_serial
from solaxtray.core.clock import FakeClock
from solaxtray.core.doctor.local import check_requests_today
from solaxtray.core.doctor.model import fail, ok, warn
from solaxtray.core.errors import ConfigError
from solaxtray.core.ledger import RequestLedger


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.reset()


@pytest.fixture(scope="module")
def template_ids() -> dict[str, object]:
    catalog = tool.extract_catalog()
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.id for m in catalog if m.id}


def test_check_ids_are_not_messages_and_folder_labels_are(template_ids: dict[str, object]) -> None:
    assert "writable-ledger" not in template_ids
    assert "Settings folder" in template_ids
    assert "Log folder" in template_ids


@pytest.mark.parametrize(
    "singular",
    [
        "That is {count} character long; a SolaX Cloud tokenId has 23 or 24 digits. "
        "Copy it from the API page of SolaX Cloud (the serial number goes elsewhere).",
        "The server address has {count} character; an address has at most {limit}.",
        "A serial number has {count} character; it was dropped.",
        "TLS: {count} CA certificate, {openssl}",
        "first day (default: {days} day before --to)",
        "{hours} hour",
        "self-test FAILED ({count} problem)",
        "{used} of {budget} request used in the last 24 hours. {own}",
    ],
)
def test_counted_sentences_have_plural_forms(
    template_ids: dict[str, object], singular: str
) -> None:
    assert isinstance(template_ids.get(singular), tuple), singular


def test_a_one_character_serial_is_one_character() -> None:
    i18n.set_language("en")
    with pytest.raises(ConfigError) as caught:
        normalize_serial("A")
    assert "has 1 character," in caught.value.message


def test_hours_are_a_plural_with_a_local_decimal_mark() -> None:
    i18n.set_language("cs")
    assert duration_words(5 * 3600) == "5,0 hodin"
    assert duration_words(3 * 3600) == "3,0 hodiny"


def test_the_request_count_uses_the_locale_grouping(tmp_path: Path) -> None:
    i18n.set_language("de")
    ledger = RequestLedger(tmp_path / "ledger.sqlite", clock=FakeClock(1_700_000_000.0))
    result = check_requests_today(ledger, 0, 3)
    assert "von 9.000 Anfragen" in result.message
    assert "9,000" not in result.message


def test_the_doctor_terminal_lines_are_translated() -> None:
    i18n.set_language("de")
    out = io.StringIO()
    print_checks(
        [
            ok("a", "A", "fine"),
            warn("b", "B", "hmm", "do this"),
            fail("c", "C", "bad", "do that"),
        ],
        out,
    )
    text = out.getvalue()
    assert "    Abhilfe: do this\n" in text
    assert "Fix:" not in text
    assert (
        i18n._("{count} checks: {passed} passed, {warned} with a warning, {failed} failed.").format(
            count=3, passed=1, warned=1, failed=1
        )
        in text
    )
    assert "3 checks" not in text


def test_the_self_test_keyring_line_is_a_message(template_ids: dict[str, object]) -> None:
    assert any(key.startswith("keyring: no secure store available here") for key in template_ids)


def test_no_message_for_power_flowing_into_the_panels(template_ids: dict[str, object]) -> None:
    """The panels only produce (a negative reading is drawn as its size towards the hub), so a
    sentence for power flowing to them would be a translator's wasted work."""
    from solaxtray.ui.flow import FlowValues, flow_arrows

    assert "{power} to pv" not in template_ids
    arrows = flow_arrows(FlowValues(pv=-500.0, home=500.0))
    assert [a.towards_hub for a in arrows if a.node.name == "PV"] == [True]


def test_the_usage_error_heading_has_its_own_context(capsys: pytest.CaptureFixture[str]) -> None:
    """ "Usage" as an error's heading is a message of its own (msgctxt "error title"), so that a
    translator can word it as a heading and a column called "Usage" as a column."""
    from solaxtray.cli import main

    catalog = tool.extract_catalog()
    usage = [m.context for m in catalog if m.id == "Usage"]
    assert usage == ["error title"]
    assert main(["--lang", "de", "history", "--demo", "--from", "2026-99-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(i18n.pgettext("error title", "Usage") + ": ")
    assert err.startswith("Aufruffehler: ")
