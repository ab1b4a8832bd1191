"""Engine factory and opening a store (migrations run at open, backup first)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import NullPool, QueuePool

from qa_audit.errors import StoreError

from .files import sqlite_file
from .keyring import sqlcipher_passphrase

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in migrations/versions. Opening an up-to-date database compares with
# this instead of importing alembic (a tenth of a second at every start); a test keeps it
# equal to alembic's own head.
HEAD_REVISION = "0007"

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path (a path means SQLite)."""
    path = sqlite_file(target)
    return str(target) if path is None else f"sqlite:///{path}"


def make_engine(target: str | Path, key: bytes | None = None) -> Engine:
    """An engine for a SQLite path or any SQLAlchemy URL, set up for safe writes.

    With `key`, the SQLite file is opened with SQLCipher (encrypted at rest).
    """
    url = database_url(target)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if key is not None:
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
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        # A 64 MiB page cache: list pages and theme aggregates are served from memory
        # (for SQLCipher, already decrypted) instead of re-reading the file.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


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


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc)


def open_engine(target: str | Path, key: bytes | None = None) -> Engine:
    """Open (and create or migrate) the database at `target`, with SQLCipher if `key`."""
    url = database_url(target)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.exists():
            raise StoreError(f"The folder for the database does not exist: {path.parent}")
    engine = make_engine(url, key)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
