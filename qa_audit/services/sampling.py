"""Case sampling for audits: draw cases by rules, reproducibly, and create draft audits
assigned to the team's supervisors.

Rules combine (every one given must hold): past the 26-week public-law timescale,
allocated later than the benchmark, a case type, not audited in the last N months; then
a number of cases is drawn at random per team. The seed is recorded with the draw, so the
same seed over the same cases picks the same ones.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlmodel import col

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Action, Actor, Role, Target, check
from qa_audit.domain.timescales import CASE_TYPES, PUBLIC_LAW_WEEKS
from qa_audit.errors import InvalidInput
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import Assessment, Case, OrgUnit, Rating, SampleDraw, User

from . import audit_log
from .frameworks import get_framework
from .themes import allocation_benchmark, day_number, working_days_sql

MAX_SEED = 2**31 - 1


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Cases this actor may draw from, as SQL (domain/permissions.py's scope through the
    one translator)."""
    return visible(actor, Action.DRAW_CASE_SAMPLE, Kind.CASE)


@dataclass(frozen=True)
class CaseSampleRules:
    framework_version_id: uuid.UUID
    """The framework the draft audits are scored against (its law type limits the cases)."""
    per_team: int = 2
    past_timescale: bool = False
    allocated_late: bool = False
    case_type: str | None = None
    not_audited_months: int | None = None
    team_id: uuid.UUID | None = None

    def check(self) -> None:
        if not 1 <= self.per_team <= 100:
            raise InvalidInput("Draw from 1 to 100 cases per team.")
        if self.case_type is not None and self.case_type not in CASE_TYPES:
            raise InvalidInput(f"Unknown case type '{self.case_type}'; use one of "
                               f"{', '.join(CASE_TYPES)}.")
        if self.not_audited_months is not None and not 1 <= self.not_audited_months <= 120:
            raise InvalidInput("'Not audited in the last N months' takes 1 to 120 months.")

    def to_json(self) -> str:
        return json.dumps({
            "framework_version_id": str(self.framework_version_id),
            "per_team": self.per_team, "past_timescale": self.past_timescale,
            "allocated_late": self.allocated_late, "case_type": self.case_type,
            "not_audited_months": self.not_audited_months,
            "team_id": str(self.team_id) if self.team_id else None}, sort_keys=True)


@dataclass(frozen=True)
class DrawnCase:
    case_id: uuid.UUID
    team_id: uuid.UUID
    reference: str
    fca_id: uuid.UUID | None


@dataclass(frozen=True)
class CaseSampleResult:
    draw_id: uuid.UUID
    seed: int
    eligible: int
    picked: tuple[DrawnCase, ...]
    created: tuple[uuid.UUID, ...]
    """The draft audits created, one per picked case that has an allocated FCA and a
    supervisor in its team."""
    skipped: tuple[str, ...]
    """Why a picked case got no draft (reference: reason)."""


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def eligible_cases(store: Store, actor: Actor, rules: CaseSampleRules,
                   today: dt.date | None = None) -> list[DrawnCase]:
    today = today or dt.date.today()
    fw = get_framework(store, rules.framework_version_id)
    if AssessmentKind.CASE_AUDIT not in fw.applies_to:
        raise InvalidInput(f"'{fw.title}' is not a case audit framework.")
    conds: list[ColumnElement[bool]] = [_scope(actor), col(Case.team_id).is_not(None)]
    if fw.law_type.value != "any":
        conds.append(col(Case.law_type) == fw.law_type.value)
    if rules.team_id is not None:
        conds.append(col(Case.team_id) == rules.team_id)
    if rules.case_type:
        conds.append(col(Case.case_type) == rules.case_type)
    if rules.past_timescale:
        end = func.coalesce(col(Case.concluded_on), literal(today))
        days = day_number(store, end) - day_number(store, col(Case.issued_on))
        conds += [col(Case.law_type) == "public", col(Case.issued_on).is_not(None),
                  days > PUBLIC_LAW_WEEKS * 7]
    if rules.allocated_late:
        days = working_days_sql(store, col(Case.issued_on), col(Case.allocated_on))
        conds += [col(Case.issued_on).is_not(None), col(Case.allocated_on).is_not(None),
                  days > allocation_benchmark(store)]
    if rules.not_audited_months:
        since = _months_before(today, rules.not_audited_months)
        recent = select(col(Assessment.case_id)).where(
            col(Assessment.case_id).is_not(None), col(Assessment.assessed_on) >= since)
        conds.append(col(Case.id).not_in(recent))
    query = select(col(Case.id), col(Case.team_id), col(Case.reference),
                   col(Case.fca_id)).where(and_(*conds))
    with store.reading() as session:
        return [DrawnCase(r[0], r[1], r[2], r[3]) for r in session.execute(query).all()]


def pick_cases(cases: Sequence[DrawnCase], per_team: int, seed: int) -> list[DrawnCase]:
    """The draw, a pure function of the cases and the seed: teams in a fixed order, each
    team's cases sorted by reference then shuffled by one random stream."""
    rng = random.Random(seed)
    teams: dict[str, list[DrawnCase]] = defaultdict(list)
    for c in cases:
        teams[str(c.team_id)].append(c)
    out: list[DrawnCase] = []
    for key in sorted(teams):
        members = sorted(teams[key], key=lambda c: c.reference)
        out.extend(rng.sample(members, min(per_team, len(members))))
    return out


def draw_cases(store: Store, actor: Actor, rules: CaseSampleRules, seed: int | None = None,
               today: dt.date | None = None) -> CaseSampleResult:
    """Draw cases and create a draft case audit for each, authored by a supervisor of the
    case's team (taking turns in a fixed order) about the case's allocated FCA."""
    check(actor, Action.DRAW_CASE_SAMPLE)
    rules.check()
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"A seed is a whole number from 0 to {MAX_SEED}.")
    today = today or dt.date.today()
    fw = get_framework(store, rules.framework_version_id)
    candidates = eligible_cases(store, actor, rules, today)
    picked = pick_cases(candidates, rules.per_team, seed)
    created: list[uuid.UUID] = []
    skipped: list[str] = []
    with store.unit_of_work() as session:
        draw = SampleDraw(kind="case_audit", drawn_by=actor.user_id, seed=seed,
                          rules=rules.to_json(),
                          picked=json.dumps([str(c.case_id) for c in picked]),
                          region_id=actor.region_id, team_id=rules.team_id)
        session.add(draw)
        session.flush()
        turns: dict[uuid.UUID, int] = defaultdict(int)
        for c in picked:
            team = session.get(OrgUnit, c.team_id)
            target = Target(team_id=c.team_id, region_id=team.region_id if team else None)
            check(actor, Action.DRAW_CASE_SAMPLE, target)
            supervisors = list(session.execute(
                select(col(User.id)).where(col(User.team_id) == c.team_id,
                                           col(User.role) == Role.SUPERVISOR.value,
                                           col(User.active).is_(True))
                .order_by(col(User.username))).scalars())
            fca = session.get(User, c.fca_id) if c.fca_id else None
            if fca is None or fca.role != Role.FCA.value:
                skipped.append(f"{c.reference}: no FCA allocated")
                continue
            if not supervisors:
                skipped.append(f"{c.reference}: the team has no active supervisor")
                continue
            author = (actor.user_id if actor.user_id in supervisors
                      else supervisors[turns[c.team_id] % len(supervisors)])
            turns[c.team_id] += 1
            row = Assessment(kind=AssessmentKind.CASE_AUDIT.value,
                             framework_version_id=rules.framework_version_id,
                             case_id=c.case_id, subject_id=fca.id, author_id=author,
                             team_id=fca.team_id, region_id=target.region_id,
                             assessed_on=today)
            session.add(row)
            session.flush()
            for standard in fw.standards():
                session.add(Rating(assessment_id=row.id, standard_id=standard.id))
            audit_log.record(session, actor, "create_from_sample", "assessment", row.id)
            created.append(row.id)
        audit_log.record(session, actor, "draw_case_sample", "sample_draw", draw.id)
        return CaseSampleResult(draw.id, seed, len(candidates), tuple(picked), tuple(created),
                                tuple(skipped))
