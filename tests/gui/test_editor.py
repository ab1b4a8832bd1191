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
    assert editor.tabs.currentWidget() is page  # it opens on the tab that needs her
    qtbot.keyClicks(page.reflection, "I will bring the child's words into my analysis.")
    page.radios[assessments.Agreement.AGREE].setChecked(True)
    on_modal(lambda dialog: dialog.sign.click())
    with _said(qtbot, editor, "Response signed and sent"):
        qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
        assert not page.sign.isEnabled()  # while it is being signed
    assert _status(world, aid) is Status.RESPONDED
    response = assessments.get_assessment(world.store, world.fca, aid).response
    assert response is not None and response.signed_at is not None
    assert "child's words" in response.reflection

    sup_editor = _editor(qtbot, world, world.supervisor, aid)
    assert sup_editor.finalise_button.isVisible()
    assert sup_editor.tabs.currentWidget() is sup_editor.response_page
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


def _submitted_with_action(world) -> object:
    aid = world.new_audit()
    world.complete(aid)
    assessments.add_action(world.store, world.supervisor, aid, "Read the plan with the FCA")
    assessments.submit(world.store, world.supervisor, aid)
    return aid


def test_signing_the_response_asks_first_and_shows_what_is_signed(
        qtbot, world, on_modal) -> None:
    from qa_audit.ui.editor.submit_dialog import SignResponseDialog

    aid = _submitted_with_action(world)
    editor = _editor(qtbot, world, world.fca, aid)
    page = editor.response_page
    assert not any(radio.isChecked() for radio in page.radios.values())  # no default
    qtbot.keyClicks(page.reflection, "I see the plan needed testing")
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    assert shown and "agree" in shown[0]  # asked to choose; nothing signed
    assert _status(world, aid) is Status.SUBMITTED
    qtbot.mouseClick(page.radios[assessments.Agreement.PARTLY], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.reasons, "The court moved the hearing")
    seen: list[str] = []

    def read_then(answer: str):
        def act(dialog) -> None:
            assert isinstance(dialog, SignResponseDialog)
            seen.append(dialog.summary.toPlainText())
            cancel = [b for b in dialog.findChildren(type(dialog.sign)) if b is not dialog.sign]
            assert cancel and cancel[0].isDefault()  # Enter does not sign
            (dialog.sign if answer == "sign" else cancel[0]).click()
        return act

    on_modal(read_then("cancel"))
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    assert _status(world, aid) is Status.SUBMITTED
    text = seen[0]
    for expected in ("I partly agree", "The court moved the hearing",
                     "I see the plan needed testing", "Read the plan with the FCA"):
        assert expected in text
    on_modal(read_then("sign"))
    qtbot.mouseClick(page.sign, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _status(world, aid) is Status.RESPONDED)
    response = assessments.get_assessment(world.store, world.fca, aid).response
    assert response is not None and response.agreement == "partly"
    assert editor.focusWidget() is not None and editor.isAncestorOf(editor.focusWidget())


def test_a_draft_response_keeps_no_agreement_until_one_is_chosen(qtbot, world) -> None:
    aid = _submitted_with_action(world)
    editor = _editor(qtbot, world, world.fca, aid)
    qtbot.keyClicks(editor.response_page.reflection, "Draft")
    assert editor.flush()
    again = _editor(qtbot, world, world.fca, aid)
    assert not any(r.isChecked() for r in again.response_page.radios.values())
    assert again.response_page.reflection.toPlainText() == "Draft"


def test_finalising_says_the_practitioner_disagreed_and_why(qtbot, world, on_modal) -> None:
    aid = _submitted_with_action(world)
    assessments.respond(world.store, world.fca, aid, "My reflection",
                        assessments.Agreement.DISAGREE, "The grade ignores the late filing")
    editor = _editor(qtbot, world, world.supervisor, aid)
    assert editor.tabs.currentWidget() is editor.response_page
    assert "disagree" in editor.response_page.intro.text()
    asked: list[str] = []
    on_modal(lambda box: (asked.append(box.text()),
                          box.button(QMessageBox.StandardButton.No).click()))
    qtbot.mouseClick(editor.finalise_button, Qt.MouseButton.LeftButton)
    assert asked and "disagrees" in asked[0]
    assert "The grade ignores the late filing" in asked[0]
    assert _status(world, aid) is Status.RESPONDED


def _visible_in(widget, window) -> bool:
    """Whether all of `widget` is painted inside the window (not clipped by a scroll area
    or below the window's edge)."""
    from PySide6.QtCore import QRect

    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return window.rect().contains(QRect(top_left, widget.size()))


def test_moving_to_a_standard_shows_its_number_title_and_grades(qtbot, world) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, world.supervisor, aid)
    editor.resize(900, 560)
    panel = editor.panel
    bar = panel.details.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolled down while reading the first standard
    qtbot.keyClick(editor.tree, Qt.Key.Key_Down, CTRL)
    assert editor.state.standard.id == "care-plan"
    assert panel.title.text() == "2. The care plan is analysed"
    assert bar.value() == 0
    for widget in (panel.title, panel.statement, *panel.grade_buttons.values()):
        assert _visible_in(widget, editor), widget


def test_the_editor_fits_a_1366_by_768_screen_with_evidence_in_view(qtbot, world) -> None:
    from qa_audit.ui.main_window import MainWindow

    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.resize(1366, 768 - 30)  # a 1366×768 laptop less a panel
    window.show()
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: window.height() <= 738)
    assert window.minimumSizeHint().width() <= 1366
    shown = (editor.panel.title, editor.panel.evidence, editor.panel.commentary,
             *editor.panel.grade_buttons.values())
    # The tree goes beside the standard once the editor knows its width (a layout pass
    # after the window's resize): wait for that pass, not for ever.
    qtbot.waitUntil(lambda: all(_visible_in(w, window) for w in shown), timeout=5000)
    assert editor.standards_page.orientation() == Qt.Orientation.Horizontal
    assert editor.panel.evidence.height() >= 60


def test_a_read_only_assessment_looks_read_only_and_says_why(qtbot, world) -> None:
    from PySide6.QtGui import QColor

    from qa_audit.ui.app import application

    application()  # the app's style
    aid = world.new_audit()
    world.complete(aid)
    draft = _editor(qtbot, world, world.supervisor, world.new_audit())
    assessments.submit(world.store, world.supervisor, aid)
    submitted = _editor(qtbot, world, world.supervisor, aid)
    assert draft.read_only_note.isHidden()
    assert not submitted.read_only_note.isHidden()
    assert "Read-only" in submitted.read_only_note.text()
    assert submitted.read_only_note.accessibleName() == submitted.read_only_note.text()

    def ground(editor) -> QColor:
        editor.tabs.setCurrentIndex(0)
        image = editor.panel.evidence.viewport().grab().toImage()
        return QColor(image.pixel(image.width() - 5, image.height() - 5))

    assert ground(draft) == QColor("#ffffff")
    assert ground(submitted) != QColor("#ffffff")  # a grey ground: nothing to type into
