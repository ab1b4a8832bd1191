"""The editor's inputs on any framework: every context field type, any stored value, long scales."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind
from qa_audit.services import assessments, frameworks
from qa_audit.store.tables import Assessment
from qa_audit.ui.editor import AssessmentEditor

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
