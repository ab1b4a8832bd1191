"""The supervisor's reply to a practitioner who did not fully agree, in the editor's
Response tab."""

from __future__ import annotations

from qa_audit.services import assessments, replies
from qa_audit.services.assessments import Agreement
from qa_audit.ui.editor.widget import AssessmentEditor


def _disagreed(world) -> object:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.respond(world.store, world.fca, aid, "My view", Agreement.DISAGREE,
                        "The plan was tested in court")
    return aid


def test_the_supervisor_writes_the_reply_and_the_practitioner_reads_it(qtbot, world) -> None:
    aid = _disagreed(world)
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    box = editor.reply_box
    assert not box.isHidden() and not box.text.isReadOnly() and not box.save.isHidden()
    box.text.setPlainText("We will re-read the court bundle together.")
    box.save.click()
    assert box.state.text() == "Reply saved"
    reply = replies.get_reply(world.store, world.supervisor, aid)
    assert reply is not None and reply.text == "We will re-read the court bundle together."
    theirs = AssessmentEditor(world.store, world.fca, aid)
    qtbot.addWidget(theirs)
    assert not theirs.reply_box.isHidden() and theirs.reply_box.text.isReadOnly()
    assert theirs.reply_box.save.isHidden()
    assert theirs.reply_box.text.toPlainText() == "We will re-read the court bundle together."
    assert "Sam Supervisor" in theirs.reply_box.intro.text()


def test_no_reply_box_when_the_practitioner_agreed(qtbot, world) -> None:
    aid = world.finalised_audit()
    editor = AssessmentEditor(world.store, world.supervisor, aid)
    qtbot.addWidget(editor)
    assert editor.reply_box.isHidden()
