"""kill -9 during autosaves: the database reopens intact with every acknowledged save."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from qa_audit.services import accounts, assessments
from qa_audit.services.database import Store

CHILD = textwrap.dedent(
    """
    import sys, uuid
    from qa_audit.services import accounts, assessments
    from qa_audit.services.database import Store
    accounts.use_fast_hashing()
    store = Store.open(sys.argv[1])
    actor = accounts.sign_in(store, "sup", "correct horse battery")
    aid = uuid.UUID(sys.argv[2])
    n = int(sys.argv[3])
    while True:
        n += 1
        assessments.save_rating(store, actor, aid, "seen", evidence=f"save {n} " + "x" * 2000)
        print(n, flush=True)
    """
)


def test_kill_minus_nine_loop(world, tmp_path: Path) -> None:
    path = Path(world.store.location)
    aid = world.new_audit()
    world.store.close()
    rng = random.Random(7)
    acknowledged = 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for _ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(aid), str(acknowledged)],
            stdout=subprocess.PIPE, text=True, env=env,
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # it is writing now
        assert first.strip(), "child never saved"
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        lines = [first, *out.splitlines()]
        acknowledged = max(acknowledged, max(int(x) for x in lines if x.strip()))
        store = Store.open(path)
        actor = accounts.sign_in(store, "sup", "correct horse battery")
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        evidence = assessments.get_assessment(store, actor, aid).ratings["seen"].evidence
        saved = int(evidence.split()[1])
        assert saved >= acknowledged, "an acknowledged save was lost"
        acknowledged = saved
        store.close()
    assert acknowledged > 6


def test_disk_full_is_a_clear_error_and_keeps_the_last_save(world) -> None:
    import pytest
    from sqlalchemy import event

    from qa_audit.errors import StoreError

    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", evidence="kept")

    # Simulate a full disk: cap the database at its current size for every connection.
    @event.listens_for(world.store.engine, "connect")
    def _cap(dbapi_conn, _record) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    world.store.engine.dispose()
    with pytest.raises(StoreError, match="disk is full"):
        assessments.save_rating(world.store, world.supervisor, aid, "seen",
                                evidence="x" * 200_000)
    event.remove(world.store.engine, "connect", _cap)
    world.store.engine.dispose()
    assert assessments.get_assessment(world.store, world.supervisor, aid).ratings[
        "seen"].evidence == "kept"


def test_unwritable_data_folder_is_a_clear_message(tmp_path, capsys) -> None:
    import os

    from qa_audit.cli import main

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # running as root: permissions do not bind
            blocker = tmp_path / "file-not-folder"
            blocker.write_text("x")
            target = blocker / "sub" / "qa.db"
        else:
            target = folder / "qa.db"
        assert main(["--db", str(target)]) == 1
    finally:
        folder.chmod(0o700)
    assert "cannot be written to" in capsys.readouterr().err
