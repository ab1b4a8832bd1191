"""A clean quit after the day's flows, in a real process through `qa_audit.cli.main`: the
practitioner types a long reflection and signs her response, signs out (the app returns to
the sign-in window on the same database), her supervisor signs in and finalises, then
quits with File › Quit. The process must exit 0 without "Fatal Python error" (it once
aborted at exit after the practitioner's flow: see `qa_audit.ui.qt_fixes`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qa_audit.domain.workflow import Status
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store
from qa_audit.services.demo import DEMO_PASSWORD, generate_demo
from qa_audit.services.listing import AssessmentQuery, list_assessments

TYPED = 7000  # characters of reflection (about 1,000 words), each emitting "draft edited"

CHILD = textwrap.dedent(f"""
    import sys, uuid
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    import qa_audit.ui.app as ui_app

    db, fca, supervisor, password, aid = sys.argv[1:6]
    aid = uuid.UUID(aid)
    steps = []

    def top(name):
        return next((w for w in QApplication.topLevelWidgets()
                     if type(w).__name__ == name and w.isVisible()), None)

    def sign_in(user):
        dialog = top("SignInDialog")
        if dialog is None:
            return False
        dialog.username.setText(user)
        dialog.password.setText(password)
        dialog.try_sign_in()
        print("signed in", user, flush=True)
        return True

    def respond():
        window = top("MainWindow")
        if window is None:
            return False
        window.open_assessment(aid)
        page = window.editor.response_page
        QTest.keyClicks(page.reflection, "I will see the child alone. " * ({TYPED} // 28))
        page.radios[list(page.radios)[0]].setChecked(True)
        def confirm():
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(50, confirm)
                return
            dialog.sign.click()
        QTimer.singleShot(50, confirm)
        page.sign.click()
        window.editor.wait_for_operation()  # signing runs off the GUI thread
        print("responded:", window.editor.state.detail.status.value, flush=True)
        window.show_page("supervision")
        window.sign_out()
        print("signed out; windows:", sorted(type(w).__name__ for w in
              QApplication.topLevelWidgets() if w.isVisible()), flush=True)
        return True

    def finalise():
        window = top("MainWindow")
        if window is None:
            return False
        window.open_assessment(aid)
        def yes():
            box = QApplication.activeModalWidget()
            if box is None:
                QTimer.singleShot(50, yes)
                return
            box.accept() if not hasattr(box, "button") else box.button(
                box.StandardButton.Yes).click()
        QTimer.singleShot(50, yes)
        window.editor.request_finalise()
        window.editor.wait_for_operation()
        print("finalised:", window.editor.state.detail.status.value, flush=True)
        quit_action = next(a for a in window.findChildren(
            __import__("PySide6.QtGui", fromlist=["QAction"]).QAction) if a.text() == "&Quit")
        quit_action.trigger()
        return True

    steps = [lambda: sign_in(fca), respond, lambda: sign_in(supervisor), finalise]

    def tick():
        if steps and steps[0]():
            steps.pop(0)
        if steps:
            QTimer.singleShot(100, tick)

    made = ui_app.application
    def application():
        app = made()
        QTimer.singleShot(100, tick)
        return app
    ui_app.application = application
    from qa_audit.cli import main
    code = main(["--db", db])
    print("app returned", code, flush=True)
    sys.exit(code)
""")


@pytest.mark.slow
def test_the_app_quits_cleanly_after_the_days_flows(tmp_path: Path) -> None:
    db = tmp_path / "day.db"
    store = Store.open(db)
    summary = generate_demo(store, assessments=600, seed=4, frameworks=shipped_frameworks())
    lead = accounts.sign_in(store, summary.sample_usernames[2], DEMO_PASSWORD)
    row = list_assessments(store, lead, AssessmentQuery(statuses=(Status.SUBMITTED,)),
                           limit=1)[0]
    users = {u.display_name: u.username
             for u in accounts.list_users(store, accounts.system_actor())}
    fca, supervisor = users[row.subject_name], users[row.author_name]
    store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "QA_AUDIT_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), fca, supervisor, DEMO_PASSWORD, str(row.id)],
        capture_output=True, text=True, timeout=300, env=env, check=False)
    out = done.stdout
    assert "Fatal Python error" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, (out, done.stderr[-2000:])
    assert f"signed in {fca}" in out and "responded: responded" in out
    assert "signed out; windows: ['SignInDialog']" in out
    assert f"signed in {supervisor}" in out and "finalised: finalised" in out
    assert "app returned 0" in out
    store = Store.open(db)  # the same database, kept through the sign-out
    try:
        actor = accounts.sign_in(store, supervisor, DEMO_PASSWORD)
        detail = assessments.get_assessment(store, actor, row.id)
        assert detail.status is Status.FINALISED
        assert detail.response is not None and len(detail.response.reflection) > 1000
    finally:
        store.close()
