"""Gaps an outside tester found in the services' permission checks, each closed."""

from __future__ import annotations

import pytest

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Role
from qa_audit.errors import InvalidInput, PermissionDenied, ReadOnly
from qa_audit.services import accounts, assessments, cases, listing
from qa_audit.services import supervision as sv
from tests.conftest import PASSWORD


def test_a_supervisor_cannot_create_cases_for_another_team(world) -> None:
    with pytest.raises(PermissionDenied):
        cases.create_case(world.store, world.supervisor2, "PL-2024-00999", "care_order",
                          team_id=world.team_id)
    with pytest.raises(InvalidInput, match="practitioner must be in the case's team"):
        cases.create_case(world.store, world.supervisor2, "PL-2024-00998", "care_order",
                          fca_id=world.fca.user_id)
    assert [c.reference for c in cases.list_cases(world.store, world.supervisor2)] == []
    made = cases.create_case(world.store, world.supervisor2, "PL-2024-00997", "care_order",
                             fca_id=world.fca2.user_id)
    assert made.team_id == world.team2_id


def test_an_audit_cannot_be_made_on_another_teams_case(world) -> None:
    """supervisor2's team has an FCA of its own; the world's case belongs to team 1."""
    with pytest.raises(InvalidInput, match="another team"):
        assessments.create_assessment(
            world.store, world.supervisor2, AssessmentKind.CASE_AUDIT,
            world.framework_version_id, world.fca2.user_id, case_id=world.case_id)


def test_only_the_sessions_supervisor_writes_its_notes_and_actions(world) -> None:
    accounts.add_user(world.store, world.admin, "sup-b", "Bea Supervisor", Role.SUPERVISOR,
                      PASSWORD, world.team_id)
    colleague = accounts.sign_in(world.store, "sup-b", PASSWORD)
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met."})
    sv.sign(world.store, world.supervisor, sid)
    assert sv.get_session(world.store, colleague, sid).id == sid  # the team's record: readable
    with pytest.raises(ReadOnly, match="session's supervisor"):
        sv.add_action(world.store, colleague, sid, "Something else")
    with pytest.raises(ReadOnly, match="session's supervisor"):
        sv.save_notes(world.store, colleague, sid, {"what_happened": "Rewritten"})
    with pytest.raises(ReadOnly):
        sv.sign(world.store, colleague, sid)
    with pytest.raises(ReadOnly, match="session's supervisor"):
        sv.add_action(world.store, world.fca, sid, "Added by the practitioner")
    detail = sv.get_session(world.store, world.supervisor, sid)
    assert detail.supervisor_signed_at is not None  # nothing withdrew the signature
    assert detail.notes["what_happened"] == "We met."
    assert detail.actions == ()
    may = sv.get_session(world.store, colleague, sid).capabilities
    assert may.view and not may.write_notes and not may.sign
    mine = sv.get_session(world.store, world.fca, sid).capabilities
    assert mine.write_reflection and mine.sign and not mine.write_notes


def test_other_peoples_actions_are_not_listed_to_anyone(world) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Draft action",
                           owner_id=world.fca.user_id)
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    # the practitioner sees their own; another team's FCA and supervisor see nothing of it
    assert len(listing.open_actions(world.store, world.fca)) == 1
    for outsider in (world.fca2, world.supervisor2):
        assert listing.open_actions(world.store, outsider, owner_id=world.fca.user_id) == ()
        _, actions = sv.suggest(world.store, outsider, world.fca.user_id)
        assert actions == ()
