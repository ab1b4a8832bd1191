"""Someone else set your password: the person is told, with how often the account was used
since, until they choose their own (an administrator cannot quietly read case content by
making a quality lead's account and signing in as it)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from qa_audit.domain.permissions import Role
from qa_audit.services import accounts
from qa_audit.ui.dialogs import ChangePasswordDialog
from qa_audit.ui.main_window import MainWindow
from tests.conftest import PASSWORD

NEW = "a much better passphrase"


def test_the_notice_says_who_set_the_password_and_how_often_it_was_used(world) -> None:
    store, admin = world.store, world.admin
    accounts.add_user(store, admin, "lead2", "Lee Lead", Role.QUALITY_LEAD, PASSWORD,
                      world.team_id)
    accounts.sign_in(store, "lead2", PASSWORD)  # the administrator, trying the account
    lead = accounts.sign_in(store, "lead2", PASSWORD)  # the real person
    text = accounts.password_notice(store, lead)
    assert text is not None
    assert "set by Ada Admin" in text and "signed in to once since then" in text
    accounts.change_password(store, lead, PASSWORD, NEW)
    assert accounts.password_notice(store, lead) is None
    accounts.reset_password(store, admin, "lead2", PASSWORD)
    again = accounts.sign_in(store, "lead2", PASSWORD)
    notice = accounts.password_notice(store, again)
    assert notice is not None and "signed in" not in notice  # no sign-in since the reset


def test_own_password_gives_no_notice(world) -> None:
    assert accounts.password_notice(world.store, world.supervisor) is not None  # set by admin
    accounts.change_password(world.store, world.supervisor, PASSWORD, NEW)
    assert accounts.password_notice(world.store, world.supervisor) is None


def test_the_window_shows_the_notice_and_changing_the_password_clears_it(qtbot, world,
                                                                          on_modal) -> None:
    window = MainWindow(world.store, world.fca, "fca")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.notice.isVisible, timeout=5000)
    assert "set by the command line" in window.notice.label.text()

    def fill(dialog) -> None:
        assert isinstance(dialog, ChangePasswordDialog)
        dialog.current.setText(PASSWORD)
        dialog.new.setText(NEW)
        dialog.repeat.setText(NEW)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    on_modal(fill)
    window.notice.act.click()
    assert not window.notice.isVisible()
    assert accounts.sign_in(world.store, "fca", NEW).user_id == world.fca.user_id
    assert accounts.password_notice(world.store, world.fca) is None


def test_the_window_tells_of_failed_sign_ins_since_the_last(qtbot, world) -> None:
    from qa_audit.errors import WrongPassword

    for _ in range(2):
        with pytest.raises(WrongPassword):
            accounts.sign_in(world.store, "fca", "someone guessing here")
    fca = accounts.sign_in(world.store, "fca", PASSWORD)
    window = MainWindow(world.store, fca, "fca")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.notice.isVisible, timeout=5000)
    assert "2 failed sign-ins to your account" in window.notice.label.text()
    assert world.store.sign_in_notice is None  # said once
