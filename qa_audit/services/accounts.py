"""Organisation units, user accounts and signing in."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func
from sqlmodel import Session, col, select

from qa_audit.domain.permissions import Action, Actor, Role, check
from qa_audit.domain.records import OrgUnitKind
from qa_audit.errors import InvalidInput, NotFound, TooManyAttempts, WrongPassword
from qa_audit.exchange import keys as exchange_keys
from qa_audit.store import postgres
from qa_audit.store.database import Store
from qa_audit.store.keyring import AccountKeys, backoff_seconds, use_fast_kdf
from qa_audit.store.scope import Kind, visible
from qa_audit.store.tables import AuditEvent, OrgUnit, Setting, User
from qa_audit.store.types import utcnow

from . import audit_log

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
    kind: OrgUnitKind
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
    """The actor for these credentials, or `WrongPassword` (same message for either part,
    after the same effort: an unknown username costs one argon2 derivation too).

    On an encrypted database the password unlocks the account's key pairs, whose private
    key unseals the database key (unlocking a locked store) and whose signing key signs
    this person's audit events. Repeated failures make the next attempt wait
    (`TooManyAttempts`, which says whose failures and until when). Failures are counted
    in the key file and written to the audit log at the next successful sign-in; a count
    that went down (the key file edited) is logged too. The key file is read afresh: a
    reset or a disabled account made by another process counts here.
    """
    username = username.strip().lower()
    now = now or utcnow()
    keyring = store.keyring_for_sign_in()
    _refuse_while_backing_off(store, username, now)
    keys: AccountKeys | None = None
    try:
        if store.is_team_store:
            # The server checks the person's own login role (and, for a store opened
            # without one, connects as it from now on).
            store.sign_in_as(username, password)
        elif keyring is not None:
            keys = keyring.unlock(username, password)
            store.unlock_with_keys(keys.database_keys)
        elif store.locked:
            raise WrongPassword("The username or password is not right.")
    except WrongPassword:
        _note_failure(store, username, now)
        raise
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        # The team store's server checked the password (its login role) above.
        ok = store.is_team_store or keys is not None or _hash_matches(user, password)
        if user is None or not user.active or not ok:
            failed = True
        else:
            failed = False
            actor = actor_for(session, user)
            if keys is not None:
                assert keyring is not None
                signing = keys.signing
                if keyring.is_legacy(username):  # first sign-in since key pairs: make them
                    keyring.add_account(username, password, store.key, signing)
                store.signers[user.id] = signing
                store.account_keys[user.id] = keys
                audit_log.register_signing_key(session, user.id, keys.signing_public)
            store.sign_in_notice = _log_failed_attempts(store, session, user)
            audit_log.record(session, actor, "sign_in", "user", user.id)
    if failed:
        _note_failure(store, username, now)
        raise WrongPassword("The username or password is not right.")
    _clear_failures(store, username)
    return actor


FAILURE_TOTALS = "sign_in_failure_totals"


def _log_failed_attempts(store: Store, session: Session, user: User) -> str | None:
    """Put the failed sign-ins counted in the key file since the last successful one into
    the audit log, and log any account whose running total went down (someone edited the
    key file to lift a back-off). Returns what to tell the person signing in."""
    keyring = store.keyring
    if keyring is None:
        return None
    row = session.get(Setting, FAILURE_TOTALS)
    known: dict[str, int] = json.loads(row.value) if row else {}
    notice = None
    totals: dict[str, int] = {}
    pending_any = False
    for other in session.exec(select(User)).all():
        total = keyring.failure_total(other.username)
        if total < known.get(str(other.id), 0):
            audit_log.record(session, None, "sign_in_record_edited", "user", other.id)
            if other.id == user.id:
                notice = ("The record of failed sign-ins to your account was edited outside "
                          "qa_audit; this has been written to the audit log.")
        totals[str(other.id)] = total
        pending = keyring.pending_failures(other.username)
        for at in pending:
            audit_log.record(session, None, "sign_in_failed", "user", other.id, at=at)
        pending_any = pending_any or bool(pending)
        if other.id == user.id and pending:
            notice = (notice + " " if notice else "") + (
                f"{len(pending)} failed sign-in{'' if len(pending) == 1 else 's'} to your "
                "account since your last sign-in, "
                f"the last at {pending[-1]:%Y-%m-%d %H:%M} UTC. If that was not you, tell "
                "your administrator.")
    if row is None:
        row = Setting(key=FAILURE_TOTALS, value="")
    row.value = json.dumps(totals, sort_keys=True)
    session.add(row)
    if pending_any:
        keyring.take_pending()
    return notice


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
        seconds = "1 second" if left == 1 else f"{left} seconds"
        raise TooManyAttempts(
            f"Too many wrong passwords for this account ({count} in a row, the last at "
            f"{last:%H:%M:%S} UTC). Try again in {seconds}: the right password works "
            "then. If these were not your tries, tell your administrator.")


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


def _grant_key(store: Store, session: Session, user: User, password: str,
               signing: Ed25519PrivateKey | None = None) -> None:
    """Give this account its own key pairs (sealed by its password) and the database key
    sealed to it (encrypted stores); record its signing public key."""
    if store.encrypted:
        public = store.ensure_keyring().add_account(user.username, password, store.key,
                                                    signing)
        audit_log.register_signing_key(session, user.id, public)


def grant_shared_password(store: Store, usernames: list[str], password: str) -> None:
    """Key entries for accounts created in bulk with one password (demo data only). Their
    signing keys stay with this store, so that work scripted in their names right after
    (the demo's moderation) is signed as if they had signed in."""
    if not (store.encrypted and usernames):
        return
    signing = store.ensure_keyring().add_accounts(usernames, password, store.key)
    with store.unit_of_work() as session:
        ids = dict(session.exec(select(User.username, User.id).where(
            col(User.username).in_(usernames))).all())
        audit_log.register_signing_keys(session, {
            ids[u]: key.public_key().public_bytes_raw() for u, key in signing.items()})
    store.signers.update({ids[u]: key for u, key in signing.items()})


def change_password(store: Store, actor: Actor, old: str, new: str) -> None:
    """The signed-in user changes their own password: their entry gets new key pairs (the
    signing key is kept), sealed by the new password; the database is not re-keyed."""
    check_password_strength(new)
    with store.unit_of_work() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("Your account no longer exists.")
        keyring = store.refresh_keyring()
        signing = None
        if keyring is not None and keyring.has_account(user.username):
            try:
                signing = keyring.unlock(user.username, old).signing
            except WrongPassword as exc:
                raise WrongPassword("Your current password is not right.") from exc
        elif store.is_team_store:
            try:
                postgres.check_login(store.team_url or "", user.username, old)
            except WrongPassword:
                raise WrongPassword("Your current password is not right.") from None
        elif not _hash_matches(user, old):
            raise WrongPassword("Your current password is not right.")
        if not store.is_team_store:  # bundles are for files without a server
            exchange_keys.reseal(session, user.id, old, new)  # before the key file changes
        _set_password(store, session, user, new)
        _grant_key(store, session, user, new, signing)
        audit_log.record(session, actor, "change_password", "user", user.id)
    if store.is_team_store:
        store.password_changed(user.username, new)


def reset_password(store: Store, actor: Actor, username: str, new: str,
                   progress: Callable[[int, int], None] | None = None) -> str | None:
    """An admin (or the recovery key holder) sets a new password for an account.

    The account gets new key pairs and the database is re-keyed, so the old password with
    any old copy of the key file opens nothing. Returns a new recovery key to show when
    the re-key had to make one (a database from before key pairs), else None.

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
        _set_password(store, session, user, new)
        if store.encrypted:
            store.ensure_keyring().remove(user.username)
        # The old password sealed the bundle keys: new ones are made at next use (and the
        # people who send to this account trust the new key card).
        if not store.is_team_store:
            exchange_keys.forget(session, user.id)
        audit_log.record(session, actor, "reset_password", "user", user.id)
    recovery = store.rekey(progress) if store.encrypted else None
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).one()
        _grant_key(store, session, user, new)
        audit_log.record(session, actor, "rekey_database", "database")
    return recovery


def _set_password(store: Store, session: Session, user: User, password: str) -> None:
    """On the team store the server keeps the password (its login role's SCRAM verifier)
    and no hash is stored in the readable user table."""
    if store.is_team_store:
        postgres.set_login_password(session.connection(), user.username, password)
    else:
        user.password_hash = hash_password(password)


def sign_out(store: Store, actor: Actor) -> None:
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "sign_out", "user", actor.user_id)


def add_org_unit(
    store: Store, actor: Actor, name: str, kind: OrgUnitKind | str,
    parent_id: uuid.UUID | None = None
) -> OrgUnitInfo:
    check(actor, Action.MANAGE_TEAMS)
    if kind not in tuple(OrgUnitKind):
        raise InvalidInput(f"Unknown kind of unit: {kind}")
    kind = OrgUnitKind(kind)
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
        unit.region_id = unit.id if kind is OrgUnitKind.REGION else region_id
        session.add(unit)
        audit_log.record(session, actor, "create", "org_unit", unit.id)
        return _unit_info(unit)


def list_org_units(store: Store) -> list[OrgUnitInfo]:
    with store.reading() as session:
        units = session.exec(select(OrgUnit).order_by(col(OrgUnit.kind), col(OrgUnit.name)))
        return [_unit_info(u) for u in units]


def _unit_info(u: OrgUnit) -> OrgUnitInfo:
    return OrgUnitInfo(u.id, u.name, OrgUnitKind(u.kind), u.parent_id, u.region_id)


# Usernames are also the team store's login role names: plain ASCII, so two accounts
# cannot look alike (a Cyrillic "о" beside a Latin "o"), and within PostgreSQL's 63 bytes.
USERNAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")
USERNAME_MAX = 63


def check_username(username: str) -> str:
    """The username as stored (trimmed, lower case), or InvalidInput saying why not."""
    username = username.strip().lower()
    if len(username) > USERNAME_MAX:
        raise InvalidInput(f"A username is at most {USERNAME_MAX} characters "
                           f"(this one has {len(username)}).")
    if not USERNAME.fullmatch(username):
        raise InvalidInput("A username is plain letters a-z and digits 0-9, with . - _ "
                           "allowed between them (for example jo.smith); the display name "
                           "can be written in any script.")
    return username


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
    username = check_username(username)
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
            password_hash="" if store.is_team_store else hash_password(password),
        )
        session.add(user)
        audit_log.record(session, actor, "create", "user", user.id)
        session.flush()
        if store.is_team_store:
            # Their own login role, in this transaction: both or neither.
            postgres.create_login(session.connection(), username, password, role.value)
        _grant_key(store, session, user, password)
        return _user_info(session, user)


def set_active(store: Store, actor: Actor, username: str, active: bool,
               progress: Callable[[int, int], None] | None = None) -> str | None:
    """Disable an account or enable it again (on an encrypted database it then needs a new
    password: see `needs_new_password`).

    Disabling removes the account's key entry and re-keys the database, sealing the new
    key to the remaining accounts (no one's password needed), so that an old copy of the
    key file and the account's password open nothing; its open sessions stop at their
    next action. Returns a new recovery key to show when the re-key had to make one."""
    check(actor, Action.MANAGE_USERS)
    with store.unit_of_work() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"No user '{username}'.")
        if not active and user.id == actor.user_id:
            raise InvalidInput("You cannot disable your own account.")
        user.active = active
        if store.is_team_store:
            postgres.set_login_enabled(session.connection(), user.username, active)
        user_id = user.id
        keyring = store.refresh_keyring()
        if not active and keyring is not None:
            keyring.remove(user.username)
        audit_log.record(session, actor, "enable" if active else "disable", "user", user.id)
    store.signers.pop(user_id, None)
    store.account_keys.pop(user_id, None)
    if active or not store.encrypted:
        return None
    recovery = store.rekey(progress)
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "rekey_database", "database")
    return recovery


def needs_new_password(store: Store, username: str) -> bool:
    """Whether the account has no key entry on an encrypted database (it was disabled
    once, or made before encryption), so it cannot sign in until it gets a new password."""
    if not store.encrypted:
        return False
    keyring = store.refresh_keyring()
    return keyring is None or not keyring.has_account(username)


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
            OrgUnit.kind == OrgUnitKind.TEAM)).all())
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
            col(OrgUnit.kind) == OrgUnitKind.TEAM, visible(actor, Action.VIEW_THEMES, Kind.TEAM))
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
