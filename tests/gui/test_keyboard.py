"""Keyboard only: Tab reaches every part of a screen in turn and never gets stuck (date
boxes showing "Any", tables), the grades are one group moved with the arrow keys, and
what a label shows is what a screen reader hears."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.ui.main_window import MainWindow


def _window(qtbot, world, actor, name: str) -> MainWindow:
    window = MainWindow(world.store, actor, name)
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _tab_route(qtbot, start: QWidget, presses: int = 60) -> list[QWidget]:
    """The widgets focus visits from `start`, Tab by Tab."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    route = [start]
    for _ in range(presses):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        route.append(QApplication.focusWidget())
    return route


def test_tab_goes_through_a_list_page_and_back_to_the_navigation(qtbot, world) -> None:
    window = _window(qtbot, world, world.supervisor, "sup")
    window.show_page("mine")
    page = window.pages["mine"]
    route = _tab_route(qtbot, page.status)
    for widget in (page.date_from, page.date_to, page.search, page.table, window.nav):
        assert widget in route, widget.accessibleName()
    # Tab goes on from a date box showing "Any" and from the table (no trap).
    assert route.index(page.date_to) == route.index(page.date_from) + 1
    assert route[route.index(page.table) + 1] is not page.table


def test_tab_leaves_the_actions_table_for_its_buttons(qtbot, world) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Read the plan")
    assessments.add_action(world.store, world.supervisor, aid, "Visit the school")
    window = _window(qtbot, world, world.supervisor, "sup")
    window.open_assessment(aid)
    editor = window.editor
    editor.tabs.setCurrentWidget(editor.actions_page)
    table = editor.actions_page.table
    table.setCurrentCell(0, 0)
    route = _tab_route(qtbot, table, 12)
    assert route[1] is not table
    assert editor.actions_page.done in route and editor.actions_page.add in route


def test_an_unanswered_date_does_not_trap_tab(qtbot, world) -> None:
    from qa_audit.ui.editor.pages import AnswerDateEdit

    host = QWidget()
    qtbot.addWidget(host)
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    layout = QVBoxLayout(host)
    date, after = AnswerDateEdit(), QLineEdit()
    layout.addWidget(date)
    layout.addWidget(after)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is host)
    date.setFocus()
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    assert after.hasFocus()


def test_grades_are_one_tab_stop_moved_with_arrows_and_said(qtbot, world) -> None:
    aid = world.new_audit()
    window = _window(qtbot, world, world.supervisor, "sup")
    window.open_assessment(aid)
    panel = window.editor.panel
    buttons = list(panel.grade_buttons.values())
    stops = [b for b in buttons if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert stops == [buttons[0]]  # nothing chosen: the first
    buttons[0].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(buttons[0], Qt.Key.Key_Right)
    assert buttons[1].hasFocus()
    qtbot.keyClick(buttons[1], Qt.Key.Key_Left)
    qtbot.keyClick(buttons[0], Qt.Key.Key_Left)
    assert buttons[-1].hasFocus()  # round the group
    qtbot.keyClick(window.editor.tree, Qt.Key.Key_2)  # Good, by its key
    assert panel.chosen.text() == "Grade: Good"
    assert panel.chosen.accessibleName() == "Grade: Good"
    stops = [b for b in buttons if b.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert stops == [panel.grade_buttons["G"]]
    # The standards tree's area rows say what they are and how far grading has got.
    top = window.editor.tree.topLevelItem(0)
    assert top.data(0, Qt.ItemDataRole.AccessibleTextRole) == "Area: The child"
    assert top.text(1) == "1 of 1 graded"


def test_labels_are_read_as_what_they_show(qtbot, world) -> None:
    from qa_audit.ui.sign_in import SignInDialog

    dialog = SignInDialog.for_store(world.store, username="sup")
    qtbot.addWidget(dialog)
    dialog.password.setText("not the password")
    dialog.try_sign_in()
    assert dialog.message.text().startswith("⚠")
    assert dialog.message.accessibleName() == dialog.message.text().lstrip("⚠ ")
    aid = world.new_audit()
    window = _window(qtbot, world, world.supervisor, "sup")
    window.open_assessment(aid)
    overall = window.editor.overall_page.overall
    assert overall.accessibleName() == overall.text()
    qtbot.keyClick(window.editor.tree, Qt.Key.Key_1)
    assert window.save_state.accessibleName() == window.save_state.text() == "Unsaved changes"


def test_the_supervision_record_is_named(qtbot, world) -> None:
    sv.create_session(world.store, world.supervisor, world.fca.user_id)
    window = _window(qtbot, world, world.supervisor, "sup")
    window.show_page("supervision")
    assert window.pages["supervision"].panel.accessibleName() == "Supervision session record"


def test_back_from_an_assessment_shows_the_page_it_came_from(qtbot, world) -> None:
    aid = world.new_audit()
    for actor, name, key in ((world.supervisor, "sup", "mine"),):
        window = _window(qtbot, world, actor, name)
        window.show_page("frameworks")
        window.show_page(key)
        window.open_assessment(aid)
        qtbot.keyClick(window.editor.tree, Qt.Key.Key_Escape)
        assert window.editor is None
        assert window.stack.currentWidget() is window.pages[key]
        assert not window.locked
        assert window.nav.currentItem().data(Qt.ItemDataRole.UserRole) == key
        assert window.nav.currentItem().isSelected()


def test_back_takes_the_practitioner_to_her_feedback_not_a_lock_screen(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    window = _window(qtbot, world, world.fca, "fca")
    window.show_page("feedback")
    window.open_assessment(aid)
    qtbot.keyClick(window.editor.response_page.reflection, Qt.Key.Key_Escape)
    assert not window.locked
    assert window.stack.currentWidget() is window.pages["feedback"]


def test_the_navigation_counts_what_waits_for_the_person(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met"})
    window = _window(qtbot, world, world.fca, "fca")
    window.update_counts()

    def row(key: str):
        return next(window.nav.item(i) for i in range(window.nav.count())
                    if window.nav.item(i).data(Qt.ItemDataRole.UserRole) == key)

    assert row("feedback").text() == "Feedback for me (1)"
    assert row("feedback").data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Feedback for me: 1 waiting for you")
    assert row("supervision").text() == "Supervision"  # waits for the supervisor first
    sv.sign(world.store, world.supervisor, sid)
    assessments.respond(world.store, world.fca, aid, "Mine", assessments.Agreement.AGREE)
    window.update_counts()
    assert row("supervision").text() == "Supervision (1)"
    assert row("feedback").text() == "Feedback for me"
    boss = _window(qtbot, world, world.supervisor, "sup")
    boss.update_counts()
    mine = next(boss.nav.item(i) for i in range(boss.nav.count())
                if boss.nav.item(i).data(Qt.ItemDataRole.UserRole) == "mine")
    assert mine.text() == "My assessments (1)"  # responded: to finalise
    view_menu = next(a.menu() for a in boss.menuBar().actions() if a.text() == "&View")
    assert "My assessments" in [a.text() for a in view_menu.actions()]
