"""The supervision page keeps what is typed (autosave, on changing session, on flush) and
shows a record signed by both as closed."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from qa_audit.services import supervision as sv
from qa_audit.ui.views.supervision import SupervisionView

NOTES = {"what_happened": "We read the audit together."}


def _sessions(world, count: int = 2) -> list:
    """Sessions with the supervisor's notes, newest first (the list's order)."""
    today = dt.date.today()
    ids = []
    for days in range(count):
        sid = sv.create_session(world.store, world.supervisor, world.fca.user_id,
                                today - dt.timedelta(days=days))
        sv.save_notes(world.store, world.supervisor, sid, NOTES)
        ids.append(sid)
    return ids


def _view(qtbot, world, actor=None) -> SupervisionView:
    view = SupervisionView(world.store, actor or world.supervisor)
    qtbot.addWidget(view)
    return view


def _analysis(world, sid) -> str:
    return sv.get_session(world.store, world.supervisor, sid).notes["analysis"]


def test_text_is_saved_when_another_session_is_chosen(qtbot, world) -> None:
    first, second = _sessions(world)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Plans need testing")
    view.table.selectRow(1)
    assert view.panel.session_id == second
    assert _analysis(world, first) == "Plans need testing"
    view.table.selectRow(0)
    assert view.panel.stages["analysis"].toPlainText() == "Plans need testing"


def test_the_practitioners_reflection_is_saved_when_another_session_is_chosen(
        qtbot, world) -> None:
    first, _second = _sessions(world)
    view = _view(qtbot, world, world.fca)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.reflection, "I will plan earlier")
    view.table.selectRow(1)
    assert sv.get_session(world.store, world.fca, first).fca_reflection == "I will plan earlier"


def test_typing_is_autosaved_after_a_pause(qtbot, world) -> None:
    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Saved while typing")
    assert view.panel.autosave_pending
    qtbot.waitUntil(lambda: _analysis(world, sid) == "Saved while typing")
    assert not view.panel.autosave_pending
    # Saving does not redraw the editor under the cursor.
    assert view.panel.stages["analysis"].textCursor().position() == len("Saved while typing")


def test_flush_saves_pending_text(qtbot, world) -> None:
    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    assert view.flush()  # nothing chosen, nothing to save
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Before closing")
    assert view.flush()
    assert _analysis(world, sid) == "Before closing"
    assert not view.panel.autosave_pending


def test_flush_says_when_saving_failed_and_keeps_the_text(qtbot, world, on_modal) -> None:
    (sid,) = _sessions(world, 1)
    sv.sign(world.store, world.fca, sid)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Typed here")
    sv.sign(world.store, world.supervisor, sid)  # from another window: the record closes
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    assert not view.flush()
    assert shown and "signed by both" in shown[0]
    assert view.panel.stages["analysis"].toPlainText() == "Typed here"
    assert view.panel.autosave_pending  # still pending: a later flush tries again
    assert _analysis(world, sid) == ""


def test_leaving_a_session_that_cannot_be_saved_asks_first(qtbot, world, on_modal) -> None:
    first, _second = _sessions(world)
    sv.sign(world.store, world.fca, first)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Typed here")
    sv.sign(world.store, world.supervisor, first)
    on_modal(lambda box: box.button(QMessageBox.StandardButton.No).click())
    view.table.selectRow(1)
    assert view.panel.session_id == first and view.table.currentIndex().row() == 0
    assert view.panel.stages["analysis"].toPlainText() == "Typed here"
    on_modal(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    view.table.selectRow(1)
    assert view.panel.session_id != first


def test_typing_after_the_other_signed_shows_the_signature_withdrawn(qtbot, world) -> None:
    (sid,) = _sessions(world, 1)
    sv.sign(world.store, world.fca, sid)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    assert "practitioner: not yet" not in view.panel.signatures.text()
    qtbot.keyClicks(view.panel.stages["analysis"], "More")
    assert view.flush()
    assert "practitioner: not yet" in view.panel.signatures.text()
    assert sv.get_session(world.store, world.supervisor, sid).fca_signed_at is None


def test_a_record_signed_by_both_is_read_only_and_says_why(qtbot, world) -> None:
    aid = world.finalised_audit()
    (sid,) = _sessions(world, 1)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.sign(world.store, world.supervisor, sid)
    sv.sign(world.store, world.fca, sid)
    for actor in (world.supervisor, world.fca):
        view = _view(qtbot, world, actor)
        view.table.selectRow(0)
        panel = view.panel
        assert all(edit.isReadOnly() for edit in panel.stages.values())
        assert panel.reflection.isReadOnly()
        assert not panel.action_text.isEnabled() and not panel.add_button.isEnabled()
        assert not panel.save_button.isEnabled() and not panel.sign_button.isEnabled()
        assert not panel.discussed.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable
        assert not panel.closed_note.isHidden()
        assert "signed by both" in panel.closed_note.text()
        assert panel.export_button.isEnabled()


def test_an_open_record_says_a_change_withdraws_signatures(qtbot, world) -> None:
    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    assert view.panel.closed_note.isHidden()
    assert not view.panel.stages["analysis"].isReadOnly()
    sv.sign(world.store, world.fca, sid)
    view.panel.show_session(sid)
    assert "withdraws" in view.panel.signatures.toolTip()


def test_closing_the_window_saves_the_supervision_notes(qtbot, world) -> None:
    from qa_audit.ui.main_window import MainWindow

    (sid,) = _sessions(world, 1)
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.show_page("supervision")
    view = window.stack.currentWidget()
    assert isinstance(view, SupervisionView)
    view.table.selectRow(0)
    qtbot.keyClicks(view.panel.stages["analysis"], "Typed then closed")
    window.close()
    assert _analysis(world, sid) == "Typed then closed"


def _state_cell(view: SupervisionView, row: int = 0) -> str:
    return view.sessions.data(view.sessions.index(row, 3))


def test_co_signing_completes_in_the_natural_order(qtbot, world) -> None:
    """The supervisor writes and signs; the practitioner sees the record waiting for her,
    adds her reflection and signs; the record is closed for both."""
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    assert _state_cell(view) == "Waiting for you to sign"
    qtbot.keyClicks(view.panel.stages["what_happened"], "We read the audit together")
    qtbot.mouseClick(view.panel.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sv.get_session(world.store, world.supervisor, sid)
                    .supervisor_signed_at is not None)
    view.refresh()
    assert "(practitioner) to sign" in _state_cell(view)
    fca_view = _view(qtbot, world, world.fca)
    assert _state_cell(fca_view) == "Waiting for you to sign"
    fca_view.table.selectRow(0)
    assert fca_view.panel.signatures.text().startswith("Waiting for you to sign")
    qtbot.keyClicks(fca_view.panel.reflection, "I will see children alone earlier")
    assert fca_view.panel.flush()  # her edit leaves his signature where it was
    assert sv.get_session(world.store, world.fca, sid).supervisor_signed_at is not None
    qtbot.mouseClick(fca_view.panel.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sv.get_session(world.store, world.fca, sid).signed)
    fca_view.refresh()
    fca_view.panel.show_session(sid)
    assert _state_cell(fca_view) == "Signed by both"
    detail = sv.get_session(world.store, world.fca, sid)
    assert detail.signed and detail.fca_reflection == "I will see children alone earlier"
    assert _state_cell(fca_view) == "Signed by both"
    assert not fca_view.panel.closed_note.isHidden()
    view.refresh()
    view.panel.show_session(sid)
    assert _state_cell(view) == "Signed by both" and not view.panel.closed_note.isHidden()


def test_ticking_an_assessment_shows_its_prompts_at_once(qtbot, world) -> None:
    from qa_audit.services import assessments

    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                            evidence="Not seen alone")
    assessments.submit(world.store, world.supervisor, aid)
    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    prompt = "What did the child want the court to know?"
    assert prompt not in view.panel.prompts.toPlainText()
    view.panel.discussed.item(0).setCheckState(Qt.CheckState.Checked)
    assert prompt in view.panel.prompts.toPlainText()  # before any save
    assert sv.get_session(world.store, world.supervisor, sid).assessments == ()
    view.panel.discussed.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert prompt not in view.panel.prompts.toPlainText()


def test_the_practitioners_page_does_not_offer_starting_a_session(qtbot, world) -> None:
    view = _view(qtbot, world, world.fca)
    assert view.new_button.isHidden()
    assert "start" not in view.panel.header.text()


def test_an_action_agreed_in_supervision_has_a_due_date(qtbot, world) -> None:
    from PySide6.QtCore import QDate

    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    view.panel.action_due.setDate(QDate(2031, 3, 14))
    qtbot.keyClicks(view.panel.action_text, "Shadow a final analysis")
    qtbot.keyClick(view.panel.action_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(sv.get_session(world.store, world.supervisor, sid).actions))
    qtbot.waitUntil(lambda: view.panel.action_list.count() == 1)
    (action,) = sv.get_session(world.store, world.supervisor, sid).actions
    assert action.text == "Shadow a final analysis" and action.due_on == dt.date(2031, 3, 14)
    assert "due 14 Mar 2031" in view.panel.action_list.item(0).text()


def test_an_action_agreed_in_supervision_names_a_standard_by_keyboard(qtbot, world) -> None:
    aid = world.finalised_audit()
    (sid,) = _sessions(world, 1)
    view = _view(qtbot, world)
    view.table.selectRow(0)
    panel = view.panel
    combo = panel.action_standard
    assert combo.accessibleName() == "Standard the action relates to"
    assert [combo.itemText(i) for i in range(combo.count())] == ["Any standard"]
    panel.discussed.item(0).setCheckState(Qt.CheckState.Checked)  # offered before saving
    assert combo.count() == 4 and combo.itemText(2) == "The care plan is analysed"
    # The action's text, then Tab to the standard, chosen with the arrow keys; Alt+T
    # reaches it too (its label's mnemonic).
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    panel.action_text.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(panel.action_text, "Test the plan with the child")
    qtbot.keyClick(panel.action_text, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is combo
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "care-plan"
    panel.action_text.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(panel.action_text, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is combo
    qtbot.keyClick(panel.action_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(sv.get_session(world.store, world.supervisor, sid).actions))
    qtbot.waitUntil(lambda: panel.action_list.count() == 1)
    detail = sv.get_session(world.store, world.supervisor, sid)
    assert [a.id for a in detail.assessments] == [aid]  # the tick was saved first
    (action,) = detail.actions
    assert action.standard_id == "care-plan"
    assert "[The care plan is analysed]" in panel.action_list.item(0).text()
    assert combo.currentData() is None  # ready for the next action
