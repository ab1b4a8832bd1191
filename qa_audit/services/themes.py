"""Aggregates for themes: the share of each grade by standard, team and quarter.

One GROUP BY in SQL over ratings joined to their assessments, served by covering
indexes; the result is small (standards x teams x quarters x grades) whatever the
number of ratings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, cast, func, select
from sqlalchemy.types import Integer, String
from sqlmodel import col

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.workflow import Status
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import Assessment, FrameworkVersion, OrgUnit, Rating

from .store import Store


@dataclass(frozen=True)
class GradeCount:
    standard_id: str
    team_id: uuid.UUID | None
    quarter: str
    grade: str
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    framework_id: str
    counts: tuple[GradeCount, ...]
    team_names: dict[uuid.UUID, str]

    def shares(self) -> dict[tuple[str, uuid.UUID | None, str], dict[str, float]]:
        """Share of each grade per (standard, team, quarter); N/A is left out of shares."""
        totals: dict[tuple[str, uuid.UUID | None, str], int] = defaultdict(int)
        for c in self.counts:
            if c.grade != NOT_APPLICABLE:
                totals[(c.standard_id, c.team_id, c.quarter)] += c.count
        out: dict[tuple[str, uuid.UUID | None, str], dict[str, float]] = defaultdict(dict)
        for c in self.counts:
            key = (c.standard_id, c.team_id, c.quarter)
            if c.grade != NOT_APPLICABLE and totals[key]:
                out[key][c.grade] = c.count / totals[key]
        return dict(out)


def quarter_expression() -> ColumnElement[str]:
    """'2025-Q3' from the assessment date, in SQL (works on SQLite and PostgreSQL)."""
    text = cast(Assessment.assessed_on, String)
    year = func.substr(text, 1, 4)
    month = cast(func.substr(text, 6, 2), Integer)
    return year + "-Q" + cast((month + 2) // 3, String)


def grade_distribution(
    store: Store,
    actor: Actor,
    framework_id: str,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> GradeDistribution:
    """Grade counts by standard x team x quarter for submitted-or-later assessments."""
    check(actor, Action.VIEW_THEMES)
    quarter = quarter_expression().label("quarter")
    conds: list[ColumnElement[bool]] = [
        col(Assessment.status) != Status.DRAFT.value,
        col(Rating.grade).is_not(None),
        col(FrameworkVersion.framework_id) == framework_id,
    ]
    conds.append(visible(actor, Action.VIEW_THEMES, Kind.ASSESSMENT))
    if date_from is not None:
        conds.append(col(Assessment.assessed_on) >= date_from)
    if date_to is not None:
        conds.append(col(Assessment.assessed_on) <= date_to)
    query = (
        select(col(Rating.standard_id), col(Assessment.team_id), quarter, col(Rating.grade),
               func.count())
        .select_from(Rating)
        .join(Assessment, col(Assessment.id) == col(Rating.assessment_id))
        .join(FrameworkVersion, col(FrameworkVersion.id) == col(Assessment.framework_version_id))
        .where(and_(*conds))
        .group_by(col(Rating.standard_id), col(Assessment.team_id), quarter, col(Rating.grade))
    )
    with store.reading() as session:
        rows = session.execute(query).all()
        teams = dict(session.execute(
            select(col(OrgUnit.id), col(OrgUnit.name)).where(col(OrgUnit.kind) == "team")
        ).all())
    return GradeDistribution(
        framework_id,
        tuple(GradeCount(r[0], r[1], r[2], r[3], int(r[4])) for r in rows),
        teams,
    )
