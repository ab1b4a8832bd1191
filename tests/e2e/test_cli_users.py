"""`qa-audit users …` on an encrypted database, through `qa_audit.cli.main`."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_audit.cli import main
from qa_audit.domain.permissions import Role
from qa_audit.errors import WrongPassword
from qa_audit.services import accounts
from qa_audit.services.database import Store
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


def _actions(db: Path) -> list[tuple[str, str]]:
    from sqlmodel import select

    from qa_audit.store.tables import AuditEvent

    store = Store.open(db)
    accounts.sign_in(store, "boss", PASSWORD)
    with store.reading() as session:
        rows = session.exec(select(AuditEvent.action, AuditEvent.entity)).all()
    store.close()
    return [(a, e) for a, e in rows]


def test_reset_of_a_disabled_account_says_it_is_disabled(db: Path, capsys) -> None:
    assert _users(db, "disable", "sup", "--user", "boss") == 0
    capsys.readouterr()
    assert _users(db, "reset", "sup", "--user", "boss",
                  "--new-password-file", str(db.parent / "new.txt")) == 1
    captured = capsys.readouterr()
    assert "disabled" in captured.err and "new password set" not in captured.out
    from qa_audit.store.keyring import Keyring

    assert not Keyring.load(key_file_for(db)).has_account("sup")  # no key for it
    assert not _signs_in(db, "sup", NEW)


def test_enable_brings_a_disabled_account_back_after_a_reset(db: Path, capsys) -> None:
    assert _users(db, "disable", "sup", "--user", "boss") == 0
    assert _users(db, "enable", "sup", "--user", "boss") == 0
    out = capsys.readouterr().out
    assert "enabled sup" in out and "qa-audit users reset sup" in out
    assert _users(db, "list", "--user", "boss") == 0
    assert "(disabled)" not in capsys.readouterr().out
    assert ("enable", "user") in _actions(db)
    assert not _signs_in(db, "sup", PASSWORD)  # as the message says: its key was removed
    assert _users(db, "reset", "sup", "--user", "boss",
                  "--new-password-file", str(db.parent / "new.txt")) == 0
    assert _signs_in(db, "sup", NEW)


def test_enable_is_for_admins_only(db: Path, capsys) -> None:
    assert _users(db, "enable", "boss", "--user", "sup") == 1
    assert capsys.readouterr().err


def test_team_must_be_a_team(db: Path, capsys) -> None:
    new = str(db.parent / "new.txt")
    for name, kind in (("North", "region"), ("Tyne and Wear", "service area")):
        assert _users(db, "add", "rita", "--name", "Rita", "--role", "supervisor",
                      "--team", name, "--new-password-file", new, "--user", "boss") == 1
        err = capsys.readouterr().err
        assert f"'{name}' is a {kind}, not a team" in err and "Newcastle 1" in err
    assert _users(db, "add", "rita", "--name", "Rita", "--role", "supervisor",
                  "--team", "Newcastle 1", "--new-password-file", new, "--user", "boss") == 0
    assert _users(db, "list", "--user", "boss") == 0
    assert "rita\tsupervisor\tNewcastle 1" in capsys.readouterr().out


def test_a_reader_that_goes_away_stops_the_listing_quietly(db: Path) -> None:
    # `qa-audit users list | head`: no traceback when the pipe closes early.
    import os
    import subprocess
    import sys

    code = ("import sys; from qa_audit.cli import main; "
            "sys.exit(main(['--db', sys.argv[1], 'users', 'list', '--user', 'boss']))")
    child = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=dict(os.environ))
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    errors = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors


def test_head_of_service_is_added_without_a_team_and_signs_in(db: Path, capsys) -> None:
    new = str(db.parent / "new.txt")
    assert _users(db, "add", "hana", "--name", "Hana Head", "--role", "head_of_service",
                  "--new-password-file", new, "--user", "boss") == 0
    assert "added hana (head_of_service)" in capsys.readouterr().out
    store = Store.open(db)
    try:
        actor = accounts.sign_in(store, "hana", NEW)
    finally:
        store.close()
    assert actor.role is Role.HEAD_OF_SERVICE and actor.team_id is None
