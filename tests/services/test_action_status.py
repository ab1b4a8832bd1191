"""Who may mark an action done or open again: its owner, or the supervisor of the team of the
record it belongs to (an assessment or a supervision session)."""

from __future__ import annotations

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import PermissionDenied
from qa_audit.services import accounts, assessments
from qa_audit.services import supervision as sv
from tests.conftest import PASSWORD


def _session_action(world) -> object:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    return sv.add_action(world.store, world.supervisor, sid, "Shadow a final analysis")


def test_another_teams_supervisor_cannot_complete_a_session_action(world) -> None:
    action = _session_action(world)
    with pytest.raises(PermissionDenied):
        assessments.set_action_status(world.store, world.supervisor2, action, True)
    with pytest.raises(PermissionDenied):
        assessments.set_action_status(world.store, world.fca2, action, True)


def test_the_session_team_and_the_owner_complete_a_session_action(world) -> None:
    action = _session_action(world)
    assessments.set_action_status(world.store, world.fca, action, True)
    assessments.set_action_status(world.store, world.supervisor, action, False)


def test_an_owner_who_is_not_the_practitioner_completes_their_action(world) -> None:
    accounts.add_user(world.store, world.admin, "fca3", "Hana Ali", Role.FCA, PASSWORD,
                      world.team_id)
    colleague = accounts.sign_in(world.store, "fca3", PASSWORD)
    aid = world.new_audit()
    world.complete(aid)
    action = assessments.add_action(world.store, world.supervisor, aid, "Co-work the case",
                                    owner_id=colleague.user_id)
    with pytest.raises(PermissionDenied):  # not while the assessment is a draft
        assessments.set_action_status(world.store, colleague, action, True)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.set_action_status(world.store, colleague, action, True)
    with pytest.raises(PermissionDenied):  # the practitioner of another team still may not
        assessments.set_action_status(world.store, world.fca2, action, False)
