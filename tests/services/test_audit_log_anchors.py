"""An audit log that cannot be rewritten quietly by someone who holds the database key:
events signed by their actor, numbering checked, the head anchored outside the database
(the head file, exports), finalised content rechecked."""

from __future__ import annotations

import base64
import hashlib

from pypdf import PdfReader
from sqlalchemy import text

from qa_audit.services import audit_log
from qa_audit.services.audit_log import chain_head, head_file_for, verify_chain
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.services.exports import export_csv


def _rechain(conn, from_seq: int = 1) -> None:
    """What an attacker with the database key does: recompute every hash after an edit
    (the same formula as the design describes: SHA-256 over the fields joined by 0x1f)."""
    rows = conn.execute(text(
        "SELECT seq, id, at, actor_id, action, entity, entity_id FROM audit_event "
        "ORDER BY seq")).all()
    prev = "0" * 64
    for seq, id_, at, actor_id, action, entity, entity_id in rows:
        if seq >= from_seq:
            import datetime as dt
            import uuid

            when = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) if isinstance(
                at, str) else at
            actor = str(uuid.UUID(actor_id)) if actor_id else ""
            parts = [prev, str(uuid.UUID(id_)), when.isoformat(), actor, action, entity,
                     entity_id]
            digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
            conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"p": prev, "h": digest, "s": seq})
            prev = digest
        else:
            prev = conn.execute(text("SELECT hash FROM audit_event WHERE seq = :s"),
                                {"s": seq}).scalar()


def test_an_untouched_log_verifies_with_its_head_file(world) -> None:
    report = verify_chain(world.store)
    assert report.intact, report.problems
    assert head_file_for(world.store.path).exists()
    head = chain_head(world.store)
    assert head.seq == report.events


def test_emptying_the_log_is_not_intact(world) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    report = verify_chain(world.store)
    assert not report.intact
    assert any("empty" in p for p in report.problems)
    assert any("head file" in p and "deleted" in p for p in report.problems)


def test_deleting_the_newest_events_disagrees_with_the_head_file(world) -> None:
    events = verify_chain(world.store).events
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > :n"), {"n": events - 3})
    report = verify_chain(world.store)
    assert not report.intact and report.broken_at is None  # the chain itself still links
    assert any(f"names event {events}" in p for p in report.problems)


def test_editing_and_rechaining_breaks_the_actors_signature(world) -> None:
    aid = world.new_audit()
    with world.store.engine.begin() as conn:
        seq = conn.execute(text("SELECT max(seq) FROM audit_event WHERE action = "
                                "'create_assessment' OR entity = 'assessment'")).scalar()
        conn.execute(text("UPDATE audit_event SET action = 'view' WHERE seq = :s"), {"s": seq})
        _rechain(conn)
    report = verify_chain(world.store)
    assert report.broken_at is None  # re-chained: the hashes alone no longer show it
    assert any(f"event {seq} is not signed by its actor" in p for p in report.problems)
    assert aid


def test_an_event_forged_in_another_persons_name_is_found(world) -> None:
    """Someone with the database key appends a correctly chained event in the supervisor's
    name, signed with their own key."""
    with world.store.engine.begin() as conn:
        last_seq, last_hash = conn.execute(text(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
        sup = str(world.supervisor.user_id).replace("-", "")
        conn.execute(text(
            "INSERT INTO audit_event (seq, id, at, actor_id, action, entity, entity_id, "
            "prev_hash, hash, signature) VALUES (:seq, :id, '2026-01-01 00:00:00.000000', "
            ":actor, 'finalise', 'assessment', '', :prev, 'x', :sig)"),
            {"seq": last_seq + 1, "id": "0" * 31 + "1", "actor": sup, "prev": last_hash,
             "sig": base64.b64encode(b"\0" * 64).decode()})
        _rechain(conn, last_seq + 1)
    report = verify_chain(world.store)
    assert any(f"event {last_seq + 1} is not signed by its actor" in p
               for p in report.problems)


def test_a_gap_in_the_numbering_is_found(world) -> None:
    with world.store.engine.begin() as conn:
        n = conn.execute(text("SELECT max(seq) FROM audit_event")).scalar()
        conn.execute(text("UPDATE audit_event SET seq = seq + 5 WHERE seq = :n"), {"n": n})
    report = verify_chain(world.store)
    assert report.broken_at == n + 5
    assert any("missing" in p for p in report.problems)


def test_a_finalised_assessment_changed_afterwards_is_found(world) -> None:
    aid = world.finalised_audit()
    assert verify_chain(world.store).intact
    with world.store.engine.begin() as conn:
        conn.execute(text("UPDATE rating SET evidence = 'rewritten' WHERE assessment_id = :a "
                          "AND standard_id = 'seen'"), {"a": str(aid).replace("-", "")})
    report = verify_chain(world.store)
    assert any(str(aid) in p and "changed after finalisation" in p for p in report.problems)


def test_exports_carry_the_head_and_verify_names_the_one_that_disagrees(world, tmp_path
                                                                       ) -> None:
    aid = world.finalised_audit()
    head = chain_head(world.store)
    export_csv(world.store, world.ql, tmp_path / "csv")
    about = (tmp_path / "csv" / "about.txt").read_text()
    assert head.text in about
    pdf = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "a.pdf")
    keywords = str(PdfReader(pdf).metadata.get("/Keywords"))
    assert keywords.startswith("qa-audit audit head: ")
    anchors = [tmp_path / "csv" / "about.txt", pdf]
    assert verify_chain(world.store, anchors).intact

    # The newest events deleted and the head file rewritten to match (say, unsigned):
    # the exports handed out still disagree.
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq >= :n"), {"n": head.seq - 1})
    report = verify_chain(world.store, anchors)
    assert any(p.startswith("about.txt names event") for p in report.problems)
    assert any(p.startswith("a.pdf names event") for p in report.problems)


def test_signatures_are_made_by_the_signed_in_actor(world) -> None:
    with world.store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT actor_id, signature FROM audit_event WHERE action = 'create_assessment' "
            "OR action = 'create'")).all()
    sup = str(world.supervisor.user_id).replace("-", "")
    signed = [sig for actor, sig in rows if actor == sup]
    assert signed and all(signed)
    assert audit_log.SIGNING_KEYS


def test_a_demo_database_verifies_intact(tmp_path) -> None:
    """Demo data: its finalised assessments carry real content hashes and the work it
    scripts in people's names (moderation) is signed by them."""
    from qa_audit.resources import shipped_frameworks
    from qa_audit.services.database import Store
    from qa_audit.services.demo import generate_demo

    store = Store.open(tmp_path / "demo.db")
    generate_demo(store, assessments=120, seed=2, frameworks=shipped_frameworks())
    report = verify_chain(store)
    assert report.intact, report.problems[:5]
    with store.engine.connect() as conn:
        finalised = conn.execute(text("SELECT count(*) FROM assessment WHERE content_hash "
                                      "IS NOT NULL")).scalar()
    assert finalised
    store.close()
