"""The practitioner's comments under the standards travel with her response (one writer:
her), in both directions, and are never taken from anyone else."""

from __future__ import annotations

import json

from sqlalchemy import text

from qa_audit.exchange.apply import Decision, execute, plan_payload
from qa_audit.exchange.records import collect
from qa_audit.services import assessments, bundles, comments
from qa_audit.services.accounts import actor_for
from qa_audit.store.tables import User
from tests.conftest import PASSWORD

from .conftest import table_hash

LONG = "ملاحظة 🙂 <b>&amp;</b> " + "w" * 4900 + " end"


def _comments(store, aid) -> dict[str, str]:
    with store.reading() as session:
        rows = session.connection().execute(text(
            "SELECT standard_id, text FROM response_comment WHERE assessment_id = :a"),
            {"a": aid.hex}).all()
    return dict(rows)  # type: ignore[arg-type]


def _to_her(pair, aid) -> None:
    out = pair.folder / f"to-fca-{aid.hex[:6]}.qab"
    bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", out)
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, out, trust_sender=True)


def test_her_comments_go_to_the_office_and_come_back_after_finalising(pair) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    _to_her(pair, aid)
    # On her laptop she comments under two standards and signs.
    comments.save_comment(pair.home, pair.fca, aid, "seen", "I saw him twice")
    comments.save_comment(pair.home, pair.fca, aid, "care-plan", LONG)
    assessments.respond(pair.home, pair.fca, aid, "Reflection", assessments.Agreement.AGREE)
    back = pair.folder / "to-sup.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)
    preview = bundles.preview_bundle(w.store, pair.sup, PASSWORD, back)
    assert preview.counts["response"] == {"new": 1}
    assert not preview.conflicts and not preview.ignored
    bundles.import_bundle(w.store, pair.sup, PASSWORD, back)
    assert _comments(w.store, aid) == {"seen": "I saw him twice", "care-plan": LONG}
    detail = assessments.get_assessment(w.store, pair.sup, aid)
    assert detail.response is not None
    assert detail.response.comments == {"seen": "I saw him twice", "care-plan": LONG}
    # Finalised at the office (the hash covers her comments) and sent back: both equal.
    digest = assessments.finalise(w.store, pair.sup, aid)
    final = pair.folder / "final.qab"
    bundles.export_bundle(w.store, pair.sup, PASSWORD, "fca", final)
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, final)
    mine = assessments.get_assessment(pair.home, pair.fca, aid)
    assert mine.content_hash == digest == assessments.content_hash(mine)
    assert _comments(pair.home, aid) == _comments(w.store, aid)


def test_a_changed_comment_updates_the_office_copy_as_one_response(pair) -> None:
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    _to_her(pair, aid)
    comments.save_comment(pair.home, pair.fca, aid, "seen", "First")
    first = pair.folder / "r1.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", first)
    bundles.import_bundle(w.store, pair.sup, PASSWORD, first)
    comments.save_comment(pair.home, pair.fca, aid, "seen", "", seen=1)  # cleared
    comments.save_comment(pair.home, pair.fca, aid, "sgo", "Not applicable, agreed")
    second = pair.folder / "r2.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", second)
    preview = bundles.preview_bundle(w.store, pair.sup, PASSWORD, second)
    assert preview.counts["response"] == {"update": 1}
    bundles.import_bundle(w.store, pair.sup, PASSWORD, second)
    assert _comments(w.store, aid) == {"seen": "", "sgo": "Not applicable, agreed"}
    detail = assessments.get_assessment(w.store, pair.sup, aid)
    assert detail.response is not None
    assert detail.response.comments == {"sgo": "Not applicable, agreed"}


def test_comments_from_anyone_but_her_are_not_taken(pair) -> None:
    """A payload that carries her response with comments, sent by the supervisor (who
    cannot write it), changes nothing: only its practitioner writes a response."""
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    _to_her(pair, aid)
    comments.save_comment(w.store, pair.fca, aid, "seen", "Written at the office")
    with w.store.reading() as session:
        fca = actor_for(session, session.get(User, pair.fca.user_id))
        payload = collect(session, pair.sup, fca, {})
    record = payload.records["response"][0]
    assert [c["text"] for c in record["comments"]] == ["Written at the office"]
    json.dumps(payload.records)  # plain JSON
    before = table_hash(pair.home, skip=("audit_event", "exchange_known"))
    with pair.home.unit_of_work() as session:
        plan = plan_payload(session, payload, pair.sup.user_id, pair.fca)
        response = next(c for c in plan.changes if c.kind == "response")
        assert response.decision is Decision.IGNORED
        assert "only its practitioner" in response.reason
        execute(session, plan, pair.fca, pair.sup.user_id, {}, "sup")
    assert _comments(pair.home, aid) == {}
    assert table_hash(pair.home, skip=("audit_event", "exchange_known")) == before


def test_a_returned_assessment_moved_to_a_newer_version_travels_whole(pair) -> None:
    """The author moves an assessment she got back to version 2; her next bundle carries
    it with version 2's snapshot and only version 2's standards (the practitioner's copy
    had never seen version 2), and her comment on a removed standard stays in her copy."""
    from qa_audit.services import framework_move as move
    from qa_audit.services import frameworks
    from tests.conftest import FIXTURES

    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    _to_her(pair, aid)
    comments.save_comment(pair.home, pair.fca, aid, "sgo", "Not relevant here")
    assessments.return_for_changes(pair.home, pair.fca, aid, "Please use the new standards")
    back = pair.folder / "returned.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)
    bundles.import_bundle(w.store, pair.sup, PASSWORD, back)
    v2 = frameworks.import_framework_file(w.store, w.admin, FIXTURES / "mini-v2.yaml").version
    preview = move.preview_move(w.store, pair.sup, aid, v2.id)
    assert preview.plan.hidden_comments == ("sgo",)
    move.move_to_version(w.store, pair.sup, aid, v2.id, seen=preview.seen)
    _to_her(pair, aid)
    mine = assessments.get_assessment(pair.home, pair.fca, aid)
    assert mine.framework_version == "2" and mine.status == "returned"
    assert set(mine.ratings) == {"seen", "care-plan-analysis", "delay"}
    assert _comments(pair.home, aid) == {"sgo": "Not relevant here"}


def test_a_response_from_before_comments_existed_leaves_her_comments_alone(pair) -> None:
    """A response record without its comments (an older copy of the app) updates the
    response and keeps the comments already here."""
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    _to_her(pair, aid)
    comments.save_comment(pair.home, pair.fca, aid, "seen", "Kept")
    first = pair.folder / "r1.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", first)
    bundles.import_bundle(w.store, pair.sup, PASSWORD, first)
    assessments.save_response(pair.home, pair.fca, aid, "A newer reflection", seen=1)
    with pair.home.reading() as session:
        sup = actor_for(session, session.get(User, pair.sup.user_id))
        payload = collect(session, pair.fca, sup, {})
    for record in payload.records["response"]:
        del record["comments"]
    with w.store.unit_of_work() as session:
        plan = plan_payload(session, payload, pair.fca.user_id, pair.sup)
        assert [c.decision for c in plan.changes if c.kind == "response"] == [Decision.UPDATE]
        execute(session, plan, pair.sup, pair.fca.user_id, {}, "fca")
    detail = assessments.get_assessment(w.store, pair.sup, aid)
    assert detail.response is not None
    assert detail.response.reflection == "A newer reflection"
    assert detail.response.comments == {"seen": "Kept"}
