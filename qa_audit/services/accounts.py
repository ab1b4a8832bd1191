"""Organisation units, user accounts and signing in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from qa_audit.domain.permissions import Action, Actor, Role, check
from qa_audit.errors import InvalidInput, NotFound, WrongPassword
from qa_audit.store.tables import OrgUnit, User

from . import audit_log
from .store import Store

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "1234567890",
        "qwertyuiop",
        "letmein123",
        "iloveyou12",
        "welcome123",
        "passw0rd12",
        "administrator",
        "changeme123",
    }
)


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    team_id: uuid.UUID | None
    team_name: str
    active: bool


@dataclass(frozen=True)
class OrgUnitInfo:
    id: uuid.UUID
    name: str
    kind: str
    parent_id: uuid.UUID | None
    region_id: uuid.UUID | None


def use_fast_hashing() -> None:
    """Cheaper argon2 parameters, for test suites and benchmarks only."""
    global _HASHER
    _HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if password.lower() in _COMMON:
        raise InvalidInput("That password is too common; choose another.")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def actor_for(session: Session, user: User) -> Actor:
    region_id = None
    if user.team_id is not None:
        team = session.get(OrgUnit, user.team_id)
        region_id = team.region_id if team else None
    return Actor(user.id, Role(user.role), user.team_id, region_id, user.display_name)


def system_actor() -> Actor:
    """The actor for setup and scripted admin work before any account exists."""
    return Actor(uuid.UUID(int=0), Role.ADMIN, None, None, "system")


def sign_in(store: Store, username: str, password: str) -> Actor:
    """The actor for these credentials, or `WrongPassword` (same message for either part)."""
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        ok = False
        if user is not None and user.active and user.password_hash:
            try:
                ok = _HASHER.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok or user is None:
            audit_log.record(session, None, "sign_in_failed", "user")
            raise WrongPassword("The username or password is not right.")
        actor = actor_for(session, user)
        audit_log.record(session, actor, "sign_in", "user", user.id)
        return actor


def add_org_unit(
    store: Store, actor: Actor, name: str, kind: str, parent_id: uuid.UUID | None = None
) -> OrgUnitInfo:
    check(actor, Action.MANAGE_TEAMS)
    if kind not in ("region", "service_area", "team"):
        raise InvalidInput(f"Unknown kind of unit: {kind}")
    if not name.strip():
        raise InvalidInput("Give the unit a name.")
    with store.unit_of_work() as session:
        region_id = None
        if parent_id is not None:
            parent = session.get(OrgUnit, parent_id)
            if parent is None:
                raise NotFound("The parent unit does not exist.")
            region_id = parent.region_id
        unit = OrgUnit(name=name.strip(), kind=kind, parent_id=parent_id)
        unit.region_id = unit.id if kind == "region" else region_id
        session.add(unit)
        audit_log.record(session, actor, "create", "org_unit", unit.id)
        return _unit_info(unit)


def list_org_units(store: Store) -> list[OrgUnitInfo]:
    with store.reading() as session:
        units = session.exec(select(OrgUnit).order_by(col(OrgUnit.kind), col(OrgUnit.name)))
        return [_unit_info(u) for u in units]


def _unit_info(u: OrgUnit) -> OrgUnitInfo:
    return OrgUnitInfo(u.id, u.name, u.kind, u.parent_id, u.region_id)


def add_user(
    store: Store,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    team_id: uuid.UUID | None = None,
) -> UserInfo:
    check(actor, Action.MANAGE_USERS)
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("A username is letters and digits (with . - _ allowed).")
    if not display_name.strip():
        raise InvalidInput("Give the person's display name.")
    check_password_strength(password)
    with store.unit_of_work() as session:
        if session.exec(select(User).where(User.username == username)).first():
            raise InvalidInput(f"The username '{username}' is taken.")
        if team_id is not None and session.get(OrgUnit, team_id) is None:
            raise NotFound("That team does not exist.")
        user = User(
            username=username,
            display_name=display_name.strip(),
            role=role.value,
            team_id=team_id,
            password_hash=hash_password(password),
        )
        session.add(user)
        audit_log.record(session, actor, "create", "user", user.id)
        return _user_info(session, user)


def set_active(store: Store, actor: Actor, username: str, active: bool) -> None:
    check(actor, Action.MANAGE_USERS)
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"No user '{username}'.")
        user.active = active
        user.row_version += 1
        audit_log.record(session, actor, "enable" if active else "disable", "user", user.id)


def list_users(store: Store, role: Role | None = None) -> list[UserInfo]:
    with store.reading() as session:
        query = select(User).order_by(col(User.display_name))
        if role is not None:
            query = query.where(User.role == role.value)
        return [_user_info(session, u) for u in session.exec(query)]


def user_count(store: Store) -> int:
    with store.reading() as session:
        return len(session.exec(select(User.id)).all())


def _user_info(session: Session, user: User) -> UserInfo:
    team = session.get(OrgUnit, user.team_id) if user.team_id else None
    return UserInfo(
        user.id,
        user.username,
        user.display_name,
        Role(user.role),
        user.team_id,
        team.name if team else "",
        user.active,
    )
