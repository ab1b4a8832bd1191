"""Database errors from the machine around the app, on real files: another program holding
the write lock, a read-only file, a file of garbage, a full disk, a failing write. Each is
a clear message (a `StoreError` subclass, told apart by SQLite's result code) and loses
nothing that was saved before."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from qa_audit.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseReadOnly,
    DiskError,
    DiskFull,
    StoreError,
)
from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentQuery, list_assessments
from qa_audit.store.files import key_file_for

# SQLite result codes on real files; the team store's SQLSTATEs are tested in test_team_store.
pytestmark = pytest.mark.sqlite_only

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def _short_busy_timeout(store: Store, ms: int = 150) -> None:
    """Wait `ms` (not seconds) for a lock, so that a test of giving up is quick."""
    @event.listens_for(store.engine, "connect")
    def _timeout(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA busy_timeout={ms}")

    store.engine.dispose()


def _busy_errors(store: Store) -> list[str]:
    """The names of the driver errors seen by the store's engine, as they happen."""
    seen: list[str] = []

    @event.listens_for(store.engine, "handle_error")
    def _seen(context: Any) -> None:
        seen.append(getattr(context.original_exception, "sqlite_errorname", "?"))

    return seen


@pytest.fixture
def holder(world) -> Iterator[Any]:
    """A second connection to the same file, as `qa-audit` running beside the app has."""
    other = Store.open(Path(world.store.location))
    accounts.sign_in(other, "admin", PASSWORD)
    conn = other.engine.raw_connection()
    yield conn
    conn.close()
    other.close()


def test_a_write_lock_held_elsewhere_is_a_clear_message_after_one_retry(world, holder) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="kept")
    _short_busy_timeout(world.store)
    errors = _busy_errors(world.store)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseBusy, match="Another program is using the database"):
            assessments.save_rating(world.store, world.supervisor, aid, "seen",
                                    evidence="typed while the command ran")
        assert errors == ["SQLITE_BUSY", "SQLITE_BUSY"]  # the first try and one retry
        # Reading goes on meanwhile (the write-ahead log lets readers past a writer).
        assert [r.id for r in list_assessments(world.store, world.supervisor,
                                               AssessmentQuery())] == [aid]
    finally:
        holder.execute("ROLLBACK")
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert detail.ratings["seen"].evidence == "kept"
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="saved later")
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].evidence == "saved later"


def test_a_lock_let_go_before_the_retry_is_not_an_error(world, holder) -> None:
    aid = world.new_audit()
    _short_busy_timeout(world.store)
    errors = _busy_errors(world.store)

    @event.listens_for(world.store.engine, "handle_error")
    def _command_finishes(_context: Any) -> None:
        holder.execute("COMMIT")  # the command beside the app is done after the first try

    holder.execute("BEGIN EXCLUSIVE")
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="saved")
    assert errors == ["SQLITE_BUSY"]
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].evidence == "saved"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_read_only(path: Path) -> None:
    """Read-only for this process too: by permissions, or for root (whom permissions do
    not bind) by the file system's immutable flag."""
    path.chmod(0o444)
    if os.access(path, os.W_OK):
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
    path.chmod(0o600)


def test_a_read_only_database_file_is_a_clear_message_and_is_left_as_it_was(world) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="kept")
    path = Path(world.store.location)
    world.store.close()
    before = _digest(path)
    _make_read_only(path)
    try:
        store = Store.open(path)
        try:
            with pytest.raises(DatabaseReadOnly, match="cannot be written to"):
                accounts.sign_in(store, "sup", PASSWORD)  # signing in is audit-logged
        finally:
            store.close()
    finally:
        _make_writable(path)
    assert _digest(path) == before
    store = Store.open(path)
    actor = accounts.sign_in(store, "sup", PASSWORD)
    assert assessments.get_assessment(store, actor, aid).ratings["seen"].evidence == "kept"
    store.close()


def test_a_database_full_of_garbage_is_called_damaged_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "qa.db"
    Store.open(path, encrypt=False).close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = (b"\xde\xad\xbe\xef" * len(data))[: len(data) - page]  # all but page 1
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged, match="damaged"):
        Store.open(path)
    assert path.read_bytes() == bytes(data)


def test_a_file_that_is_not_a_database_is_called_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    junk = b"SQLite format 3\x00" + os.urandom(8192)  # the header, then noise
    path.write_bytes(junk)
    with pytest.raises(DatabaseDamaged, match="not a qa_audit database"):
        Store.open(path)
    assert path.read_bytes() == junk


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, small file system: a tmpfs of 1.5 MB (needs the right to mount one)."""
    where = tmp_path / "tiny"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k,mode=0700", "tmpfs",
                              str(where)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here; "
                    "test_a_failing_write_is_a_disk_error covers writes that fail")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def test_a_full_disk_is_a_clear_message_and_keeps_the_last_save(world, tiny_disk) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="kept")
    source = Path(world.store.location)
    world.store.close()
    path = tiny_disk / source.name
    shutil.copyfile(source, path)
    shutil.copyfile(key_file_for(source), key_file_for(path))
    # Something else of the person's on the disk, which they delete when told to free
    # space (signing in and reading are audit-logged: they need a little room too).
    ballast = tiny_disk / "old-downloads.bin"
    ballast.write_bytes(os.urandom(300_000))
    store = Store.open(path)
    actor = accounts.sign_in(store, "sup", PASSWORD)
    try:
        with pytest.raises(DiskFull, match="The disk is full"):
            for n in range(40):  # ~200 KB each, more than the disk holds
                assessments.save_rating(store, actor, aid, "care-plan",
                                        evidence=f"{n} " + os.urandom(100_000).hex())
        assert assessments.get_assessment(store, actor, aid).ratings[
            "seen"].evidence == "kept"
    finally:
        store.close()
    ballast.unlink()  # "Free some space"
    store = Store.open(path)
    actor = accounts.sign_in(store, "sup", PASSWORD)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert assessments.get_assessment(store, actor, aid).ratings["seen"].evidence == "kept"
    store.close()


FAILING_WRITE = textwrap.dedent(
    """
    import resource, signal, sys, uuid
    from qa_audit.services import accounts, assessments
    from qa_audit.services.database import Store
    accounts.use_fast_hashing()
    store = Store.open(sys.argv[1])
    actor = accounts.sign_in(store, "sup", "correct horse battery")
    # Files may now grow to 256 KB only: a bigger write fails (EFBIG) as on a failing drive.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256_000, 256_000))
    try:
        assessments.save_rating(store, actor, uuid.UUID(sys.argv[2]), "seen",
                                evidence="x" * 600_000)
    except Exception as exc:
        print(type(exc).__name__)
        print(exc)
    """
)


def test_a_failing_write_is_a_disk_error_and_keeps_the_last_save(world) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="kept")
    path = Path(world.store.location)
    world.store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", FAILING_WRITE, str(path), str(aid)],
                         capture_output=True, text=True, env=env, check=True, timeout=120)
    kind, _, message = out.stdout.partition("\n")
    assert kind == DiskError.__name__, out.stdout + out.stderr
    assert "The disk reported an error" in message
    assert issubclass(DiskError, StoreError)
    store = Store.open(path)
    actor = accounts.sign_in(store, "sup", PASSWORD)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert assessments.get_assessment(store, actor, aid).ratings["seen"].evidence == "kept"
    store.close()


def test_errors_are_told_apart_by_code_not_by_the_words_in_them(world) -> None:
    """A bug whose message happens to say "full" or "locked" stays a bug (for the crash
    report), not a message about the disk."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError) as caught, world.store.unit_of_work() as session:
        session.execute(text('SELECT * FROM "the disk is full and the database is locked"'))
    assert not isinstance(caught.value, StoreError)
    assert getattr(caught.value.orig, "sqlite_errorname", "") == "SQLITE_ERROR"


def test_the_mapping_is_keyed_by_backend() -> None:
    """PostgreSQL (the team store) reports SQLSTATEs, not SQLite's result codes: the same
    number means nothing across them."""
    from qa_audit.store.errors import Backend, user_error

    class PsycopgError(Exception):  # what psycopg's exceptions carry: a SQLSTATE
        def __init__(self, sqlstate: str) -> None:
            super().__init__("")
            self.sqlstate = sqlstate

    assert isinstance(user_error(PsycopgError("40001"), Backend.POSTGRESQL), DatabaseBusy)
    assert isinstance(user_error(PsycopgError("53100"), Backend.POSTGRESQL), DiskFull)
    assert user_error(PsycopgError("23505"), Backend.POSTGRESQL) is None  # unique: a bug
    assert user_error(PsycopgError("40001"), Backend.SQLITE) is None
    import sqlite3

    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as missing:
        conn.execute("SELECT * FROM missing")
    conn.close()
    assert user_error(missing.value, Backend.SQLITE) is None
    assert user_error(missing.value, Backend.POSTGRESQL) is None
    assert Backend.of("postgresql") is Backend.POSTGRESQL
    assert Backend.of("sqlite") is Backend.SQLITE
