"""Database errors told apart by their result codes, never by words in their message.

SQLite and SQLCipher report a result code (`sqlite_errorcode` on the driver's exception;
an extended code whose low byte is the primary code, https://sqlite.org/rescode.html);
PostgreSQL, the team store, reports a SQLSTATE (`sqlstate` on psycopg's exceptions,
`pgcode` on psycopg2's). A code listed here comes from the machine around the app (another
program holding the lock, a full or failing disk, a damaged or read-only file) and becomes
a `StoreError` subclass whose message says what happened and what to do. Any other
database error is a bug and is left alone, for the crash handler (qutebrowser's
`misc/sql.py` separates its known errors from bugs the same way).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum, StrEnum

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from qa_audit.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskError,
    DiskFull,
    StaleRecord,
    StoreError,
)

log = logging.getLogger(__name__)


class Backend(StrEnum):
    """Which database engine an error came from: each has its own codes."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"

    @classmethod
    def of(cls, dialect_name: str) -> Backend:
        """The backend of a SQLAlchemy dialect name ('sqlite', 'postgresql')."""
        return cls.POSTGRESQL if dialect_name.startswith("postgres") else cls.SQLITE


class SqliteCode(IntEnum):
    """SQLite's primary result codes that the app can explain."""

    BUSY = 5
    LOCKED = 6
    READONLY = 8
    IOERR = 10
    CORRUPT = 11
    FULL = 13
    CANTOPEN = 14
    NOTADB = 26


_BUSY = ("Another program is using the database (for example a qa-audit command running "
         "beside the app) and did not let go in time. Nothing was changed, and what you "
         "typed stays on screen. Try again in a moment.")
_READ_ONLY = ("The database cannot be written to: the file, its folder or its drive is "
              "read-only. Nothing was changed. Make the file writable (or copy it to a "
              "folder you can write to) and try again.")
_FULL = ("The disk is full, so this change was not saved (what was saved before is safe, "
         "and your text stays on screen). Free some space and save again.")
_IO = ("The disk reported an error while reading or writing the database, so this change "
       "was not saved (what was saved before is kept as it was). Check the drive or network "
       "folder, then try again; if it keeps happening, restore from a backup.")
_DAMAGED = ("The database file is damaged. Nothing more was changed. Restore it from a "
            "backup (qa-audit restore) or ask your administrator.")
_NOT_A_DATABASE = ("This file is not a qa_audit database, or it is damaged. Check the path "
                   "given, or restore the database from a backup (qa-audit restore).")
_CANNOT_OPEN = ("The database file cannot be opened: it is missing, its folder cannot be "
                "written to, or a folder is where the file should be. Check the path and "
                "its permissions.")

_SQLITE: dict[int, tuple[type[StoreError], str]] = {
    SqliteCode.BUSY: (DatabaseBusy, _BUSY),
    SqliteCode.LOCKED: (DatabaseBusy, _BUSY),
    SqliteCode.READONLY: (DatabaseReadOnly, _READ_ONLY),
    SqliteCode.IOERR: (DiskError, _IO),
    SqliteCode.CORRUPT: (DatabaseDamaged, _DAMAGED),
    SqliteCode.FULL: (DiskFull, _FULL),
    SqliteCode.CANTOPEN: (DatabaseUnavailable, _CANNOT_OPEN),
    SqliteCode.NOTADB: (DatabaseDamaged, _NOT_A_DATABASE),
}

# SQLSTATE codes, https://www.postgresql.org/docs/current/errcodes-appendix.html
_POSTGRESQL: dict[str, tuple[type[StoreError], str]] = {
    "40001": (DatabaseBusy, _BUSY),  # serialization_failure
    "40P01": (DatabaseBusy, _BUSY),  # deadlock_detected
    "55P03": (DatabaseBusy, _BUSY),  # lock_not_available
    "25006": (DatabaseReadOnly, _READ_ONLY),  # read_only_sql_transaction
    "53100": (DiskFull, _FULL),  # disk_full
    "58030": (DiskError, _IO),  # io_error
    "XX001": (DatabaseDamaged, _DAMAGED),  # data_corrupted
    "XX002": (DatabaseDamaged, _DAMAGED),  # index_corrupted
}


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception inside SQLAlchemy's wrapper (or `exc` itself)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return orig if isinstance(orig, BaseException) else exc


def sqlite_code(exc: BaseException) -> SqliteCode | None:
    """The primary SQLite result code of an error from sqlite3 or sqlcipher3, if known."""
    code = getattr(_driver_error(exc), "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    try:
        return SqliteCode(code & 0xFF)
    except ValueError:
        return None


def postgresql_code(exc: BaseException) -> str | None:
    """The SQLSTATE of an error from psycopg (3) or psycopg2."""
    orig = _driver_error(exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if isinstance(code, str) else None


def user_error(exc: BaseException, backend: Backend) -> StoreError | None:
    """The error to show for a database error with a known code; None for anything else
    (a bug). The database's own message is logged at debug level only: it can quote SQL
    parameters, which may be case text."""
    known = _known(exc, backend)
    if known is None:
        return None
    kind, message = known
    log.warning("database error %s (%s)", kind.__name__, type(_driver_error(exc)).__name__)
    return kind(message)


def _known(exc: BaseException, backend: Backend) -> tuple[type[StoreError], str] | None:
    if backend is Backend.POSTGRESQL:
        return _POSTGRESQL.get(postgresql_code(exc) or "")
    code = sqlite_code(exc)
    return None if code is None else _SQLITE.get(code)


def is_busy(exc: BaseException, backend: Backend) -> bool:
    """Whether the error only says another connection holds the lock (worth one retry)."""
    known = _known(exc, backend)
    return known is not None and known[0] is DatabaseBusy


@contextmanager
def translated(backend: Backend) -> Iterator[None]:
    """Raise known database errors as the user's errors: a known result code as its
    `StoreError` subclass, a write over a row that someone else changed meanwhile (the
    mapper's version check matched no row) as `StaleRecord`."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleRecord() from exc
    except DBAPIError as exc:
        error = user_error(exc, backend)
        if error is None:
            raise
        raise error from exc


def check_version(current: int, seen: int | None, record: str) -> None:
    """Refuse to write over a record that changed since the person loaded it.

    `seen` is the row_version the person's screen was drawn from (None: the caller holds no
    copy, e.g. a one-off command, and only the mapper's own check applies). The mapper then
    guards the moment between this check and the UPDATE."""
    if seen is not None and current != seen:
        raise StaleRecord(record)
