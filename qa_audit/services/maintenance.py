"""Backups, restore, retention and moving a clear-text database into an encrypted one."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from qa_audit.domain.permissions import Action, Actor, Role, check
from qa_audit.domain.workflow import Status
from qa_audit.errors import DiskFull, InvalidInput, StoreError
from qa_audit.store.database import Store
from qa_audit.store.files import (
    PRIVATE_MODE,
    atomic_write_bytes,
    check_new_file,
    is_disk_full,
    is_plain_sqlite,
    key_file_for,
    sync_folder,
    temporary_name,
    under_final_name,
)
from qa_audit.store.sqlite_files import (
    backup_into,
    checkpoint_and_copy,
    export_encrypted,
    integrity_and_id,
    restore_from,
)
from qa_audit.store.tables import (
    ActionItem,
    Addendum,
    Assessment,
    Moderation,
    Rating,
    Response,
    SessionAssessment,
    Setting,
    User,
)
from qa_audit.store.types import utcnow

from . import audit_log

RETENTION_SETTING = "retention_months"
DEFAULT_RETENTION_MONTHS = 72
ANONYMISED_USERNAME = "anonymised"


def _file_key(store: Store, key: bytes | None = None) -> bytes | None:
    """The key for another file of this database: its own (or `key`: a backup made before
    the database was re-keyed has an older one); none for a clear-text database."""
    return (key or store.key) if store.encrypted else None


def _sqlite_only(store: Store) -> None:
    if store.path is None:
        raise InvalidInput("Backups here are for the SQLite database; on PostgreSQL use "
                           "the server's own backups (pg_dump).")


def backup(store: Store, actor: Actor, out: Path,
           progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy the live database with SQLite's online backup (consistent while the app runs).

    The copy of an encrypted database stays encrypted with the same key, and its key file
    is copied beside it. Both are written whole (a temporary file, fsynced, renamed), mode
    0600: a full disk leaves nothing under the final name to block the next try.
    """
    check(actor, Action.BACKUP_RESTORE)
    _sqlite_only(store)
    check_new_file(out, "backup")
    if store.path is not None and _same_file(out, store.path):
        raise InvalidInput("That is the live database itself; choose a new file name.")
    tmp = temporary_name(out)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
        backup_into(store.engine, tmp, _file_key(store), progress)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.link(tmp, out)  # never over a file that appeared meanwhile
        tmp.unlink()
        sync_folder(out.parent)
        if store.keyring is not None:
            atomic_write_bytes(key_file_for(out), store.keyring.path.read_bytes())
    except BaseException as exc:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
        under_final_name(exc, tmp, out)
        if out.exists() and not key_file_for(out).exists() and store.keyring is not None:
            out.unlink()  # a backup without its key file would not open: not kept
        if is_disk_full(exc):
            raise DiskFull(f"The disk is full, so the backup was not written (nothing was "
                           f"left in {out.parent}). Free some space and try again.") from exc
        raise
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "backup", "database")
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_backup(store: Store, source: Path) -> bytes | None:
    """Refuse a damaged file or one from another database before anything is touched."""
    if source.is_dir():
        raise InvalidInput(f"{source} is a folder; give the backup file itself.")
    if not source.exists():
        raise InvalidInput(f"No backup file at {source}.")
    if store.path is not None and _same_file(source, store.path):
        raise InvalidInput("That is the live database itself, not a backup of it.")
    if store.encrypted == is_plain_sqlite(source):
        raise StoreError("That backup is not a backup of this database.")
    key = _backup_key(store, source)
    try:
        result, their_id = integrity_and_id(source, _file_key(store, key))
    except Exception as exc:
        raise StoreError("That backup is damaged or belongs to another database.") from exc
    if result != "ok":
        raise StoreError("That backup failed its integrity check; it will not be restored.")
    with store.reading() as session:
        ours = session.get(Setting, "database_id")
    if ours is not None and their_id != ours.value:
        raise StoreError("That backup belongs to another database.")
    return key


def _backup_key(store: Store, source: Path) -> bytes | None:
    """The key that opens the backup: the database's own, or (for a backup made before an
    account was disabled or a password reset) an older one sealed, in the key file copied
    beside the backup, to an account signed in here."""
    if not store.encrypted:
        return None
    from qa_audit.store.engine import WrongKey, check_key
    from qa_audit.store.keyring import Keyring

    candidates = [store.key]
    beside = key_file_for(source)
    if beside.is_file():
        try:
            old = Keyring.load(beside)
        except StoreError:
            old = None
        if old is not None:
            with store.reading() as session:
                names = {u.id: u.username for u in session.exec(select(User)).all()}
            for user_id, keys in store.account_keys.items():
                if user_id in names:
                    candidates += old.database_keys_for(names[user_id], keys.exchange)
            if store.recovery_secret is not None:
                candidates += old.recovery_keys(store.recovery_secret)
    for key in candidates:
        try:
            check_key(source, key)
        except WrongKey:
            continue
        except StoreError as exc:
            raise StoreError(f"That backup cannot be read: {exc}") from exc
        return key
    raise StoreError(
        "That backup does not open with this database's key: it was made before an account "
        "was disabled or a password reset, and its key file (copied beside it) has no key "
        "for your account as it is now. Open it with the recovery key, or restore it as the "
        "administrator who made it, or it belongs to another database.")


def restore(store: Store, actor: Actor, source: Path) -> None:
    """Replace the database's content with a checked backup, in one step."""
    check(actor, Action.BACKUP_RESTORE)
    _sqlite_only(store)
    key = check_backup(store, source)
    restore_from(store.engine, source, _file_key(store, key))
    # The restored log is older than the head file beside the database: anchor it afresh
    # (the restore itself is the first event anchored).
    if store.path is not None:
        audit_log.head_file_for(store.path).unlink(missing_ok=True)
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "restore", "database")


# -- retention ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionPlan:
    cutoff: dt.date
    assessment_ids: tuple[uuid.UUID, ...]
    mode: str


def retention_months(store: Store) -> int:
    with store.reading() as session:
        row = session.get(Setting, RETENTION_SETTING)
    return int(json.loads(row.value)) if row else DEFAULT_RETENTION_MONTHS


MAX_RETENTION_MONTHS = 1200


def _check_months(months: int) -> None:
    if months < 12:
        raise InvalidInput("Keep finalised assessments for at least 12 months.")
    if months > MAX_RETENTION_MONTHS:
        raise InvalidInput(f"A retention period is at most {MAX_RETENTION_MONTHS} months "
                           f"({MAX_RETENTION_MONTHS // 12} years).")


def set_retention_months(store: Store, actor: Actor, months: int) -> None:
    check(actor, Action.RUN_RETENTION)
    _check_months(months)
    with store.unit_of_work() as session:
        row = session.get(Setting, RETENTION_SETTING) or Setting(key=RETENTION_SETTING, value="")
        row.value = json.dumps(months)
        session.add(row)
        audit_log.record(session, actor, "set_retention", "setting")


def plan_retention(store: Store, actor: Actor, *, today: dt.date | None = None,
                   mode: str = "anonymise", months: int | None = None) -> RetentionPlan:
    """What the retention run would delete or anonymise (a dry run changes nothing), by the
    stored period or, to see what another would do, by `months` (not stored)."""
    check(actor, Action.RUN_RETENTION)
    if mode not in ("anonymise", "delete"):
        raise InvalidInput("Retention mode is 'anonymise' or 'delete'.")
    today = today or dt.date.today()
    if months is None:
        months = retention_months(store)
    _check_months(months)
    cutoff = _months_before(today, months)
    cutoff_ts = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    with store.reading() as session:
        ids = session.exec(
            select(Assessment.id).where(
                col(Assessment.status) == Status.FINALISED.value,
                col(Assessment.finalised_at) < cutoff_ts,
                col(Assessment.content_hash) != "anonymised",
            ).order_by(col(Assessment.finalised_at))
        ).all()
    return RetentionPlan(cutoff, tuple(ids), mode)


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def apply_retention(store: Store, actor: Actor, plan: RetentionPlan) -> int:
    """Delete, or strip of all text and names (keeping grades for themes), in one unit."""
    check(actor, Action.RUN_RETENTION)
    ids = list(plan.assessment_ids)
    if not ids:
        return 0
    with store.unit_of_work() as session:
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            if plan.mode == "delete":
                for table in (Rating, ActionItem, Response, Addendum, Moderation,
                              SessionAssessment):
                    session.execute(delete(table).where(col(table.assessment_id).in_(chunk)))
                session.execute(delete(Assessment).where(col(Assessment.id).in_(chunk)))
            else:
                _anonymise(session, chunk)
        audit_log.record(session, actor, f"retention_{plan.mode}", "assessment",
                         f"{len(ids)} records")
    return len(ids)


def _anonymise(session: Any, chunk: list[uuid.UUID]) -> None:
    placeholder = session.exec(select(User).where(User.username == ANONYMISED_USERNAME)).first()
    if placeholder is None:
        placeholder = User(username=ANONYMISED_USERNAME, display_name="Anonymised",
                           role=Role.FCA.value, active=False)
        session.add(placeholder)
        session.flush()
    session.execute(update(Assessment).where(col(Assessment.id).in_(chunk)).values(
        case_id=None, subject_id=placeholder.id, author_id=placeholder.id, context="{}",
        childs_voice="", impact_of_delay="", strengths="", areas_for_development="",
        content_hash="anonymised", updated_at=utcnow()))
    session.execute(update(Rating).where(col(Rating.assessment_id).in_(chunk)).values(
        evidence="", commentary="", indicators="[]"))
    session.execute(update(ActionItem).where(col(ActionItem.assessment_id).in_(chunk)).values(
        text="(anonymised)", owner_id=None))
    for table in (Response, Addendum, Moderation):
        session.execute(delete(table).where(col(table.assessment_id).in_(chunk)))


# -- clear text to encrypted -------------------------------------------------------------
@dataclass(frozen=True)
class EncryptionResult:
    recovery_key: str
    backup: Path
    accounts_to_reset: tuple[str, ...]
    """Accounts whose passwords must be reset by the admin before they can sign in."""


def encrypt_database(path: Path, admin_username: str, admin_password: str) -> EncryptionResult:
    """Move a clear-text database into an encrypted one, after a backup of the original.

    Only an admin can do this. The admin's password gets a key entry straight away; other
    accounts' passwords are only stored as hashes, so they get new passwords from the admin.
    """
    from qa_audit.store.keyring import (
        Keyring,
        database_key,
        format_recovery_key,
        new_recovery_secret,
        recovery_public_key,
    )

    from . import accounts

    store = Store.open(path)
    if store.encrypted:
        raise InvalidInput("This database is encrypted already.")
    actor = accounts.sign_in(store, admin_username, admin_password)
    if actor.role is not Role.ADMIN:
        raise InvalidInput("Only an administrator can encrypt the database.")
    backup_path = path.with_name(path.name + ".before-encryption.bak")
    if backup_path.exists():
        raise InvalidInput(f"{backup_path} exists; move it away first.")
    with store.unit_of_work() as session:
        audit_log.record(session, actor, "encrypt_database", "database")
        usernames = [u for u in session.exec(select(User.username)).all()]
    os.close(os.open(backup_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    checkpoint_and_copy(store.engine, backup_path)
    store.close()

    secret = new_recovery_secret()
    key = database_key(secret)
    db_id = uuid.uuid4()
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    export_encrypted(backup_path, tmp, key, str(db_id))
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    tmp.replace(path)
    keyring = Keyring.create(key_file_for(path), db_id, recovery_public_key(secret))
    keyring.add_account(admin_username.strip().lower(), admin_password, key)
    others = tuple(u for u in usernames if u != admin_username.strip().lower())
    return EncryptionResult(format_recovery_key(secret), backup_path, others)
