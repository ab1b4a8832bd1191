"""The sign-in window says when the key file is missing, rather than 'wrong password'."""

from __future__ import annotations

from pathlib import Path

from qa_audit.domain.permissions import Role
from qa_audit.services import accounts
from qa_audit.services.database import Store
from qa_audit.store.files import key_file_for
from qa_audit.ui.sign_in import SignInDialog

PASSWORD = "correct horse battery"


def test_missing_key_file_is_shown_in_the_sign_in_window(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    store.close()
    key_file_for(path).unlink()
    store = Store.open(path)
    dialog = SignInDialog.for_store(store, username="boss")
    qtbot.addWidget(dialog)
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    text = dialog.message.text()
    assert "qa.db.keys is missing" in text and "same backup" in text
    assert "not right" not in text and dialog.actor is None
    store.close()
