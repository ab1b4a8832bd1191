"""Paged, sorted, filtered lists of assessments and actions, done in SQL.

Lists are read a page at a time (the UI's models fetch more as the user scrolls), so a
list of 100,000 assessments costs one page of rows, not 100,000.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Action, Actor
from qa_audit.domain.records import ActionStatus
from qa_audit.domain.workflow import Status
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, actions_visible, visible
from qa_audit.store.tables import ActionItem, Assessment, Case, FrameworkVersion, OrgUnit, User

from .blinding import blind_ids, pending_for
from .read_models import ActionInfo, actions_of


class SortKey(StrEnum):
    ASSESSED_ON = "assessed_on"
    UPDATED = "updated_at"
    CASE = "case_reference"
    PRACTITIONER = "subject_name"
    AUTHOR = "author_name"
    KIND = "kind"
    FRAMEWORK = "framework_title"
    STATUS = "status"
    GRADE = "overall_grade"
    TEAM = "team_name"


@dataclass(frozen=True)
class AssessmentQuery:
    statuses: tuple[Status, ...] = ()
    kind: AssessmentKind | None = None
    subject_id: uuid.UUID | None = None
    author_id: uuid.UUID | None = None
    framework_id: str | None = None
    team_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""
    sort: SortKey = SortKey.ASSESSED_ON
    descending: bool = True


@dataclass(frozen=True)
class AssessmentRow:
    id: uuid.UUID
    kind: AssessmentKind
    case_reference: str
    subject_name: str
    author_name: str
    team_name: str
    framework_title: str
    framework_version: str
    status: Status
    assessed_on: dt.date
    overall_grade: str | None
    updated_at: dt.datetime
    framework_version_id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_subject = aliased(User)
_author = aliased(User)


def _filtered(actor: Actor, q: AssessmentQuery, team_store: bool = False
              ) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [visible(actor, Action.VIEW_ASSESSMENT, Kind.ASSESSMENT)]
    if q.statuses:
        conds.append(col(Assessment.status).in_([s.value for s in q.statuses]))
    if q.kind is not None:
        conds.append(col(Assessment.kind) == q.kind.value)
    if q.subject_id is not None:
        conds.append(col(Assessment.subject_id) == q.subject_id)
    if q.author_id is not None:
        conds.append(col(Assessment.author_id) == q.author_id)
    if q.team_id is not None:
        conds.append(col(Assessment.team_id) == q.team_id)
    if q.framework_id:
        versions = select(col(FrameworkVersion.id)).where(
            col(FrameworkVersion.framework_id) == q.framework_id)
        conds.append(col(Assessment.framework_version_id).in_(versions))
    if q.date_from is not None:
        conds.append(col(Assessment.assessed_on) >= q.date_from)
    if q.date_to is not None:
        conds.append(col(Assessment.assessed_on) <= q.date_to)
    if q.search.strip():
        term = f"%{q.search.strip().upper()}%"
        if team_store:
            # The server's copy of the case's reference on the assessment: the search reads
            # the assessments in scope alone, instead of every matching case through the
            # case's own policy (a set of the assessments in scope per case).
            conds.append(col(Assessment.case_reference).like(term))
        else:
            # Matching case references first (one pass over cases) beats joining every
            # assessment in scope to its case and testing the pattern row by row.
            matching = select(col(Case.id)).where(col(Case.reference).like(term))
            conds.append(col(Assessment.case_id).in_(matching))
    return conds


_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.ASSESSED_ON: Assessment.assessed_on,
    SortKey.UPDATED: Assessment.updated_at,
    SortKey.CASE: Case.reference,
    SortKey.PRACTITIONER: col(_subject.display_name),
    SortKey.AUTHOR: col(_author.display_name),
    SortKey.KIND: Assessment.kind,
    SortKey.FRAMEWORK: FrameworkVersion.title,
    SortKey.STATUS: Assessment.status,
    SortKey.GRADE: Assessment.overall_grade,
    SortKey.TEAM: OrgUnit.name,
}


def count_assessments(store: Store, actor: Actor, q: AssessmentQuery) -> int:
    query = select(func.count()).select_from(Assessment).where(
        and_(true(), *_filtered(actor, q, store.is_team_store)))
    with store.reading() as session:
        return int(session.execute(query).scalar_one())


# The table each sort key lives in, joined only when sorting by it.
_SORT_JOINS: dict[SortKey, tuple[Any, Any]] = {
    SortKey.CASE: (Case, col(Case.id) == col(Assessment.case_id)),
    SortKey.PRACTITIONER: (_subject, col(_subject.id) == col(Assessment.subject_id)),
    SortKey.AUTHOR: (_author, col(_author.id) == col(Assessment.author_id)),
    SortKey.FRAMEWORK: (FrameworkVersion,
                        col(FrameworkVersion.id) == col(Assessment.framework_version_id)),
    SortKey.TEAM: (OrgUnit, col(OrgUnit.id) == col(Assessment.team_id)),
}


def page_ids(store: Store, actor: Actor, q: AssessmentQuery, offset: int, limit: int
             ) -> list[uuid.UUID]:
    """Step one: the ids of one page, from the assessment table (plus the sort key's table
    only), so SQLite walks the scope's index in order and stops after the page."""
    key: Any = col(_SORT_COLUMNS[q.sort])
    if q.sort is SortKey.GRADE:  # the order must not tell a blind moderator the grade
        key = case((pending_for(actor), None), else_=key)
    query = select(col(Assessment.id)).select_from(Assessment)
    if q.sort in _SORT_JOINS:
        table, on = _SORT_JOINS[q.sort]
        query = query.join(table, on, isouter=True)
    order = key.desc() if q.descending else key.asc()
    if q.sort is SortKey.GRADE:
        # Blank (ungraded, or blind) first going up and last going down on both backends
        # (SQLite's default; PostgreSQL's is the reverse).
        order = order.nulls_last() if q.descending else order.nulls_first()
    tiebreak = col(Assessment.id).desc() if q.descending else col(Assessment.id).asc()
    query = (query.where(and_(true(), *_filtered(actor, q, store.is_team_store)))
             .order_by(order, tiebreak)
             .offset(offset).limit(limit))
    with store.reading() as session:
        return list(session.execute(query).scalars())


def list_assessments(
    store: Store, actor: Actor, q: AssessmentQuery, offset: int = 0, limit: int = 200
) -> list[AssessmentRow]:
    """One page of the assessments this actor may see, filtered and sorted in SQL."""
    return page_details(store, page_ids(store, actor, q, offset, limit), actor)


def page_details(store: Store, ids: list[uuid.UUID], actor: Actor | None = None
                 ) -> list[AssessmentRow]:
    """Step two: the listed columns for these ids, in the same order (the caller has
    already decided the actor may see them). The overall grade of an assessment `actor`
    is moderating blind is left blank."""
    if not ids:
        return []
    query = (
        select(
            col(Assessment.id), col(Assessment.kind), col(Case.reference),
            col(_subject.display_name), col(_author.display_name), col(OrgUnit.name),
            col(FrameworkVersion.title), col(FrameworkVersion.version), col(Assessment.status),
            col(Assessment.assessed_on), col(Assessment.overall_grade),
            col(Assessment.updated_at), col(Assessment.framework_version_id),
        )
        .select_from(Assessment)
        .join(FrameworkVersion, col(FrameworkVersion.id) == col(Assessment.framework_version_id))
        .join(Case, col(Case.id) == col(Assessment.case_id), isouter=True)
        .join(_subject, col(_subject.id) == col(Assessment.subject_id))
        .join(_author, col(_author.id) == col(Assessment.author_id))
        .join(OrgUnit, col(OrgUnit.id) == col(Assessment.team_id), isouter=True)
        .where(col(Assessment.id).in_(ids))
    )
    with store.reading() as session:
        blind = blind_ids(session, actor, ids)
        rows = {
            r[0]: AssessmentRow(r[0], AssessmentKind(r[1]), r[2] or "", r[3], r[4], r[5] or "",
                                r[6], r[7], Status(r[8]), r[9],
                                None if r[0] in blind else r[10], r[11], r[12])
            for r in session.execute(query).all()
        }
    return [rows[i] for i in ids if i in rows]


def open_actions(
    store: Store, actor: Actor, *, owner_id: uuid.UUID | None = None, team: bool = False
) -> tuple[ActionInfo, ...]:
    """Open actions that the actor may see: those owned by `owner_id` (default: the actor),
    or (team=True) those owned by members of the actor's team. Actions of a draft
    assessment are not anyone's yet: the practitioner has not been sent it."""
    drafts = select(col(Assessment.id)).where(col(Assessment.status) == Status.DRAFT.value)
    with store.reading() as session:
        conds: list[ColumnElement[bool]] = [
            actions_visible(actor),
            col(ActionItem.status) == ActionStatus.OPEN,
            or_(col(ActionItem.assessment_id).is_(None),
                col(ActionItem.assessment_id).not_in(drafts))]
        if team and actor.team_id is not None:
            members = select(col(User.id)).where(col(User.team_id) == actor.team_id)
            conds.append(col(ActionItem.owner_id).in_(members))
        elif team:
            return ()
        else:
            conds.append(col(ActionItem.owner_id) == (owner_id or actor.user_id))
        return actions_of(session, *conds)
