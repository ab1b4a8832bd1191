"""Table models over paged service queries: rows are fetched as the user scrolls."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from enum import IntEnum
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QWidget,
)

from qa_audit.domain.permissions import Actor
from qa_audit.services import frameworks
from qa_audit.services.database import Store
from qa_audit.services.listing import (
    AssessmentQuery,
    AssessmentRow,
    SortKey,
    count_assessments,
    list_assessments,
)

from .flow import FlowLayout
from .palette import BAD, STATUS_COLOURS

_Index = QModelIndex | QPersistentModelIndex
_Loaded = TypeVar("_Loaded")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 200  # rows fetched each time the view scrolls near the end
FIRST_PAGE = 60  # enough to fill a tall window; a smaller first query paints sooner


class AssessmentColumn(IntEnum):
    """The assessment list's columns, in their order on screen."""

    CASE = 0
    KIND = 1
    PRACTITIONER = 2
    FRAMEWORK = 3
    STATUS = 4
    DATE = 5
    OVERALL = 6
    TEAM = 7


class _SafeResetModel(QAbstractTableModel):
    """A model whose resets cannot be left half done.

    The rows are loaded *before* the reset is announced, so a failing service call
    (database locked, disk error) changes nothing: the old rows stay, `loadFailed` carries
    the error to the view that shows it, and beginResetModel/endResetModel are always
    called as a pair.
    """

    loadFailed = Signal(object, str)  # the exception, and its traceback for a crash report

    def _reset(self, load: Callable[[], _Loaded], apply: Callable[[_Loaded], None]) -> bool:
        try:
            loaded = load()
        except Exception as exc:  # shown by the view; the model stays as it was
            self.loadFailed.emit(exc, traceback.format_exc())
            return False
        self.beginResetModel()
        try:
            apply(loaded)
        finally:
            self.endResetModel()
        return True


class AssessmentTableModel(_SafeResetModel):
    """Assessments the actor may see, filtered and sorted in SQL, fetched a page at a time."""

    COLUMNS: ClassVar[Mapping[AssessmentColumn, tuple[str, SortKey]]] = {
        AssessmentColumn.CASE: ("Case", SortKey.CASE),
        AssessmentColumn.KIND: ("Kind", SortKey.KIND),
        AssessmentColumn.PRACTITIONER: ("Practitioner", SortKey.PRACTITIONER),
        AssessmentColumn.FRAMEWORK: ("Framework", SortKey.FRAMEWORK),
        AssessmentColumn.STATUS: ("Status", SortKey.STATUS),
        AssessmentColumn.DATE: ("Date", SortKey.ASSESSED_ON),
        AssessmentColumn.OVERALL: ("Overall", SortKey.GRADE),
        AssessmentColumn.TEAM: ("Team", SortKey.TEAM),
    }

    def __init__(self, store: Store, actor: Actor, query: AssessmentQuery | None = None) -> None:
        super().__init__()
        self._store, self._actor = store, actor
        self._query = query or AssessmentQuery()
        self._resetting = False
        # No view is attached yet: a first load that fails raises to whoever builds it.
        self._total, self._rows = self._fetch(self._query)

    # -- loading ---------------------------------------------------------------------------
    @property
    def query(self) -> AssessmentQuery:
        return self._query

    def set_query(self, query: AssessmentQuery) -> bool:
        """Show `query`'s rows; False (the old rows and query kept) if they could not load."""
        return self._load(query)

    def refresh(self) -> bool:
        """Load the rows again; False (the old rows kept) if they could not load."""
        return self._load(self._query)

    def _fetch(self, query: AssessmentQuery) -> tuple[int, list[AssessmentRow]]:
        return (count_assessments(self._store, self._actor, query),
                list_assessments(self._store, self._actor, query, 0, FIRST_PAGE))

    def _load(self, query: AssessmentQuery) -> bool:
        def apply(loaded: tuple[int, list[AssessmentRow]]) -> None:
            self._query = query
            self._total, self._rows = loaded

        self._resetting = True  # views may ask for more rows while the reset is announced
        try:
            return self._reset(lambda: self._fetch(query), apply)
        finally:
            self._resetting = False

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._resetting
                and len(self._rows) < self._total)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._resetting:
            return
        try:
            page = list_assessments(self._store, self._actor, self._query, len(self._rows),
                                    PAGE)
        except Exception as exc:  # shown by the view; the rows shown stay
            self.loadFailed.emit(exc, traceback.format_exc())
            return
        if not page:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        key = self.COLUMNS[AssessmentColumn(column)][1]
        descending = order == Qt.SortOrder.DescendingOrder
        if key is self._query.sort and descending == self._query.descending:
            return
        self.set_query(_replace(self._query, sort=key, descending=descending))

    # -- reading ---------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[AssessmentColumn(section)][0]
        return None

    def row(self, index: int) -> AssessmentRow:
        return self._rows[index]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, AssessmentColumn(index.column()))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == AssessmentColumn.OVERALL:
            return self._grade_label(row) or "Not graded yet"
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == AssessmentColumn.STATUS:
            return QColor(STATUS_COLOURS.get(row.status, BAD))
        if role == ROW_ROLE:
            return row
        return None

    def _text(self, row: AssessmentRow, column: AssessmentColumn) -> str:
        match column:
            case AssessmentColumn.CASE:
                return row.case_reference or "—"
            case AssessmentColumn.KIND:
                return row.kind.label
            case AssessmentColumn.PRACTITIONER:
                return row.subject_name
            case AssessmentColumn.FRAMEWORK:
                return f"{row.framework_title} ({row.framework_version})"
            case AssessmentColumn.STATUS:
                return row.status.label
            case AssessmentColumn.DATE:
                return row.assessed_on.strftime("%d %b %Y")
            case AssessmentColumn.OVERALL:
                label = self._grade_label(row)
                return f"{row.overall_grade} – {label}" if label else "—"
            case AssessmentColumn.TEAM:
                return row.team_name

    def _grade_label(self, row: AssessmentRow) -> str:
        if not row.overall_grade or row.framework_version_id is None:
            return ""
        framework = frameworks.get_framework(self._store, row.framework_version_id)
        grade = framework.scale.grade(row.overall_grade)
        return grade.label if grade else row.overall_grade


def _replace(query: AssessmentQuery, **changes: Any) -> AssessmentQuery:
    return replace(query, **changes)


class ListModel(_SafeResetModel):
    """A small, fully loaded table (actions, framework versions, users) from a loader."""

    def __init__(self, headers: Sequence[str], loader: Callable[[], Sequence[Any]],
                 cells: Callable[[Any], Sequence[str]]) -> None:
        super().__init__()
        self._headers, self._loader, self._cells = list(headers), loader, cells
        self._items: list[Any] = list(loader())

    def refresh(self) -> bool:
        """Load the items again; False (the old items kept) if they could not load."""
        return self._reset(lambda: list(self._loader()), self._set_items)

    def _set_items(self, items: list[Any]) -> None:
        self._items = items

    def item(self, row: int) -> Any:
        return self._items[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            cells = self._cells(self._items[index.row()])
            return cells[index.column()] if index.column() < len(cells) else None
        if role == ROW_ROLE:
            return self._items[index.row()]
        return None


def format_date(day: dt.date | None) -> str:
    return day.strftime("%d %b %Y") if day else "—"


def read_only_table(model: QAbstractTableModel, name: str, first_width: int = 0
                    ) -> QTableView:
    """A row-selecting, read-only table view over `model`, sized to its contents."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table (for the buttons after it)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.resizeColumnsToContents()
    if first_width:
        table.setColumnWidth(0, first_width)
    return table


def fitted_combo(name: str = "", chars: int = 24) -> QComboBox:
    """A combo box about `chars` characters wide however long its items (framework titles,
    names, case references): a long one no longer widens the window; the open list still
    shows every item whole."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    if name:
        combo.setAccessibleName(name)
    return combo


def heading_row(title: str, *trailing: Any) -> QHBoxLayout:
    """A page's heading on the left and its widgets (counts, buttons) on the right."""
    row = QHBoxLayout()
    heading = QLabel(title)
    heading.setObjectName("heading")
    heading.setWordWrap(True)  # a narrow window wraps a long heading (200% scaling)
    row.addWidget(heading, 1)
    if not trailing:
        return row
    # The counts and buttons wrap under one another in a narrow window (200% scaling)
    # rather than running off its edge.
    holder = QWidget()
    flow = FlowLayout(holder)
    for widget in trailing:
        flow.addWidget(widget)
    row.addWidget(holder, 0, Qt.AlignmentFlag.AlignTop)
    return row
