from __future__ import annotations

import pytest

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.workflow import Status
from qa_audit.errors import (
    InvalidInput,
    PermissionDenied,
    ReadOnly,
    SubmitBlocked,
    TransitionNotAllowed,
)
from qa_audit.services import assessments as svc
from qa_audit.services.assessments import Agreement, Narrative
from qa_audit.services.audit_log import verify_chain


def complete(world, aid):
    s = world.supervisor
    svc.set_context(world.store, s, aid, "setting", "Home visit")
    svc.save_rating(world.store, s, aid, "seen", grade="G", evidence="Seen alone on 3 May")
    svc.save_rating(
        world.store,
        s,
        aid,
        "care-plan",
        grade="RI",
        evidence="Plan not tested against the parenting assessment",
    )
    svc.save_rating(world.store, s, aid, "sgo", grade=NOT_APPLICABLE)


def test_full_case_audit_lifecycle(world):
    aid = world.new_audit()
    complete(world, aid)
    svc.set_narrative(world.store, world.supervisor, aid, Narrative.STRENGTHS, "Clear analysis")
    svc.add_action(world.store, world.supervisor, aid, "Read the SGO guidance", standard_id="sgo")
    svc.submit(world.store, world.supervisor, aid)
    detail = svc.get_assessment(world.store, world.fca, aid)
    assert detail.status is Status.SUBMITTED
    # limiting: mean of G(3) and RI(2) = 2.5 -> tie goes to the worse grade, RI; cap by 'seen' = G
    assert detail.overall_grade == "RI"
    svc.respond(world.store, world.fca, aid, "I will tighten the plan analysis", Agreement.AGREE)
    h = svc.finalise(world.store, world.supervisor, aid)
    detail = svc.get_assessment(world.store, world.supervisor, aid)
    assert detail.status is Status.FINALISED and detail.content_hash == h
    assert all(a.agreed for a in detail.actions)
    with pytest.raises(ReadOnly):
        svc.save_rating(world.store, world.supervisor, aid, "seen", grade="O")
    svc.add_addendum(world.store, world.supervisor, aid, "Hearing date corrected")
    assert svc.get_assessment(world.store, world.supervisor, aid).addenda[0].text
    assert verify_chain(world.store).intact


def test_submit_lists_what_is_missing_and_changes_nothing(world):
    aid = world.new_audit()
    svc.save_rating(world.store, world.supervisor, aid, "care-plan", grade="I")
    with pytest.raises(SubmitBlocked) as err:
        svc.submit(world.store, world.supervisor, aid)
    text = "\n".join(err.value.missing)
    assert "Setting: required" in text
    assert "The child is seen and heard: not graded yet" in text
    assert "The care plan is analysed: graded Inadequate, so evidence is needed" in text
    assert "Special guardianship" not in text  # not required
    assert svc.get_assessment(world.store, world.supervisor, aid).status is Status.DRAFT


def test_unknown_grade_is_refused_and_nothing_changes(world):
    aid = world.new_audit()
    with pytest.raises(InvalidInput, match="not a grade"):
        svc.save_rating(world.store, world.supervisor, aid, "seen", grade="X", evidence="e")
    assert svc.get_assessment(world.store, world.supervisor, aid).ratings["seen"].evidence == ""


def test_fca_cannot_see_draft_nor_other_teams(world):
    aid = world.new_audit()
    with pytest.raises(PermissionDenied):
        svc.get_assessment(world.store, world.fca, aid)
    with pytest.raises(PermissionDenied):
        svc.save_rating(world.store, world.supervisor2, aid, "seen", grade="G")
    with pytest.raises(PermissionDenied):
        svc.get_assessment(world.store, world.admin, aid)


def test_transition_not_allowed(world):
    aid = world.new_audit()
    with pytest.raises(TransitionNotAllowed):
        svc.finalise(world.store, world.supervisor, aid)


def test_return_for_changes_then_resubmit(world):
    aid = world.new_audit()
    complete(world, aid)
    svc.submit(world.store, world.supervisor, aid)
    svc.return_for_changes(world.store, world.fca, aid, "The hearing date is wrong")
    assert svc.get_assessment(world.store, world.supervisor, aid).status is Status.RETURNED
    svc.save_rating(world.store, world.supervisor, aid, "seen", commentary="fixed")
    svc.submit(world.store, world.supervisor, aid)
    with pytest.raises(InvalidInput, match="why"):
        svc.respond(world.store, world.fca, aid, "ok", Agreement.DISAGREE)


def test_listing_scopes_and_filters(world):
    from qa_audit.services.listing import (
        AssessmentQuery,
        SortKey,
        count_assessments,
        list_assessments,
    )

    a1 = world.new_audit()
    complete(world, a1)
    svc.submit(world.store, world.supervisor, a1)
    world.new_audit()
    q = AssessmentQuery()
    assert count_assessments(world.store, world.supervisor, q) == 2
    assert count_assessments(world.store, world.fca, q) == 1  # drafts hidden from the FCA
    assert count_assessments(world.store, world.ql, q) == 1
    assert count_assessments(world.store, world.other_ql, q) == 0
    assert count_assessments(world.store, world.supervisor2, q) == 0
    assert count_assessments(world.store, world.admin, q) == 0
    rows = list_assessments(
        world.store,
        world.supervisor,
        AssessmentQuery(statuses=(Status.SUBMITTED,), sort=SortKey.CASE),
    )
    assert [r.id for r in rows] == [a1]
    assert rows[0].case_reference == "PL-2024-00001" and rows[0].subject_name == "Fatima Khan"
    assert count_assessments(world.store, world.supervisor, AssessmentQuery(search="00001")) == 2
    assert count_assessments(world.store, world.supervisor, AssessmentQuery(search="zzz")) == 0


def test_context_answers_of_the_wrong_kind_are_refused(world) -> None:
    from qa_audit.errors import InvalidInput

    aid = world.new_audit()
    with pytest.raises(InvalidInput, match="Setting: choose one of Home visit, Court"):
        svc.set_context(world.store, world.supervisor, aid, "setting", 42)
    with pytest.raises(InvalidInput, match="Notes: give text"):
        svc.set_context(world.store, world.supervisor, aid, "notes", ["a list"])
    assert "setting" not in svc.get_assessment(world.store, world.supervisor, aid).context


def test_asking_for_changes_keeps_the_practitioners_draft_reasons(world) -> None:
    aid = world.new_audit()
    complete(world, aid)
    svc.submit(world.store, world.supervisor, aid)
    svc.save_response(world.store, world.fca, aid, "My draft reflection", Agreement.PARTLY,
                      "The plan was tested at the meeting")
    svc.return_for_changes(world.store, world.fca, aid, "Please correct the date of the visit")
    response = svc.get_assessment(world.store, world.supervisor, aid).response
    assert response is not None
    assert response.reasons == "The plan was tested at the meeting"
    assert response.change_request == "Please correct the date of the visit"
    assert response.reflection == "My draft reflection"
