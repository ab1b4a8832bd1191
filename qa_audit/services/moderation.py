"""Moderation: a quality lead draws a reproducible sample of audits, re-scores each blind,
then compares, records an outcome and reads agreement per standard and overall.

Blind means what it says: until the moderator submits, no service shows them the
original grades or overall judgement (services/blinding.py holds the rule; every reading
service asks it). One writer per record: the moderation is its moderator's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, select
from sqlmodel import Session, col

from qa_audit.domain.agreement import Agreement, agreement
from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, Target, check
from qa_audit.domain.scoring import overall_grade
from qa_audit.domain.workflow import Status, Step, transition
from qa_audit.errors import InvalidInput, NotFound, PermissionDenied, ReadOnly
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import (
    Addendum,
    Assessment,
    Case,
    FrameworkVersion,
    Moderation,
    OrgUnit,
    Rating,
    SampleDraw,
)
from qa_audit.store.types import utcnow

from . import audit_log
from .frameworks import get_framework
from .themes import quarter_of

ELIGIBLE = (Status.RESPONDED, Status.MODERATION, Status.FINALISED)
"""Audits a sample is drawn from: the practitioner has responded (finalised or not; or a
supervisor sent it to moderation), and no moderation of it exists yet."""
MAX_SEED = 2**31 - 1


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    CHANGED = "changed"

    @property
    def label(self) -> str:
        return {"confirmed": "Judgement confirmed", "changed": "Judgement changed"}[self.value]


class Stage(StrEnum):
    TO_SCORE = "to_score"
    SCORED = "scored"
    DECIDED = "decided"

    @property
    def label(self) -> str:
        return {"to_score": "To score (blind)", "scored": "Scored: compare and decide",
                "decided": "Outcome recorded"}[self.value]


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Assessments this actor moderates, as SQL (domain/permissions.py's scope through the
    one translator)."""
    return visible(actor, Action.MODERATE, Kind.ASSESSMENT)


# -- drawing a sample ------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleRules:
    percent: float = 10.0
    """Of the eligible audits of each team in each quarter (rounded up, at least one)."""
    one_per_supervisor: bool = True
    """Every supervisor with an eligible audit in a team and quarter has one drawn."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    framework_id: str | None = None

    def check(self) -> None:
        if not 0 < self.percent <= 100:
            raise InvalidInput("The sample is a percentage above 0 and at most 100.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("The period ends before it starts: check the dates.")

    def to_json(self) -> str:
        return json.dumps({
            "percent": self.percent, "one_per_supervisor": self.one_per_supervisor,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "framework_id": self.framework_id}, sort_keys=True)


@dataclass(frozen=True)
class Candidate:
    """An eligible audit, as the draw sees it: no grades."""

    id: uuid.UUID
    team_id: uuid.UUID | None
    quarter: str
    author_id: uuid.UUID


@dataclass(frozen=True)
class SampleResult:
    draw_id: uuid.UUID
    seed: int
    eligible: int
    picked: tuple[uuid.UUID, ...]


def pick_sample(candidates: Sequence[Candidate], percent: float, one_per_supervisor: bool,
                seed: int) -> list[uuid.UUID]:
    """The draw itself, a pure function of the candidates and the seed: groups by team and
    quarter in a fixed order, shuffles each with one random stream, takes the first
    ceil(percent) of each, then adds each supervisor's first audit in the shuffle where
    none of theirs was taken."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[(str(c.team_id), c.quarter)].append(c)
    picked: list[uuid.UUID] = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda c: str(c.id))
        shuffled = rng.sample(members, len(members))
        take = shuffled[:max(1, math.ceil(len(members) * percent / 100))]
        if one_per_supervisor:
            covered = {c.author_id for c in take}
            for c in shuffled:
                if c.author_id not in covered:
                    take.append(c)
                    covered.add(c.author_id)
        picked.extend(c.id for c in take)
    return picked


def eligible_audits(store: Store, actor: Actor, rules: SampleRules) -> list[Candidate]:
    conds = [_scope(actor), col(Assessment.kind) == AssessmentKind.CASE_AUDIT.value,
             col(Assessment.status).in_([s.value for s in ELIGIBLE]),
             col(Assessment.id).not_in(select(col(Moderation.assessment_id)))]
    if rules.date_from:
        conds.append(col(Assessment.assessed_on) >= rules.date_from)
    if rules.date_to:
        conds.append(col(Assessment.assessed_on) <= rules.date_to)
    if rules.framework_id:
        conds.append(col(Assessment.framework_version_id).in_(select(col(FrameworkVersion.id))
                     .where(col(FrameworkVersion.framework_id) == rules.framework_id)))
    query = select(col(Assessment.id), col(Assessment.team_id), col(Assessment.assessed_on),
                   col(Assessment.author_id)).where(and_(*conds))
    with store.reading() as session:
        return [Candidate(r[0], r[1], quarter_of(r[2]), r[3])
                for r in session.execute(query).all()]


def draw_sample(store: Store, actor: Actor, rules: SampleRules, seed: int | None = None
                ) -> SampleResult:
    """Draw a moderation sample and assign it to the actor to score blind. Audits still
    waiting to be finalised go 'In moderation' until the outcome is recorded."""
    check(actor, Action.MODERATE)
    rules.check()
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"A seed is a whole number from 0 to {MAX_SEED}.")
    candidates = eligible_audits(store, actor, rules)
    picked = pick_sample(candidates, rules.percent, rules.one_per_supervisor, seed)
    with store.unit_of_work() as session:
        draw = SampleDraw(kind="moderation", drawn_by=actor.user_id, seed=seed,
                          rules=rules.to_json(), picked=json.dumps([str(i) for i in picked]),
                          region_id=actor.region_id)
        session.add(draw)
        session.flush()
        for aid in picked:
            row = session.get(Assessment, aid)
            assert row is not None
            if Status(row.status) is Status.RESPONDED:
                check(actor, Action.SEND_TO_MODERATION, _target(row))
                row.status = transition(Step.SEND_TO_MODERATION, Status.RESPONDED,
                                        actor.role).value
                row.updated_at = utcnow()
                audit_log.record(session, actor, Step.SEND_TO_MODERATION.value, "assessment",
                                 row.id)
            session.add(Moderation(assessment_id=aid, moderator_id=actor.user_id,
                                   sample_id=draw.id))
        audit_log.record(session, actor, "draw_moderation_sample", "sample_draw", draw.id)
        return SampleResult(draw.id, seed, len(candidates), tuple(picked))


# -- the moderator's list and blind scoring ----------------------------------------------------
@dataclass(frozen=True)
class ModerationItem:
    id: uuid.UUID
    assessment_id: uuid.UUID
    case_reference: str
    team_name: str
    framework_title: str
    assessed_on: dt.date
    stage: Stage
    outcome: str
    moderator_id: uuid.UUID


def _stage(m: Moderation) -> Stage:
    if m.submitted_at is None:
        return Stage.TO_SCORE
    return Stage.DECIDED if m.outcome else Stage.SCORED


def list_moderations(store: Store, actor: Actor, *, mine_only: bool = True
                     ) -> list[ModerationItem]:
    """Moderations in the actor's region (their own, unless `mine_only` is False), to
    score first. No grades: the list is the same before and after submission."""
    check(actor, Action.MODERATE)
    query = (select(Moderation, col(Assessment.assessed_on), col(Case.reference),
                    col(OrgUnit.name), col(FrameworkVersion.title))
             .join(Assessment, col(Assessment.id) == col(Moderation.assessment_id))
             .join(Case, col(Case.id) == col(Assessment.case_id), isouter=True)
             .join(OrgUnit, col(OrgUnit.id) == col(Assessment.team_id), isouter=True)
             .join(FrameworkVersion,
                   col(FrameworkVersion.id) == col(Assessment.framework_version_id))
             .where(_scope(actor)))
    if mine_only:
        query = query.where(col(Moderation.moderator_id) == actor.user_id)
    with store.reading() as session:
        rows = session.execute(query).all()
    items = [ModerationItem(m.id, m.assessment_id, ref or "", team or "", title, day,
                            _stage(m), m.outcome, m.moderator_id)
             for m, day, ref, team, title in rows]
    order = list(Stage)
    return sorted(items, key=lambda i: (order.index(i.stage), i.assessed_on, str(i.id)))


@dataclass(frozen=True)
class ModerationForm:
    """What the moderator scores against: the framework and their own grades so far."""

    id: uuid.UUID
    assessment_id: uuid.UUID
    case_reference: str
    framework_version_id: uuid.UUID
    stage: Stage
    grades: dict[str, str]
    overall_grade: str | None
    notes: str
    outcome: str


def _load(session: Session, moderation_id: uuid.UUID) -> tuple[Moderation, Assessment]:
    m = session.get(Moderation, moderation_id)
    if m is None:
        raise NotFound("That moderation does not exist.")
    a = session.get(Assessment, m.assessment_id)
    if a is None:
        raise NotFound("The moderated assessment no longer exists.")
    return m, a


def _target(a: Assessment) -> Target:
    return Target(team_id=a.team_id, region_id=a.region_id, author_id=a.author_id,
                  subject_id=a.subject_id, draft=a.status == Status.DRAFT.value)


def _own(actor: Actor, m: Moderation, a: Assessment) -> None:
    check(actor, Action.MODERATE, _target(a))
    if m.moderator_id != actor.user_id:
        raise PermissionDenied("This moderation is another quality lead's to score.")


def get_form(store: Store, actor: Actor, moderation_id: uuid.UUID) -> ModerationForm:
    with store.reading() as session:
        m, a = _load(session, moderation_id)
        check(actor, Action.MODERATE, _target(a))
        case = session.get(Case, a.case_id) if a.case_id else None
        return ModerationForm(m.id, a.id, case.reference if case else "",
                              a.framework_version_id, _stage(m), json.loads(m.ratings),
                              m.overall_grade, m.notes, m.outcome)


def save_grade(store: Store, actor: Actor, moderation_id: uuid.UUID, standard_id: str,
               grade: str | None) -> None:
    """The moderator's own grade for a standard (None clears it), before submission."""
    with store.unit_of_work() as session:
        m, a = _load(session, moderation_id)
        _own(actor, m, a)
        if m.submitted_at is not None:
            raise ReadOnly("This moderation is submitted; its grades can no longer change.")
        fw = get_framework(store, a.framework_version_id)
        if not fw.has_standard(standard_id):
            raise InvalidInput(f"'{standard_id}' is not a standard of {fw.title}.")
        if grade is not None and grade not in fw.scale.codes and not (
                grade == NOT_APPLICABLE and fw.scale.not_applicable.allowed):
            raise InvalidInput(f"'{grade}' is not a grade of {fw.title}'s scale.")
        grades = json.loads(m.ratings)
        if grade is None:
            grades.pop(standard_id, None)
        else:
            grades[standard_id] = grade
        m.ratings = json.dumps(grades, sort_keys=True)
        audit_log.record(session, actor, "moderation_grade", "moderation", m.id)


def missing_grades(fw: Framework, grades: dict[str, str]) -> list[str]:
    return [s.title for s in fw.standards() if s.required and s.id not in grades]


def submit(store: Store, actor: Actor, moderation_id: uuid.UUID) -> Comparison:
    """Lock the moderator's grades; from now on the original grades can be read and
    compared. Every required standard needs a grade first."""
    with store.unit_of_work() as session:
        m, a = _load(session, moderation_id)
        _own(actor, m, a)
        if m.submitted_at is not None:
            raise ReadOnly("This moderation is already submitted.")
        fw = get_framework(store, a.framework_version_id)
        grades: dict[str, str] = json.loads(m.ratings)
        missing = missing_grades(fw, grades)
        if missing:
            raise InvalidInput("Grade every required standard before submitting: "
                               + "; ".join(missing) + ".")
        best = overall_grade(fw, dict(grades))
        m.overall_grade = best.code if best else None
        m.submitted_at = utcnow()
        session.flush()
        comparison = _compare(session, fw, m, a)
        m.agreement = comparison.agreement.exact_share
        audit_log.record(session, actor, "moderation_submitted", "moderation", m.id)
        return comparison


# -- comparing and deciding -------------------------------------------------------------------
@dataclass(frozen=True)
class StandardPair:
    standard_id: str
    title: str
    original: str | None
    moderated: str | None

    @property
    def differs(self) -> bool:
        return self.original != self.moderated


@dataclass(frozen=True)
class Comparison:
    moderation_id: uuid.UUID
    assessment_id: uuid.UUID
    case_reference: str
    pairs: tuple[StandardPair, ...]
    original_overall: str | None
    moderated_overall: str | None
    agreement: Agreement
    """Over the standards both graded (N/A and ungraded left out)."""
    outcome: str
    notes: str


def _compare(session: Session, fw: Framework, m: Moderation, a: Assessment) -> Comparison:
    original = dict(session.execute(select(col(Rating.standard_id), col(Rating.grade)).where(
        col(Rating.assessment_id) == a.id)).all())
    moderated: dict[str, str] = json.loads(m.ratings)
    pairs = tuple(StandardPair(s.id, s.title, original.get(s.id), moderated.get(s.id))
                  for s in fw.standards())
    graded = [(fw.scale.rank(p.original), fw.scale.rank(p.moderated)) for p in pairs
              if p.original in fw.scale.codes and p.moderated in fw.scale.codes]
    case = session.get(Case, a.case_id) if a.case_id else None
    return Comparison(m.id, a.id, case.reference if case else "", pairs, a.overall_grade,
                      m.overall_grade,
                      agreement([x for x, _ in graded], [y for _, y in graded],
                                len(fw.scale.grades)),
                      m.outcome, m.notes)


def compare(store: Store, actor: Actor, moderation_id: uuid.UUID) -> Comparison:
    """Original and moderated grades side by side: only once the moderation is submitted."""
    with store.reading() as session:
        m, a = _load(session, moderation_id)
        check(actor, Action.MODERATE, _target(a))
        if m.submitted_at is None:
            raise PermissionDenied("The original grades stay hidden until the moderator "
                                   "submits their own.")
        return _compare(session, get_framework(store, a.framework_version_id), m, a)


def record_outcome(store: Store, actor: Actor, moderation_id: uuid.UUID, outcome: Outcome,
                   notes: str) -> None:
    """Confirmed or changed (with a note saying what and why); an audit held 'In
    moderation' goes back to the supervisor to finalise."""
    notes = notes.strip()
    if outcome is Outcome.CHANGED and not notes:
        raise InvalidInput("Say in the note what changes and why.")
    with store.unit_of_work() as session:
        m, a = _load(session, moderation_id)
        _own(actor, m, a)
        if m.submitted_at is None:
            raise InvalidInput("Submit your own grades before recording the outcome.")
        if m.outcome:
            raise ReadOnly("The outcome of this moderation is already recorded.")
        m.outcome, m.notes, m.decided_at = outcome.value, notes, utcnow()
        if Status(a.status) is Status.FINALISED:
            # A finalised record is read-only: the outcome goes on it as an addendum, which
            # its supervisor and practitioner read with it.
            session.add(Addendum(assessment_id=a.id, author_id=actor.user_id,
                                 text=f"Moderation: {outcome.label.lower()}."
                                 + (f" {notes}" if notes else "")))
        if Status(a.status) is Status.MODERATION:
            a.status = transition(Step.COMPLETE_MODERATION, Status.MODERATION,
                                  actor.role).value
            a.updated_at = utcnow()
            audit_log.record(session, actor, Step.COMPLETE_MODERATION.value, "assessment", a.id)
        audit_log.record(session, actor, f"moderation_{outcome.value}", "moderation", m.id)


# -- agreement across moderations ------------------------------------------------------------
@dataclass(frozen=True)
class AgreementRow:
    framework_title: str
    what: str
    """A standard's title, "All standards" or "Overall judgement"."""
    agreement: Agreement


@dataclass(frozen=True)
class Disagreement:
    case_reference: str
    framework_title: str
    standard: str
    original: str
    moderated: str


@dataclass(frozen=True)
class AgreementReport:
    moderations: int
    rows: tuple[AgreementRow, ...]
    disagreements: tuple[Disagreement, ...]


ALL_STANDARDS = "All standards"
OVERALL = "Overall judgement"


def agreement_report(store: Store, actor: Actor, *, date_from: dt.date | None = None,
                     date_to: dt.date | None = None) -> AgreementReport:
    """Exact, within-one and quadratic-weighted kappa per standard, over all standards and
    for the overall judgement, from submitted moderations in the actor's region."""
    check(actor, Action.MODERATE)
    conds = [_scope(actor), col(Moderation.submitted_at).is_not(None)]
    if date_from:
        conds.append(col(Assessment.assessed_on) >= date_from)
    if date_to:
        conds.append(col(Assessment.assessed_on) <= date_to)
    with store.reading() as session:
        rows = session.execute(
            select(Moderation, Assessment, col(FrameworkVersion.framework_id),
                   col(Case.reference))
            .join(Assessment, col(Assessment.id) == col(Moderation.assessment_id))
            .join(FrameworkVersion,
                  col(FrameworkVersion.id) == col(Assessment.framework_version_id))
            .join(Case, col(Case.id) == col(Assessment.case_id), isouter=True)
            .where(and_(*conds))
            .order_by(col(FrameworkVersion.framework_id), col(Assessment.assessed_on),
                      col(Moderation.id))).all()
        originals: dict[uuid.UUID, dict[str, str | None]] = defaultdict(dict)
        ids = [a.id for _, a, _, _ in rows]
        for aid, sid, grade in session.execute(select(
                col(Rating.assessment_id), col(Rating.standard_id), col(Rating.grade))
                .where(col(Rating.assessment_id).in_(ids))):
            originals[aid][sid] = grade
    out: list[AgreementRow] = []
    disagreements: list[Disagreement] = []
    by_framework: dict[str, list[tuple[Moderation, Assessment, str]]] = defaultdict(list)
    for m, a, framework_id, ref in rows:
        by_framework[framework_id].append((m, a, ref or ""))
    for framework_id in sorted(by_framework):
        items = by_framework[framework_id]
        newest = get_framework(store, items[-1][1].framework_version_id)
        k = len(newest.scale.grades)
        per_standard: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        overall: tuple[list[int], list[int]] = ([], [])
        for m, a, ref in items:
            fw = get_framework(store, a.framework_version_id)
            mine: dict[str, str] = json.loads(m.ratings)
            for s in fw.standards():
                o, g = originals[a.id].get(s.id), mine.get(s.id)
                if o in fw.scale.codes and g in fw.scale.codes:
                    assert o is not None and g is not None
                    per_standard[s.id][0].append(fw.scale.rank(o))
                    per_standard[s.id][1].append(fw.scale.rank(g))
                if o != g and (o or g):
                    disagreements.append(Disagreement(ref, fw.title, s.title, o or "",
                                                      g or ""))
            if a.overall_grade in fw.scale.codes and m.overall_grade in fw.scale.codes:
                assert a.overall_grade is not None and m.overall_grade is not None
                overall[0].append(fw.scale.rank(a.overall_grade))
                overall[1].append(fw.scale.rank(m.overall_grade))
        pooled: tuple[list[int], list[int]] = ([], [])
        for s in newest.standards():
            first, second = per_standard.get(s.id, ([], []))
            pooled[0].extend(first)
            pooled[1].extend(second)
            out.append(AgreementRow(newest.title, s.title, agreement(first, second, k)))
        out.append(AgreementRow(newest.title, ALL_STANDARDS, agreement(*pooled, k)))
        out.append(AgreementRow(newest.title, OVERALL, agreement(*overall, k)))
    return AgreementReport(len(rows), tuple(out), tuple(disagreements))


def agreement_table(report: AgreementReport) -> tuple[list[str], list[tuple[object, ...]]]:
    """The report as rows for CSV/XLSX."""
    header = ["framework", "standard", "pairs", "exact", "exact_share", "within_one",
              "within_one_share", "kappa_quadratic"]

    def share(v: float | None) -> object:
        return "" if v is None else round(v, 4)

    rows: list[tuple[object, ...]] = [
        (r.framework_title, r.what, r.agreement.pairs, r.agreement.exact,
         share(r.agreement.exact_share), r.agreement.within_one,
         share(r.agreement.within_one_share), share(r.agreement.kappa))
        for r in report.rows]
    return header, rows
