"""A supervision record's signatures cover what each signer agreed: the supervisor's covers
her notes, the assessments discussed and the actions; the practitioner's covers those and
her own reflection. A change withdraws only the signatures that covered it, the record says
who must sign next, and a record both have signed is closed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qa_audit.errors import ReadOnly
from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.store.tables import AuditEvent

NOTES = {"what_happened": "We read the care plan audit together."}


def _session(world) -> object:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, NOTES)
    return sid


def _detail(world, sid):
    return sv.get_session(world.store, world.supervisor, sid)


def _events(world, action: str) -> list[str]:
    with world.store.reading() as session:
        return list(session.exec(select(AuditEvent.entity_id).where(
            AuditEvent.action == action)).all())


def test_changed_notes_withdraw_the_practitioners_signature(world) -> None:
    sid = _session(world)
    sv.sign(world.store, world.fca, sid)
    sv.save_notes(world.store, world.supervisor, sid, {"analysis": "Added after she signed"})
    sv.sign(world.store, world.supervisor, sid)
    detail = _detail(world, sid)
    assert detail.fca_signed_at is None and not detail.signed
    assert _events(world, "withdraw_signatures") == [str(sid)]


def test_an_added_action_withdraws_the_practitioners_signature(world) -> None:
    sid = _session(world)
    sv.sign(world.store, world.fca, sid)
    with pytest.raises(ReadOnly):  # actions agreed are recorded by the supervisor
        sv.add_action(world.store, world.fca, sid, "Something the supervisor never agreed")
    assert _detail(world, sid).fca_signed_at is not None
    sv.add_action(world.store, world.supervisor, sid, "Something the practitioner never saw")
    detail = _detail(world, sid)
    assert detail.fca_signed_at is None and not detail.signed


def test_the_natural_order_completes(world) -> None:
    """The supervisor writes and signs, the practitioner writes her reflection and signs:
    her reflection is not his to sign, so his signature stands and the record closes."""
    sid = _session(world)
    assert _detail(world, sid).next_signer is sv.Signer.SUPERVISOR
    sv.sign(world.store, world.supervisor, sid)
    assert _detail(world, sid).next_signer is sv.Signer.PRACTITIONER
    sv.save_fca_reflection(world.store, world.fca, sid, "My reflection")
    assert _detail(world, sid).supervisor_signed_at is not None
    sv.sign(world.store, world.fca, sid)
    detail = _detail(world, sid)
    assert detail.signed and detail.next_signer is None
    assert _events(world, "withdraw_signatures") == []


def test_a_changed_reflection_withdraws_only_the_practitioners_signature(world) -> None:
    sid = _session(world)
    sv.sign(world.store, world.fca, sid)
    sv.save_fca_reflection(world.store, world.fca, sid, "Second thoughts")
    detail = _detail(world, sid)
    assert detail.fca_signed_at is None
    assert _events(world, "withdraw_signatures") == [str(sid)]


def test_changed_assessments_withdraw_both(world) -> None:
    aid = world.finalised_audit()
    sid = _session(world)
    sv.sign(world.store, world.supervisor, sid)
    sv.save_fca_reflection(world.store, world.fca, sid, "Mine")
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    detail = _detail(world, sid)
    assert detail.supervisor_signed_at is None and detail.fca_signed_at is None
    assert detail.next_signer is sv.Signer.SUPERVISOR


def test_the_list_says_who_must_sign_next(world) -> None:
    sid = _session(world)
    (row,) = sv.list_sessions(world.store, world.supervisor)
    assert row.state_text(world.supervisor.user_id) == "Waiting for you to sign"
    assert row.state_text(world.fca.user_id).startswith("Waiting for ")
    assert "(supervisor)" in row.state_text(world.fca.user_id)
    sv.sign(world.store, world.supervisor, sid)
    (row,) = sv.list_sessions(world.store, world.fca)
    assert row.waiting_for(world.fca.user_id) and not row.waiting_for(world.supervisor.user_id)
    assert row.state_text(world.fca.user_id) == "Waiting for you to sign"
    assert "(practitioner)" in row.state_text(world.supervisor.user_id)
    sv.sign(world.store, world.fca, sid)
    (row,) = sv.list_sessions(world.store, world.fca)
    assert row.state_text(world.fca.user_id) == "Signed by both"


def _submitted_with_seen_graded_low(world) -> object:
    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                            evidence="Not seen alone")
    assessments.submit(world.store, world.supervisor, aid)
    return aid


def test_prompts_follow_the_ticked_assessments_before_saving(world) -> None:
    aid = _submitted_with_seen_graded_low(world)
    draft = world.new_audit()
    sid = _session(world)
    assert _detail(world, sid).prompts == ()
    ticked = sv.prompts_for(world.store, world.supervisor, sid, [aid, aid, draft])
    # The mini framework's one prompt under "seen" (graded RI, below Good); the draft
    # counts for nothing.
    assert [(p.standard, p.grade, p.text) for p in ticked] == [
        ("The child is seen and heard", "Requires improvement to be good",
         "What did the child want the court to know?")]
    assert _detail(world, sid).prompts == ()  # nothing saved
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    assert _detail(world, sid).prompts == ticked


def test_saving_unchanged_content_keeps_the_signatures(world) -> None:
    aid = world.finalised_audit()
    sid = _session(world)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.save_fca_reflection(world.store, world.fca, sid, "Mine")
    sv.sign(world.store, world.supervisor, sid)
    sv.sign(world.store, world.fca, sid)
    # Opening a signed record saves nothing; a supervisor's window saving what it shows
    # must not count as a change.
    detail = _detail(world, sid)
    assert detail.signed
    assert _events(world, "withdraw_signatures") == []


def test_saving_unchanged_content_before_both_signed_keeps_the_signature(world) -> None:
    aid = world.finalised_audit()
    sid = _session(world)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.sign(world.store, world.fca, sid)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.save_notes(world.store, world.supervisor, sid, NOTES)
    assert _detail(world, sid).fca_signed_at is not None


def test_a_record_signed_by_both_is_closed(world) -> None:
    aid = world.finalised_audit()
    sid = _session(world)
    sv.sign(world.store, world.supervisor, sid)
    sv.sign(world.store, world.fca, sid)
    signed_at = _detail(world, sid).supervisor_signed_at
    with pytest.raises(ReadOnly, match="signed by both"):
        sv.sign(world.store, world.supervisor, sid)
    with pytest.raises(ReadOnly, match="signed by both"):
        sv.sign(world.store, world.fca, sid)
    with pytest.raises(ReadOnly):
        sv.add_action(world.store, world.fca, sid, "Late action")
    with pytest.raises(ReadOnly):
        sv.set_assessments(world.store, world.supervisor, sid, [aid])
    with pytest.raises(ReadOnly):
        sv.save_fca_reflection(world.store, world.fca, sid, "Late reflection")
    detail = _detail(world, sid)
    assert detail.signed and detail.supervisor_signed_at == signed_at
    assert detail.actions == () and detail.fca_reflection == ""
