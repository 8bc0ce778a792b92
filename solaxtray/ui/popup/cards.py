"""The popup's small parts: labelled figure tiles, disclosures, and one card per inverter.

They show texts decided in :mod:`solaxtray.core.dashboard`; a live update only sets label texts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.dashboard import DETAIL_KEYS, FIELDS, Card, Tile
from solaxtray.core.i18n import _
from solaxtray.ui.icon import STATE_COLOURS

FOCUS_STYLE = (
    "QToolButton:focus, QPushButton:focus, QRadioButton:focus "
    "{ outline: 2px solid palette(highlight); border: 2px solid palette(highlight);"
    " border-radius: 3px; }"
)
"""Qt's default focus cue on some styles is a faint dotted line; this one is always visible."""


def small(label: QLabel, factor: float = 0.85) -> QLabel:
    font = label.font()
    font.setPointSizeF(max(6.0, font.pointSizeF() * factor))
    label.setFont(font)
    return label


class TileWidget(QWidget):
    """One labelled figure: a small label, the value in bold, and an optional detail line."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tile-{key}")
        self.label = small(QLabel())
        self.label.setObjectName(f"tile-{key}.label")
        self.value = QLabel("—")
        self.value.setObjectName(f"tile-{key}.value")
        font = self.value.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.value.setFont(font)
        self.detail = small(QLabel())
        self.detail.setObjectName(f"tile-{key}.detail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.label)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_tile(self, tile: Tile) -> None:
        self.label.setText(tile.label)
        self.value.setText(tile.value)
        self.detail.setText(tile.detail)
        self.setToolTip(tile.tooltip)
        self.setAccessibleName(tile.spoken)
        self.value.setAccessibleName(tile.spoken)


class TileGrid(QWidget):
    """Tiles in rows of ``columns``, built once and refilled on every update."""

    def __init__(self, keys: tuple[str, ...], columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.tiles: dict[str, TileWidget] = {}
        for i, key in enumerate(keys):
            tile = TileWidget(key)
            grid.addWidget(tile, i // columns, i % columns)
            self.tiles[key] = tile
        for c in range(columns):
            grid.setColumnStretch(c, 1)

    def set_tiles(self, tiles: tuple[Tile, ...]) -> None:
        for tile in tiles:
            widget = self.tiles.get(tile.key)
            if widget is not None:
                widget.set_tile(tile)


class Disclosure(QWidget):
    """A titled section that opens and closes with its button (Space or Enter, or a click)."""

    def __init__(
        self, title: str, body: QWidget, *, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setObjectName(f"{name}-toggle")
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setArrowType(Qt.ArrowType.RightArrow)
        self.button.setAutoRaise(True)
        self.button.setAccessibleName(title)
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.button.setStyleSheet(FOCUS_STYLE)
        self.body = body
        body.setObjectName(name)
        body.hide()
        self.button.toggled.connect(self.set_open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(body)

    @property
    def is_open(self) -> bool:
        return self.button.isChecked()

    def set_open(self, open_: bool) -> None:
        if self.button.isChecked() != open_:
            self.button.setChecked(open_)  # comes back here through ``toggled``
            return
        self.button.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)
        self.button.setAccessibleDescription(_("expanded") if open_ else _("collapsed"))


class InverterCard(QFrame):
    """One inverter: status and since when, power, battery, today's yield and the data's age on
    the face; every field behind "Details"."""

    def __init__(self, sn: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sn = sn
        self.setObjectName(f"inverter-{sn}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(sn)
        self.title.setObjectName(f"{sn}.title")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.status = QLabel()
        self.status.setObjectName(f"{sn}.card-status")
        self.status.setWordWrap(True)
        self.power = QLabel()
        self.power.setObjectName(f"{sn}.card-power")
        self.battery = QLabel()
        self.battery.setObjectName(f"{sn}.card-battery")
        self.yield_today = QLabel()
        self.yield_today.setObjectName(f"{sn}.card-yield")
        self.age = QLabel()
        self.age.setObjectName(f"{sn}.card-age")
        self.problem = QLabel()
        self.problem.setObjectName(f"{sn}.card-problem")
        self.problem.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setObjectName(f"{sn}.card-notes")
        self.notes.setWordWrap(True)
        self.notes.setVisible(False)
        for label in (
            self.status,
            self.power,
            self.battery,
            self.yield_today,
            self.problem,
            self.notes,
        ):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        details = QWidget()
        self.form = QFormLayout(details)
        self.form.setContentsMargins(8, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}
        titles = dict(FIELDS)
        for key in DETAIL_KEYS:
            label = QLabel()
            label.setObjectName(f"{sn}.{key}")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(_(titles[key]), label)
            self.labels[key] = label
        self.details = Disclosure(_("Details"), details, name=f"{sn}.details")
        self.details.button.setAccessibleName(_("Details of {sn}").format(sn=sn))

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(small(self.age))
        row = QHBoxLayout()
        row.addWidget(self.power, 1)
        row.addWidget(self.yield_today)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(self.battery)
        layout.addWidget(self.problem)
        layout.addWidget(self.notes)
        layout.addWidget(self.details)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def set_card(self, card: Card, rows: dict[str, str | None], *, hide_problem: bool) -> None:
        self.title.setText(card.title)
        self.status.setText(card.status)
        colour = STATE_COLOURS[card.state]
        self.status.setStyleSheet(f"color: {colour};" if card.state.is_problem else "")
        self.power.setText(card.power)
        self.battery.setText(card.battery or "")
        self.battery.setVisible(card.battery is not None)
        self.yield_today.setText(card.yield_today)
        if card.age is not None:
            self.age.setText(_("updated {age}").format(age=card.age.relative))
            self.age.setToolTip(card.age.absolute)
            self.age.setAccessibleName(
                _("updated {age}, {time}").format(age=card.age.relative, time=card.age.absolute)
            )
        else:
            self.age.setText("")
            self.age.setToolTip("")
        show_problem = card.problem is not None and not hide_problem
        self.problem.setText(card.problem or "")
        self.problem.setVisible(show_problem)
        self.notes.setText("\n".join(card.notes))
        self.notes.setVisible(bool(card.notes))
        for key, label in self.labels.items():
            text = rows.get(key)
            if key == "problem" and hide_problem:
                text = None
            self.form.setRowVisible(label, text is not None)
            if text is not None and label.text() != text:
                label.setText(text)
        self.setAccessibleName(_("{title}: {status}").format(title=card.title, status=card.status))

    def field_text(self, key: str) -> str | None:
        label = self.labels.get(key)
        if label is None or not self.form.isRowVisible(label):
            return None
        return label.text()
