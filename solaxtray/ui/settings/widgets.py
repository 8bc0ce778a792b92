"""What every settings panel uses to name its controls: a visible label that is the control's
buddy, and an accessible name on every control (screen readers read it, and a test checks it)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QBoxLayout,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)


def label_for(
    widget: QWidget, text: str, accessible_name: str, layout: QBoxLayout | None = None
) -> QLabel:
    """A visible label that names ``widget`` (its buddy: the mnemonic focuses it) and the same
    name for screen readers: a placeholder alone disappears as soon as something is typed."""
    label = QLabel(text, widget.parentWidget())
    label.setBuddy(widget)
    if accessible_name:
        widget.setAccessibleName(accessible_name)
    if layout is not None:
        layout.addWidget(label)
    return label


def name_controls(root: QWidget) -> None:
    """Give every button its text as accessible name, and the line edit inside an editable
    combo box or a spin box the name of its owner; the other controls are named where built."""
    for button in root.findChildren(QAbstractButton):
        if not button.accessibleName():
            button.setAccessibleName(button.text().replace("&", "").strip())
    for edit in root.findChildren(QLineEdit):
        owner = edit.parentWidget()
        if not edit.accessibleName() and isinstance(owner, QComboBox | QAbstractSpinBox):
            edit.setAccessibleName(owner.accessibleName())
    for combo in root.findChildren(QComboBox):
        # The drop-down list is a control of its own for a screen reader.
        if not combo.view().accessibleName():
            combo.view().setAccessibleName(combo.accessibleName())


INTERACTIVE_TYPES: tuple[type[QWidget], ...] = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
)
"""The kinds of control that must each carry an accessible name."""
