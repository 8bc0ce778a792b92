"""Keep the translation catalogs in step with the source (needs Babel: the ``dev`` extra).

    python scripts/i18n.py extract   # the source's messages -> solaxtray/locale/solaxtray.pot
    python scripts/i18n.py update    # the template merged into every <lang>/LC_MESSAGES/solaxtray.po
    python scripts/i18n.py compile   # every .po -> its .mo (committed; tests check they match)
    python scripts/i18n.py check     # untranslated, fuzzy and broken entries per language
    python scripts/i18n.py init LANG # a new language's .po (add LANG to core/i18n.py LANGUAGES)

Messages are whatever the code wraps in ``_()``, ``N_()``, ``ngettext()`` or ``pgettext()`` (Babel's default
keywords), plus argparse's own words listed in ``solaxtray/core/argparse_words.py``. The ``.mo``
files are committed rather than built by setuptools, so a source checkout, an editable install,
``pip install .`` and PyInstaller all find the same catalogs with no build step.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from babel.messages.catalog import Catalog, Message  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from solaxtray import __version__  # noqa: E402
from solaxtray.core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

PACKAGE_DIR = REPO_ROOT / "solaxtray"
POT_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
METHOD_MAP = [("**/simulator/**.py", "ignore"), ("**.py", "python")]
"""The simulator's texts are the fake cloud's words, not ours: never extracted."""

PLURAL_FORMS: dict[str, tuple[int, str]] = {
    "de": (2, "(n != 1)"),
    "nl": (2, "(n != 1)"),
    "it": (2, "(n != 1)"),
    "es": (2, "(n != 1)"),
    "fr": (2, "(n > 1)"),
    "pt": (2, "(n > 1)"),
    "pl": (3, "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "cs": (3, "(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2"),
}
"""GNU gettext's rules: one, few and many for Polish and Czech; French and Brazilian Portuguese
treat zero as singular. (Babel's own table adds CLDR's "millions" form for the Romance languages,
which gettext tools and translators do not expect.)"""


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract_catalog() -> Catalog:
    """Every message the source marks, with the files (not lines) it comes from."""
    catalog = Catalog(
        project="solaxtray",
        version=__version__,
        msgid_bugs_address="https://github.com/solaxtray/solaxtray/issues",
        copyright_holder="solaxtray developers",
        charset="utf-8",
        creation_date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), METHOD_MAP, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        location = (f"solaxtray/{Path(filename).as_posix()}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def _write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, sort_by_file=False, sort_output=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = buffer.getvalue()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
        print(f"wrote {path.relative_to(REPO_ROOT)}")


def extract() -> Catalog:
    catalog = extract_catalog()
    _write(POT_PATH, catalog)
    print(f"{len(catalog)} messages")
    return catalog


def header(language: str) -> str:
    """A new ``.po`` file's header, with the language's plural rule."""
    count, rule = PLURAL_FORMS[language]
    return (
        "# Translations of solaxtray.\n"
        "# This file is distributed under the same license as the solaxtray project.\n"
        "#\n"
        'msgid ""\n'
        'msgstr ""\n'
        f'"Project-Id-Version: solaxtray {__version__}\\n"\n'
        '"Report-Msgid-Bugs-To: https://github.com/solaxtray/solaxtray/issues\\n"\n'
        '"POT-Creation-Date: 2026-01-01 00:00+0000\\n"\n'
        '"PO-Revision-Date: 2026-01-01 00:00+0000\\n"\n'
        '"Last-Translator: \\n"\n'
        f'"Language-Team: {language}\\n"\n'
        f'"Language: {language}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: nplurals={count}; plural={rule};\\n"\n'
    )


def init(language: str) -> None:
    path = po_path(language)
    if path.exists():
        raise SystemExit(f"{path} exists already; run 'update'")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header(language), encoding="utf-8")
    update([language])


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, abort_invalid=True)


def update(languages: list[str] | None = None) -> None:
    """Merge the template into each ``.po``: new messages arrive empty, gone ones are dropped
    (never kept as obsolete "#~" entries, which only confuse a translator), and no fuzzy guess is
    made: a near-match guessed by the merge would be shipped untranslated as a wrong sentence."""
    template = extract_catalog()
    _write(POT_PATH, template)
    for language in languages or list(LANGUAGES[1:]):
        path = po_path(language)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(header(language), encoding="utf-8")
        catalog = read_catalog(path)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.revision_date = datetime(2026, 1, 1, tzinfo=UTC)
        catalog.creation_date = datetime(2026, 1, 1, tzinfo=UTC)
        _write(path, catalog)


def complete(message: Message) -> bool:
    """Whether every form of the message is translated."""
    if isinstance(message.string, list | tuple):
        return all(message.string)
    return bool(message.string)


def compile_catalogs() -> None:
    for language in LANGUAGES[1:]:
        path = po_path(language)
        if not path.exists():
            continue
        catalog = read_catalog(path)
        for message in list(catalog):
            if message.id and not complete(message):
                # Babel would write an untranslated plural as empty strings, which gettext then
                # returns: left out, the English text shows instead.
                catalog.delete(message.id, context=message.context)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        target = mo_path(language)
        if not target.exists() or target.read_bytes() != buffer.getvalue():
            target.write_bytes(buffer.getvalue())
            print(f"wrote {target.relative_to(REPO_ROOT)}")


def check() -> int:
    """Print untranslated and fuzzy counts and Babel's checker errors; 1 when any."""
    bad = 0
    for language in LANGUAGES[1:]:
        catalog = read_catalog(po_path(language))
        messages = [m for m in catalog if m.id]
        untranslated = [m for m in messages if not complete(m)]
        fuzzy = [m for m in messages if m.fuzzy]
        errors = [(m, errs) for m, errs in catalog.check() if errs]
        print(
            f"{language}: {len(messages)} messages, {len(untranslated)} untranslated, "
            f"{len(fuzzy)} fuzzy, {len(errors)} with errors"
        )
        for message, errs in errors:
            for err in errs:
                print(f"  {message.id!r}: {err}")
        bad += len(untranslated) + len(fuzzy) + len(errors)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["extract", "update", "compile", "check", "init"])
    parser.add_argument("language", nargs="?", help="for init: the new language's code")
    args = parser.parse_args(argv)
    if args.action == "extract":
        extract()
    elif args.action == "update":
        update()
    elif args.action == "compile":
        compile_catalogs()
    elif args.action == "check":
        return check()
    else:
        if not args.language:
            parser.error("init needs a language code")
        init(args.language)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
