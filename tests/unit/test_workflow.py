from __future__ import annotations

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.domain.workflow import TRANSITIONS, Status, Step, steps_from, transition
from qa_audit.errors import TransitionNotAllowed

ALLOWED = {(t.step, t.source, role): t.target for t in TRANSITIONS for role in t.roles}


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("role", list(Role))
def test_every_cell(step: Step, status: Status, role: Role) -> None:
    key = (step, status, role)
    if key in ALLOWED:
        assert transition(step, status, role) is ALLOWED[key]
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(step, status, role)


def test_happy_path() -> None:
    s = Status.DRAFT
    for step, role in [
        (Step.SUBMIT, Role.SUPERVISOR),
        (Step.RESPOND, Role.FCA),
        (Step.FINALISE, Role.SUPERVISOR),
    ]:
        s = transition(step, s, role)
    assert s is Status.FINALISED
    assert steps_from(Status.FINALISED, Role.SUPERVISOR) == []


def test_messages_are_actionable() -> None:
    with pytest.raises(TransitionNotAllowed, match="Only a practitioner"):
        transition(Step.RESPOND, Status.SUBMITTED, Role.SUPERVISOR)
    with pytest.raises(TransitionNotAllowed, match="cannot be finalised"):
        transition(Step.FINALISE, Status.DRAFT, Role.SUPERVISOR)


def test_only_draft_and_returned_are_editable() -> None:
    assert {s for s in Status if s.editable} == {Status.DRAFT, Status.RETURNED}
