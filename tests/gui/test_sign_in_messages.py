"""The sign-in window says why the right password does not work yet, in full."""

from __future__ import annotations

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import WrongPassword
from qa_audit.services import accounts
from qa_audit.services.database import Store
from qa_audit.ui.sign_in import SignInDialog
from tests.conftest import PASSWORD


def test_a_pause_after_someone_elses_wrong_passwords_is_explained_whole(qtbot, tmp_path
                                                                         ) -> None:
    store = Store.open(tmp_path / "qa.db")
    accounts.add_user(store, accounts.system_actor(), "sam", "Sam", Role.SUPERVISOR, PASSWORD)
    store.close()
    store = Store.open(tmp_path / "qa.db")
    for _ in range(3):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sam", "someone else guessing")
    dialog = SignInDialog.for_store(store, username="sam")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    text = dialog.message.text()
    assert "3 in a row" in text and "right password works then" in text
    assert dialog.actor is None and dialog.isVisible()
    label = dialog.message
    assert label.height() >= label.heightForWidth(label.width())  # not cut off
    store.close()
