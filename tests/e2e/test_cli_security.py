"""The admin commands on an encrypted database, through `qa_audit.cli.main`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.domain.permissions import Role
from qa_audit.services import accounts
from qa_audit.services.database import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    (tmp_path / "recovery.txt").write_text(store.take_recovery_key() or "")
    store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    return path


def test_locked_database_needs_a_user(db: Path, capsys) -> None:
    assert main(["--db", str(db), "users", "list"]) == 1
    assert "encrypted" in capsys.readouterr().err
    assert main(["--db", str(db), "users", "list", "--user", "boss"]) == 0
    assert "boss\tadmin" in capsys.readouterr().out


def test_wrong_password_is_a_clear_message(db: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "nope nope nope")
    assert main(["--db", str(db), "users", "list", "--user", "boss"]) == 1
    assert "username or password is not right" in capsys.readouterr().err


def test_recovery_key_file_unlocks(db: Path, capsys) -> None:
    key_file = db.parent / "recovery.txt"
    assert main(["--db", str(db), "users", "list", "--recovery-key-file", str(key_file)]) == 0
    assert "boss" in capsys.readouterr().out


def test_audit_log_verify_detects_tampering(db: Path, capsys) -> None:
    assert main(["--db", str(db), "audit-log", "verify", "--user", "boss"]) == 0
    assert "intact" in capsys.readouterr().out
    store = Store.open(db)
    accounts.sign_in(store, "boss", PASSWORD)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_event SET actor_id = NULL WHERE seq = 2")
    store.close()
    assert main(["--db", str(db), "audit-log", "verify", "--user", "boss"]) == 1
    assert "BROKEN at event 2" in capsys.readouterr().err


def test_backup_restore_and_retention_commands(db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "copy.db"
    assert main(["--db", str(db), "backup", "--out", str(out), "--user", "boss"]) == 0
    assert out.exists() and (tmp_path / "copy.db.keys").exists()
    assert main(["--db", str(db), "restore", str(out), "--user", "boss"]) == 0
    assert main(["--db", str(db), "retention", "--dry-run", "--user", "boss"]) == 0
    assert "dry run: nothing changed" in capsys.readouterr().out
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\0" * 8192)
    assert main(["--db", str(db), "restore", str(junk), "--user", "boss"]) == 1


def test_encrypt_command(tmp_path: Path, monkeypatch, capsys) -> None:
    path = tmp_path / "plain.db"
    store = Store.open(path, encrypt=False)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    assert main(["--db", str(path), "encrypt", "--user", "boss"]) == 0
    assert "Recovery key" in capsys.readouterr().out
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(path) as conn:
        conn.execute("SELECT * FROM user_account").fetchall()


def test_a_retention_dry_run_with_months_stores_nothing(db: Path, capsys) -> None:
    assert main(["--db", str(db), "retention", "--dry-run", "--months", "12",
                 "--user", "boss"]) == 0
    out = capsys.readouterr().out
    assert "retention: 12 months" in out and "dry run: nothing changed" in out
    assert main(["--db", str(db), "retention", "--dry-run", "--user", "boss"]) == 0
    assert "retention: 72 months" in capsys.readouterr().out  # the stored period, unchanged
