"""`qa-audit users …` on an encrypted database, through `qa_audit.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.domain.permissions import Role
from qa_audit.errors import WrongPassword
from qa_audit.services import accounts
from qa_audit.services.store import Store
from qa_audit.store.files import key_file_for

PASSWORD = "correct horse battery"
NEW = "a fresh start passphrase"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    admin = accounts.system_actor()
    north = accounts.add_org_unit(store, admin, "North", "region")
    area = accounts.add_org_unit(store, admin, "Tyne and Wear", "service_area", north.id)
    team = accounts.add_org_unit(store, admin, "Newcastle 1", "team", area.id)
    accounts.add_user(store, admin, "boss", "Boss", Role.ADMIN, PASSWORD)
    accounts.add_user(store, admin, "sup", "Sam Supervisor", Role.SUPERVISOR, PASSWORD, team.id)
    (tmp_path / "recovery.txt").write_text(store.take_recovery_key() or "")
    (tmp_path / "new.txt").write_text(NEW)
    store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    return path


def _users(db: Path, *args: str) -> int:
    return main(["--db", str(db), "users", *args])


def _signs_in(path: Path, username: str, password: str) -> bool:
    store = Store.open(path)
    try:
        accounts.sign_in(store, username, password)
    except WrongPassword:
        return False
    finally:
        store.close()
    return True


def test_missing_key_file_is_named_and_the_recovery_key_gets_back_in(db: Path, capsys) -> None:
    key_file_for(db).unlink()
    assert _users(db, "list", "--user", "boss") == 1
    err = capsys.readouterr().err
    assert "qa.db.keys is missing" in err and "--recovery-key-file" in err
    assert "not right" not in err
    recovery = str(db.parent / "recovery.txt")
    assert _users(db, "reset", "boss", "--recovery-key-file", recovery,
                  "--new-password-file", str(db.parent / "new.txt")) == 0
    assert _signs_in(db, "boss", NEW)
