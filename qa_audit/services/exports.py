"""Data exports of assessments, ratings and actions for analysts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.reports.tabular import write_csv
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Case,
    FrameworkVersion,
    OrgUnit,
    Rating,
    User,
)

from . import audit_log
from .listing import _scope
from .store import Store

ASSESSMENT_HEADER = (
    "assessment_id",
    "kind",
    "status",
    "assessed_on",
    "framework_id",
    "framework_version",
    "case_reference",
    "law_type",
    "case_type",
    "team",
    "practitioner",
    "author",
    "overall_grade",
    "submitted_at",
    "finalised_at",
)
RATING_HEADER = ("assessment_id", "standard_id", "grade", "evidence", "commentary")
ACTION_HEADER = (
    "action_id",
    "assessment_id",
    "standard_id",
    "text",
    "owner",
    "due_on",
    "status",
    "completed_on",
)


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    counts: dict[str, int]


def _visible(actor: Actor | None) -> ColumnElement[bool]:
    return true() if actor is None else _scope(actor)


def assessment_rows(store: Store, actor: Actor | None) -> Iterator[Sequence[Any]]:
    subject, author = aliased(User), aliased(User)
    query = (
        select(
            col(Assessment.id),
            col(Assessment.kind),
            col(Assessment.status),
            col(Assessment.assessed_on),
            col(FrameworkVersion.framework_id),
            col(FrameworkVersion.version),
            col(Case.reference),
            col(Case.law_type),
            col(Case.case_type),
            col(OrgUnit.name),
            col(subject.display_name),
            col(author.display_name),
            col(Assessment.overall_grade),
            col(Assessment.submitted_at),
            col(Assessment.finalised_at),
        )
        .join(FrameworkVersion, col(FrameworkVersion.id) == col(Assessment.framework_version_id))
        .join(Case, col(Case.id) == col(Assessment.case_id), isouter=True)
        .join(OrgUnit, col(OrgUnit.id) == col(Assessment.team_id), isouter=True)
        .join(subject, col(subject.id) == col(Assessment.subject_id))
        .join(author, col(author.id) == col(Assessment.author_id))
        .where(_visible(actor))
        .order_by(col(Assessment.assessed_on), col(Assessment.id))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(2000)


def rating_rows(store: Store, actor: Actor | None) -> Iterator[Sequence[Any]]:
    query = (
        select(
            col(Rating.assessment_id),
            col(Rating.standard_id),
            col(Rating.grade),
            col(Rating.evidence),
            col(Rating.commentary),
        )
        .join(Assessment, col(Assessment.id) == col(Rating.assessment_id))
        .where(_visible(actor))
        .order_by(col(Rating.assessment_id), col(Rating.standard_id))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(5000)


def action_rows(store: Store, actor: Actor | None) -> Iterator[Sequence[Any]]:
    owner = aliased(User)
    query = (
        select(
            col(ActionItem.id),
            col(ActionItem.assessment_id),
            col(ActionItem.standard_id),
            col(ActionItem.text),
            col(owner.display_name),
            col(ActionItem.due_on),
            col(ActionItem.status),
            col(ActionItem.completed_on),
        )
        .join(Assessment, col(Assessment.id) == col(ActionItem.assessment_id))
        .join(owner, col(owner.id) == col(ActionItem.owner_id), isouter=True)
        .where(and_(_visible(actor)))
        .order_by(col(ActionItem.assessment_id), col(ActionItem.created_at))
    )
    with store.reading() as session:
        yield from session.execute(query).yield_per(5000)


def export_csv(store: Store, actor: Actor | None, out_dir: Path) -> ExportResult:
    """Write assessments.csv, ratings.csv and actions.csv. `actor` None: the whole database
    (command-line use by whoever holds the database file)."""
    if actor is not None:
        check(actor, Action.EXPORT_DATA)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {
        "assessments": write_csv(
            out_dir / "assessments.csv", ASSESSMENT_HEADER, assessment_rows(store, actor)
        ),
        "ratings": write_csv(out_dir / "ratings.csv", RATING_HEADER, rating_rows(store, actor)),
        "actions": write_csv(out_dir / "actions.csv", ACTION_HEADER, action_rows(store, actor)),
    }
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "export_csv", "database", uuid.UUID(int=0))
    files = tuple(out_dir / f"{name}.csv" for name in counts)
    return ExportResult(files, counts)
