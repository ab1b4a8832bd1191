"""Every file written whole or not at all, owner-only; a full disk named as one."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_audit.atomic_files import atomic_write, atomic_write_bytes
from qa_audit.domain.permissions import Role
from qa_audit.errors import DiskFull, StoreError
from qa_audit.services import accounts, maintenance
from qa_audit.services.database import Store
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.services.exports import export_csv, export_xlsx
from qa_audit.store.files import key_file_for
from tests.conftest import PASSWORD, fill_disk

ROOT = Path(__file__).parent.parent.parent


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith((".part", ".tmp", "-journal")))


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"the old one")

    def broken(fh) -> None:
        fh.write(b"half of it")
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"the old one"
    assert _leftovers(tmp_path) == []
    atomic_write_bytes(tmp_path / "new.bin", b"x")
    assert stat.S_IMODE(os.stat(tmp_path / "new.bin").st_mode) == 0o600
    with pytest.raises(IsADirectoryError):
        atomic_write_bytes(tmp_path, b"x")


def test_exports_and_backups_are_owner_only(world, tmp_path: Path) -> None:
    aid = world.finalised_audit()
    pdf = export_pdf(world.store, world.supervisor, PdfRequest(DocumentKind.ASSESSMENT, aid),
                     tmp_path / "a.pdf")
    csv_set = export_csv(world.store, world.ql, tmp_path / "csv").files
    xlsx = export_xlsx(world.store, world.ql, tmp_path / "d.xlsx").files
    backup = maintenance.backup(world.store, world.admin, tmp_path / "b.db")
    for path in (pdf, *csv_set, *xlsx, backup, key_file_for(backup)):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_a_killed_key_file_writer_leaves_no_temporary_copies(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "qa.db")
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    store.close()
    keys = key_file_for(tmp_path / "qa.db")
    code = ("import sys, datetime as dt\n"
            "from qa_audit.store.keyring import Keyring\n"
            "k = Keyring.load(__import__('pathlib').Path(sys.argv[1]))\n"
            "now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)\n"
            "print('ready', flush=True)\n"
            "while True:\n    k.note_failure('boss', now)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(12):
        child = subprocess.Popen([sys.executable, "-c", code, str(keys)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(0.02 * (round_ % 4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    # Whatever the kills interrupted, the key file is whole and a later write tidies up.
    from qa_audit.store.keyring import Keyring

    keyring = Keyring.load(keys)
    assert keyring.failures("boss")[0] > 0
    keyring.clear_failures("boss")
    assert _leftovers(tmp_path) == []


# -- a real full disk -----------------------------------------------------------------------
def _world_on(disk: Path) -> tuple[Store, object, object]:
    from qa_audit.services import cases

    store = Store.open(disk / "qa.db")
    system = accounts.system_actor()
    team = accounts.add_org_unit(store, system, "Leeds 1", "team")
    accounts.add_user(store, system, "boss", "Boss", Role.ADMIN, PASSWORD)
    accounts.add_user(store, system, "sup", "Sam", Role.SUPERVISOR, PASSWORD, team.id)
    sup = accounts.sign_in(store, "sup", PASSWORD)
    cases.create_case(store, sup, "PL-2099-FULL", "care_order")
    return store, accounts.sign_in(store, "boss", PASSWORD), sup


def test_full_disk_at_sign_in_is_named_as_a_full_disk(small_disk: Path) -> None:
    store, _, _ = _world_on(small_disk)
    store.close()
    for extra in ("-wal", "-shm"):
        (small_disk / ("qa.db" + extra)).unlink(missing_ok=True)
    fill_disk(small_disk)
    store = Store.open(small_disk / "qa.db")
    with pytest.raises(DiskFull) as err:
        accounts.sign_in(store, "sup", PASSWORD)
    assert "full" in str(err.value) and "key does not open" not in str(err.value)
    (small_disk / "filler").unlink()
    assert accounts.sign_in(store, "sup", PASSWORD)  # space freed: the same password works
    store.close()


def test_full_disk_leaves_no_partial_backup_or_csv_set(small_disk: Path, tmp_path) -> None:
    store, boss, _ = _world_on(small_disk)
    out = small_disk / "out"
    out.mkdir()
    fill_disk(small_disk, leave=8192)
    with pytest.raises(DiskFull, match="disk is full"):
        maintenance.backup(store, boss, out / "b.db")
    assert list(out.iterdir()) == []
    with pytest.raises(StoreError, match="disk is full"):
        export_csv(store, None, out / "csv")
    assert not (out / "csv" / "about.txt").exists()
    assert [p.name for p in (out / "csv").iterdir()] == []
    (small_disk / "filler").unlink()
    # The next try is not blocked by anything left under the final names.
    assert maintenance.backup(store, boss, out / "b.db").exists()
    store.close()


def test_full_disk_leaves_no_partial_pdf(small_disk: Path) -> None:
    import datetime as dt

    from qa_audit.reports.model import Profile

    store, _, sup = _world_on(small_disk)
    team = next(u for u in accounts.list_org_units(store) if u.kind == "team")
    out = small_disk / "out"
    out.mkdir()
    fill_disk(small_disk, leave=2048)
    request = PdfRequest(DocumentKind.TEAM, team.id, Profile.MANAGER, "OFFICIAL-SENSITIVE",
                         dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    with pytest.raises(DiskFull, match="disk is full"):
        export_pdf(store, sup, request, out / "p.pdf")
    assert list(out.iterdir()) == []
    store.close()


def test_copies_made_by_encrypt_and_by_a_migration_are_owner_only(tmp_path: Path) -> None:
    from alembic import command

    from qa_audit.store.engine import alembic_config

    path = tmp_path / "old.db"
    store = Store.open(path, encrypt=False)
    accounts.add_user(store, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:  # as if made by the version before this one
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    store.close()
    Store.open(path, encrypt=False).close()  # migrates, with a backup first
    before = tmp_path / "old.db.before-0007.bak"
    result = maintenance.encrypt_database(path, "boss", PASSWORD)
    for file in (before, result.backup, path, key_file_for(path)):
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file
