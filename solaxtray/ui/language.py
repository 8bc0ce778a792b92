"""The app's language on the Qt side: the user's preferred languages on macOS and Windows, and
Qt's own translations (``qtbase_<lang>.qm``) for the standard buttons and dialogs.

The words are chosen by :mod:`solaxtray.core.i18n` (one mechanism for core and UI); this module
only feeds it what Qt knows and installs Qt's catalog for the same language.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from solaxtray.core import i18n

logger = logging.getLogger(__name__)

QT_CATALOG_NAMES = {"pt": "pt_BR"}
"""Qt ships Brazilian Portuguese only; the other languages by their short code."""


def preferred_languages() -> list[str]:
    """The user's languages, most preferred first: the environment on Linux (as gettext reads
    it), the system's list of UI languages elsewhere (``QLocale.uiLanguages``)."""
    if sys.platform in ("darwin", "win32"):
        return [str(tag) for tag in QLocale.system().uiLanguages()]
    return i18n.languages_from_env()


def apply_language(app: QCoreApplication) -> QTranslator | None:
    """Speak the chosen language (``--lang`` or the setting, already applied), else the system's
    preferred one, and install Qt's own catalog for it. Returns the installed translator."""
    if not i18n.chosen_explicitly():
        i18n.configure(preferred=preferred_languages())
    return install_qt_translator(app, i18n.current_language())


def install_qt_translator(app: QCoreApplication, language: str) -> QTranslator | None:
    """Load ``qtbase_<language>.qm`` from Qt's translations folder into ``app``; None for
    English or when the file is missing (Qt then speaks English: no harm, one debug line)."""
    if language == i18n.SOURCE_LANGUAGE:
        return None
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    name = f"qtbase_{QT_CATALOG_NAMES.get(language, language)}"
    translator = QTranslator(app)
    if not translator.load(name, folder):
        logger.debug("Qt has no catalog %s in %s", name, folder)
        return None
    app.installTranslator(translator)
    return translator
