"""The editor's other pages: context answers, overall judgement, actions, response, addenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import ContextField, FieldType
from qa_audit.domain.records import ActionStatus, Agreement
from qa_audit.services.assessments import Narrative
from qa_audit.services.read_models import ActionInfo

from ..inputs import DateBox
from ..models import fitted_combo
from .state import NUMBER_PATTERN, EditorState, number_text, stored_answer

NO_ANSWER = "— not answered —"
NO_DATE = QDate(1752, 9, 14)
"""The date that stands for "not answered": Britain's first Gregorian day, before any answer."""


Answer = Callable[[Any], None]
"""Reports the user's answer to one field ("" for not answered)."""


def _typed_number(field: ContextField, text: str) -> int | float | str:
    """What is typed so far ("-", "2.") as the number it makes, or "" for not answered."""
    answer = stored_answer(field, text.rstrip("."))
    return "" if answer is None else answer


class AnswerDateEdit(DateBox):
    """A date input that may be left unanswered (shown as NO_ANSWER at the marker date)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setSpecialValueText(NO_ANSWER)
        self.setMinimumDate(NO_DATE)
        self.setDate(NO_DATE)

    def stepBy(self, steps: int) -> None:
        """From "not answered", the first step goes to today rather than to 15 Sep 1752."""
        if self.date() == self.minimumDate() and steps > 0:
            self.setDate(QDate.currentDate())
            return
        super().stepBy(steps)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Typing a day over "not answered" starts a date (today's) and types into it."""
        if self.date() == self.minimumDate() and event.text().isdigit():
            self.setDate(QDate.currentDate())
            self.setCurrentSection(QDateEdit.Section.DaySection)
            self.setSelectedSection(QDateEdit.Section.DaySection)
        super().keyPressEvent(event)


def text_edit(name: str, tip: str, placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    edit.setPlaceholderText(placeholder or tip)
    edit.setTabChangesFocus(True)
    return edit


class ContextPage(QWidget):
    """One input per context field, made from the field's type."""

    answered = Signal(str, object)

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.inputs: dict[str, QWidget] = {}
        form = QFormLayout(self)
        if not state.framework.context_fields:
            form.addRow(QLabel("This framework asks no context questions."))
        for field in state.framework.context_fields:
            widget = self._input(field)
            widget.setAccessibleName(field.label)
            widget.setToolTip(field.help or field.label + (" (required)" if field.required else ""))
            label = QLabel(field.label + (" *" if field.required else ""))
            label.setBuddy(widget)
            form.addRow(label, widget)
            self.inputs[field.id] = widget
        form.addRow(QLabel("* required before submission"))
        self.show_answers(state)

    def show_answers(self, state: EditorState) -> None:
        """Show the answers held by `state` (when the editor opens, and after a reload).

        A stored value of the wrong type is shown as not answered (it is left as stored
        until the user answers). Inputs report only the user's edits, never the loading.
        """
        for field in state.framework.context_fields:
            widget = self.inputs[field.id]
            answer = stored_answer(field, state.context.get(field.id))
            widget.blockSignals(True)
            try:
                self._show_answer(field, widget, answer)
            finally:
                widget.blockSignals(False)

    @staticmethod
    def _show_answer(field: ContextField, widget: QWidget, answer: Any) -> None:
        if isinstance(widget, QComboBox):
            options = [widget.itemText(i) for i in range(1, widget.count())]
            widget.setCurrentIndex(options.index(answer) + 1 if answer in options else 0)
        elif isinstance(widget, QListWidget):
            chosen = set(answer or ())
            for row in range(widget.count()):
                item = widget.item(row)
                item.setCheckState(Qt.CheckState.Checked if item.text() in chosen
                                   else Qt.CheckState.Unchecked)
        elif isinstance(widget, QDateEdit):
            date = dt.date.fromisoformat(answer) if answer else None
            # On or before NO_DATE shows as not answered.
            widget.setDate(QDate(date.year, date.month, date.day) if date else NO_DATE)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(answer or "")
        elif isinstance(widget, QLineEdit) and field.type is FieldType.NUMBER:
            widget.setText(number_text(answer) if answer is not None else "")
        elif isinstance(widget, QLineEdit):
            widget.setText(answer or "")

    def _input(self, field: ContextField) -> QWidget:
        """The (empty) input for one field, made from the field's type."""
        def emit(answer: Any, field_id: str = field.id) -> None:
            self.answered.emit(field_id, answer)

        if field.type in (FieldType.CHOICE, FieldType.YES_NO):
            options = list(field.choices) if field.type is FieldType.CHOICE else ["Yes", "No"]
            return self._choice_input(options, emit)
        if field.type is FieldType.MULTI_CHOICE:
            return self._multi_choice_input(field, emit)
        if field.type is FieldType.DATE:
            return self._date_input(emit)
        if field.type is FieldType.NUMBER:
            return self._number_input(field, emit)
        if field.type is FieldType.LONG_TEXT:
            area = text_edit(field.label, field.help or field.label)
            area.textChanged.connect(lambda a=area: emit(a.toPlainText()))
            return area
        line = QLineEdit()
        line.textEdited.connect(emit)
        return line

    @staticmethod
    def _choice_input(options: list[str], emit: Answer) -> QComboBox:
        combo = fitted_combo()  # a framework's long choice never widens the editor
        combo.addItems([NO_ANSWER, *options])
        combo.currentIndexChanged.connect(
            lambda i, c=combo: emit("" if i == 0 else c.currentText()))
        return combo

    @staticmethod
    def _multi_choice_input(field: ContextField, emit: Answer) -> QListWidget:
        listing = QListWidget()
        for choice in field.choices:
            item = QListWidgetItem(choice)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            listing.addItem(item)
        listing.itemChanged.connect(lambda _i, w=listing: emit([
            w.item(r).text() for r in range(w.count())
            if w.item(r).checkState() == Qt.CheckState.Checked]))
        return listing

    @staticmethod
    def _date_input(emit: Answer) -> QDateEdit:
        edit = AnswerDateEdit()
        edit.dateChanged.connect(lambda d, e=edit: emit(
            "" if d == e.minimumDate() else d.toString("yyyy-MM-dd")))
        return edit

    @staticmethod
    def _number_input(field: ContextField, emit: Answer) -> QLineEdit:
        # A line edit, not a spin box: empty is "not answered", so 0 is an answer like any
        # other, and the framework puts no range or whole-number limit on a number field.
        line = QLineEdit()
        line.setPlaceholderText(NO_ANSWER)
        line.setValidator(QRegularExpressionValidator(QRegularExpression(NUMBER_PATTERN), line))
        line.textEdited.connect(lambda text: emit(_typed_number(field, text)))
        return line

    def set_editable(self, editable: bool) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(not editable)
            else:
                widget.setEnabled(editable)


class OverallPage(QWidget):
    """The child's voice, impact of delay, strengths, areas for development, overall grade."""

    edited = Signal(object, str)  # Narrative, text

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.overall = QLabel()
        self.overall.setObjectName("standardTitle")
        self.overall.setAccessibleName("Overall judgement")
        layout.addWidget(self.overall)
        method = state.framework.overall.method.value.replace("_", " ")
        layout.addWidget(QLabel(f"Worked out by the framework's rule ({method}); not applicable "
                                "standards are left out."))
        self.edits: dict[Narrative, QPlainTextEdit] = {}
        tips = {
            Narrative.CHILDS_VOICE: "Is the child's voice clear, in their own words?",
            Narrative.IMPACT_OF_DELAY: "Delay in this case and what it meant for the child",
            Narrative.STRENGTHS: "What was done well",
            Narrative.AREAS_FOR_DEVELOPMENT: "What would make the practice better",
        }
        for narrative in Narrative:
            edit = text_edit(narrative.label, tips[narrative])
            self.edits[narrative] = edit
            edit.textChanged.connect(lambda n=narrative, e=edit: self.edited.emit(
                n, e.toPlainText()))
            label = QLabel(narrative.label)
            label.setBuddy(edit)
            layout.addWidget(label)
            layout.addWidget(edit)
        self.show_narratives(state)
        self.show_overall(state)

    def show_narratives(self, state: EditorState) -> None:
        """Show the texts held by `state` (when the editor opens, and after a reload)."""
        for narrative, edit in self.edits.items():
            edit.blockSignals(True)
            try:
                edit.setPlainText(state.narratives.get(narrative, ""))
            finally:
                edit.blockSignals(False)

    def show_overall(self, state: EditorState) -> None:
        from qa_audit.domain.scoring import overall_grade, overall_wording

        grade = overall_grade(state.framework, state.grades)
        wording = overall_wording(state.framework, grade.code if grade else None)
        self.overall.setText(f"Overall: {wording[0].lower()}{wording[1:]}" if grade is None
                             else f"Overall: {wording}")
        self.overall.setAccessibleName(self.overall.text())  # what it shows, not a title

    def set_editable(self, editable: bool) -> None:
        for edit in self.edits.values():
            edit.setReadOnly(not editable)


class ActionsPage(QWidget):
    """Actions agreed from the assessment: what, which standard, who, by when."""

    addRequested = Signal(str, object, object)  # text, standard id or None, due date or None
    removeRequested = Signal(object)
    doneRequested = Signal(object, bool)

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Action", "Standard", "Owner", "Due", "Status"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.setAccessibleName("Actions")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 380)
        layout.addWidget(self.table)
        form = QHBoxLayout()
        self.text = QLineEdit()
        self.text.setPlaceholderText("New action: what will be done")
        self.text.setAccessibleName("New action text")
        self.text.setToolTip("Describe the action; press Enter to add it")
        self.standard = fitted_combo("Standard the action relates to")
        self.standard.setToolTip("Standard the action relates to (optional)")
        self.standard.addItem("Any standard", None)
        for s in state.standards:
            self.standard.addItem(s.title, s.id)
        self.due = DateBox(QDate.currentDate().addDays(30))
        self.due.setAccessibleName("Due date")
        self.due.setToolTip("When the action is due")
        self.add = QPushButton("&Add action")
        self.add.setToolTip("Add the action (Enter)")
        self.add.clicked.connect(self._add)
        self.text.returnPressed.connect(self._add)
        self.remove = QPushButton("Re&move selected")
        self.remove.setToolTip("Remove the selected action")
        self.remove.clicked.connect(self._remove)
        self.done = QPushButton("Mar&k done")
        self.done.setToolTip("Mark the selected action done (or open again)")
        self.done.clicked.connect(self._toggle_done)
        self.table.itemSelectionChanged.connect(self._update_done)
        for w in (self.text, self.standard, self.due, self.add, self.remove, self.done):
            form.addWidget(w)
        form.setStretch(0, 3)
        layout.addLayout(form)
        self.show_actions(state.detail.actions)

    def show_actions(self, actions: tuple[ActionInfo, ...]) -> None:
        self._actions = actions
        self.table.setRowCount(len(actions))
        titles = {s.id: s.title for s in self._state.standards}
        today = dt.date.today()
        for row, a in enumerate(actions):
            cells = [a.text, titles.get(a.standard_id or "", "—"), a.owner_name,
                     a.due_on.strftime("%d %b %Y") if a.due_on else "—", a.state(today)]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self._update_done()

    def set_modes(self, can_edit: bool) -> None:
        for w in (self.text, self.standard, self.due, self.add, self.remove):
            w.setEnabled(can_edit)
        self._update_done()

    def _update_done(self) -> None:
        """'Mark done' for the selected action only if the services say this person may."""
        action = self._selected()
        self.done.setEnabled(action is not None and
                             self._state.capabilities.may_mark_action(action.owner_id))

    def _selected(self) -> ActionInfo | None:
        row = self.table.currentRow()
        return self._actions[row] if 0 <= row < len(self._actions) else None

    def _add(self) -> None:
        text = self.text.text().strip()
        if text:
            due = self.due.date().toPython()
            self.addRequested.emit(text, self.standard.currentData(), due)  # cleared once added

    def _remove(self) -> None:
        action = self._selected()
        if action is not None:
            self.removeRequested.emit(action.id)

    def _toggle_done(self) -> None:
        action = self._selected()
        if action is not None:
            self.doneRequested.emit(action.id, action.status is not ActionStatus.DONE)


AGREEMENT_WORDS: dict[str, str] = {Agreement.AGREE: "They agree with the feedback.",
                   Agreement.PARTLY: "⚠ They partly agree with the feedback.",
                   Agreement.DISAGREE: "⚠ They disagree with the feedback."}


class ResponsePage(QWidget):
    """The FCA's reflection and agreement; read-only for everyone else."""

    draftEdited = Signal()
    signRequested = Signal()
    returnRequested = Signal()

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.reflection = text_edit("Your reflection", "What you take from this feedback")
        label = QLabel("R&eflection")
        label.setBuddy(self.reflection)
        layout.addWidget(label)
        layout.addWidget(self.reflection)
        row = QHBoxLayout()
        view = QLabel("Your view of the feedback (choose one):")
        row.addWidget(view)
        self.agreement = QButtonGroup(self)
        self.radios: dict[Agreement, QRadioButton] = {}
        for value, text in ((Agreement.AGREE, "I &agree"), (Agreement.PARTLY, "I partl&y agree"),
                            (Agreement.DISAGREE, "I d&isagree")):
            radio = QRadioButton(text)
            radio.setAccessibleName(text.replace("&", ""))
            radio.setToolTip("Your view of the feedback")
            self.agreement.addButton(radio)
            self.radios[value] = radio
            row.addWidget(radio)
            radio.toggled.connect(lambda _c: self.draftEdited.emit())
        row.addStretch(1)
        layout.addLayout(row)
        self.reasons = text_edit("Reasons", "Why you do not fully agree (needed to partly agree "
                                 "or disagree)")
        reasons_label = QLabel("&Why you do not fully agree (reasons)")
        reasons_label.setBuddy(self.reasons)
        layout.addWidget(reasons_label)
        layout.addWidget(self.reasons)
        buttons = QHBoxLayout()
        self.sign = QPushButton("Si&gn and send response…")
        self.sign.setToolTip("Co-sign your reflection and agree the actions")
        self.sign.clicked.connect(self.signRequested.emit)
        self.send_back = QPushButton("Ask for &changes…")
        self.send_back.setToolTip("Return the assessment to your supervisor with a reason")
        self.send_back.clicked.connect(self.returnRequested.emit)
        buttons.addWidget(self.sign)
        buttons.addWidget(self.send_back)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.reflection.textChanged.connect(self.draftEdited.emit)
        self.reasons.textChanged.connect(self.draftEdited.emit)
        self.show_response(state)

    def values(self) -> tuple[str, Agreement | None, str]:
        """Reflection, agreement (None until the practitioner chooses: there is no default)
        and reasons."""
        chosen = next((a for a, r in self.radios.items() if r.isChecked()), None)
        return self.reflection.toPlainText(), chosen, self.reasons.toPlainText()

    def _check(self, agreement: Agreement | None) -> None:
        self.agreement.setExclusive(False)  # an exclusive group cannot show none chosen
        for value, radio in self.radios.items():
            radio.setChecked(value is agreement)
        self.agreement.setExclusive(True)

    def show_response(self, state: EditorState) -> None:
        response = state.detail.response
        blockers = [self.reflection, self.reasons, *self.radios.values()]
        for w in blockers:
            w.blockSignals(True)
        self.reflection.setPlainText(response.reflection if response else "")
        self.reasons.setPlainText(response.reasons if response else "")
        agreement = response.agreement if response else None
        self._check(agreement)
        for w in blockers:
            w.blockSignals(False)
        can = state.can_respond
        for w in (self.reflection, self.reasons):
            w.setReadOnly(not can)
        for w in (*self.radios.values(), self.sign, self.send_back):
            w.setEnabled(can)
        if can:
            self.intro.setText("Read the feedback, then write your reflection. It is saved as "
                               "you type; sign when you are ready.")
        elif response and response.signed_at:
            view = AGREEMENT_WORDS.get(agreement or "", "")
            self.intro.setText(f"Signed by the practitioner on "
                               f"{response.signed_at:%d %b %Y at %H:%M} (UTC). {view}"
                               + (f" Their reasons: {response.reasons}"
                                  if agreement is not Agreement.AGREE and response.reasons
                                  else ""))
        else:
            self.intro.setText("The practitioner has not responded yet.")


class AddendaPage(QWidget):
    addRequested = Signal(str)

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A finalised assessment is read-only. Corrections and later "
                                "notes are added here, dated and signed."))
        self.listing = QListWidget()
        self.listing.setAccessibleName("Addenda")
        layout.addWidget(self.listing)
        self.text = text_edit("New addendum", "The correction or note to add")
        layout.addWidget(self.text)
        self.add = QPushButton("&Add addendum")
        self.add.setToolTip("Add the dated addendum")
        self.add.clicked.connect(self._add)
        layout.addWidget(self.add, alignment=Qt.AlignmentFlag.AlignLeft)
        self.show_addenda(state)

    def show_addenda(self, state: EditorState) -> None:
        self.listing.clear()
        for a in state.detail.addenda:
            self.listing.addItem(f"{a.created_at:%d %b %Y %H:%M} — {a.author_name}: {a.text}")
        if not state.detail.addenda:
            self.listing.addItem("None recorded.")
        self.text.setEnabled(state.can_add_addendum)
        self.add.setEnabled(state.can_add_addendum)

    def _add(self) -> None:
        text = self.text.toPlainText().strip()
        if text:
            self.addRequested.emit(text)  # cleared once added
