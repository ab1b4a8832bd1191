"""Report data for the session record, the practitioner period summary and the team summary
(permission-checked, pseudonymised on request, the export recorded in the audit log)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, Target, check
from qa_audit.domain.records import ActionStatus, OrgUnitKind
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, NotFound
from qa_audit.reports.model import (
    ActionCounts,
    ActionEntry,
    DiscussedAssessment,
    FrameworkSection,
    GradeBand,
    PeriodReport,
    Profile,
    ReflectionEntry,
    SessionEntry,
    SessionReport,
    StandardTally,
    TeamReport,
    TimePoint,
)
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, actions_visible, sessions_visible, visible
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Case,
    OrgUnit,
    Rating,
    Response,
    SupervisionSession,
    User,
)

from . import audit_log
from .blinding import not_blind
from .frameworks import get_framework
from .pseudonyms import PRACTITIONER, SUPERVISOR, Scrubber, role_names, scrubber
from .read_models import ActionInfo, actions_of
from .report_data import AGREEMENT, DEFAULT_MARKING, Pseudonym, action_entry, pseudonymiser
from .supervision import STAGE_LABELS, STAGES, get_session
from .themes import quarter_expression

SUBMITTED = tuple(s.value for s in Status if s is not Status.DRAFT)


class _Frameworks:
    """Framework snapshots by version id (from the one cache in `frameworks`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __call__(self, version_id: uuid.UUID) -> Framework:
        return get_framework(self._store, version_id)


def grade_words(fw: Framework, code: str | None) -> str:
    if not code:
        return "Not graded"
    return fw.scale.words(code)


def _bands(fw: Framework) -> tuple[GradeBand, ...]:
    return tuple(GradeBand(g.code, g.label, g.score, g.colour) for g in fw.scale.grades)


def count_actions(actions: Iterable[ActionInfo], today: dt.date) -> ActionCounts:
    live = [a for a in actions if a.status is not ActionStatus.CANCELLED]
    done = [a for a in live if a.status is ActionStatus.DONE]
    on_time = [a for a in done if a.due_on is None or (a.completed_on or today) <= a.due_on]
    return ActionCounts(total=len(live), done=len(done), done_on_time=len(on_time),
                        open=len(live) - len(done), overdue=sum(a.overdue(today) for a in live))


def _discussed(session: Session, frameworks: _Frameworks, rows: Sequence[Assessment],
               hide: Pseudonym | None, with_grades: bool) -> tuple[DiscussedAssessment, ...]:
    refs = dict(session.execute(select(col(Case.id), col(Case.reference)).where(
        col(Case.id).in_({r.case_id for r in rows if r.case_id}))).all())
    grades: dict[uuid.UUID, dict[str, str | None]] = defaultdict(dict)
    if with_grades and rows:
        for aid, sid, grade in session.execute(select(
                col(Rating.assessment_id), col(Rating.standard_id), col(Rating.grade)).where(
                col(Rating.assessment_id).in_([r.id for r in rows]))):
            grades[aid][sid] = grade
    out = []
    for r in rows:
        fw = frameworks(r.framework_version_id)
        ref = refs.get(r.case_id, "") if r.case_id else ""
        given = grades.get(r.id, {})
        out.append(DiscussedAssessment(
            r.assessed_on, hide(ref) if hide else ref, AssessmentKind(r.kind).label,
            f"{fw.title} {fw.version}", Status(r.status).label, grade_words(fw, r.overall_grade),
            tuple((s.title, grade_words(fw, given[s.id])) for s in fw.standards()
                  if given.get(s.id))))
    return tuple(out)


def _free_text(store: Store, hide: bool, alias: Pseudonym | None,
               roles: dict[uuid.UUID, str]) -> tuple[Scrubber | None, Callable[[str], str]]:
    """The scrubber of a pseudonymised copy (None otherwise) and the function that passes
    free text through it."""
    if not hide:
        return None, str
    scrub = scrubber(store, alias)
    return scrub, lambda value: scrub.scrub(value, roles)


def session_report(store: Store, actor: Actor, session_id: uuid.UUID, profile: Profile,
                   marking: str = DEFAULT_MARKING) -> SessionReport:
    """The session record: four-stage notes, assessments discussed with their grades, the
    prompts used, actions agreed, both signatures."""
    detail = get_session(store, actor, session_id)
    hide = profile is Profile.PSEUDONYMISED
    alias = pseudonymiser(store) if hide else None
    _, free = _free_text(store, hide, alias, role_names(detail.fca_id, detail.supervisor_id))
    frameworks = _Frameworks(store)
    today = dt.date.today()
    with store.unit_of_work() as session:
        rows = [session.get(Assessment, a.id) for a in detail.assessments]
        discussed = _discussed(session, frameworks, [r for r in rows if r], alias, True)
        titles = _standard_titles(frameworks, [r for r in rows if r])
        audit_log.record(session, actor, f"export_pdf_{profile.value}", "supervision_session",
                         session_id)
    signed = bool(detail.supervisor_signed_at and detail.fca_signed_at)
    return SessionReport(
        profile=profile, marking=marking, draft=not signed,
        held_on=detail.held_on,
        supervisor=SUPERVISOR if hide else detail.supervisor_name,
        practitioner=PRACTITIONER if hide else detail.fca_name,
        notes=tuple((STAGE_LABELS[s], free(detail.notes.get(s, ""))) for s in STAGES),
        practitioner_reflection=free(detail.fca_reflection), assessments=discussed,
        prompts=detail.prompts,
        actions=tuple(action_entry(a, titles, today, hide, detail.fca_id, free)
                      for a in detail.actions if a.status != "cancelled"),
        supervisor_signed=detail.supervisor_signed_at, practitioner_signed=detail.fca_signed_at,
        prepared_by="" if hide else actor.display_name,
        note="" if signed else "DRAFT (not yet signed by both)", scanned=hide)


def _standard_titles(frameworks: _Frameworks, rows: Sequence[Assessment]) -> dict[str, str]:
    """Standard id -> title over the frameworks of `rows` (an action names its standard)."""
    titles: dict[str, str] = {}
    for version_id in dict.fromkeys(r.framework_version_id for r in rows):
        titles.update({s.id: s.title for s in frameworks(version_id).standards()})
    return titles


def _check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        raise InvalidInput("The period ends before it starts: check the dates.")


def _tallies(fw: Framework, counts: Counter[tuple[str, str]]) -> tuple[StandardTally, ...]:
    """One tally per standard of the framework, grade counts in scale order."""
    return tuple(
        StandardTally(area.title, s.title,
                      tuple((g.code, counts[(s.id, g.code)]) for g in fw.scale.grades),
                      counts[(s.id, NOT_APPLICABLE)])
        for area in fw.areas for s in area.standards)


def _recurring(items: Counter[str], graded: Counter[str], single: bool
               ) -> tuple[tuple[str, int, int], ...]:
    """Standards seen at least twice (once, if the period holds one assessment)."""
    least = 1 if single else 2
    ranked = sorted(((t, n, graded[t]) for t, n in items.items() if n >= least),
                    key=lambda x: (-x[1], x[0]))
    return tuple(ranked[:10])


def period_report(store: Store, actor: Actor, practitioner_id: uuid.UUID, date_from: dt.date,
                  date_to: dt.date, profile: Profile, marking: str = DEFAULT_MARKING
                  ) -> PeriodReport:
    """One practitioner's submitted assessments in a period, as a reflective cycle."""
    _check_period(date_from, date_to)
    hide = profile is Profile.PSEUDONYMISED
    alias = pseudonymiser(store) if hide else None
    frameworks = _Frameworks(store)
    today = dt.date.today()
    with store.unit_of_work() as session:
        fca = session.get(User, practitioner_id)
        if fca is None:
            raise NotFound("That practitioner is not in this database.")
        team = session.get(OrgUnit, fca.team_id) if fca.team_id else None
        check(actor, Action.EXPORT_ASSESSMENT, Target(
            team_id=fca.team_id, region_id=team.region_id if team else None,
            subject_id=fca.id))
        rows = list(session.scalars(select(Assessment).where(
            visible(actor, Action.VIEW_ASSESSMENT, Kind.ASSESSMENT),
            col(Assessment.subject_id) == fca.id, col(Assessment.status).in_(SUBMITTED),
            not_blind(actor),
            col(Assessment.assessed_on) >= date_from, col(Assessment.assessed_on) <= date_to,
        ).order_by(col(Assessment.assessed_on), col(Assessment.id))))
        ids = [r.id for r in rows]
        discussed = _discussed(session, frameworks, rows, alias, False)
        ratings = session.execute(select(col(Rating.assessment_id), col(Rating.standard_id),
                                         col(Rating.grade)).where(
            col(Rating.assessment_id).in_(ids), col(Rating.grade).is_not(None))).all()
        responses = {r.assessment_id: r for r in session.scalars(select(Response).where(
            col(Response.assessment_id).in_(ids)))}
        sessions = select(col(SupervisionSession.id)).where(
            col(SupervisionSession.fca_id) == fca.id,
            col(SupervisionSession.held_on) >= date_from,
            col(SupervisionSession.held_on) <= date_to)
        actions = actions_of(session, col(ActionItem.owner_id) == fca.id, actions_visible(actor),
                             or_(col(ActionItem.assessment_id).in_(ids),
                                 col(ActionItem.session_id).in_(sessions)))
        held = list(session.scalars(select(SupervisionSession).where(
            col(SupervisionSession.id).in_(sessions),
            col(SupervisionSession.id).in_(sessions_visible(actor))).order_by(
            col(SupervisionSession.held_on), col(SupervisionSession.id))))
        supervisors = dict(session.execute(select(col(User.id), col(User.display_name)).where(
            col(User.id).in_({h.supervisor_id for h in held}))).all())
        audit_log.record(session, actor, f"export_period_pdf_{profile.value}", "user", fca.id)
        fca_name, team_name = fca.display_name, team.name if team else ""

    roles = role_names(practitioner_id, None)
    for h in held:
        roles.setdefault(h.supervisor_id, SUPERVISOR)
    for r in rows:
        roles.setdefault(r.author_id, SUPERVISOR)
    _, free = _free_text(store, hide, alias, roles)
    version_of = {r.id: r.framework_version_id for r in rows}
    per_version: dict[uuid.UUID, Counter[tuple[str, str]]] = defaultdict(Counter)
    best: Counter[str] = Counter()
    low: Counter[str] = Counter()
    graded: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for aid, sid, grade in ratings:
        fw = frameworks(version_of[aid])
        per_version[version_of[aid]][(sid, grade)] += 1
        g = fw.scale.grade(grade) if grade != NOT_APPLICABLE else None
        if g is None or not fw.has_standard(sid):
            continue
        title = fw.standard(sid).title
        titles[sid] = title
        graded[title] += 1
        if g.code == fw.scale.grades[0].code:
            best[title] += 1
        elif len(fw.scale.grades) > 1 and g.score < fw.scale.grades[1].score:
            low[title] += 1
    sections = []
    for version_id in dict.fromkeys(version_of[r.id] for r in rows):
        fw = frameworks(version_id)
        points = tuple(TimePoint(r.assessed_on, r.overall_grade, g.score) for r in rows
                       if r.framework_version_id == version_id and r.overall_grade
                       and (g := fw.scale.grade(r.overall_grade)) is not None)
        sections.append(FrameworkSection(f"{fw.title} {fw.version}", _bands(fw),
                                         _tallies(fw, per_version[version_id]), points))
    case_of = {r.id: d.case_reference for r, d in zip(rows, discussed, strict=True)}
    reflections = tuple(
        ReflectionEntry(r.assessed_on, case_of[r.id],
                        AGREEMENT.get(resp.agreement, "") if resp.signed_at else "Not signed",
                        free(resp.reflection),
                        free(resp.reasons) if resp.signed_at and resp.agreement != "agree"
                        else "")
        for r in rows if (resp := responses.get(r.id)) is not None
        # a draft reflection is the practitioner's own until signed: only their copy shows it
        and (resp.signed_at or (actor.user_id == practitioner_id and resp.reflection.strip())))
    single = len(rows) == 1
    return PeriodReport(
        profile=profile, marking=marking,
        practitioner="The practitioner" if hide else fca_name, team=team_name,
        date_from=date_from, date_to=date_to, assessments=discussed,
        sections=tuple(sections), reflections=reflections,
        strengths=_recurring(best, graded, single), development=_recurring(low, graded, single),
        actions=tuple(action_entry(a, titles, today, hide, practitioner_id, free)
                      for a in actions if a.status != "cancelled"),
        action_counts=count_actions(actions, today),
        prepared_by="" if hide else actor.display_name,
        sessions=tuple(SessionEntry(
            h.held_on, SUPERVISOR if hide else supervisors.get(h.supervisor_id, ""),
            "Signed by both" if h.supervisor_signed_at and h.fca_signed_at
            else "Not signed by both",
            tuple(action_entry(a, titles, today, hide, practitioner_id, free) for a in actions
                  if a.session_id == h.id and a.status != "cancelled")) for h in held),
        scanned=hide)


def team_report(store: Store, actor: Actor, team_id: uuid.UUID, date_from: dt.date,
                date_to: dt.date, profile: Profile, marking: str = DEFAULT_MARKING
                ) -> TeamReport:
    """A team's grade distributions by standard, the trend of overall judgements by quarter
    and action completion, for assessments submitted in the period. Names no one."""
    _check_period(date_from, date_to)
    frameworks = _Frameworks(store)
    today = dt.date.today()
    in_period = and_(col(Assessment.team_id) == team_id,
                     visible(actor, Action.VIEW_THEMES, Kind.ASSESSMENT),
                     col(Assessment.assessed_on) >= date_from,
                     col(Assessment.assessed_on) <= date_to)
    submitted = and_(in_period, col(Assessment.status).in_(SUBMITTED), not_blind(actor))
    with store.unit_of_work() as session:
        team = session.get(OrgUnit, team_id)
        if team is None or team.kind != OrgUnitKind.TEAM:
            raise NotFound("That team is not in this database.")
        check(actor, Action.VIEW_THEMES, Target(team_id=team.id, region_id=team.region_id))
        region = session.get(OrgUnit, team.region_id) if team.region_id else None
        statuses = dict(session.execute(select(col(Assessment.status), func.count()).where(
            in_period).group_by(col(Assessment.status))).all())
        grades = session.execute(
            select(col(Assessment.framework_version_id), col(Rating.standard_id),
                   col(Rating.grade), func.count())
            .select_from(Rating).join(Assessment, col(Assessment.id) == col(Rating.assessment_id))
            .where(submitted, col(Rating.grade).is_not(None))
            .group_by(col(Assessment.framework_version_id), col(Rating.standard_id),
                      col(Rating.grade))).all()
        quarter = quarter_expression().label("quarter")
        overall = session.execute(
            select(col(Assessment.framework_version_id), quarter, col(Assessment.overall_grade),
                   func.count())
            .where(submitted, col(Assessment.overall_grade).is_not(None))
            .group_by(col(Assessment.framework_version_id), quarter,
                      col(Assessment.overall_grade))).all()
        assessment_ids = select(col(Assessment.id)).where(submitted)
        session_ids = select(col(SupervisionSession.id)).where(
            col(SupervisionSession.team_id) == team_id,
            col(SupervisionSession.held_on) >= date_from,
            col(SupervisionSession.held_on) <= date_to)
        actions = actions_of(session, or_(col(ActionItem.assessment_id).in_(assessment_ids),
                                          col(ActionItem.session_id).in_(session_ids)))
        audit_log.record(session, actor, f"export_team_pdf_{profile.value}", "org_unit",
                         team.id)
        team_name, region_name = team.name, region.name if region else ""

    counts: dict[uuid.UUID, Counter[tuple[str, str]]] = defaultdict(Counter)
    for version_id, sid, grade, n in grades:
        counts[version_id][(sid, grade)] += int(n)
    trends: dict[uuid.UUID, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for version_id, q, code, n in overall:
        trends[version_id][q][code] += int(n)
    sections = []
    low: Counter[str] = Counter()
    graded: Counter[str] = Counter()
    every_quarter = quarters_between(date_from, date_to)
    for version_id in sorted(set(counts) | set(trends), key=str):
        fw = frameworks(version_id)
        quarters = tuple((q, tuple((g.code, trends[version_id][q][g.code])
                                   for g in fw.scale.grades))
                         for q in sorted(set(every_quarter) | set(trends[version_id])))
        sections.append(FrameworkSection(f"{fw.title} {fw.version}", _bands(fw),
                                         _tallies(fw, counts[version_id]), (), quarters))
        second = fw.scale.grades[1].score if len(fw.scale.grades) > 1 else None
        for (sid, code), n in counts[version_id].items():
            grade = fw.scale.grade(code) if code != NOT_APPLICABLE else None
            if grade is None or not fw.has_standard(sid):
                continue
            title = fw.standard(sid).title
            graded[title] += n
            if second is not None and grade.score < second:
                low[title] += n
    sections.sort(key=lambda s: s.framework)
    overdue = overdue_entries(store, actions, today)
    order = [s.value for s in Status]
    return TeamReport(
        profile=profile, marking=marking, team=team_name, region=region_name,
        date_from=date_from, date_to=date_to,
        status_counts=tuple((Status(s).label, int(statuses[s])) for s in order
                            if s in statuses),
        sections=tuple(sections), action_counts=count_actions(actions, today),
        prepared_by="" if profile is Profile.PSEUDONYMISED else actor.display_name,
        development=tuple(sorted(((t, n, graded[t]) for t, n in low.items() if n),
                                 key=lambda x: (-x[1], x[0]))[:10]),
        overdue=overdue, scanned=True)


def overdue_entries(store: Store, actions: Iterable[ActionInfo], today: dt.date
                    ) -> tuple[ActionEntry, ...]:
    """A team summary's overdue actions, soonest due first. Action text is free text: a
    team summary names no one, whoever it is for, so it is scanned for names."""
    late = [a for a in actions if a.overdue(today)]
    if not late:
        return ()
    scrub = scrubber(store)
    return tuple(ActionEntry(scrub.scrub(a.text), "—", "—", a.due_on, a.state(today))
                 for a in sorted(late, key=lambda a: (a.due_on or dt.date.max, a.text)))


def quarters_between(date_from: dt.date, date_to: dt.date) -> list[str]:
    """Every calendar quarter the period touches, as '2025-Q3' (the themes' labels)."""
    out: list[str] = []
    index = date_from.year * 4 + (date_from.month - 1) // 3
    last = date_to.year * 4 + (date_to.month - 1) // 3
    while index <= last and len(out) < 400:
        year, q = divmod(index, 4)
        out.append(f"{year}-Q{q + 1}")
        index += 1
    return out
