from __future__ import annotations

import pytest

from qa_audit.errors import InvalidInput, PermissionDenied, ReadOnly
from qa_audit.services import supervision as sv


def test_session_record_lifecycle(world) -> None:
    aid = world.finalised_audit()  # 'care-plan' graded RI: below the second-best grade
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    rows, _actions = sv.suggest(world.store, world.supervisor, world.fca.user_id)
    assert [r.id for r in rows] == [aid]
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.save_notes(world.store, world.supervisor, sid, {
        "what_happened": "We read the care plan audit together.",
        "reflection": "Time pressure shaped the analysis.",
        "analysis": "Plans need testing against assessments.",
        "action_plan": "Shadow a colleague's final analysis."})
    sv.add_action(world.store, world.supervisor, sid, "Shadow a final analysis")
    sv.save_fca_reflection(world.store, world.fca, sid, "I will plan analysis time earlier.")
    detail = sv.get_session(world.store, world.fca, sid)
    assert [a.id for a in detail.assessments] == [aid]
    assert [p.standard for p in detail.prompts] == []  # the mini framework has no RI prompts
    assert detail.actions[0].owner_id == world.fca.user_id
    sv.sign(world.store, world.supervisor, sid)
    sv.sign(world.store, world.fca, sid)
    assert sv.get_session(world.store, world.supervisor, sid).signed
    with pytest.raises(ReadOnly):
        sv.save_notes(world.store, world.supervisor, sid, {"analysis": "changed"})
    assert [s.id for s in sv.list_sessions(world.store, world.fca)] == [sid]
    assert sv.list_sessions(world.store, world.fca2) == []


def test_prompts_come_from_low_grades(world) -> None:
    from qa_audit.services import assessments

    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                            evidence="Not seen alone")
    assessments.submit(world.store, world.supervisor, aid)
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    prompts = sv.get_session(world.store, world.supervisor, sid).prompts
    assert [(p.standard, p.text) for p in prompts] == [
        ("The child is seen and heard", "What did the child want the court to know?")]


def test_rules(world) -> None:
    draft = world.new_audit()
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    with pytest.raises(InvalidInput):
        sv.set_assessments(world.store, world.supervisor, sid, [draft])
    with pytest.raises(InvalidInput):
        sv.sign(world.store, world.supervisor, sid)  # no notes yet
    with pytest.raises(PermissionDenied):
        sv.get_session(world.store, world.fca2, sid)
    with pytest.raises(PermissionDenied):
        sv.create_session(world.store, world.supervisor2, world.fca.user_id)
    with pytest.raises(ReadOnly):
        sv.save_notes(world.store, world.fca, sid, {"analysis": "mine"})


def test_an_action_names_a_standard_of_the_assessments_discussed(world, tmp_path) -> None:
    import subprocess

    from qa_audit.reports.model import Profile
    from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
    from qa_audit.services.summaries import session_report

    aid = world.finalised_audit()
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    # Nothing discussed yet: no standard to name.
    assert sv.get_session(world.store, world.supervisor, sid).standards == ()
    with pytest.raises(InvalidInput, match="assessments discussed"):
        sv.add_action(world.store, world.supervisor, sid, "Plan", standard_id="care-plan")
    # As soon as the assessment is ticked (before saving), its standards are offered.
    offered = sv.standards_for(world.store, world.supervisor, sid, [aid])
    assert [(c.id, c.title) for c in offered] == [  # the mini framework, in its order
        ("seen", "The child is seen and heard"), ("care-plan", "The care plan is analysed"),
        ("sgo", "Special guardianship support")]
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    assert sv.get_session(world.store, world.supervisor, sid).standards == offered
    with pytest.raises(InvalidInput):
        sv.add_action(world.store, world.supervisor, sid, "Plan", standard_id="no-such")
    sv.add_action(world.store, world.supervisor, sid, "Test the care plan with the child",
                  standard_id="care-plan")
    sv.add_action(world.store, world.supervisor, sid, "Read the research summary")
    detail = sv.get_session(world.store, world.supervisor, sid)
    assert [a.standard_id for a in detail.actions] == ["care-plan", None]
    report = session_report(world.store, world.supervisor, sid, Profile.MANAGER)
    assert [a.standard for a in report.actions] == ["The care plan is analysed", "—"]
    # Printed in the record's Standard column, beside its action.
    pdf = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.SESSION, sid), tmp_path / "record.pdf")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    row = next(line for line in out.splitlines() if "Test the care plan" in line)
    assert "The care plan is" in row and "Standard" in out
    # The practitioner cannot add actions, with or without a standard.
    with pytest.raises(ReadOnly):
        sv.add_action(world.store, world.fca, sid, "Mine", standard_id="seen")
