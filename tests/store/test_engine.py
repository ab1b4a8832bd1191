from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from qa_audit.errors import StoreError
from qa_audit.services.database import Store
from qa_audit.store.engine import HEAD_REVISION, current_revision, head_revision


def test_migrations_match_the_tables(store: Store) -> None:
    """The alembic history builds exactly the schema the models declare."""
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert current_revision(store.engine) == head_revision(store.engine)


def test_sqlite_is_set_up_for_safe_writes(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_reopen_is_idempotent(tmp_path: Path) -> None:
    Store.open(tmp_path / "a.db", encrypt=False).close()
    s = Store.open(tmp_path / "a.db")
    assert current_revision(s.engine) == head_revision(s.engine)
    s.close()
    assert not list(tmp_path.glob("*.bak"))  # nothing to migrate, so no backup


def test_damaged_file_gives_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    store = Store.open(path)  # not clear-text SQLite: treated as encrypted, so locked
    assert store.locked
    with pytest.raises(StoreError, match="does not open this database"):
        store.unlock_with_key(b"k" * 32)
    assert path.read_bytes() == junk


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store.open(path, encrypt=False).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer version"):
        Store.open(path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        Store.open(tmp_path / "nope" / "x.db")


def test_failed_unit_of_work_leaves_the_last_committed_state(world) -> None:
    from qa_audit.store.tables import OrgUnit

    before = _count(world.store, "org_unit")
    with pytest.raises(RuntimeError), world.store.unit_of_work() as session:
        session.add(OrgUnit(name="Half-made", kind="team"))
        session.flush()
        raise RuntimeError("crash mid-save")
    assert _count(world.store, "org_unit") == before


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_head_revision_constant_matches_the_migration_scripts(store) -> None:
    """Start-up compares with HEAD_REVISION instead of importing alembic: keep them equal
    (a new migration must update it)."""
    assert head_revision(store.engine) == HEAD_REVISION
