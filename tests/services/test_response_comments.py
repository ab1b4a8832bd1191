"""The practitioner's comment under each standard's feedback (issue 19): written by the FCA
the assessment is about, while it is with her, frozen when she signs; part of her response
(its version, its hash once finalised)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from qa_audit.errors import InvalidInput, PermissionDenied, ReadOnly, StaleRecord
from qa_audit.services import assessments as svc
from qa_audit.services import audit_log, comments
from qa_audit.services.assessments import Agreement
from qa_audit.services.read_models import RESPONSE, comment_key

ARABIC = "أوافق على الملاحظات 👍"


def _submitted(world):
    aid = world.new_audit()
    world.complete(aid)
    svc.submit(world.store, world.supervisor, aid)
    return aid


def test_practitioner_comments_under_standards_and_everyone_who_may_read_sees_them(world):
    aid = _submitted(world)
    versions = comments.save_comment(world.store, world.fca, aid, "seen", "I did see her alone")
    assert versions == {comment_key("seen"): 1, RESPONSE: 1}  # the first response too
    versions = comments.save_comment(world.store, world.fca, aid, "care-plan", ARABIC,
                                     seen=0)
    assert versions == {comment_key("care-plan"): 1, RESPONSE: 2}  # the response moved on
    for reader in (world.fca, world.supervisor, world.ql):
        detail = svc.get_assessment(world.store, reader, aid)
        assert detail.response is not None
        assert detail.response.comments == {"seen": "I did see her alone",
                                            "care-plan": ARABIC}
    # Her reflection, saved from the copy the comments' versions came back to, is taken.
    svc.save_response(world.store, world.fca, aid, "My reflection", seen=2)
    # Clearing a comment keeps nothing to show.
    comments.save_comment(world.store, world.fca, aid, "seen", "", seen=1)
    detail = svc.get_assessment(world.store, world.fca, aid)
    assert detail.response is not None and detail.response.comments == {"care-plan": ARABIC}
    assert detail.response.reflection == "My reflection"


def test_only_that_practitioner_while_it_is_with_her(world):
    aid = world.new_audit()
    world.complete(aid)
    # A draft: she cannot even see it.
    with pytest.raises(PermissionDenied):
        comments.save_comment(world.store, world.fca, aid, "seen", "Too early")
    svc.submit(world.store, world.supervisor, aid)
    for other in (world.supervisor, world.supervisor2, world.fca2, world.ql, world.other_ql,
                  world.admin):
        with pytest.raises(PermissionDenied):
            comments.save_comment(world.store, other, aid, "seen", "Not mine to write")
    comments.save_comment(world.store, world.fca, aid, "seen", "Mine")
    svc.respond(world.store, world.fca, aid, "Reflection", Agreement.PARTLY, "Some reasons")
    with pytest.raises(ReadOnly):  # signed: frozen
        comments.save_comment(world.store, world.fca, aid, "seen", "Changed after signing")
    svc.finalise(world.store, world.supervisor, aid)
    with pytest.raises(ReadOnly):
        comments.save_comment(world.store, world.fca, aid, "seen", "After finalising")
    detail = svc.get_assessment(world.store, world.supervisor, aid)
    assert detail.response is not None and detail.response.comments == {"seen": "Mine"}


def test_returned_assessment_keeps_her_comments_read_only(world):
    aid = _submitted(world)
    comments.save_comment(world.store, world.fca, aid, "seen", "Before asking for changes")
    svc.return_for_changes(world.store, world.fca, aid, "Please look at the plan again")
    with pytest.raises(ReadOnly):
        comments.save_comment(world.store, world.fca, aid, "seen", "While returned")
    svc.submit(world.store, world.supervisor, aid)
    comments.save_comment(world.store, world.fca, aid, "seen", "After resubmission", seen=1)
    detail = svc.get_assessment(world.store, world.fca, aid)
    assert detail.response is not None
    assert detail.response.comments == {"seen": "After resubmission"}


def test_bad_comments_are_refused_with_a_clear_message_and_change_nothing(world):
    aid = _submitted(world)
    with pytest.raises(InvalidInput, match="not a standard"):
        comments.save_comment(world.store, world.fca, aid, "no-such-standard", "Hello")
    with pytest.raises(InvalidInput, match="at most 5,000 characters"):
        comments.save_comment(world.store, world.fca, aid, "seen", "x" * 5_001)
    comments.save_comment(world.store, world.fca, aid, "seen", "y" * 5_000)  # the limit
    # Another copy of hers (a second window) that had not seen that comment is refused.
    with pytest.raises(StaleRecord):
        comments.save_comment(world.store, world.fca, aid, "seen", "From an old copy", seen=0)
    detail = svc.get_assessment(world.store, world.fca, aid)
    assert detail.response is not None and detail.response.comments == {"seen": "y" * 5_000}


def test_comments_are_in_the_finalised_content_hash(world):
    aid = _submitted(world)
    comments.save_comment(world.store, world.fca, aid, "seen", "Seen twice, in fact")
    svc.respond(world.store, world.fca, aid, "Reflection", Agreement.AGREE)
    svc.finalise(world.store, world.supervisor, aid)
    assert audit_log.verify(world.store, world.admin).intact
    with world.store.unit_of_work() as session:  # as the database's owner could
        session.connection().execute(text(
            "UPDATE response_comment SET text = 'Edited behind her back'"))
    report = audit_log.verify(world.store, world.admin)
    assert not report.intact
    assert any("changed after finalisation" in p for p in report.problems)
