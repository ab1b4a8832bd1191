"""Keys of the day's work: Ctrl+Tab moves between the editor's sections from wherever the
focus is, Enter adds the action typed (with its standard and due date), and the
practitioner's supervision page offers no action entry she cannot use."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.operations import changes
from qa_audit.ui.views.supervision import SupervisionView

CTRL = Qt.KeyboardModifier.ControlModifier
SECTIONS = ["Standards", "Context", "Overall", "Actions", "Response", "Addenda"]


def _editor(qtbot, world, aid):
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.open_assessment(aid)
    return window.editor


def _section(editor) -> str:
    return editor.tabs.tabText(editor.tabs.currentIndex()).replace("&", "")


def test_ctrl_tab_goes_round_the_sections_from_anywhere(qtbot, world) -> None:
    editor = _editor(qtbot, world, world.new_audit())
    editor.tree.setFocus()
    seen = []
    for _ in range(len(SECTIONS)):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, CTRL)
        seen.append(_section(editor))
    assert seen == [*SECTIONS[1:], SECTIONS[0]]  # round, back to the standards
    editor.panel.evidence.setFocus()  # from inside a text box too
    qtbot.keyClick(editor.panel.evidence, Qt.Key.Key_Tab, CTRL)
    assert _section(editor) == "Context"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab,
                   CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert _section(editor) == "Standards"
    assert editor.panel.evidence.toPlainText() == ""  # the key typed nothing


def test_enter_adds_the_action_with_its_standard_and_due_date(qtbot, world) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, aid)
    page = editor.actions_page
    editor.tabs.setCurrentWidget(page)
    page.standard.setCurrentIndex(page.standard.findData("care-plan"))
    page.due.setDate(QDate(2031, 3, 14))
    qtbot.keyClicks(page.text, "Test the plan against the parenting assessment")
    with qtbot.waitSignal(changes().changed, timeout=5000):  # added off the GUI thread
        qtbot.keyClick(page.text, Qt.Key.Key_Return)
    editor.wait_for_operation()
    (action,) = assessments.get_assessment(world.store, world.supervisor, aid).actions
    assert action.text == "Test the plan against the parenting assessment"
    assert (action.standard_id, action.due_on) == ("care-plan", dt.date(2031, 3, 14))
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert page.text.text() == ""  # ready for the next one
    assert page.table.item(0, 3).text() == "14 Mar 2031"


def test_the_practitioner_is_not_offered_adding_actions(qtbot, world) -> None:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.add_action(world.store, world.supervisor, sid, "Shadow a hearing",
                  due_on=dt.date(2031, 1, 31))
    for actor, may_add in ((world.supervisor, True), (world.fca, False)):
        view = SupervisionView(world.store, actor)
        qtbot.addWidget(view)
        view.show()
        view.table.selectRow(0)
        panel = view.panel
        assert panel.session_id == sid
        for widget in (panel.action_text, panel.action_due, panel.add_button):
            assert widget.isVisible() is may_add, (actor.role, widget.accessibleName())
        assert "due 31 Jan 2031" in panel.action_list.item(0).text()
