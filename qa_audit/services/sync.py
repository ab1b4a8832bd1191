"""A person's own offline copy of the team store, and sync between the two (DESIGN §5, §6).

The copy is an encrypted SQLite file keyed by this person's password only (a key file
with one account, and a recovery key shown once), holding only what they may see on the
team store: the exchange's `collect` reads their scope through the domain's rules, on a
connection that runs as their own PostgreSQL role, so the server's row-level security
applies too. Their account in it has the same id and username, so they sign in offline.

A sync pushes, then pulls, in the one exchange format (`qa_audit.exchange`):

- push: what changed in the copy since the last sync, planned and written on the team
  store as this person (the server's policies and triggers check every row again);
- pull: what is new or changed in their scope on the team store, which is the authority
  (the server already checked each record's writer), so each record counts as sent by
  its writer;
- each batch is one transaction on the receiving side; the versions both sides then hold
  are kept in the copy (`exchange_known`, per peer: the team store), in the same
  transaction as a pull's writes and right after a push's, so a kill or a dropped
  connection anywhere loses nothing, and a re-run finds the records already there (same
  version, same content: unchanged) and makes no duplicates;
- a record changed on both sides since the last sync (or a change the team store refused)
  is kept apart as a conflict (`sync_conflict`) and never overwritten until the person
  resolves it: take theirs, or keep mine (as my newer version where I am its writer; as
  an addendum where the assessment is finalised on the team store).

Every copy creation, sync and resolution is an event in the audit log of both ends (no
case content in it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, delete, make_url, select, update
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from qa_audit.config import data_dir
from qa_audit.domain.permissions import Action, Actor, Target, allowed
from qa_audit.domain.workflow import Status
from qa_audit.errors import BundleRejected, InvalidInput, NotFound, StoreError
from qa_audit.exchange.apply import Change, Decision, Plan, Resolution, execute, plan_payload
from qa_audit.exchange.apply import remember as remember_versions
from qa_audit.exchange.records import (
    ACTION,
    ADDENDUM,
    ASSESSMENT,
    REFERENCE_KINDS,
    RESPONSE,
    SESSION,
    WRITTEN_KINDS,
    Payload,
    batches,
    collect,
    encode,
    known_versions,
    only,
    written_count,
)
from qa_audit.store import postgres
from qa_audit.store.database import Store
from qa_audit.store.files import key_file_for
from qa_audit.store.tables import ExchangePeer, PersonalCopy, User
from qa_audit.store.tables import SyncConflict as ConflictRow
from qa_audit.store.types import utcnow

from . import audit_log
from .blinding import not_blind

log = logging.getLogger(__name__)

BATCH = 250
"""Written records (an assessment with its ratings and actions counts as one) per
transaction."""

TABLES: dict[str, Table] = {"assessment": ASSESSMENT, "response": RESPONSE,
                            "addendum": ADDENDUM, "supervision_session": SESSION,
                            "action": ACTION}


@dataclass(frozen=True)
class CopyInfo:
    """Facts a personal copy keeps about itself."""

    path: Path
    team_target: str
    owner_id: uuid.UUID
    owner_username: str
    last_synced_at: dt.datetime | None


@dataclass(frozen=True)
class SyncConflict:
    id: str
    kind: str
    label: str
    mine_summary: str
    theirs_summary: str


class ConflictChoice(StrEnum):
    KEEP_MINE = "keep_mine"
    TAKE_THEIRS = "take_theirs"


@dataclass(frozen=True)
class SyncReport:
    pushed: Mapping[str, int]
    pulled: Mapping[str, int]
    conflicts: tuple[SyncConflict, ...]
    finished_at: dt.datetime
    cancelled: bool


@dataclass(frozen=True)
class CopyCreated:
    report: SyncReport
    recovery_key: str
    """Shown once; empty when the creation was cancelled (and no file was left)."""


# -- where copies live ----------------------------------------------------------------------
def team_target(url: str) -> str:
    """The team store's address as a copy records it: no login, no password."""
    try:
        u = make_url(str(url).replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise InvalidInput(f"{url!r} is not a team store address "
                           "(postgresql://HOST/DATABASE).") from exc
    if not u.drivername.startswith("postgresql"):
        raise InvalidInput("A personal copy is of a team store: give its postgresql:// "
                           "address.")
    u = postgres.without_login(u).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def default_copy_path(team_target_url: str, username: str) -> Path:
    """One file per (team store, person) in the user data folder; its name holds the
    username, the database's name and a short hash of the address (never a password)."""
    target = team_target(team_target_url)
    database = re.sub(r"[^A-Za-z0-9_-]+", "-", make_url(target).database or "team")[:40]
    person = re.sub(r"[^a-z0-9._-]+", "-", username.strip().lower())[:64]
    digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:12]
    return data_dir() / "copies" / f"{person}@{database}-{digest}.db"


def find_copy(team_target_url: str, username: str) -> Path | None:
    path = default_copy_path(team_target_url, username)
    return path if path.is_file() else None


def copy_info(local: Store) -> CopyInfo | None:
    """What `local` is a personal copy of (None: a database of its own). The copy must be
    open (signed in): it is encrypted, facts included."""
    if local.is_team_store:
        return None
    if local.locked:
        raise StoreError("Sign in to the copy first: it is encrypted.")
    with local.reading() as session:
        row = session.exec(orm_select(PersonalCopy)).first()
    if row is None:
        return None
    return CopyInfo(local.path or Path(), row.team_target, row.owner_id, row.owner_username,
                    row.last_synced_at)


def team_reachable(team_target_url: str, timeout_s: float = 3.0) -> bool:
    """Whether the team store's server answers at all (no credentials are sent)."""
    try:
        return postgres.server_answers(team_target(team_target_url), timeout_s)
    except InvalidInput:
        return False


# -- creating a copy ------------------------------------------------------------------------
def create_copy(team: Store, actor: Actor, password: str, path: Path, *,
                progress: Callable[[int, int], None] | None = None,
                stop: Callable[[], bool] | None = None) -> CopyCreated:
    """Make this person's own copy of the team store at `path`, written whole: it is
    built beside `path` under a temporary name and renamed into place at the end, so a
    cancelled or failed creation leaves no file behind."""
    username = _team_user(team, actor)
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a folder; give a file name for your copy.")
    if path.exists():
        raise StoreError(f"{path} exists already; sync it, or choose another file name.")
    if key_file_for(path).exists():
        raise StoreError(f"{key_file_for(path).name} is left beside {path.name} without its "
                         "database (an unfinished copy, or a key file moved there): remove "
                         "it, or choose another file name.")
    assert team.team_url is not None
    # The copy is keyed by this person's team store password: checked by the server.
    postgres.check_login(team.team_url, username, password)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    local = Store.create_encrypted(temporary)
    try:
        recovery = local.take_recovery_key() or ""
        copy_id = uuid.uuid4()
        with local.unit_of_work() as session:
            session.add(PersonalCopy(id=copy_id, team_target=team_target(team.team_url),
                                     team_peer_id=uuid.uuid4(), owner_id=actor.user_id,
                                     owner_username=username))
        # All or nothing anyway (the file is renamed into place at the end): one transaction.
        run = _Run(local, team, actor, progress, stop, batch=_batch_size(creating=True))
        if not run.pull():
            report = run.report(cancelled=True)
            local.close()
            _remove(temporary)
            return CopyCreated(report, "")
        with local.unit_of_work() as session:
            me = session.get(User, actor.user_id)
            if me is None:
                raise StoreError("Your account is not on the team store any more.")
            signing = Ed25519PrivateKey.generate()
            public = local.ensure_keyring().add_account(username, password, local.key,
                                                        signing)
            audit_log.register_signing_key(session, actor.user_id, public)
            local.signers[actor.user_id] = signing
            row = session.get(PersonalCopy, copy_id)
            assert row is not None
            row.last_synced_at = utcnow()
            session.add(row)
            audit_log.record(session, actor, "personal_copy_create", "personal_copy", copy_id)
        with team.unit_of_work() as session:
            audit_log.record(session, actor, "personal_copy_create", "personal_copy", copy_id)
        report = run.report(cancelled=False)
        _checkpoint(local)
        local.close()
        _install(temporary, path)
        return CopyCreated(report, recovery)
    except BaseException:
        local.close()
        _remove(temporary)
        raise


def _checkpoint(local: Store) -> None:
    """Fold the journal into the database file before it is renamed into place."""
    raw = local.engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _companions(database: Path) -> list[Path]:
    """The files that belong to a database file: its key file, audit head and journals."""
    names = [".keys", ".audit-head", "-wal", "-shm", "-journal"]
    return [database.with_name(database.name + n) for n in names]


def _install(temporary: Path, path: Path) -> None:
    """Rename the finished copy into place: its companions first, the database last (its
    presence is what says the copy exists)."""
    for source, target in zip(_companions(temporary), _companions(path), strict=True):
        if source.exists():
            os.replace(source, target)
    os.replace(temporary, path)
    for lock in temporary.parent.glob(f"{temporary.name}*"):
        lock.unlink(missing_ok=True)


def _remove(temporary: Path) -> None:
    for leftover in [temporary, *temporary.parent.glob(f"{temporary.name}*")]:
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove a partial copy")


# -- syncing --------------------------------------------------------------------------------
def sync(local: Store, team: Store, actor: Actor, *,
         progress: Callable[[int, int], None] | None = None,
         stop: Callable[[], bool] | None = None) -> SyncReport:
    """Push what this person wrote in the copy, then pull what is new in their scope."""
    copy_row = _check_pair(local, team, actor)
    with team.unit_of_work() as session:
        audit_log.record(session, actor, "sync", "personal_copy", copy_row.id)
    run = _Run(local, team, actor, progress, stop, batch=_batch_size())
    finished = run.push() and run.pull()
    with local.unit_of_work() as session:
        if finished:
            row = session.get(PersonalCopy, copy_row.id)
            assert row is not None
            row.last_synced_at = utcnow()
            session.add(row)
        audit_log.record(session, actor, "sync" if finished else "sync_cancelled",
                         "personal_copy", copy_row.id)
    return run.report(cancelled=not finished)


def pending_conflicts(local: Store, actor: Actor) -> tuple[SyncConflict, ...]:
    info = copy_info(local)
    if info is None or info.owner_id != actor.user_id:
        raise NotFound("This is not your personal copy of a team store.")
    with local.reading() as session:
        return _conflicts(session)


def resolve(local: Store, team: Store, actor: Actor, conflict_id: str,
            choice: ConflictChoice) -> None:
    """Settle one conflict: take the team store's version (mine is replaced), or keep mine
    (sent as my newer version where I write the record; kept as an addendum where the
    assessment is finalised on the team store)."""
    copy_row = _check_pair(local, team, actor)
    choice = ConflictChoice(choice)
    try:
        record_id = uuid.UUID(str(conflict_id))
    except ValueError:
        raise NotFound(f"There is no conflict {conflict_id!r} in this copy.") from None
    with local.reading() as session:
        row = session.get(ConflictRow, record_id)
    if row is None:
        raise NotFound(f"There is no conflict {conflict_id} in this copy (resolved already?).")
    run = _Run(local, team, actor, None, None)
    if choice is ConflictChoice.TAKE_THEIRS:
        run.take_theirs(row.kind, record_id)
    else:
        run.keep_mine(row.kind, record_id)
    for store in (local, team):
        with store.unit_of_work() as session:
            audit_log.record(session, actor, f"sync_resolve_{choice.value}", "personal_copy",
                             copy_row.id)


def _batch_size(*, creating: bool = False) -> int:
    """Records per transaction (the environment may say fewer: the kill tests); a new
    copy, written whole, takes larger ones."""
    default = BATCH * 40 if creating else BATCH
    try:
        return max(1, int(os.environ.get("QA_AUDIT_SYNC_BATCH", default)))
    except ValueError:
        return default


def _team_user(team: Store, actor: Actor) -> str:
    """The username the team store runs as, which must be `actor`'s own login role."""
    if not team.is_team_store or team.locked:
        raise StoreError("Sign in to the team store first (as yourself).")
    with team.reading() as session:
        user = session.get(User, actor.user_id)
    if user is None or not user.active:
        raise NotFound("Your account is not on the team store (or is disabled).")
    if team.engine.url.username != user.username:
        raise StoreError("The team store is open with another login than yours; a personal "
                         "copy is made and synced as yourself only.")
    return user.username


def _check_pair(local: Store, team: Store, actor: Actor) -> PersonalCopy:
    """The copy's own record, once sure that `local` is `actor`'s copy of `team`."""
    if local.locked:
        raise StoreError("Sign in to the copy first: it is encrypted.")
    with local.reading() as session:
        row = session.exec(orm_select(PersonalCopy)).first()
    if row is None:
        raise StoreError(f"{local.location} is not a personal copy of a team store (it is a "
                         "database of its own).")
    if row.owner_id != actor.user_id:
        raise StoreError(f"{local.location} is the personal copy of another person "
                         f"({row.owner_username}), not yours.")
    assert team.team_url is not None or not team.is_team_store
    if not team.is_team_store or team_target(team.team_url or "") != row.team_target:
        raise StoreError(f"{local.location} is a copy of another team store "
                         f"({row.team_target}).")
    _team_user(team, actor)
    return row


@dataclass
class _Noted:
    kind: str
    record_id: uuid.UUID
    label: str
    mine: str
    theirs: str
    refused: bool


@dataclass
class _Run:
    """One sync (or a copy's first pull, or one resolution) between a copy and the team
    store, as one person."""

    local: Store
    team: Store
    actor: Actor
    progress: Callable[[int, int], None] | None
    stop: Callable[[], bool] | None
    batch: int = BATCH
    pushed: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, int] = field(default_factory=dict)
    done: int = 0
    total: int = 0
    _peer: uuid.UUID | None = None

    @property
    def peer(self) -> uuid.UUID:
        if self._peer is None:
            with self.local.reading() as session:
                row = session.exec(orm_select(PersonalCopy)).first()
            assert row is not None
            self._peer = row.team_peer_id
        return self._peer

    def report(self, *, cancelled: bool) -> SyncReport:
        with self.local.reading() as session:
            conflicts = _conflicts(session)
        return SyncReport(dict(self.pushed), dict(self.pulled), conflicts, utcnow(), cancelled)

    def _stopped(self) -> bool:
        return self.stop is not None and bool(self.stop())

    def _step(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _known(self) -> dict[uuid.UUID, int]:
        with self.local.reading() as session:
            return known_versions(session, self.peer)

    # -- push ------------------------------------------------------------------------------
    def push(self) -> bool:
        with self.local.reading() as session:
            payload = collect(session, self.actor, self.actor, known_versions(session,
                                                                              self.peer))
        self.total += written_count(payload)
        for part in batches(payload, self.batch):
            if self._stopped():
                return False
            self._push_part(part)
            self._step(written_count(part))
        return True

    def _push_part(self, part: Payload) -> Plan:
        """One transaction on the team store as this person, then the versions now agreed
        in the copy (a kill between the two: the re-run finds them equal there)."""
        with self.team.unit_of_work() as session:
            plan = _plan(session, part, self.actor.user_id, self.actor, authority=False)
            _execute(session, plan, self.actor, self.peer)
            noted = [_note(c, part, _row(session, c), mine_is_incoming=True)
                     for c in _problems(plan)]
        with self.local.unit_of_work() as session:
            agreed = plan.agreed()
            remember_versions(session.connection(), self.peer, agreed)
            _settle(session, agreed, noted)
        _count(self.pushed, plan)
        return plan

    # -- pull ------------------------------------------------------------------------------
    def pull(self) -> bool:
        known = self._known()
        with self.team.reading() as session:
            payload = collect(session, self.actor, self.actor, known,
                              also=not_blind(self.actor), offline=self.actor)
        self.total += written_count(payload)
        for part in batches(payload, self.batch):
            if self._stopped():
                return False
            self._pull_part(part)
            self._step(written_count(part))
        with self.local.unit_of_work() as session:
            peer = session.get(ExchangePeer, self.peer) or ExchangePeer(peer_id=self.peer)
            peer.last_exchange_at = utcnow()
            session.add(peer)
        return True

    def _pull_part(self, part: Payload, resolutions: Mapping[uuid.UUID, Resolution] | None
                   = None, resolved: Mapping[uuid.UUID, int] | None = None) -> Plan:
        with self.local.unit_of_work() as session:
            plan = _plan(session, part, None, self.actor, authority=True,
                         contested=resolutions or {})
            noted = [_note(c, part, _row(session, c), mine_is_incoming=False)
                     for c in _problems(plan) if c.record_id not in (resolutions or {})]
            _execute(session, plan, self.actor, self.peer, resolutions)
            agreed = plan.agreed(resolved)
            remember_versions(session.connection(), self.peer, agreed)
            _settle(session, agreed, noted)
        _count(self.pulled, plan, resolutions or {})
        return plan

    # -- resolving -------------------------------------------------------------------------
    def _single(self, store: Store, kind: str, record_id: uuid.UUID,
                known: Mapping[uuid.UUID, int]) -> Payload:
        """One record (with what it needs) as `store` holds it, in the exchange format."""
        unknown = {k: v for k, v in known.items() if k != record_id}
        with store.reading() as session:
            parent = _parent(session, kind, record_id)
            payload = collect(session, self.actor, self.actor, unknown,
                              None if parent is None else [parent],
                              also=not_blind(self.actor) if store is self.team else None)
        part = only(payload, record_id)
        # A record carried only as the home of the one in question changes nothing.
        for kind_ in WRITTEN_KINDS:
            for record in part.records[kind_]:
                fields = record["fields"]
                if fields["id"] != str(record_id):
                    part.bases[fields["id"]] = fields["row_version"]
        return part

    def take_theirs(self, kind: str, record_id: uuid.UUID) -> None:
        known = self._known()
        part = self._single(self.team, kind, record_id, known)
        version = _version_in(part, record_id)
        if version is None:  # not on the team store (refused there): mine goes
            with self.local.unit_of_work() as session:
                session.execute(delete(TABLES[kind]).where(TABLES[kind].c.id == record_id))
                session.execute(delete(ConflictRow).where(col(ConflictRow.record_id)
                                                         == record_id))
            return
        plan = self._pull_part(part, {record_id: Resolution.THEIRS}, {record_id: version})
        self._require_written(plan, record_id)

    def keep_mine(self, kind: str, record_id: uuid.UUID) -> None:
        known = self._known()
        theirs = self._single(self.team, kind, record_id, known)
        their_version = _version_in(theirs, record_id)
        with self.team.reading() as session:
            parent_id = _parent(session, kind, record_id)
            parent = None if parent_id is None else session.connection().execute(
                select(ASSESSMENT).where(ASSESSMENT.c.id == parent_id)).mappings().first()
        if parent is not None and parent["status"] == Status.FINALISED.value:
            target = Target(team_id=parent["team_id"], region_id=parent["region_id"],
                            author_id=parent["author_id"], subject_id=parent["subject_id"])
            if not allowed(self.actor, Action.ADD_ADDENDUM, target):
                raise InvalidInput(
                    "The assessment is finalised on the team store, so your version can only "
                    "be kept as an addendum, and your role does not add addenda. Take theirs "
                    "(copy your text first if you need it).")
            assert their_version is not None
            self._pull_part(theirs, {record_id: Resolution.MINE}, {record_id: their_version})
            self.push()  # the addendum with my text
            return
        mine = self._single(self.local, kind, record_id, known)
        my_version = _version_in(mine, record_id)
        if my_version is None:
            raise NotFound("That record is no longer in your copy.")
        newer = max(my_version, their_version or 0) + 1
        _set_version(mine, record_id, newer)
        if their_version is not None:
            mine.bases[str(record_id)] = their_version
        with self.team.unit_of_work() as session:
            plan = _plan(session, mine, self.actor.user_id, self.actor, authority=False)
            change = next((c for c in plan.changes if c.record_id == record_id), None)
            if change is None or change.decision not in (Decision.NEW, Decision.UPDATE):
                why = change.reason if change is not None and change.reason else (
                    "it changed there again meanwhile; sync, then choose again")
                raise InvalidInput(f"The team store does not take your version ({why}). "
                                   "Take theirs instead.")
            _execute(session, plan, self.actor, self.peer)
        with self.local.unit_of_work() as session:
            table = TABLES[kind]
            session.execute(update(table).where(table.c.id == record_id)
                            .values(row_version=newer))
            agreed = plan.agreed()
            remember_versions(session.connection(), self.peer, agreed)
            _settle(session, agreed, [])
        _count(self.pushed, plan)

    @staticmethod
    def _require_written(plan: Plan, record_id: uuid.UUID) -> None:
        change = next((c for c in plan.changes if c.record_id == record_id), None)
        if change is not None and change.decision is Decision.IGNORED:
            raise InvalidInput(f"Their version could not be taken: {change.reason}.")


def _plan(session: Session, part: Payload, sender: uuid.UUID | None, actor: Actor, *,
          authority: bool, contested: Iterable[uuid.UUID] = ()) -> Plan:
    try:
        return plan_payload(session, part, sender, actor, authority=authority,
                            contested=contested)
    except BundleRejected as exc:
        raise StoreError(f"The sync stopped: {exc}") from exc


def _execute(session: Session, plan: Plan, actor: Actor, peer: uuid.UUID,
             resolutions: Mapping[uuid.UUID, Resolution] | None = None) -> None:
    try:
        execute(session, plan, actor, peer, resolutions or {}, "the team store",
                remember=False, leave_conflicts=True)
    except IntegrityError as exc:
        raise StoreError("The sync stopped: a record does not fit the other side (it names "
                         "a record that is not there). Nothing of this batch was written; "
                         "sync again.") from exc


def _problems(plan: Plan) -> list[Change]:
    return [c for c in plan.changes if c.kind not in REFERENCE_KINDS
            and c.decision in (Decision.CONFLICT, Decision.IGNORED)]


def _count(counts: dict[str, int], plan: Plan,
           resolved: Iterable[uuid.UUID] = ()) -> None:
    """Records written, by kind: added, replaced, or settled by a resolution."""
    settled = set(resolved)
    for change in plan.changes:
        if change.kind in REFERENCE_KINDS:
            continue
        if change.decision in (Decision.NEW, Decision.UPDATE) or (
                change.decision is Decision.CONFLICT and change.record_id in settled):
            counts[change.kind] = counts.get(change.kind, 0) + 1


def _row(session: Session, change: Change) -> Mapping[str, Any] | None:
    table = TABLES.get(change.kind)
    if table is None:
        return None
    row = session.connection().execute(select(table).where(table.c.id == change.record_id)
                                       ).mappings().first()
    return None if row is None else encode(table, row)


def _record_fields(part: Payload, kind: str, record_id: uuid.UUID) -> dict[str, Any] | None:
    wanted = str(record_id)
    for records in part.records.values():
        for record in records:
            if kind != "action" and record.get("fields", {}).get("id") == wanted:
                return dict(record["fields"])
            for action in record.get("actions", []) if kind == "action" else []:
                if action["id"] == wanted:
                    return dict(action)
    return None


SUMMARY_SKIP = frozenset({"id", "row_version", "updated_at", "framework_sha256"})


def _summaries(mine: Mapping[str, Any] | None, theirs: Mapping[str, Any] | None
               ) -> tuple[str, str]:
    """What differs, in words: each side's version and the fields where they part."""
    if mine is None or theirs is None:
        return (_summary(mine, mine or {}), _summary(theirs, theirs or {}))
    differ = [k for k in mine if k in theirs and k not in SUMMARY_SKIP and mine[k] != theirs[k]]
    return (_summary(mine, {k: mine[k] for k in differ}),
            _summary(theirs, {k: theirs[k] for k in differ}))


def _summary(record: Mapping[str, Any] | None, fields: Mapping[str, Any]) -> str:
    if record is None:
        return "not there"
    parts = [f"version {record.get('row_version', 1)}"]
    for name, value in fields.items():
        if name in SUMMARY_SKIP:
            continue
        text = "" if value is None else str(value)
        parts.append(f"{name.replace('_', ' ')}: "
                     f"{text[:80] + '…' if len(text) > 80 else text}")
    return "; ".join(parts)


def _note(change: Change, part: Payload, here: Mapping[str, Any] | None, *,
          mine_is_incoming: bool) -> _Noted:
    incoming = _record_fields(part, change.kind, change.record_id)
    mine, theirs = (incoming, here) if mine_is_incoming else (here, incoming)
    mine_text, theirs_text = _summaries(mine, theirs)
    refused = change.decision is Decision.IGNORED
    label = change.describe()
    if refused:
        label = f"{label} (the team store refused it)"
    return _Noted(change.kind, change.record_id, label.strip(), mine_text, theirs_text,
                  refused)


def _settle(session: Session, agreed: Mapping[uuid.UUID, int], noted: Iterable[_Noted]
            ) -> None:
    """Conflicts found in this batch are kept (replacing an older note of the same
    record); records now the same on both sides are no longer in conflict."""
    ids = list(agreed)
    for start in range(0, len(ids), 500):
        session.execute(delete(ConflictRow).where(
            col(ConflictRow.record_id).in_(ids[start:start + 500])))
    for item in noted:
        row = session.get(ConflictRow, item.record_id) or ConflictRow(
            record_id=item.record_id, kind=item.kind, label="", mine_summary="",
            theirs_summary="")
        row.kind, row.label, row.refused = item.kind, item.label, item.refused
        row.mine_summary, row.theirs_summary = item.mine, item.theirs
        session.add(row)


def _conflicts(session: Session) -> tuple[SyncConflict, ...]:
    rows = session.exec(orm_select(ConflictRow).order_by(
        col(ConflictRow.found_at), col(ConflictRow.record_id))).all()
    return tuple(SyncConflict(str(r.record_id), r.kind, r.label, r.mine_summary,
                              r.theirs_summary) for r in rows)


def _parent(session: Session, kind: str, record_id: uuid.UUID) -> uuid.UUID | None:
    """The assessment a record travels with (None: a supervision record or its action,
    which travel in the full scope)."""
    if kind == "assessment":
        return record_id
    if kind == "supervision_session":
        return None
    table = TABLES[kind]
    found = session.connection().execute(select(table.c.assessment_id).where(
        table.c.id == record_id)).scalar()
    return found if isinstance(found, uuid.UUID) else None


def _version_in(part: Payload, record_id: uuid.UUID) -> int | None:
    for kind in ("assessment", "response", "addendum", "supervision_session", "action"):
        fields = _record_fields(part, kind, record_id)
        if fields is not None:
            return int(fields.get("row_version", 1))
    return None


def _set_version(part: Payload, record_id: uuid.UUID, version: int) -> None:
    wanted = str(record_id)
    for records in part.records.values():
        for record in records:
            fields = record.get("fields", {})
            if fields.get("id") == wanted:
                fields["row_version"] = version
            for action in record.get("actions", []):
                if action["id"] == wanted:
                    action["row_version"] = version


__all__ = ["ConflictChoice", "CopyCreated", "CopyInfo", "SyncConflict", "SyncReport",
           "copy_info", "create_copy", "default_copy_path", "find_copy", "pending_conflicts",
           "resolve", "sync", "team_reachable", "team_target"]
