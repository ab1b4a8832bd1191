"""Signing out closes the main window and shows the sign-in window again on the same
database; only closing the window (or cancelling the sign-in) ends the app."""

from __future__ import annotations

from qa_audit.ui.app import AppSession

PASSWORD = "correct horse battery"  # the test accounts' (tests/conftest.py)


def _session(world) -> tuple[AppSession, list[int]]:
    quits: list[int] = []
    return AppSession(world.store, "Demo data", lambda: quits.append(1)), quits


def test_sign_out_returns_to_the_sign_in_window(qtbot, world) -> None:
    session, quits = _session(world)
    window = session.start(world.supervisor, "sup")
    qtbot.waitExposed(window)
    window.sign_out()
    assert not window.isVisible() and quits == []
    dialog = session.sign_in
    assert dialog is not None and dialog.isVisible()
    assert dialog.username.text() == "sup"  # filled in, the password asked for
    dialog.username.setText("fca")
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    again = session.window
    assert again is not None and again is not window and again.isVisible()
    assert again.actor.user_id == world.fca.user_id
    # The same database, still open: the practitioner's first page lists from it.
    assert again.pages.first().isVisible()
    again.close()
    assert quits == [1]


def test_cancelling_the_sign_in_after_signing_out_ends_the_app(qtbot, world) -> None:
    session, quits = _session(world)
    window = session.start(world.supervisor, "sup")
    window.sign_out()
    assert session.sign_in is not None
    session.sign_in.reject()
    assert quits == [1]


def test_closing_the_window_ends_the_app(qtbot, world) -> None:
    session, quits = _session(world)
    window = session.start(world.supervisor, "sup")
    window.close()
    assert quits == [1] and session.sign_in is None
