"""Batch export: one PDF per assessment, a failing document never stops the others, and an
index of what was made is written beside them."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput
from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.documents import INDEX_NAME, export_batch
from qa_audit.services.listing import AssessmentQuery
from qa_audit.services.report_data import pseudonymiser
from qa_audit.store.tables import AuditEvent

LONG_WORD = "y" * 6000


def _index(folder: Path) -> list[list[str]]:
    with (folder / INDEX_NAME).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_a_failing_document_is_listed_and_the_others_are_written(world, tmp_path) -> None:
    ids = [world.finalised_audit() for _ in range(4)]
    # A long unbroken action broke the whole batch once; it must simply print.
    aid = world.new_audit()
    world.complete(aid)
    assessments.add_action(world.store, world.supervisor, aid, LONG_WORD,
                           owner_id=world.fca.user_id)
    assessments.submit(world.store, world.supervisor, aid)
    out = tmp_path / "out"
    out.mkdir()
    # A folder stands where one PDF should go: that document cannot be written.
    blocked = export_batch(world.store, world.supervisor, AssessmentQuery(
        team_id=world.team_id), tmp_path / "probe", Profile.MANAGER).written[1].name
    (out / blocked).mkdir()
    seen: list[tuple[int, int]] = []
    result = export_batch(world.store, world.supervisor, AssessmentQuery(
        team_id=world.team_id, statuses=(Status.SUBMITTED, Status.FINALISED)), out,
        Profile.MANAGER, progress=lambda d, t: seen.append((d, t)))
    assert result.total == 5 and not result.cancelled
    assert len(result.written) == 4 and len(result.failed) == 1
    assert result.failed[0].file_name == blocked
    assert "could not be written" in result.failed[0].reason
    assert all(PdfReader(p).pages for p in result.written)
    assert seen[-1] == (5, 5)
    rows = _index(out)
    assert rows[0] == ["# OFFICIAL-SENSITIVE · Manager copy"]
    assert rows[1] == ["file", "assessment_date", "case_reference", "status", "result",
                       "detail"]
    body = rows[2:]
    assert len(body) == 5  # one line per document
    assert sorted(r[0] for r in body if r[4] == "written") == sorted(
        p.name for p in result.written)
    assert [r[4] for r in body if r[0] == blocked] == ["failed"]
    assert {r[3] for r in body} == {"Finalised", "With practitioner"}
    assert ids and not list(out.glob("*.part"))


def test_a_cancelled_batch_lists_what_was_not_made(world, tmp_path) -> None:
    for _ in range(3):
        world.finalised_audit()
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # stop after the first document

    result = export_batch(world.store, world.supervisor, AssessmentQuery(
        team_id=world.team_id), tmp_path, Profile.PSEUDONYMISED, "OFFICIAL", stop=stop)
    assert result.cancelled and len(result.written) == 1
    # The audit log has the export of the one document made, not of those never made.
    with world.store.reading() as session:
        exported = session.exec(select(AuditEvent.entity_id).where(
            AuditEvent.action == "export_pdf_pseudonymised")).all()
    assert len(exported) == 1
    body = _index(tmp_path)[2:]
    assert [r[4] for r in body] == ["written", "not made", "not made"]
    alias = pseudonymiser(world.store)
    assert {r[2] for r in body} == {alias("PL-2024-00001")}  # no real reference in the index
    assert "PL-2024-00001" not in (tmp_path / INDEX_NAME).read_text("utf-8-sig")


def test_a_file_where_the_folder_should_be_is_a_clear_error(world, tmp_path) -> None:
    world.finalised_audit()
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(InvalidInput, match="is a file, not a folder"):
        export_batch(world.store, world.supervisor, AssessmentQuery(team_id=world.team_id),
                     tmp_path / "file", Profile.MANAGER)
    assert (tmp_path / "file").read_text() == "not a folder"



def test_each_document_of_a_batch_is_recorded_and_anchored_in_the_audit_log(
        world, tmp_path) -> None:
    from qa_audit.services.audit_log import ANCHOR_PATTERN

    made = {world.finalised_audit() for _ in range(3)}
    result = export_batch(world.store, world.supervisor, AssessmentQuery(
        team_id=world.team_id), tmp_path, Profile.MANAGER)
    assert len(result.written) == 3
    with world.store.reading() as session:
        events = session.exec(select(AuditEvent).where(
            AuditEvent.action == "export_pdf_manager")).all()
        hashes = {e.seq: e.hash for e in session.exec(select(AuditEvent)).all()}
    assert {uuid.UUID(e.entity_id) for e in events} == made  # one export each
    assert all(e.actor_id == world.supervisor.user_id for e in events)
    first = min(e.seq for e in events)
    for pdf in result.written:
        # each names a head of the log as it was when the document was laid out: an event
        # that exists, with its hash, before the batch's own exports
        found = ANCHOR_PATTERN.search(str(PdfReader(pdf).metadata.get("/Keywords")))
        assert found is not None
        seq, hash_ = int(found.group(1)), found.group(2)
        assert seq < first and hashes[seq] == hash_
