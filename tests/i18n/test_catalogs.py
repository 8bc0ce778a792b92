"""The translation catalogs: in step with the source, compiled, without fuzzy entries, with every
placeholder kept and the right plural forms. Needs Babel (the ``dev`` extra).

Run ``python scripts/i18n.py update`` after changing a user-facing sentence, and
``python scripts/i18n.py compile`` after editing a ``.po`` file; these tests say which is missing.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

pytest.importorskip("babel")

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo

from scripts import i18n as tool
from solaxtray.core import i18n

TRANSLATED = i18n.LANGUAGES[1:]
EXPECTED_PLURALS = {"de": 2, "nl": 2, "it": 2, "es": 2, "fr": 2, "pt": 2, "pl": 3, "cs": 3}
"""How many plural forms each language has (Polish and Czech: one, few, many)."""
PLURAL_SAMPLES = {
    "de": {0: 1, 1: 0, 2: 1, 5: 1},
    "nl": {0: 1, 1: 0, 2: 1},
    "it": {0: 1, 1: 0, 2: 1},
    "es": {0: 1, 1: 0, 2: 1},
    "fr": {0: 0, 1: 0, 2: 1, 100: 1},
    "pt": {0: 0, 1: 0, 2: 1},
    "pl": {1: 0, 2: 1, 4: 1, 5: 2, 12: 2, 14: 2, 22: 1, 25: 2, 101: 2, 104: 1, 112: 2},
    "cs": {1: 0, 2: 1, 4: 1, 5: 2, 22: 2, 0: 2},
}
BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}(?!\})")
PERCENT = re.compile(r"%(?:\(([A-Za-z_]+)\))?[-#0 +]*\d*(?:\.\d+)?[sdrfgi%]")


@pytest.fixture(scope="module")
def fresh() -> Catalog:
    """The messages the source marks today."""
    return tool.extract_catalog()


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {lang: tool.read_catalog(tool.po_path(lang)) for lang in TRANSLATED}


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """The ``{name}`` and ``%(name)s``/``%s`` placeholders of a text, sorted."""
    return sorted(BRACE.findall(text)), sorted(
        m.group(0) for m in PERCENT.finditer(text) if m.group(0) != "%%"
    )


def test_every_language_has_its_catalog() -> None:
    for lang in TRANSLATED:
        assert tool.po_path(lang).is_file(), f"run: python scripts/i18n.py init {lang}"
        assert tool.mo_path(lang).is_file(), "run: python scripts/i18n.py compile"


def test_the_template_holds_every_message_of_the_source(fresh: Catalog) -> None:
    template = tool.read_catalog(tool.POT_PATH)
    missing = _ids(fresh) - _ids(template)
    assert not missing, (
        f"run 'python scripts/i18n.py update'; new messages: {sorted(map(str, missing))[:10]}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalog_holds_every_message_of_the_source(
    fresh: Catalog, catalogs: dict[str, Catalog], lang: str
) -> None:
    """No sentence can reach users without a place in every catalog."""
    catalog = catalogs[lang]
    missing = _ids(fresh) - _ids(catalog)
    assert not missing, (
        f"{lang}: run 'python scripts/i18n.py update'; missing: {sorted(map(str, missing))[:10]}"
    )
    gone = _ids(catalog) - _ids(fresh)
    assert not gone, f"{lang}: messages the source no longer has: {sorted(map(str, gone))[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_header_names_the_language_and_its_plural_rule(
    catalogs: dict[str, Catalog], lang: str
) -> None:
    catalog = catalogs[lang]
    header = dict(catalog.mime_headers)
    assert header["Language"] == lang
    assert "charset=utf-8" in header["Content-Type"].lower()
    assert catalog.num_plurals == EXPECTED_PLURALS[lang]
    expr = header["Plural-Forms"].split("plural=", 1)[1].rstrip(";")
    rule = gettext.c2py(expr)
    assert {n: rule(n) for n in PLURAL_SAMPLES[lang]} == PLURAL_SAMPLES[lang]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_fuzzy_or_broken_entries(catalogs: dict[str, Catalog], lang: str) -> None:
    """A fuzzy entry is left out of the compiled catalog: its sentence would silently show in
    English. Babel's checks cover python-format placeholders and the number of plural forms."""
    catalog = catalogs[lang]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy entries: {fuzzy[:10]}"
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check() if errs]
    assert not errors, f"{lang}: {errors[:10]}"
    for message in catalog:
        if message.id and message.pluralizable:
            assert isinstance(message.string, tuple | list), message.id
            assert len(message.string) == EXPECTED_PLURALS[lang], message.id


def _forms(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs to compare: each plural form against the plural source, the
    first also against the singular (a language may use form 0 for one only)."""
    if not message.pluralizable:
        return [(str(message.id), str(message.string))] if message.string else []
    assert isinstance(message.id, tuple | list)
    assert isinstance(message.string, tuple | list)
    return [(str(message.id[1]), form) for form in message.string if form]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_kept(catalogs: dict[str, Catalog], lang: str) -> None:
    """``{power}`` in the source is ``{power}`` in the translation, no more and no fewer: a
    missing one loses a value, an unknown one crashes ``str.format``."""
    bad = []
    for message in catalogs[lang]:
        if not message.id:
            continue
        for index, (source, translation) in enumerate(_forms(message)):
            want = placeholders(source)
            got = placeholders(translation)
            if got == want:
                continue
            if message.pluralizable and index == 0:
                singular = placeholders(str(message.id[0]))
                if got == singular or (set(got[0]) <= set(want[0]) and got[1] == want[1]):
                    continue
            bad.append((message.id, translation))
    assert not bad, f"{lang}: placeholders changed in {bad[:5]}"


def test_the_placeholder_check_can_fail() -> None:
    assert placeholders("{power} at {time:%H}") == (["power", "time"], [])
    assert placeholders("%(prog)s: error: %(message)s\n") == ([], ["%(message)s", "%(prog)s"])
    assert placeholders("{{literal}} 100 %") == ([], [])
    assert placeholders("{leistung}") != placeholders("{power}")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(catalogs: dict[str, Catalog], lang: str) -> None:
    """The committed ``.mo`` is the ``.po`` compiled (run ``python scripts/i18n.py compile``)."""
    with tool.mo_path(lang).open("rb") as fp:
        compiled = read_mo(fp)
    source = catalogs[lang]

    def entries(catalog: Catalog) -> dict[object, object]:
        return {
            tuple(m.id) if isinstance(m.id, list | tuple) else m.id: (
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string
            )
            for m in catalog
            if m.id and tool.complete(m) and not m.fuzzy
        }

    assert entries(compiled) == entries(source)
    with tool.mo_path(lang).open("rb") as fp:
        assert isinstance(gettext.GNUTranslations(fp), gettext.GNUTranslations)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_an_untranslated_plural_shows_english_not_an_empty_text(
    catalogs: dict[str, Catalog], lang: str
) -> None:
    """Babel compiles an untranslated plural to empty strings, which gettext would show."""
    i18n.set_language(lang)
    for message in catalogs[lang]:
        if message.pluralizable and not tool.complete(message):
            singular, plural = (str(x) for x in message.id)
            assert i18n.ngettext(singular, plural, 1) == singular
            assert i18n.ngettext(singular, plural, 5) == plural


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalog_is_complete(catalogs: dict[str, Catalog], lang: str) -> None:
    untranslated = [m.id for m in catalogs[lang] if m.id and not tool.complete(m)]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"


GLOSSARY_TERMS = (
    "EPS",
    "inverter",
    "registration number",
    "feed-in",
    "self-consumption",
    "autarky",
    "yield",
    "battery",
    "grid",
    "fault",
)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_language_has_a_glossary_with_the_fixed_terms(lang: str) -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "glossary" / f"{lang}.md"
    text = path.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("|")}
    missing = [term for term in GLOSSARY_TERMS if term not in rows]
    assert not missing, f"{path}: no row for {missing}"


def test_the_self_test_fails_without_the_catalogs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from solaxtray.selftest import Level, check_translations

    assert [r.level for r in check_translations()] == [Level.OK]
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    results = list(check_translations())
    assert [r.level for r in results] == [Level.FAIL]
    assert "no catalog" in results[0].line()
