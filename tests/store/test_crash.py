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
from qa_audit.services.store import Store

CHILD = textwrap.dedent(
    """
    import sys, uuid
    from qa_audit.services import accounts, assessments
    from qa_audit.services.store import Store
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
