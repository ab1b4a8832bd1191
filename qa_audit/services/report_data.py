"""Plain report data from the database, with permission checks and the export recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from qa_audit.domain.disclosure import THRESHOLD, is_small, protect_row
from qa_audit.domain.framework import NOT_APPLICABLE, Framework, OverallMethod
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.scoring import overall_wording
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.domain.workflow import Status
from qa_audit.errors import NotFound, UserError
from qa_audit.reports.model import (
    ActionEntry,
    AddendumEntry,
    AssessmentReport,
    GradeBand,
    Profile,
    StandardEntry,
    TeamContext,
)
from qa_audit.store.database import Store
from qa_audit.store.tables import Assessment, Moderation, OrgUnit, ResponseReply, User

from . import audit_log
from .assessments import target_of
from .blinding import blind_ids, blinded, not_blind
from .frameworks import get_framework
from .pseudonyms import (
    PRACTITIONER,
    SOMEONE,
    SUPERVISOR,
    Pseudonym,
    Scrubber,
    pseudonymiser,
    role_names,
    scrubber,
)
from .read_models import ActionInfo, AssessmentDetail, details_of

__all__ = ["AGREEMENT", "DEFAULT_MARKING", "Pseudonym", "action_entry", "assessment_report",
           "pseudonymiser"]
SMALLEST_COUNT = THRESHOLD  # counts under this are withheld: too few to read, and identifying

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
AGREEMENT = {"agree": "Agrees", "partly": "Partly agrees", "disagree": "Disagrees"}


def status_note(status: Status) -> str:
    """What the top of every page says about where the assessment stands."""
    return {
        Status.DRAFT: "DRAFT",
        Status.RETURNED: "DRAFT (returned for changes)",
        Status.SUBMITTED: "Awaiting practitioner response",
        Status.RESPONDED: "Awaiting the supervisor's sign-off",
        Status.MODERATION: "In moderation",
        Status.FINALISED: "",
    }[status]


@dataclass
class BatchMemo:
    """What the documents of one batch share: framework snapshots (immutable) and the
    team context of a team, framework and quarter, each read once."""

    frameworks: dict[uuid.UUID, Framework] = field(default_factory=dict)
    team_contexts: dict[tuple[object, ...], TeamContext] = field(default_factory=dict)


def assessment_report(
    store: Store, actor: Actor, assessment_id: uuid.UUID, profile: Profile,
    marking: str = DEFAULT_MARKING, *, scrub: Scrubber | None = None,
    memo: BatchMemo | None = None,
) -> AssessmentReport:
    """The summary of one assessment as `profile` may read it, its export recorded. A
    pseudonymised copy's free text goes through `scrub` (made here when not given)."""
    memo = memo or BatchMemo()
    # One unit of work: the permission checks, everything printed, and the export in the
    # audit log.
    with store.unit_of_work() as session:
        found = _read(session, store, actor, [assessment_id], profile, memo)[assessment_id]
        if isinstance(found, UserError):
            raise found
        audit_log.record(session, actor, f"export_pdf_{profile.value}", "assessment",
                         assessment_id)
    return _report(store, actor, found, profile, marking, scrub)


def assessment_reports(
    store: Store, actor: Actor, ids: Sequence[uuid.UUID], profile: Profile,
    marking: str = DEFAULT_MARKING, *, scrub: Scrubber | None = None,
    memo: BatchMemo | None = None,
) -> dict[uuid.UUID, AssessmentReport | UserError]:
    """Several summaries read together in a few queries (a batch export), each the report
    or why the actor cannot have it. Reading only: the caller records each export it
    makes (`record_exports`), before it hands the document over."""
    memo = memo or BatchMemo()
    with store.reading() as session:
        found = _read(session, store, actor, ids, profile, memo)
    return {aid: f if isinstance(f, UserError) else _report(store, actor, f, profile, marking,
                                                           scrub)
            for aid, f in found.items()}


def record_exports(store: Store, actor: Actor, ids: Sequence[uuid.UUID], profile: Profile
                   ) -> None:
    """The export of each of these assessments in the audit log, in one unit of work."""
    if not ids:
        return
    with store.unit_of_work() as session:
        for aid in ids:
            audit_log.record(session, actor, f"export_pdf_{profile.value}", "assessment", aid)


@dataclass(frozen=True)
class _Read:
    """What one summary prints, as read from the database."""

    detail: AssessmentDetail
    framework: Framework
    reply: ResponseReply | None
    reply_by: str
    moderation: str
    context: TeamContext | None


def _read(session: Session, store: Store, actor: Actor, ids: Sequence[uuid.UUID],
          profile: Profile, memo: BatchMemo) -> dict[uuid.UUID, _Read | UserError]:
    """The assessments `ids` with the permission checks, in one query per kind of part."""
    found = {r.id: r for r in session.scalars(select(Assessment).where(
        col(Assessment.id).in_(list(ids))))} if ids else {}
    out: dict[uuid.UUID, _Read | UserError] = {}
    rows: list[Assessment] = []
    for aid in ids:
        row = found.get(aid)
        try:
            if row is None:
                raise NotFound("That assessment does not exist.")
            check(actor, Action.VIEW_ASSESSMENT, target_of(row))
            check(actor, Action.EXPORT_ASSESSMENT, target_of(row))
        except UserError as exc:
            out[aid] = exc
            continue
        rows.append(row)
    blind = blind_ids(session, actor, [r.id for r in rows])
    replies = {r.assessment_id: r for r in session.scalars(select(ResponseReply).where(
        col(ResponseReply.assessment_id).in_([r.id for r in rows])))} if rows else {}
    authors: dict[uuid.UUID, str] = {u: n for u, n in session.execute(select(
        col(User.id), col(User.display_name)).where(col(User.id).in_(
            {r.author_id for r in replies.values()})))} if replies else {}
    # (on a finalised audit the outcome is the moderator's addendum, printed there)
    moderations = _moderations(session, [r.id for r in rows
                                         if Status(r.status) is not Status.FINALISED])
    for row, d in zip(rows, details_of(session, rows), strict=True):
        if row.id in blind:  # a moderator's own copy before they decide
            d = blinded(d)
        fw = memo.frameworks.get(d.framework_version_id) or get_framework(
            store, d.framework_version_id)
        memo.frameworks[d.framework_version_id] = fw
        context = None
        if profile is Profile.MANAGER and row.team_id is not None and row.id not in blind:
            key = (row.team_id, row.framework_version_id, quarter_of(row.assessed_on)[2])
            context = memo.team_contexts.get(key) or _team_context(session, row, fw, actor)
            memo.team_contexts[key] = context
        reply = replies.get(row.id)
        out[row.id] = _Read(d, fw, reply, authors.get(reply.author_id, "") if reply else "",
                            moderations.get(row.id, ""), context)
    return {aid: out[aid] for aid in ids}


def _report(store: Store, actor: Actor, found: _Read, profile: Profile, marking: str,
            scrub: Scrubber | None) -> AssessmentReport:
    d, fw, reply, context = found.detail, found.framework, found.reply, found.context
    hide = profile is Profile.PSEUDONYMISED
    alias: Pseudonym = pseudonymiser(store) if hide else str
    if hide and scrub is None:
        scrub = scrubber(store, alias)
    roles = role_names(d.subject_id, d.author_id)

    def free(value: str) -> str:
        return scrub.scrub(value, roles) if hide and scrub is not None else value

    practitioner = PRACTITIONER if hide else d.subject_name
    supervisor = SUPERVISOR if hide else d.author_name

    # The practitioner's reflection is theirs until they sign it: others see it signed only.
    response = d.response if d.response and (
        d.response.signed_at or actor.user_id == d.subject_id) else None
    comments = response.comments if response else {}
    standards = []
    for area in fw.areas:
        for s in area.standards:
            r = d.ratings.get(s.id)
            code = r.grade if r else None
            grade = fw.scale.grade(code) if code and code != NOT_APPLICABLE else None
            standards.append(StandardEntry(
                area.title, s.title, code, _label(fw, code), grade.score if grade else None,
                r.indicators if r else (), free(r.evidence) if r else "",
                free(r.commentary) if r else "", free(comments.get(s.id, "").strip())))
    titles = {s.id: s.title for s in fw.standards()}
    today = dt.date.today()
    actions = tuple(action_entry(a, titles, today, hide, d.subject_id, free)
                    for a in d.actions if a.status != "cancelled")
    answers = tuple((f.label, free(_answer(d.context.get(f.id)))) for f in fw.context_fields)
    return AssessmentReport(
        title="Reflective supervision summary", profile=profile, marking=marking,
        draft=d.status in (Status.DRAFT, Status.RETURNED), kind=d.kind.label,
        status=d.status.label, practitioner=practitioner, supervisor=supervisor,
        assessed_on=d.assessed_on, case_reference=alias(d.case_reference),
        case_type=CASE_TYPES[d.case_type].label if d.case_type in CASE_TYPES else "",
        law_type=d.law_type, framework=f"{fw.title} {fw.version}",
        framework_hash=d.framework_sha256[:12],
        scale=tuple(GradeBand(g.code, g.label, g.score, g.colour) for g in fw.scale.grades),
        overall=_overall(fw, d), standards=tuple(standards), context=answers,
        childs_voice=free(d.childs_voice), impact_of_delay=free(d.impact_of_delay),
        strengths=free(d.strengths), areas_for_development=free(d.areas_for_development),
        actions=actions, reflection=free(response.reflection) if response else "",
        agreement=AGREEMENT.get(
            response.agreement or "", "") if response and response.signed_at else "",
        reasons=free(response.reasons) if response else "",
        practitioner_signed=response.signed_at if response else None,
        supervisor_signed=d.finalised_at,
        addenda=tuple(AddendumEntry(_addendum_author(a.author_name, d, hide), a.created_at,
                                    free(a.text)) for a in d.addenda),
        note=status_note(d.status),
        reply=free(reply.text) if reply else "", reply_at=reply.written_at if reply else None,
        reply_by=(SUPERVISOR if hide else found.reply_by) if reply else "",
        moderation=free(found.moderation), team_context=context, scanned=hide,
    )


def _label(fw: Framework, code: str | None) -> str:
    if code is None:
        return "Not graded"
    return fw.scale.words(code)


def _overall(fw: Framework, d: AssessmentDetail) -> str:
    """The overall judgement; while the author may still change grades, it is provisional,
    and with standards still ungraded there is none yet."""
    wording = overall_wording(fw, d.overall_grade)
    if not d.status.editable or fw.overall.method is OverallMethod.NONE:
        return wording
    missing = sum(1 for s in fw.standards()
                  if (r := d.ratings.get(s.id)) is None or r.grade is None)
    if missing:
        return (f"Not settled: {missing} standard{'s' if missing != 1 else ''} not graded "
                "yet")
    return f"{wording} (provisional: the assessment is still a draft)"


def _addendum_author(name: str, d: AssessmentDetail, hide: bool) -> str:
    if not hide:
        return name or "—"
    if name == d.author_name:
        return SUPERVISOR
    return PRACTITIONER if name == d.subject_name else SOMEONE


def _moderations(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each assessment's latest moderation outcome and notes, when one has an outcome."""
    if not ids:
        return {}
    out: dict[uuid.UUID, str] = {}
    for outcome in session.scalars(select(Moderation).where(
            col(Moderation.assessment_id).in_(ids), col(Moderation.outcome) != "",
            col(Moderation.submitted_at).is_not(None))
            .order_by(col(Moderation.created_at).desc())):
        if outcome.assessment_id in out:
            continue
        words = outcome.outcome.replace("_", " ").capitalize()
        agreement = (f" Agreement with the moderator's grades: "
                     f"{round(100 * outcome.agreement)}%."
                     if outcome.agreement is not None else "")
        notes = f" {outcome.notes.strip()}" if outcome.notes.strip() else ""
        out[outcome.assessment_id] = f"{words} ({outcome.created_at:%d %b %Y}).{agreement}{notes}"
    return out


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date, str]:
    q = (day.month - 1) // 3
    first = dt.date(day.year, q * 3 + 1, 1)
    last = (dt.date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - dt.timedelta(days=1))
    return first, last, f"Q{q + 1} {day.year}"


def _team_context(session: Session, row: Assessment, fw: Framework, actor: Actor
                  ) -> TeamContext:
    """Overall judgements of the team's submitted assessments against the same framework
    in the same quarter, as domain/disclosure.py lets them be shown."""
    first, last, label = quarter_of(row.assessed_on)
    counts: Counter[str] = Counter({code: int(n) for code, n in session.execute(
        select(col(Assessment.overall_grade), func.count()).where(
            col(Assessment.team_id) == row.team_id,
            col(Assessment.framework_version_id) == row.framework_version_id,
            col(Assessment.status) != Status.DRAFT.value,
            col(Assessment.assessed_on) >= first, col(Assessment.assessed_on) <= last,
            col(Assessment.overall_grade).is_not(None), not_blind(actor))
        .group_by(col(Assessment.overall_grade)))})
    team = session.get(OrgUnit, row.team_id)
    # The grades are one row of counts with its total (domain/disclosure.py); every grade
    # is listed, zeros too, since leaving a 0 out would say it is 0 when the rule hides it.
    shown = protect_row([counts[g.code] for g in fw.scale.grades])
    if not shown.total:
        return TeamContext(team.name if team else "", label, (), 0)
    return TeamContext(
        team.name if team else "", label,
        tuple((f"{g.label} ({g.code})", shown.value(i))
              for i, g in enumerate(fw.scale.grades)),
        shown.total if shown.total_shown or is_small(shown.total) else None)


def action_entry(a: ActionInfo, titles: Mapping[str, str], today: dt.date, hide: bool,
                 practitioner_id: uuid.UUID | None,
                 free: Callable[[str], str] | None = None) -> ActionEntry:
    """An action as the PDFs print it; a pseudonymised copy names no one but "the
    practitioner" (and `free` scrubs its text)."""
    if hide:
        owner = PRACTITIONER if a.owner_id == practitioner_id else (
            SOMEONE if a.owner_id else "—")
    else:
        owner = a.owner_name or "—"
    text = free(a.text) if free is not None else a.text
    # (a standard of an assessment no longer discussed in the session is named by its id)
    standard = titles.get(a.standard_id, a.standard_id) if a.standard_id else "—"
    return ActionEntry(text, standard, owner, a.due_on,
                       a.state(today), a.completed_on if a.status == "done" else None)


def _answer(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # stored before answers were checked by type
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
