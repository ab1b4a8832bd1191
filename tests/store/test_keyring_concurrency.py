"""The key file shared by processes: the running app and the command line at once.

Every change to the key file is a locked read-modify-write of what is on disk, so one
process never writes back a stale copy over another's change, and a sign-in reads the
file as it is now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import StoreError, WrongPassword
from qa_audit.services import accounts
from qa_audit.services.database import Store
from qa_audit.store.files import key_file_for
from qa_audit.store.keyring import Keyring

PASSWORD = "correct horse battery"
NEW = "a fresh start passphrase"
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    admin = accounts.system_actor()
    team = accounts.add_org_unit(store, admin, "Leeds 1", "team")
    accounts.add_user(store, admin, "boss", "Boss Admin", Role.ADMIN, PASSWORD)
    accounts.add_user(store, admin, "sup", "Sam Supervisor", Role.SUPERVISOR, PASSWORD, team.id)
    accounts.add_user(store, admin, "fca", "Fatima Khan", Role.FCA, PASSWORD, team.id)
    (tmp_path / "recovery.txt").write_text(store.take_recovery_key() or "")
    store.close()
    return path


def _signs_in(path: Path, username: str, password: str) -> bool:
    store = Store.open(path)
    try:
        accounts.sign_in(store, username, password)
    except WrongPassword:
        return False
    finally:
        store.close()
    return True


def test_a_failure_in_one_store_keeps_changes_made_through_another(db: Path) -> None:
    app = Store.open(db)
    accounts.sign_in(app, "boss", PASSWORD)
    cli = Store.open(db)
    boss = accounts.sign_in(cli, "boss", PASSWORD)
    accounts.add_user(cli, boss, "newbie", "New Person", Role.ADMIN, NEW)
    accounts.reset_password(cli, boss, "sup", NEW)
    accounts.set_active(cli, boss, "fca", False)
    cli.close()

    with pytest.raises(WrongPassword):  # e.g. at the app's lock screen
        accounts.sign_in(app, "boss", "not the password")
    app.close()

    assert _signs_in(db, "newbie", NEW)
    assert _signs_in(db, "sup", NEW) and not _signs_in(db, "sup", PASSWORD)
    assert not _signs_in(db, "fca", PASSWORD)
    assert not Keyring.load(key_file_for(db)).has_account("fca")


def test_running_app_sees_a_reset_made_elsewhere_at_its_next_sign_in(db: Path) -> None:
    app = Store.open(db)
    accounts.sign_in(app, "sup", PASSWORD)
    cli = Store.open(db)
    boss = accounts.sign_in(cli, "boss", PASSWORD)
    accounts.reset_password(cli, boss, "sup", NEW)
    cli.close()
    with pytest.raises(WrongPassword):
        accounts.sign_in(app, "sup", PASSWORD)
    assert accounts.sign_in(app, "sup", NEW).role is Role.SUPERVISOR
    app.close()


def test_successful_sign_in_clearing_failures_keeps_other_changes(db: Path) -> None:
    app = Store.open(db)
    with pytest.raises(WrongPassword):
        accounts.sign_in(app, "boss", "not the password")
    cli = Store.open(db)
    boss = accounts.sign_in(cli, "boss", PASSWORD)
    accounts.add_user(cli, boss, "newbie", "New Person", Role.ADMIN, NEW)
    cli.close()
    accounts.sign_in(app, "boss", PASSWORD)  # clears boss's failure count: a write
    app.close()
    assert _signs_in(db, "newbie", NEW)


def test_failures_counted_in_two_stores_add_up(db: Path) -> None:
    one, two = Store.open(db), Store.open(db)
    for store in (one, two, one):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sup", "not the password")
    assert Keyring.load(key_file_for(db)).failures("sup")[0] == 3
    one.close()
    two.close()


def test_concurrent_writers_lose_nothing(db: Path) -> None:
    import datetime as dt

    path = key_file_for(db)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    names = ["boss", "sup", "fca", "nobody1", "nobody2", "nobody3"]

    def fail_five_times(name: str) -> None:
        keyring = Keyring.load(path)  # each thread its own copy, as each process has
        for _ in range(5):
            keyring.note_failure(name, now)

    threads = [threading.Thread(target=fail_five_times, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = Keyring.load(path)
    # Unknown usernames are not counted, so the file gains no entry for them.
    assert [final.failures(n)[0] for n in names] == [5, 5, 5, 0, 0, 0]
    assert final.account_count == 3
    assert not [p.name for p in db.parent.iterdir() if p.name.endswith((".tmp", ".part"))]


def test_key_file_replaced_by_another_databases_is_not_written_into(db: Path,
                                                                   tmp_path: Path) -> None:
    app = Store.open(db)
    boss = accounts.sign_in(app, "boss", PASSWORD)
    other = Store.open(tmp_path / "other.db")
    accounts.add_user(other, accounts.system_actor(), "x", "X", Role.ADMIN, PASSWORD)
    other.close()
    foreign = key_file_for(tmp_path / "other.db").read_bytes()
    key_file_for(db).write_bytes(foreign)
    with pytest.raises(StoreError, match="another database"):
        accounts.reset_password(app, boss, "sup", NEW)
    assert key_file_for(db).read_bytes() == foreign
    app.close()


def test_missing_key_file_is_named_not_a_wrong_password(db: Path) -> None:
    key_file_for(db).unlink()
    store = Store.open(db)
    with pytest.raises(StoreError) as err:
        accounts.sign_in(store, "boss", PASSWORD)
    message = str(err.value)
    assert "qa.db.keys" in message and "missing" in message
    assert "same backup" in message and "--recovery-key-file" in message
    assert not key_file_for(db).exists()  # nothing written for a failure that is not one
    store.close()


def test_key_file_restored_while_app_waits_is_used(db: Path) -> None:
    keys = key_file_for(db)
    saved = keys.read_bytes()
    keys.unlink()
    store = Store.open(db)
    with pytest.raises(StoreError, match="missing"):
        accounts.sign_in(store, "boss", PASSWORD)
    keys.write_bytes(saved)
    assert accounts.sign_in(store, "boss", PASSWORD).role is Role.ADMIN
    store.close()


def test_command_line_change_survives_a_failure_in_the_running_app(db: Path) -> None:
    """The tester's case, with the command line in a real second process."""
    app = Store.open(db)
    accounts.sign_in(app, "boss", PASSWORD)
    new_password = db.parent / "new.txt"
    new_password.write_text(NEW)
    env = {**os.environ, "QA_AUDIT_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    code = "import sys; from qa_audit.cli import main; sys.exit(main(sys.argv[1:]))"
    for command in (["add", "newbie", "--name", "New Person", "--role", "admin",
                     "--new-password-file", str(new_password)],
                    ["reset", "sup", "--new-password-file", str(new_password)]):
        done = subprocess.run(
            [sys.executable, "-c", code, "--db", str(db), "users", *command, "--user", "boss"],
            capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
    with pytest.raises(WrongPassword):
        accounts.sign_in(app, "boss", "not the password")
    app.close()
    assert _signs_in(db, "newbie", NEW)
    assert not _signs_in(db, "sup", PASSWORD)
