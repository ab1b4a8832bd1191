"""Admin's search box: accounts whose name, username or team contains the words typed
(any case), found by the accounts service; Ctrl+F goes to it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from qa_audit.services import accounts
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.views.admin import AdminView


def _names(view: AdminView) -> list[str]:
    return [view.users.item(r).display_name for r in range(view.users.rowCount())]


def test_search_narrows_the_accounts(qtbot, world) -> None:
    view = AdminView(world.store, world.admin)
    qtbot.addWidget(view)
    assert len(_names(view)) == 7
    assert view.count_label.text() == "7 accounts"
    qtbot.keyClicks(view.search, "NEWCASTLE 2")  # the team of Sol and Gwen
    qtbot.waitUntil(lambda: _names(view) == ["Gwen Jones", "Sol Supervisor"])
    assert view.count_label.text() == "2 accounts found"
    view.search.setText("ql-")  # a username
    qtbot.waitUntil(lambda: _names(view) == ["Sasha Lead"])
    view.search.setText("100%")  # typed literally: % is no wildcard
    qtbot.waitUntil(lambda: _names(view) == [])
    view.search.clear()
    qtbot.waitUntil(lambda: len(_names(view)) == 7)


def test_search_keeps_to_whom_the_person_may_list(world) -> None:
    # A supervisor lists her team only, whatever she searches for.
    assert [u.display_name for u in accounts.list_users(world.store, world.supervisor,
                                                        search="a")] == [
        "Fatima Khan", "Quinn Lead", "Sam Supervisor"]
    assert accounts.list_users(world.store, world.supervisor, search="Gwen") == []


def test_ctrl_f_goes_to_the_search_box(qtbot, world) -> None:
    window = MainWindow(world.store, world.admin, "admin")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.show_page("admin")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.pages["admin"].search.hasFocus()
