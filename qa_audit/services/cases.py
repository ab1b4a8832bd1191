"""Cases: pseudonymised references with the dates that timeliness is measured by."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlmodel import col, select

from qa_audit.domain.permissions import Action, Actor, Target, check
from qa_audit.domain.timescales import CASE_TYPES
from qa_audit.errors import InvalidInput
from qa_audit.store.database import Store
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import Case, User

from . import audit_log

_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,31}$")


@dataclass(frozen=True)
class CaseInfo:
    id: uuid.UUID
    reference: str
    law_type: str
    case_type: str
    issued_on: dt.date | None
    allocated_on: dt.date | None
    first_hearing_on: dt.date | None
    concluded_on: dt.date | None
    team_id: uuid.UUID | None
    fca_id: uuid.UUID | None
    fca_name: str


def create_case(
    store: Store,
    actor: Actor,
    reference: str,
    case_type: str,
    *,
    team_id: uuid.UUID | None = None,
    fca_id: uuid.UUID | None = None,
    issued_on: dt.date | None = None,
    allocated_on: dt.date | None = None,
    first_hearing_on: dt.date | None = None,
    concluded_on: dt.date | None = None,
) -> CaseInfo:
    """Add a case by reference (never a child's name)."""
    check(actor, Action.MANAGE_CASES)
    reference = reference.strip().upper()
    if not _REFERENCE.match(reference):
        raise InvalidInput(
            "A case reference is 3-32 capital letters, digits, '/' or '-' (e.g. PL-2024-00123); "
            "never use a child's name."
        )
    if case_type not in CASE_TYPES:
        raise InvalidInput(f"Unknown case type '{case_type}'; use one of {', '.join(CASE_TYPES)}.")
    if issued_on and allocated_on and allocated_on < issued_on:
        raise InvalidInput("The allocation date is before the issue date.")
    if issued_on and concluded_on and concluded_on < issued_on:
        raise InvalidInput("The conclusion date is before the issue date.")
    team_id = team_id or actor.team_id
    check(actor, Action.MANAGE_CASES, Target(team_id=team_id))
    with store.unit_of_work() as session:
        fca = session.get(User, fca_id) if fca_id else None
        if fca_id is not None and (fca is None or fca.team_id != team_id):
            raise InvalidInput("The allocated practitioner must be in the case's team.")
        if session.exec(select(Case.id).where(Case.reference == reference)).first():
            raise InvalidInput(f"A case with reference {reference} already exists.")
        case = Case(
            reference=reference,
            law_type=CASE_TYPES[case_type].law_type,
            case_type=case_type,
            issued_on=issued_on,
            allocated_on=allocated_on,
            first_hearing_on=first_hearing_on,
            concluded_on=concluded_on,
            team_id=team_id,
            fca_id=fca_id,
        )
        session.add(case)
        audit_log.record(session, actor, "create", "case", case.id)
        return _info(case, fca.display_name if fca else "")


def list_cases(store: Store, actor: Actor, search: str = "", limit: int = 200) -> list[CaseInfo]:
    """Cases this actor manages (their team's; all for an administrator), optionally
    matching a reference."""
    with store.reading() as session:
        query = select(Case, User.display_name).join(
            User, col(Case.fca_id) == col(User.id), isouter=True
        )
        query = query.where(visible(actor, Action.MANAGE_CASES, Kind.CASE))
        if search.strip():
            query = query.where(col(Case.reference).contains(search.strip().upper()))
        rows = session.exec(query.order_by(col(Case.reference)).limit(limit)).all()
        return [_info(case, name or "") for case, name in rows]


def _info(case: Case, fca_name: str) -> CaseInfo:
    return CaseInfo(
        case.id,
        case.reference,
        case.law_type,
        case.case_type,
        case.issued_on,
        case.allocated_on,
        case.first_hearing_on,
        case.concluded_on,
        case.team_id,
        case.fca_id,
        fca_name,
    )
