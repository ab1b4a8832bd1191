"""Bulk writes with SQLAlchemy Core executemany (demo data, imports): no ORM objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

BATCH = 5000


def insert_many(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], batch: int = BATCH
) -> int:
    """Insert rows (dicts of column values) in batches on the caller's transaction."""
    statement = insert(table)
    for start in range(0, len(rows), batch):
        conn.execute(statement, list(rows[start : start + batch]))
    return len(rows)
