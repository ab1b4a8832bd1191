"""Moving a draft between two hand-built versions of a framework (tests/fixtures/mini.yaml
and mini-v2.yaml, whose differences are listed at the top of mini-v2.yaml). Every expected
answer is written by hand from those two files."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, LawType
from qa_audit.domain.loader import load_framework
from qa_audit.domain.version_move import (
    Fate,
    LinkedAction,
    RatingContent,
    check_move,
    plan_move,
)
from qa_audit.errors import InvalidInput
from tests.conftest import FIXTURES

OLD = load_framework(FIXTURES / "mini.yaml")
NEW = load_framework(FIXTURES / "mini-v2.yaml")

DRAFT = {
    "seen": RatingContent("G", ("Seen alone", "Words recorded"), "Seen alone on 3 May",
                          "Her words are quoted"),
    "care-plan": RatingContent("RI", (), "Plan not tested", ""),
    "sgo": RatingContent(NOT_APPLICABLE),
}
CONTEXT = {"setting": "Home visit", "notes": "A long note"}
ACTIONS = [LinkedAction("Read the SGO guidance", "sgo"),
           LinkedAction("Quote the child", "seen")]


def test_what_maps_what_is_new_and_what_is_lost_by_standard_id() -> None:
    plan = plan_move(OLD, NEW, DRAFT, CONTEXT, ACTIONS)
    assert [(m.standard_id, m.fate) for m in plan.standards] == [
        ("seen", Fate.MAPS),  # the new version's order, then what it removes
        ("care-plan-analysis", Fate.NEW),
        ("delay", Fate.NEW),
        ("care-plan", Fate.REMOVED),
        ("sgo", Fate.REMOVED),
    ]
    assert plan.ratings() == {
        "seen": RatingContent("G", ("Seen alone",), "Seen alone on 3 May",
                              "Her words are quoted"),
        "care-plan-analysis": RatingContent(),
        "delay": RatingContent(),
    }
    seen = plan.of(Fate.MAPS)[0]
    assert seen.lost_grade is None and seen.lost_indicators == ("Words recorded",)
    assert plan.context == {"setting": "Home visit"}
    assert plan.new_questions == ("Date of the next hearing",)
    assert plan.losses() == [
        'seen (The child is seen and heard): ticked indicator "Words recorded" is no '
        "longer listed",
        "care-plan (The care plan is analysed): not in version 2; lost with it: grade "
        "Requires improvement to be good (RI), evidence",
        "sgo (Special guardianship support): not in version 2; lost with it: grade Not "
        "applicable",
        'Context "Notes" (A long note): not asked in version 2',
        'Action "Read the SGO guidance": its standard sgo is removed; the action stays, '
        "linked to no standard",
    ]


def test_a_grade_whose_code_is_gone_and_a_disallowed_not_applicable_are_lost() -> None:
    for code, words in (("I", "Inadequate (I)"), (NOT_APPLICABLE, "Not applicable")):
        plan = plan_move(OLD, NEW, {"seen": RatingContent(code, (), "Evidence kept", "")}, {})
        seen = plan.of(Fate.MAPS)[0]
        assert seen.lost_grade == code
        assert plan.ratings()["seen"] == RatingContent(None, (), "Evidence kept", "")
        assert plan.losses()[0] == (
            f"seen (The child is seen and heard): grade {words} is not on the new scale; "
            "the standard becomes ungraded (its evidence and commentary are kept)")


def test_an_empty_draft_loses_only_the_removed_standards_names() -> None:
    plan = plan_move(OLD, NEW, {}, {})
    assert plan.losses() == [
        "care-plan (The care plan is analysed): not in version 2 (nothing recorded on it)",
        "sgo (Special guardianship support): not in version 2 (nothing recorded on it)",
    ]
    assert plan.ratings() == {s: RatingContent() for s in ("seen", "care-plan-analysis",
                                                           "delay")}


def test_changed_question_and_her_comments_on_removed_standards_are_listed() -> None:
    plan = plan_move(OLD, NEW, {}, {"setting": "Office"}, commented=["sgo", "seen"])
    assert plan.context == {}
    assert 'Context "Setting" (Office): not an answer the changed question accepts' in (
        plan.losses())
    assert plan.hidden_comments == ("sgo",)
    assert plan.losses()[-1] == ("The practitioner's comment on sgo: kept in her response "
                                 "but no longer shown under a standard")


def test_moves_that_make_no_sense_are_refused() -> None:
    with pytest.raises(InvalidInput, match="already on"):
        check_move(OLD, OLD, AssessmentKind.CASE_AUDIT, "public")
    with pytest.raises(InvalidInput, match="another framework"):
        check_move(OLD, replace(NEW, id="other"), AssessmentKind.CASE_AUDIT, "public")
    with pytest.raises(InvalidInput, match="not for a practice observation"):
        check_move(OLD, replace(NEW, applies_to=(AssessmentKind.CASE_AUDIT,)),
                   AssessmentKind.PRACTICE_OBSERVATION, "")
    with pytest.raises(InvalidInput, match="private law cases; this case is public law"):
        check_move(OLD, replace(NEW, law_type=LawType.PRIVATE), AssessmentKind.CASE_AUDIT,
                   "public")
    check_move(OLD, NEW, AssessmentKind.CASE_AUDIT, "public")  # fine


def test_ratings_stored_under_ids_neither_version_has_are_listed_not_dropped_silently(
        ) -> None:
    plan = plan_move(OLD, NEW, {"ghost": RatingContent("G", (), "Old text", ""),
                                "delay": RatingContent(None, (), "Stray evidence", ""),
                                "empty-ghost": RatingContent()}, {})
    assert plan.losses() == [
        "delay (The impact of delay is surfaced): evidence stored under this id, which "
        "version 1 does not have, is cleared",
        "care-plan (The care plan is analysed): not in version 2 (nothing recorded on it)",
        "sgo (Special guardianship support): not in version 2 (nothing recorded on it)",
        "ghost (ghost): not in version 2; lost with it: grade Good (G), evidence",
    ]
    assert plan.ratings()["delay"] == RatingContent()
