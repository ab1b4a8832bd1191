"""The assessment editor driven as a person would: real widgets, keyboard events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QMessageBox

from qa_audit.domain.workflow import Status
from qa_audit.errors import ReadOnly
from qa_audit.services import assessments
from qa_audit.ui.editor import AssessmentEditor
from qa_audit.ui.editor.submit_dialog import MissingDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def _editor(qtbot, world, actor, aid) -> AssessmentEditor:
    editor = AssessmentEditor(world.store, actor, aid)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    editor.tree.setFocus()
    return editor


def _said(qtbot, editor: AssessmentEditor, text: str):
    """Wait until the editor's status line says `text` (its change has been made)."""
    return qtbot.waitSignal(editor.saveStateChanged, timeout=5000,
                            check_params_cb=lambda said: said == text)


def _status(world, aid) -> Status:
    return assessments.get_assessment(world.store, world.supervisor, aid).status


def test_whole_case_audit_by_keyboard_only(qtbot, world, on_modal) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, world.supervisor, aid)
    tree = editor.tree
    qtbot.keyClick(tree, Qt.Key.Key_2)  # 'seen': Good
    qtbot.keyClick(tree, Qt.Key.Key_Down, CTRL)
    assert editor.state.standard.id == "care-plan"
    qtbot.keyClick(tree, Qt.Key.Key_3)  # Requires improvement: evidence needed
    assert editor.tree.currentItem().text(1) == "! Evidence needed"
    for _ in range(20):  # Tab through the panel in reading order to the evidence box
        if editor.focusWidget() is editor.panel.evidence:
            break
        qtbot.keyClick(editor.focusWidget() or editor.tree, Qt.Key.Key_Tab)
    assert editor.focusWidget() is editor.panel.evidence
    qtbot.keyClicks(editor.panel.evidence, "Plan not tested against the parenting assessment")
    qtbot.keyClick(editor.panel.evidence, Qt.Key.Key_Down, CTRL)
    assert editor.state.standard.id == "sgo"
    assert editor.focusWidget() is editor.panel.evidence
    qtbot.keyClick(editor.panel.evidence, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert editor.panel.evidence.toPlainText() == ""  # Alt+N graded, it did not type

    # Submitting first lists what is missing (the context question) and jumps to it.
    def go_to_first(dialog) -> None:
        assert isinstance(dialog, MissingDialog)
        assert dialog.listing.item(0).text() == "Setting: required"
        qtbot.keyClick(dialog.listing, Qt.Key.Key_Return)

    on_modal(go_to_first)
    qtbot.keyClick(editor.panel.evidence, Qt.Key.Key_Return, CTRL)
    combo = editor.context_page.inputs["setting"]
    assert isinstance(combo, QComboBox)
    assert editor.tabs.currentWidget() is editor.context_page
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "Home visit"

    def confirm(box) -> None:
        assert isinstance(box, QMessageBox)
        qtbot.keyClick(box, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)

    on_modal(confirm)
    with _said(qtbot, editor, "Submitted to the practitioner"):  # off the GUI thread
        qtbot.keyClick(combo, Qt.Key.Key_Return, CTRL)
    assert _status(world, aid) is Status.SUBMITTED
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert detail.ratings["seen"].grade == "G"
    assert detail.ratings["care-plan"].evidence.startswith("Plan not tested")
    assert detail.ratings["sgo"].grade == "N/A"
    assert detail.context["setting"] == "Home visit"
    assert (not editor.submit.isVisible() and not editor.panel.evidence.isEnabled()) or (
        editor.panel.evidence.isReadOnly())


def test_fca_responds_and_supervisor_finalises(qtbot, world, on_modal) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    editor = _editor(qtbot, world, world.fca, aid)
    assert not editor.state.can_edit and editor.state.can_respond
    assert not editor.panel.grade_buttons["O"].isEnabled()
    page = editor.response_page
    editor.tabs.setCurrentWidget(page)
    qtbot.keyClicks(page.reflection, "I will bring the child's words into my analysis.")
    page.radios[assessments.Agreement.AGREE].setChecked(True)
    with _said(qtbot, editor, "Response signed and sent"):
        qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
        assert not page.sign.isEnabled()  # while it is being signed
    assert _status(world, aid) is Status.RESPONDED
    response = assessments.get_assessment(world.store, world.fca, aid).response
    assert response is not None and response.signed_at is not None
    assert "child's words" in response.reflection

    sup_editor = _editor(qtbot, world, world.supervisor, aid)
    assert sup_editor.finalise_button.isVisible()
    on_modal(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    with _said(qtbot, sup_editor, "Finalised"):
        qtbot.mouseClick(sup_editor.finalise_button, Qt.MouseButton.LeftButton)
    assert _status(world, aid) is Status.FINALISED
    assert sup_editor.panel.evidence.isReadOnly()
    assert not any(b.isEnabled() for b in sup_editor.panel.grade_buttons.values())
    qtbot.keyClick(sup_editor.tree, Qt.Key.Key_1)  # grading keys do nothing now
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].grade == "G"
    with pytest.raises(ReadOnly):
        assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="O")
    assert sup_editor.addenda_page.add.isEnabled()


def test_typed_text_survives_closing_the_window_mid_edit(qtbot, world) -> None:
    from qa_audit.ui.main_window import MainWindow

    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    editor._timer.setInterval(60_000)  # no autosave: only closing can save it
    editor.panel.evidence.setFocus()
    qtbot.keyClicks(editor.panel.evidence, "Seen alone at school; words recorded")
    editor.panel.evidence.insertPlainText(" — Zażółć")  # QTest types ASCII only
    assert editor.state.dirty
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].evidence == ""  # nothing saved yet
    assert window.close()  # the real window, closed as a person closes it
    assert not window.isVisible()
    reopened = _editor(qtbot, world, world.supervisor, aid)
    assert reopened.panel.evidence.toPlainText() == (
        "Seen alone at school; words recorded — Zażółć")


def test_autosave_after_a_pause(qtbot, world) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, world.supervisor, aid)
    editor._timer.setInterval(50)
    with qtbot.waitSignal(editor.saveStateChanged, timeout=5000,
                          check_params_cb=lambda said: said.startswith("Saved")):
        qtbot.keyClick(editor.tree, Qt.Key.Key_1)  # nothing else saves it: the timer does
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].grade == "O"


def test_only_the_scales_grades_are_offered(qtbot, world) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, world.supervisor, aid)
    assert set(editor.panel.grade_buttons) == {"O", "G", "RI", "I", "N/A"}
    qtbot.keyClick(editor.tree, Qt.Key.Key_7)  # no seventh grade: nothing happens
    assert editor.state.grades.get("seen") is None
