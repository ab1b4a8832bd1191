"""Scoring: the overall judgement and what an assessment still needs before submission.

N/A is excluded from every score and count: a standard judged not applicable never
pulls an average down as if it were 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from qa_audit.errors import InvalidInput

from .framework import NOT_APPLICABLE, Framework, Grade, OverallMethod, Scale, Standard


def nearest_grade(scale: Scale, score: float) -> Grade:
    """The grade whose score is closest; a tie goes to the worse grade (never flatter)."""
    return min(scale.grades, key=lambda g: (abs(g.score - score), g.score))


def graded(framework: Framework, grades: Mapping[str, str | None]) -> list[tuple[Standard, Grade]]:
    """The standards given a real grade (not unrated, not N/A, not unknown), in order."""
    out = []
    for standard in framework.standards():
        code = grades.get(standard.id)
        grade = framework.scale.grade(code) if code and code != NOT_APPLICABLE else None
        if grade is not None:
            out.append((standard, grade))
    return out


NO_OVERALL = "No overall judgement (this framework does not give one)"
NOT_ENOUGH_GRADES = "Not enough grades yet"


def overall_wording(framework: Framework, code: str | None) -> str:
    """The overall judgement in words: "Good (G)", or why there is none."""
    if framework.overall.method is OverallMethod.NONE:
        return NO_OVERALL
    grade = framework.scale.grade(code) if code else None
    if grade is None:
        return code or NOT_ENOUGH_GRADES
    return f"{grade.label} ({grade.code})"


def overall_grade(framework: Framework, grades: Mapping[str, str | None]) -> Grade | None:
    """The overall judgement by the framework's rule, or None if nothing is graded yet."""
    method = framework.overall.method
    rated = graded(framework, grades)
    if method is OverallMethod.NONE or not rated:
        return None
    scale = framework.scale
    if method is OverallMethod.LOWEST:
        return min((g for _, g in rated), key=lambda g: g.score)
    if method is OverallMethod.WEIGHTED_MEAN:
        total = sum(s.weight for s, _ in rated)
        mean = sum(s.weight * g.score for s, g in rated) / total
    else:
        mean = sum(g.score for _, g in rated) / len(rated)
    result = nearest_grade(scale, mean)
    if method is OverallMethod.LIMITING:
        caps = [g for s, g in rated if s.id in framework.overall.limiting]
        if caps:
            cap = min(caps, key=lambda g: g.score)
            if cap.score < result.score:
                result = cap
    return result


def needs_evidence(framework: Framework, standard: Standard, code: str | None) -> bool:
    """True when this grade is below the standard's evidence threshold."""
    threshold = standard.evidence_required_below
    if not threshold or not code or code == NOT_APPLICABLE:
        return False
    scale = framework.scale
    if scale.grade(code) is None or scale.grade(threshold) is None:
        return False
    return scale.rank(code) > scale.rank(threshold)


class MissingKind(StrEnum):
    UNRATED = "unrated"
    EVIDENCE = "evidence"
    CONTEXT = "context"
    NOT_APPLICABLE_REFUSED = "not_applicable_refused"


@dataclass(frozen=True)
class Missing:
    """One thing an assessment needs before it can be submitted; `target` is where to jump."""

    kind: MissingKind
    target: str
    message: str


@dataclass(frozen=True)
class RatingState:
    grade: str | None
    evidence: str = ""


def missing_for_submit(
    framework: Framework,
    ratings: Mapping[str, RatingState],
    context: Mapping[str, object],
) -> list[Missing]:
    """What stops submission, in reading order: context fields first, then each standard."""
    missing: list[Missing] = []
    for cf in framework.context_fields:
        try:  # an answer the field cannot take (stored before answers were checked) is none
            answer = cf.clean(context.get(cf.id))
            empty = answer == [] or (isinstance(answer, str) and not answer.strip())
        except InvalidInput:
            empty = True
        if cf.required and empty:
            missing.append(Missing(MissingKind.CONTEXT, cf.id, f"{cf.label}: required"))
    na_allowed = framework.scale.not_applicable.allowed
    for standard in framework.standards():
        state = ratings.get(standard.id, RatingState(None))
        code = state.grade
        if code == NOT_APPLICABLE and not na_allowed:
            missing.append(
                Missing(
                    MissingKind.NOT_APPLICABLE_REFUSED,
                    standard.id,
                    f"{standard.title}: this framework does not allow N/A",
                )
            )
        elif not code and standard.required:
            missing.append(
                Missing(MissingKind.UNRATED, standard.id, f"{standard.title}: not graded yet")
            )
        elif needs_evidence(framework, standard, code) and not state.evidence.strip():
            grade = framework.scale.grade(code or "")
            label = grade.label if grade else code
            missing.append(
                Missing(
                    MissingKind.EVIDENCE,
                    standard.id,
                    f"{standard.title}: graded {label}, so evidence is needed",
                )
            )
    return missing
