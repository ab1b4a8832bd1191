"""What the assessment editor knows and decides, without any widget (tested on its own).

Holds the assessment being edited, the framework it is scored against, the standard in
view, unsaved changes, and the rules: which key gives which grade, what each standard's
state is, what is missing before submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from qa_audit.domain.framework import NOT_APPLICABLE, ContextField, Framework, Standard
from qa_audit.domain.permissions import Actor
from qa_audit.domain.scoring import Missing, RatingState, missing_for_submit, needs_evidence
from qa_audit.domain.workflow import Capabilities, Status
from qa_audit.errors import InvalidInput
from qa_audit.services.assessments import Narrative
from qa_audit.services.read_models import AssessmentDetail, Versions

NUMBER_PATTERN = r"-?(\d+\.?\d*|\.\d+)"
"""A number as typed: optional minus, digits, optional decimal point (no exponent, no commas)."""


def stored_answer(field: ContextField, value: object) -> Any:
    """A stored context answer as the field's input shows it, or None for not answered.

    An assessment's context is JSON that may hold anything (an older version, a bundle, a
    framework whose field changed type): what `ContextField.clean` cannot make sense of is
    shown as not answered, and the editor never fails to open.
    """
    try:
        answer = field.clean(value)
    except InvalidInput:
        return None
    return None if answer in ("", []) else answer


def number_text(number: int | float) -> str:
    """The number as a person types it: no exponent (1e+20) that the input would refuse."""
    return str(number) if isinstance(number, int) else format(Decimal(repr(number)), "f")


class StandardState(Enum):
    GRADED = "graded"
    NOT_APPLICABLE = "not applicable"
    NEEDS_EVIDENCE = "evidence needed"
    MISSING = "not graded"
    OPTIONAL = "optional, not graded"


@dataclass(frozen=True)
class Pending:
    """One unsaved change: a rating field, a context answer or an assessment-wide text."""

    kind: str  # "rating" | "context" | "narrative" | "comment" (the practitioner's)
    key: str  # standard id, context field id, or narrative name
    field: str = ""  # for ratings: grade | evidence | commentary | indicators


class EditorState:
    def __init__(self, detail: AssessmentDetail, framework: Framework, actor: Actor) -> None:
        self.framework = framework
        self.actor = actor
        self.standards: list[Standard] = list(framework.standards())
        self.current = 0
        self.pending: dict[Pending, Any] = {}
        self.load(detail)

    def load(self, detail: AssessmentDetail) -> None:
        """Take the saved assessment; unsaved local changes are kept on top."""
        self.detail = detail
        self.grades = {k: r.grade for k, r in detail.ratings.items()}
        self.evidence = {k: r.evidence for k, r in detail.ratings.items()}
        self.commentary = {k: r.commentary for k, r in detail.ratings.items()}
        self.indicators = {k: set(r.indicators) for k, r in detail.ratings.items()}
        self.context: dict[str, Any] = dict(detail.context)
        self.narratives = {n: getattr(detail, n.value) for n in Narrative}
        # The practitioner's comment under each standard's feedback.
        self.comments: dict[str, str] = dict(detail.response.comments) if detail.response \
            else {}
        # The row versions this copy was drawn from; each save passes its record's version
        # and takes back the new ones, so a record someone else changed is not overwritten.
        self.versions: Versions = dict(detail.versions)
        for change, value in self.pending.items():
            self._apply(change, value)

    # -- who may do what now ---------------------------------------------------------------
    @property
    def status(self) -> Status:
        return self.detail.status

    # The services say what the person may do (`AssessmentDetail.capabilities`, from the
    # domain's permissions and workflow); the editor only reads it.
    @property
    def capabilities(self) -> Capabilities:
        return self.detail.capabilities

    @property
    def can_edit(self) -> bool:
        return self.capabilities.edit

    @property
    def can_respond(self) -> bool:
        return self.capabilities.respond

    @property
    def can_finalise(self) -> bool:
        return self.capabilities.finalise

    @property
    def can_add_addendum(self) -> bool:
        return self.capabilities.add_addendum

    # -- navigation ------------------------------------------------------------------------
    @property
    def standard(self) -> Standard:
        return self.standards[self.current]

    def next(self) -> Standard:
        self.current = min(self.current + 1, len(self.standards) - 1)
        return self.standard

    def previous(self) -> Standard:
        self.current = max(self.current - 1, 0)
        return self.standard

    def select(self, standard_id: str) -> Standard:
        self.current = next(i for i, s in enumerate(self.standards) if s.id == standard_id)
        return self.standard

    # -- grading keys ----------------------------------------------------------------------
    def grade_choices(self) -> list[tuple[str | None, str, str]]:
        """(key, code, label) for every grade in the scale's order, then not applicable.

        The first nine grades have the keys 1..9, the rest none (None); not applicable has N.
        """
        scale = self.framework.scale
        choices: list[tuple[str | None, str, str]] = [
            (str(i + 1) if i < 9 else None, g.code, g.label) for i, g in enumerate(scale.grades)
        ]
        if scale.not_applicable.allowed:
            choices.append(("N", NOT_APPLICABLE, scale.not_applicable.label))
        return choices

    def key_grades(self) -> list[tuple[str, str, str]]:
        """(key, code, label) of the grades that have a key: 1..9, then N for not applicable."""
        return [(key, code, label) for key, code, label in self.grade_choices()
                if key is not None]

    def grade_for_key(self, key: str) -> str | None:
        return next((code for k, code, _ in self.key_grades() if k == key.upper()), None)

    def grade_label(self, code: str | None) -> str:
        if code is None:
            return "Not graded"
        if code == NOT_APPLICABLE:
            return self.framework.scale.not_applicable.label
        grade = self.framework.scale.grade(code)
        return grade.label if grade else code

    # -- editing ---------------------------------------------------------------------------
    def set_rating(self, standard_id: str, field: str, value: Any) -> None:
        change = Pending("rating", standard_id, field)
        self.pending[change] = value
        self._apply(change, value)

    def set_context(self, field_id: str, value: Any) -> None:
        change = Pending("context", field_id)
        self.pending[change] = value
        self._apply(change, value)

    def set_narrative(self, narrative: Narrative, text: str) -> None:
        change = Pending("narrative", narrative.value)
        self.pending[change] = text
        self._apply(change, text)

    def set_comment(self, standard_id: str, text: str) -> None:
        change = Pending("comment", standard_id)
        self.pending[change] = text
        self._apply(change, text)

    def comment_pending(self) -> bool:
        return any(change.kind == "comment" for change in self.pending)

    def comments_in_order(self) -> list[tuple[str, str]]:
        """(standard title, comment) for every standard she commented on, in order."""
        return [(s.title, text) for s in self.standards
                if (text := self.comments.get(s.id, "")).strip()]

    def _apply(self, change: Pending, value: Any) -> None:
        if change.kind == "comment":
            self.comments[change.key] = value
        elif change.kind == "context":
            self.context[change.key] = value
        elif change.kind == "narrative":
            self.narratives[Narrative(change.key)] = value
        elif change.field == "grade":
            self.grades[change.key] = value
        elif change.field == "evidence":
            self.evidence[change.key] = value
        elif change.field == "commentary":
            self.commentary[change.key] = value
        elif change.field == "indicators":
            self.indicators[change.key] = set(value)

    @property
    def dirty(self) -> bool:
        return bool(self.pending)

    def take_pending(self) -> dict[Pending, Any]:
        taken, self.pending = self.pending, {}
        return taken

    def restore_pending(self, changes: dict[Pending, Any]) -> None:
        """Put back changes that failed to save (newer edits win)."""
        self.pending = {**changes, **self.pending}

    def unsaved_text(self) -> str:
        """The unsaved changes in words, for the person to copy when they cannot be saved
        (someone else changed the assessment meanwhile)."""
        return "\n\n".join(self._described(change, value)
                            for change, value in self.pending.items())

    def _described(self, change: Pending, value: Any) -> str:
        if change.kind == "comment":
            return f"{self.framework.standard(change.key).title}, your comment:\n{value}"
        if change.kind == "narrative":
            return f"{Narrative(change.key).label}:\n{value}"
        if change.kind == "context":
            field = self.framework.context_field(change.key)
            answer = ", ".join(value) if isinstance(value, list) else str(value)
            return f"{field.label if field else change.key}: {answer}"
        title = self.framework.standard(change.key).title
        if change.field == "grade":
            return f"{title}, grade: {self.grade_label(value)}"
        if change.field == "indicators":
            return f"{title}, indicators ticked: {'; '.join(sorted(value)) or 'none'}"
        return f"{title}, {change.field}:\n{value}"

    # -- rules -----------------------------------------------------------------------------
    def state_of(self, standard: Standard) -> StandardState:
        code = self.grades.get(standard.id)
        if code == NOT_APPLICABLE:
            return StandardState.NOT_APPLICABLE
        if not code:
            return StandardState.MISSING if standard.required else StandardState.OPTIONAL
        if needs_evidence(self.framework, standard, code) and not self.evidence.get(
            standard.id, ""
        ).strip():
            return StandardState.NEEDS_EVIDENCE
        return StandardState.GRADED

    def state_text(self, standard: Standard) -> str:
        """The standard's state in words, for the list (colour is never the only signal)."""
        state = self.state_of(standard)
        if state is StandardState.GRADED:
            return f"✓ {self.grade_label(self.grades.get(standard.id))}"
        if state is StandardState.NOT_APPLICABLE:
            return f"– {self.grade_label(NOT_APPLICABLE)}"
        if state is StandardState.NEEDS_EVIDENCE:
            return "! Evidence needed"
        if state is StandardState.MISSING:
            return "○ Not graded"
        return "○ Optional"

    def missing(self) -> list[Missing]:
        ratings = {s.id: RatingState(self.grades.get(s.id), self.evidence.get(s.id, ""))
                   for s in self.standards}
        return missing_for_submit(self.framework, ratings, self.context)

    def progress_text(self) -> str:
        done = sum(1 for s in self.standards
                   if self.state_of(s) in (StandardState.GRADED, StandardState.NOT_APPLICABLE))
        return f"{done} of {len(self.standards)} standards graded"
