"""Open and overdue actions: the practitioner's own, or the team's."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor
from qa_audit.services import assessments
from qa_audit.services.database import Store
from qa_audit.services.listing import open_actions
from qa_audit.services.read_models import ActionInfo

from ..errors import show_error
from ..models import ListModel, format_date, read_only_table
from ..operations import Change, Operation, connect_changes


def _cells(a: ActionInfo) -> list[str]:
    return [a.text, a.owner_name, format_date(a.due_on), a.state(dt.date.today())]


class ActionsView(QWidget):
    def __init__(self, store: Store, actor: Actor, title: str, *, team: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("heading")
        layout.addWidget(heading)
        self.model = ListModel(["Action", "Owner", "Due", "State"],
                               lambda: open_actions(store, actor, team=team), _cells)
        self.model.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        self.table = read_only_table(self.model, title, 420)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.done = QPushButton("Mark selected action &done")
        self.done.setToolTip("Record the selected action as completed today")
        self.done.clicked.connect(self._mark_done)
        row.addWidget(self.done)
        row.addStretch(1)
        layout.addLayout(row)
        connect_changes(self, (Change.ACTION, Change.ASSESSMENT), self.refresh)

    def refresh(self) -> None:
        self.model.refresh()

    def _mark_done(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        action: ActionInfo = self.model.item(index.row())
        Operation(self, lambda: assessments.set_action_status(self.store, self.actor, action.id,
                                                              True),
                  changed=(Change.ACTION,), busy=(self.done,)).run()
