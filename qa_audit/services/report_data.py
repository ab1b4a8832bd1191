"""Plain report data from the database, with permission checks and the export recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from qa_audit.domain.disclosure import THRESHOLD, is_small, protect_row
from qa_audit.domain.framework import NOT_APPLICABLE, Framework, OverallMethod
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.scoring import overall_wording
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.domain.workflow import Status
from qa_audit.errors import NotFound
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
from .blinding import blinded, is_blind, not_blind
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
from .read_models import ActionInfo, AssessmentDetail, detail_of

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
    """The summary of one assessment as `profile` may read it. A pseudonymised copy's free
    text goes through `scrub` (made here when not given: a batch passes one for all, and a
    `memo` of what its documents share)."""
    memo = memo or BatchMemo()
    hide = profile is Profile.PSEUDONYMISED
    # One unit of work: the permission checks, everything printed, and the export in the
    # audit log (a batch makes hundreds of these).
    with store.unit_of_work() as session:
        row = session.get(Assessment, assessment_id)
        if row is None:
            raise NotFound("That assessment does not exist.")
        check(actor, Action.VIEW_ASSESSMENT, target_of(row))
        check(actor, Action.EXPORT_ASSESSMENT, target_of(row))
        d = detail_of(session, row)
        blind = is_blind(session, actor, row.id)
        if blind:  # a moderator's own copy before they decide
            d = blinded(d)
        fw = memo.frameworks.get(d.framework_version_id) or get_framework(
            store, d.framework_version_id)  # (read before any write)
        memo.frameworks[d.framework_version_id] = fw
        reply = session.get(ResponseReply, assessment_id)
        reply_by = session.get(User, reply.author_id) if reply else None
        # (on a finalised audit the outcome is the moderator's addendum, printed there)
        moderation = "" if Status(row.status) is Status.FINALISED else _moderation(
            session, assessment_id)
        context = None
        if profile is Profile.MANAGER and row.team_id is not None and not blind:
            key = (row.team_id, row.framework_version_id, quarter_of(row.assessed_on)[2])
            context = memo.team_contexts.get(key) or _team_context(session, row, fw, actor)
            memo.team_contexts[key] = context
        audit_log.record(session, actor, f"export_pdf_{profile.value}", "assessment",
                         assessment_id)
    alias: Pseudonym = pseudonymiser(store) if hide else str
    if hide and scrub is None:
        scrub = scrubber(store, alias)
    roles = role_names(d.subject_id, d.author_id)

    def free(value: str) -> str:
        return scrub.scrub(value, roles) if hide and scrub is not None else value

    practitioner = PRACTITIONER if hide else d.subject_name
    supervisor = SUPERVISOR if hide else d.author_name

    standards = []
    for area in fw.areas:
        for s in area.standards:
            r = d.ratings.get(s.id)
            code = r.grade if r else None
            grade = fw.scale.grade(code) if code and code != NOT_APPLICABLE else None
            standards.append(StandardEntry(
                area.title, s.title, code, _label(fw, code), grade.score if grade else None,
                r.indicators if r else (), free(r.evidence) if r else "",
                free(r.commentary) if r else ""))
    titles = {s.id: s.title for s in fw.standards()}
    today = dt.date.today()
    actions = tuple(action_entry(a, titles, today, hide, d.subject_id, free)
                    for a in d.actions if a.status != "cancelled")
    answers = tuple((f.label, free(_answer(d.context.get(f.id)))) for f in fw.context_fields)
    # The practitioner's reflection is theirs until they sign it: others see it signed only.
    response = d.response if d.response and (
        d.response.signed_at or actor.user_id == d.subject_id) else None
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
        reply_by=(SUPERVISOR if hide else reply_by.display_name) if reply_by else "",
        moderation=free(moderation), team_context=context, scanned=hide,
    )


def _label(fw: Framework, code: str | None) -> str:
    if code is None:
        return "Not graded"
    if code == NOT_APPLICABLE:
        return fw.scale.not_applicable.label
    grade = fw.scale.grade(code)
    return f"{grade.label} ({grade.code})" if grade else code


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


def _moderation(session: Session, assessment_id: uuid.UUID) -> str:
    """The latest moderation's outcome and notes, when a moderation has an outcome."""
    outcome = session.scalars(select(Moderation).where(
        col(Moderation.assessment_id) == assessment_id, col(Moderation.outcome) != "",
        col(Moderation.submitted_at).is_not(None))
        .order_by(col(Moderation.created_at).desc())).first()
    if outcome is None:
        return ""
    words = outcome.outcome.replace("_", " ").capitalize()
    agreement = (f" Agreement with the moderator's grades: {round(100 * outcome.agreement)}%."
                 if outcome.agreement is not None else "")
    notes = f" {outcome.notes.strip()}" if outcome.notes.strip() else ""
    return f"{words} ({outcome.created_at:%d %b %Y}).{agreement}{notes}"


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
    return ActionEntry(text, titles.get(a.standard_id or "", "—"), owner, a.due_on,
                       a.state(today), a.completed_on if a.status == "done" else None)


def _answer(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # stored before answers were checked by type
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
