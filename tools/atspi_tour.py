"""The app side of the accessibility check (`tools/atspi_check.py`): shows every screen in
turn, on demo data, for the check to read from outside through AT-SPI.

    .venv/bin/python tools/atspi_tour.py     (started by atspi_check.py, not by hand)

For each screen it prints `SCREEN <name>` on standard output, then waits (the event loop
running, so the screen answers AT-SPI) until a line arrives on standard input; after the
last screen it prints `DONE` and quits. It sends no keys and reads no accessibility: what a
screen reader finds is measured by the other process.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from qa_audit.domain.permissions import Actor
    from qa_audit.services.database import Store
    from qa_audit.ui.main_window import MainWindow

Step = tuple[str, Callable[[], QWidget]]


def _steps(store: Store, usernames: tuple[str, ...]) -> Iterator[Step]:
    """(name, show) for every screen: `show` puts it on screen and returns its window."""
    from qa_audit.domain.framework import AssessmentKind
    from qa_audit.domain.workflow import Status
    from qa_audit.services import accounts
    from qa_audit.services.demo import DEMO_PASSWORD
    from qa_audit.services.listing import AssessmentQuery, list_assessments
    from qa_audit.ui.dialogs import NewAssessmentDialog
    from qa_audit.ui.main_window import MainWindow
    from qa_audit.ui.sign_in import SignInDialog

    sup_name, fca_name, lead_name, admin_name, head_name = usernames[:5]
    held: dict[str, QWidget] = {}

    def sign_in() -> QWidget:
        dialog = SignInDialog.for_store(store, username=sup_name)
        held["dialog"] = dialog
        dialog.show()
        return dialog

    yield "sign-in", sign_in

    def window_of(name: str) -> Callable[[], MainWindow]:
        def open_window() -> MainWindow:
            if "dialog" in held:
                held.pop("dialog").close()
            old = held.pop("window", None)
            if old is not None:
                old.close()
            actor = accounts.sign_in(store, name, DEMO_PASSWORD)
            window = MainWindow(store, actor, name)
            held["window"], held["actor"] = window, actor  # type: ignore[assignment]
            window.resize(1360, 860)
            window._fit_screen()  # no larger than the screen (200% scaling, a laptop)
            window.show()
            window.activateWindow()
            return window
        return open_window

    def page(key: str) -> Callable[[], QWidget]:
        def show() -> QWidget:
            window = held["window"]
            assert isinstance(window, MainWindow)
            if window.editor is not None:
                window._editor_closed()
            window.show_page(key)
            if key == "supervision":
                view = window.pages[key]
                sessions = view.sessions  # type: ignore[attr-defined]
                if sessions.rowCount():
                    view.open_session(sessions.item(0).id)  # type: ignore[attr-defined]
            return window
        return show

    def editor(status: Status, tab: int) -> Callable[[], QWidget]:
        def show() -> QWidget:
            window = held["window"]
            assert isinstance(window, MainWindow)
            actor: Actor = held["actor"]  # type: ignore[assignment]
            if window.editor is None:
                if status is Status.DRAFT:  # the one started in the dialog before
                    dialog = held.pop("new")
                    assert isinstance(dialog, NewAssessmentDialog)
                    dialog.start()
                    dialog.close()
                    assert dialog.assessment_id is not None
                    window.open_assessment(dialog.assessment_id)
                else:
                    query = AssessmentQuery(statuses=(status,), subject_id=actor.user_id)
                    rows = list_assessments(store, actor, query, limit=1) or list_assessments(
                        store, actor, AssessmentQuery(subject_id=actor.user_id), limit=1)
                    window.open_assessment(rows[0].id)
            assert window.editor is not None
            window.editor.tabs.setCurrentIndex(tab)
            window.editor.focus_start()
            return window
        return show

    def new_audit() -> QWidget:
        window = held["window"]
        assert isinstance(window, MainWindow)
        actor: Actor = held["actor"]  # type: ignore[assignment]
        dialog = NewAssessmentDialog(store, actor, AssessmentKind.CASE_AUDIT, window)
        dialog.case.setCurrentIndex(0)  # a new case
        dialog.new_reference.setText("PL-2026-00001")
        held["new"] = dialog
        dialog.show()
        return dialog

    pages = {
        sup_name: ["mine", "team", "team-actions", "supervision", "themes",
                   "frameworks"],
        fca_name: ["feedback", "my-actions", "supervision", "frameworks"],
        lead_name: ["team", "themes", "moderation", "frameworks"],
        admin_name: ["admin", "frameworks"],
        head_name: ["team", "themes"],
    }
    for name, keys in pages.items():
        role = {sup_name: "supervisor", fca_name: "practitioner", lead_name: "quality-lead",
                admin_name: "admin", head_name: "head-of-service"}[name]
        yield f"{role}: signed in", window_of(name)
        for key in keys:
            yield f"{role}: {key}", page(key)
        if name == sup_name:
            yield f"{role}: new case audit dialog", new_audit
            for tab, label in enumerate(("standards", "context", "overall", "actions",
                                         "response", "addenda")):
                yield f"{role}: editor {label}", editor(Status.DRAFT, tab)
        if name == fca_name:
            yield f"{role}: editor response", editor(Status.SUBMITTED, 4)


def main() -> int:
    """Screens one by one on request; `--show NAME`: go straight to that screen and stay
    there (for a screenshot: /work/shared/tools/xshot OUT.png 15 -- python
    tools/atspi_tour.py --show "supervisor: editor standards")."""
    show_only = sys.argv[sys.argv.index("--show") + 1] if "--show" in sys.argv else ""
    os.environ["QA_AUDIT_HOME"] = tempfile.mkdtemp(prefix="qa-audit-atspi-")
    from qa_audit.resources import shipped_frameworks
    from qa_audit.services.database import Store
    from qa_audit.services.demo import generate_demo
    from qa_audit.ui.app import application

    app = application()
    store = Store.open(Path(os.environ["QA_AUDIT_HOME"]) / "demo.db")
    summary = generate_demo(store, assessments=600, seed=4, frameworks=shipped_frameworks())
    steps = iter(_steps(store, summary.sample_usernames))
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    last = [""]

    def advance() -> None:
        step = next(steps, None)
        if step is None:
            print("DONE", flush=True)
            app.quit()
            return
        name, show = step
        try:
            window = show()
        except Exception:  # a broken tour must end the check, not leave it waiting
            traceback.print_exc()
            print("FAILED", name, flush=True)
            app.exit(1)
            return
        window.raise_()
        window.activateWindow()
        for _ in range(5):
            app.processEvents()
        print(f"SCREEN {name}", flush=True)
        last[0] = f"SCREEN {name}"

    def next_requested() -> None:
        line = sys.stdin.readline()
        if not line:  # the check has gone: stop
            app.quit()
            return
        advance()

    if show_only:
        for _ in range(100):
            advance()
            if f"SCREEN {show_only}" == last[0]:
                break
    else:
        notifier.activated.connect(next_requested)
        advance()
    status = app.exec()
    store.close()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
