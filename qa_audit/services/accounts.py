"""Organisation units, user accounts and signing in."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from qa_audit.domain.permissions import Action, Actor, Role, check
from qa_audit.errors import InvalidInput, NotFound, TooManyAttempts, WrongPassword
from qa_audit.store.keyring import backoff_seconds, use_fast_kdf
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import AuditEvent, OrgUnit, User
from qa_audit.store.types import utcnow

from . import audit_log
from .store import Store

log = logging.getLogger(__name__)
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_COMMON = frozenset({
    "password", "password1", "password12", "password123", "password1234", "password1!",
    "passw0rd12", "passw0rd123", "1234567890", "0987654321", "12345678910", "123456789a",
    "a123456789", "1234567890a", "qwertyuiop", "qwertyuiop1", "qwerty12345", "qwerty123456",
    "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde", "asdfghjkl1", "zxcvbnm123",
    "abcdefghij", "abc1234567", "letmein123", "iloveyou12", "iloveyou123", "welcome123",
    "welcome1234", "administrator", "changeme123", "trustno1234", "football123",
    "liverpool1", "liverpool123", "chelsea123", "arsenal123", "manchester", "manchester1",
    "sunshine123", "princess123", "superman123", "monkey1234", "dragon1234", "baseball123",
    "starwars123", "computer123", "internet123", "samsung123", "michael123", "jennifer123",
    "qa-audit123", "qaaudit123", "cafcass123", "cafcass2024", "cafcass2025", "cafcass2026",
    "summer2024", "summer2025", "summer2026", "winter2024", "winter2025", "winter2026",
    "spring2025", "autumn2025", "january2025", "december2025", "correcthorse",
})


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
    use_fast_kdf()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) <= 2 or lowered in "01234567890123456789":
        raise InvalidInput("That password is too common or too simple; choose another, "
                           "for example three unrelated words.")


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


def needs_setup(store: Store) -> bool:
    """True for a new database: unlocked and without any account yet."""
    return not store.locked and user_count(store) == 0


def sign_in(store: Store, username: str, password: str, *, now: dt.datetime | None = None
            ) -> Actor:
    """The actor for these credentials, or `WrongPassword` (same message for either part).

    On an encrypted database the password unwraps the database key (unlocking a locked
    store); repeated failures make the next attempt wait (`TooManyAttempts`). The key file
    is read afresh: a reset or a disabled account made by another process counts here.
    """
    username = username.strip().lower()
    now = now or utcnow()
    keyring = store.keyring_for_sign_in()
    _refuse_while_backing_off(store, username, now)
    try:
        if keyring is not None and username in keyring.usernames:
            key = keyring.unwrap(username, password)
            store.unlock_with_key(key)
            password_ok = True
        elif store.locked:
            raise WrongPassword("The username or password is not right.")
        else:
            password_ok = False
    except WrongPassword:
        _note_failure(store, username, now)
        raise
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        ok = password_ok or _hash_matches(user, password)
        if user is None or not user.active or not ok:
            audit_log.record(session, None, "sign_in_failed", "user")
            failed = True
        else:
            failed = False
            actor = actor_for(session, user)
            audit_log.record(session, actor, "sign_in", "user", user.id)
    if failed:
        _note_failure(store, username, now)
        raise WrongPassword("The username or password is not right.")
    _clear_failures(store, username)
    return actor


def _hash_matches(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        _HASHER.hash(password)  # same effort whether or not the user exists
        return False
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_memory_failures: dict[str, tuple[int, dt.datetime]] = {}


def _failures(store: Store, username: str) -> tuple[int, dt.datetime | None]:
    if store.keyring is not None:
        return store.keyring.failures(username)
    count, last = _memory_failures.get(username, (0, None))
    return count, last


def _refuse_while_backing_off(store: Store, username: str, now: dt.datetime) -> None:
    count, last = _failures(store, username)
    wait = backoff_seconds(count)
    if last is not None and wait and (now - last).total_seconds() < wait:
        left = int(wait - (now - last).total_seconds()) + 1
        raise TooManyAttempts(
            f"Too many wrong passwords for this account. Try again in {left} seconds."
        )


def _note_failure(store: Store, username: str, now: dt.datetime) -> None:
    if store.keyring is not None:
        store.keyring.note_failure(username, now)
    else:
        count, _ = _memory_failures.get(username, (0, now))
        _memory_failures[username] = (count + 1, now)
    log.info("sign-in failed")


def _clear_failures(store: Store, username: str) -> None:
    if store.keyring is not None:
        if store.keyring.failures(username)[0]:
            store.keyring.clear_failures(username)
    else:
        _memory_failures.pop(username, None)


def _grant_key(store: Store, username: str, password: str) -> None:
    """Give this account its own wrapped copy of the database key (encrypted stores)."""
    if store.encrypted:
        store.ensure_keyring().wrap(username, password, store.key)


def grant_shared_password(store: Store, usernames: list[str], password: str) -> None:
    """Key entries for accounts created in bulk with one password (demo data only)."""
    if store.encrypted and usernames:
        store.ensure_keyring().wrap_many(usernames, password, store.key)


def change_password(store: Store, actor: Actor, old: str, new: str) -> None:
    """The signed-in user changes their own password: one key entry is rewrapped."""
    check_password_strength(new)
    with store.unit_of_work() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("Your account no longer exists.")
        keyring = store.refresh_keyring()
        if keyring is not None and user.username in keyring.usernames:
            keyring.unwrap(user.username, old)
        elif not _hash_matches(user, old):
            raise WrongPassword("Your current password is not right.")
        user.password_hash = hash_password(new)
        user.row_version += 1
        _grant_key(store, user.username, new)
        audit_log.record(session, actor, "change_password", "user", user.id)


def reset_password(store: Store, actor: Actor, username: str, new: str) -> None:
    """An admin (or the recovery key holder) sets a new password for an account.

    Refused for a disabled account: it could not sign in with it, and it must not get a
    key entry back while disabled."""
    check(actor, Action.MANAGE_USERS)
    check_password_strength(new)
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"No user '{username}'.")
        if not user.active:
            raise InvalidInput(f"The account '{username}' is disabled, so it could not sign "
                               "in with a new password; enable it first, then set one.")
        user.password_hash = hash_password(new)
        user.row_version += 1
        _grant_key(store, user.username, new)
        if store.keyring is not None:
            store.keyring.clear_failures(user.username)
        audit_log.record(session, actor, "reset_password", "user", user.id)


def sign_out(store: Store, actor: Actor) -> None:
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "sign_out", "user", actor.user_id)


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
        session.flush()
        _grant_key(store, username, password)
        return _user_info(session, user)


def set_active(store: Store, actor: Actor, username: str, active: bool) -> None:
    """Disable an account (its key entry is removed) or enable it again (on an encrypted
    database it then needs a new password: see `needs_new_password`)."""
    check(actor, Action.MANAGE_USERS)
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"No user '{username}'.")
        user.active = active
        user.row_version += 1
        keyring = store.refresh_keyring()
        if not active and keyring is not None:
            # A disabled account can no longer unwrap the key; re-enabling needs a reset.
            keyring.remove(user.username)
        audit_log.record(session, actor, "enable" if active else "disable", "user", user.id)


def needs_new_password(store: Store, username: str) -> bool:
    """Whether the account has no wrapped key on an encrypted database (it was disabled
    once, or made before encryption), so it cannot sign in until it gets a new password."""
    if not store.encrypted:
        return False
    keyring = store.refresh_keyring()
    return keyring is None or username not in keyring.usernames


def list_users(store: Store, actor: Actor, role: Role | None = None) -> list[UserInfo]:
    """The people this actor may pick or manage: everyone for an administrator, their team
    for a supervisor, their region for a quality lead, themselves for a practitioner."""
    with store.reading() as session:
        query = select(User).where(visible(actor, Action.LIST_PEOPLE, Kind.PERSON)).order_by(
            col(User.display_name))
        if role is not None:
            query = query.where(User.role == role.value)
        users = session.exec(query).all()
        teams = dict(session.exec(select(OrgUnit.id, OrgUnit.name).where(
            OrgUnit.kind == "team")).all())
        return [UserInfo(u.id, u.username, u.display_name, Role(u.role), u.team_id,
                         teams.get(u.team_id, "") if u.team_id else "", u.active)
                for u in users]


def user_count(store: Store) -> int:
    with store.reading() as session:
        return int(session.exec(select(func.count()).select_from(User)).one())


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


def teams_visible(store: Store, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Teams whose summary this actor may export: a supervisor's own team, a quality lead's
    region's teams."""
    with store.reading() as session:
        query = select(col(OrgUnit.id), col(OrgUnit.name)).where(
            col(OrgUnit.kind) == "team", visible(actor, Action.VIEW_THEMES, Kind.TEAM))
        return [(i, n) for i, n in session.execute(query.order_by(col(OrgUnit.name)))]


def practitioners_visible(store: Store, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Practitioners whose period summary this actor may export: an FCA themselves, a
    supervisor their team's FCAs, a quality lead their region's."""
    with store.reading() as session:
        query = select(col(User.id), col(User.display_name)).where(
            col(User.role) == Role.FCA.value, col(User.active).is_(True),
            visible(actor, Action.EXPORT_ASSESSMENT, Kind.PERSON))
        return [(i, n) for i, n in session.execute(query.order_by(col(User.display_name)))]


def password_notice(store: Store, actor: Actor) -> str | None:
    """What the person should know when someone else set their password (an administrator
    creating the account or resetting it): that person could sign in as them and read
    what they may read. Says when, by whom, and how often the account was signed in to
    since (before this sign-in), until the person chooses their own password."""
    me = str(actor.user_id)
    with store.reading() as session:
        events = session.exec(
            select(AuditEvent).where(col(AuditEvent.entity) == "user",
                                     col(AuditEvent.entity_id) == me,
                                     col(AuditEvent.action).in_(
                                         ("create", "reset_password", "change_password",
                                          "confirm_own_password")))
            .order_by(col(AuditEvent.seq).desc()).limit(1)).first()
        if events is None or events.actor_id == actor.user_id:
            return None
        setter = session.get(User, events.actor_id) if events.actor_id else None
        sign_ins = session.exec(
            select(AuditEvent.at).where(col(AuditEvent.action) == "sign_in",
                                        col(AuditEvent.actor_id) == actor.user_id,
                                        col(AuditEvent.seq) > (events.seq or 0))
            .order_by(col(AuditEvent.seq))).all()
    who = setter.display_name if setter else "the command line (an administrator)"
    earlier = sign_ins[:-1]  # the last one is this sign-in
    text = (f"Your password was set by {who} on {events.at:%d %b %Y at %H:%M} UTC, so "
            "they know it. Choose your own now (File › Change password…).")
    if earlier:
        times = "once" if len(earlier) == 1 else f"{len(earlier)} times"
        text += (f" This account was signed in to {times} since then, last on "
                 f"{earlier[-1]:%d %b %Y at %H:%M} UTC: if that was not you, tell your "
                 "information governance lead.")
    return text


def confirm_own_password(store: Store, actor: Actor) -> None:
    """Record that the person chose the password of the account just made for them (first-run
    setup, where the account is created before anyone is signed in)."""
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "confirm_own_password", "user", actor.user_id)
