"""Both sides change one record while apart: listed as a conflict, never overwritten
silently; resolved by taking theirs or keeping mine."""

from __future__ import annotations

import pytest

from qa_audit.errors import BundleRejected
from qa_audit.exchange.apply import Resolution
from qa_audit.services import assessments, bundles
from qa_audit.services import supervision as sv
from tests.conftest import PASSWORD

from .conftest import table_hash

NOTES = {"what_happened": "We read the audit.", "reflection": "Time pressure.",
         "analysis": "Plans untested.", "action_plan": "Shadow a colleague."}


def _shared_session(pair):
    """A supervision record the supervisor wrote and sent to the practitioner."""
    sid = sv.create_session(pair.office, pair.sup, pair.fca.user_id)
    sv.save_notes(pair.office, pair.sup, sid, NOTES)
    out = pair.folder / "session.qab"
    bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", out)
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, out, trust_sender=True)
    return sid


def test_reflection_alone_comes_back_without_conflict(pair) -> None:
    sid = _shared_session(pair)
    sv.save_fca_reflection(pair.home, pair.fca, sid, "I will plan analysis time earlier.")
    back = pair.folder / "back.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)
    preview = bundles.preview_bundle(pair.office, pair.sup, PASSWORD, back)
    assert preview.counts["supervision_session"] == {"update": 1}
    bundles.import_bundle(pair.office, pair.sup, PASSWORD, back)
    detail = sv.get_session(pair.office, pair.sup, sid)
    assert detail.fca_reflection == "I will plan analysis time earlier."
    assert detail.notes["analysis"] == "Plans untested."


def test_both_sides_change_a_supervision_record(pair) -> None:
    sid = _shared_session(pair)
    sv.save_notes(pair.office, pair.sup, sid, {**NOTES, "analysis": "Plans tested late."})
    sv.save_fca_reflection(pair.home, pair.fca, sid, "I disagree about the timing.")
    back = pair.folder / "back.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)

    preview = bundles.preview_bundle(pair.office, pair.sup, PASSWORD, back)
    assert [c.kind for c in preview.conflicts] == ["supervision_session"]
    before = table_hash(pair.office, skip=("audit_event", "exchange_key"))
    with pytest.raises(BundleRejected, match="take theirs, or keep mine"):
        bundles.import_bundle(pair.office, pair.sup, PASSWORD, back)
    assert table_hash(pair.office, skip=("audit_event", "exchange_key")) == before

    bundles.import_bundle(pair.office, pair.sup, PASSWORD, back, resolutions=Resolution.THEIRS)
    detail = sv.get_session(pair.office, pair.sup, sid)
    assert detail.fca_reflection == "I disagree about the timing."
    assert detail.notes["analysis"] == "Plans untested."  # theirs, whole: no field merged


def test_keep_mine_on_a_supervision_record_sends_mine_back_as_newer(pair) -> None:
    sid = _shared_session(pair)
    sv.save_notes(pair.office, pair.sup, sid, {**NOTES, "analysis": "Plans tested late."})
    sv.save_fca_reflection(pair.home, pair.fca, sid, "I disagree about the timing.")
    back = pair.folder / "back.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)
    bundles.import_bundle(pair.office, pair.sup, PASSWORD, back, resolutions=Resolution.MINE)
    assert sv.get_session(pair.office, pair.sup, sid).notes["analysis"] == "Plans tested late."
    again = pair.folder / "again.qab"
    result = bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", again)
    assert result.counts["supervision_session"] == 1


def test_response_changed_after_sending_and_also_here_keeps_mine_as_addendum(pair) -> None:
    """An assessment's record in conflict, kept as an addendum: the practitioner's
    response, which the supervisor's copy also holds in another form (a copy restored from
    an older backup on her second machine stands in for 'changed on both sides')."""
    w = pair.world
    aid = w.new_audit()
    w.complete(aid)
    assessments.submit(w.store, pair.sup, aid)
    out = pair.folder / "a.qab"
    bundles.export_bundle(w.store, pair.sup, PASSWORD, "fca", out)
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, out, trust_sender=True)
    assessments.save_response(pair.home, pair.fca, aid, "First thoughts")
    first = pair.folder / "r1.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", first)
    bundles.import_bundle(w.store, pair.sup, PASSWORD, first)
    # Both copies now change the response while apart: the laptop by its writer; the
    # office copy by a direct edit standing in for a second device of hers.
    assessments.save_response(pair.home, pair.fca, aid, "Second thoughts, signed later")
    from sqlalchemy import text

    with w.store.unit_of_work() as session:
        session.connection().execute(text(
            "UPDATE response SET reflection = 'Office copy text', row_version = row_version + 1"
            " WHERE assessment_id = :a"), {"a": aid.hex})
    second = pair.folder / "r2.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", second)
    preview = bundles.preview_bundle(w.store, pair.sup, PASSWORD, second)
    assert [c.kind for c in preview.conflicts] == ["response"]
    bundles.import_bundle(w.store, pair.sup, PASSWORD, second, resolutions=Resolution.MINE)
    with w.store.reading() as session:
        reflection = session.connection().execute(text(
            "SELECT reflection FROM response WHERE assessment_id = :a"), {"a": aid.hex}).scalar()
        addenda = [r[0] for r in session.connection().execute(text(
            "SELECT text FROM addendum WHERE assessment_id = :a"), {"a": aid.hex})]
    assert reflection == "Second thoughts, signed later"
    assert len(addenda) == 1 and "Office copy text" in addenda[0]


def test_more_edits_here_than_there_is_still_a_conflict(pair) -> None:
    """Two saves here (version +2) and one there (version +1) since the last exchange: their
    version is lower than mine, yet their change is not older than mine: a conflict."""
    sid = _shared_session(pair)
    sv.save_notes(pair.office, pair.sup, sid, {**NOTES, "analysis": "Plans tested late."})
    sv.save_notes(pair.office, pair.sup, sid, {**NOTES, "analysis": "Plans tested later."})
    sv.save_fca_reflection(pair.home, pair.fca, sid, "I disagree about the timing.")
    back = pair.folder / "back.qab"
    bundles.export_bundle(pair.home, pair.fca, PASSWORD, "sup", back)
    preview = bundles.preview_bundle(pair.office, pair.sup, PASSWORD, back)
    assert [c.kind for c in preview.conflicts] == ["supervision_session"]


def test_the_standard_a_session_action_names_travels_with_the_record(pair) -> None:
    from qa_audit.reports.model import Profile
    from qa_audit.services.summaries import session_report

    aid = pair.world.finalised_audit()
    sid = sv.create_session(pair.office, pair.sup, pair.fca.user_id)
    sv.save_notes(pair.office, pair.sup, sid, NOTES)
    sv.set_assessments(pair.office, pair.sup, sid, [aid])
    sv.add_action(pair.office, pair.sup, sid, "Test the plan with the child",
                  standard_id="care-plan")
    out = pair.folder / "session.qab"
    bundles.export_bundle(pair.office, pair.sup, PASSWORD, "fca", out)
    bundles.import_bundle(pair.home, pair.fca, PASSWORD, out, trust_sender=True)
    (action,) = sv.get_session(pair.home, pair.fca, sid).actions
    assert action.standard_id == "care-plan"
    report = session_report(pair.home, pair.fca, sid, Profile.PRACTITIONER)
    assert [a.standard for a in report.actions] == ["The care plan is analysed"]
