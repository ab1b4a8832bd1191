"""Keys that can be revoked: disabling an account or resetting a password re-keys the
database, so an old copy of the key file with an old password opens nothing, while the
remaining accounts and the recovery key keep working without anyone else's password."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from qa_audit.domain.permissions import Role
from qa_audit.errors import PermissionDenied, StoreError, WrongPassword
from qa_audit.services import accounts, cases
from qa_audit.services.database import Store
from qa_audit.store import keyring as keyring_module
from qa_audit.store.engine import WrongKey, check_key
from qa_audit.store.files import key_file_for
from qa_audit.store.keyring import Keyring

PASSWORD = "correct horse battery"
NEW = "a fresh start passphrase"
LEAVER = "wiktoria.zajac"
REF = "PL-2099-REVOKE"


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "qa.db"
    store = Store.open(path)
    recovery = store.take_recovery_key() or ""
    system = accounts.system_actor()
    team = accounts.add_org_unit(store, system, "Leeds 1", "team")
    accounts.add_user(store, system, "boss", "Boss Admin", Role.ADMIN, PASSWORD)
    accounts.add_user(store, system, LEAVER, "Wiktoria Zając", Role.SUPERVISOR, PASSWORD,
                      team.id)
    accounts.add_user(store, system, "sam.stays", "Sam Stays", Role.SUPERVISOR, PASSWORD,
                      team.id)
    sup = accounts.sign_in(store, "sam.stays", PASSWORD)
    cases.create_case(store, sup, REF, "care_order")
    store.close()
    return path, recovery


def _old_key_file_opens(path: Path, old_keys: Path, username: str, password: str) -> bool:
    """Whether the database at `path` opens with a copy of its key file as it was."""
    keys = Keyring.load(old_keys).unlock(username, password)
    for key in keys.database_keys:
        try:
            check_key(path, key)
        except WrongKey:
            continue
        return True
    return False


def _signs_in(path: Path, username: str, password: str) -> bool:
    store = Store.open(path)
    try:
        accounts.sign_in(store, username, password)
    except (WrongPassword, StoreError):
        return False
    finally:
        store.close()
    return True


def test_disabling_revokes_an_old_copy_of_the_key_file(db, tmp_path: Path) -> None:
    path, _ = db
    stolen = tmp_path / "stolen.keys"
    shutil.copyfile(key_file_for(path), stolen)
    assert _old_key_file_opens(path, stolen, LEAVER, PASSWORD)  # before: it does

    store = Store.open(path)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    steps: list[tuple[int, int]] = []
    accounts.set_active(store, boss, LEAVER, False, progress=lambda d, t: steps.append((d, t)))
    # The admin's own session goes on with the new key.
    assert [c.reference for c in cases.list_cases(store, accounts.system_actor())] == [REF]
    store.close()

    assert not _old_key_file_opens(path, stolen, LEAVER, PASSWORD)
    # Nor by putting the old key file back beside the database.
    live = key_file_for(path).read_bytes()
    shutil.copyfile(stolen, key_file_for(path))
    assert not _signs_in(path, LEAVER, PASSWORD)
    key_file_for(path).write_bytes(live)
    # Progress ended at all pages done.
    assert steps and steps[-1][0] == steps[-1][1] > 0
    # Everyone else still signs in with their own password.
    assert _signs_in(path, "sam.stays", PASSWORD) and _signs_in(path, "boss", PASSWORD)
    assert not _signs_in(path, LEAVER, PASSWORD)


def test_resetting_a_password_revokes_the_old_one_with_an_old_key_file(db, tmp_path) -> None:
    path, _ = db
    stolen = tmp_path / "stolen.keys"
    shutil.copyfile(key_file_for(path), stolen)
    store = Store.open(path)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    accounts.reset_password(store, boss, LEAVER, NEW)
    store.close()
    assert not _old_key_file_opens(path, stolen, LEAVER, PASSWORD)
    assert _signs_in(path, LEAVER, NEW) and not _signs_in(path, LEAVER, PASSWORD)
    assert _signs_in(path, "sam.stays", PASSWORD)


def test_recovery_key_still_opens_after_two_rekeys(db) -> None:
    path, recovery = db
    store = Store.open(path)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    accounts.reset_password(store, boss, "sam.stays", NEW)
    accounts.set_active(store, boss, LEAVER, False)
    store.close()
    assert Keyring.load(key_file_for(path)).generation == 2
    store = Store.open(path)
    store.unlock_with_recovery_key(recovery)
    assert [c.reference for c in cases.list_cases(store, accounts.system_actor())] == [REF]
    store.close()


def test_disabled_accounts_open_session_stops_at_its_next_action(db) -> None:
    path, _ = db
    store = Store.open(path)
    leaver = accounts.sign_in(store, LEAVER, PASSWORD)
    cases.create_case(store, leaver, "PL-2099-BEFORE", "care_order")
    boss = accounts.sign_in(store, "boss", PASSWORD)
    accounts.set_active(store, boss, LEAVER, False)
    with pytest.raises(PermissionDenied, match="disabled"):
        cases.create_case(store, leaver, "PL-2099-AFTER", "care_order")
    store.close()


def test_session_in_another_program_stops_after_a_rekey(db) -> None:
    path, _ = db
    app = Store.open(path)
    sam = accounts.sign_in(app, "sam.stays", PASSWORD)
    cli = Store.open(path)
    boss = accounts.sign_in(cli, "boss", PASSWORD)
    accounts.set_active(cli, boss, LEAVER, False)
    cli.close()
    with pytest.raises(StoreError, match="sign in again"):
        cases.create_case(app, sam, "PL-2099-STALE", "care_order")
    # Signing in again picks up the new key.
    sam = accounts.sign_in(app, "sam.stays", PASSWORD)
    cases.create_case(app, sam, "PL-2099-FRESH", "care_order")
    app.close()


def test_files_are_owner_only_and_the_key_file_names_no_one(db) -> None:
    path, _ = db
    for file in (path, key_file_for(path)):
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file
    text = key_file_for(path).read_text()
    for name in ("boss", LEAVER, "wiktoria", "sam.stays"):
        assert name not in text
    data = json.loads(text)
    assert len(data["accounts"]) == 3


def test_unknown_username_costs_one_derivation_and_is_not_added(db, monkeypatch) -> None:
    path, _ = db
    calls: list[int] = []
    real = keyring_module._kek

    def counting(*args):  # a spy: the real derivation runs
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(keyring_module, "_kek", counting)
    before = key_file_for(path).read_bytes()
    store = Store.open(path)
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "no.such.person", PASSWORD)
    unknown = len(calls)
    calls.clear()
    assert key_file_for(path).read_bytes() == before  # nothing added for an unknown name
    with pytest.raises(WrongPassword):
        accounts.sign_in(store, "sam.stays", "not the password")
    assert unknown == len(calls) == 1
    store.close()


def test_failed_sign_ins_reach_the_audit_log_and_are_told(db) -> None:
    from sqlalchemy import text

    path, _ = db
    store = Store.open(path)
    for _ in range(2):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sam.stays", "not the password")
    sam = accounts.sign_in(store, "sam.stays", PASSWORD)
    assert store.sign_in_notice and "2 failed sign-in" in store.sign_in_notice
    with store.engine.connect() as conn:
        failed = conn.execute(text(
            "SELECT count(*) FROM audit_event WHERE action = 'sign_in_failed' "
            "AND entity_id = :id"), {"id": str(sam.user_id)}).scalar()
    assert failed == 2
    store.close()


def test_clearing_the_failure_count_in_the_key_file_is_logged(db) -> None:
    import datetime as dt

    from sqlalchemy import text

    path, _ = db
    store = Store.open(path)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for _ in range(3):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sam.stays", "not the password", now=t0)
    accounts.sign_in(store, "sam.stays", PASSWORD, now=t0 + dt.timedelta(hours=1))
    for _ in range(3):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sam.stays", "not the password", now=t0)
    keys = key_file_for(path)
    data = json.loads(keys.read_text())
    data["attempts"] = {}  # an attacker lifts the back-off
    keys.write_text(json.dumps(data))
    sam = accounts.sign_in(store, "sam.stays", PASSWORD, now=t0 + dt.timedelta(seconds=1))
    assert store.sign_in_notice and "edited" in store.sign_in_notice
    with store.engine.connect() as conn:
        edited = conn.execute(text(
            "SELECT count(*) FROM audit_event WHERE action = 'sign_in_record_edited' "
            "AND entity_id = :id"), {"id": str(sam.user_id)}).scalar()
    assert edited == 1
    store.close()


def test_back_off_message_says_whose_failures_and_when_it_ends(db) -> None:
    import datetime as dt

    from qa_audit.errors import TooManyAttempts

    path, _ = db
    store = Store.open(path)
    t0 = dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC)
    for _ in range(3):
        with pytest.raises(WrongPassword):
            accounts.sign_in(store, "sam.stays", "someone else guessing", now=t0)
    with pytest.raises(TooManyAttempts) as err:
        accounts.sign_in(store, "sam.stays", PASSWORD, now=t0 + dt.timedelta(seconds=2))
    message = str(err.value)
    assert "3 in a row" in message and "09:30:00" in message and "4 seconds" in message
    store.close()


def test_a_key_file_from_before_key_pairs_still_opens_and_is_upgraded(tmp_path) -> None:
    """A key file written by the previous version (password-wrapped database key, entries
    by username) keeps working; each account gets key pairs at its first sign-in."""
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = tmp_path / "old.db"
    store = Store.open(path)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    key, database_id = store.key, str(Keyring.load(key_file_for(path)).database_id)
    store.close()
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = keyring_module._kek(PASSWORD.encode(), salt, keyring_module._kdf)
    aad = f"qa-audit-keyring@1|{database_id}|boss".encode()
    kdf = keyring_module._kdf
    key_file_for(path).write_text(json.dumps({
        "format": "qa-audit-keyring@1", "database_id": database_id, "failures": {},
        "entries": {"boss": {
            "kdf": {"t": kdf.time_cost, "m": kdf.memory_cost, "p": kdf.parallelism},
            "salt": base64.b64encode(salt).decode(), "nonce": base64.b64encode(nonce).decode(),
            "wrapped": base64.b64encode(AESGCM(kek).encrypt(nonce, key, aad)).decode()}}}))
    assert _signs_in(path, "boss", PASSWORD)
    upgraded = json.loads(key_file_for(path).read_text())
    assert upgraded["format"] == "qa-audit-keyring@2" and len(upgraded["accounts"]) == 1
    assert "boss" not in key_file_for(path).read_text()
    assert _signs_in(path, "boss", PASSWORD)


def test_a_backup_made_before_a_rekey_can_still_be_restored(db, tmp_path) -> None:
    from qa_audit.services import maintenance

    path, recovery = db
    store = Store.open(path)
    boss = accounts.sign_in(store, "boss", PASSWORD)
    backup = maintenance.backup(store, boss, tmp_path / "before.db")
    accounts.set_active(store, boss, LEAVER, False)
    sam = accounts.sign_in(store, "sam.stays", PASSWORD)
    cases.create_case(store, sam, "PL-2099-LATER", "care_order")
    # The administrator's key pair opens the backup through the key file beside it.
    maintenance.restore(store, boss, backup)
    assert [c.reference for c in cases.list_cases(store, accounts.system_actor())] == [REF]
    store.close()
    # The live database still has the new key: the leaver's old password opens nothing.
    assert not _signs_in(path, LEAVER, PASSWORD) and _signs_in(path, "boss", PASSWORD)
    # And with the recovery key instead of a password.
    store = Store.open(path)
    store.unlock_with_recovery_key(recovery)
    maintenance.restore(store, accounts.system_actor(), backup)
    store.close()
