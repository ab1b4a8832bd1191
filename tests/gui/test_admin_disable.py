"""Disabling an account from the Admin page re-keys the database and says so."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from qa_audit.errors import PermissionDenied
from qa_audit.services import accounts, cases
from qa_audit.store.files import key_file_for
from qa_audit.store.keyring import Keyring
from qa_audit.ui.views.admin import AdminView


def test_disable_from_the_admin_page(qtbot, world, on_modal) -> None:
    view = AdminView(world.store, world.admin)
    qtbot.addWidget(view)
    view.show()
    row = next(r for r in range(view.users.rowCount())
               if view.users.item(r).username == "sup2")
    view.table.setCurrentIndex(view.users.index(row, 0))
    said: list[str] = []

    def read_and_close(box) -> None:
        assert isinstance(box, QMessageBox)
        said.append(box.text())
        box.accept()

    on_modal(read_and_close)
    button = next(b for b in view.findChildren(QPushButton) if "Disable" in b.text())
    button.click()
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)  # the re-key runs off the GUI thread
    assert said and "new key" in said[0] and "Sol Supervisor" in said[0]
    keyring = Keyring.load(key_file_for(world.store.path))
    assert not keyring.has_account("sup2") and keyring.generation == 1
    with pytest.raises(PermissionDenied, match="disabled"):
        cases.create_case(world.store, world.supervisor2, "PL-2099-NOPE", "care_order")
    # Everyone else carries on, on the new key.
    assert accounts.sign_in(world.store, "sup", "correct horse battery")
