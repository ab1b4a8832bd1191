"""Writing an assessment: create, grade, narrate, act, submit, respond, finalise, addenda."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlalchemy import inspect
from sqlmodel import Session, col, select

from qa_audit.domain.framework import NOT_APPLICABLE, AssessmentKind, Framework
from qa_audit.domain.permissions import Action, Actor, Role, Target, check
from qa_audit.domain.records import ActionStatus, Agreement
from qa_audit.domain.scoring import RatingState, missing_for_submit, overall_grade
from qa_audit.domain.workflow import Status, Step, capabilities, may_mark_action, transition
from qa_audit.errors import InvalidInput, NotFound, ReadOnly, SubmitBlocked
from qa_audit.store.database import Store
from qa_audit.store.errors import check_version
from qa_audit.store.tables import (
    ActionItem,
    Addendum,
    Assessment,
    Case,
    OrgUnit,
    Rating,
    Response,
    SupervisionSession,
    User,
)
from qa_audit.store.types import utcnow

from . import audit_log
from .blinding import blinded, is_blind
from .frameworks import get_framework
from .read_models import ASSESSMENT, RESPONSE, AssessmentDetail, Versions, detail_of, rating_key

_UNSET: object = object()


class Narrative(StrEnum):
    """The assessment-wide text fields."""

    CHILDS_VOICE = "childs_voice"
    IMPACT_OF_DELAY = "impact_of_delay"
    STRENGTHS = "strengths"
    AREAS_FOR_DEVELOPMENT = "areas_for_development"

    @property
    def label(self) -> str:
        return {
            "childs_voice": "The child's voice",
            "impact_of_delay": "Impact of delay",
            "strengths": "Strengths",
            "areas_for_development": "Areas for development",
        }[self.value]


def target_of(a: Assessment) -> Target:
    return Target(
        team_id=a.team_id,
        region_id=a.region_id,
        author_id=a.author_id,
        subject_id=a.subject_id,
        draft=a.status == Status.DRAFT,
    )


def _stored_version(record: Rating | Response) -> int:
    """The record's row_version in the database; 0 for one about to be created."""
    return record.row_version if inspect(record).persistent else 0


def _load(session: Session, assessment_id: uuid.UUID) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFound("That assessment does not exist.")
    return row


@dataclass
class _Edit:
    """An edit in progress; `versions` holds the new row versions once it is saved."""

    session: Session
    row: Assessment
    versions: Versions = field(default_factory=dict)


@contextmanager
def _editing(
    store: Store, actor: Actor, assessment_id: uuid.UUID, what: str, seen: int | None = None
) -> Iterator[_Edit]:
    """A unit of work on an assessment the actor may edit. `seen` is the assessment's
    row_version the actor's copy was drawn from (refused as stale if it moved on since).
    Every edit changes the assessment's `updated_at`, so its row_version moves on too."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.EDIT_ASSESSMENT, target_of(row))
        status = Status(row.status)
        if status is Status.FINALISED:
            raise ReadOnly("This assessment is finalised; add an addendum to correct it.")
        if not status.editable:
            raise ReadOnly(f"This assessment is '{status.label}' and cannot be edited now.")
        check_version(row.row_version, seen, "this assessment")
        edit = _Edit(session, row)
        yield edit
        row.updated_at = utcnow()
        audit_log.record(session, actor, what, "assessment", row.id)
        session.flush()
        edit.versions[ASSESSMENT] = row.row_version


def create_assessment(
    store: Store,
    actor: Actor,
    kind: AssessmentKind,
    framework_version_id: uuid.UUID,
    subject_id: uuid.UUID,
    case_id: uuid.UUID | None = None,
    assessed_on: dt.date | None = None,
) -> uuid.UUID:
    """Start a draft case audit (needs a case) or practice observation of an FCA."""
    framework = get_framework(store, framework_version_id)
    if kind not in framework.applies_to:
        raise InvalidInput(f"'{framework.title}' is not for a {kind.label.lower()}.")
    if kind is AssessmentKind.CASE_AUDIT and case_id is None:
        raise InvalidInput("Choose the case this audit is about.")
    with store.unit_of_work() as session:
        subject = session.get(User, subject_id)
        if subject is None or subject.role != Role.FCA:
            raise InvalidInput("Choose the practitioner (FCA) whose work is assessed.")
        team = session.get(OrgUnit, subject.team_id) if subject.team_id else None
        target = Target(team_id=subject.team_id, region_id=team.region_id if team else None)
        check(actor, Action.CREATE_ASSESSMENT, target)
        if case_id is not None:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("That case does not exist.")
            if case.team_id != subject.team_id:
                raise InvalidInput("That case belongs to another team than the practitioner's.")
            if framework.law_type.value not in ("any", case.law_type):
                raise InvalidInput(
                    f"'{framework.title}' is for {framework.law_type.value} law cases; "
                    f"this case is {case.law_type} law."
                )
        row = Assessment(
            kind=kind.value,
            framework_version_id=framework_version_id,
            case_id=case_id,
            subject_id=subject_id,
            author_id=actor.user_id,
            team_id=subject.team_id,
            region_id=target.region_id,
            assessed_on=assessed_on or dt.date.today(),
        )
        session.add(row)
        session.flush()
        for standard in framework.standards():
            session.add(Rating(assessment_id=row.id, standard_id=standard.id))
        audit_log.record(session, actor, "create", "assessment", row.id)
        return row.id


def get_assessment(store: Store, actor: Actor, assessment_id: uuid.UUID) -> AssessmentDetail:
    """Everything about one assessment that this actor may see; the view is audit-logged."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.VIEW_ASSESSMENT, target_of(row))
        audit_log.record(session, actor, "view", "assessment", row.id)
        detail = replace(detail_of(session, row), capabilities=capabilities(
            actor, target_of(row), Status(row.status)))
        return blinded(detail) if is_blind(session, actor, row.id) else detail


def save_rating(
    store: Store,
    actor: Actor,
    assessment_id: uuid.UUID,
    standard_id: str,
    *,
    grade: str | object | None = _UNSET,
    evidence: str | None = None,
    commentary: str | None = None,
    indicators: Sequence[str] | None = None,
    seen: int | None = None,
) -> Versions:
    """Save any part of one standard's rating; unknown grades or indicators are refused.

    `seen` is the rating's row_version the actor's copy was drawn from; a rating changed
    since is not overwritten (`StaleRecord`). Returns the new versions of the rating and
    the assessment."""
    with _editing(store, actor, assessment_id, "rate") as edit:
        session, row = edit.session, edit.row
        framework = get_framework(store, row.framework_version_id)
        if not framework.has_standard(standard_id):
            raise InvalidInput(f"'{standard_id}' is not a standard of {framework.title}.")
        rating = session.exec(
            select(Rating).where(Rating.assessment_id == row.id, Rating.standard_id == standard_id)
        ).first() or Rating(assessment_id=row.id, standard_id=standard_id)
        check_version(_stored_version(rating), seen, "this standard's rating")
        if grade is not _UNSET:
            rating.grade = _valid_grade(framework, grade)
        if evidence is not None:
            rating.evidence = evidence
        if commentary is not None:
            rating.commentary = commentary
        if indicators is not None:
            known = framework.standard(standard_id).indicators
            unknown = [i for i in indicators if i not in known]
            if unknown:
                raise InvalidInput(f"Not an indicator of this standard: {unknown[0]}")
            rating.indicators = json.dumps([i for i in known if i in indicators])
        rating.updated_at = utcnow()
        session.add(rating)
        session.flush()
        edit.versions[rating_key(standard_id)] = rating.row_version
        row.overall_grade = _overall(session, framework, row.id)
    return edit.versions


def _valid_grade(framework: Framework, grade: object) -> str | None:
    if grade is None or grade == "":
        return None
    if not isinstance(grade, str):
        raise InvalidInput("A grade is a code from the framework's scale.")
    if grade == NOT_APPLICABLE:
        if not framework.scale.not_applicable.allowed:
            raise InvalidInput(f"{framework.title} does not allow 'not applicable'.")
        return grade
    if framework.scale.grade(grade) is None:
        codes = ", ".join(framework.scale.codes)
        raise InvalidInput(f"'{grade}' is not a grade of this framework's scale ({codes}).")
    return grade


def _overall(session: Session, framework: Framework, assessment_id: uuid.UUID) -> str | None:
    grades = dict(
        session.exec(
            select(Rating.standard_id, Rating.grade).where(Rating.assessment_id == assessment_id)
        ).all()
    )
    result = overall_grade(framework, grades)
    return result.code if result else None


def set_context(
    store: Store, actor: Actor, assessment_id: uuid.UUID, field_id: str, value: object,
    *, seen: int | None = None,
) -> Versions:
    """Answer one of the framework's context fields (`seen`: the assessment's version)."""
    with _editing(store, actor, assessment_id, "edit", seen) as edit:
        row = edit.row
        framework = get_framework(store, row.framework_version_id)
        context_field = framework.context_field(field_id)
        if context_field is None:
            raise InvalidInput(f"'{field_id}' is not a context field of {framework.title}.")
        context = json.loads(row.context)
        context[field_id] = context_field.clean(value)
        row.context = json.dumps(context, sort_keys=True, ensure_ascii=False)
    return edit.versions


def set_narrative(
    store: Store, actor: Actor, assessment_id: uuid.UUID, field: Narrative, text: str,
    *, seen: int | None = None,
) -> Versions:
    """Save the child's voice, impact of delay, strengths or areas for development
    (`seen`: the assessment's version)."""
    with _editing(store, actor, assessment_id, "edit", seen) as edit:
        setattr(edit.row, field.value, text)
    return edit.versions


def add_action(
    store: Store,
    actor: Actor,
    assessment_id: uuid.UUID,
    text: str,
    *,
    owner_id: uuid.UUID | None = None,
    due_on: dt.date | None = None,
    standard_id: str | None = None,
) -> uuid.UUID:
    if not text.strip():
        raise InvalidInput("Say what the action is.")
    with _editing(store, actor, assessment_id, "add_action") as edit:
        session, row = edit.session, edit.row
        if standard_id:
            framework = get_framework(store, row.framework_version_id)
            if not framework.has_standard(standard_id):
                raise InvalidInput(f"'{standard_id}' is not a standard of {framework.title}.")
        if owner_id is not None:
            _check_owner(session, row, owner_id)
        item = ActionItem(
            assessment_id=row.id,
            text=text.strip(),
            owner_id=owner_id or row.subject_id,
            due_on=due_on,
            standard_id=standard_id or None,
        )
        session.add(item)
        return item.id


def update_action(
    store: Store,
    actor: Actor,
    assessment_id: uuid.UUID,
    action_id: uuid.UUID,
    *,
    text: str,
    owner_id: uuid.UUID,
    due_on: dt.date | None,
    standard_id: str | None = None,
    seen: int | None = None,
) -> None:
    """Change an action's text, owner, due date or standard while the author may edit
    (`seen`: the action's row_version the actor's copy was drawn from)."""
    if not text.strip():
        raise InvalidInput("Say what the action is.")
    with _editing(store, actor, assessment_id, "edit_action") as edit:
        session, row = edit.session, edit.row
        item = session.get(ActionItem, action_id)
        if item is None or item.assessment_id != row.id:
            raise NotFound("That action is not part of this assessment.")
        check_version(item.row_version, seen, "this action")
        if standard_id:
            framework = get_framework(store, row.framework_version_id)
            if not framework.has_standard(standard_id):
                raise InvalidInput(f"'{standard_id}' is not a standard of {framework.title}.")
        _check_owner(session, row, owner_id)
        item.text = text.strip()
        item.owner_id = owner_id
        item.due_on = due_on
        item.standard_id = standard_id or None


@dataclass(frozen=True)
class Person:
    """Someone who can own an action."""

    id: uuid.UUID
    name: str


def action_owners(store: Store, actor: Actor, assessment_id: uuid.UUID) -> list[Person]:
    """Who may own this assessment's actions: the practitioner first, then the author,
    then the other active practitioners of the assessment's team."""
    with store.reading() as session:
        row = _load(session, assessment_id)
        check(actor, Action.VIEW_ASSESSMENT, target_of(row))
        subject, author = session.get(User, row.subject_id), session.get(User, row.author_id)
        people = [Person(u.id, u.display_name) for u in (subject, author) if u is not None]
        team = session.exec(
            select(User)
            .where(User.team_id == row.team_id, User.role == Role.FCA.value, col(User.active))
            .order_by(col(User.display_name))
        ).all() if row.team_id else []
        known = {p.id for p in people}
        return people + [Person(u.id, u.display_name) for u in team if u.id not in known]


def _check_owner(session: Session, row: Assessment, owner_id: uuid.UUID) -> None:
    owner = session.get(User, owner_id)
    if owner is None or not owner.active or (
        owner.id not in (row.subject_id, row.author_id) and owner.team_id != row.team_id
    ):
        raise InvalidInput("An action's owner is the practitioner, the author or someone "
                           "in the assessment's team.")


def remove_action(
    store: Store, actor: Actor, assessment_id: uuid.UUID, action_id: uuid.UUID
) -> None:
    with _editing(store, actor, assessment_id, "remove_action") as edit:
        session, row = edit.session, edit.row
        item = session.get(ActionItem, action_id)
        if item is None or item.assessment_id != row.id:
            raise NotFound("That action is not part of this assessment.")
        session.delete(item)


def set_action_status(store: Store, actor: Actor, action_id: uuid.UUID, done: bool,
                      *, seen: int | None = None) -> None:
    """Mark an action done (or open again); its owner or the team's supervisor may.
    `seen`: the action's row_version the actor's list was drawn from.

    The team is that of the record the action belongs to (its assessment or supervision
    session), never the actor's own. An owner may not while the assessment is a draft: only
    its author sees it then."""
    with store.unit_of_work() as session:
        item = session.get(ActionItem, action_id)
        if item is None:
            raise NotFound("That action does not exist.")
        if item.assessment_id is not None:
            target = target_of(_load(session, item.assessment_id))
        elif item.session_id is not None:
            record = session.get(SupervisionSession, item.session_id)
            if record is None:
                raise NotFound("That action's supervision session does not exist.")
            target = Target(team_id=record.team_id, author_id=record.supervisor_id,
                            subject_id=record.fca_id)
        else:
            target = Target(subject_id=item.owner_id)
        if not may_mark_action(actor, target, item.owner_id):
            check(actor, Action.COMPLETE_ACTION, target)  # says why not
        check_version(item.row_version, seen, "this action")
        item.status = ActionStatus.DONE if done else ActionStatus.OPEN
        item.completed_on = dt.date.today() if done else None
        audit_log.record(
            session, actor, "complete_action" if done else "reopen_action", "action", item.id
        )


def _step(session: Session, actor: Actor, row: Assessment, step: Step) -> None:
    row.status = transition(step, Status(row.status), actor.role).value
    row.updated_at = utcnow()
    audit_log.record(session, actor, step.value, "assessment", row.id)


def submit(store: Store, actor: Actor, assessment_id: uuid.UUID) -> None:
    """Send to the practitioner; refused (listing what is missing) until complete."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.SUBMIT, target_of(row))
        transition(Step.SUBMIT, Status(row.status), actor.role)
        framework = get_framework(store, row.framework_version_id)
        missing = missing_for_submit(
            framework, _rating_states(session, row.id), json.loads(row.context)
        )
        if missing:
            raise SubmitBlocked([m.message for m in missing])
        _step(session, actor, row, Step.SUBMIT)
        row.submitted_at = utcnow()


def _rating_states(session: Session, assessment_id: uuid.UUID) -> dict[str, RatingState]:
    rows = session.exec(select(Rating).where(Rating.assessment_id == assessment_id)).all()
    return {r.standard_id: RatingState(r.grade, r.evidence) for r in rows}


def save_response(
    store: Store,
    actor: Actor,
    assessment_id: uuid.UUID,
    reflection: str,
    agreement: Agreement | None = None,
    reasons: str = "",
    *,
    seen: int | None = None,
) -> Versions:
    """Save the FCA's reflection as a draft (autosaved; not yet signed). Agreement has no
    default: None is "not chosen yet" (stored as "").

    `seen` is the response's row_version the FCA's copy was drawn from (0: there was no
    response yet); a response changed since is not overwritten (`StaleRecord`)."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.RESPOND, target_of(row))
        if Status(row.status) is not Status.SUBMITTED:
            raise ReadOnly("The response can only be changed while the assessment is with you.")
        response = _response(session, row, actor)
        check_version(_stored_version(response), seen, "your response")
        response.reflection = reflection
        response.agreement = agreement.value if agreement is not None else ""
        response.reasons = reasons
        response.updated_at = utcnow()
        audit_log.record(session, actor, "edit", "response", response.id)
        session.flush()
        return {RESPONSE: response.row_version}


def check_response(reflection: str, agreement: Agreement | None, reasons: str) -> None:
    """What a response needs before it can be signed (InvalidInput says what is missing)."""
    if not reflection.strip():
        raise InvalidInput("Write your reflection before signing.")
    if agreement is None:
        raise InvalidInput("Say whether you agree, partly agree or disagree with the feedback "
                           "before signing.")
    if agreement is not Agreement.AGREE and not reasons.strip():
        raise InvalidInput("Say why you do not fully agree.")


def respond(
    store: Store,
    actor: Actor,
    assessment_id: uuid.UUID,
    reflection: str,
    agreement: Agreement | None,
    reasons: str = "",
    *,
    seen: int | None = None,
) -> None:
    """The FCA signs their response and agrees the actions; reasons needed to disagree.
    `seen`: as for `save_response`."""
    check_response(reflection, agreement, reasons)
    assert agreement is not None  # checked
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.RESPOND, target_of(row))
        _step(session, actor, row, Step.RESPOND)
        response = _response(session, row, actor)
        check_version(_stored_version(response), seen, "your response")
        response.reflection = reflection
        response.agreement = agreement.value
        response.reasons = reasons
        response.signed_at = response.updated_at = utcnow()
        for item in session.exec(select(ActionItem).where(ActionItem.assessment_id == row.id)):
            if not item.agreed:
                item.agreed = True  # a change: the mapper moves its version (records travel)


def return_for_changes(store: Store, actor: Actor, assessment_id: uuid.UUID, reason: str) -> None:
    """The FCA sends the assessment back to its author, saying what should change."""
    if not reason.strip():
        raise InvalidInput("Say what you would like changed.")
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.RETURN_FOR_CHANGES, target_of(row))
        _step(session, actor, row, Step.RETURN)
        response = _response(session, row, actor)
        response.change_request = reason
        response.updated_at = utcnow()


def _response(session: Session, row: Assessment, actor: Actor) -> Response:
    response = session.exec(select(Response).where(Response.assessment_id == row.id)).first()
    if response is None:
        response = Response(assessment_id=row.id, fca_id=actor.user_id, agreement="")
        session.add(response)
    return response


def finalise(store: Store, actor: Actor, assessment_id: uuid.UUID) -> str:
    """Make the assessment read-only and record the hash of its content."""
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.FINALISE, target_of(row))
        _step(session, actor, row, Step.FINALISE)
        row.finalised_at = utcnow()
        session.flush()
        row.content_hash = content_hash(detail_of(session, row))
        return row.content_hash


def content_hash(detail: AssessmentDetail) -> str:
    return hashlib.sha256(detail.canonical_content().encode("utf-8")).hexdigest()


def add_addendum(store: Store, actor: Actor, assessment_id: uuid.UUID, text: str) -> uuid.UUID:
    """A dated correction or note on a finalised assessment."""
    if not text.strip():
        raise InvalidInput("Write the addendum text.")
    with store.unit_of_work() as session:
        row = _load(session, assessment_id)
        check(actor, Action.ADD_ADDENDUM, target_of(row))
        if Status(row.status) is not Status.FINALISED:
            raise InvalidInput("Addenda are for finalised assessments; edit the draft instead.")
        item = Addendum(assessment_id=row.id, author_id=actor.user_id, text=text.strip())
        session.add(item)
        audit_log.record(session, actor, "add_addendum", "assessment", row.id)
        return item.id
