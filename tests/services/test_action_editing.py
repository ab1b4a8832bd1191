"""Changing an assessment's actions after adding them, and who may own one."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import InvalidInput, NotFound, PermissionDenied, ReadOnly
from qa_audit.services import accounts
from qa_audit.services import assessments as svc


def test_update_action_changes_text_owner_due_and_standard(world):
    aid = world.new_audit()
    action = svc.add_action(world.store, world.supervisor, aid, "Record the child's words")
    svc.update_action(world.store, world.supervisor, aid, action,
                      text="  Record the child's own words  ", owner_id=world.supervisor.user_id,
                      due_on=dt.date(2030, 1, 31), standard_id="seen")
    (info,) = svc.get_assessment(world.store, world.supervisor, aid).actions
    assert (info.text, info.owner_id, info.due_on, info.standard_id) == (
        "Record the child's own words", world.supervisor.user_id, dt.date(2030, 1, 31), "seen")


def test_update_action_refuses_bad_input_and_other_people(world):
    aid = world.new_audit()
    action = svc.add_action(world.store, world.supervisor, aid, "Record the child's words")
    args = {"owner_id": world.fca.user_id, "due_on": None}
    with pytest.raises(InvalidInput):
        svc.update_action(world.store, world.supervisor, aid, action, text=" ", **args)
    with pytest.raises(InvalidInput):
        svc.update_action(world.store, world.supervisor, aid, action, text="x",
                          standard_id="no-such-standard", **args)
    with pytest.raises(InvalidInput):  # someone from another team cannot own it
        svc.update_action(world.store, world.supervisor, aid, action, text="x",
                          owner_id=world.fca2.user_id, due_on=None)
    with pytest.raises(InvalidInput):
        svc.add_action(world.store, world.supervisor, aid, "x", owner_id=world.fca2.user_id)
    with pytest.raises(PermissionDenied):
        svc.update_action(world.store, world.supervisor2, aid, action, text="x", **args)
    other = world.new_audit()
    with pytest.raises(NotFound):
        svc.update_action(world.store, world.supervisor, other, action, text="x", **args)


def test_actions_cannot_be_added_or_changed_once_finalised(world):
    aid = world.finalised_audit()
    with pytest.raises(ReadOnly):
        svc.add_action(world.store, world.supervisor, aid, "Late action")
    with pytest.raises(ReadOnly):
        svc.update_action(world.store, world.supervisor, aid, uuid.uuid4(), text="x",
                          owner_id=world.fca.user_id, due_on=None)


def test_action_owners_are_practitioner_author_then_team(world):
    aid = world.new_audit()
    owners = svc.action_owners(world.store, world.supervisor, aid)
    assert [p.name for p in owners] == ["Fatima Khan", "Sam Supervisor"]
    assert owners[0].id == world.fca.user_id
    accounts.add_user(world.store, world.admin, "fca3", "Aled Evans", Role.FCA,
                      "a long enough passphrase", world.team_id)
    owners = svc.action_owners(world.store, world.supervisor, aid)
    assert [p.name for p in owners] == ["Fatima Khan", "Sam Supervisor", "Aled Evans"]
    svc.add_action(world.store, world.supervisor, aid, "Shadow a colleague",
                   owner_id=owners[2].id)
    with pytest.raises(PermissionDenied):
        svc.action_owners(world.store, world.supervisor2, aid)


def test_actions_of_a_draft_are_not_in_anyones_list_until_it_is_sent(world) -> None:
    from qa_audit.services.listing import open_actions

    aid = world.new_audit()
    svc.add_action(world.store, world.supervisor, aid, "DRAFT-ONLY action",
                   owner_id=world.fca.user_id)
    assert "DRAFT-ONLY action" not in [a.text for a in open_actions(world.store, world.fca)]
    world.complete(aid)
    svc.submit(world.store, world.supervisor, aid)
    assert "DRAFT-ONLY action" in [a.text for a in open_actions(world.store, world.fca)]
