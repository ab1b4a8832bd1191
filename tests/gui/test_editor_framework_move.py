"""Moving a draft to a newer version of its framework from the editor: offered only when
one is imported, previewed, cancelled without change, then made by the explicit step, and
the assessment shown again on its new framework."""

from __future__ import annotations

from PySide6.QtCore import Qt

from qa_audit.services import assessments, frameworks
from qa_audit.ui.editor.move_dialog import MoveVersionDialog
from tests.conftest import FIXTURES


def _v2(world):
    return frameworks.import_framework_file(world.store, world.admin,
                                            FIXTURES / "mini-v2.yaml").version


def _draft(world):
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G",
                            indicators=["Seen alone", "Words recorded"], evidence="Seen alone")
    assessments.save_rating(world.store, world.supervisor, aid, "sgo", grade="RI",
                            evidence="Support plan missing")
    return aid


def _version(world, aid) -> str:
    return assessments.get_assessment(world.store, world.supervisor, aid).framework_version


def test_the_author_reads_the_preview_cancels_then_moves(qtbot, world, on_modal) -> None:
    from qa_audit.ui.main_window import MainWindow

    aid = _draft(world)
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.resize(1366, 738)
    window.show()
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None and not editor.move_version.isVisible()  # nothing newer yet
    _v2(world)
    window.open_assessment(aid)  # opened again once version 2 is imported
    editor = window.editor
    assert editor is not None and editor.move_version.isVisible()
    assert editor.move_version.text().replace("&", "") == "Move to version 2…"

    read: list[str] = []

    def look_then(choice: str):
        def act(dialog) -> None:
            assert isinstance(dialog, MoveVersionDialog)
            read.append(dialog.summary.toPlainText())
            assert not dialog.move_button.isEnabled()  # not before the losses are read
            if choice == "cancel":
                dialog.reject()
                return
            dialog.understood.click()
            assert dialog.move_button.isEnabled()
            dialog.move_button.click()
        return act

    on_modal(look_then("cancel"))
    qtbot.mouseClick(editor.move_version, Qt.MouseButton.LeftButton)
    assert _version(world, aid) == "1"  # cancelled: nothing moved
    text = read[0]
    for expected in ("What maps, by standard id (1)", "seen — The child is seen and heard: "
                     "grade Good (G); 1 of 2 ticked indicators kept",
                     "New in this version, ungraded (3)", "care-plan-analysis", "delay",
                     "New context question: Date of the next hearing",
                     "What would be lost (3)",
                     'ticked indicator "Words recorded" is no longer listed',
                     "care-plan (The care plan is analysed): not in version 2 (nothing "
                     "recorded on it)",
                     "sgo (Special guardianship support): not in version 2; lost with it: "
                     "grade Requires improvement to be good (RI), evidence"):
        assert expected in text, expected

    on_modal(look_then("move"))
    qtbot.mouseClick(editor.move_version, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.editor is not editor and window.editor is not None)
    assert _version(world, aid) == "2"
    moved = window.editor
    assert moved is not None and moved.state.framework.version == "2"
    assert [s.id for s in moved.state.standards] == ["seen", "care-plan-analysis", "delay"]
    assert "IN" in moved.panel.grade_buttons and "N/A" not in moved.panel.grade_buttons
    assert not moved.move_version.isVisible()  # nothing newer now
    assert moved.state.grades["seen"] == "G"


def test_not_offered_to_the_practitioner_or_once_submitted(qtbot, world) -> None:
    from qa_audit.ui.editor import AssessmentEditor

    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    _v2(world)
    for actor in (world.supervisor, world.fca):
        editor = AssessmentEditor(world.store, actor, aid)
        qtbot.addWidget(editor)
        editor.show()
        assert not editor.move_version.isVisible()
