"""The app writes from the GUI thread (autosave) while a worker thread makes a change
(submit, an action): units of work that write take the write lock when they begin, so
neither is refused with 'database is locked' for reading before it wrote."""

from __future__ import annotations

import threading

from qa_audit.services import assessments


def test_two_threads_writing_the_same_assessment_both_succeed(world) -> None:
    aid = world.new_audit()
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def autosave() -> None:  # the GUI thread's share: save, then read (the read is logged)
        start.wait()
        for n in range(25):
            try:
                assessments.save_rating(world.store, world.supervisor, aid, "seen",
                                        evidence=f"typed {n}")
                assessments.get_assessment(world.store, world.supervisor, aid)
            except Exception as exc:
                failures.append(exc)

    def worker() -> None:  # an operation's share: actions added and read back
        start.wait()
        for n in range(25):
            try:
                assessments.add_action(world.store, world.supervisor, aid, f"Action {n}")
                assessments.get_assessment(world.store, world.supervisor, aid)
            except Exception as exc:
                failures.append(exc)

    threads = [threading.Thread(target=autosave), threading.Thread(target=worker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert detail.ratings["seen"].evidence == "typed 24"
    assert sorted(a.text for a in detail.actions) == sorted(f"Action {n}" for n in range(25))
