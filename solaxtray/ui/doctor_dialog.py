"""The "Check set-up" window: the doctor's checks (``solaxtray.core.doctor``), run off the GUI
thread, listed with their mark (✓, ⚠, ✗: shape as well as colour), sentence and fix."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from solaxtray.core.doctor import CheckResult, Status
from solaxtray.core.errors import SolaxTrayError
from solaxtray.core.i18n import N_, _
from solaxtray.ui.background import BackgroundCaller

logger = logging.getLogger(__name__)

RUN_TIMEOUT_S = 180.0
"""Ten requests at their time limit plus the keyring's: the run cannot take longer than this."""
_COLOURS = {Status.OK: "#2e7d32", Status.WARN: "#b26a00", Status.FAIL: "#c62828"}
_WORDS = {Status.OK: N_("passed"), Status.WARN: N_("warning"), Status.FAIL: N_("failed")}
"""Marked for translation; translated where shown."""


class DoctorDialog(QDialog):
    """Runs ``run`` on a worker thread when shown (and on "Run again") and lists the results."""

    def __init__(
        self, run: Callable[[], Sequence[CheckResult]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Check set-up"))
        self.setObjectName("solaxtray-doctor")
        self._run = run
        self._caller = BackgroundCaller(self)
        self.results: list[CheckResult] = []

        layout = QVBoxLayout(self)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Check summary"))
        layout.addWidget(self.summary)

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["", _("Check"), _("Finding and fix")])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAccessibleName(_("Set-up checks"))
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.tree, 1)

        self.run_button = QPushButton(_("Run again"), self)
        self.run_button.setAccessibleName(_("Run the set-up checks again"))
        self.run_button.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 560)  # fits a 1366x768 screen with the panel and title bar

    @property
    def running(self) -> bool:
        return self._caller.busy

    def start(self) -> None:
        """Run the checks (again) off the GUI thread; the list is replaced when they end."""
        if self._caller.busy:
            return
        self.run_button.setEnabled(False)
        self.summary.setText(_("Checking the set-up (at most 10 requests to SolaX Cloud)…"))
        self._caller.call(
            self._run, self._finished, timeout_s=RUN_TIMEOUT_S, name="solaxtray-doctor"
        )

    def _finished(self, result: object, error: BaseException | None) -> None:
        self.run_button.setEnabled(True)
        if error is not None:
            logger.info("set-up check stopped: %s", type(error).__name__)
            text = (
                error.message
                if isinstance(error, SolaxTrayError)
                else _("The checks stopped unexpectedly.")
            )
            self.summary.setText(_("The set-up could not be checked: {text}").format(text=text))
            return
        assert isinstance(result, list | tuple)
        self.show_results([r for r in result if isinstance(r, CheckResult)])

    def show_results(self, results: Sequence[CheckResult]) -> None:
        """Every result is kept (``results``, and the counts); the list shows the serial numbers
        past the first few summed up in one row, as the command line does: thousands of rows
        would hide the one that failed."""
        from solaxtray.core.doctor.serials import summarise_serials

        self.results = list(results)
        self.tree.clear()
        for r in summarise_serials(self.results):
            text = (
                r.message
                if r.status is Status.OK or not r.fix
                else _("{message}\nFix: {fix}").format(message=r.message, fix=r.fix)
            )
            item = QTreeWidgetItem([r.symbol, r.title, text])
            item.setForeground(0, QBrush(QColor(_COLOURS[r.status])))
            item.setToolTip(0, _(_WORDS[r.status]))
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, _(_WORDS[r.status]))
            item.setToolTip(2, text)
            self.tree.addTopLevelItem(item)
        failed = sum(r.status is Status.FAIL for r in self.results)
        warned = sum(r.status is Status.WARN for r in self.results)
        passed = len(self.results) - failed - warned
        self.summary.setText(
            _("{count} checks: {passed} passed, {warned} with a warning, {failed} failed.").format(
                count=len(self.results), passed=passed, warned=warned, failed=failed
            )
        )

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.results and not self._caller.busy:
            self.start()
