from __future__ import annotations

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.domain.workflow import Status, Step, steps_from, transition
from qa_audit.errors import TransitionNotAllowed

S, F, Q = Role.SUPERVISOR, Role.FCA, Role.QUALITY_LEAD
# Written by hand from DESIGN.md §1 and §4, not read from the code's table: draft →
# submitted → responded → finalised, by the supervisor who wrote it and the FCA it is
# about; the FCA may instead ask for changes (returned), which the supervisor submits
# again; optional moderation after the response, which the quality lead moderates (and a
# supervisor or quality lead may ask for). Admins take no step: they do not read case
# content; nor does a head of service, who reads every region's themes and edits nothing.
# Every (step, from, role) not listed here must be refused.
EXPECTED: dict[tuple[Step, Status, Role], Status] = {
    (Step.SUBMIT, Status.DRAFT, S): Status.SUBMITTED,
    (Step.SUBMIT, Status.RETURNED, S): Status.SUBMITTED,
    (Step.RETURN, Status.SUBMITTED, F): Status.RETURNED,
    (Step.RESPOND, Status.SUBMITTED, F): Status.RESPONDED,
    (Step.SEND_TO_MODERATION, Status.RESPONDED, S): Status.MODERATION,
    (Step.SEND_TO_MODERATION, Status.RESPONDED, Q): Status.MODERATION,
    (Step.COMPLETE_MODERATION, Status.MODERATION, Q): Status.RESPONDED,
    (Step.FINALISE, Status.RESPONDED, S): Status.FINALISED,
}


def test_the_hand_written_table_has_the_size_the_design_gives() -> None:
    # 6 steps × 6 statuses × 5 roles = 180 cells, 8 of them allowed.
    assert len(Step) * len(Status) * len(Role) == 180
    assert len(EXPECTED) == 8


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("role", list(Role))
def test_every_cell(step: Step, status: Status, role: Role) -> None:
    key = (step, status, role)
    if key in EXPECTED:
        assert transition(step, status, role) is EXPECTED[key]
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(step, status, role)


def test_steps_open_to_each_role() -> None:
    assert steps_from(Status.DRAFT, S) == [Step.SUBMIT]
    assert steps_from(Status.DRAFT, F) == []
    assert set(steps_from(Status.SUBMITTED, F)) == {Step.RETURN, Step.RESPOND}
    assert set(steps_from(Status.RESPONDED, S)) == {Step.SEND_TO_MODERATION, Step.FINALISE}
    assert steps_from(Status.RESPONDED, Q) == [Step.SEND_TO_MODERATION]
    assert steps_from(Status.MODERATION, Q) == [Step.COMPLETE_MODERATION]
    assert all(steps_from(status, Role.ADMIN) == [] for status in Status)
    assert all(steps_from(status, Role.HEAD_OF_SERVICE) == [] for status in Status)


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
