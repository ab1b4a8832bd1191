"""Someone else changed the record being edited (another computer, a command): the editor
and the supervision page say so, keep what was typed to copy, and reload on request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from qa_audit.domain.permissions import Actor
from qa_audit.services import accounts, assessments
from qa_audit.services import supervision as sv
from qa_audit.services.database import Store
from qa_audit.ui.editor import AssessmentEditor
from qa_audit.ui.errors import StaleRecordDialog
from qa_audit.ui.views.supervision import SupervisionView

PASSWORD = "correct horse battery"


@pytest.fixture
def laptop(world) -> Iterator[tuple[Store, Actor]]:
    """The same supervisor on a second computer: another Store on the same file."""
    other = Store.open(Path(world.store.location))
    yield other, accounts.sign_in(other, "sup", PASSWORD)
    other.close()


def _answer_dialog(qtbot, act: Callable[[StaleRecordDialog], None]) -> list[StaleRecordDialog]:
    """Act on the stale-record dialog once it is shown (within five seconds, or fail)."""
    shown: list[StaleRecordDialog] = []
    tries = iter(range(250))

    def poll() -> None:
        widget: QWidget | None = QApplication.activeModalWidget()
        if isinstance(widget, StaleRecordDialog):
            shown.append(widget)
            act(widget)
        elif next(tries, None) is not None:
            QTimer.singleShot(20, poll)
        elif widget is not None:
            widget.close()  # something else asked: close it so the test fails, not hangs

    QTimer.singleShot(20, poll)
    return shown


def _editor(qtbot, world, aid) -> AssessmentEditor:
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def _evidence(world, aid, standard: str = "seen") -> str:
    return assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        standard].evidence


def test_the_editor_says_someone_else_changed_it_and_reloads(qtbot, world, laptop) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, aid)
    other, sup = laptop
    assessments.save_rating(other, sup, aid, "seen", evidence="Written on the laptop")

    qtbot.keyClicks(editor.panel.evidence, "Typed at the office")
    seen: list[str] = []

    def copy_then_reload(dialog: StaleRecordDialog) -> None:
        seen.append(dialog.message.text())
        assert dialog.unsaved.isReadOnly()
        assert "Typed at the office" in dialog.unsaved.toPlainText()
        qtbot.mouseClick(dialog.copy, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.reload, Qt.MouseButton.LeftButton)

    shown = _answer_dialog(qtbot, copy_then_reload)
    assert not editor.flush()  # Ctrl+S: refused, the dialog offers to reload
    assert shown and "Someone else changed this standard's rating" in seen[0]
    assert "Typed at the office" in QGuiApplication.clipboard().text()
    # Reloaded: the laptop's text is shown and kept; nothing is left pending.
    assert _evidence(world, aid) == "Written on the laptop"
    assert editor.panel.evidence.toPlainText() == "Written on the laptop"
    assert not editor.state.dirty
    # Editing goes on from the record as it is now.
    editor.panel.evidence.moveCursor(editor.panel.evidence.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor.panel.evidence, "; and at the office")
    assert editor.flush()
    assert _evidence(world, aid) == "Written on the laptop; and at the office"


def test_not_now_keeps_the_text_on_screen_and_overwrites_nothing(qtbot, world,
                                                                 laptop) -> None:
    aid = world.new_audit()
    editor = _editor(qtbot, world, aid)
    other, sup = laptop
    assessments.set_narrative(other, sup, aid, assessments.Narrative.STRENGTHS,
                              "Strengths from the laptop")
    editor.tabs.setCurrentWidget(editor.overall_page)
    strengths = editor.overall_page.edits[assessments.Narrative.STRENGTHS]
    qtbot.keyClicks(strengths, "Strengths typed here")
    shown = _answer_dialog(qtbot, lambda d: qtbot.mouseClick(d.later, Qt.MouseButton.LeftButton))
    assert not editor.flush()
    assert shown
    assert strengths.toPlainText() == "Strengths typed here"
    assert editor.state.dirty
    assert assessments.get_assessment(world.store, world.supervisor, aid).strengths == (
        "Strengths from the laptop")
    # Reloading later shows the saved text in the box.
    editor.reload_as_saved()
    assert strengths.toPlainText() == "Strengths from the laptop"


def test_the_supervision_page_says_so_and_reloads(qtbot, world, laptop) -> None:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met."})
    view = SupervisionView(world.store, world.supervisor)
    qtbot.addWidget(view)
    view.table.selectRow(0)
    other, sup = laptop
    sv.save_notes(other, sup, sid, {"analysis": "Analysis from the laptop"})

    qtbot.keyClicks(view.panel.stages["analysis"], "Analysis typed here")
    texts: list[str] = []

    def reload(dialog: StaleRecordDialog) -> None:
        texts.append(dialog.unsaved.toPlainText())
        qtbot.mouseClick(dialog.reload, Qt.MouseButton.LeftButton)

    shown = _answer_dialog(qtbot, reload)
    assert not view.flush()
    assert shown
    assert "Analysis:\nAnalysis typed here" in texts[0]
    assert "What happened (experience):\nWe met." in texts[0]
    assert view.panel.stages["analysis"].toPlainText() == "Analysis from the laptop"
    assert not view.panel.autosave_pending
    assert sv.get_session(world.store, world.supervisor, sid).notes["analysis"] == (
        "Analysis from the laptop")
