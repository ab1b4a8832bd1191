"""Reflective supervision sessions: the four stages of the reflective cycle, the
assessments discussed, the prompts they raise, actions agreed, and both signatures.

A record has two parts with one writer each (DESIGN §6): the *agreed record* (the
supervisor's notes, the assessments discussed, the actions agreed) and the *practitioner's
reflection*. The supervisor's signature covers the agreed record; the practitioner's covers
the agreed record and her reflection. A change withdraws only the signatures that covered
the part changed, so the natural order completes: the supervisor writes and signs, the
practitioner adds her reflection and signs, and the record is closed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import Enum

from sqlmodel import Session, col, select

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.permissions import Action, Actor, Role, Target, allowed, check
from qa_audit.domain.records import ActionStatus
from qa_audit.domain.workflow import SessionCapabilities, Status, session_capabilities
from qa_audit.errors import InvalidInput, NotFound, ReadOnly
from qa_audit.reports.model import PromptEntry
from qa_audit.store.database import Store
from qa_audit.store.errors import check_version
from qa_audit.store.scope import Kind, actions_visible, visible
from qa_audit.store.tables import (
    ActionItem,
    Assessment,
    Rating,
    SessionAssessment,
    SupervisionSession,
    User,
)
from qa_audit.store.types import utcnow

from . import audit_log
from .frameworks import get_framework
from .listing import AssessmentQuery, AssessmentRow, list_assessments, page_details
from .read_models import ActionInfo, actions_of

STAGES = ("what_happened", "reflection", "analysis", "action_plan")
STAGE_LABELS = {
    "what_happened": "What happened (experience)",
    "reflection": "Reflection",
    "analysis": "Analysis",
    "action_plan": "Action plan",
}


class Part(Enum):
    """The parts of a record, each written by one person."""

    AGREED = "agreed record"  # the supervisor's notes, assessments discussed, actions
    REFLECTION = "practitioner's reflection"


class Signer(Enum):
    SUPERVISOR = "supervisor"
    PRACTITIONER = "practitioner"


COVERS: dict[Signer, frozenset[Part]] = {
    Signer.SUPERVISOR: frozenset({Part.AGREED}),
    Signer.PRACTITIONER: frozenset({Part.AGREED, Part.REFLECTION}),
}
"""What each signature covers: a change to a part withdraws the signatures covering it."""


def next_signer(supervisor_signed: bool, fca_signed: bool) -> Signer | None:
    """Who must sign next: the supervisor first (she signs her notes), then the
    practitioner; None once both have signed."""
    if not supervisor_signed:
        return Signer.SUPERVISOR
    if not fca_signed:
        return Signer.PRACTITIONER
    return None


@dataclass(frozen=True)
class SessionSummary:
    id: uuid.UUID
    held_on: dt.date
    supervisor_name: str
    fca_name: str
    supervisor_signed: bool
    fca_signed: bool
    supervisor_id: uuid.UUID | None = None
    fca_id: uuid.UUID | None = None

    @property
    def signed(self) -> bool:
        return self.supervisor_signed and self.fca_signed

    @property
    def next_signer(self) -> Signer | None:
        return next_signer(self.supervisor_signed, self.fca_signed)

    def waiting_for(self, user_id: uuid.UUID) -> bool:
        """Whether the record waits for this person's signature."""
        who = self.next_signer
        return (who is Signer.SUPERVISOR and user_id == self.supervisor_id) or (
            who is Signer.PRACTITIONER and user_id == self.fca_id)

    def state_text(self, user_id: uuid.UUID | None = None) -> str:
        """The record's state in words, e.g. "Waiting for you to sign"."""
        who = self.next_signer
        if who is None:
            return "Signed by both"
        if user_id is not None and self.waiting_for(user_id):
            return "Waiting for you to sign"
        name = self.supervisor_name if who is Signer.SUPERVISOR else self.fca_name
        return f"Waiting for {name} ({who.value}) to sign"


@dataclass(frozen=True)
class StandardChoice:
    """A standard an action agreed in the session may be about."""

    id: str
    title: str


@dataclass(frozen=True)
class SessionDetail:
    id: uuid.UUID
    held_on: dt.date
    supervisor_id: uuid.UUID
    supervisor_name: str
    fca_id: uuid.UUID
    fca_name: str
    notes: dict[str, str]
    fca_reflection: str
    assessments: tuple[AssessmentRow, ...]
    prompts: tuple[PromptEntry, ...]
    actions: tuple[ActionInfo, ...]
    supervisor_signed_at: dt.datetime | None
    fca_signed_at: dt.datetime | None
    capabilities: SessionCapabilities = field(default_factory=SessionCapabilities)
    row_version: int = 0  # what a save or signature of this copy passes as `seen`
    standards: tuple[StandardChoice, ...] = ()
    """The standards an action may name: those of the assessments discussed."""

    @property
    def signed(self) -> bool:
        return self.supervisor_signed_at is not None and self.fca_signed_at is not None

    @property
    def summary(self) -> SessionSummary:
        return SessionSummary(self.id, self.held_on, self.supervisor_name, self.fca_name,
                              self.supervisor_signed_at is not None,
                              self.fca_signed_at is not None, self.supervisor_id, self.fca_id)

    @property
    def next_signer(self) -> Signer | None:
        return self.summary.next_signer


def _target(row: SupervisionSession) -> Target:
    return Target(team_id=row.team_id, author_id=row.supervisor_id, subject_id=row.fca_id)


def _load(session: Session, actor: Actor, session_id: uuid.UUID,
          action: Action = Action.VIEW_SUPERVISION) -> SupervisionSession:
    """The record, if the actor may see it (and take `action` on it)."""
    row = session.get(SupervisionSession, session_id)
    if row is None:
        raise NotFound("That supervision session does not exist.")
    check(actor, Action.VIEW_SUPERVISION, _target(row))
    check(actor, action, _target(row))
    return row


def _writes_notes(session: Session, actor: Actor, session_id: uuid.UUID, what: str
                  ) -> SupervisionSession:
    row = session.get(SupervisionSession, session_id)
    if row is not None and allowed(actor, Action.VIEW_SUPERVISION, _target(row)) and not (
            allowed(actor, Action.RECORD_SUPERVISION, _target(row))):
        raise ReadOnly(f"Only the session's supervisor {what}.")
    return _load(session, actor, session_id, Action.RECORD_SUPERVISION)


def create_session(store: Store, actor: Actor, fca_id: uuid.UUID,
                   held_on: dt.date | None = None) -> uuid.UUID:
    """A supervisor starts a session record with one of their team's FCAs."""
    with store.unit_of_work() as session:
        fca = session.get(User, fca_id)
        if fca is None or fca.role != Role.FCA:
            raise InvalidInput("Choose the practitioner (FCA) you are supervising.")
        check(actor, Action.RECORD_SUPERVISION, Target(
            team_id=fca.team_id, author_id=actor.user_id, subject_id=fca.id))
        row = SupervisionSession(supervisor_id=actor.user_id, fca_id=fca_id,
                                 team_id=fca.team_id, held_on=held_on or dt.date.today())
        session.add(row)
        audit_log.record(session, actor, "create", "supervision_session", row.id)
        return row.id


def suggest(store: Store, actor: Actor, fca_id: uuid.UUID, months: int = 6
            ) -> tuple[list[AssessmentRow], tuple[ActionInfo, ...]]:
    """Recent submitted-or-later assessments about the FCA, and their open actions."""
    since = dt.date.today() - dt.timedelta(days=31 * months)
    rows = list_assessments(store, actor, AssessmentQuery(
        subject_id=fca_id, date_from=since,
        statuses=(Status.SUBMITTED, Status.RESPONDED, Status.MODERATION, Status.FINALISED)),
        limit=20)
    with store.reading() as session:
        actions = actions_of(session, col(ActionItem.owner_id) == fca_id,
                             col(ActionItem.status) == ActionStatus.OPEN, actions_visible(actor))
    return rows, actions


def _editable(row: SupervisionSession, seen: int | None) -> None:
    """Refuse a change to a closed record, or (with `seen`, the row_version the actor's copy
    was drawn from) to a record someone else changed since."""
    if row.supervisor_signed_at and row.fca_signed_at:
        raise ReadOnly("This session record is signed by both and cannot be changed.")
    check_version(row.row_version, seen, "this supervision record")


def _changed(session: Session, actor: Actor, row: SupervisionSession, what: str,
             part: Part) -> None:
    """Record a change to one part of the record. Each signature covers the parts its
    signer agreed (`COVERS`), so the change withdraws those that covered `part`: the record
    shows "signed by both" only for content both have agreed."""
    withdrawn = False
    if part in COVERS[Signer.SUPERVISOR] and row.supervisor_signed_at:
        row.supervisor_signed_at = None
        withdrawn = True
    if part in COVERS[Signer.PRACTITIONER] and row.fca_signed_at:
        row.fca_signed_at = None
        withdrawn = True
    if withdrawn:
        audit_log.record(session, actor, "withdraw_signatures", "supervision_session", row.id)
    row.updated_at = utcnow()
    audit_log.record(session, actor, what, "supervision_session", row.id)


def _saved(session: Session, row: SupervisionSession) -> int:
    """The record's row_version once this unit of work's changes are written."""
    session.flush()
    return row.row_version


def save_notes(store: Store, actor: Actor, session_id: uuid.UUID, notes: dict[str, str],
               *, seen: int | None = None) -> int:
    """The supervisor's notes under the four stages of the reflective cycle. A change
    withdraws both signatures; saving the notes as they are changes nothing. Returns the
    record's row_version (`seen`: see `_editable`)."""
    unknown = set(notes) - set(STAGES)
    if unknown:
        raise InvalidInput(f"Unknown stage: {sorted(unknown)[0]}")
    with store.unit_of_work() as session:
        row = _writes_notes(session, actor, session_id, "writes the session notes")
        _editable(row, seen)
        if all(getattr(row, stage) == text for stage, text in notes.items()):
            return row.row_version
        for stage, text in notes.items():
            setattr(row, stage, text)
        _changed(session, actor, row, "edit", Part.AGREED)
        return _saved(session, row)


def save_fca_reflection(store: Store, actor: Actor, session_id: uuid.UUID, text: str,
                        *, seen: int | None = None) -> int:
    """The practitioner's reflection. A change withdraws her own signature only: the
    supervisor's covers the agreed record, not the reflection. Returns the record's
    row_version (`seen`: see `_editable`)."""
    with store.unit_of_work() as session:
        row = _load(session, actor, session_id)
        if actor.user_id != row.fca_id:
            raise ReadOnly("Only the practitioner writes their reflection.")
        _editable(row, seen)
        if row.fca_reflection == text:
            return row.row_version
        row.fca_reflection = text
        _changed(session, actor, row, "edit", Part.REFLECTION)
        return _saved(session, row)


def set_assessments(store: Store, actor: Actor, session_id: uuid.UUID,
                    assessment_ids: list[uuid.UUID], *, seen: int | None = None) -> int:
    """The assessments discussed (only ones about this FCA). A change withdraws both
    signatures. Returns the record's row_version (`seen`: see `_editable`)."""
    with store.unit_of_work() as session:
        row = _writes_notes(session, actor, session_id, "chooses the assessments discussed")
        _editable(row, seen)
        for aid in assessment_ids:
            a = session.get(Assessment, aid)
            if a is None or a.subject_id != row.fca_id or a.status == Status.DRAFT:
                raise InvalidInput("Only this practitioner's submitted assessments can be "
                                   "discussed.")
        links = list(session.exec(select(SessionAssessment).where(
            SessionAssessment.session_id == row.id)))
        if {link.assessment_id for link in links} == set(assessment_ids):
            return row.row_version
        for link in links:
            session.delete(link)
        session.flush()
        for aid in dict.fromkeys(assessment_ids):
            session.add(SessionAssessment(session_id=row.id, assessment_id=aid))
        _changed(session, actor, row, "edit", Part.AGREED)
        return _saved(session, row)


def add_action(store: Store, actor: Actor, session_id: uuid.UUID, text: str,
               due_on: dt.date | None = None, *, standard_id: str | None = None,
               seen: int | None = None) -> uuid.UUID:
    """An action agreed for the practitioner, optionally about one standard of the
    frameworks of the assessments discussed. It changes the record: both signatures are
    withdrawn (`seen`: see `_editable`)."""
    if not text.strip():
        raise InvalidInput("Say what the action is.")
    with store.unit_of_work() as session:
        row = _writes_notes(session, actor, session_id, "records the actions agreed")
        _editable(row, seen)
        if standard_id:
            ids = list(session.exec(select(SessionAssessment.assessment_id).where(
                SessionAssessment.session_id == row.id)).all())
            if standard_id not in {c.id for c in _standards(store, session, ids)}:
                raise InvalidInput(
                    "An action can name only a standard of the assessments discussed in "
                    "this session: tick the assessment first.")
        item = ActionItem(session_id=row.id, text=text.strip(), owner_id=row.fca_id,
                          due_on=due_on, agreed=True, standard_id=standard_id or None)
        session.add(item)
        _changed(session, actor, row, "add_action", Part.AGREED)
        return item.id


def sign(store: Store, actor: Actor, session_id: uuid.UUID, *, seen: int | None = None
         ) -> int:
    """The supervisor or the FCA signs the record as agreed. Once both have signed, the
    record is closed: no more changes and no signing again. With `seen`, a record changed
    since the signer's copy was drawn is not signed (`StaleRecord`): a signature covers
    what its signer saw. Returns the record's row_version."""
    with store.unit_of_work() as session:
        row = _load(session, actor, session_id)
        _editable(row, seen)
        if not allowed(actor, Action.SIGN_SUPERVISION, _target(row)):
            raise ReadOnly("Only the supervisor and the practitioner sign the record.")
        if actor.user_id == row.supervisor_id:
            if not any(getattr(row, s).strip() for s in STAGES):
                raise InvalidInput("Write the session notes before signing.")
            row.supervisor_signed_at = utcnow()
        elif actor.user_id == row.fca_id:
            row.fca_signed_at = utcnow()
        else:
            raise ReadOnly("Only the supervisor and the practitioner sign the record.")
        audit_log.record(session, actor, "sign", "supervision_session", row.id)
        return _saved(session, row)


def list_sessions(store: Store, actor: Actor) -> list[SessionSummary]:
    with store.reading() as session:
        query = select(SupervisionSession).where(
            visible(actor, Action.VIEW_SUPERVISION, Kind.SUPERVISION_SESSION)
        ).order_by(col(SupervisionSession.held_on).desc())
        rows = session.exec(query.limit(500)).all()
        names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(
            {r.supervisor_id for r in rows} | {r.fca_id for r in rows}))).all())
        return [SessionSummary(r.id, r.held_on, names.get(r.supervisor_id, ""),
                               names.get(r.fca_id, ""), r.supervisor_signed_at is not None,
                               r.fca_signed_at is not None, r.supervisor_id, r.fca_id)
                for r in rows]


def get_session(store: Store, actor: Actor, session_id: uuid.UUID) -> SessionDetail:
    with store.reading() as session:
        row = _load(session, actor, session_id)
        ids = list(session.exec(select(SessionAssessment.assessment_id).where(
            SessionAssessment.session_id == row.id)).all())
        names = dict(session.exec(select(User.id, User.display_name).where(
            col(User.id).in_([row.supervisor_id, row.fca_id]))).all())
        actions = actions_of(session, col(ActionItem.session_id) == row.id)
        prompts = _prompts(store, session, ids)
        standards = _standards(store, session, ids)
    rows = tuple(page_details(store, ids))
    return SessionDetail(
        row.id, row.held_on, row.supervisor_id, names.get(row.supervisor_id, ""), row.fca_id,
        names.get(row.fca_id, ""), {s: getattr(row, s) for s in STAGES}, row.fca_reflection,
        rows, prompts, actions, row.supervisor_signed_at, row.fca_signed_at,
        session_capabilities(actor, _target(row),
                             bool(row.supervisor_signed_at and row.fca_signed_at)),
        row_version=row.row_version, standards=standards)


def prompts_for(store: Store, actor: Actor, session_id: uuid.UUID,
                assessment_ids: list[uuid.UUID]) -> tuple[PromptEntry, ...]:
    """The prompts the record would show with `assessment_ids` discussed (before they are
    saved: the supervisor sees them as soon as she ticks an assessment). Only this
    practitioner's submitted assessments count."""
    with store.reading() as session:
        return _prompts(store, session, _discussable(session, actor, session_id,
                                                    assessment_ids))


def standards_for(store: Store, actor: Actor, session_id: uuid.UUID,
                  assessment_ids: list[uuid.UUID]) -> tuple[StandardChoice, ...]:
    """The standards an action could name with `assessment_ids` discussed (as ticked,
    before they are saved), in the frameworks' order."""
    with store.reading() as session:
        return _standards(store, session, _discussable(session, actor, session_id,
                                                      assessment_ids))


def _discussable(session: Session, actor: Actor, session_id: uuid.UUID,
                 assessment_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Of `assessment_ids`, those this record may discuss: this practitioner's submitted
    assessments."""
    row = _load(session, actor, session_id)
    return [aid for aid in dict.fromkeys(assessment_ids)
            if (a := session.get(Assessment, aid)) is not None
            and a.subject_id == row.fca_id and a.status != Status.DRAFT]


def _standards(store: Store, session: Session, ids: list[uuid.UUID]
               ) -> tuple[StandardChoice, ...]:
    """The standards of the frameworks of these assessments, each once, in order."""
    versions = dict.fromkeys(a.framework_version_id for aid in ids
                             if (a := session.get(Assessment, aid)) is not None)
    out: dict[str, StandardChoice] = {}
    for version_id in versions:
        for s in get_framework(store, version_id).standards():
            out.setdefault(s.id, StandardChoice(s.id, s.title))
    return tuple(out.values())


def _prompts(store: Store, session: Session, ids: list[uuid.UUID]
             ) -> tuple[PromptEntry, ...]:
    """Reflective prompts of standards graded below the framework's second-best grade."""
    out: list[PromptEntry] = []
    seen: set[tuple[str, str]] = set()
    for aid in ids:
        a = session.get(Assessment, aid)
        if a is None:
            continue
        fw = get_framework(store, a.framework_version_id)
        if len(fw.scale.grades) < 2:
            continue
        second = fw.scale.grades[1].score
        for r in session.exec(select(Rating).where(Rating.assessment_id == aid)):
            grade = fw.scale.grade(r.grade) if r.grade and r.grade != NOT_APPLICABLE else None
            if grade is None or grade.score >= second or not fw.has_standard(r.standard_id):
                continue
            standard = fw.standard(r.standard_id)
            for text in standard.prompts:
                if (standard.id, text) not in seen:
                    seen.add((standard.id, text))
                    out.append(PromptEntry(standard.title, grade.label, text))
    return tuple(out)
