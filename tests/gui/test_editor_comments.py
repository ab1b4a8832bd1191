"""The practitioner comments under each standard's feedback in the editor, as a person
would: typed, saved, shown again when reopened, signed with her response, read-only for
her supervisor."""

from __future__ import annotations

from PySide6.QtCore import Qt

from qa_audit.domain.workflow import Status
from qa_audit.services import assessments
from qa_audit.ui.editor import AssessmentEditor
from qa_audit.ui.editor.submit_dialog import SignResponseDialog

CTRL = Qt.KeyboardModifier.ControlModifier
ARABIC = "نعم، رأيته وحده 👍"


def _editor(qtbot, world, actor, aid) -> AssessmentEditor:
    editor = AssessmentEditor(world.store, actor, aid)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    return editor


def _submitted(world):
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    return aid


def _saved_comments(world, aid) -> dict[str, str]:
    response = assessments.get_assessment(world.store, world.fca, aid).response
    return {} if response is None else response.comments


def test_practitioner_types_comments_under_standards_and_they_are_there_again(
        qtbot, world, on_modal) -> None:
    aid = _submitted(world)
    editor = _editor(qtbot, world, world.fca, aid)
    panel = editor.panel
    editor.show_standard(0)  # "The child is seen and heard"
    assert panel.comment.isVisible() and not panel.comment.isReadOnly()
    assert panel.evidence.isReadOnly()  # the supervisor's feedback is not hers to change
    assert "Your comment" in panel.comment_label.text().replace("&", "")
    panel.comment.setFocus()
    qtbot.keyClicks(panel.comment, "I saw her alone twice")
    # Ctrl+Down from her comment: the next standard, her comment box again, empty.
    qtbot.keyClick(panel.comment, Qt.Key.Key_Down, CTRL)
    assert editor.state.standard.id == "care-plan"
    assert panel.comment.toPlainText() == "" and editor.focusWidget() is panel.comment
    panel.comment.insertPlainText(ARABIC)  # (as an input method types: QTest keys are ASCII)
    # Her reflection too, on the Response tab: both saved in one go.
    editor.tabs.setCurrentWidget(editor.response_page)
    qtbot.keyClicks(editor.response_page.reflection, "I take the point about the plan")
    assert editor.flush()
    assert _saved_comments(world, aid) == {"seen": "I saw her alone twice", "care-plan": ARABIC}
    response = assessments.get_assessment(world.store, world.fca, aid).response
    assert response is not None and response.reflection == "I take the point about the plan"

    again = _editor(qtbot, world, world.fca, aid)
    again.show_standard(0)
    assert again.panel.comment.toPlainText() == "I saw her alone twice"
    again.show_standard(1)
    assert again.panel.comment.toPlainText() == ARABIC
    # Changed in the reopened editor: saved over its own version, not refused as stale.
    again.panel.comment.selectAll()
    qtbot.keyClicks(again.panel.comment, "Tested after all")
    assert again.flush()
    assert _saved_comments(world, aid)["care-plan"] == "Tested after all"

    # Signing shows what she signs, comments included; then they are frozen.
    page = again.response_page
    page.radios[assessments.Agreement.AGREE].setChecked(True)
    seen: list[str] = []

    def sign(dialog) -> None:
        assert isinstance(dialog, SignResponseDialog)
        seen.append(dialog.summary.toPlainText())
        dialog.sign.click()

    on_modal(sign)
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: assessments.get_assessment(
        world.store, world.fca, aid).status is Status.RESPONDED)
    again.wait_for_operation()
    for expected in ("Your comments on the standards", "The child is seen and heard",
                     "I saw her alone twice", "Tested after all"):
        assert expected in seen[0], expected
    again.show_standard(0)
    assert again.panel.comment.isReadOnly()
    assert again.panel.comment.toPlainText() == "I saw her alone twice"


def test_supervisor_reads_the_comments_read_only_and_sees_no_box_where_there_is_none(
        qtbot, world) -> None:
    from qa_audit.services import comments

    aid = _submitted(world)
    comments.save_comment(world.store, world.fca, aid, "seen", "I saw her alone twice")
    editor = _editor(qtbot, world, world.supervisor, aid)
    editor.show_standard(0)
    panel = editor.panel
    assert panel.comment.isVisible() and panel.comment.isReadOnly()
    assert panel.comment.toPlainText() == "I saw her alone twice"
    assert "Practitioner's comment" in panel.comment_label.text().replace("&", "")
    panel.comment.setFocus()
    qtbot.keyClicks(panel.comment, "typed by the supervisor")  # read-only: nothing changes
    assert panel.comment.toPlainText() == "I saw her alone twice"
    assert editor.flush() and _saved_comments(world, aid) == {"seen": "I saw her alone twice"}
    editor.show_standard(1)  # no comment on this one: no empty box
    assert not panel.comment.isVisible() and not panel.comment_label.isVisible()
    # A draft of the supervisor's own: no comment box at all.
    draft = _editor(qtbot, world, world.supervisor, world.new_audit())
    draft.show_standard(0)
    assert not draft.panel.comment.isVisible()
