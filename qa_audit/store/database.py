"""An open database, its encryption key and its units of work.

A SQLite database is encrypted at rest by default (SQLCipher). Opening an existing
encrypted file gives a *locked* store: nothing can be read until a user signs in
(`accounts.sign_in` unlocks it with that user's wrapped key) or the recovery key is
given. A new file is created encrypted and unlocked, with a recovery key to show once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlmodel import Session

from qa_audit.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskError,
    DiskFull,
    StoreError,
)
from qa_audit.store import postgres
from qa_audit.store.engine import (
    SQLITE_NOTADB,
    WRITES,
    WrongKey,
    check_key,
    check_schema,
    database_url,
    make_engine,
    open_engine,
    rekey_database,
)
from qa_audit.store.errors import Backend, is_busy, translated, user_error
from qa_audit.store.files import is_disk_full, is_plain_sqlite, key_file_for
from qa_audit.store.keyring import (
    AccountKeys,
    Keyring,
    database_key,
    format_recovery_key,
    new_database_key,
    new_recovery_secret,
    parse_recovery_key,
    recovery_public_key,
)
from qa_audit.store.tables import Setting

DATABASE_ID = "database_id"

log = logging.getLogger(__name__)


class Store:
    """The database the services work on; one `Session` per unit of work."""

    def __init__(
        self,
        engine: Engine | None,
        *,
        path: Path | None = None,
        keyring: Keyring | None = None,
        key: bytes | None = None,
        url: str | None = None,
    ) -> None:
        self._engine = engine
        self.path = path
        self.team_url = url  # the team store (PostgreSQL) this was opened on
        # Whether the engine is a person's own login made by `sign_in_as` (not a login
        # given in the URL, e.g. the store owner's for an administrator's command).
        self._signed_in = False
        self.keyring = keyring
        self._key = key
        self._recovery_key: str | None = None
        # The signing keys of the accounts signed in through this store, by user id: each
        # audit event is signed by its actor's key (see `audit_log.record`).
        self.signers: dict[uuid.UUID, Ed25519PrivateKey] = {}
        # Their key pairs, to open backups made before a re-key (see maintenance.restore).
        self.account_keys: dict[uuid.UUID, AccountKeys] = {}
        self.recovery_secret: bytes | None = None  # when unlocked with the recovery key
        # Said once to the person who just signed in (failed sign-ins since their last).
        self.sign_in_notice: str | None = None

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(cls, target: str | Path, *, encrypt: bool = True) -> Store:
        """Open the database at a path or URL, creating it if new.

        A new SQLite file is encrypted unless `encrypt` is False; an existing encrypted
        one comes back locked; an existing clear-text one (made before encryption
        existed) opens as it is until `migrate_to_encrypted` is run on it.
        """
        url = database_url(target)
        if url.startswith("postgresql"):
            # A URL with a login (an administrator's maintenance role, the tests' superuser)
            # is opened at once; without one, each person signs in as their own role.
            if postgres.has_login(url):
                return cls(open_engine(url), url=url)
            return cls(None, url=url)
        if not url.startswith("sqlite:///"):
            return cls(open_engine(url))
        path = Path(url.removeprefix("sqlite:///"))
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file.")
        if path.exists() and path.stat().st_size > 0:
            if is_plain_sqlite(path):
                return cls(open_engine(path), path=path)
            keys = key_file_for(path)
            return cls(None, path=path, keyring=Keyring.load(keys) if keys.exists() else None)
        if not encrypt:
            return cls(open_engine(path), path=path)
        return cls.create_encrypted(path)

    @classmethod
    def create_encrypted(cls, path: Path) -> Store:
        if not path.parent.exists():
            raise StoreError(f"The folder for the database does not exist: {path.parent}")
        secret = new_recovery_secret()
        key = database_key(secret)
        database_id = uuid.uuid4()
        engine = open_engine(path, key)
        with Session(engine) as session:
            session.add(Setting(key=DATABASE_ID, value=str(database_id)))
            session.commit()
        keyring = Keyring.create(key_file_for(path), database_id, recovery_public_key(secret))
        store = cls(engine, path=path, keyring=keyring, key=key)
        store._recovery_key = format_recovery_key(secret)
        return store

    # -- state ------------------------------------------------------------------------------
    @property
    def is_team_store(self) -> bool:
        return self.team_url is not None

    @property
    def encrypted(self) -> bool:
        return self.path is not None and (self._key is not None or self._engine is None)

    @property
    def locked(self) -> bool:
        return self._engine is None

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise StoreError("This database has no encryption key.")
        return self._key

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StoreError("The database is locked; sign in first.")
        return self._engine

    @property
    def location(self) -> str:
        if self.path is not None:
            return str(self.path)
        if self.team_url is not None:
            return f"team store {postgres.where(self.team_url)}"
        return self.engine.url.render_as_string(hide_password=True)

    def take_recovery_key(self) -> str | None:
        """The recovery key of a database just created; given out once only."""
        key, self._recovery_key = self._recovery_key, None
        return key

    # -- unlocking --------------------------------------------------------------------------
    def unlock_with_keys(self, keys: list[bytes]) -> None:
        """Open the encrypted file with the first of `keys` that opens it (more than one
        only while a re-key is under way); a wrong key changes nothing on disk. An open
        store whose key is not among them (another program re-keyed the database since)
        is reopened with the new key."""
        if self._engine is not None:
            if self._key is None or self._key in keys:
                return
            self._engine.dispose()
            self._engine = None
        for key in keys:
            try:
                self.unlock_with_key(key)
                return
            except WrongKey:
                continue
        raise StoreError(
            "The key does not open this database: the key file may belong to another "
            "database (or be an old copy), or the database file is damaged. Restore both "
            "from the same backup.")

    def unlock_with_key(self, key: bytes) -> None:
        """Open the encrypted file with `key`: `WrongKey` if it does not open it, a full
        disk or another cause named as itself; a wrong key changes nothing on disk."""
        if self._engine is not None:
            return
        assert self.path is not None
        check_key(self.path, key)
        try:
            engine = open_engine(self.path, key)
            with Session(engine) as session:
                stored = session.get(Setting, DATABASE_ID)
        except (DatabaseBusy, DatabaseReadOnly, DatabaseUnavailable, DiskError, DiskFull):
            raise  # the file is fine and the key may be too: said as it is
        except (StoreError, DatabaseError) as exc:
            if is_disk_full(exc) or is_disk_full(exc.__cause__ or exc):
                raise DiskFull("The disk is full, so the database cannot be opened. Free "
                               "some space and try again.") from exc
            known = user_error(exc, Backend.SQLITE) if isinstance(exc, DatabaseError) else None
            if known is not None and not isinstance(known, DatabaseDamaged):
                raise known from exc
            raise
        if self.keyring is not None and stored is not None and (
            stored.value != str(self.keyring.database_id)
        ):
            engine.dispose()
            raise StoreError("The key file belongs to another database.")
        self._engine, self._key = engine, key

    def sign_in_as(self, username: str, password: str) -> None:
        """Team store: the server checks this person's own login. A locked store (opened
        without a login) then runs as that person's role from here on; an open one (an
        administrator's connection) only checks the password."""
        assert self.team_url is not None
        # A store opened without a login and signed in as someone runs as that person's
        # own login; when another person signs in on it (after a sign-out), the
        # connections become theirs too, or the server would go on applying the first
        # person's row-level security to the second person's work.
        signed_in_as = (self._engine.url.username
                        if self._engine is not None and self._signed_in else None)
        if self._engine is not None and signed_in_as in (None, username):
            postgres.check_login(self.team_url, username, password)
            return
        url = postgres.with_login(self.team_url, username, password)
        engine = make_engine(url.render_as_string(hide_password=False))
        try:
            check_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        old, self._engine, self._signed_in = self._engine, engine, True
        if old is not None:
            old.dispose()

    def password_changed(self, username: str, password: str) -> None:
        """Team store: this store's own login changed its password, so new connections
        must use the new one (the open ones stay valid)."""
        if self.team_url is None or self._engine is None:
            return
        if self._engine.url.username != username:
            return
        old = self._engine
        url = postgres.with_login(self.team_url, username, password)
        self._engine = make_engine(url.render_as_string(hide_password=False))
        old.dispose()

    def unlock_with_recovery_key(self, text: str) -> None:
        secret = parse_recovery_key(text)
        keys = self.keyring.recovery_keys(secret) if self.keyring is not None else [
            database_key(secret)]
        try:
            self.unlock_with_keys(keys)
            self.recovery_secret = secret
        except StoreError as exc:
            if isinstance(exc, DiskFull):
                raise
            raise StoreError("That recovery key does not open this database (or, since an "
                             "account was disabled or a password reset, the key file is "
                             "needed with it).") from exc

    def rekey(self, progress: Callable[[int, int], None] | None = None) -> str | None:
        """Encrypt the database with a new random key and seal it to every account left in
        the key file and to the recovery key: no one's password is needed, and an old
        copy of the key file opens nothing any more. Returns a new recovery key to show
        when the key file had none to seal to (a database from before key pairs).

        Crash-safe: the new key is sealed beside the current one first, the file is
        re-keyed, then the old sealed keys are dropped."""
        keyring = self.refresh_keyring()
        if keyring is None or self.path is None or self._key is None:
            return None
        new_recovery = None
        if not keyring.has_recovery:
            secret = new_recovery_secret()
            keyring.seal_recovery(recovery_public_key(secret), self.key)
            new_recovery = format_recovery_key(secret)
        key = new_database_key()
        generation, _dropped = keyring.stage_generation(key)
        rekey_database(self.engine, key, progress)
        keyring.commit_generation(generation)
        self._engine = open_engine(self.path, key)
        self._key = key
        return new_recovery

    def refresh_keyring(self) -> Keyring | None:
        """The key file as it is on disk now: another process (the command line beside the
        running app) may have changed it, and someone may have restored or removed it."""
        if not self.encrypted:
            return self.keyring
        assert self.path is not None
        keys = key_file_for(self.path)
        if not keys.exists():
            self.keyring = None
        elif self.keyring is None:
            self.keyring = Keyring.load(keys)
        else:
            self.keyring.reload()
        return self.keyring

    def keyring_for_sign_in(self) -> Keyring | None:
        """The key file as it is now; a locked store without one cannot be opened by any
        password, which is said as it is rather than as a wrong password."""
        keyring = self.refresh_keyring()
        if keyring is None and self.locked and self.path is not None:
            keys = key_file_for(self.path)
            raise StoreError(
                f"The key file {keys.name} is missing from {keys.parent}, so no password can "
                "open this database. Restore it from the same backup as the database. "
                "Without it, an administrator can open the database with its recovery key "
                "(qa-audit users reset NAME --recovery-key-file FILE) and set a new password "
                "for each account.")
        return keyring

    def ensure_keyring(self) -> Keyring:
        """The key file, recreated from the open database if it was lost."""
        keyring = self.refresh_keyring()
        if keyring is None:
            assert self.path is not None
            with self.reading() as session:
                stored = session.get(Setting, DATABASE_ID)
            db_id = uuid.UUID(stored.value) if stored else uuid.uuid4()
            keyring = self.keyring = Keyring.create(key_file_for(self.path), db_id)
        return keyring

    # -- units of work ----------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        return Backend.of(self.engine.dialect.name)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work is committed together on success, rolled back on error.

        On SQLite it starts by taking the write lock (BEGIN IMMEDIATE), waiting up to the
        busy timeout for another program to let go, and tries once more if it did not.
        Known database errors (busy, read-only, full disk, I/O error, damaged file) come
        out as `StoreError` subclasses, a write over a record changed meanwhile as
        `StaleRecord`, a key changed by another program as saying so; anything else is a
        bug and comes out as it is."""
        backend = self.backend
        with translated(backend), Session(self.engine, expire_on_commit=False) as session:
            session.info["signers"] = self.signers
            session.info["database_path"] = self.path
            try:
                self._begin(session, backend)
                yield session
                session.commit()
                for hook in session.info.pop("after_commit", ()):
                    hook()
            except DBAPIError as exc:
                _rollback(session)
                if self.team_url is not None:
                    raise _team_store_error(exc) from exc
                if not isinstance(exc, DatabaseError):
                    raise
                _raise_if_rekeyed(exc)
                raise
            except BaseException:
                session.rollback()
                raise

    @staticmethod
    def _begin(session: Session, backend: Backend) -> None:
        """Start the transaction now, so that a busy database is retried once before any
        work is done (the work itself cannot be run again from here)."""
        try:
            session.connection(execution_options={WRITES: True})  # BEGIN IMMEDIATE
        except OperationalError as exc:
            if not is_busy(exc, backend):
                raise
            session.close()
            log.info("database busy; trying once more")
            session.connection(execution_options={WRITES: True})

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only."""
        with translated(self.backend), Session(self.engine,
                                               expire_on_commit=False) as session:
            session.info["signers"] = self.signers
            try:
                yield session
            except DBAPIError as exc:
                if self.team_url is not None:
                    _rollback(session)
                    raise _team_store_error(exc) from exc
                if isinstance(exc, DatabaseError):
                    _raise_if_rekeyed(exc)
                raise

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _rollback(session: Session) -> None:
    """Roll back; a connection already lost has nothing left to roll back."""
    try:
        session.rollback()
    except DBAPIError:
        session.close()


def _team_store_error(exc: DBAPIError) -> Exception:
    error = postgres.statement_error(exc)
    return exc if error is None else error


def _raise_if_rekeyed(exc: DatabaseError) -> None:
    """A connection whose key no longer opens the file: another program re-keyed the
    database (an account was disabled or a password reset) since this one signed in."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None and int(code) & 0xFF == SQLITE_NOTADB:
        raise StoreError("The database's key was changed by another program (an account was "
                         "disabled or a password reset) since you signed in, so nothing was "
                         "read or saved. Close qa_audit and sign in again.") from exc
