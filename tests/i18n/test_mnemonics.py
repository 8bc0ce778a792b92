"""Keyboard mnemonics of the settings window: in every language and for each API's view, no two
visible labels or buttons share a letter (Alt+letter would reach only one of them)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from solaxtray.core import i18n, paths
from solaxtray.core.autostart import XdgAutostart
from solaxtray.core.clock import SystemClock
from solaxtray.core.settings import Settings, SettingsStore
from solaxtray.ui.settings import SettingsDialog

pytestmark = pytest.mark.gui


def _text(widget: QWidget) -> str:
    if isinstance(widget, QGroupBox):
        return widget.title()
    assert isinstance(widget, QLabel | QAbstractButton)
    return widget.text()


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Each mnemonic key of the widgets shown in ``root`` and the texts that carry it."""
    found: dict[str, list[str]] = {}
    widgets: list[QWidget] = [
        *root.findChildren(QLabel),
        *root.findChildren(QAbstractButton),
        *root.findChildren(QGroupBox),
    ]
    for widget in widgets:
        if not widget.isVisibleTo(root):
            continue
        text = _text(widget)
        key = QKeySequence.mnemonic(text)
        if not key.isEmpty():
            found.setdefault(key.toString(), []).append(text)
    return found


def test_the_clash_finder_finds_a_clash(qtbot: Any) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    QLabel("Se&rver:", root)
    QLabel("Add a &registration number:", root)
    QLabel("&Watched dongles:", root)
    assert mnemonics(root) == {
        "Alt+R": ["Se&rver:", "Add a &registration number:"],
        "Alt+W": ["&Watched dongles:"],
    }


@pytest.mark.parametrize("backend", ["token", "developer"])
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_two_visible_controls_share_a_mnemonic(qtbot: Any, lang: str, backend: str) -> None:
    i18n.set_language(lang)
    dialog = SettingsDialog(
        Settings(backend=backend),
        store=SettingsStore(paths.settings_path()),
        clock=SystemClock(),
        autostart=XdgAutostart(command=["solaxtray"]),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    found = mnemonics(dialog)
    assert len(found) >= 6, found
    clashes = {key: texts for key, texts in found.items() if len(texts) > 1}
    assert clashes == {}
