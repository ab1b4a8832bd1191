"""Moving a draft to a newer version of its framework (DESIGN §3), through the services on
both backends: offered only to its author while it is editable, previewed, then made in
one transaction; nothing is lost without being listed. Expected rows are written by hand
from tests/fixtures/mini.yaml and mini-v2.yaml (see the top of mini-v2.yaml)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.version_move import Fate
from qa_audit.errors import InvalidInput, PermissionDenied, ReadOnly, StaleRecord
from qa_audit.services import assessments, frameworks
from qa_audit.services import framework_move as move
from tests.conftest import FIXTURES


def _v2(world):
    return frameworks.import_framework_file(world.store, world.admin,
                                            FIXTURES / "mini-v2.yaml").version


def _draft(world):
    s, aid = world.supervisor, world.new_audit()
    assessments.set_context(world.store, s, aid, "setting", "Home visit")
    assessments.set_context(world.store, s, aid, "notes", "A long note")
    assessments.save_rating(world.store, s, aid, "seen", grade="G",
                            indicators=["Seen alone", "Words recorded"],
                            evidence="Seen alone on 3 May", commentary="Her words are quoted")
    assessments.save_rating(world.store, s, aid, "care-plan", grade="RI",
                            evidence="Plan not tested")
    assessments.save_rating(world.store, s, aid, "sgo", grade=NOT_APPLICABLE)
    assessments.add_action(world.store, s, aid, "Read the SGO guidance", standard_id="sgo")
    assessments.add_action(world.store, s, aid, "Quote the child", standard_id="seen")
    return aid


def _rows(world, aid) -> dict[str, tuple]:
    """The draft's ratings as stored, read with plain SQL."""
    with world.store.reading() as session:
        rows = session.connection().execute(text(
            "SELECT standard_id, grade, indicators, evidence, commentary FROM rating "
            "WHERE assessment_id = :a"), {"a": aid.hex if world.store.engine.dialect.name
                                          == "sqlite" else aid}).all()
    return {r[0]: (r[1], json.loads(r[2]), r[3], r[4]) for r in rows}


def test_the_author_previews_then_moves_her_draft_and_loses_only_what_was_listed(world):
    aid = _draft(world)
    assert move.newer_versions(world.store, world.supervisor, aid) == []
    v2 = _v2(world)
    assert [v.version for v in move.newer_versions(world.store, world.supervisor, aid)] == ["2"]
    preview = move.preview_move(world.store, world.supervisor, aid, v2.id)
    assert preview.current.version == "1" and preview.target.version == "2"
    assert [m.standard_id for m in preview.plan.of(Fate.MAPS)] == ["seen"]
    assert [m.standard_id for m in preview.plan.of(Fate.NEW)] == ["care-plan-analysis",
                                                                  "delay"]
    assert [m.standard_id for m in preview.plan.of(Fate.REMOVED)] == ["care-plan", "sgo"]
    assert len(preview.plan.losses()) == 5  # indicator, two standards, notes, an action link
    assert _rows(world, aid)["care-plan"][0] == "RI"  # a preview changes nothing

    move.move_to_version(world.store, world.supervisor, aid, v2.id, seen=preview.seen)
    assert _rows(world, aid) == {
        "seen": ("G", ["Seen alone"], "Seen alone on 3 May", "Her words are quoted"),
        "care-plan-analysis": (None, [], "", ""),
        "delay": (None, [], "", ""),
    }
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert (detail.framework_version, detail.framework_version_id) == ("2", v2.id)
    assert detail.context == {"setting": "Home visit"}
    assert detail.overall_grade == "G"  # limiting by 'seen' (G), the only grade left
    assert {a.text: a.standard_id for a in detail.actions} == {
        "Read the SGO guidance": None, "Quote the child": "seen"}
    assert detail.row_version > preview.seen
    with world.store.reading() as session:
        logged = session.connection().execute(text(
            "SELECT count(*) FROM audit_event WHERE action = 'move_framework_version'"
        )).scalar()
    assert logged == 1
    # Graded on the new scale from now on, and nothing newer to move to.
    assessments.save_rating(world.store, world.supervisor, aid, "care-plan-analysis",
                            grade="IN", evidence="Still not tested")
    with pytest.raises(InvalidInput):
        assessments.save_rating(world.store, world.supervisor, aid, "seen",
                                grade=NOT_APPLICABLE)
    assert move.newer_versions(world.store, world.supervisor, aid) == []


def test_a_draft_changed_since_its_preview_is_not_moved(world):
    aid = _draft(world)
    v2 = _v2(world)
    preview = move.preview_move(world.store, world.supervisor, aid, v2.id)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="I")
    before = _rows(world, aid)
    with pytest.raises(StaleRecord):
        move.move_to_version(world.store, world.supervisor, aid, v2.id, seen=preview.seen)
    assert _rows(world, aid) == before
    # A fresh preview says what the change means (I is not on the new scale).
    again = move.preview_move(world.store, world.supervisor, aid, v2.id)
    assert again.plan.of(Fate.MAPS)[0].lost_grade == "I"


def test_only_the_author_and_only_while_it_is_editable(world):
    aid = _draft(world)
    v2 = _v2(world)
    for other in (world.supervisor2, world.fca, world.ql, world.admin):
        assert move.newer_versions(world.store, other, aid) == []
        with pytest.raises(PermissionDenied):
            move.preview_move(world.store, other, aid, v2.id)
        with pytest.raises(PermissionDenied):
            move.move_to_version(world.store, other, aid, v2.id, seen=1)
    submitted = world.new_audit()
    world.complete(submitted)
    assessments.submit(world.store, world.supervisor, submitted)
    assert move.newer_versions(world.store, world.supervisor, submitted) == []
    with pytest.raises(ReadOnly):
        move.preview_move(world.store, world.supervisor, submitted, v2.id)
    # Returned for changes: hers to edit again, so hers to move.
    assessments.return_for_changes(world.store, world.fca, submitted, "Use the new version")
    preview = move.preview_move(world.store, world.supervisor, submitted, v2.id)
    move.move_to_version(world.store, world.supervisor, submitted, v2.id, seen=preview.seen)
    assert assessments.get_assessment(world.store, world.supervisor,
                                      submitted).framework_version == "2"


def test_moving_to_its_own_version_or_an_unknown_one_is_refused(world):
    import uuid

    aid = _draft(world)
    with pytest.raises(InvalidInput, match="already on"):
        move.preview_move(world.store, world.supervisor, aid, world.framework_version_id)
    from qa_audit.errors import NotFound

    with pytest.raises(NotFound):
        move.preview_move(world.store, world.supervisor, aid, uuid.uuid4())


def test_a_newer_version_for_another_law_type_is_not_offered(world):
    from dataclasses import replace

    from qa_audit.domain.framework import LawType
    from qa_audit.domain.loader import load_framework

    aid = _draft(world)  # about a public-law case (a care order)
    _v2(world)
    private = replace(load_framework(FIXTURES / "mini-v2.yaml"), version="3",
                      law_type=LawType.PRIVATE)
    v3 = frameworks.import_framework(world.store, world.admin, private).version
    assert [v.version for v in move.newer_versions(world.store, world.supervisor, aid)] == ["2"]
    with pytest.raises(InvalidInput, match="private law cases; this case is public law"):
        move.preview_move(world.store, world.supervisor, aid, v3.id)
