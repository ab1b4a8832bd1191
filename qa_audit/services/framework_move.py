"""Moving a draft to a newer version of its framework: offered, previewed, then made.

The draft's author (the one who may edit it, while it is a draft or returned) sees which
newer versions of its framework are imported, a preview of what maps by standard id and
what would be lost (`domain.version_move`), and then moves it in one unit of work,
refused if the draft changed since the preview (the preview carries the assessment's
row_version). The move is audit-logged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from qa_audit.domain.framework import AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, allowed, check
from qa_audit.domain.scoring import overall_grade
from qa_audit.domain.version_move import (
    LinkedAction,
    MovePlan,
    RatingContent,
    check_move,
    plan_move,
)
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, NotFound, ReadOnly
from qa_audit.store.database import Store
from qa_audit.store.errors import check_version
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Case,
    FrameworkVersion,
    Rating,
    ResponseComment,
)
from qa_audit.store.types import utcnow

from . import audit_log
from .assessments import _load, target_of
from .frameworks import FrameworkVersionInfo, _info, get_framework


@dataclass(frozen=True)
class MovePreview:
    """What moving would do, and the assessment's version it was worked out from (pass it
    back to `move_to_version`)."""

    assessment_id: uuid.UUID
    current: FrameworkVersionInfo
    target: FrameworkVersionInfo
    plan: MovePlan
    seen: int


def _may_move(actor: Actor, row: Assessment) -> bool:
    return allowed(actor, Action.EDIT_ASSESSMENT, target_of(row)) and Status(
        row.status).editable


def _check_may_move(actor: Actor, row: Assessment) -> None:
    check(actor, Action.EDIT_ASSESSMENT, target_of(row))
    status = Status(row.status)
    if not status.editable:
        raise ReadOnly(f"Only a draft (or one returned for changes) moves to another "
                       f"version of its framework; this one is '{status.label}'.")


def newer_versions(store: Store, actor: Actor, assessment_id: uuid.UUID
                   ) -> list[FrameworkVersionInfo]:
    """Versions of the draft's framework imported after its own, newest first, that fit
    the assessment (its kind, its case's law type); none for anyone who may not move it
    now."""
    with store.reading() as session:
        row = _load(session, assessment_id)
        if not _may_move(actor, row):
            return []
        current = session.get(FrameworkVersion, row.framework_version_id)
        assert current is not None  # (a foreign key)
        rows = session.exec(select(FrameworkVersion).where(
            FrameworkVersion.framework_id == current.framework_id,
            col(FrameworkVersion.imported_at) > current.imported_at,
        ).order_by(col(FrameworkVersion.imported_at).desc())).all()
        infos = [_info(r) for r in rows]
        case = session.get(Case, row.case_id) if row.case_id else None
        kind, law_type = AssessmentKind(row.kind), case.law_type if case else ""
    old = get_framework(store, current.id)
    return [v for v in infos if _fits(old, get_framework(store, v.id), kind, law_type)]


def _fits(old: Framework, new: Framework, kind: AssessmentKind, law_type: str) -> bool:
    try:
        check_move(old, new, kind, law_type)
    except InvalidInput:
        return False
    return True


def _plan(session: Session, row: Assessment, old: Framework, new: Framework) -> MovePlan:
    case = session.get(Case, row.case_id) if row.case_id else None
    check_move(old, new, AssessmentKind(row.kind), case.law_type if case else "")
    ratings = {r.standard_id: RatingContent(r.grade, tuple(json.loads(r.indicators)),
                                            r.evidence, r.commentary)
               for r in session.exec(select(Rating).where(Rating.assessment_id == row.id))}
    actions = [LinkedAction(a.text, a.standard_id) for a in session.exec(
        select(ActionItem).where(ActionItem.assessment_id == row.id,
                                 col(ActionItem.standard_id).is_not(None))
        .order_by(col(ActionItem.created_at))) if a.standard_id]
    commented = [c.standard_id for c in session.exec(select(ResponseComment).where(
        ResponseComment.assessment_id == row.id)) if c.text.strip()]
    return plan_move(old, new, ratings, json.loads(row.context), actions, commented)


def _versions(session: Session, row: Assessment, target_version_id: uuid.UUID
              ) -> tuple[FrameworkVersion, FrameworkVersion]:
    current = session.get(FrameworkVersion, row.framework_version_id)
    target = session.get(FrameworkVersion, target_version_id)
    if target is None:
        raise NotFound("That framework version is not in this database.")
    assert current is not None
    return current, target


def preview_move(store: Store, actor: Actor, assessment_id: uuid.UUID,
                 target_version_id: uuid.UUID) -> MovePreview:
    """What moving the draft to `target_version_id` would do; changes nothing."""
    with store.reading() as session:
        row = _load(session, assessment_id)
        _check_may_move(actor, row)
        current, target = _versions(session, row, target_version_id)
        plan = _plan(session, row, get_framework(store, current.id),
                     get_framework(store, target.id))
        return MovePreview(row.id, _info(current), _info(target), plan, row.row_version)


def move_to_version(store: Store, actor: Actor, assessment_id: uuid.UUID,
                    target_version_id: uuid.UUID, *, seen: int) -> MovePlan:
    """Move the draft as previewed from its version `seen` (`StaleRecord` if it changed
    since): one transaction, audit-logged. Returns what was done."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id, for_update=True)
        _check_may_move(actor, row)
        check_version(row.row_version, seen, "this assessment")
        current, target = _versions(session, row, target_version_id)
        new = get_framework(store, target.id)
        plan = _plan(session, row, get_framework(store, current.id), new)
        _write(session, row, plan)
        row.framework_version_id = target.id
        row.context = json.dumps(plan.context, sort_keys=True, ensure_ascii=False)
        overall = overall_grade(new, {sid: r.grade for sid, r in plan.ratings().items()})
        row.overall_grade = overall.code if overall else None
        row.updated_at = utcnow()
        audit_log.record(session, actor, "move_framework_version", "assessment", row.id)
        return plan


def _write(session: Session, row: Assessment, plan: MovePlan) -> None:
    """The ratings as the plan says (removed standards' rows deleted, kept ones changed
    only where they lose something, new ones added ungraded), and actions' links to a
    removed standard cleared."""
    after = plan.ratings()
    existing = {r.standard_id: r for r in session.exec(
        select(Rating).where(Rating.assessment_id == row.id))}
    for standard_id, rating in existing.items():
        content = after.get(standard_id)
        if content is None:
            session.delete(rating)
            continue
        values = (content.grade, json.dumps(list(content.indicators)), content.evidence,
                  content.commentary)
        if (rating.grade, rating.indicators, rating.evidence, rating.commentary) != values:
            rating.grade, rating.indicators, rating.evidence, rating.commentary = values
            rating.updated_at = utcnow()
    for standard_id in after.keys() - existing.keys():
        session.add(Rating(assessment_id=row.id, standard_id=standard_id))
    removed = {m.standard_id for m in plan.standards if m.standard_id not in after}
    if removed:
        for item in session.exec(select(ActionItem).where(
                ActionItem.assessment_id == row.id,
                col(ActionItem.standard_id).in_(sorted(removed)))):
            item.standard_id = None
