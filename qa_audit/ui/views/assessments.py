"""Assessment lists with a filter bar (status, practitioner, framework, dates, case search)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Action, Actor
from qa_audit.domain.workflow import Status
from qa_audit.services import accounts, frameworks
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentQuery

from ..errors import show_error
from ..flow import FlowLayout, labelled
from ..inputs import DateBox
from ..models import AssessmentColumn, AssessmentTableModel, fitted_combo, heading_row
from ..operations import Change, connect_changes

ANY = "Any"


def _combo(name: str, tip: str, chars: int) -> QComboBox:
    combo = fitted_combo(name, chars)
    combo.setToolTip(tip)
    return combo


class AssessmentListView(QWidget):
    """A titled, filterable, sortable list; Enter or double-click opens an assessment."""

    openRequested = Signal(object)  # uuid.UUID
    newRequested = Signal(object)  # AssessmentKind

    def __init__(self, store: Store, actor: Actor, title: str, base: AssessmentQuery,
                 parent: QWidget | None = None, *, show_new: bool = False) -> None:
        super().__init__(parent)
        self.store, self.actor, self.base = store, actor, base
        layout = QVBoxLayout(self)
        self.count_label = QLabel()
        self.count_label.setObjectName("subheading")
        buttons: list[QPushButton] = []
        if show_new:
            for kind, text in ((AssessmentKind.CASE_AUDIT, "New case &audit…"),
                               (AssessmentKind.PRACTICE_OBSERVATION, "New &observation…")):
                button = QPushButton(text)
                button.setToolTip(f"Start a {kind.label.lower()}"
                                  + (" (Ctrl+N)" if kind is AssessmentKind.CASE_AUDIT else ""))
                button.setAccessibleName(text.replace("&", "").rstrip("…"))
                button.clicked.connect(lambda _c=False, k=kind: self.newRequested.emit(k))
                buttons.append(button)
        layout.addLayout(heading_row(title, self.count_label, *buttons))
        layout.addWidget(self._filters())
        self.model = AssessmentTableModel(store, actor, base)
        self.model.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        connect_changes(self, (Change.ASSESSMENT,), self.refresh)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(title)
        # The indicator first: enabling sorting then asks for the order the model already
        # has (newest first), so the list is queried once, not three times.
        self.table.horizontalHeader().setSortIndicator(AssessmentColumn.DATE,
                                                       Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list, arrows move in it
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in ((AssessmentColumn.CASE, 150), (AssessmentColumn.KIND, 150),
                              (AssessmentColumn.PRACTITIONER, 170),
                              (AssessmentColumn.FRAMEWORK, 280), (AssessmentColumn.STATUS, 170),
                              (AssessmentColumn.DATE, 100), (AssessmentColumn.OVERALL, 190)):
            self.table.setColumnWidth(column, width)
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table, 1)
        self._update_count()

    def _filters(self) -> QWidget:
        bar = QWidget()
        row = FlowLayout(bar)
        self.status = _combo("Status filter", "Show only assessments in this state", 10)
        self.status.addItem(ANY, None)
        for status in Status:
            self.status.addItem(status.label, status.value)
        self.practitioner = _combo("Practitioner filter", "Show one practitioner's assessments",
                                   12)
        self.practitioner.addItem(ANY, None)
        people = accounts.practitioners_visible(self.store, self.actor)
        for user_id, name in people:
            self.practitioner.addItem(name, user_id)
        self.framework = _combo("Framework filter", "Show assessments against one framework", 16)
        self.framework.addItem(ANY, None)
        for info in frameworks.latest_versions(self.store):
            self.framework.addItem(info.title, info.framework_id)
        self.team = _combo("Team filter", "Show one team's assessments", 14)
        self.team.addItem(ANY, None)
        teams = accounts.teams_visible(self.store, self.actor, Action.VIEW_ASSESSMENT)
        for team_id, name in teams:
            self.team.addItem(name, team_id)
        self.date_from = self._date("From date", "Assessments on or after this date")
        self.date_to = self._date("To date", "Assessments on or before this date")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search case reference")
        self.search.setAccessibleName("Search case reference")
        self.search.setToolTip("Type part of a case reference (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        # The filters wrap onto a second line in a narrow window (200% scaling).
        for label, widget in (("&Status", self.status), ("T&eam", self.team),
                              ("&Practitioner", self.practitioner),
                              ("Fra&mework", self.framework), ("From", self.date_from),
                              ("To", self.date_to)):
            pair = labelled(label, widget)
            row.addWidget(pair)
            if widget is self.practitioner:
                self.practitioner_label = pair
            if widget is self.team:
                self.team_label = pair
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("M" * 14))
        row.addWidget(self.search)
        for combo in (self.status, self.team, self.practitioner, self.framework):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        for date in (self.date_from, self.date_to):
            date.dateChanged.connect(lambda _d: self.apply_filters())
        # a practitioner sees only themselves: nobody to choose between (nor a label)
        self.practitioner_label.setVisible(len(people) > 1)
        # nor a team filter for someone who sees one team (a supervisor) or none (an FCA)
        self.team_label.setVisible(len(teams) > 1)
        return bar

    def _date(self, name: str, tip: str) -> QDateEdit:
        edit = DateBox()
        edit.setMinimumDate(QDate(1999, 12, 31))
        edit.setSpecialValueText(ANY)
        edit.setDate(edit.minimumDate())
        edit.setAccessibleName(name)
        edit.setToolTip(tip)
        return edit

    def current_query(self) -> AssessmentQuery:
        def day(edit: QDateEdit) -> dt.date | None:
            if edit.date() == edit.minimumDate():
                return None
            value: dt.date = edit.date().toPython()  # type: ignore[assignment]
            return value

        status = self.status.currentData()
        return replace(
            self.model.query,
            statuses=(Status(status),) if status else self.base.statuses,
            subject_id=self.practitioner.currentData() or self.base.subject_id,
            team_id=self.team.currentData() or self.base.team_id,
            framework_id=self.framework.currentData(),
            date_from=day(self.date_from), date_to=day(self.date_to),
            search=self.search.text().strip(),
        )

    def apply_filters(self) -> None:
        self.model.set_query(self.current_query())
        self._update_count()

    def refresh(self) -> None:
        self.model.refresh()
        self._update_count()

    def _update_count(self) -> None:
        n = self.model.total
        self.count_label.setText(f"{n:,} assessment{'s' if n != 1 else ''}")

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(self.model.row(index.row()).id)

    def selected_id(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()).id if index.isValid() else None
