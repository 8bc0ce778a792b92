"""One translation mechanism for the core and the UI: GNU gettext catalogs. Qt-free.

Use::

    from solaxtray.core.i18n import N_, _, ngettext

    _("Token rejected")                                   # a whole sentence, translated now
    _("Serial {sn} is not bound to this token.").format(sn=sn)
    ngettext("{n} inverter", "{n} inverters", n).format(n=n)

Why this shape:

- **Translated when used, never at import.** ``_`` looks the message up in the catalog of the
  language in force *at the call*. The language is chosen at start (``--lang``, the ``language``
  setting, the OS) after most modules are imported, so a sentence kept in a module-level
  constant would be frozen in English. Module-level and class-level texts are therefore only
  *marked* with :func:`N_` (which returns the English text unchanged, and which the extractor
  finds) and passed through :func:`_` where they are shown: ``_(ERROR_TITLE)``. Error titles work
  this way (:class:`solaxtray.core.errors.SolaxTrayError`).
- **Resolved lazily.** Until :func:`set_language` is called, the first lookup picks the language
  from the environment (``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``), so a library caller that
  never chooses still gets the user's language.
- **Catalogs are package data** (``solaxtray/locale/<lang>/LC_MESSAGES/solaxtray.mo``), compiled
  from the ``.po`` sources by ``scripts/i18n.py compile`` and committed, so a source checkout, an
  editable install, a wheel and the frozen app all carry the same files without a build step;
  a test checks the ``.mo`` files match their ``.po`` sources.
- **Unknown languages fall back to English** with one debug line per choice, never a warning:
  most people on an unsupported language run it on purpose. Only the command line says one line
  when ``--lang`` names a language by hand that has no catalog (``cli.entry``).
"""

from __future__ import annotations

import gettext as _gettext
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

DOMAIN = "solaxtray"
SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "de", "nl", "pl", "cs", "it", "es", "fr", "pt")
"""Every language the app speaks: English (the source) and the eight catalogs."""

LANGUAGE_NAMES: Mapping[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "nl": "Nederlands",
    "pl": "Polski",
    "cs": "Čeština",
    "it": "Italiano",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
}
"""Each language in its own words, as a language menu lists them (never translated)."""

ENV_VARIABLES: tuple[str, ...] = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
"""The order GNU gettext (and Python's ``gettext``) reads the language from the environment."""

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_lock = threading.Lock()


class _State:
    """The language in force, shared by every thread (replaced whole under the lock)."""

    language: str | None = None
    translations: _gettext.NullTranslations | None = None
    explicit = False


_state = _State()


def N_(message: str) -> str:  # noqa: N802 - the name every gettext extractor knows
    """Mark ``message`` for translation without translating it (for constants): pass the value
    through :func:`_` where it is shown."""
    return message


def normalize_language(tag: str | None) -> str | None:
    """The supported language a locale or language tag names, or None.

    ``pt_BR.UTF-8`` → ``pt``, ``de-AT`` → ``de``, ``C``/``POSIX`` → ``en`` (the C locale is
    English), ``fr@euro`` → ``fr``, ``eo`` → None.
    """
    if not tag:
        return None
    text = tag.strip()
    if text.upper() in {"C", "POSIX"} or text.upper().startswith(("C.", "POSIX.")):
        return SOURCE_LANGUAGE
    base = text.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def languages_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """The language tags the environment asks for, most preferred first, in GNU gettext's order:
    the first set variable of ``LANGUAGE`` (a colon list), ``LC_ALL``, ``LC_MESSAGES``, ``LANG``."""
    env = os.environ if environ is None else environ
    for name in ENV_VARIABLES:
        value = env.get(name, "")
        if value:
            return [part for part in value.split(":") if part]
    return []


def choose_language(
    cli: str | None = None,
    setting: str | None = None,
    preferred: Iterable[str] = (),
) -> str:
    """The language to speak: ``--lang``, then the ``language`` setting, then the first supported
    entry of the user's preferred languages (the environment on Linux, ``QLocale.uiLanguages()``
    in the app on macOS and Windows), else English.

    An explicit choice (flag or setting) that is not a supported language means English; in the
    OS list an unsupported entry is skipped for the next one, as gettext does.
    """
    for source, value in (("--lang", cli), ("the language setting", setting)):
        if value:
            found = normalize_language(value)
            if found is None:
                logger.debug("Language %r from %s is not available; using English", value, source)
                return SOURCE_LANGUAGE
            return found
    wanted = list(preferred)
    for tag in wanted:
        found = normalize_language(tag)
        if found is not None:
            return found
    if wanted:
        logger.debug("None of the languages %r is available; using English", wanted[:8])
    return SOURCE_LANGUAGE


def catalog_path(language: str, locale_dir: Path | None = None) -> Path:
    """Where the compiled catalog of ``language`` lives."""
    return (locale_dir or LOCALE_DIR) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def load_translations(language: str, locale_dir: Path | None = None) -> _gettext.NullTranslations:
    """The catalog of ``language``; English (no translation) for the source language or a
    missing or damaged catalog."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    path = catalog_path(language, locale_dir)
    try:
        with path.open("rb") as fp:
            return _gettext.GNUTranslations(fp)
    except (OSError, ValueError) as exc:
        logger.debug("No usable catalog for %s at %s (%s); using English", language, path, exc)
        return _gettext.NullTranslations()


def set_language(language: str | None, locale_dir: Path | None = None) -> str:
    """Speak ``language`` from now on (``None``: follow the environment). Returns the language
    actually in force (English when the choice is unknown)."""
    chosen = (
        choose_language(cli=language)
        if language
        else choose_language(preferred=languages_from_env())
    )
    translations = load_translations(chosen, locale_dir)
    with _lock:
        _state.language, _state.translations = chosen, translations
    return chosen


def configure(
    cli: str | None = None,
    setting: str | None = None,
    preferred: Iterable[str] | None = None,
    locale_dir: Path | None = None,
) -> str:
    """Choose the language at start (:func:`choose_language`; ``preferred`` defaults to the
    environment's list) and speak it. Returns the language in force."""
    wanted = languages_from_env() if preferred is None else list(preferred)
    chosen = choose_language(cli=cli, setting=setting, preferred=wanted)
    language = set_language(chosen, locale_dir)
    _state.explicit = bool(cli or setting)
    return language


def reset() -> None:
    """Forget the choice: the next lookup picks the language from the environment again."""
    with _lock:
        _state.language, _state.translations, _state.explicit = None, None, False


def chosen_explicitly() -> bool:
    """Whether ``--lang`` or the setting chose the language (then the OS's list must not)."""
    return _state.explicit


def current_language() -> str:
    """The language in force (chosen from the environment on first use)."""
    _active()
    assert _state.language is not None
    return _state.language


def _active() -> _gettext.NullTranslations:
    translations = _state.translations
    if translations is None:
        set_language(None)
        translations = _state.translations
        assert translations is not None
    return translations


def _(message: str) -> str:
    """``message`` in the language in force."""
    return _active().gettext(message)


def gettext(message: str) -> str:
    """The same as :func:`_`, under its long name (argparse is handed this one)."""
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence for the number ``n``, by the language's own plural rule (Polish and
    Czech have three forms). Put the number in with ``.format(n=n)``."""
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context``: one English word with two uses (a heading and a
    column title, say) gets a translation for each (``msgctxt`` in the catalogs)."""
    return _active().pgettext(context, message)


def install_argparse() -> None:
    """Let argparse's own words ("usage:", "options", its error sentences) come from our catalog:
    argparse looks ``_``/``ngettext`` up in its module globals on every use."""
    import argparse

    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def available_languages(locale_dir: Path | None = None) -> Sequence[str]:
    """The languages with a compiled catalog, and English."""
    base = locale_dir or LOCALE_DIR
    return [SOURCE_LANGUAGE] + [
        lang for lang in LANGUAGES[1:] if catalog_path(lang, base).is_file()
    ]
