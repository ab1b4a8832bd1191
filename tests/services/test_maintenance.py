from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from qa_audit.domain.permissions import Role
from qa_audit.errors import PermissionDenied, StoreError
from qa_audit.services import accounts, cases, maintenance
from qa_audit.services.database import Store

PASSWORD = "correct horse battery"


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.mark.sqlite_only  # the team store is backed up by the server (pg_dump)
def test_backup_and_restore_round_trip(world, tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    maintenance.backup(world.store, world.admin, out)
    assert not out.read_bytes().startswith(b"SQLite format 3")  # the copy stays encrypted
    before = _count(world.store, "case_file")
    cases.create_case(world.store, world.supervisor, "PL-2025-77777", "epo")
    assert _count(world.store, "case_file") == before + 1
    maintenance.restore(world.store, world.admin, out)
    assert _count(world.store, "case_file") == before


@pytest.mark.sqlite_only  # the team store is backed up by the server (pg_dump)
def test_restore_refuses_damaged_and_foreign_files(world, tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    maintenance.backup(world.store, world.admin, out)
    damaged = tmp_path / "damaged.db"
    data = bytearray(out.read_bytes())
    data[5000:5100] = b"\0" * 100
    damaged.write_bytes(bytes(data))
    before = _count(world.store, "audit_event")
    with pytest.raises(StoreError):
        maintenance.restore(world.store, world.admin, damaged)
    foreign_path = tmp_path / "foreign.db"
    foreign = Store.open(foreign_path)
    accounts.add_user(foreign, accounts.system_actor(), "x", "X", Role.ADMIN, PASSWORD)
    foreign.close()
    with pytest.raises(StoreError):
        maintenance.restore(world.store, world.admin, foreign_path)
    assert _count(world.store, "audit_event") == before


def test_only_admins_back_up(world, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        maintenance.backup(world.store, world.supervisor, tmp_path / "b.db")


def test_retention_dry_run_then_anonymise(world) -> None:
    from qa_audit.services import assessments, comments, replies

    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    comments.save_comment(world.store, world.fca, aid, "seen", "Her comment")
    assessments.respond(world.store, world.fca, aid, "My reflection",
                        assessments.Agreement.PARTLY, "Some reasons")
    replies.reply_to_response(world.store, world.supervisor, aid, "His reply")
    assessments.finalise(world.store, world.supervisor, aid)
    far_future = dt.date.today() + dt.timedelta(days=365 * 10)
    assert maintenance.plan_retention(world.store, world.admin).assessment_ids == ()
    plan = maintenance.plan_retention(world.store, world.admin, today=far_future)
    assert plan.assessment_ids == (aid,)
    assert maintenance.apply_retention(world.store, world.admin, plan) == 1
    with world.store.engine.connect() as conn:
        row = conn.execute(text("SELECT strengths, case_id FROM assessment")).one()
        grades = conn.execute(text("SELECT grade, evidence FROM rating WHERE grade IS NOT NULL")
                              ).all()
    assert row == ("", None)
    assert grades and all(evidence == "" for _, evidence in grades)
    for table in ("response", "response_comment", "response_reply"):
        assert _count(world.store, table) == 0, table
    again = maintenance.plan_retention(world.store, world.admin, today=far_future)
    assert again.assessment_ids == ()


def test_clear_text_database_is_encrypted_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store.open(path, encrypt=False)
    admin = accounts.system_actor()
    team = accounts.add_org_unit(store, admin, "Team", "team")
    accounts.add_user(store, admin, "boss", "Boss", Role.ADMIN, PASSWORD)
    accounts.add_user(store, admin, "sup", "Sup", Role.SUPERVISOR, PASSWORD, team.id)
    sup = accounts.sign_in(store, "sup", PASSWORD)
    cases.create_case(store, sup, "PL-2020-PLAINREF", "care_order")
    store.close()
    wal = tmp_path / "old.db-wal"
    on_disk = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert b"PL-2020-PLAINREF" in on_disk
    result = maintenance.encrypt_database(path, "boss", PASSWORD)
    assert result.accounts_to_reset == ("sup",) and result.backup.exists()
    assert b"PL-2020-PLAINREF" not in path.read_bytes()
    store = Store.open(path)
    assert store.locked
    boss = accounts.sign_in(store, "boss", PASSWORD)
    accounts.reset_password(store, boss, "sup", "new supervisor pass")
    sup = accounts.sign_in(store, "sup", "new supervisor pass")
    assert [c.reference for c in cases.list_cases(store, sup)] == ["PL-2020-PLAINREF"]
    store.close()
