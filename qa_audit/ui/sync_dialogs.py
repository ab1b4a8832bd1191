"""Dialogs of working offline: the offer to keep a copy on this computer (made with
progress and cancel), syncing it with the team store, and resolving sync conflicts.

Each takes the service call as a function run off the GUI thread (`workers`), so the
dialogs know nothing of stores; `sync_status.SyncController` gives them their calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qa_audit.errors import UserError

from .errors import show_error
from .workers import Progress, Worker, run_in_background

if TYPE_CHECKING:
    from qa_audit.services.sync import CopyCreated, SyncConflict, SyncReport

_Index = QModelIndex | QPersistentModelIndex

KEEP_COPY_TEXT = ("Keep a copy of your records on this computer so that you can work "
                  "without the network: it holds only what you may see, and your password "
                  "protects it.")


def _state_label(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    return label


def _progress_bar(name: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setAccessibleName(name)
    bar.setRange(0, 0)  # busy until the first report says how much there is
    bar.setVisible(False)
    return bar


def _show_progress(bar: QProgressBar, done: int, total: int) -> None:
    bar.setMaximum(max(1, total))
    bar.setValue(min(done, max(1, total)))


class KeepCopyDialog(QDialog):
    """The offer to keep a copy on this computer; "Keep a copy" makes it in a worker with
    progress (Cancel stops it, and a stopped copy leaves no file behind). `declined` is
    True when the person said "Not now" (the choice is then remembered)."""

    def __init__(self, make: Callable[[Progress], CopyCreated], where: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self._worker: Worker | None = None
        self.created: CopyCreated | None = None
        self.declined = False
        self._cancelling = False
        self.setWindowTitle("Keep a copy on this computer?")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.explanation = QLabel(KEEP_COPY_TEXT)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.where = QLabel(where)
        self.where.setObjectName("subheading")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        self.progress = _progress_bar("Copy progress")
        layout.addWidget(self.progress)
        self.state = _state_label("Copy state")
        layout.addWidget(self.state)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox()
        self.keep = self.buttons.addButton("&Keep a copy", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep.setToolTip("Make the copy now; you can go on working when it is done")
        self.later = self.buttons.addButton("&Not now", QDialogButtonBox.ButtonRole.RejectRole)
        self.later.setToolTip("No copy for now; File → Keep a copy on this computer makes "
                              "one later")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.keep.setFocus()

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        if self.running:
            return
        self.keep.setEnabled(False)
        self.later.setText("&Cancel")
        self.later.setToolTip("Stop: no copy is left behind")
        self.progress.setVisible(True)
        self.state.setText("Copying your records…")
        self._worker = run_in_background(self._make, self._done, self._failed,
                                         lambda d, t: _show_progress(self.progress, d, t))

    def _finished(self) -> bool:
        """Back to the offer; True if the person had cancelled."""
        cancelled, self._cancelling = self._cancelling, False
        self._worker = None
        self.keep.setEnabled(True)
        self.later.setEnabled(True)
        self.later.setText("&Not now")
        self.progress.setVisible(False)
        return cancelled

    def _done(self, created: CopyCreated) -> None:
        self._finished()
        if created.report.cancelled:
            self.state.setText("Cancelled: no copy was made.")
            return
        self.created = created
        self.accept()

    def _failed(self, exc: BaseException, tb: str) -> None:
        if self._finished() and isinstance(exc, UserError):  # stopped as asked
            self.state.setText("Cancelled: no copy was made.")
            return
        self.state.setText("No copy was made.")
        show_error(self, exc, tb)

    def reject(self) -> None:
        """"Not now" before starting; Cancel (stop the copying) while it runs."""
        if self._worker is not None:
            self._cancelling = True
            self.later.setEnabled(False)
            self.state.setText("Cancelling…")
            self._worker.progress.cancel()
            return
        self.declined = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._worker is not None:  # closing the window cancels, as the button does
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)


def show_recovery_key(parent: QWidget | None, key: str) -> None:
    """The copy's recovery key, shown once (as first-run setup shows the database's)."""
    box = QMessageBox(QMessageBox.Icon.Information, "Recovery key for your copy",
                      "Write this recovery key down and keep it somewhere safe, away from "
                      "this laptop. It is shown only once; with it your copy on this computer "
                      f"can be opened if your password is lost.\n\n{key}",
                      QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    box.exec()


class SyncDialog(QDialog):
    """Sync with the team store, with progress and Cancel (what was already sent or
    received is kept). `report` is the result; a failure is shown and the dialog
    rejected, with `error` set."""

    def __init__(self, job: Callable[[Progress], SyncReport],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: SyncReport | None = None
        self.error: BaseException | None = None
        self.setWindowTitle("Sync with the team store")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel("Sending what you wrote and receiving what is new for you…")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.progress = _progress_bar("Sync progress")
        self.progress.setVisible(True)
        layout.addWidget(self.progress)
        self.state = _state_label("Sync state")
        layout.addWidget(self.state)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Stop; what was already sent or received is kept")
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._worker: Worker | None = run_in_background(
            job, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        _show_progress(self.progress, done, total)
        self.state.setText(f"{done} of {total}…" if total else "")

    def _done(self, report: SyncReport) -> None:
        self._worker = None
        self.report = report
        self.accept()

    def _failed(self, exc: BaseException, tb: str) -> None:
        self._worker = None
        self.error = exc
        self.state.setText("The sync did not finish; your copy is as it was.")
        show_error(self, exc, tb)
        super().reject()

    @property
    def running(self) -> bool:
        return self._worker is not None

    def reject(self) -> None:
        if self._worker is not None:  # Cancel asks the sync to stop; its report ends this
            self.cancel_button.setEnabled(False)
            self.state.setText("Stopping after the current record…")
            self._worker.progress.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._worker is not None:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)


class ConflictModel(QAbstractTableModel):
    """Sync conflicts still to resolve: what, mine and theirs in one line each."""

    HEADERS = ("What", "Mine", "Theirs", "Resolve")
    RESOLVE = 3  # the column holding each row's buttons

    def __init__(self, conflicts: Sequence[SyncConflict], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self._rows = list(conflicts)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def conflict(self, row: int) -> SyncConflict:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        conflict, column = self._rows[index.row()], index.column()
        texts = (conflict.label, conflict.mine_summary, conflict.theirs_summary, "")
        if not 0 <= column < len(texts):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _one_line(texts[column])
        if role == Qt.ItemDataRole.AccessibleTextRole:
            words = ("", "Mine: ", "Theirs: ", "")[column]
            return f"{words}{_one_line(texts[column])}" if column < self.RESOLVE else (
                f"Resolve {conflict.label}")
        return None

    def remove(self, conflict_id: str) -> None:
        for row, conflict in enumerate(self._rows):
            if conflict.id == conflict_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
                return


def _one_line(text: str) -> str:
    return " ".join(text.split())


# (conflict id, choice) -> None, run off the GUI thread; the choice is a `ConflictChoice`
# value ("keep_mine" or "take_theirs")
Resolver = Callable[[str, str], None]
KEEP_MINE, TAKE_THEIRS = "keep_mine", "take_theirs"


class ConflictsDialog(QDialog):
    """Each conflict with its own "Keep mine" and "Take theirs"; from the keyboard, the
    arrow keys choose a row and Alt+M / Alt+T resolve it. Resolved rows leave the list."""

    def __init__(self, conflicts: Sequence[SyncConflict], resolve: Resolver,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._resolve = resolve
        self._worker: Worker | None = None
        self.resolved: list[tuple[str, str]] = []  # (conflict id, choice) in order
        self.setWindowTitle("Sync conflicts")
        self.resize(860, 420)
        layout = QVBoxLayout(self)
        intro = QLabel("These records were changed both on this computer and on the team "
                       "store since the last sync. Nothing was overwritten: for each, keep "
                       "yours or take the team store's.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = ConflictModel(conflicts, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Sync conflicts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(ConflictModel.RESOLVE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ConflictModel.RESOLVE,
                                    QHeaderView.ResizeMode.ResizeToContents)
        for row in range(self.model.rowCount()):
            self._row_buttons(row)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        row_keys = QHBoxLayout()
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_mine.setToolTip("Keep your version of the selected record (Alt+M)")
        self.take_theirs = QPushButton("Take &theirs")
        self.take_theirs.setToolTip("Take the team store's version of the selected record "
                                    "(Alt+T)")
        for button in (self.keep_mine, self.take_theirs):
            button.setAutoDefault(False)  # Enter in the list resolves nothing by itself
        row_keys.addWidget(QLabel("Selected record:"))
        row_keys.addWidget(self.keep_mine)
        row_keys.addWidget(self.take_theirs)
        row_keys.addStretch(1)
        layout.addLayout(row_keys)
        self.state = _state_label("Conflict state")
        layout.addWidget(self.state)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.keep_mine.clicked.connect(lambda: self._choose_selected(KEEP_MINE))
        self.take_theirs.clicked.connect(lambda: self._choose_selected(TAKE_THEIRS))
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.setFocus()
        self._enable()

    def _row_buttons(self, row: int) -> None:
        conflict = self.model.conflict(row)
        cell = QWidget()
        box = QHBoxLayout(cell)
        box.setContentsMargins(2, 0, 2, 0)
        for text, choice in (("Keep mine", KEEP_MINE), ("Take theirs", TAKE_THEIRS)):
            button = QPushButton(text)
            button.setAccessibleName(f"{text}: {conflict.label}")
            button.setToolTip(f"{text} for {conflict.label}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, i=conflict.id, ch=choice: self.choose(i, ch))
            box.addWidget(button)
        self.table.setIndexWidget(self.model.index(row, ConflictModel.RESOLVE), cell)

    def _enable(self) -> None:
        idle = self._worker is None
        has_row = self.table.currentIndex().isValid() and self.model.rowCount() > 0
        for button in (self.keep_mine, self.take_theirs):
            button.setEnabled(idle and has_row)
        self.table.setEnabled(idle)

    def _choose_selected(self, choice: str) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.choose(self.model.conflict(index.row()).id, choice)

    def choose(self, conflict_id: str, choice: str) -> None:
        """Resolve one conflict (off the GUI thread); its row leaves the list when done."""
        if self._worker is not None:
            return
        resolve = self._resolve
        self.state.setText("Resolving…")

        def job(_p: Progress) -> None:
            resolve(conflict_id, choice)

        def done(_value: object) -> None:
            self._worker = None
            label = next((self.model.conflict(r).label for r in range(self.model.rowCount())
                          if self.model.conflict(r).id == conflict_id), "")
            self.model.remove(conflict_id)
            self.resolved.append((conflict_id, choice))
            what = "Kept yours" if choice == KEEP_MINE else "Took the team store's"
            left = self.model.rowCount()
            self.state.setText(f"{what}: {label}. " + (
                f"{left} conflict(s) left." if left else "All conflicts are resolved."))
            self._enable()
            if left:
                self.table.selectRow(min(self.table.currentIndex().row(), left - 1)
                                     if self.table.currentIndex().isValid() else 0)
                self.table.setFocus()

        def failed(exc: BaseException, tb: str) -> None:
            self._worker = None
            self.state.setText("Not resolved; the conflict is still listed.")
            self._enable()
            show_error(self, exc, tb)

        self._worker = run_in_background(job, done, failed)
        self._enable()

    @property
    def running(self) -> bool:
        return self._worker is not None

    def reject(self) -> None:
        if self._worker is None:  # a resolution under way finishes first
            super().reject()
