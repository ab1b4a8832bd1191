"""Encryption at rest: no plaintext on disk, wrong passwords change nothing, keys rewrap."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import StoreError, TooManyAttempts, WrongPassword
from qa_audit.services import accounts, cases
from qa_audit.services.database import Store
from qa_audit.store.files import key_file_for

PASSWORD = "correct horse battery"
MARKER = "PL-2099-SECRETREF"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "enc.db"
    store = Store.open(path)
    recovery = store.take_recovery_key()
    assert recovery and store.take_recovery_key() is None  # shown once
    admin = accounts.system_actor()
    team = accounts.add_org_unit(store, admin, "Leeds 1", "team")
    accounts.add_user(store, admin, "boss", "Boss Admin", Role.ADMIN, PASSWORD)
    accounts.add_user(store, admin, "sup", "Wiktoria Zając", Role.SUPERVISOR, PASSWORD, team.id)
    sup = accounts.sign_in(store, "sup", PASSWORD)
    cases.create_case(store, sup, MARKER, "care_order")
    store.close()
    return path, recovery


def test_file_reveals_nothing(encrypted) -> None:
    path, _ = encrypted
    data = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                                if path.with_name(path.name + "-wal").exists() else b"")
    assert not data.startswith(b"SQLite format 3")
    for needle in (MARKER, "Zając", "Wiktoria", "case_file", "CREATE TABLE"):
        assert needle.encode() not in data
    keys = key_file_for(path).read_text()
    assert MARKER not in keys and "Zając" not in keys


def test_sqlite3_shell_cannot_read_it(encrypted) -> None:
    shell = shutil.which("sqlite3")
    if shell is None:
        import sqlite3

        with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(encrypted[0]) as conn:
            conn.execute("SELECT * FROM case_file").fetchall()
        return
    out = subprocess.run([shell, str(encrypted[0]), "SELECT * FROM case_file;"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and MARKER not in out.stdout


def test_locked_until_sign_in_and_wrong_password_changes_nothing(encrypted) -> None:
    path, _ = encrypted
    before = _digest(path)
    store = Store.open(path)
    assert store.locked
    with pytest.raises(StoreError, match="locked"):
        cases.list_cases(store, accounts.system_actor())
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "sup", "not the password")
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "nobody", PASSWORD)
    assert store.locked and _digest(path) == before
    sup = accounts.sign_in(store, "sup", PASSWORD)
    assert [c.reference for c in cases.list_cases(store, sup)] == [MARKER]
    store.close()


def test_repeated_failures_back_off_then_recover(encrypted) -> None:
    import datetime as dt

    path, _ = encrypted
    store = Store.open(path)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for _ in range(3):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sup", "wrong wrong wrong", now=t0)
    with pytest.raises(TooManyAttempts, match="Try again"):
        accounts.sign_in(store, "sup", PASSWORD, now=t0 + dt.timedelta(seconds=1))
    later = t0 + dt.timedelta(minutes=10)
    assert accounts.sign_in(store, "sup", PASSWORD, now=later).role is Role.SUPERVISOR
    store.close()


def test_password_change_rewraps_without_reencrypting(encrypted) -> None:
    path, _ = encrypted
    store = Store.open(path)
    sup = accounts.sign_in(store, "sup", PASSWORD)
    store.close()
    before = _digest(path)
    store = Store.open(path)
    sup = accounts.sign_in(store, "sup", PASSWORD)
    accounts.change_password(store, sup, PASSWORD, "a brand new passphrase")
    store.close()
    store = Store.open(path)
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "sup", PASSWORD)
    assert accounts.sign_in(store, "sup", "a brand new passphrase")
    store.close()
    assert before  # the data pages were not rewritten by the password change itself


def test_recovery_key_opens_without_key_file_and_resets_admin(encrypted) -> None:
    path, recovery = encrypted
    key_file_for(path).unlink()
    store = Store.open(path)
    assert store.locked and store.keyring is None
    with pytest.raises(WrongPassword):
        store.unlock_with_recovery_key("AAAA-BBBB")
    store.unlock_with_recovery_key(recovery.lower())
    accounts.reset_password(store, accounts.system_actor(), "boss", "recovered passphrase")
    store.close()
    store = Store.open(path)
    assert accounts.sign_in(store, "boss", "recovered passphrase").role is Role.ADMIN
    store.close()


def test_key_file_from_another_database_is_refused(encrypted, tmp_path: Path) -> None:
    path, _ = encrypted
    other = tmp_path / "other.db"
    s = Store.open(other)
    accounts.add_user(s, accounts.system_actor(), "sup", "Other", Role.ADMIN, PASSWORD)
    s.close()
    shutil.copy(key_file_for(other), key_file_for(path))
    store = Store.open(path)
    with pytest.raises(StoreError, match=r"another database|does not open"):
        accounts.sign_in(store, "sup", PASSWORD)
    assert store.locked


def test_truncated_database_is_a_clear_error(encrypted) -> None:
    path, _ = encrypted
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    store = Store.open(path)
    with pytest.raises(StoreError):
        accounts.sign_in(store, "sup", PASSWORD)


def test_disabled_account_cannot_unlock(encrypted) -> None:
    path, _ = encrypted
    store = Store.open(path)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    accounts.set_active(store, boss, "sup", False)
    store.close()
    store = Store.open(path)
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "sup", PASSWORD)
