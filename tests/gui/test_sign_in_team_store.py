"""Signing in to a team store: the window checks the password with the server, and the
app then runs as the person's own login role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa_audit.services.database import Store
from qa_audit.ui.sign_in import SignInDialog

PASSWORD = "correct horse battery"


@pytest.mark.postgresql_only
def test_sign_in_window_on_a_team_store(qtbot, world, pg_cluster, pg_database,
                                        tmp_path: Path) -> None:
    store = Store.open(pg_cluster.url(pg_database, user=None))
    assert store.locked and store.is_team_store
    dialog = SignInDialog.for_store(store, username="fca")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText("not my password")
    dialog.try_sign_in()
    assert "username or password is not right" in dialog.message.text()
    assert dialog.actor is None and store.locked
    shots = os.environ.get("QA_AUDIT_SHOTS")
    if shots:
        dialog.grab().save(str(Path(shots) / "team-store-sign-in-wrong-password.png"))
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is not None and dialog.actor.user_id == world.fca.user_id
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT current_user").scalar() == "fca"
    store.close()
