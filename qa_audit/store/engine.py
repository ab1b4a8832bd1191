"""Engine factory and opening a store (migrations run at open, backup first)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import NullPool, QueuePool

from qa_audit.errors import DiskFull, StoreError

from .errors import Backend, user_error
from .files import PRIVATE_MODE, is_disk_full, sqlite_file
from .keyring import sqlcipher_passphrase
from .sqlite_files import sqlcipher

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in migrations/versions. Opening an up-to-date database compares with
# this instead of importing alembic (a tenth of a second at every start); a test keeps it
# equal to alembic's own head.
HEAD_REVISION = "0015"

log = logging.getLogger(__name__)
WRITES = "qa_audit_writes"  # execution option: this transaction will write
MIGRATIONS = Path(__file__).with_name("migrations")

# How long a SQLite connection waits for another one's lock before giving up with BUSY.
# A unit of work that gives up tries once more (`Store.unit_of_work`), so a person waits at
# most twice this before being told another program is using the database.
BUSY_TIMEOUT_MS = 3000


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path (a path means SQLite).

    `postgresql://` means the team store through psycopg 3 (the only PostgreSQL driver
    installed); the host may be a unix socket folder (`postgresql:///db?host=/run/pg`).
    """
    path = sqlite_file(target)
    if path is not None:
        return f"sqlite:///{path}"
    text = str(target)
    for scheme in ("postgresql://", "postgres://"):
        if text.startswith(scheme):
            return "postgresql+psycopg://" + text.removeprefix(scheme)
    return text


def make_engine(target: str | Path, key: bytes | None = None) -> Engine:
    """An engine for a SQLite path or any SQLAlchemy URL, set up for safe writes.

    With `key`, the SQLite file is opened with SQLCipher (encrypted at rest).
    """
    url = database_url(target)
    if url.startswith("postgresql"):
        from .postgres import make_pg_engine

        return make_pg_engine(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if key is not None:
        sqlcipher()  # the driver's own logging off, before its first connection
        path = url.removeprefix("sqlite:///")
        cipher_url = URL.create("sqlite+pysqlcipher", password=sqlcipher_passphrase(key),
                                database=path)
        engine = create_engine(cipher_url, poolclass=QueuePool)
    else:
        engine = create_engine(url, poolclass=NullPool if url.endswith(":memory:") else None)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off so SQLAlchemy's BEGIN is the only one
        # (the SQLAlchemy docs' recipe for correct SQLite transactions).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        # A 64 MiB page cache: list pages and theme aggregates are served from memory
        # (for SQLCipher, already decrypted) instead of re-reading the file.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A unit of work that writes takes the write lock at its start (IMMEDIATE): a
        # deferred one that read first and then writes after another connection (a worker
        # thread, the command line) committed gets SQLITE_BUSY at once, without waiting.
        immediate = conn.get_execution_options().get(WRITES, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(engine: Engine | None = None) -> Config:
    """Migrations run on a connection passed in `attributes`; the URL (which may carry a
    key) is never put into the config."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database (None for a new, empty one)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def head_revision(engine: Engine) -> str | None:
    """The newest revision according to alembic's scripts (slow: imports alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision, backing up an existing SQLite file first."""
    try:
        current = current_revision(engine)
    except (DatabaseError, OperationalError) as exc:
        if engine.dialect.name == "postgresql":
            from .postgres import connection_error

            raise connection_error(exc, engine.url) from exc
        known = user_error(exc, Backend.of(engine.dialect.name))
        if known is not None:
            raise known from exc
        raise StoreError(
            f"The database cannot be read: {_reason(exc)}. It may be damaged or not a "
            "qa_audit database; restore it from a backup."
        ) from exc
    if current == HEAD_REVISION:
        return
    from alembic import command

    head = head_revision(engine)
    if current is not None and not _known_revision(engine, current):
        raise StoreError(
            "This database was written by a newer version of qa_audit; update the app."
        )
    if current is not None:
        backup_before_migration(engine, current)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("schema migrated from %s to %s", current, head)


def check_schema(engine: Engine) -> None:
    """A person's own connection to a team store: it cannot migrate, so the schema must be
    the one this app knows (the administrator upgrades it with `qa-audit team init`)."""
    try:
        current = current_revision(engine)
    except (DatabaseError, OperationalError) as exc:
        from .postgres import connection_error

        raise connection_error(exc, engine.url) from exc
    if current is None:
        raise StoreError("This database is not a qa_audit team store yet; an administrator "
                         "creates it with qa-audit team init.")
    if current != HEAD_REVISION:
        if _known_revision(engine, current):
            raise StoreError("The team store has not been upgraded to this version of "
                             "qa_audit yet; ask the administrator to run qa-audit team init.")
        raise StoreError("The team store was upgraded by a newer version of qa_audit; "
                         "update the app.")


def _known_revision(engine: Engine, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    return any(r.revision == revision for r in script.walk_revisions())


def backup_before_migration(engine: Engine, revision: str) -> Path | None:
    database = engine.url.database
    if not engine.url.drivername.startswith("sqlite") or not database or database == ":memory:":
        return None
    source = Path(database)
    target = source.with_name(f"{source.name}.before-{revision}.bak")
    _create_private(target)
    raw = engine.raw_connection()
    try:
        # Same driver and key as the database, so an encrypted file's backup stays encrypted.
        dbapi: Any = engine.dialect.dbapi
        dst = dbapi.connect(str(target))
        if engine.url.password:
            dst.execute(f'PRAGMA key="{engine.url.password}"')
        raw.driver_connection.backup(dst)  # type: ignore[union-attr]
        dst.close()
    finally:
        raw.close()
    log.info("backup taken before migration")
    return target


def _create_private(path: Path) -> None:
    """An empty owner-only (0600) file for SQLite to fill (it keeps an existing mode)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc)


def open_engine(target: str | Path, key: bytes | None = None) -> Engine:
    """Open (and create or migrate) the database at `target`, with SQLCipher if `key`.

    A new SQLite file is made owner-only (0600) before SQLite opens it; SQLite gives its
    -wal and -shm files the same mode."""
    url = database_url(target)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.exists():
            raise StoreError(f"The folder for the database does not exist: {path.parent}")
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file.")
        if not path.exists():
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
            except FileExistsError:
                pass
            except OSError as exc:
                if is_disk_full(exc):
                    raise DiskFull("The disk is full, so the database cannot be created. "
                                   "Free some space and try again.") from exc
                raise StoreError(f"The database {path} cannot be created ({exc.strerror})."
                                 ) from exc
    engine = make_engine(url, key)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


# SQLite result codes (https://sqlite.org/rescode.html): errors are told apart by these,
# never by the words of their message.
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26


class WrongKey(StoreError):
    """The key does not decrypt this database file."""


def _result_code(exc: BaseException) -> int | None:
    code = getattr(getattr(exc, "orig", None) or exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF  # the primary code


def _low_on_space(folder: Path) -> bool:
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # Windows has no statvfs
        return False
    return stat.f_bavail * stat.f_frsize < 1024 * 1024


def check_key(path: Path, key: bytes) -> None:
    """Whether `key` opens the encrypted file at `path`: `WrongKey` if it does not, a
    full disk (`DiskFull`) or another reason (`StoreError`) named as what it is."""
    sqlcipher3 = sqlcipher()
    try:
        conn = sqlcipher3.connect(str(path))
    except sqlcipher3.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f'PRAGMA key="{sqlcipher_passphrase(key)}"')
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.Error as exc:
        if _result_code(exc) == SQLITE_NOTADB:
            raise WrongKey("The key does not open this database.") from exc
        raise _open_error(path, exc) from exc
    finally:
        conn.close()


def _open_error(path: Path, exc: BaseException) -> StoreError:
    code = _result_code(exc)
    if code == SQLITE_FULL or is_disk_full(exc) or (
            code in (SQLITE_IOERR, SQLITE_CANTOPEN) and _low_on_space(path.parent)):
        return DiskFull(f"The disk holding {path.name} is full, so the database cannot be "
                        "opened (it needs room for its working files). Free some space and "
                        "sign in again; nothing is wrong with your password or the database.")
    return StoreError(f"The database {path.name} cannot be opened: {_reason(exc)}.")


def rekey_database(engine: Engine, key: bytes,
                   progress: Callable[[int, int], None] | None = None) -> None:
    """Re-encrypt the open SQLCipher database with a new key, in place (`PRAGMA rekey`).

    SQLite's locking keeps other connections out meanwhile; afterwards connections keyed
    with the old key (other processes too) can no longer read the file. The rewrite goes
    through the write-ahead log, so `progress(done, total)` (pages) is read from the log's
    growth by a watcher thread while the rekey runs. Old log frames are checkpointed away
    before and after, so no page under the old key stays in the -wal file."""
    database = engine.url.database
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        done = threading.Event()
        watcher = None
        if progress is not None and database:
            wal = Path(database + "-wal")
            frame = page_size + 24

            def watch() -> None:
                while not done.wait(0.05):
                    try:
                        written = max(wal.stat().st_size - 32, 0) // frame
                    except OSError:
                        written = 0
                    progress(min(written, pages), pages)

            watcher = threading.Thread(target=watch, name="qa-audit-rekey-progress",
                                       daemon=True)
            watcher.start()
        try:
            conn.execute(f'PRAGMA rekey="{sqlcipher_passphrase(key)}"')
        except Exception as exc:
            if _result_code(exc) == SQLITE_FULL or is_disk_full(exc):
                raise DiskFull("The disk is full, so the database could not be re-keyed (it "
                               "needs about its own size free). Nothing was changed; free "
                               "some space and try again.") from exc
            raise
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if progress is not None:
            progress(pages, pages)
    finally:
        raw.close()
    engine.dispose()
