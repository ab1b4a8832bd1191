"""The editor's inputs on any framework: every context field type, any stored value, long scales."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QListWidget

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, ContextField, FieldType
from qa_audit.services import assessments, frameworks
from qa_audit.store.tables import Assessment
from qa_audit.ui.editor import AssessmentEditor
from qa_audit.ui.editor.pages import NO_ANSWER
from qa_audit.ui.editor.state import stored_answer

GRADE_CODES = [f"G{i}" for i in range(1, 12)]  # eleven grades: more than there are digit keys

EVERY_FIELD = """
schema: qa-audit/framework@1
id: every-field
version: "1"
title: Every kind of context field
applies_to: [case_audit]
law_type: any
scale:
  grades:
{grades}
  not_applicable: {{allowed: true, label: Not applicable}}
overall: {{method: lowest}}
context_fields:
  - {{id: count, label: Children in the household, type: number, required: true}}
  - {{id: dob, label: Parent's date of birth, type: date}}
  - {{id: present, label: Parent present, type: yes_no}}
  - {{id: absent, label: Other parent present, type: yes_no}}
  - {{id: setting, label: Setting, type: choice, choices: [Home visit, Court]}}
  - {{id: concerns, label: Concerns, type: multi_choice, choices: [Neglect, Domestic abuse]}}
  - {{id: note, label: Note, type: text}}
  - {{id: story, label: Story, type: long_text}}
areas:
  - id: a
    title: Area
    standards:
      - {{id: s1, title: One}}
"""


def _framework_file(tmp_path: Path) -> Path:
    grades = "\n".join(f"    - {{code: {code}, label: Grade {i}, score: {20 - i}}}"
                       for i, code in enumerate(GRADE_CODES, start=1))
    path = tmp_path / "every-field.yaml"
    path.write_text(EVERY_FIELD.format(grades=grades), encoding="utf-8")
    return path


def _new_audit(world, tmp_path: Path) -> object:
    version = frameworks.import_framework_file(world.store, world.admin,
                                               _framework_file(tmp_path)).version
    return assessments.create_assessment(world.store, world.supervisor,
                                         AssessmentKind.CASE_AUDIT, version.id,
                                         world.fca.user_id, case_id=world.case_id)


def _store_raw_context(world, aid, context: dict[str, object]) -> None:
    """Write context answers as they might be found on disk, past the service's checks."""
    with world.store.unit_of_work() as session:
        row = session.get(Assessment, aid)
        assert row is not None
        row.context = json.dumps(context)


def _editor(qtbot, world, aid) -> AssessmentEditor:
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    editor.tabs.setCurrentWidget(editor.context_page)
    return editor


def _saved_context(world, aid) -> dict[str, object]:
    return dict(assessments.get_assessment(world.store, world.supervisor, aid).context)


# -- 1. any stored value opens ---------------------------------------------------------------
def test_wrongly_typed_stored_answers_open_as_not_answered(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    _store_raw_context(world, aid, {
        "count": "lots", "dob": "last spring", "present": True, "absent": False,
        "setting": ["Court"], "concerns": 7, "note": {"a": 1}, "story": None,
    })
    editor = _editor(qtbot, world, aid)  # used to raise ValueError: invalid literal for int()
    inputs = editor.context_page.inputs
    count, dob = inputs["count"], inputs["dob"]
    assert isinstance(count, QLineEdit) and count.text() == ""
    assert isinstance(dob, QDateEdit) and dob.text() == NO_ANSWER
    present, absent, setting = inputs["present"], inputs["absent"], inputs["setting"]
    assert isinstance(present, QComboBox) and present.currentText() == "Yes"
    assert isinstance(absent, QComboBox) and absent.currentText() == "No"
    assert isinstance(setting, QComboBox) and setting.currentText() == NO_ANSWER
    concerns = inputs["concerns"]
    assert isinstance(concerns, QListWidget)
    assert all(concerns.item(r).checkState() == Qt.CheckState.Unchecked
               for r in range(concerns.count()))
    assert isinstance(inputs["note"], QLineEdit) and inputs["note"].text() == ""
    assert not editor.state.dirty  # opening shows; it never rewrites what is stored


def test_stored_values_of_the_right_meaning_in_another_shape_are_shown(
        qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    _store_raw_context(world, aid, {"count": "3", "present": " yes ", "concerns": "Neglect",
                                    "note": 12, "dob": "1985-05-01"})
    inputs = _editor(qtbot, world, aid).context_page.inputs
    assert inputs["count"].text() == "3"  # type: ignore[attr-defined]
    assert inputs["present"].currentText() == "Yes"  # type: ignore[attr-defined]
    concerns = inputs["concerns"]
    assert isinstance(concerns, QListWidget)
    assert [concerns.item(r).checkState() for r in range(2)] == [
        Qt.CheckState.Checked, Qt.CheckState.Unchecked]
    assert inputs["note"].text() == "12"  # type: ignore[attr-defined]


def test_reading_stored_values_never_raises() -> None:
    number = ContextField("n", "Number", FieldType.NUMBER)
    date = ContextField("d", "Date", FieldType.DATE)
    for value in ("lots", "", None, True, [], {}, float("nan"), float("inf"), "--1"):
        assert stored_answer(number, value) is None, value
    assert [stored_answer(number, v) for v in (0, -2.5, "7", "1e5")] == [0, -2.5, 7, 100000.0]
    for value in ("last spring", 19850501, None, True, ["1985-05-01"], "1985-02-30"):
        assert stored_answer(date, value) is None, value
    assert stored_answer(date, "1985-05-01") == "1985-05-01"


# -- 2. numbers: 0, negative, decimal; not answered is not 0 ---------------------------------
def test_a_number_can_be_answered_zero_negative_or_decimal(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    editor = _editor(qtbot, world, aid)
    count = editor.context_page.inputs["count"]
    assert isinstance(count, QLineEdit)
    assert count.text() == "" and count.placeholderText() == NO_ANSWER
    assert "count" in [m.target for m in editor.state.missing()]
    count.setFocus()
    qtbot.keyClicks(count, "0")
    assert editor.state.context["count"] == 0
    assert "count" not in [m.target for m in editor.state.missing()]
    assert editor.flush()
    saved = _saved_context(world, aid)["count"]
    assert saved == 0 and type(saved) is int

    count.selectAll()
    qtbot.keyClicks(count, "-2.5x")  # letters are refused as typed
    assert count.text() == "-2.5"
    assert editor.flush()
    saved = _saved_context(world, aid)["count"]
    assert saved == -2.5 and type(saved) is float

    count.selectAll()
    qtbot.keyClick(count, Qt.Key.Key_Backspace)  # cleared: not answered again, not 0
    assert editor.flush()
    assert _saved_context(world, aid)["count"] == ""
    assert "count" in [m.target for m in editor.state.missing()]

    qtbot.keyClicks(count, "250000")  # no upper limit the framework does not set
    assert editor.flush()
    assert _saved_context(world, aid)["count"] == 250000


def test_a_saved_number_reopens_as_typed(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    assessments.set_context(world.store, world.supervisor, aid, "count", -0.75)
    assert _editor(qtbot, world, aid).context_page.inputs["count"].text() == "-0.75"  # type: ignore[attr-defined]


def test_number_text_is_read_as_whole_or_decimal() -> None:
    from qa_audit.ui.editor.pages import _typed_number

    count = ContextField("n", "Number", FieldType.NUMBER)
    assert _typed_number(count, "0") == 0 and type(_typed_number(count, "0")) is int
    assert _typed_number(count, "-12") == -12
    assert _typed_number(count, "3.") == 3 and type(_typed_number(count, "3.")) is int
    assert _typed_number(count, ".5") == 0.5
    for text in ("", "-", ".", "1,5", "x"):  # (the input's validator refuses "1e3")
        assert _typed_number(count, text) == "", text


# -- 3. dates before 2000 --------------------------------------------------------------------
def test_a_date_of_birth_before_2000_shows_and_saves(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    assessments.set_context(world.store, world.supervisor, aid, "dob", "1985-05-01")
    editor = _editor(qtbot, world, aid)
    dob = editor.context_page.inputs["dob"]
    assert isinstance(dob, QDateEdit)
    assert dob.date() == QDate(1985, 5, 1) and dob.text() == "01 May 1985"

    dob.setFocus()
    dob.setDate(QDate(1900, 1, 1))  # as chosen from the calendar
    assert editor.flush()
    assert _saved_context(world, aid)["dob"] == "1900-01-01"

    dob.setDate(dob.minimumDate())  # back to not answered
    assert dob.text() == NO_ANSWER
    assert editor.flush()
    assert _saved_context(world, aid)["dob"] == ""


def test_a_date_is_typed_from_not_answered(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    editor = _editor(qtbot, world, aid)
    dob = editor.context_page.inputs["dob"]
    assert isinstance(dob, QDateEdit) and dob.text() == NO_ANSWER
    dob.setFocus()
    qtbot.keyClick(dob, Qt.Key.Key_Up)  # starts from today, not from the marker date
    assert dob.date().year() > 2000
    dob.setDate(dob.minimumDate())
    qtbot.keyClicks(dob, "01 May 1985")  # typing over "not answered" types a date
    assert dob.date().day() == 1 and dob.date().year() == 1985
    assert editor.flush()
    assert str(_saved_context(world, aid)["dob"]).startswith("1985-")


# -- 4. every grade of a long scale has a button ---------------------------------------------
def test_every_grade_of_a_long_scale_has_a_button(qtbot, world, tmp_path) -> None:
    aid = _new_audit(world, tmp_path)
    editor = _editor(qtbot, world, aid)
    editor.tabs.setCurrentIndex(0)
    panel = editor.panel
    assert list(panel.grade_buttons) == [*GRADE_CODES, NOT_APPLICABLE]
    assert "key 1" in panel.grade_buttons["G1"].toolTip()
    assert "key 9" in panel.grade_buttons["G9"].toolTip()
    assert "no key" in panel.grade_buttons["G10"].toolTip()
    assert "key N" in panel.grade_buttons[NOT_APPLICABLE].toolTip()

    qtbot.mouseClick(panel.grade_buttons["G11"], Qt.MouseButton.LeftButton)
    assert editor.state.grades["s1"] == "G11"
    assert panel.grade_buttons["G11"].isChecked()
    assert editor.flush()
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "s1"].grade == "G11"

    panel.grade_buttons["G10"].setFocus()
    qtbot.keyClick(panel.grade_buttons["G10"], Qt.Key.Key_Space)  # reachable by keyboard too
    assert editor.state.grades["s1"] == "G10"
    assert not panel.grade_buttons["G11"].isChecked()

    editor.tree.setFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_9)  # the digit keys still give the first nine
    assert editor.state.grades["s1"] == "G9"
    assert [k for k, _, _ in editor.state.key_grades()] == [*"123456789", "N"]


def test_a_grade_button_says_what_the_grade_means(qtbot, world, tmp_path) -> None:
    path = _framework_file(tmp_path)
    path.write_text(path.read_text().replace(
        "label: Grade 1, score: 19}", 'label: Grade 1, score: 19, description: "Every '
        'indicator seen and recorded"}'))
    version = frameworks.import_framework_file(world.store, world.admin, path).version
    aid = assessments.create_assessment(world.store, world.supervisor,
                                        AssessmentKind.CASE_AUDIT, version.id,
                                        world.fca.user_id, case_id=world.case_id)
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    buttons = editor.panel.grade_buttons
    assert buttons[GRADE_CODES[0]].toolTip().startswith("Every indicator seen and recorded")
    assert "key 1" in buttons[GRADE_CODES[0]].toolTip()
    assert buttons[GRADE_CODES[1]].toolTip().startswith("Grade this standard")
