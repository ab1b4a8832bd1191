"""Blind moderation: until a moderator submits their own scoring of an assessment, no
service shows them its original grades or overall judgement.

One home for the rule; every reading service asks it: lists blank the overall grade,
the assessment detail blanks grades, exports and aggregates leave the assessment out.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import ColumnElement, select, true
from sqlmodel import Session, col

from qa_audit.domain.permissions import Actor
from qa_audit.store.tables import Assessment, Moderation

from .read_models import AssessmentDetail


def pending_for(actor: Actor) -> ColumnElement[bool]:
    """SQL: the assessment is one this actor still has to score blind."""
    mine = select(col(Moderation.assessment_id)).where(
        col(Moderation.moderator_id) == actor.user_id, col(Moderation.submitted_at).is_(None))
    return col(Assessment.id).in_(mine)


def not_blind(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: assessments whose grades this actor may read (everything but their pending
    moderations). None (the local system, e.g. an admin export) is blind to nothing."""
    if actor is None:
        return true()
    return ~pending_for(actor)


def is_blind(session: Session, actor: Actor | None, assessment_id: uuid.UUID) -> bool:
    """Whether this actor has an unsubmitted moderation of this assessment."""
    if actor is None:
        return False
    found = session.execute(select(col(Moderation.id)).where(
        col(Moderation.assessment_id) == assessment_id,
        col(Moderation.moderator_id) == actor.user_id,
        col(Moderation.submitted_at).is_(None)).limit(1)).first()
    return found is not None


def blind_ids(session: Session, actor: Actor | None, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Of these assessments, the ones this actor is blind to."""
    if actor is None or not ids:
        return set()
    return set(session.execute(select(col(Moderation.assessment_id)).where(
        col(Moderation.moderator_id) == actor.user_id, col(Moderation.submitted_at).is_(None),
        col(Moderation.assessment_id).in_(ids))).scalars())


def blinded(detail: AssessmentDetail) -> AssessmentDetail:
    """The assessment as a blind moderator may read it: no grade, no overall judgement."""
    ratings = {sid: replace(r, grade=None) for sid, r in detail.ratings.items()}
    return replace(detail, ratings=ratings, overall_grade=None, content_hash=None)
