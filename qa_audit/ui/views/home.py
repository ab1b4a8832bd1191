"""Home: what waits for the person signed in (to grade, respond to, sign, finalise, and
overdue actions), read from `services.waiting`; Enter or double-click opens a row."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from qa_audit.domain.permissions import Actor
from qa_audit.services import waiting
from qa_audit.services.database import Store
from qa_audit.services.waiting import Waiting, WaitingItem, WaitingList

from ..errors import show_error
from ..models import ListModel, format_date, heading_row, read_only_table
from ..operations import Change, connect_changes

NOTHING = ("Nothing waits for you: no assessment to grade, respond to or finalise, no "
           "supervision record to sign and no overdue action.")


def _cells(item: WaitingItem) -> list[str]:
    return [item.kind.label, item.title, item.person, format_date(item.day), item.state]


class HomeView(QWidget):
    """The person's list of things to do, oldest first within each kind."""

    itemOpened = Signal(object)  # WaitingItem

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.waiting = WaitingList({}, ())
        layout = QVBoxLayout(self)
        self.count_label = QLabel()
        self.count_label.setObjectName("subheading")
        layout.addLayout(heading_row("What waits for you", self.count_label))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.model = ListModel(["Waiting", "What", "Who", "Date or due", "State"],
                               self._load, _cells)
        self.model.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        self.table = read_only_table(self.model, "What waits for you")
        # Never wider than the page (200% scaling): the short columns fit their contents,
        # the case and the state share what is left.
        header = self.table.horizontalHeader()
        for column, mode in ((0, QHeaderView.ResizeMode.ResizeToContents),
                             (1, QHeaderView.ResizeMode.Stretch),
                             (2, QHeaderView.ResizeMode.ResizeToContents),
                             (3, QHeaderView.ResizeMode.ResizeToContents),
                             (4, QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)
        self.table.setToolTip("Enter or double-click opens the row")
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table, 1)
        self.more = QLabel()
        self.more.setWordWrap(True)
        layout.addWidget(self.more)
        layout.addStretch(0)
        connect_changes(self, (Change.ASSESSMENT, Change.SESSION, Change.ACTION), self.refresh)
        self._show()

    def _load(self) -> tuple[WaitingItem, ...]:
        self.waiting = waiting.what_waits(self.store, self.actor)
        return self.waiting.items

    def refresh(self) -> None:
        if self.model.refresh():
            self._show()

    def _show(self) -> None:
        listed = self.waiting
        total = listed.total
        self.count_label.setText(f"{total:,} waiting" if total else "")
        text = f"Waiting for you: {listed.summary()}." if total else NOTHING
        self.summary.setText(text)
        self.summary.setAccessibleName(text)  # read as what it says
        self.table.setVisible(bool(total))
        shown = {kind: sum(1 for i in listed.items if i.kind is kind) for kind in Waiting}
        more = [f"{kind.phrase(count)} (the oldest {shown[kind]} are listed)"
                for kind, count in listed.counts.items() if count > shown[kind]]
        self.more.setText("Not all are listed: " + "; ".join(more) + "." if more else "")
        self.more.setVisible(bool(more))
        if total and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.itemOpened.emit(self.model.item(index.row()))

    def focus_start(self) -> None:
        """The list when something waits, otherwise the message saying nothing does."""
        (self.table if self.table.isVisible() else self).setFocus()
