"""The panel for one standard: statement, guidance, indicators, prompts, grade, evidence."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import Standard

from ..wrapping import breakable
from .state import EditorState


def _label(text: str, name: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _grade_text(label: str, key: str | None) -> str:
    text = label.replace("&", "&&")  # '&' would be read as a shortcut mark
    return f"{text}  [{key}]" if key else text


def _grade_tip(label: str, key: str | None, meaning: str = "") -> str:
    if key:
        tip = f"Grade this standard {label} (key {key}, or Alt+{key})"
    else:
        tip = (f"Grade this standard {label} (no key: only the first nine grades have keys; "
               "Tab to this button and press Space)")
    return f"{meaning}\n\n{tip}" if meaning else tip


class StandardPanel(QWidget):
    """Shows the current standard and reports edits as signals.

    Three parts, so that grading never happens blind: the standard's number and title at
    the top, its statement, guidance, indicators and prompts in a scroll area (scrolled to
    the top for each standard) and, below a splitter, the grade buttons, evidence and
    commentary, always in view (at 1366×768 too).
    """

    gradeChosen = Signal(str, object)  # standard id, code or None
    evidenceEdited = Signal(str, str)
    commentaryEdited = Signal(str, str)
    indicatorsEdited = Signal(str, list)

    def __init__(self, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.area_label = _label("", "subheading")
        self.title = _label("", "standardTitle")
        outer.addWidget(self.area_label)
        outer.addWidget(self.title)
        self.details = QScrollArea()
        self.details.setObjectName("standardDetails")
        self.details.setAccessibleName("Standard's statement, guidance, indicators and prompts")
        self.details.setToolTip("The standard's statement, guidance, indicators and prompts")
        self.details.setWidgetResizable(True)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.details.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 4, 0)
        self.statement = _label("")
        self.guidance_box = QGroupBox("What good looks like")
        self.guidance = _label("")
        QVBoxLayout(self.guidance_box).addWidget(self.guidance)
        self.indicators_box = QGroupBox("Indicators seen in the evidence")
        self.indicators_layout = QVBoxLayout(self.indicators_box)
        self.prompts_box = QGroupBox("Reflective prompts for supervision")
        self.prompts = _label("")
        self.prompts.setTextFormat(Qt.TextFormat.RichText)
        QVBoxLayout(self.prompts_box).addWidget(self.prompts)
        for shown in (self.statement, self.guidance_box, self.indicators_box,
                      self.prompts_box):
            layout.addWidget(shown)
        layout.addStretch(1)

        self.grade_box = QGroupBox("Grade")
        grade_row = QGridLayout(self.grade_box)
        self.grade_group = QButtonGroup(self)
        self.grade_group.setExclusive(False)  # so a grade can be cleared by clicking it again
        self.grade_buttons: dict[str, QPushButton] = {}
        for position, (key, code, label) in enumerate(state.grade_choices()):
            button = QPushButton(_grade_text(label, key))
            grade = state.framework.scale.grade(code)
            button.setToolTip(_grade_tip(label, key, grade.description if grade else ""))
            button.setCheckable(True)
            button.setProperty("grade", True)
            button.setAccessibleName(f"Grade {label}")
            button.clicked.connect(lambda checked, c=code: self._grade_clicked(c, checked))
            self.grade_group.addButton(button)
            self.grade_buttons[code] = button
            button.installEventFilter(self)
            grade_row.addWidget(button, position // 3, position % 3)
        self.chosen = QLabel()
        self.chosen.setObjectName("subheading")
        grade_row.addWidget(self.chosen, grade_row.rowCount(), 0, 1, 3)

        self.evidence = QPlainTextEdit()
        self.evidence.setMinimumHeight(72)
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setToolTip("What you saw in the file and where (section, page, date)")
        self.evidence.setPlaceholderText("Evidence: what you saw and where in the file")
        self.evidence.setTabChangesFocus(True)
        self.evidence.textChanged.connect(self._evidence_changed)
        self.commentary = QPlainTextEdit()
        self.commentary.setMinimumHeight(56)
        self.commentary.setAccessibleName("Commentary")
        self.commentary.setToolTip("Your analysis: what this means for the child")
        self.commentary.setPlaceholderText("Commentary and analysis")
        self.commentary.setTabChangesFocus(True)
        self.commentary.textChanged.connect(self._commentary_changed)
        self.evidence_hint = _label("", "subheading")
        grading = QWidget()
        below = QVBoxLayout(grading)
        below.setContentsMargins(0, 0, 0, 0)
        evidence_label = _label("&Evidence")
        evidence_label.setTextFormat(Qt.TextFormat.AutoText)
        evidence_label.setBuddy(self.evidence)
        commentary_label = _label("Co&mmentary")
        commentary_label.setTextFormat(Qt.TextFormat.AutoText)
        commentary_label.setBuddy(self.commentary)
        parts: tuple[QWidget, ...] = (self.grade_box, evidence_label, self.evidence,
                                      self.evidence_hint, commentary_label, self.commentary)
        for part in parts:
            below.addWidget(part)
        below.setStretch(2, 3)
        below.setStretch(5, 2)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.details)
        self.splitter.addWidget(grading)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([500, 400])  # in proportion; the grading part keeps its minimum
        outer.addWidget(self.splitter, 1)
        self._checkboxes: list[QCheckBox] = []

    # -- showing ---------------------------------------------------------------------------
    def show_standard(self, standard: Standard) -> None:
        state = self._state
        self._loading = True
        try:
            area = state.framework.area_of(standard.id)
            self.area_label.setText(breakable(area.title))
            position = state.standards.index(standard) + 1
            self.title.setText(breakable(f"{position}. {standard.title}"))
            self.statement.setText(breakable(standard.statement))
            self.guidance.setText(breakable(standard.guidance or "No guidance given."))
            self.guidance_box.setVisible(bool(standard.guidance))
            self._show_indicators(standard)
            items = "".join(f"<li>{html.escape(breakable(p))}</li>" for p in standard.prompts)
            self.prompts.setText(f"<ul>{items}</ul>" if items else "None given.")
            self.prompts_box.setVisible(bool(standard.prompts))
            code = state.grades.get(standard.id)
            for grade_code, button in self.grade_buttons.items():
                button.setChecked(grade_code == code)
            self._show_chosen(code, announce=False)
            self.evidence.setPlainText(state.evidence.get(standard.id, ""))
            self.commentary.setPlainText(state.commentary.get(standard.id, ""))
            self.update_hint(standard)
            self.set_editable(state.can_edit)
        finally:
            self._loading = False
        self.details.verticalScrollBar().setValue(0)  # the new standard from its start

    def _show_indicators(self, standard: Standard) -> None:
        for box in self._checkboxes:
            self.indicators_layout.removeWidget(box)
            box.hide()  # gone at once, not only when the event loop deletes it
            box.deleteLater()
        self._checkboxes = []
        ticked = self._state.indicators.get(standard.id, set())
        for text in standard.indicators:
            box = QCheckBox(text.replace("&", "&&"))  # '&' would be read as a shortcut mark
            box.setProperty("indicator", text)
            box.setChecked(text in ticked)
            box.setAccessibleName(f"Indicator: {text}")
            box.setToolTip("Tick if the evidence shows this")
            box.toggled.connect(self._indicators_changed)
            self.indicators_layout.addWidget(box)
            self._checkboxes.append(box)
        self.indicators_box.setVisible(bool(standard.indicators))

    def update_hint(self, standard: Standard) -> None:
        from qa_audit.domain.scoring import needs_evidence

        code = self._state.grades.get(standard.id)
        threshold = standard.evidence_required_below
        if needs_evidence(self._state.framework, standard, code):
            self.evidence_hint.setText("Evidence is required for this grade.")
        elif threshold:
            label = self._state.grade_label(threshold)
            self.evidence_hint.setText(f"Evidence is required for grades below {label}.")
        else:
            self.evidence_hint.setText("")

    def set_editable(self, editable: bool) -> None:
        for button in self.grade_buttons.values():
            button.setEnabled(editable)
        for box in self._checkboxes:
            box.setEnabled(editable)
        self.evidence.setReadOnly(not editable)
        self.commentary.setReadOnly(not editable)

    # -- edits -----------------------------------------------------------------------------
    def choose_grade(self, code: str | None) -> None:
        """Select a grade (from a key press) as if its button were clicked."""
        if not self._state.can_edit:
            return
        standard = self._state.standard
        for grade_code, button in self.grade_buttons.items():
            button.setChecked(grade_code == code)
        self.gradeChosen.emit(standard.id, code)
        self.update_hint(standard)
        self._show_chosen(code, announce=True)

    def _show_chosen(self, code: str | None, announce: bool) -> None:
        """The grade in words under the buttons (and read out when a key chose it); the
        chosen button (or the first) is the group's one Tab stop."""
        text = (f"Grade: {self._state.grade_label(code)}" if code
                else "Not graded yet: press a grade's key, or Tab here and use the arrows")
        self.chosen.setText(text)
        self.chosen.setAccessibleName(text)
        stop = self.grade_buttons.get(code or "") or next(iter(self.grade_buttons.values()))
        for button in self.grade_buttons.values():
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if button is stop
                                  else Qt.FocusPolicy.ClickFocus)
        if announce:
            QAccessible.updateAccessibility(QAccessibleEvent(self.chosen,
                                                             QAccessible.Event.Alert))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys move between the grade buttons (one group, one Tab stop)."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and watched in self.grade_buttons.values()
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1,
                    Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
            if step is not None:
                buttons = list(self.grade_buttons.values())
                index = buttons.index(watched)  # type: ignore[arg-type]
                buttons[(index + step) % len(buttons)].setFocus(
                    Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)

    def _grade_clicked(self, code: str, checked: bool) -> None:
        self.choose_grade(code if checked else None)

    def _evidence_changed(self) -> None:
        if not self._loading:
            self.evidenceEdited.emit(self._state.standard.id, self.evidence.toPlainText())

    def _commentary_changed(self) -> None:
        if not self._loading:
            self.commentaryEdited.emit(self._state.standard.id, self.commentary.toPlainText())

    def _indicators_changed(self) -> None:
        if not self._loading:
            ticked = [str(b.property("indicator")) for b in self._checkboxes if b.isChecked()]
            self.indicatorsEdited.emit(self._state.standard.id, ticked)
