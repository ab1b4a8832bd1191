"""Plain report data from the database, with permission checks and the export recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.permissions import Action, Actor, check
from qa_audit.domain.scoring import overall_wording
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.domain.workflow import Status
from qa_audit.reports.model import (
    ActionEntry,
    AssessmentReport,
    GradeBand,
    Profile,
    StandardEntry,
)
from qa_audit.store.database import Store
from qa_audit.store.tables import Setting

from . import audit_log
from .assessments import get_assessment, target_of
from .frameworks import get_framework
from .read_models import ActionInfo

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
AGREEMENT = {"agree": "Agrees", "partly": "Partly agrees", "disagree": "Disagrees"}


PSEUDONYM_KEY = "pseudonym_key"
Pseudonym = Callable[[str], str]


def pseudonymiser(store: Store) -> Pseudonym:
    """Stand-ins for case references that do not reveal them: a keyed hash (HMAC-SHA256)
    with a secret kept in this (encrypted) database. The same reference gets the same
    stand-in in every export from this database, so exports can be joined; without the
    secret, hashing every possible reference (they follow a pattern) finds nothing."""
    key = _pseudonym_key(store)

    def pseudonym(reference: str) -> str:
        if not reference:
            return ""
        digest = hmac.new(key, reference.encode("utf-8"), hashlib.sha256).hexdigest()
        return "REF-" + digest[:12].upper()

    return pseudonym


def _pseudonym_key(store: Store) -> bytes:
    with store.reading() as session:
        row = session.get(Setting, PSEUDONYM_KEY)
    if row is None:
        try:
            with store.unit_of_work() as session:
                session.add(Setting(key=PSEUDONYM_KEY, value=secrets.token_hex(32)))
        except IntegrityError:  # made at the same moment by another process: use theirs
            pass
        with store.reading() as session:
            row = session.get(Setting, PSEUDONYM_KEY)
    assert row is not None
    return bytes.fromhex(row.value)


def assessment_report(
    store: Store, actor: Actor, assessment_id: uuid.UUID, profile: Profile,
    marking: str = DEFAULT_MARKING,
) -> AssessmentReport:
    d = get_assessment(store, actor, assessment_id)
    with store.unit_of_work() as session:
        from qa_audit.store.tables import Assessment

        row = session.get(Assessment, assessment_id)
        assert row is not None
        check(actor, Action.EXPORT_ASSESSMENT, target_of(row))
        audit_log.record(session, actor, f"export_pdf_{profile.value}", "assessment",
                         assessment_id)
    fw = get_framework(store, d.framework_version_id)
    hide = profile is Profile.PSEUDONYMISED
    practitioner = "The practitioner" if hide else d.subject_name
    supervisor = "The supervisor" if hide else d.author_name

    def label(code: str | None) -> str:
        if code is None:
            return "Not graded"
        if code == NOT_APPLICABLE:
            return fw.scale.not_applicable.label
        grade = fw.scale.grade(code)
        return f"{grade.label} ({grade.code})" if grade else code

    standards = []
    for area in fw.areas:
        for s in area.standards:
            r = d.ratings.get(s.id)
            code = r.grade if r else None
            grade = fw.scale.grade(code) if code and code != NOT_APPLICABLE else None
            standards.append(StandardEntry(
                area.title, s.title, code, label(code), grade.score if grade else None,
                r.indicators if r else (), r.evidence if r else "", r.commentary if r else ""))
    titles = {s.id: s.title for s in fw.standards()}
    today = dt.date.today()
    actions = tuple(action_entry(a, titles, today, hide, d.subject_id) for a in d.actions)
    context = tuple((f.label, _answer(d.context.get(f.id))) for f in fw.context_fields)
    # The practitioner's reflection is theirs until they sign it: others see it signed only.
    response = d.response if d.response and (
        d.response.signed_at or actor.user_id == d.subject_id) else None
    return AssessmentReport(
        title="Reflective supervision summary", profile=profile, marking=marking,
        draft=d.status is not Status.FINALISED, kind=d.kind.label, status=d.status.label,
        practitioner=practitioner, supervisor=supervisor, assessed_on=d.assessed_on,
        case_reference=pseudonymiser(store)(d.case_reference) if hide else d.case_reference,
        case_type=CASE_TYPES[d.case_type].label if d.case_type in CASE_TYPES else "",
        law_type=d.law_type, framework=f"{fw.title} {fw.version}",
        framework_hash=d.framework_sha256[:12],
        scale=tuple(GradeBand(g.code, g.label, g.score, g.colour) for g in fw.scale.grades),
        overall=overall_wording(fw, d.overall_grade),
        standards=tuple(standards), context=context, childs_voice=d.childs_voice,
        impact_of_delay=d.impact_of_delay, strengths=d.strengths,
        areas_for_development=d.areas_for_development, actions=actions,
        reflection=response.reflection if response else "",
        agreement=AGREEMENT.get(
            response.agreement or "", "") if response and response.signed_at else "",
        reasons=response.reasons if response else "",
        practitioner_signed=response.signed_at if response else None,
        supervisor_signed=d.finalised_at,
        addenda=tuple(f"{a.created_at:%d %b %Y}: {a.text}" for a in d.addenda),
    )


def action_entry(a: ActionInfo, titles: dict[str, str], today: dt.date, hide: bool,
                 practitioner_id: uuid.UUID | None) -> ActionEntry:
    """An action as the PDFs print it; a pseudonymised copy names no one but "the
    practitioner"."""
    if hide:
        owner = "The practitioner" if a.owner_id == practitioner_id else "—"
    else:
        owner = a.owner_name or "—"
    return ActionEntry(a.text, titles.get(a.standard_id or "", "—"), owner, a.due_on,
                       a.state(today))


def _answer(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # stored before answers were checked by type
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)
