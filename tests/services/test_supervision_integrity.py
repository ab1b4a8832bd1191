"""A supervision record's signatures cover what each signer saw: any change to its content
withdraws both, and a record both have signed is closed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qa_audit.errors import ReadOnly
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


def test_changed_reflection_and_assessments_withdraw_both(world) -> None:
    aid = world.finalised_audit()
    sid = _session(world)
    sv.sign(world.store, world.supervisor, sid)
    sv.save_fca_reflection(world.store, world.fca, sid, "My reflection")
    assert _detail(world, sid).supervisor_signed_at is None
    sv.sign(world.store, world.fca, sid)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    assert _detail(world, sid).fca_signed_at is None


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
