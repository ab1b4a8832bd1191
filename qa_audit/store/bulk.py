"""Bulk writes (demo data, imports): no ORM objects. SQLite takes Core or driver
executemany; PostgreSQL takes COPY (psycopg's `Cursor.copy`), many times faster than row
inserts there."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.types import TypeDecorator

BATCH = 5000
BULK_CACHE_MIB = 256


@contextmanager
def large_cache(conn: Connection, mib: int = BULK_CACHE_MIB) -> Iterator[None]:
    """A big SQLite page cache on this connection while a bulk write runs, then the previous
    size again. Rows with random UUID keys land on pages all over large indexes; with a
    small cache those pages are read again and again, and an encrypted database decrypts
    (and checks) every one of them each time."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(mib) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


def bulk_insert(conn: Connection, loads: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]
                ) -> int:
    """Insert many rows into several tables on the caller's transaction (imports): a large
    page cache for the duration, Core executemany in batches. Returns the rows written."""
    with large_cache(conn):
        return sum(insert_many(conn, table, rows) for table, rows in loads)


def insert_many(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], batch: int = BATCH
) -> int:
    """Insert rows (dicts of column values) in batches on the caller's transaction."""
    if conn.dialect.name == "postgresql" and rows and copy_allowed(conn, table):
        columns = list(rows[0])
        return copy_rows(conn, table, columns,
                         (tuple(storage_value(row[c]) for c in columns) for row in rows))
    statement = insert(table)
    for start in range(0, len(rows), batch):
        conn.execute(statement, list(rows[start : start + batch]))
    return len(rows)


def storage_value(value: Any) -> Any:
    """A Python value in the form SQLAlchemy stores it in SQLite (UUID as 32 hex digits,
    UTC datetimes without zone, dates as ISO text)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def insert_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> int:
    """The fast path for millions of rows on SQLite: tuples already in storage form
    (see `storage_value`) go straight to the driver's executemany, in the caller's
    transaction. Other databases take the Core path."""
    if conn.dialect.name == "postgresql" and copy_allowed(conn, table):
        return copy_rows(conn, table, columns, rows)
    if conn.dialect.name != "sqlite":
        return insert_many(conn, table, [_python_row(table, columns, r) for r in rows])
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    for start in range(0, len(rows), BATCH * 4):
        conn.exec_driver_sql(sql, list(rows[start : start + BATCH * 4]))
    return len(rows)


def insert_records(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Like `insert_many`, through the fast path on SQLite (values converted once here)."""
    if not rows:
        return 0
    if conn.dialect.name != "sqlite":
        return insert_many(conn, table, rows)
    columns = list(rows[0])
    tuples = [tuple(storage_value(row[c]) for c in columns) for row in rows]
    return insert_tuples(conn, table, columns, tuples)


def copy_allowed(conn: Connection, table: Table) -> bool:
    """PostgreSQL refuses COPY FROM into a table whose row-level security applies to the
    connected role (a person's own login on the team store): their rows go as INSERTs,
    each checked by the policies. Asked once per table and connection."""
    cache: dict[str, bool] = conn.info.setdefault("qa_audit_copy_allowed", {})
    if table.name not in cache:
        active = conn.exec_driver_sql(
            "SELECT row_security_active(%(t)s::regclass)", {"t": table.name}).scalar()
        cache[table.name] = not active
    return cache[table.name]


def copy_rows(conn: Connection, table: Table, columns: Sequence[str],
              rows: Iterable[tuple[Any, ...]]) -> int:
    """PostgreSQL: stream rows in storage form (see `storage_value`: PostgreSQL reads
    32-digit UUIDs, ISO dates and times, and 1/0 booleans as text) through COPY, in the
    caller's transaction."""
    names = ", ".join(f'"{c}"' for c in columns)
    raw: Any = conn.connection.driver_connection
    count = 0
    with raw.cursor() as cursor, cursor.copy(
            f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _python_row(table: Table, columns: Sequence[str], row: tuple[Any, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(columns, row, strict=True):
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):  # our UTC timestamps say `object`
            column_type = column_type.impl_instance
        kind = column_type.python_type if value is not None else None
        if kind is uuid.UUID and isinstance(value, str):
            value = uuid.UUID(hex=value)
        elif kind is dt.datetime and isinstance(value, str):
            value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
        elif kind is dt.date and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif kind is bool and isinstance(value, int):
            value = bool(value)
        out[name] = value
    return out


@contextmanager
def loading(conn: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """PostgreSQL, a bulk load by the store's owner into a new database: no statement
    timeout for this transaction (a COPY of a million rows is one statement), and the
    tables' own triggers (the finalised-assessment guard, for people's edits) off until
    the load ends, instead of firing once per row. Only the tables' owner can do this.
    Nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    for table in tables:
        conn.exec_driver_sql(f'ALTER TABLE "{table.name}" DISABLE TRIGGER USER')
    yield
    for table in tables:
        conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ENABLE TRIGGER USER')


@contextmanager
def indexes_deferred(conn: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the secondary indexes of empty tables, load, then build them once (a sorted
    build is far faster than updating B-trees row by row). For loads into new databases."""
    indexes = [index for table in tables for index in table.indexes]
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)
