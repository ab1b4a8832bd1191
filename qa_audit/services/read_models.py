"""Read models: plain frozen dataclasses handed to the UI, CLI and reports."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from qa_audit.domain.framework import AssessmentKind, canonical_json
from qa_audit.domain.records import ActionStatus, Agreement
from qa_audit.domain.workflow import Capabilities, Status
from qa_audit.store.tables import (
    ActionItem,
    Addendum,
    Assessment,
    Case,
    FrameworkVersion,
    OrgUnit,
    Rating,
    Response,
    ResponseComment,
    User,
)

Versions = dict[str, int]
"""Row versions of an assessment's parts, keyed by `ASSESSMENT`, `RESPONSE` and
`rating_key(standard_id)`: what an editor was drawn from, and what a save moved them to."""

ASSESSMENT = "assessment"
RESPONSE = "response"


def rating_key(standard_id: str) -> str:
    return f"rating:{standard_id}"


def comment_key(standard_id: str) -> str:
    """The version key of the practitioner's comment under one standard."""
    return f"comment:{standard_id}"


@dataclass(frozen=True)
class RatingInfo:
    standard_id: str
    grade: str | None
    indicators: tuple[str, ...]
    evidence: str
    commentary: str

    @classmethod
    def of(cls, r: Rating) -> RatingInfo:
        return cls(
            r.standard_id, r.grade, tuple(json.loads(r.indicators)), r.evidence, r.commentary
        )


@dataclass(frozen=True)
class ActionInfo:
    id: uuid.UUID
    text: str
    owner_id: uuid.UUID | None
    owner_name: str
    due_on: dt.date | None
    status: ActionStatus
    agreed: bool
    completed_on: dt.date | None
    standard_id: str | None
    assessment_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    row_version: int = 0

    def overdue(self, today: dt.date) -> bool:
        return self.status is ActionStatus.OPEN and self.due_on is not None and self.due_on < today

    def state(self, today: dt.date) -> str:
        """Done, Overdue or Open, as the app and the PDFs show it."""
        if self.status is ActionStatus.DONE:
            return "Done"
        return "Overdue" if self.overdue(today) else "Open"


@dataclass(frozen=True)
class ResponseInfo:
    fca_id: uuid.UUID
    reflection: str
    agreement: Agreement | None  # None: not chosen yet (a draft has no default)
    reasons: str
    signed_at: dt.datetime | None
    change_request: str = ""  # what the practitioner last asked to be changed
    comments: dict[str, str] = field(default_factory=dict)
    """Her comment under each standard's feedback, by standard id (none empty)."""


@dataclass(frozen=True)
class AddendumInfo:
    id: uuid.UUID
    author_name: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AssessmentDetail:
    id: uuid.UUID
    kind: AssessmentKind
    status: Status
    framework_version_id: uuid.UUID
    framework_title: str
    framework_version: str
    framework_sha256: str
    case_id: uuid.UUID | None
    case_reference: str
    case_type: str
    law_type: str
    subject_id: uuid.UUID
    subject_name: str
    author_id: uuid.UUID
    author_name: str
    team_id: uuid.UUID | None
    team_name: str
    assessed_on: dt.date
    context: dict[str, Any]
    childs_voice: str
    impact_of_delay: str
    strengths: str
    areas_for_development: str
    overall_grade: str | None
    ratings: dict[str, RatingInfo]
    actions: tuple[ActionInfo, ...]
    response: ResponseInfo | None
    addenda: tuple[AddendumInfo, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    finalised_at: dt.datetime | None
    content_hash: str | None
    row_version: int
    case_dates: dict[str, dt.date | None] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)
    """What the person who asked may do with it now (`assessments.get_assessment`)."""
    versions: Versions = field(default_factory=dict)  # of the parts: see `Versions`

    def canonical_content(self) -> str:
        """The judged content (not timestamps of saves) as canonical JSON, for hashing."""
        return canonical_assessment(
            id=self.id, framework_sha256=self.framework_sha256,
            case_reference=self.case_reference, subject_id=self.subject_id,
            author_id=self.author_id, assessed_on=self.assessed_on, context=self.context,
            childs_voice=self.childs_voice, impact_of_delay=self.impact_of_delay,
            strengths=self.strengths, areas_for_development=self.areas_for_development,
            overall_grade=self.overall_grade, ratings=self.ratings,
            actions=[(a.text, a.due_on, a.owner_id) for a in self.actions],
            response=((self.response.reflection, self.response.agreement or "",
                       self.response.reasons) if self.response else None),
            comments=self.response.comments if self.response else None)


def canonical_assessment(
    *, id: uuid.UUID, framework_sha256: str, case_reference: str, subject_id: uuid.UUID,
    author_id: uuid.UUID, assessed_on: dt.date, context: dict[str, Any], childs_voice: str,
    impact_of_delay: str, strengths: str, areas_for_development: str,
    overall_grade: str | None, ratings: dict[str, RatingInfo],
    actions: Iterable[tuple[str, dt.date | None, uuid.UUID | None]],
    response: tuple[str, str, str] | None,
    comments: Mapping[str, str] | None = None,
) -> str:
    """What a finalised assessment's content hash covers, from plain values (the demo data
    generator hashes its rows with it too, so `audit-log verify` can recheck them)."""
    data = {
        "id": str(id),
        "framework_sha256": framework_sha256,
        "case_reference": case_reference,
        "subject_id": str(subject_id),
        "author_id": str(author_id),
        "assessed_on": assessed_on.isoformat(),
        "context": context,
        "childs_voice": childs_voice,
        "impact_of_delay": impact_of_delay,
        "strengths": strengths,
        "areas_for_development": areas_for_development,
        "overall_grade": overall_grade,
        # What dataclasses.asdict gives for a RatingInfo, spelt out (asdict deep-copies: slow
        # over a demo's hundred thousand assessments).
        "ratings": {k: {"standard_id": v.standard_id, "grade": v.grade,
                        "indicators": v.indicators, "evidence": v.evidence,
                        "commentary": v.commentary} for k, v in sorted(ratings.items())},
        "actions": sorted(
            [text, due_on.isoformat() if due_on else None, str(owner_id)]
            for text, due_on, owner_id in actions
        ),
        "response": list(response) if response else None,
    }
    if comments:  # only when there are some: hashes made before comments existed still hold
        data["response_comments"] = dict(sorted(comments.items()))
    return canonical_json(data)


def _names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted)))
    return dict(rows.all())


def actions_of(session: Session, *conditions: Any) -> tuple[ActionInfo, ...]:
    items = session.exec(
        select(ActionItem).where(*conditions).order_by(col(ActionItem.created_at))
    ).all()
    return _action_infos(items, _names(session, {i.owner_id for i in items}))


def _action_infos(items: Iterable[ActionItem], names: dict[uuid.UUID, str]
                  ) -> tuple[ActionInfo, ...]:
    return tuple(
        ActionInfo(
            i.id,
            i.text,
            i.owner_id,
            names.get(i.owner_id, "") if i.owner_id else "",
            i.due_on,
            ActionStatus(i.status),
            i.agreed,
            i.completed_on,
            i.standard_id,
            i.assessment_id,
            i.session_id,
            i.row_version,
        )
        for i in items
    )


def detail_of(session: Session, row: Assessment) -> AssessmentDetail:
    return details_of(session, [row])[0]


def _grouped(rows: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    for r in rows:
        out.setdefault(getattr(r, key), []).append(r)
    return out


def _in(session: Session, table: Any, column: Any, ids: Iterable[Any], *order: Any
        ) -> list[Any]:
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return []
    return list(session.exec(select(table).where(col(column).in_(wanted)).order_by(*order)))


def details_of(session: Session, rows: list[Assessment]) -> list[AssessmentDetail]:
    """The details of `rows`, in their order, read together: one query per kind of part
    whatever the number of assessments (a batch export reads hundreds)."""
    versions = {f.id: f for f in _in(session, FrameworkVersion, FrameworkVersion.id,
                                      (r.framework_version_id for r in rows))}
    cases = {c.id: c for c in _in(session, Case, Case.id, (r.case_id for r in rows))}
    teams = {t.id: t for t in _in(session, OrgUnit, OrgUnit.id, (r.team_id for r in rows))}
    ids = [r.id for r in rows]
    ratings = _grouped(_in(session, Rating, Rating.assessment_id, ids), "assessment_id")
    responses = {r.assessment_id: r for r in _in(session, Response, Response.assessment_id,
                                                 ids)}
    comments = _grouped(_in(session, ResponseComment, ResponseComment.assessment_id,
                            list(responses)), "assessment_id")
    addenda = _grouped(_in(session, Addendum, Addendum.assessment_id, ids,
                           col(Addendum.created_at)), "assessment_id")
    items = _in(session, ActionItem, ActionItem.assessment_id, ids, col(ActionItem.created_at))
    names = _names(session, {*(r.subject_id for r in rows), *(r.author_id for r in rows),
                             *(a.author_id for group in addenda.values() for a in group),
                             *(i.owner_id for i in items)})
    actions = _grouped(items, "assessment_id")
    return [_detail(row, versions[row.framework_version_id], cases.get(row.case_id),
                    teams.get(row.team_id), ratings.get(row.id, []), responses.get(row.id),
                    comments.get(row.id, []), addenda.get(row.id, []),
                    _action_infos(actions.get(row.id, []), names), names) for row in rows]


def _detail(row: Assessment, fv: FrameworkVersion, case: Case | None, team: OrgUnit | None,
            ratings: list[Rating], response: Response | None,
            comments: list[ResponseComment], addenda: list[Addendum],
            actions: tuple[ActionInfo, ...], names: dict[uuid.UUID, str]) -> AssessmentDetail:
    return AssessmentDetail(
        id=row.id,
        kind=AssessmentKind(row.kind),
        status=Status(row.status),
        framework_version_id=fv.id,
        framework_title=fv.title,
        framework_version=fv.version,
        framework_sha256=fv.sha256,
        case_id=row.case_id,
        case_reference=case.reference if case else "",
        case_type=case.case_type if case else "",
        law_type=case.law_type if case else "",
        subject_id=row.subject_id,
        subject_name=names.get(row.subject_id, ""),
        author_id=row.author_id,
        author_name=names.get(row.author_id, ""),
        team_id=row.team_id,
        team_name=team.name if team else "",
        assessed_on=row.assessed_on,
        context=json.loads(row.context),
        childs_voice=row.childs_voice,
        impact_of_delay=row.impact_of_delay,
        strengths=row.strengths,
        areas_for_development=row.areas_for_development,
        overall_grade=row.overall_grade,
        ratings={r.standard_id: RatingInfo.of(r) for r in ratings},
        actions=actions,
        response=ResponseInfo(
            response.fca_id,
            response.reflection,
            Agreement(response.agreement) if response.agreement else None,
            response.reasons,
            response.signed_at,
            response.change_request,
            {c.standard_id: c.text for c in comments if c.text},
        )
        if response
        else None,
        addenda=tuple(
            AddendumInfo(a.id, names.get(a.author_id, ""), a.text, a.created_at) for a in addenda
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        finalised_at=row.finalised_at,
        content_hash=row.content_hash,
        row_version=row.row_version,
        versions={
            ASSESSMENT: row.row_version,
            RESPONSE: response.row_version if response else 0,
            **{rating_key(r.standard_id): r.row_version for r in ratings},
            **{comment_key(c.standard_id): c.row_version for c in comments},
        },
        case_dates={
            "issued_on": case.issued_on,
            "allocated_on": case.allocated_on,
            "first_hearing_on": case.first_hearing_on,
            "concluded_on": case.concluded_on,
        }
        if case
        else {},
    )
