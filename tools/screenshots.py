"""Screenshots of every main screen with demo data, for people to look at.

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py shots/            # normal scale
    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python tools/screenshots.py shots/x2

Builds a demo database in a temporary folder, signs in as each role and saves
PNGs of the window (sign-in, lists, editor pages, response, frameworks, admin).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QScrollArea, QWidget

if TYPE_CHECKING:
    from qa_audit.domain.permissions import Actor
    from qa_audit.services.database import Store


def main(out: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="qa-audit-shots-"))
    os.environ["QA_AUDIT_HOME"] = str(home)
    from qa_audit.domain.permissions import Role
    from qa_audit.domain.workflow import Status
    from qa_audit.resources import shipped_frameworks
    from qa_audit.services import accounts
    from qa_audit.services.database import Store
    from qa_audit.services.demo import DEMO_PASSWORD, generate_demo
    from qa_audit.services.listing import AssessmentQuery, list_assessments
    from qa_audit.ui.app import application
    from qa_audit.ui.main_window import MainWindow
    from qa_audit.ui.sign_in import SignInDialog

    out.mkdir(parents=True, exist_ok=True)
    app = application()
    store = Store.open(home / "demo.db")
    summary = generate_demo(store, assessments=2000, seed=4, frameworks=shipped_frameworks())
    sup_name, fca_name, lead_name, admin_name, head_name = summary.sample_usernames

    def shot(widget: QWidget, name: str) -> None:
        widget.resize(1360, 860) if widget.isWindow() else None
        for _ in range(5):
            app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))
        print("saved", out / f"{name}.png")

    dialog = SignInDialog.for_store(store, username=sup_name)
    dialog.show()
    shot(dialog, "01-sign-in")
    dialog.close()

    sup = accounts.sign_in(store, sup_name, DEMO_PASSWORD)
    window = MainWindow(store, sup, sup_name)
    window.show()
    window.show_page("mine")
    shot(window, "02-my-assessments")
    window.show_page("team-actions")
    shot(window, "03-team-actions")
    window.show_page("frameworks")
    shot(window, "04-frameworks")
    drafts = list_assessments(store, sup, AssessmentQuery(statuses=(Status.DRAFT,),
                                                          author_id=sup.user_id), limit=1)
    if drafts:
        window.open_assessment(drafts[0].id)
        shot(window, "05-editor-standards")
        assert window.editor is not None
        window.editor.tabs.setCurrentIndex(1)
        shot(window, "06-editor-context")
        window.editor.tabs.setCurrentIndex(2)
        shot(window, "07-editor-overall")
        window.editor.tabs.setCurrentIndex(3)
        shot(window, "08-editor-actions")
    window.close()
    export_shots(store, sup, shot, out)

    fca = accounts.sign_in(store, fca_name, DEMO_PASSWORD)
    window = MainWindow(store, fca, fca_name)
    window.show()
    window.show_page("feedback")
    shot(window, "09-feedback-for-me")
    submitted = list_assessments(store, fca, AssessmentQuery(statuses=(Status.SUBMITTED,)),
                                 limit=1)
    if submitted:
        window.open_assessment(submitted[0].id)
        assert window.editor is not None
        window.editor.tabs.setCurrentIndex(4)
        shot(window, "10-fca-response")
    window.close()

    for username, key, name in ((lead_name, "team", "11-region"),
                                (admin_name, "admin", "12-admin")):
        actor = accounts.sign_in(store, username, DEMO_PASSWORD)
        window = MainWindow(store, actor, username)
        window.show()
        window.show_page(key)
        shot(window, name)
        window.close()
    leads_shots(store, lead_name, shot)
    head_shots(store, head_name, shot)
    store.close()
    del Role
    return 0


def wait(condition: Callable[[], bool], seconds: float = 60) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def leads_shots(store: Store, lead_name: str, shot: Callable[[QWidget, str], None]) -> None:
    """The quality lead's Themes (with a click-through) and Moderation pages."""
    from qa_audit.services import accounts
    from qa_audit.services.demo import DEMO_PASSWORD
    from qa_audit.ui.main_window import MainWindow
    from qa_audit.ui.views.moderation import ModerationView
    from qa_audit.ui.views.themes import ThemesView

    lead = accounts.sign_in(store, lead_name, DEMO_PASSWORD)
    window = MainWindow(store, lead, lead_name)
    window.show()
    window.show_page("themes")
    page = window.pages["themes"]
    assert isinstance(page, ThemesView)
    wait(lambda: page.board is not None)
    shot(window, "17-themes")
    page.heatmap.scrollTo(page.heat_model.index(0, 0))
    page.findChild(QScrollArea).verticalScrollBar().setValue(10_000)  # type: ignore[union-attr]
    shot(window, "18-themes-lower")
    page._heat_activated(page.heat_model.index(0, 0))
    wait(lambda: page.behind is not None)
    assert page.behind is not None
    shot(page.behind, "19-themes-click-through")
    page.behind.close()
    window.show_page("moderation")
    view = window.pages["moderation"]
    assert isinstance(view, ModerationView)
    shot(window, "20-moderation-scoring")
    for row in range(view.model.rowCount()):
        if view.model.item(row).stage.value == "scored":
            view.table.selectRow(row)
            break
    shot(window, "21-moderation-compare")
    view.tabs.setCurrentIndex(1)
    shot(window, "22-moderation-agreement")
    window.close()


def head_shots(store: Store, head_name: str, shot: Callable[[QWidget, str], None]) -> None:
    """A head of service's Themes: every region's teams, nothing to edit or moderate."""
    from qa_audit.services import accounts
    from qa_audit.services.demo import DEMO_PASSWORD
    from qa_audit.ui.main_window import MainWindow
    from qa_audit.ui.views.themes import ThemesView

    head = accounts.sign_in(store, head_name, DEMO_PASSWORD)
    window = MainWindow(store, head, head_name)
    window.show()
    window.show_page("themes")
    page = window.pages["themes"]
    assert isinstance(page, ThemesView)
    wait(lambda: page.board is not None)
    shot(window, "23-head-of-service-themes")
    window.close()


def export_shots(store: Store, sup: Actor, shot: Callable[[QWidget, str], None],
                 out: Path) -> None:
    """The export dialogs with their previews and a finished batch."""
    from qa_audit.domain.workflow import Status
    from qa_audit.services.documents import DocumentKind
    from qa_audit.services.listing import AssessmentQuery, list_assessments
    from qa_audit.ui.export_dialogs import BatchExportDialog, ExportPdfDialog

    done = list_assessments(store, sup, AssessmentQuery(statuses=(Status.FINALISED,)), limit=1)
    dialogs = [(ExportPdfDialog(store, sup, DocumentKind.ASSESSMENT, target=done[0].id),
                "13-export-assessment-preview")] if done else []
    dialogs += [(ExportPdfDialog(store, sup, DocumentKind.TEAM), "14-export-team-preview"),
                (ExportPdfDialog(store, sup, DocumentKind.PERIOD), "15-export-period-preview")]
    for dialog, name in dialogs:
        dialog.period.quick.activated.emit(2)  # last quarter
        dialog.show()
        dialog.make_preview()
        wait(lambda d=dialog: d.preview.page_count > 0)  # type: ignore[misc]
        shot(dialog, name)
        dialog.close()
    batch = BatchExportDialog(store, sup)
    batch.period.quick.activated.emit(2)
    batch.folder.setText(str(out / "batch"))
    batch.show()
    batch.start()
    wait(lambda: batch.result_ is not None)
    shot(batch, "16-batch-export-done")
    batch.close()


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots")))
