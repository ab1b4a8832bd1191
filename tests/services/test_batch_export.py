"""Batch export: one PDF per assessment, a failing document never stops the others, and an
index of what was made is written beside them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pypdf import PdfReader

from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput
from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.documents import INDEX_NAME, export_batch
from qa_audit.services.listing import AssessmentQuery
from qa_audit.services.report_data import pseudonymiser

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

