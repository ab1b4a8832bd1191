from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from qa_audit.domain.framework import NOT_APPLICABLE, OverallMethod, OverallRule
from qa_audit.domain.loader import load_framework
from qa_audit.domain.scoring import (
    MissingKind,
    RatingState,
    missing_for_submit,
    nearest_grade,
    needs_evidence,
    overall_grade,
    overall_wording,
)

FW = load_framework(Path(__file__).parent.parent / "fixtures" / "mini.yaml")
IDS = [s.id for s in FW.standards()]
CODES = [*FW.scale.codes, NOT_APPLICABLE, None]


def with_method(method: OverallMethod, limiting: tuple[str, ...] = ()):
    from dataclasses import replace

    return replace(FW, overall=OverallRule(method, limiting), _index={})


grades_strategy = st.fixed_dictionaries({i: st.sampled_from(CODES) for i in IDS})


@given(grades_strategy)
def test_not_applicable_is_never_scored_as_zero(grades):
    """Turning an unrated standard into N/A never changes the overall judgement."""
    for method in OverallMethod:
        fw = with_method(method, ("seen",) if method is OverallMethod.LIMITING else ())
        as_na = {k: (NOT_APPLICABLE if v is None else v) for k, v in grades.items()}
        assert overall_grade(fw, grades) == overall_grade(fw, as_na)


@given(grades_strategy)
def test_overall_is_within_the_range_of_given_grades(grades):
    fw = with_method(OverallMethod.MEAN)
    result = overall_grade(fw, grades)
    scores = [FW.scale.grade(c).score for c in grades.values() if c in FW.scale.codes]
    if not scores:
        assert result is None
    else:
        assert min(scores) <= result.score <= max(scores)


@given(grades_strategy)
def test_limiting_never_better_than_the_limiting_standard(grades):
    fw = with_method(OverallMethod.LIMITING, ("seen",))
    result = overall_grade(fw, grades)
    limit = FW.scale.grade(grades["seen"]) if grades["seen"] in FW.scale.codes else None
    if result is not None and limit is not None:
        assert result.score <= limit.score


@given(grades_strategy)
def test_lowest_is_the_minimum(grades):
    fw = with_method(OverallMethod.LOWEST)
    result = overall_grade(fw, grades)
    scores = [FW.scale.grade(c).score for c in grades.values() if c in FW.scale.codes]
    assert (result.score if result else None) == (min(scores) if scores else None)


def test_weighted_mean_uses_weights():
    fw = with_method(OverallMethod.WEIGHTED_MEAN)
    # care-plan weighs 2: (4*1 + 1*2) / 3 = 2.0 -> RI; unweighted mean 2.5 -> tie -> RI too,
    # so use a case where they differ: O on care-plan (w2), I on seen (w1): 9/3 = 3 -> G
    assert overall_grade(fw, {"seen": "I", "care-plan": "O"}).code == "G"
    assert (
        overall_grade(with_method(OverallMethod.MEAN), {"seen": "I", "care-plan": "O"}).code == "RI"
    )


def test_none_method_and_nothing_rated():
    assert overall_grade(with_method(OverallMethod.NONE), {"seen": "O"}) is None
    assert overall_grade(FW, {"seen": NOT_APPLICABLE}) is None


def test_overall_in_words_says_why_there_is_none():
    assert overall_wording(FW, "G") == "Good (G)"
    assert overall_wording(FW, None) == "Not enough grades yet"
    assert overall_wording(with_method(OverallMethod.NONE), None) == (
        "No overall judgement (this framework does not give one)")


def test_nearest_grade_tie_goes_to_worse():
    assert nearest_grade(FW.scale, 3.5).code == "G"
    assert nearest_grade(FW.scale, 3.6).code == "O"


def test_evidence_threshold():
    seen = FW.standard("seen")
    assert not needs_evidence(FW, seen, "G")
    assert needs_evidence(FW, seen, "RI")
    assert not needs_evidence(FW, seen, NOT_APPLICABLE)
    assert not needs_evidence(FW, FW.standard("sgo"), "I")  # no threshold set


def test_missing_for_submit_in_reading_order():
    missing = missing_for_submit(FW, {"care-plan": RatingState("I", "  ")}, {})
    assert [(m.kind, m.target) for m in missing] == [
        (MissingKind.CONTEXT, "setting"),
        (MissingKind.UNRATED, "seen"),
        (MissingKind.EVIDENCE, "care-plan"),
    ]
    done = missing_for_submit(
        FW,
        {"seen": RatingState("O"), "care-plan": RatingState("RI", "file p.12")},
        {"setting": "Court"},
    )
    assert done == []


def test_a_required_context_answer_the_field_cannot_take_is_missing():
    from dataclasses import replace

    from qa_audit.domain.framework import ContextField, FieldType

    fw = replace(FW, context_fields=(ContextField("n", "Visits", FieldType.NUMBER,
                                                  required=True),), _index={})
    ratings = {s.id: RatingState("G", "Seen") for s in fw.standards()}
    targets = [m.target for m in missing_for_submit(fw, ratings, {"n": "lots"})]
    assert "n" in targets
    assert "n" not in [m.target for m in missing_for_submit(fw, ratings, {"n": 0})]
    text = replace(FW, context_fields=(ContextField("t", "Setting", FieldType.TEXT,
                                                    required=True),), _index={})
    assert "t" in [m.target for m in missing_for_submit(text, ratings, {"t": "   "})]
