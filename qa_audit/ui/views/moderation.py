"""Moderation: draw a sample, score each audit blind, compare, record the outcome, and read
agreement across moderations. Also the dialog that draws cases to audit.

The scoring form shows the framework's standards and the moderator's own grades only; the
original grades come from `moderation.compare`, which refuses until the moderator submits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, allowed
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.errors import InvalidInput, UserError
from qa_audit.reports.tabular import write_csv
from qa_audit.services import frameworks, moderation, sampling
from qa_audit.services.database import Store
from qa_audit.services.documents import quarter
from qa_audit.services.moderation import Comparison, ModerationItem, Outcome, Stage

from ..errors import show_error
from ..models import ListModel, fitted_combo, format_date, heading_row, read_only_table
from ..operations import Change, changes

UNGRADED = "— not graded yet"


def _share(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def _kappa(v: float | None) -> str:
    return "not defined" if v is None else f"{v:.2f}"


def _item_cells(m: ModerationItem) -> list[str]:
    return [m.stage.label, m.case_reference or "—", m.team_name, m.framework_title,
            format_date(m.assessed_on), Outcome(m.outcome).label if m.outcome else ""]


class ModerationView(QWidget):
    """A quality lead's moderations and the agreement they add up to."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.current: ModerationItem | None = None
        self.combos: dict[str, QComboBox] = {}
        self._report: moderation.AgreementReport | None = None
        layout = QVBoxLayout(self)
        draw = QPushButton("Draw &sample…")
        draw.setToolTip("Draw audits to moderate (reproducible: the seed is recorded)")
        draw.clicked.connect(self.draw_sample)
        cases = QPushButton("Draw &cases to audit…")
        cases.setToolTip("Draw cases by rules and create draft audits for their supervisors")
        cases.clicked.connect(self.draw_cases)
        cases.setVisible(allowed(actor, Action.DRAW_CASE_SAMPLE))
        layout.addLayout(heading_row("Moderation", draw, cases))
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        # -- my moderations
        mine = QSplitter(Qt.Orientation.Horizontal)
        self.model = ListModel(["Stage", "Case", "Team", "Framework", "Date", "Outcome"],
                               lambda: moderation.list_moderations(store, actor), _item_cells)
        self.table = read_only_table(self.model, "My moderations")
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        mine.addWidget(self.table)
        self.detail_scroll = QScrollArea()
        self.detail_scroll.setAccessibleName("The moderation chosen")
        self.detail_scroll.setWidgetResizable(True)
        mine.addWidget(self.detail_scroll)
        mine.setSizes([520, 640])
        self.tabs.addTab(mine, "&My moderations")
        # -- agreement
        agreement = QWidget()
        column = QVBoxLayout(agreement)
        self.agreement_note = QLabel()
        self.agreement_note.setWordWrap(True)
        export = QPushButton("&Export agreement (CSV)…")
        export.clicked.connect(self._export_agreement)
        column.addLayout(heading_row("Agreement between first and second scoring",
                                     self.agreement_note, export))
        self.agreement_model = ListModel(
            ["Framework", "Standard", "Pairs", "Exact", "Within one grade",
             "Kappa (quadratic)"], self._agreement_rows, self._agreement_cells)
        self.agreement_table = read_only_table(self.agreement_model, "Agreement", 260)
        column.addWidget(self.agreement_table, 2)
        column.addWidget(QLabel("<b>Disagreements to discuss</b>"))
        self.disagreement_model = ListModel(
            ["Case", "Framework", "Standard", "Original", "Moderated"],
            lambda: self._report.disagreements if self._report else (),
            lambda d: [d.case_reference, d.framework_title, d.standard, d.original or "—",
                       d.moderated or "—"])
        self.disagreement_table = read_only_table(self.disagreement_model, "Disagreements")
        column.addWidget(self.disagreement_table, 1)
        self.tabs.addTab(agreement, "&Agreement")
        self.tabs.currentChanged.connect(lambda i: self.refresh_agreement() if i == 1 else None)
        self._show_detail(None)
        if self.model.rowCount():
            self.table.selectRow(0)

    # -- the list --------------------------------------------------------------------------
    def refresh(self) -> None:
        chosen = self.current.id if self.current else None
        self.model.refresh()
        self.table.resizeColumnsToContents()
        for row in range(self.model.rowCount()):
            if self.model.item(row).id == chosen:
                self.table.selectRow(row)
                return
        self._show_detail(None)

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_detail(self.model.item(current.row()) if current.isValid() else None)

    def select(self, moderation_id: uuid.UUID) -> None:
        for row in range(self.model.rowCount()):
            if self.model.item(row).id == moderation_id:
                self.table.selectRow(row)

    def _show_detail(self, item: ModerationItem | None) -> None:
        self.current = item
        self.combos = {}
        panel = QWidget()
        layout = QVBoxLayout(panel)
        if item is None:
            layout.addWidget(QLabel("Choose a moderation on the left, or draw a sample."))
        else:
            try:
                if item.stage is Stage.TO_SCORE:
                    self._scoring_form(layout, item)
                else:
                    self._comparison(layout, moderation.compare(self.store, self.actor,
                                                                item.id))
            except UserError as exc:
                layout.addWidget(QLabel(f"⚠ {exc}"))
        layout.addStretch(1)
        self.detail_scroll.setWidget(panel)

    # -- blind scoring ---------------------------------------------------------------------
    def _scoring_form(self, layout: QVBoxLayout, item: ModerationItem) -> None:
        form = moderation.get_form(self.store, self.actor, item.id)
        fw = frameworks.get_framework(self.store, form.framework_version_id)
        title = QLabel(f"<b>{item.case_reference or 'Assessment'}</b> · {item.team_name} · "
                       f"{fw.title} {fw.version}")
        title.setWordWrap(True)
        layout.addWidget(title)
        blind = QLabel("Score blind: read the case file and grade each standard. The first "
                       "auditor's grades stay hidden until you submit yours.")
        blind.setWordWrap(True)
        blind.setObjectName("subheading")
        layout.addWidget(blind)
        grid = QFormLayout()
        for area in fw.areas:
            heading = QLabel(f"<b>{area.title}</b>")
            heading.setWordWrap(True)
            grid.addRow(heading)
            for standard in area.standards:
                combo = self._grade_combo(fw, standard.required)
                combo.setAccessibleName(f"Your grade: {standard.title}")
                combo.setToolTip(standard.statement or standard.title)
                code = form.grades.get(standard.id)
                combo.setCurrentIndex(max(0, combo.findData(code)) if code else 0)
                combo.currentIndexChanged.connect(
                    lambda _i, sid=standard.id, c=combo: self._save_grade(sid, c.currentData()))
                label = QLabel(standard.title + ("" if standard.required else " (optional)"))
                label.setWordWrap(True)
                label.setMinimumWidth(280)
                label.setBuddy(combo)
                grid.addRow(label, combo)
                self.combos[standard.id] = combo
        layout.addLayout(grid)
        self.submit_button = QPushButton("S&ubmit my grades and compare")
        self.submit_button.setToolTip("Locks your grades, then shows the first auditor's")
        self.submit_button.clicked.connect(self.submit_current)
        layout.addWidget(self.submit_button, alignment=Qt.AlignmentFlag.AlignLeft)

    @staticmethod
    def _grade_combo(fw: Framework, required: bool) -> QComboBox:
        combo = fitted_combo(chars=24)
        combo.addItem(UNGRADED, None)
        for g in fw.scale.grades:
            combo.addItem(f"{g.code} – {g.label}", g.code)
        if fw.scale.not_applicable.allowed and not required:
            combo.addItem(f"N/A – {fw.scale.not_applicable.label}", NOT_APPLICABLE)
        return combo

    def _save_grade(self, standard_id: str, grade: str | None) -> None:
        if self.current is None:
            return
        try:
            moderation.save_grade(self.store, self.actor, self.current.id, standard_id, grade)
        except UserError as exc:
            show_error(self, exc)

    def submit_current(self) -> None:
        if self.current is None:
            return
        try:
            moderation.submit(self.store, self.actor, self.current.id)
        except UserError as exc:
            show_error(self, exc)
            return
        self.refresh()

    # -- comparison and outcome ------------------------------------------------------------
    def _comparison(self, layout: QVBoxLayout, c: Comparison) -> None:
        a = c.agreement
        head = QLabel(f"<b>{c.case_reference or 'Assessment'}</b>: your grades beside the "
                      f"first auditor's. Exact agreement {a.exact} of {a.pairs} "
                      f"({_share(a.exact_share)}), within one grade {a.within_one} of {a.pairs}.")
        head.setWordWrap(True)
        layout.addWidget(head)
        rows = [*((p.title, p.original, p.moderated) for p in c.pairs),
                ("Overall judgement", c.original_overall, c.moderated_overall)]
        model = ListModel(["Standard", "First auditor", "Moderator", "Same?"], lambda: rows,
                          lambda r: [r[0], r[1] or "—", r[2] or "—",
                                     "same" if r[1] == r[2] else "differs"])
        table = read_only_table(model, "Grades compared", 320)
        table.setMinimumHeight(60 + 30 * len(rows))
        layout.addWidget(table)
        self.comparison_model = model
        box = QLabel("<b>Outcome</b>")
        layout.addWidget(box)
        if c.outcome:
            done = QLabel(f"{Outcome(c.outcome).label}." + (f" Note: {c.notes}" if c.notes
                                                             else ""))
            done.setWordWrap(True)
            done.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(done)
            return
        self.outcome_group = QButtonGroup(self)
        row = QHBoxLayout()
        for outcome in Outcome:
            radio = QRadioButton(outcome.label)
            radio.setProperty("outcome", outcome.value)
            self.outcome_group.addButton(radio)
            row.addWidget(radio)
            radio.setChecked(outcome is Outcome.CONFIRMED)
        row.addStretch(1)
        layout.addLayout(row)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Outcome note")
        self.note.setPlaceholderText("What changes and why (needed when the judgement "
                                     "changes); discuss it with the auditor.")
        self.note.setMaximumHeight(120)
        layout.addWidget(self.note)
        record = QPushButton("&Record outcome")
        record.clicked.connect(self.record_outcome)
        layout.addWidget(record, alignment=Qt.AlignmentFlag.AlignLeft)

    def record_outcome(self) -> None:
        if self.current is None:
            return
        checked = self.outcome_group.checkedButton()
        outcome = Outcome(checked.property("outcome")) if checked else Outcome.CONFIRMED
        try:
            moderation.record_outcome(self.store, self.actor, self.current.id, outcome,
                                      self.note.toPlainText())
        except UserError as exc:
            show_error(self, exc)
            return
        self.refresh()

    # -- agreement -------------------------------------------------------------------------
    def _agreement_rows(self) -> tuple[moderation.AgreementRow, ...]:
        return self._report.rows if self._report else ()

    @staticmethod
    def _agreement_cells(r: moderation.AgreementRow) -> list[str]:
        a = r.agreement
        return [r.framework_title, r.what, str(a.pairs),
                f"{a.exact} ({_share(a.exact_share)})",
                f"{a.within_one} ({_share(a.within_one_share)})", _kappa(a.kappa)]

    def refresh_agreement(self) -> None:
        try:
            self._report = moderation.agreement_report(self.store, self.actor)
        except UserError as exc:
            show_error(self, exc)
            return
        self.agreement_note.setText(f"{self._report.moderations} submitted moderation"
                                    f"{'s' if self._report.moderations != 1 else ''}")
        self.agreement_model.refresh()
        self.disagreement_model.refresh()
        self.agreement_table.resizeColumnsToContents()
        self.disagreement_table.resizeColumnsToContents()

    def _export_agreement(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export agreement", "agreement.csv",
                                              "Comma-separated values (*.csv)")
        if name:
            self.export_agreement_to(Path(name))

    def export_agreement_to(self, out: Path) -> None:
        if self._report is None:
            self.refresh_agreement()
        if self._report is None:
            return
        if out.is_dir():
            show_error(self, InvalidInput(f"{out} is a folder: give a file name."))
            return
        header, rows = moderation.agreement_table(self._report)
        try:
            write_csv(out, header, rows)
        except OSError as exc:
            show_error(self, InvalidInput(f"The file could not be written: {exc.strerror}. "
                                          "Nothing was saved."))

    # -- drawing ---------------------------------------------------------------------------
    def draw_sample(self) -> None:
        dialog = DrawSampleDialog(self)
        if not dialog.exec():
            return
        try:
            result = moderation.draw_sample(self.store, self.actor, dialog.rules(),
                                            dialog.seed())
        except UserError as exc:
            show_error(self, exc)
            return
        QMessageBox.information(
            self, "Sample drawn",
            f"Drew {len(result.picked)} of {result.eligible} eligible audits to moderate.\n"
            f"Seed {result.seed} is recorded with the draw: the same seed over the same "
            "audits draws the same sample.")
        self.refresh()
        if self.model.rowCount() and self.current is None:
            self.table.selectRow(0)

    def draw_cases(self) -> None:
        draw_cases(self.store, self.actor, self)


def draw_cases(store: Store, actor: Actor, parent: QWidget) -> bool:
    """Ask for the rules, draw the cases and create the draft audits; True if any were."""
    dialog = DrawCasesDialog(store, parent)
    if not dialog.exec():
        return False
    try:
        result = sampling.draw_cases(store, actor, dialog.rules(), dialog.seed())
    except UserError as exc:
        show_error(parent, exc)
        return False
    if result.created:
        changes().announce({Change.ASSESSMENT})
    skipped = ("\nNo draft for: " + "; ".join(result.skipped)) if result.skipped else ""
    QMessageBox.information(
        parent, "Cases drawn",
        f"Drew {len(result.picked)} of {result.eligible} matching cases and created "
        f"{len(result.created)} draft audits for their teams' supervisors.\n"
        f"Seed {result.seed} is recorded with the draw.{skipped}")
    return bool(result.created)


def _seed_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText("new random seed")
    edit.setAccessibleName("Seed")
    edit.setToolTip("Leave empty for a new draw; give an earlier draw's seed to repeat it")
    return edit


def _seed_of(edit: QLineEdit) -> int | None:
    text = edit.text().strip()
    if not text:
        return None
    if not text.isdigit() or not text.isascii():
        raise InvalidInput("A seed is a whole number, such as 20250401.")
    return int(text)


class _DrawDialog(QDialog):
    seed_edit: QLineEdit

    def _finish(self, layout: QFormLayout) -> None:
        self.error = QLabel()
        self.error.setWordWrap(True)
        layout.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def _check(self) -> None:
        try:
            self.seed()
        except UserError as exc:
            self.error.setText(f"⚠ {exc}")
            return
        self.accept()

    def seed(self) -> int | None:
        return _seed_of(self.seed_edit)


class DrawSampleDialog(_DrawDialog):
    """Percent per team and quarter, the period, one per supervisor, and the seed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw a moderation sample")
        layout = QFormLayout(self)
        self.percent = QDoubleSpinBox()
        self.percent.setRange(0.5, 100)
        self.percent.setValue(10)
        self.percent.setSuffix(" %")
        self.percent.setAccessibleName("Percent of each team's audits per quarter")
        layout.addRow("&Percent of each team's audits per quarter:", self.percent)
        first, last = quarter(dt.date.today(), back=1)
        self.date_from = QDateEdit(QDate(first))
        self.date_to = QDateEdit(QDate(last))
        for edit, name in ((self.date_from, "From"), (self.date_to, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setAccessibleName(name)
        layout.addRow("&From:", self.date_from)
        layout.addRow("&To:", self.date_to)
        self.per_supervisor = QCheckBox("At least one audit of each supervisor")
        self.per_supervisor.setChecked(True)
        layout.addRow(self.per_supervisor)
        self.seed_edit = _seed_edit()
        layout.addRow("&Seed:", self.seed_edit)
        self._finish(layout)

    def rules(self) -> moderation.SampleRules:
        return moderation.SampleRules(self.percent.value(), self.per_supervisor.isChecked(),
                                      self.date_from.date().toPython(),  # type: ignore[arg-type]
                                      self.date_to.date().toPython())  # type: ignore[arg-type]


class DrawCasesDialog(_DrawDialog):
    """Rules for drawing cases to audit, and the seed."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw cases to audit")
        layout = QFormLayout(self)
        self.framework = fitted_combo("Framework", 30)
        for info in frameworks.latest_versions(store):
            if AssessmentKind.CASE_AUDIT in frameworks.get_framework(store, info.id).applies_to:
                self.framework.addItem(f"{info.title} {info.version}", info.id)
        layout.addRow("&Framework:", self.framework)
        self.per_team = QSpinBox()
        self.per_team.setRange(1, 100)
        self.per_team.setValue(2)
        self.per_team.setAccessibleName("Cases per team")
        layout.addRow("Cases per &team (at random):", self.per_team)
        self.past = QCheckBox("Only public-law cases past the 26-week timescale")
        self.late = QCheckBox("Only cases allocated later than the benchmark")
        layout.addRow(self.past)
        layout.addRow(self.late)
        self.case_type = fitted_combo("Case type", 20)
        self.case_type.addItem("Any", None)
        for c in CASE_TYPES.values():
            self.case_type.addItem(c.label, c.code)
        layout.addRow("Case t&ype:", self.case_type)
        self.months = QSpinBox()
        self.months.setRange(0, 120)
        self.months.setSpecialValueText("no limit")
        self.months.setSuffix(" months")
        self.months.setAccessibleName("Not audited in the last months")
        layout.addRow("&Not audited in the last:", self.months)
        self.seed_edit = _seed_edit()
        layout.addRow("&Seed:", self.seed_edit)
        self._finish(layout)

    def rules(self) -> sampling.CaseSampleRules:
        version: Any = self.framework.currentData()
        if version is None:
            raise InvalidInput("There is no case audit framework to audit against.")
        return sampling.CaseSampleRules(
            version, self.per_team.value(), self.past.isChecked(), self.late.isChecked(),
            self.case_type.currentData(), self.months.value() or None)
