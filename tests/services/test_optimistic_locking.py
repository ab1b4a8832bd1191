"""Optimistic locking: two stores open on one file (two windows, two computers, the app and
a command) edit the same record; the write made from an outdated copy is refused and
nothing is overwritten.

The versions come from SQLAlchemy's version counter on the tables alone: with the mapping
removed, no version would ever move and every second write below would go through."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from qa_audit.domain.permissions import Actor
from qa_audit.errors import StaleRecord
from qa_audit.services import accounts, assessments
from qa_audit.services import supervision as sv
from qa_audit.services.assessments import Agreement, Narrative
from qa_audit.services.database import Store
from qa_audit.services.read_models import ASSESSMENT, RESPONSE, rating_key
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    OrgUnit,
    Rating,
    Response,
    SupervisionSession,
    User,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def second(world) -> Iterator[Store]:
    """Another Store on the same database file, as a second computer or a command has."""
    other = Store.open(Path(world.store.location))
    yield other
    other.close()


def _as(store: Store, username: str) -> Actor:
    return accounts.sign_in(store, username, PASSWORD)


def test_a_rating_saved_from_an_outdated_copy_is_refused(world, second) -> None:
    aid = world.new_audit()
    here, there = world.supervisor, _as(second, "sup")
    mine = assessments.get_assessment(world.store, here, aid)
    theirs = assessments.get_assessment(second, there, aid)
    key = rating_key("seen")

    assessments.save_rating(world.store, here, aid, "seen", grade="G",
                            evidence="Seen alone at school", seen=mine.versions[key])
    with pytest.raises(StaleRecord, match="Someone else changed this standard's rating"):
        assessments.save_rating(second, there, aid, "seen", grade="I",
                                evidence="Not seen", seen=theirs.versions[key])

    for store, actor in ((world.store, here), (second, there)):
        rating = assessments.get_assessment(store, actor, aid).ratings["seen"]
        assert (rating.grade, rating.evidence) == ("G", "Seen alone at school")

    # Reloaded, the second copy saves on top of what is there now.
    fresh = assessments.get_assessment(second, there, aid)
    assessments.save_rating(second, there, aid, "seen", evidence="Seen alone at school; "
                            "and at home", seen=fresh.versions[key])
    assert assessments.get_assessment(world.store, here, aid).ratings["seen"].evidence == (
        "Seen alone at school; and at home")


def test_versions_move_by_one_per_save_and_only_for_the_record_saved(world) -> None:
    aid = world.new_audit()
    before = assessments.get_assessment(world.store, world.supervisor, aid).versions
    # A new assessment: everything at the counter's first value.
    assert before[ASSESSMENT] == 1 and before[rating_key("seen")] == 1
    assert before[RESPONSE] == 0  # no response yet
    saved = assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G",
                                    seen=1)
    after = assessments.get_assessment(world.store, world.supervisor, aid).versions
    assert saved == {rating_key("seen"): 2, ASSESSMENT: 2}
    assert after[rating_key("seen")] == 2 and after[rating_key("care-plan")] == 1
    assert after[ASSESSMENT] == 2  # the assessment's updated_at and overall grade changed


def test_assessment_text_saved_from_an_outdated_copy_is_refused(world, second) -> None:
    aid = world.new_audit()
    there = _as(second, "sup")
    seen = assessments.get_assessment(second, there, aid).versions[ASSESSMENT]
    # Meanwhile, on the first computer: a grade (which moves the assessment on too).
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G")
    assessments.set_narrative(world.store, world.supervisor, aid, Narrative.STRENGTHS,
                              "Clear analysis")
    with pytest.raises(StaleRecord, match="this assessment"):
        assessments.set_narrative(second, there, aid, Narrative.STRENGTHS, "Overwritten",
                                  seen=seen)
    with pytest.raises(StaleRecord):
        assessments.set_context(second, there, aid, "setting", "Court", seen=seen)
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert detail.strengths == "Clear analysis"
    assert "setting" not in detail.context


def test_the_editor_keeps_saving_with_the_versions_each_save_returns(world) -> None:
    aid = world.new_audit()
    versions = dict(assessments.get_assessment(world.store, world.supervisor, aid).versions)
    for n in range(3):
        versions.update(assessments.save_rating(
            world.store, world.supervisor, aid, "seen", evidence=f"take {n}",
            seen=versions[rating_key("seen")]))
        versions.update(assessments.set_narrative(
            world.store, world.supervisor, aid, Narrative.STRENGTHS, f"strength {n}",
            seen=versions[ASSESSMENT]))
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert (detail.ratings["seen"].evidence, detail.strengths) == ("take 2", "strength 2")
    assert detail.versions == {**detail.versions, **versions}


def test_a_response_saved_from_an_outdated_copy_is_refused(world, second) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    there = _as(second, "fca")
    seen = assessments.get_assessment(second, there, aid).versions[RESPONSE]
    assert seen == 0
    assessments.save_response(world.store, world.fca, aid, "Written at the office",
                              seen=seen)
    with pytest.raises(StaleRecord, match="your response"):
        assessments.save_response(second, there, aid, "Written at home", seen=seen)
    with pytest.raises(StaleRecord):
        assessments.respond(second, there, aid, "Written at home", Agreement.AGREE, seen=seen)
    detail = assessments.get_assessment(world.store, world.fca, aid)
    assert detail.response is not None
    assert detail.response.reflection == "Written at the office"
    assert detail.response.signed_at is None


def test_an_action_changed_from_an_outdated_copy_is_refused(world, second) -> None:
    aid = world.new_audit()
    action = assessments.add_action(world.store, world.supervisor, aid, "Visit the school")
    there = _as(second, "sup")
    seen = assessments.get_assessment(second, there, aid).actions[0].row_version
    assessments.update_action(world.store, world.supervisor, aid, action,
                              text="Visit the school this week", owner_id=world.fca.user_id,
                              due_on=None, seen=seen)
    with pytest.raises(StaleRecord, match="this action"):
        assessments.update_action(second, there, aid, action, text="Phone the school",
                                  owner_id=world.fca.user_id, due_on=None, seen=seen)
    with pytest.raises(StaleRecord):
        assessments.set_action_status(second, there, action, True, seen=seen)
    (item,) = assessments.get_assessment(world.store, world.supervisor, aid).actions
    assert (item.text, item.status) == ("Visit the school this week", "open")


def _session_with_notes(world) -> uuid.UUID:
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.save_notes(world.store, world.supervisor, sid, {"what_happened": "We met."})
    return sid


def test_supervision_notes_saved_from_an_outdated_copy_are_refused(world, second) -> None:
    sid = _session_with_notes(world)
    there = _as(second, "sup")
    seen = sv.get_session(second, there, sid).row_version
    sv.save_notes(world.store, world.supervisor, sid, {"analysis": "Written in the office"},
                  seen=sv.get_session(world.store, world.supervisor, sid).row_version)
    with pytest.raises(StaleRecord, match="this supervision record"):
        sv.save_notes(second, there, sid, {"analysis": "Written on the train"}, seen=seen)
    notes = sv.get_session(second, there, sid).notes
    assert notes["analysis"] == "Written in the office"
    assert notes["what_happened"] == "We met."


def test_a_change_of_linked_rows_moves_the_record_on(world, second) -> None:
    """Choosing the assessments discussed changes only link rows; the record still counts
    as changed, so a copy drawn before it is outdated."""
    aid = world.finalised_audit()
    sid = _session_with_notes(world)
    there = _as(second, "sup")
    seen = sv.get_session(second, there, sid).row_version
    after = sv.set_assessments(world.store, world.supervisor, sid, [aid], seen=seen)
    assert after == seen + 1
    with pytest.raises(StaleRecord):
        sv.set_assessments(second, there, sid, [], seen=seen)
    with pytest.raises(StaleRecord):
        sv.add_action(second, there, sid, "Book a follow-up", seen=seen)
    detail = sv.get_session(world.store, world.supervisor, sid)
    assert [a.id for a in detail.assessments] == [aid]
    assert detail.actions == ()


def test_a_signature_covers_only_the_record_its_signer_saw(world, second) -> None:
    sid = _session_with_notes(world)
    fca = _as(second, "fca")
    seen = sv.get_session(second, fca, sid).row_version
    sv.save_notes(world.store, world.supervisor, sid, {"action_plan": "Added later"})
    with pytest.raises(StaleRecord):
        sv.sign(second, fca, sid, seen=seen)
    assert sv.get_session(world.store, world.supervisor, sid).fca_signed_at is None
    fresh = sv.get_session(second, fca, sid)
    assert fresh.notes["action_plan"] == "Added later"
    sv.sign(second, fca, sid, seen=fresh.row_version)
    assert sv.get_session(world.store, world.supervisor, sid).fca_signed_at is not None


def _edited_rows(world) -> dict[type, object]:
    """One row of every table people edit."""
    aid = world.new_audit()
    world.complete(aid)
    assessments.add_action(world.store, world.supervisor, aid, "Visit the school")
    assessments.submit(world.store, world.supervisor, aid)
    assessments.save_response(world.store, world.fca, aid, "Draft")
    sid = _session_with_notes(world)
    with world.store.reading() as session:
        action = session.exec(select(ActionItem.id).where(ActionItem.assessment_id == aid)).one()
        rating = session.exec(select(Rating.id).where(Rating.assessment_id == aid)).first()
        response = session.exec(select(Response.id).where(Response.assessment_id == aid)).one()
    return {Assessment: aid, Rating: rating, Response: response, ActionItem: action,
            SupervisionSession: sid, User: world.fca.user_id, OrgUnit: world.team_id}


@pytest.mark.parametrize("table", [Assessment, Rating, Response, ActionItem,
                                   SupervisionSession, User, OrgUnit],
                         ids=lambda t: t.__tablename__)
def test_a_row_changed_between_reading_and_writing_is_not_overwritten(world, table) -> None:
    """The mapper's own check, for the moment between a service's read and its write (on
    PostgreSQL another transaction can commit there): the UPDATE names the version read,
    matches nothing, and the unit of work says so as `StaleRecord`."""
    row_id = _edited_rows(world)[table]
    with pytest.raises(StaleRecord), world.store.unit_of_work() as session:
        row = session.get(table, row_id)
        assert row is not None
        loaded = row.row_version
        # Another writer commits a new version of the row after it was read.
        # (SQL on the connection: an ORM UPDATE would refresh the loaded object too.)
        rows = table.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(rows).where(rows.c.id == row_id).values(row_version=loaded + 1))
        _touch(row)
        session.flush()
    with world.store.reading() as session:
        row = session.get(table, row_id)
        assert row is not None and row.row_version == loaded  # all rolled back


def _touch(row: object) -> None:
    """Change one column of the row to something new."""
    for name in ("text", "name", "display_name", "reflection", "evidence", "what_happened",
                 "strengths"):
        if hasattr(row, name):
            setattr(row, name, getattr(row, name) + " (changed)")
            return
    raise AssertionError(f"no text column on {type(row).__name__}")
