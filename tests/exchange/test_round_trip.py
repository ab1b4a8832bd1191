"""Supervisor's file -> bundle -> practitioner's file -> response bundle -> supervisor's
file, and back once more after finalising: both copies agree."""

from __future__ import annotations

import pytest

from qa_audit.errors import BundleRejected
from qa_audit.services import assessments, bundles
from qa_audit.services.assessments import Agreement

from .conftest import events, table_hash


def _assessment_hash(store, aid) -> str:
    hexid = aid.hex
    return table_hash(store, where={
        "assessment": f"id = '{hexid}'",
        "rating": f"assessment_id = '{hexid}'",
        "action_item": f"assessment_id = '{hexid}'",
        "response": f"assessment_id = '{hexid}'",
        "addendum": f"assessment_id = '{hexid}'",
    })


def test_round_trip_between_two_databases(pair) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.add_action(w.store, pair.sup, aid, "Read the parenting assessment again")
    # Any text travels as typed: Arabic, emoji, markup-like text, a 5,000-character word.
    assessments.set_narrative(w.store, pair.sup, aid, assessments.Narrative.STRENGTHS,
                              "صوت الطفل واضح 👧🏽 <b>&amp;</b> " + "x" * 5000)
    assessments.submit(w.store, pair.sup, aid)

    out = pair.folder / "to-fca.qab"
    sent = bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", out)
    assert sent.counts["assessment"] == 1 and sent.seq == 1
    assert sent.counts["action"] == 1  # the sender's summary counts what the preview lists

    # The practitioner has never seen the supervisor's keys: the preview says so.
    preview = bundles.preview_bundle(pair.home, pair.fca, "correct horse battery", out)
    assert not preview.sender_known and preview.sender_name == "sup"
    assert preview.counts["assessment"] == {"new": 1}
    assert preview.counts["action"] == {"new": 1}
    with pytest.raises(BundleRejected, match="not known here yet"):
        bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out)
    bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out, trust_sender=True)
    detail = assessments.get_assessment(pair.home, pair.fca, aid)
    assert detail.status == "submitted"
    assert detail.strengths == "صوت الطفل واضح 👧🏽 <b>&amp;</b> " + "x" * 5000
    assert _assessment_hash(pair.home, aid) == _assessment_hash(w.store, aid)

    # She responds on her laptop and sends it back.
    assessments.respond(pair.home, pair.fca, aid, "I will test plans earlier.", Agreement.AGREE)
    back = pair.folder / "to-sup.qab"
    bundles.export_bundle(pair.home, pair.fca, "correct horse battery", "sup", back)
    preview = bundles.preview_bundle(w.store, pair.sup, "correct horse battery", back)
    assert preview.sender_known
    assert preview.counts["assessment"] == {"update": 1}
    assert preview.counts["response"] == {"new": 1}
    assert preview.counts["action"] == {"update": 1}  # agreed by responding
    assert not preview.conflicts and not preview.ignored
    bundles.import_bundle(w.store, pair.sup, "correct horse battery", back)
    assert assessments.get_assessment(w.store, pair.sup, aid).status == "responded"

    # The supervisor finalises and sends the final version.
    assessments.finalise(w.store, pair.sup, aid)
    final = pair.folder / "final.qab"
    bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", final)
    bundles.import_bundle(pair.home, pair.fca, "correct horse battery", final)
    assert assessments.get_assessment(pair.home, pair.fca, aid).status == "finalised"
    assert _assessment_hash(pair.home, aid) == _assessment_hash(w.store, aid)

    # Each end logged its exports and imports.
    for store in (w.store, pair.home):
        assert events(store, "bundle_export") >= 1 and events(store, "bundle_import") >= 1
    assert events(w.store, "bundle_export") == 2 and events(pair.home, "bundle_import") == 2

    # She has everything he has, and he told her so (the versions he holds travel with
    # each bundle): nothing to send back.
    with pytest.raises(Exception, match="Nothing new"):
        bundles.export_bundle(pair.home, pair.fca, "correct horse battery", "sup",
                              pair.folder / "empty.qab")
    # He has not heard from her since the final version, so it counts as not delivered
    # and travels again (harmless: she already has it).
    again = pair.folder / "again.qab"
    bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", again)
    preview = bundles.preview_bundle(pair.home, pair.fca, "correct horse battery", again)
    assert not preview.changes_anything and preview.counts["assessment"] == {"unchanged": 1}


def test_bundle_carries_only_what_the_recipient_may_see(pair) -> None:
    w = pair.world
    draft = w.new_audit()  # a draft: only its author sees it
    sent_one = w.new_audit()
    w.complete(sent_one)
    assessments.submit(w.store, pair.sup, sent_one)
    out = pair.folder / "b.qab"
    result = bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", out)
    assert result.counts["assessment"] == 1
    bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out, trust_sender=True)
    from qa_audit.errors import NotFound

    with pytest.raises(NotFound):
        assessments.get_assessment(pair.home, pair.fca, draft)  # never travelled
    assert assessments.get_assessment(pair.home, pair.fca, sent_one).status == "submitted"
    # The draft's rows are not in the practitioner's file at all.
    with pair.home.reading() as session:
        from sqlalchemy import text

        n = session.connection().execute(text(
            "SELECT count(*) FROM rating WHERE assessment_id = :a"), {"a": draft.hex}).scalar()
    assert n == 0


def test_same_bundle_twice_is_refused_and_writes_nothing(pair) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    out = pair.folder / "b.qab"
    bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", out)
    bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out, trust_sender=True)
    before = table_hash(pair.home)
    with pytest.raises(BundleRejected, match="imported already"):
        bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out)
    assert table_hash(pair.home) == before


def test_applying_the_same_records_twice_changes_nothing_the_second_time(pair) -> None:
    """Idempotent at the apply step (what a sync repeats after a dropped connection)."""
    from qa_audit.exchange.apply import execute, plan_payload
    from qa_audit.exchange.records import collect
    from qa_audit.services.accounts import actor_for
    from qa_audit.store.tables import User

    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.add_action(w.store, pair.sup, aid, "Plan the next visit")
    assessments.submit(w.store, pair.sup, aid)
    with w.store.reading() as session:
        fca = actor_for(session, session.get(User, pair.fca.user_id))
        payload = collect(session, pair.sup, fca, {})
    for round_ in (1, 2):
        with pair.home.unit_of_work() as session:
            plan = plan_payload(session, payload, pair.sup.user_id, pair.fca)
            assert plan.writes_anything is (round_ == 1)
            execute(session, plan, pair.fca, pair.sup.user_id, {}, "sup")
        if round_ == 1:
            after_first = table_hash(pair.home)
    assert table_hash(pair.home) == after_first


def test_a_lost_bundle_loses_nothing(pair) -> None:
    """Nothing counts as delivered until the other side's bundle says they have it: the
    next bundle carries what the lost one did."""
    w = pair.world
    first, second = w.new_audit(), w.new_audit()
    for aid in (first, second):
        w.complete(aid)
    assessments.submit(w.store, pair.sup, first)
    bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca",
                          pair.folder / "lost.qab")
    (pair.folder / "lost.qab").unlink()  # never arrives
    assessments.submit(w.store, pair.sup, second)
    out = pair.folder / "next.qab"
    sent = bundles.export_bundle(w.store, pair.sup, "correct horse battery", "fca", out)
    assert sent.counts["assessment"] == 2 and sent.seq == 2
    bundles.import_bundle(pair.home, pair.fca, "correct horse battery", out, trust_sender=True)
    for aid in (first, second):
        assert assessments.get_assessment(pair.home, pair.fca, aid).status == "submitted"


def test_an_assessment_moderated_blind_is_not_sent_to_its_moderator(pair) -> None:
    """A quality lead scoring an audit blind must not receive its grades in a bundle."""
    from qa_audit.services.accounts import sign_in
    from qa_audit.store.tables import Moderation

    w = pair.world
    blind, other = w.new_audit(), w.new_audit()
    for aid in (blind, other):
        w.complete(aid)
        assessments.submit(w.store, pair.sup, aid)
    with w.store.unit_of_work() as session:
        session.add(Moderation(assessment_id=blind, moderator_id=w.ql.user_id))
    lead_home = pair.folder / "lead.db"
    from qa_audit.services import maintenance
    from qa_audit.services.database import Store

    maintenance.backup(pair.home, sign_in(pair.home, "admin", "correct horse battery"),
                       lead_home)
    lead_store = Store.open(lead_home)
    try:
        lead = sign_in(lead_store, "ql", "correct horse battery")
        bundles.trust_key_card(w.store, pair.sup,
                               bundles.my_key_card(lead_store, lead, "correct horse battery"))
        out = pair.folder / "to-lead.qab"
        sent = bundles.export_bundle(w.store, pair.sup, "correct horse battery", "ql", out)
        assert sent.counts["assessment"] == 1
        with pytest.raises(Exception, match="may not see that assessment"):
            bundles.export_bundle(w.store, pair.sup, "correct horse battery", "ql",
                                  pair.folder / "x.qab", [blind])
        bundles.import_bundle(lead_store, lead, "correct horse battery", out, trust_sender=True)
        assert assessments.get_assessment(lead_store, lead, other).overall_grade == "RI"
        from qa_audit.errors import NotFound

        with pytest.raises(NotFound):
            assessments.get_assessment(lead_store, lead, blind)
    finally:
        lead_store.close()
