"""Themes: where practice differs by standard and team, and where delay hurts children.

Drawn with QtCharts from one `themes.dashboard` call made off the GUI thread: grades per
standard (stacked in the scale's colours, each segment labelled with its count, the
legend naming each grade), the team x standard heatmap (a table, so it reads with a
keyboard and a screen reader too), the trend by quarter with empty quarters shown,
areas for development, actions and delay. Clicking any bar, or Enter on a heatmap or
delay cell or on a row of the table of every bar, lists the assessments behind it. No
practitioner is named or ranked here.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalPercentBarSeries,
    QPercentBarSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Action, Actor, Scope, scope_of
from qa_audit.domain.records import OrgUnitKind
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.errors import UserError
from qa_audit.services import accounts, themes
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentRow, page_details
from qa_audit.services.themes import Dashboard, Element, Pick, ThemeFilter

from ..errors import show_error
from ..flow import FlowLayout, labelled
from ..inputs import DateBox
from ..models import ListModel, fitted_combo, format_date, heading_row, read_only_table
from ..palette import MUTED
from ..workers import Progress, Worker, run_in_background

_Index = QModelIndex | QPersistentModelIndex
ANY = "Any"


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ink_on(colour: str) -> QColor:
    """Black or white text, whichever reads better on `colour`."""
    c = QColor(colour)
    luminance = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
    return QColor("#000000" if luminance > 0.5 else "#ffffff")


def heat_colour(share: float) -> str:
    """A single-hue scale (light to dark blue), readable by colour-blind people; the share is
    always printed in the cell as well."""
    light, dark = QColor("#e8f0fa"), QColor("#1d4e89")
    mix = max(0.0, min(1.0, share))
    return QColor.fromRgbF(light.redF() + (dark.redF() - light.redF()) * mix,
                           light.greenF() + (dark.greenF() - light.greenF()) * mix,
                           light.blueF() + (dark.blueF() - light.blueF()) * mix).name()


class HeatmapModel(QAbstractTableModel):
    """Teams (rows) x standards (columns): the share at the scale's second-best grade or
    better, with the number of assessments; fewer than five are marked too few to read."""

    def __init__(self) -> None:
        super().__init__()
        self._teams: list[tuple[uuid.UUID, str]] = []
        self._standards: list[tuple[str, str]] = []
        self._board: Dashboard | None = None

    def set_board(self, board: Dashboard) -> None:
        self.beginResetModel()
        self._board = board
        teams = {c.team_id for c in board.cells}
        self._teams = sorted(((t, board.teams.get(t, "")) for t in teams), key=lambda x: x[1])
        self._standards = [(s.id, s.title) for s in board.standards]
        self.endResetModel()

    def pick(self, index: QModelIndex) -> tuple[uuid.UUID, str] | None:
        if not index.isValid():
            return None
        return self._teams[index.row()][0], self._standards[index.column()][0]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._teams)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._standards)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._standards):
            title = self._standards[section][1]
            if role == Qt.ItemDataRole.DisplayRole:
                return _short(title, 22)
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return title
        if (orientation == Qt.Orientation.Vertical and 0 <= section < len(self._teams)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)):
            return self._teams[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._board is None or not index.isValid():
            return None
        if not (0 <= index.row() < len(self._teams)
                and 0 <= index.column() < len(self._standards)):
            return None
        team_id, team = self._teams[index.row()]
        sid, title = self._standards[index.column()]
        cell = self._board.cell(team_id, sid)
        good = self._board.good_codes[-1]
        if cell is None or cell.graded == 0:
            text = "none graded"
            words = f"{team}, {title}: no assessment graded"
            background = "#ffffff"
        elif cell.too_few:
            text = f"too few ({cell.graded})"
            words = f"{team}, {title}: {cell.graded} graded, too few to read"
            background = "#eaeef2"
        elif cell.withheld:
            text = f"share withheld ({cell.graded})"
            words = (f"{team}, {title}: {cell.graded} graded; fewer than {themes.TOO_FEW} "
                     f"on one side of {good}, so the share is not shown")
            background = "#eaeef2"
        else:
            share = cell.share or 0.0
            text = f"{share:.0%} of {cell.graded}"
            words = (f"{team}, {title}: {cell.good} of {cell.graded} ({share:.0%}) at {good} "
                     "or better")
            background = heat_colour(share)
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return words + ". Enter lists the assessments."
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(background)
        if role == Qt.ItemDataRole.ForegroundRole:
            return (QColor(MUTED) if cell is None or cell.too_few or cell.withheld
                    else ink_on(background))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    return chart


class ChartBox(QChartView):
    """A chart view that can be rebuilt with new data and names itself for assistive tech."""

    def __init__(self, name: str, height: int = 300) -> None:
        super().__init__(_chart(""))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(name)
        self.setMinimumHeight(height)
        self.painted = 0

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        self.painted += 1

    def fresh(self, title: str) -> QChart:
        """This view's own chart, emptied for new data: built once and refilled, not
        replaced (a new chart in the view costs a scene set-up each time)."""
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        chart.setTitle(title)
        chart.legend().show()
        return chart

    def show_chart(self, chart: QChart, description: str) -> None:
        old = self.chart()
        self.setChart(chart)
        self.setAccessibleDescription(description)
        self.setToolTip(description + "\nClick a bar to list the assessments behind it.")
        if old is not None and old is not chart:
            old.deleteLater()


@dataclass(frozen=True)
class Bar:
    """One bar (or segment) of a chart, as a row of the keyboard table of bars: Enter on it
    does what a click on the bar does."""

    chart: str
    label: str
    value: str
    pick: Pick
    title: str


def _bar_cells(b: Bar) -> list[str]:
    return [b.chart, b.label, b.value]


def _grade_sets(board: Dashboard, values: Callable[[str], list[float]],
                labels_format: str = "@value") -> list[QBarSet]:
    sets = []
    for band in board.bands:
        bar = QBarSet(f"{band.code} – {band.label}")
        bar.append(values(band.code))
        colour = band.colour or "#8c959f"
        bar.setColor(QColor(colour))
        bar.setBorderColor(QColor("#ffffff"))
        bar.setLabelColor(ink_on(colour))
        sets.append(bar)
    return sets


class ThemesView(QWidget):
    """The quality lead's (and supervisor's) themes dashboard."""

    openRequested = Signal(object)  # uuid.UUID of an assessment
    ready = Signal()  # every chart drawn for the current filters

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.board: Dashboard | None = None
        self.behind: BehindDialog | None = None
        self._generation = 0
        self._worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel("Loading…")
        self.status.setObjectName("subheading")
        self.status.setAccessibleName("Themes status")
        export = QPushButton("Export &table…")
        export.setToolTip("The counts by team and standard as a workbook (.xlsx) or CSV")
        export.clicked.connect(self._export_table)
        summary = QPushButton("Team summary &PDF…")
        summary.setToolTip("The team practice summary PDF of what this view shows: its "
                           "filters, the heatmap and delay by team")
        summary.clicked.connect(self.save_team_summary)
        layout.addLayout(heading_row("Themes", self.status, export, summary))
        layout.addWidget(self._filters())
        note = QLabel("Teams and standards only: no practitioner is named or ranked here. "
                      "Click a bar, or press Enter on a table cell or on a row of the table "
                      "of bars at the end, to list the assessments behind it.")
        note.setObjectName("subheading")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.grades = ChartBox("Grades per standard", 340)
        self.trend = ChartBox("Grades by quarter")
        self.development = ChartBox("Areas for development")
        self.actions_chart = ChartBox("Actions")
        self.delay = ChartBox("Delay by team")
        self.heat_model = HeatmapModel()
        self.heatmap = QTableView()
        self.heatmap.setModel(self.heat_model)
        self.heatmap.setAccessibleName("Teams by standard: share at the second-best grade or "
                                       "better")
        self.heatmap.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heatmap.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.heatmap.setMinimumHeight(200)
        self.heatmap.activated.connect(self._heat_activated)
        self.heatmap.doubleClicked.connect(self._heat_activated)
        self.heat_title = QLabel()
        self.heat_title.setWordWrap(True)
        self.delay_model = ListModel(
            ["Team", "Cases", "Allocated\nlate", "Mean working\ndays to\nallocation",
             "Public-law\ncases", "Over\n26 weeks", "Mean\nweeks"],
            lambda: self.board.delay if self.board else (), self._delay_cells)
        self.delay_table = read_only_table(self.delay_model, "Delay by team")
        self.delay_table.setMinimumHeight(140)
        self.delay_table.activated.connect(self._delay_activated)
        self.delay_table.doubleClicked.connect(self._delay_activated)
        # Every bar of the charts above as a table, so the click-through works from the
        # keyboard (and reads out with a screen reader): Enter lists the assessments.
        self.bars: list[Bar] = []
        self.bars_model = ListModel(["Chart", "Bar", "Count"], lambda: self.bars, _bar_cells)
        self.bars_table = read_only_table(self.bars_model, "Bars of the charts")
        self.bars_table.setAccessibleDescription(
            "Every bar of the charts, one a row. Press Enter to list the assessments behind it.")
        self.bars_table.setToolTip("Every bar of the charts: press Enter (or double-click) to "
                                   "list the assessments behind it")
        self.bars_table.setMinimumHeight(220)
        self.bars_table.activated.connect(self._bar_activated)
        self.bars_table.doubleClicked.connect(self._bar_activated)
        bars_title = QLabel("<b>The charts' bars as a table</b>: Enter on a row lists the "
                            "assessments behind it")
        bars_title.setBuddy(self.bars_table)
        grid = QGridLayout()
        grid.addWidget(self.grades, 0, 0, 1, 2)
        heat = QVBoxLayout()
        heat.addWidget(self.heat_title)
        heat.addWidget(self.heatmap)
        holder = QWidget()
        holder.setLayout(heat)
        grid.addWidget(holder, 1, 0)
        grid.addWidget(self.trend, 1, 1)
        grid.addWidget(self.development, 2, 0)
        grid.addWidget(self.actions_chart, 2, 1)
        # delay chart and table each the full width: a team per bar, seven columns
        grid.addWidget(self.delay, 3, 0, 1, 2)
        grid.addWidget(self.delay_table, 4, 0, 1, 2)
        grid.addWidget(bars_title, 5, 0, 1, 2)
        grid.addWidget(self.bars_table, 6, 0, 1, 2)
        content = QWidget()
        content.setLayout(grid)
        scroll = QScrollArea()
        scroll.setAccessibleName("Charts and tables")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout.addWidget(scroll, 1)
        self._started = False

    # -- filters ---------------------------------------------------------------------------
    def _combo(self, name: str, chars: int = 16) -> QComboBox:
        combo = fitted_combo(name, chars)
        combo.setToolTip(name)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _filters(self) -> QWidget:
        bar = QWidget()  # wraps onto more lines in a narrow window (200% scaling)
        first = second = FlowLayout(bar)
        self.framework = self._combo("Framework", 22)
        self.version = self._combo("Version", 8)
        try:
            choices = themes.framework_choices(self.store, self.actor)
        except UserError:
            choices = []
        self._choices = {c.framework_id: c for c in choices}
        self.framework.blockSignals(True)
        for c in choices:
            self.framework.addItem(c.title, c.framework_id)
        self.framework.blockSignals(False)
        self.framework.currentIndexChanged.connect(self._fill_versions)
        self._fill_versions()
        today = QDate.currentDate()
        self.date_from = self._date("From", today.addYears(-2))
        self.date_to = self._date("To", today)
        for label, widget in (("Fra&mework", self.framework), ("Version", self.version),
                              ("From", self.date_from), ("To", self.date_to)):
            first.addWidget(labelled(label, widget))
        units = accounts.list_org_units(self.store)
        mine = self._visible_units(units)
        self.region = self._combo("Region", 14)
        self.area = self._combo("Service area", 14)
        self.team = self._combo("Team", 14)
        for combo, kind in ((self.region, OrgUnitKind.REGION),
                            (self.area, OrgUnitKind.SERVICE_AREA), (self.team, OrgUnitKind.TEAM)):
            combo.blockSignals(True)
            combo.addItem(ANY, None)
            for u in sorted((u for u in mine if u.kind == kind), key=lambda u: u.name):
                combo.addItem(u.name, u.id)
            combo.blockSignals(False)
            combo.setEnabled(combo.count() > 2)
        self.law = self._combo("Law type", 8)
        self.case_type = self._combo("Case type", 14)
        self.kind = self._combo("Assessment kind", 14)
        for combo, items in ((self.law, [("Public", "public"), ("Private", "private")]),
                             (self.case_type, [(c.label, c.code) for c in CASE_TYPES.values()]),
                             (self.kind, [(k.label, k.value) for k in AssessmentKind])):
            combo.blockSignals(True)
            combo.addItem(ANY, None)
            for text, value in items:
                combo.addItem(text, value)
            combo.blockSignals(False)
        for label, widget in (("Region", self.region), ("Service area", self.area),
                              ("Team", self.team), ("Law", self.law),
                              ("Case type", self.case_type), ("Kind", self.kind)):
            second.addWidget(labelled(label, widget))
        return bar

    def _visible_units(self, units: Sequence[accounts.OrgUnitInfo]
                       ) -> list[accounts.OrgUnitInfo]:
        a = self.actor
        scope = scope_of(a.role, Action.VIEW_THEMES)
        if scope is Scope.SERVICE:  # a head of service: every region
            return list(units)
        if scope is Scope.TEAM:
            return [u for u in units if u.id == a.team_id]
        return [u for u in units if u.region_id == a.region_id]

    def _date(self, name: str, value: QDate) -> QDateEdit:
        edit = DateBox(value)  # Tab goes on to the next control, not to the month
        edit.setAccessibleName(name)
        edit.setToolTip(f"{name} (assessment date)")
        edit.dateChanged.connect(self._changed)
        return edit

    def _fill_versions(self) -> None:
        choice = self._choices.get(self.framework.currentData())
        self.version.blockSignals(True)
        self.version.clear()
        self.version.addItem("All versions", None)
        for v in choice.versions if choice else ():
            self.version.addItem(v, v)
        self.version.blockSignals(False)

    def current_filter(self) -> ThemeFilter | None:
        framework_id = self.framework.currentData()
        if not framework_id:
            return None
        kind = self.kind.currentData()
        return ThemeFilter(
            framework_id, self.version.currentData(),
            self.date_from.date().toPython(), self.date_to.date().toPython(),  # type: ignore[arg-type]
            region_id=self.region.currentData(), service_area_id=self.area.currentData(),
            team_id=self.team.currentData(), law_type=self.law.currentData(),
            case_type=self.case_type.currentData(),
            kind=AssessmentKind(kind) if kind else None)

    # -- loading ---------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        """Loads on first show, and again each time the page is shown (assessments may have
        been submitted or moderated meanwhile); the charts stay until the new data is in."""
        super().showEvent(event)
        self._started = True
        self.refresh()

    def _changed(self, *_args: Any) -> None:
        if self._started:
            self.refresh()

    def refresh(self) -> None:
        f = self.current_filter()
        if f is None:
            self.status.setText("No framework has submitted assessments in your view yet.")
            self.ready.emit()
            return
        self._generation += 1
        generation = self._generation
        self.status.setText("Loading…")
        store, actor = self.store, self.actor

        def job(_p: Progress) -> Dashboard:
            return themes.dashboard(store, actor, f)

        self._worker = run_in_background(
            job, lambda board: self._show(generation, board),
            lambda exc, tb: self._failed(generation, exc, tb))

    def _failed(self, generation: int, exc: BaseException, tb: str) -> None:
        if generation != self._generation:
            return
        self.status.setText("Could not load the themes.")
        show_error(self, exc, tb)

    def _show(self, generation: int, board: Dashboard) -> None:
        if generation != self._generation:
            return  # the filters changed while this was loading
        self.board = board
        n = board.assessments
        self.status.setText(f"{n:,} assessment{'s' if n != 1 else ''} in view")
        self.bars = []
        self._draw_grades(board)
        self._draw_trend(board)
        self._draw_development(board)
        self._draw_actions(board)
        self._draw_delay(board)
        good = board.good_codes[-1]
        self.heat_title.setText(f"<b>Teams × standards</b>: share graded {good} or better "
                                f"(of assessments graded; fewer than {themes.TOO_FEW} are "
                                "marked too few to read, and fewer than "
                                f"{themes.TOO_FEW} on either side withholds the share)")
        self.heat_model.set_board(board)
        self.heatmap.resizeColumnsToContents()
        self.delay_model.refresh()
        self.delay_table.resizeColumnsToContents()
        self.bars_model.refresh()
        self.bars_table.resizeColumnsToContents()
        self.ready.emit()

    # -- charts ----------------------------------------------------------------------------
    def _draw_grades(self, board: Dashboard) -> None:
        standards = list(reversed(board.standards))  # first standard at the top
        series = QHorizontalPercentBarSeries()
        for bar in _grade_sets(board, lambda code: [float(s.counts.get(code, 0))
                                                    for s in standards]):
            series.append(bar)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        codes = [b.code for b in board.bands]
        series.clicked.connect(lambda i, bar: self._pick(Pick(
            Element.GRADE, standard_id=standards[i].id, grade=codes[series.barSets().index(bar)]),
            f"{standards[i].title}: graded {bar.label()}"))
        chart = self.grades.fresh(f"{board.framework_title}: grades per standard (count in "
                                  "each segment; N/A left out)")
        chart.addSeries(series)
        axis = QBarCategoryAxis()
        axis.append([f"{_short(s.title, 36)} ({s.graded})" for s in standards])  # count kept
        chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis)
        value = QValueAxis()
        value.setRange(0, 100)
        value.setLabelFormat("%d%%")
        chart.addAxis(value, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(value)
        self.grades.setMinimumHeight(max(300, 60 + 34 * len(standards)))
        for st in board.standards:
            for band in board.bands:
                grade = f"{band.code} – {band.label}"
                self.bars.append(Bar("Grades per standard", f"{st.title}: {grade}",
                                     str(st.counts.get(band.code, 0)),
                                     Pick(Element.GRADE, standard_id=st.id, grade=band.code),
                                     f"{st.title}: graded {grade}"))
        self.grades.show_chart(chart, "; ".join(
            f"{s.title}: " + ", ".join(f"{code} {s.counts.get(code, 0)}" for code in codes)
            for s in board.standards))

    def _draw_trend(self, board: Dashboard) -> None:
        quarters = [q for q, _ in board.quarters]
        series = QPercentBarSeries()
        for bar in _grade_sets(board, lambda code: [float(c.get(code, 0))
                                                    for _, c in board.quarters]):
            series.append(bar)
        series.setLabelsVisible(True)
        codes = [b.code for b in board.bands]
        series.clicked.connect(lambda i, bar: self._pick(Pick(
            Element.QUARTER, quarter=quarters[i], grade=codes[series.barSets().index(bar)]),
            f"{quarters[i]}: graded {bar.label()}"))
        chart = self.trend.fresh("Grades by quarter (all standards)")
        chart.addSeries(series)
        axis = QBarCategoryAxis()
        axis.append([q if counts else f"{q} (none)" for q, counts in board.quarters])
        if len(board.quarters) > 4:  # upright labels would be cut short side by side
            axis.setLabelsAngle(-90)
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis)
        value = QValueAxis()
        value.setRange(0, 100)
        value.setLabelFormat("%d%%")
        chart.addAxis(value, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(value)
        for q, c in board.quarters:
            for band in board.bands:
                grade = f"{band.code} – {band.label}"
                self.bars.append(Bar("Grades by quarter", f"{q}: {grade}",
                                     str(c.get(band.code, 0)),
                                     Pick(Element.QUARTER, quarter=q, grade=band.code),
                                     f"{q}: graded {grade}"))
        self.trend.show_chart(chart, "; ".join(
            f"{q}: " + (", ".join(f"{k} {v}" for k, v in c.items()) or "no assessments")
            for q, c in board.quarters))

    def _draw_development(self, board: Dashboard) -> None:
        items = list(reversed(board.development))
        good = board.good_codes[-1]
        bar = QBarSet(f"Graded below {good}")
        bar.append([float(d.below) for d in items])
        bar.setColor(QColor("#9a6700"))
        bar.setLabelColor(QColor("#000000"))
        series = QHorizontalBarSeries()
        series.append(bar)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.clicked.connect(lambda i, _bar: self._pick(
            Pick(Element.DEVELOPMENT, standard_id=items[i].standard_id),
            f"{items[i].title}: graded below {good}"))
        chart = self.development.fresh(
            f"Areas for development: standards most often graded below {good}")
        chart.addSeries(series)
        axis = QBarCategoryAxis()
        axis.append([f"{d.below} of {d.graded}: {_short(d.title, 30)}" for d in items]
                    or ["none below " + good])
        chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis)
        value = QValueAxis()
        value.setRange(0, max([d.below for d in items], default=1) * 1.15)
        value.applyNiceNumbers()
        value.setLabelFormat("%d")
        chart.addAxis(value, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(value)
        chart.legend().hide()
        for d in board.development:
            self.bars.append(Bar("Areas for development", f"{d.title}: graded below {good}",
                                 f"{d.below} of {d.graded}",
                                 Pick(Element.DEVELOPMENT, standard_id=d.standard_id),
                                 f"{d.title}: graded below {good}"))
        self.development.show_chart(chart, "; ".join(
            f"{d.title}: {d.below} of {d.graded} below {good}" for d in board.development)
            or f"No standard graded below {good}")

    def _draw_actions(self, board: Dashboard) -> None:
        a = board.actions
        names = [("Open", a.open, Element.ACTIONS_OPEN, "#1d4e89"),
                 ("Done", a.done, Element.ACTIONS_DONE, "#1a7f37"),
                 ("Overdue (of open)", a.overdue, Element.ACTIONS_OVERDUE, "#b42318")]
        bar = QBarSet("Actions")
        bar.append([float(n) for _, n, _, _ in names])
        bar.setColor(QColor("#57606a"))
        bar.setLabelColor(QColor("#000000"))
        series = QBarSeries()
        series.append(bar)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.clicked.connect(lambda i, _bar: self._pick(Pick(names[i][2]),
                                                          f"Actions: {names[i][0].lower()}"))
        chart = self.actions_chart.fresh(
            "Actions from these assessments (overdue: open past their date)")
        chart.addSeries(series)
        axis = QBarCategoryAxis()
        axis.append([name.removesuffix(" (of open)") for name, _, _, _ in names])
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis)
        value = QValueAxis()
        value.setRange(0, max(1, a.open, a.done) * 1.15)
        value.applyNiceNumbers()
        value.setLabelFormat("%d")
        chart.addAxis(value, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(value)
        chart.legend().hide()
        for name, n, element, _colour in names:
            self.bars.append(Bar("Actions", name, str(n), Pick(element),
                                 f"Actions: {name.lower()}"))
        self.actions_chart.show_chart(chart, f"Open {a.open}, done {a.done}, overdue {a.overdue}")

    def _draw_delay(self, board: Dashboard) -> None:
        rows = board.delay
        late = QBarSet(f"% allocated after more than {board.benchmark_days} working days")
        late.append([round(100 * d.allocated_late / d.allocated, 1) if d.allocated else 0.0
                     for d in rows])
        late.setColor(QColor("#1d4e89"))
        late.setLabelColor(QColor("#000000"))
        over = QBarSet(f"% public-law cases over {board.timescale_weeks} weeks")
        over.append([round(100 * d.over_timescale / d.public_cases, 1) if d.public_cases
                     else 0.0 for d in rows])
        over.setColor(QColor("#9a6700"))
        over.setLabelColor(QColor("#000000"))
        series = QBarSeries()
        series.append(late)
        series.append(over)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)

        def clicked(i: int, bar: QBarSet) -> None:
            element = Element.ALLOCATED_LATE if bar is late else Element.OVER_TIMESCALE
            what = "allocated late" if bar is late else "over the timescale"
            self._pick(Pick(element, team_id=rows[i].team_id),
                       f"{board.teams.get(rows[i].team_id, '')}: cases {what}")

        series.clicked.connect(clicked)
        chart = self.delay.fresh(f"Delay by team: allocation against {board.benchmark_days} "
                                 f"working days, duration against {board.timescale_weeks} weeks")
        chart.addSeries(series)
        axis = QBarCategoryAxis()
        # team names over two lines: a category is narrow with several teams side by side
        axis.append([textwrap.fill(_short(board.teams.get(d.team_id, ""), 28), 14)
                     for d in rows] or ["no cases"])
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis)
        value = QValueAxis()
        value.setRange(0, 120)
        value.setTickCount(7)
        value.setLabelFormat("%d%%")
        chart.addAxis(value, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(value)
        for d in rows:
            team = board.teams.get(d.team_id, "")
            self.bars.append(Bar("Delay by team", f"{team}: {late.label()}",
                                 f"{d.allocated_late} of {d.allocated}",
                                 Pick(Element.ALLOCATED_LATE, team_id=d.team_id),
                                 f"{team}: cases allocated late"))
            self.bars.append(Bar("Delay by team", f"{team}: {over.label()}",
                                 f"{d.over_timescale} of {d.public_cases}",
                                 Pick(Element.OVER_TIMESCALE, team_id=d.team_id),
                                 f"{team}: cases over the timescale"))
        self.delay.show_chart(chart, "; ".join(
            f"{board.teams.get(d.team_id, '')}: {d.allocated_late} of {d.allocated} allocated "
            f"late, {d.over_timescale} of {d.public_cases} public-law cases over "
            f"{board.timescale_weeks} weeks" for d in rows) or "No cases in view")

    def _delay_cells(self, d: themes.TeamDelay) -> list[str]:
        teams = self.board.teams if self.board else {}

        def mean(v: float | None) -> str:
            return "—" if v is None else f"{v:.1f}"

        return [teams.get(d.team_id, ""), str(d.cases), f"{d.allocated_late} of {d.allocated}",
                mean(d.mean_allocation_days), str(d.public_cases),
                f"{d.over_timescale} of {d.public_cases}", mean(d.mean_duration_weeks)]

    # -- click-through ---------------------------------------------------------------------
    def _heat_activated(self, index: QModelIndex) -> None:
        found = self.heat_model.pick(index)
        if found is None:
            return
        team_id, sid = found
        team = self.board.teams.get(team_id, "") if self.board else ""
        title = next((s.title for s in self.board.standards if s.id == sid), sid) if (
            self.board) else sid
        self._pick(Pick(Element.CELL_ALL, standard_id=sid, team_id=team_id),
                   f"{team}: {title}")

    def _bar_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            bar: Bar = self.bars_model.item(index.row())
            self._pick(bar.pick, bar.title)

    def _delay_activated(self, index: QModelIndex) -> None:
        if not index.isValid() or self.board is None:
            return
        d: themes.TeamDelay = self.delay_model.item(index.row())
        team = self.board.teams.get(d.team_id, "")
        if index.column() >= 4:
            self._pick(Pick(Element.OVER_TIMESCALE, team_id=d.team_id),
                       f"{team}: public-law cases over {self.board.timescale_weeks} weeks")
        else:
            self._pick(Pick(Element.ALLOCATED_LATE, team_id=d.team_id),
                       f"{team}: cases allocated late")

    def _pick(self, pick: Pick, title: str) -> None:
        f = self.current_filter()
        if f is None:
            return
        store, actor = self.store, self.actor

        def job(_p: Progress) -> list[AssessmentRow]:
            ids = themes.assessment_ids_behind(store, actor, f, pick)
            return page_details(store, ids, actor)

        run_in_background(job, lambda rows: self._show_behind(title, rows),
                          lambda exc, tb: show_error(self, exc, tb))

    def _show_behind(self, title: str, rows: list[AssessmentRow]) -> None:
        dialog = BehindDialog(title, rows, self)
        dialog.openRequested.connect(self.openRequested.emit)
        self.behind = dialog
        dialog.show()

    # -- export ----------------------------------------------------------------------------
    def _export_table(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the themes table", "themes.xlsx",
            "Workbook (*.xlsx);;Comma-separated values (*.csv)")
        if name:
            self.export_table_to(Path(name))

    def save_team_summary(self) -> None:
        """Ask where, then save the team practice summary of what this view shows (its
        button, and Reports › Team summary while this page is showing)."""
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the team practice summary", "team-summary.pdf", "PDF (*.pdf)")
        if name:
            self.export_summary_to(Path(name))

    def export_summary_to(self, out: Path, then: Callable[[Path], None] | None = None) -> None:
        """The team practice summary of this view's filters and figures, written off the GUI
        thread (in the protective marking of the settings)."""
        from qa_audit.config import Settings
        from qa_audit.services import themes_summary

        f = self.current_filter()
        if f is None:
            return
        store, actor = self.store, self.actor
        marking = Settings.load().protective_marking

        def job(_p: Progress) -> Path:
            return themes_summary.export_summary(store, actor, f, out, marking=marking)

        def done(path: Path) -> None:
            self.status.setText(f"Saved {path.name}")
            if then is not None:
                then(path)

        run_in_background(job, done, lambda exc, tb: show_error(self, exc, tb))

    def export_table_to(self, out: Path, then: Callable[[Path], None] | None = None) -> None:
        f = self.current_filter()
        if f is None:
            return
        store, actor = self.store, self.actor

        def job(_p: Progress) -> Path:
            return themes.export_table(store, actor, f, ("team", "standard"), out)

        def done(path: Path) -> None:
            self.status.setText(f"Saved {path.name}")
            if then is not None:
                then(path)

        run_in_background(job, done, lambda exc, tb: show_error(self, exc, tb))


def _behind_cells(r: AssessmentRow) -> list[str]:
    return [format_date(r.assessed_on), r.case_reference or "—", r.team_name, r.kind.label,
            f"{r.framework_title} {r.framework_version}", r.status.label, r.overall_grade or "—"]


class BehindDialog(QDialog):
    """The assessments behind a chart element (no practitioner column); Enter opens one."""

    openRequested = Signal(object)

    def __init__(self, title: str, rows: list[AssessmentRow], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Assessments behind: {title}")
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        more = " (the newest 500)" if len(rows) >= 500 else ""
        count = QLabel(f"<b>{title}</b>: {len(rows)} assessment{'s' if len(rows) != 1 else ''}"
                       f"{more}")
        count.setWordWrap(True)
        count.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(count)
        self.model = ListModel(["Date", "Case", "Team", "Kind", "Framework", "Status",
                                "Overall"], lambda: rows, _behind_cells)
        self.table = read_only_table(self.model, "Assessments behind the chart")
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        open_button = buttons.addButton("&Open", QDialogButtonBox.ButtonRole.ActionRole)
        open_button.clicked.connect(lambda: self._open(self.table.currentIndex()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _open(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        row: AssessmentRow = self.model.item(index.row())
        self.openRequested.emit(row.id)
        self.accept()
