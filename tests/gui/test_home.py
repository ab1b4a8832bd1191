"""Home: what waits for the person, first in the navigation and shown after sign-in; each
row opens its assessment or supervision record; an empty state says nothing waits."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.operations import Change, changes
from qa_audit.ui.views.home import NOTHING, HomeView


def _window(qtbot, world, actor, name: str) -> MainWindow:
    window = MainWindow(world.store, actor, name)
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _row_text(window: MainWindow, key: str) -> str:
    return next(window.nav.item(i).text() for i in range(window.nav.count())
                if window.nav.item(i).data(Qt.ItemDataRole.UserRole) == key)


def test_home_is_first_shown_after_sign_in_and_counts_in_the_navigation(qtbot, world) -> None:
    world.new_audit()
    world.new_audit()
    responded = world.new_audit()
    world.complete(responded)
    assessments.submit(world.store, world.supervisor, responded)
    assessments.respond(world.store, world.fca, responded, "Fair", assessments.Agreement.AGREE)
    window = _window(qtbot, world, world.supervisor, "sup")
    window.show_page("frameworks")  # the last page is not where sign-in lands
    window.close()
    window = _window(qtbot, world, world.supervisor, "sup")
    home = window.pages["home"]
    assert window.nav.item(0).data(Qt.ItemDataRole.UserRole) == "home"
    assert window.stack.currentWidget() is home
    window.update_counts()
    assert _row_text(window, "home") == "Home (3)"
    assert _row_text(window, "mine") == "My assessments (3)"  # 2 to grade, 1 to finalise
    assert home.summary.text() == "Waiting for you: 2 to grade and 1 to finalise."
    assert [home.model.data(home.model.index(r, 0)) for r in range(3)] == [
        "To grade", "To grade", "To finalise"]
    # A new draft is counted once the change is announced (as every save announces it).
    world.new_audit()
    changes().announce({Change.ASSESSMENT})
    qtbot.waitUntil(lambda: _row_text(window, "home") == "Home (4)")
    assert home.model.rowCount() == 4


def test_the_home_list_model_passes_the_model_tester(qtbot, qtmodeltester, world) -> None:
    world.new_audit()
    view = HomeView(world.store, world.supervisor)
    qtbot.addWidget(view)
    qtmodeltester.check(view.model)
    world.new_audit()
    view.refresh()
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 2


def test_enter_opens_the_assessment_and_esc_comes_home(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    window = _window(qtbot, world, world.fca, "fca")
    home = window.pages["home"]
    assert home.summary.text() == "Waiting for you: 1 to respond to."
    home.table.setFocus()
    home.table.setCurrentIndex(home.model.index(0, 1))
    qtbot.keyClick(home.table, Qt.Key.Key_Return)
    editor = window.editor
    assert editor is not None and editor.assessment_id == aid
    assert editor.tabs.currentWidget() is editor.response_page  # what she has to do
    qtbot.keyClick(editor.response_page.reflection, Qt.Key.Key_Escape)
    assert window.editor is None and window.stack.currentWidget() is home


def test_a_record_to_sign_opens_on_the_supervision_page(qtbot, world) -> None:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id,
                            dt.date.today() - dt.timedelta(days=1))
    other = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met"})
    sv.sign(world.store, world.supervisor, sid)
    window = _window(qtbot, world, world.fca, "fca")
    home = window.pages["home"]
    assert home.model.rowCount() == 1 and home.model.item(0).session_id == sid
    home.table.doubleClicked.emit(home.model.index(0, 0))
    page = window.pages["supervision"]
    assert window.stack.currentWidget() is page
    assert page.panel.session_id == sid != other
    assert _row_text(window, "supervision") == "Supervision (1)"


def test_nothing_waiting_says_so(qtbot, world) -> None:
    window = _window(qtbot, world, world.supervisor2, "sup2")
    home = window.pages["home"]
    assert home.summary.text() == home.summary.accessibleName() == NOTHING
    assert not home.table.isVisible() and not home.more.isVisible()
    assert _row_text(window, "home") == "Home"


def test_roles_nothing_can_wait_for_have_no_home(qtbot, world) -> None:
    window = _window(qtbot, world, world.ql, "ql")
    assert "home" not in window.pages


def test_an_overdue_action_opens_on_the_assessments_actions(qtbot, world) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Read the care plan",
                           due_on=dt.date.today() - dt.timedelta(days=2))
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    window = _window(qtbot, world, world.fca, "fca")
    home = window.pages["home"]
    assert home.summary.text() == "Waiting for you: 1 to respond to and 1 overdue action."
    overdue = next(r for r in range(home.model.rowCount())
                   if home.model.item(r).title == "Read the care plan")
    assert home.model.data(home.model.index(overdue, 4)) == "2 days overdue"
    home.table.activated.emit(home.model.index(overdue, 0))
    editor = window.editor
    assert editor is not None and editor.assessment_id == aid
    assert editor.tabs.currentWidget() is editor.actions_page
    assert _row_text(window, "my-actions") == "My actions (1)"
