"""The language on the Qt side: the settings dialog's language choice, Qt's own catalog for the
standard buttons, and widgets built in the chosen language."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from solaxtray.core import i18n, paths
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import SystemClock
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.ui import language
from solaxtray.ui.settings import SettingsDialog

WAIT_MS = 15_000


def _dialog(qtbot: Any, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(
        settings or Settings(),
        store=SettingsStore(paths.settings_path()),
        clock=SystemClock(),
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    return dialog


def test_the_dialog_offers_every_language_and_saves_the_choice(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    combo = dialog.startup.language_combo
    assert combo.accessibleName() == "Language"
    assert combo.currentData() == ""
    assert combo.itemText(0) == "System language"
    assert [combo.itemData(i) for i in range(1, combo.count())] == list(i18n.LANGUAGES)
    assert "Deutsch" in [combo.itemText(i) for i in range(combo.count())]
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS) as got:
        combo.setCurrentIndex(combo.findData("pl"))
        combo.activated.emit(combo.currentIndex())
    assert got.args[0].language == "pl"
    loaded, _warning = SettingsStore(paths.settings_path()).load()
    assert loaded.language == "pl"


def test_the_dialog_shows_the_saved_language(qtbot: Any) -> None:
    dialog = _dialog(qtbot, Settings(language="cs"))
    assert dialog.startup.language_combo.currentData() == "cs"


def test_qts_own_buttons_follow_the_language(qtbot: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QCoreApplication)
    translator = language.install_qt_translator(app, "de")
    try:
        assert translator is not None
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        button = box.button(QDialogButtonBox.StandardButton.Cancel)
        assert button is not None
        assert button.text().replace("&", "") == "Abbrechen"
    finally:
        if translator is not None:
            app.removeTranslator(translator)


def test_english_needs_no_qt_catalog(qtbot: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QCoreApplication)
    assert language.install_qt_translator(app, "en") is None


@pytest.mark.parametrize(("qt_name", "lang"), [("pt", "qtbase_pt_BR"), ("de", "qtbase_de")])
def test_qt_catalog_names(qt_name: str, lang: str) -> None:
    assert f"qtbase_{language.QT_CATALOG_NAMES.get(qt_name, qt_name)}" == lang


def test_the_app_follows_the_environment_unless_a_choice_was_made(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QCoreApplication)
    monkeypatch.setenv("LANGUAGE", "nl")
    translator = language.apply_language(app)
    try:
        assert i18n.current_language() == "nl"
    finally:
        if translator is not None:
            app.removeTranslator(translator)
    i18n.configure(cli="de")
    translator = language.apply_language(app)
    try:
        assert i18n.current_language() == "de"
    finally:
        if translator is not None:
            app.removeTranslator(translator)
