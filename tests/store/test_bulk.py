"""The bulk path: rows land whole, with a large page cache only while it runs."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from qa_audit.store import tables
from qa_audit.store.bulk import BULK_CACHE_MIB, bulk_insert, large_cache


@pytest.mark.sqlite_only
def test_large_cache_applies_during_the_load_and_is_given_back(store) -> None:
    with store.engine.begin() as conn:
        before = conn.execute(text("PRAGMA cache_size")).scalar()
        with large_cache(conn):
            assert conn.execute(text("PRAGMA cache_size")).scalar() == -BULK_CACHE_MIB * 1024
        assert conn.execute(text("PRAGMA cache_size")).scalar() == before


def test_bulk_insert_writes_every_row(store) -> None:
    rows = [{"id": uuid.uuid4(), "name": f"Team {n}", "kind": "team", "parent_id": None,
             "region_id": None, "row_version": 1} for n in range(1200)]
    with store.engine.begin() as conn:
        assert bulk_insert(conn, [(tables.OrgUnit.__table__, rows)]) == 1200  # type: ignore[list-item]
    with store.engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM org_unit"))}
    assert {f"Team {n}" for n in range(1200)} <= names
