"""Moving a draft to another version of its framework (DESIGN §3): what maps, what is
new, and what would be lost, worked out from the two snapshots and the draft's content.

Standards map by id, and only by id: a standard whose id changed is one standard removed
and another added. For a standard in both versions the grade is kept when its code is
still on the new scale (or N/A, still allowed), the ticked indicators the new version
still lists stay ticked, and the evidence and commentary stay. Everything else that
cannot go over is listed, never dropped silently: standards removed (with whatever was
recorded on them), grades whose code is gone, ticked indicators no longer present,
context answers whose question is gone or no longer accepts them, actions' links to a
removed standard (the action stays), and the practitioner's comments on removed
standards (kept in her response, no longer shown under a standard).

Pure: no storage, no Qt. The service reads the draft, asks `plan_move`, shows the plan,
and writes `MovePlan.ratings()` and `MovePlan.context` in one unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from qa_audit.errors import InvalidInput

from .framework import NOT_APPLICABLE, AssessmentKind, Framework, Standard


@dataclass(frozen=True)
class RatingContent:
    """What a draft holds for one standard."""

    grade: str | None = None
    indicators: tuple[str, ...] = ()
    evidence: str = ""
    commentary: str = ""

    @property
    def empty(self) -> bool:
        return not (self.grade or self.indicators or self.evidence.strip()
                    or self.commentary.strip())


class Fate(StrEnum):
    MAPS = "maps"  # in both versions (by id)
    NEW = "new"  # only in the new version: starts ungraded
    REMOVED = "removed"  # only in the old version: what was recorded on it is lost


@dataclass(frozen=True)
class StandardMove:
    """One standard id and what the move does to it."""

    standard_id: str
    fate: Fate
    title: str
    """The new version's title (the old one's for a removed standard)."""
    before: RatingContent = RatingContent()
    after: RatingContent | None = None
    """What the standard will hold (None: removed)."""
    old_title: str = ""  # when the title changed between the versions
    lost_grade: str | None = None  # a grade whose code the new scale does not have
    lost_indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextMove:
    field_id: str
    label: str
    answer: object
    kept: bool
    reason: str = ""


@dataclass(frozen=True)
class LinkedAction:
    """An action of the draft that names a standard."""

    text: str
    standard_id: str


@dataclass(frozen=True)
class MovePlan:
    """What moving the draft from `old` to `new` does, standard by standard."""

    old: Framework
    new: Framework
    standards: tuple[StandardMove, ...]
    context_moves: tuple[ContextMove, ...]
    context: dict[str, object]
    """The context answers after the move (only those the new version accepts)."""
    unlinked_actions: tuple[LinkedAction, ...] = ()
    hidden_comments: tuple[str, ...] = ()
    """Standard ids (removed) the practitioner commented on."""
    new_questions: tuple[str, ...] = field(default=())
    """Labels of context questions the new version adds."""

    def of(self, fate: Fate) -> list[StandardMove]:
        return [s for s in self.standards if s.fate is fate]

    def ratings(self) -> dict[str, RatingContent]:
        """Every standard of the new version and what it will hold."""
        return {s.standard_id: s.after for s in self.standards if s.after is not None}

    def losses(self) -> list[str]:
        """Everything that would not go over, in words, one line each (empty: nothing is
        lost)."""
        out: list[str] = []
        for s in self.standards:
            name = f"{s.standard_id} ({s.title})"
            if s.fate is Fate.NEW and not s.before.empty:  # stored against an unknown id
                out.append(f"{name}: {_recorded(self.old, s.before)} stored under this id, "
                           f"which version {self.old.version} does not have, is cleared")
                continue
            if s.fate is Fate.REMOVED:
                recorded = _recorded(self.old, s.before)
                out.append(f"{name}: not in version {self.new.version}"
                           + (f"; lost with it: {recorded}" if recorded else
                              " (nothing recorded on it)"))
                continue
            if s.lost_grade is not None:
                out.append(f"{name}: grade {self.old.scale.words(s.lost_grade)} is not on "
                           f"the new scale; the standard becomes ungraded (its evidence and "
                           "commentary are kept)")
            for indicator in s.lost_indicators:
                out.append(f"{name}: ticked indicator \"{indicator}\" is no longer listed")
        for c in self.context_moves:
            if not c.kept:
                out.append(f"Context \"{c.label}\" ({_answer_words(c.answer)}): {c.reason}")
        for action in self.unlinked_actions:
            out.append(f"Action \"{_short(action.text)}\": its standard {action.standard_id} "
                       "is removed; the action stays, linked to no standard")
        for standard_id in self.hidden_comments:
            out.append(f"The practitioner's comment on {standard_id}: kept in her response "
                       "but no longer shown under a standard")
        return out


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _answer_words(answer: object) -> str:
    if isinstance(answer, list):
        return ", ".join(str(a) for a in answer)
    return _short(str(answer), 40)


def _recorded(framework: Framework, content: RatingContent) -> str:
    parts = []
    if content.grade:
        parts.append(f"grade {framework.scale.words(content.grade)}")
    if content.indicators:
        parts.append(f"{len(content.indicators)} ticked indicator"
                     + ("s" if len(content.indicators) != 1 else ""))
    if content.evidence.strip():
        parts.append("evidence")
    if content.commentary.strip():
        parts.append("commentary")
    return ", ".join(parts)


def check_move(old: Framework, new: Framework, kind: AssessmentKind, law_type: str) -> None:
    """Refuse a move that is not to another version of the same framework fit for this
    assessment (InvalidInput says why)."""
    if new.id != old.id:
        raise InvalidInput(f"'{new.title}' is another framework, not a version of "
                           f"'{old.title}'.")
    if new.sha256() == old.sha256():
        raise InvalidInput(f"The assessment is already on {old.title} {old.version}.")
    if kind not in new.applies_to:
        raise InvalidInput(f"Version {new.version} of '{new.title}' is not for a "
                           f"{kind.label.lower()}.")
    if law_type and new.law_type.value not in ("any", law_type):
        raise InvalidInput(f"Version {new.version} of '{new.title}' is for "
                           f"{new.law_type.value} law cases; this case is {law_type} law.")


def _moved_rating(old: Framework, new: Framework, standard: Standard,
                  before: RatingContent) -> StandardMove:
    grade, lost_grade = before.grade, None
    if grade == NOT_APPLICABLE and not new.scale.not_applicable.allowed:
        grade, lost_grade = None, NOT_APPLICABLE
    elif grade and grade != NOT_APPLICABLE and new.scale.grade(grade) is None:
        grade, lost_grade = None, before.grade
    kept = tuple(i for i in standard.indicators if i in before.indicators)
    lost = tuple(i for i in before.indicators if i not in standard.indicators)
    old_title = old.standard(standard.id).title
    return StandardMove(
        standard.id, Fate.MAPS, standard.title, before,
        RatingContent(grade, kept, before.evidence, before.commentary),
        old_title=old_title if old_title != standard.title else "",
        lost_grade=lost_grade, lost_indicators=lost)


def plan_move(old: Framework, new: Framework, ratings: Mapping[str, RatingContent],
              context: Mapping[str, object],
              actions: Sequence[LinkedAction] = (),
              commented: Sequence[str] = ()) -> MovePlan:
    """What moving a draft with these ratings (by standard id), context answers, actions
    naming a standard and practitioner's comments (the standard ids she commented on)
    from `old` to `new` would do."""
    moves: list[StandardMove] = []
    for standard in new.standards():
        before = ratings.get(standard.id, RatingContent())
        if old.has_standard(standard.id):
            moves.append(_moved_rating(old, new, standard, before))
        else:
            moves.append(StandardMove(standard.id, Fate.NEW, standard.title, before,
                                      RatingContent()))
    removed = [s for s in old.standards() if not new.has_standard(s.id)]
    moves += [StandardMove(s.id, Fate.REMOVED, s.title, ratings.get(s.id, RatingContent()))
              for s in removed]
    # Ratings under ids neither version has (a damaged or hand-edited file) go too: listed.
    moves += [StandardMove(sid, Fate.REMOVED, sid, content) for sid, content in
              sorted(ratings.items()) if not old.has_standard(sid)
              and not new.has_standard(sid) and not content.empty]
    context_moves: list[ContextMove] = []
    answers: dict[str, object] = {}
    for field_id, answer in context.items():
        if answer in ("", [], None):
            continue
        old_field = old.context_field(field_id)
        label = old_field.label if old_field else field_id
        new_field = new.context_field(field_id)
        if new_field is None:
            context_moves.append(ContextMove(field_id, label, answer, False,
                                             f"not asked in version {new.version}"))
            continue
        try:
            answers[field_id] = new_field.clean(answer)
        except InvalidInput:
            context_moves.append(ContextMove(field_id, label, answer, False,
                                             "not an answer the changed question accepts"))
            continue
        context_moves.append(ContextMove(field_id, new_field.label, answers[field_id], True))
    gone = {s.id for s in removed}
    return MovePlan(
        old, new, tuple(moves), tuple(context_moves), answers,
        unlinked_actions=tuple(a for a in actions if a.standard_id in gone),
        hidden_comments=tuple(sorted(set(commented) & gone)),
        new_questions=tuple(f.label for f in new.context_fields
                            if old.context_field(f.id) is None))
