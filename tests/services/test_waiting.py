"""What waits for a person, worked out by hand from the design (DESIGN §8, issue 19): a
supervisor grades her drafts and returned audits, finalises responded ones and signs
records first; a practitioner responds to what was submitted to her, signs after her
supervisor and owns the actions agreed with her."""

from __future__ import annotations

import datetime as dt

from qa_audit.services import assessments, waiting
from qa_audit.services import supervision as sv
from qa_audit.services.waiting import Waiting

TODAY = dt.date(2026, 3, 10)


def _day(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def _setting(world):
    """One audit in each state, two actions (one overdue) and a record."""
    draft = world.new_audit()
    returned = world.new_audit()
    world.complete(returned)
    assessments.submit(world.store, world.supervisor, returned)
    assessments.return_for_changes(world.store, world.fca, returned, "Add the school visit")
    submitted = world.new_audit()
    assessments.add_action(world.store, world.supervisor, submitted, "Read the care plan",
                           due_on=_day(-3))
    assessments.add_action(world.store, world.supervisor, submitted, "Visit the school",
                           due_on=_day(5))
    world.complete(submitted)
    assessments.submit(world.store, world.supervisor, submitted)
    responded = world.new_audit()
    world.complete(responded)
    assessments.submit(world.store, world.supervisor, responded)
    assessments.respond(world.store, world.fca, responded, "Fair", assessments.Agreement.AGREE)
    world.finalised_audit()
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id, _day(-1))
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met"})
    sv.add_action(world.store, world.supervisor, sid, "Shadow a hearing", due_on=_day(-1))
    return draft, returned, submitted, responded, sid


def test_the_supervisor_grades_finalises_and_signs_first(world) -> None:
    draft, returned, _submitted, responded, sid = _setting(world)
    found = waiting.what_waits(world.store, world.supervisor, TODAY)
    assert found.counts == {Waiting.GRADE: 2, Waiting.SIGN: 1, Waiting.FINALISE: 1}
    assert found.total == 4
    assert [(i.kind, i.assessment_id or i.session_id) for i in found.items] == [
        (Waiting.GRADE, draft), (Waiting.GRADE, returned), (Waiting.SIGN, sid),
        (Waiting.FINALISE, responded)]
    assert found.items[1].state == "Returned for changes"
    assert found.items[2].person == "Fatima Khan"
    assert found.summary() == "2 to grade, 1 to sign and 1 to finalise"
    assert waiting.counts(world.store, world.supervisor, TODAY) == found.counts


def test_the_practitioner_responds_owns_actions_and_signs_second(world) -> None:
    _draft, _returned, submitted, _responded, sid = _setting(world)
    found = waiting.what_waits(world.store, world.fca, TODAY)
    # The supervisor has not signed the record: it is not the practitioner's turn yet.
    assert found.counts == {Waiting.RESPOND: 1, Waiting.SIGN: 0, Waiting.OVERDUE: 2}
    respond, *overdue = found.items
    assert (respond.kind, respond.assessment_id, respond.person) == (
        Waiting.RESPOND, submitted, "Sam Supervisor")
    # Oldest due first; the one due in five days is not overdue.
    assert [(i.title, i.state) for i in overdue] == [
        ("Read the care plan", "3 days overdue"), ("Shadow a hearing", "1 day overdue")]
    assert overdue[0].assessment_id == submitted and overdue[1].session_id == sid
    sv.sign(world.store, world.supervisor, sid)
    after = waiting.what_waits(world.store, world.fca, TODAY)
    assert after.counts[Waiting.SIGN] == 1
    assert after.summary() == "1 to respond to, 1 to sign and 2 overdue actions"


def test_nothing_waits_for_others(world) -> None:
    _setting(world)
    other = waiting.what_waits(world.store, world.supervisor2, TODAY)
    assert other.total == 0 and other.items == () and other.summary() == ""
    assert waiting.kinds_for(world.ql) == () and waiting.kinds_for(world.admin) == ()
    assert waiting.what_waits(world.store, world.ql, TODAY).counts == {}


def test_only_the_first_rows_are_listed_but_all_are_counted(world) -> None:
    for _ in range(4):
        world.new_audit()
    found = waiting.what_waits(world.store, world.supervisor, TODAY, shown=3)
    assert found.counts[Waiting.GRADE] == 4
    assert len([i for i in found.items if i.kind is Waiting.GRADE]) == 3
