from __future__ import annotations

from sqlalchemy import text

from qa_audit.services.audit_log import verify_chain


def test_chain_detects_edits_and_deletions(world) -> None:
    report = verify_chain(world.store)
    assert report.intact and report.events > 10
    with world.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'view' WHERE seq = 5"))
    assert verify_chain(world.store).broken_at == 5


def test_deleting_an_event_is_detected(world) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    assert verify_chain(world.store).broken_at == 4


def test_no_case_content_in_the_log(world) -> None:
    from qa_audit.services import assessments

    aid = world.new_audit()
    assessments.save_rating(
        world.store, world.supervisor, aid, "seen", grade="RI", evidence="SECRET-EVIDENCE-TEXT"
    )
    with world.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_event")).all()
    dump = repr(rows)
    assert "SECRET-EVIDENCE-TEXT" not in dump and "PL-2024-00001" not in dump
