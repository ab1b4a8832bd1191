"""Blind moderation, proven: before the moderator submits, every reading service is tried
as the moderator, and none shows the original grades or overall judgement.

Originals (tests/hand_built.py): A1 O/G/N/A (overall G), A2 G/RI/I (RI), A5 G/G/N/A
(G). The sample draws A1, A2 and A5 (each alone in its team and quarter); A3 (submitted,
RI/I/G, overall RI) is not drawn and stays readable.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from hand_built import build

import qa_audit.services as services_package
from qa_audit.domain.workflow import Status
from qa_audit.errors import PermissionDenied
from qa_audit.reports.model import Profile
from qa_audit.services import (
    assessments,
    documents,
    exports,
    listing,
    moderation,
    report_data,
    summaries,
    supervision,
    themes,
)
from qa_audit.services.listing import AssessmentQuery, SortKey
from qa_audit.services.moderation import SampleRules
from qa_audit.services.themes import Element, Pick, ThemeFilter

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
FILTER = ThemeFilter("mini-standards", date_from=YEAR[0], date_to=YEAR[1])

# Every service function taking (store, actor, ...) is either tried below as the moderator,
# or named here with the reason it cannot show a grade. A new reading service fails
# test_every_reading_service_is_tried until it is added to one or the other.
TRIED = {
    "assessments.get_assessment", "listing.list_assessments", "listing.page_ids",
    "listing.count_assessments", "exports.assessment_rows", "exports.rating_rows",
    "exports.action_rows", "exports.export_csv", "exports.export_xlsx",
    "report_data.assessment_report", "report_data.assessment_reports", "documents.render_pdf",
    "documents.export_pdf",
    "documents.export_batch", "documents.batch_count", "summaries.period_report",
    "summaries.team_report", "summaries.session_report", "supervision.get_session",
    "supervision.prompts_for",
    "supervision.list_sessions", "supervision.suggest", "themes.grade_distribution",
    "themes.dashboard", "themes.assessment_ids_behind", "themes.themes_table",
    "themes.export_table", "themes_summary.summary_report", "themes_summary.export_summary",
    "moderation.list_moderations", "moderation.get_form",
    "moderation.compare", "moderation.agreement_report", "moderation.eligible_audits",
    "sampling.eligible_cases",
}
NO_GRADES = {
    # accounts, cases, frameworks, the audit log, maintenance: no grades in what they return
    "accounts.add_org_unit", "accounts.add_user", "accounts.change_password",
    "accounts.practitioners_visible", "accounts.reset_password", "accounts.set_active",
    "accounts.sign_out", "accounts.teams_visible", "audit_log.verify", "cases.create_case",
    "cases.list_cases", "frameworks.import_framework", "frameworks.import_framework_file",
    "frameworks.import_framework_text", "maintenance.apply_retention", "maintenance.backup",
    "maintenance.plan_retention", "maintenance.restore", "maintenance.set_retention_months",
    "listing.open_actions", "assessments.action_owners", "accounts.list_users",
    "accounts.password_notice", "accounts.confirm_own_password",
    "themes.framework_choices",  # how many assessments per framework, no grades
    # what waits for a person: case references, names, dates and states, never a grade
    "waiting.counts", "waiting.what_waits",
    # the supervisor's reply to a practitioner's reasons: text, never a grade
    "replies.get_reply", "replies.reply_to_response", "replies.reply_allowed",
    # writers (each refuses a quality lead, or returns ids only)
    "assessments.add_action", "assessments.add_addendum", "assessments.create_assessment",
    "assessments.finalise", "assessments.remove_action", "assessments.respond",
    "assessments.return_for_changes", "assessments.save_rating", "assessments.save_response",
    "assessments.set_action_status", "assessments.set_context", "assessments.set_narrative",
    "assessments.submit", "assessments.update_action", "supervision.add_action",
    "supervision.create_session", "supervision.save_fca_reflection", "supervision.save_notes",
    "supervision.set_assessments", "supervision.sign", "themes.set_allocation_benchmark",
    "report_data.record_exports",  # the audit log's export events: nothing returned
    "supervision.standards_for",  # standard titles an action may name: no grade
    "sampling.draw_cases", "moderation.draw_sample", "moderation.save_grade",
    "moderation.record_outcome",
    # bundles: counts and key cards only; what a bundle carries leaves out the assessments
    # its sender or recipient is moderating blind (tests/exchange/test_round_trip.py)
    "bundles.export_bundle", "bundles.preview_bundle", "bundles.import_bundle",
    "bundles.my_key_card", "bundles.trust_key_card",
    # the moderator's own submission: returns the comparison, which is the point of it
    "moderation.submit",
    # the practitioner's comment under a standard: a writer, refusing anyone but her
    "comments.save_comment",
    # moving a draft to a newer framework version: versions only, or (preview, move) the
    # draft's grades to its author alone, and only while a draft or returned: a quality
    # lead is refused, and an audit in a moderation sample has long left draft
    "framework_move.newer_versions", "framework_move.preview_move",
    "framework_move.move_to_version",
}


def test_every_reading_service_is_tried() -> None:
    found = set()
    for info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"qa_audit.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and list(
                    inspect.signature(fn).parameters)[:2] == ["store", "actor"]:
                found.add(f"{info.name}.{name}")
    assert found - TRIED - NO_GRADES == set(), (
        "a new service taking (store, actor): if it can return grades or an overall "
        "judgement, try it below as a blind moderator and add it to TRIED; if not, add it "
        "to NO_GRADES")


@pytest.fixture
def blind(world):
    hb = build(world)
    moderation.draw_sample(world.store, world.ql, SampleRules(), seed=5)
    return hb


def test_the_moderator_reads_no_original_grade_before_submitting(world, blind, tmp_path
                                                                 ) -> None:
    hb, store, ql = blind, world.store, world.ql
    hidden = {hb.a1, hb.a2, hb.a5}

    # The assessment itself: every grade and the overall judgement blank.
    for aid in hidden:
        detail = assessments.get_assessment(store, ql, aid)
        assert detail.overall_grade is None and detail.content_hash is None
        assert {r.grade for r in detail.ratings.values()} == {None}
    seen = assessments.get_assessment(store, ql, hb.a3)  # not drawn: readable
    assert seen.overall_grade == "RI" and seen.ratings["seen"].grade == "RI"
    # The region list: blank grade, and sorting by grade tells nothing (blind rows sort as
    # ungraded: first going up, last going down).
    rows = listing.list_assessments(store, ql, AssessmentQuery())
    assert {r.id: r.overall_grade for r in rows} == {hb.a1: None, hb.a2: None, hb.a5: None,
                                                      hb.a3: "RI"}
    up = listing.page_ids(store, ql, AssessmentQuery(sort=SortKey.GRADE, descending=False),
                          0, 10)
    down = listing.page_ids(store, ql, AssessmentQuery(sort=SortKey.GRADE), 0, 10)
    assert set(up[:3]) == hidden and set(down[1:]) == hidden
    assert listing.count_assessments(store, ql, AssessmentQuery()) == 4  # listed, not graded
    assert all(r.overall_grade is None for r in listing.page_details(store, list(hidden), ql))
    # Data exports leave the hidden assessments out.
    ids = {str(i) for i in hidden}
    for reader in (exports.assessment_rows, exports.rating_rows):
        assert {str(r[0]) for r in reader(store, ql)} == {str(hb.a3)}
    assert all(str(r[1]) not in ids for r in exports.action_rows(store, ql))
    exports.export_csv(store, ql, tmp_path / "csv")
    for name in ("assessments", "ratings", "actions"):
        text = (tmp_path / "csv" / f"{name}.csv").read_text("utf-8-sig")
        assert not any(i in text for i in ids), name
    exports.export_xlsx(store, ql, tmp_path / "all.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "all.xlsx", read_only=True)
    cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for c in row}
    book.close()
    assert not cells & ids
    # PDFs: the assessment's summary has no grade; period and team summaries leave it out.
    report = report_data.assessment_report(store, ql, hb.a1, Profile.MANAGER)
    assert {e.grade_code for e in report.standards} == {None}
    # (read together, as a batch reads them: the same)
    together = report_data.assessment_reports(store, ql, [hb.a1], Profile.MANAGER)[hb.a1]
    assert not isinstance(together, Exception)
    assert {e.grade_code for e in together.standards} == {None}
    assert together.overall == report.overall and together.team_context is None
    request = documents.PdfRequest(documents.DocumentKind.ASSESSMENT, hb.a1)
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(
        documents.render_pdf(store, ql, request))).pages)
    assert "Outstanding (O)" not in text and "Good (G)" not in text
    documents.export_pdf(store, ql, request, tmp_path / "one.pdf")
    period = summaries.period_report(store, ql, world.fca.user_id, *YEAR, Profile.MANAGER)
    assert [a.case_reference for a in period.assessments] == ["PL-2025-00012"]  # A3 only
    team = summaries.team_report(store, ql, world.team_id, *YEAR, Profile.MANAGER)
    tallies = {t.title: dict(t.counts) for s in team.sections for t in s.standards}
    assert tallies["The child is seen and heard"] == {"O": 0, "G": 0, "RI": 1, "I": 0}
    query = AssessmentQuery(team_id=world.team_id, statuses=(Status.FINALISED,
                                                              Status.MODERATION))
    assert documents.batch_count(store, ql, query) == 2
    batch = documents.export_batch(store, ql, query, tmp_path / "batch", Profile.MANAGER,
                                   "OFFICIAL-SENSITIVE")
    for pdf in (tmp_path / "batch").glob("*.pdf"):
        page_text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert "Outstanding (O)" not in page_text and "Good (G)" not in page_text
    assert batch
    # Supervision records are not a quality lead's to read.
    assert supervision.list_sessions(store, ql) == []
    suggested, _actions = supervision.suggest(store, ql, world.fca.user_id, months=60)
    assert {r.id: r.overall_grade for r in suggested} == {hb.a1: None, hb.a2: None,
                                                           hb.a3: "RI"}
    # Themes: the hidden assessments are not counted, nor listed behind any chart element.
    board = themes.dashboard(store, ql, FILTER)
    assert board.assessments == 1
    assert {s.id: s.counts for s in board.standards}["seen"] == {"RI": 1}
    dist = themes.grade_distribution(store, ql, "mini-standards")
    assert sum(c.count for c in dist.counts) == 3  # A3's three grades
    for pick in (Pick(Element.GRADE, standard_id="seen", grade="O"),
                 Pick(Element.CELL_ALL, standard_id="seen", team_id=world.team_id),
                 Pick(Element.ACTIONS_DONE), Pick(Element.ALLOCATED_LATE)):
        assert not set(themes.assessment_ids_behind(store, ql, FILTER, pick)) & hidden
    _header, table = themes.themes_table(store, ql, FILTER, ("standard",))
    assert sum(int(r[1]) for r in table) == 3
    themes.export_table(store, ql, FILTER, ("team",), tmp_path / "themes.csv")
    lines = (tmp_path / "themes.csv").read_text("utf-8-sig").splitlines()
    assert list(csv.reader(lines))[1][1] == "3"
    # The Themes view's team summary: A3 alone, in the figures and in the PDF.
    from qa_audit.services import themes_summary

    summary = themes_summary.summary_report(store, ql, FILTER, Profile.MANAGER)
    assert sum(n for _, n in summary.status_counts) == 1
    assert summary.themes is not None
    assert [c.graded if c else 0 for c in summary.themes.cells[0]] == [1, 1, 1]
    out = themes_summary.export_summary(store, ql, FILTER, tmp_path / "themes.pdf")
    pdf_text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "O 1" not in pdf_text and "too few (1)" in pdf_text
    # Moderation itself: the form holds only the moderator's grades; no comparison yet.
    mids = {m.assessment_id: m.id for m in moderation.list_moderations(store, ql)}
    assert set(mids) == hidden
    for mid in mids.values():
        assert moderation.get_form(store, ql, mid).grades == {}
        assert moderation.get_form(store, ql, mid).overall_grade is None
        with pytest.raises(PermissionDenied):
            moderation.compare(store, ql, mid)
    assert moderation.agreement_report(store, ql).moderations == 0
    assert moderation.eligible_audits(store, ql, SampleRules()) == []

    # After submitting, the moderator reads the originals of that assessment only.
    for sid, grade in (("seen", "G"), ("care-plan", "G"), ("sgo", "N/A")):
        moderation.save_grade(store, ql, mids[hb.a1], sid, grade)
    moderation.submit(store, ql, mids[hb.a1])
    detail = assessments.get_assessment(store, ql, hb.a1)
    assert (detail.ratings["seen"].grade, detail.overall_grade) == ("O", "G")
    assert assessments.get_assessment(store, ql, hb.a2).overall_grade is None


def test_blinding_is_the_moderators_alone(world, blind) -> None:
    """The supervisor who wrote the audit still reads it whole."""
    detail = assessments.get_assessment(world.store, world.supervisor, blind.a1)
    assert detail.ratings["seen"].grade == "O" and detail.overall_grade == "G"
    board = themes.dashboard(world.store, world.supervisor, FILTER)
    assert board.assessments == 3


def test_session_record_is_not_a_quality_leads(world, blind) -> None:
    sid = supervision.create_session(world.store, world.supervisor, world.fca.user_id)
    supervision.set_assessments(world.store, world.supervisor, sid, [blind.a1])
    with pytest.raises(PermissionDenied):
        summaries.session_report(world.store, world.ql, sid, Profile.MANAGER)
    with pytest.raises(PermissionDenied):
        supervision.get_session(world.store, world.ql, sid)
    with pytest.raises(PermissionDenied):
        supervision.prompts_for(world.store, world.ql, sid, [blind.a1])
