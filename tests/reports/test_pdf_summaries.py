"""Session records, period and team summaries: generated from a real database, opened back
with pypdf, checked for what must be there and (pseudonymised, team) what must not."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from qa_audit.errors import InvalidInput, PermissionDenied
from qa_audit.reports.model import Profile
from qa_audit.services import assessments, supervision
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.services.report_data import pseudonymiser

NASTY = "<b>bold</b> &amp; <font size=80>big</font> </para>"
TODAY = dt.date.today()
MONTH_AGO = TODAY - dt.timedelta(days=30)


def _session(session_id, **copy) -> PdfRequest:
    return PdfRequest(DocumentKind.SESSION, session_id, **copy)


def _period(user_id, first, last, **copy) -> PdfRequest:
    return PdfRequest(DocumentKind.PERIOD, user_id, date_from=first, date_to=last, **copy)


def _team(team_id, first, last, **copy) -> PdfRequest:
    return PdfRequest(DocumentKind.TEAM, team_id, date_from=first, date_to=last, **copy)


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _flat(path: Path) -> str:
    """All text with whitespace removed: line wrapping may split a phrase anywhere."""
    return _squash("".join(_pages(path)))


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _has(flat: str, *needles: str) -> None:
    for needle in needles:
        assert _squash(needle) in flat, needle


def _framed(path: Path, marking: str = "OFFICIAL-SENSITIVE") -> None:
    pages = _pages(path)
    for number, page in enumerate(pages, start=1):
        assert page.count(marking) >= 2, f"marking missing on page {number}"
        assert f"Page {number} of {len(pages)}" in page


def _low_seen_audit(world, actions: tuple[tuple[str, dt.date], ...] = ()) -> object:
    """A submitted audit with the 'seen' standard below the second-best grade, and these
    actions for the practitioner."""
    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                            evidence="Not seen alone")
    for text, due in actions:
        assessments.add_action(world.store, world.supervisor, aid, text,
                               owner_id=world.fca.user_id, due_on=due, standard_id="seen")
    assessments.submit(world.store, world.supervisor, aid)
    return aid


def _signed_session(world, aid) -> object:
    sid = supervision.create_session(world.store, world.supervisor, world.fca.user_id)
    supervision.set_assessments(world.store, world.supervisor, sid, [aid])
    supervision.save_notes(world.store, world.supervisor, sid, {
        "what_happened": "We read the audit together. " + NASTY,
        "analysis": "Direct work tools were not used."})
    supervision.add_action(world.store, world.supervisor, sid, "Use the three houses tool",
                           TODAY + dt.timedelta(days=14))
    supervision.save_fca_reflection(world.store, world.fca, sid, "I will see children alone.")
    supervision.sign(world.store, world.supervisor, sid)
    supervision.sign(world.store, world.fca, sid)
    return sid


def test_session_record_has_notes_grades_prompts_actions_and_signatures(world, tmp_path):
    sid = _signed_session(world, _low_seen_audit(world))
    out = export_pdf(world.store, world.supervisor, _session(sid), tmp_path / "s.pdf")
    flat = _flat(out)
    _has(flat, "Supervision session record", "Manager copy", "What happened (experience)",
                   "We read the audit together.", NASTY, "Direct work tools were not used.",
                   "Reflection", "Action plan", "I will see children alone.",
                   "PL-2024-00001", "Mini standards for tests 1",
                   "The child is seen and heard: Requires improvement to be good (RI)",
                   "What did the child want the court to know?",  # the prompt used
         "Use the three houses tool", "Fatima Khan", "Sam Supervisor")
    assert "Notsigned" not in flat and "DRAFT" not in flat  # both signed
    _framed(out)
    _has(flat, "Analysis", "None recorded")  # empty 'reflection' stage says so


def test_session_record_is_a_draft_until_both_sign_and_pseudonymised_hides_names(world,
                                                                                 tmp_path):
    aid = _low_seen_audit(world)
    sid = supervision.create_session(world.store, world.supervisor, world.fca.user_id)
    supervision.set_assessments(world.store, world.supervisor, sid, [aid])
    copy = _session(sid, profile=Profile.PSEUDONYMISED, marking="OFFICIAL")
    out = export_pdf(world.store, world.supervisor, copy, tmp_path / "p.pdf")
    flat = _flat(out)
    _has(flat, "DRAFT", "Not signed")
    assert "FatimaKhan" not in flat and "SamSupervisor" not in flat
    assert "PL-2024-00001" not in flat and pseudonymiser(world.store)("PL-2024-00001") in flat
    _framed(out, "OFFICIAL")
    meta = PdfReader(out).metadata
    assert meta is not None and meta.author != "Sam Supervisor"


def test_session_record_refused_outside_the_team(world, tmp_path):
    sid = supervision.create_session(world.store, world.supervisor, world.fca.user_id)
    with pytest.raises(PermissionDenied):
        export_pdf(world.store, world.supervisor2, _session(sid), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_period_summary_is_a_reflective_cycle_with_trends_themes_and_actions(world, tmp_path):
    first = _low_seen_audit(world)
    assessments.respond(world.store, world.fca, first, "Reflection " + NASTY,
                        assessments.Agreement.PARTLY, reasons="Partly")
    _low_seen_audit(world, (("Overdue action", MONTH_AGO),))
    world.new_audit()  # a draft: never in the practitioner's summary
    copy = _period(world.fca.user_id, MONTH_AGO, TODAY, profile=Profile.PRACTITIONER)
    out = export_pdf(world.store, world.fca, copy, tmp_path / "period.pdf")
    flat = _flat(out)
    order = [flat.index(_squash(h)) for h in ("1. What happened", "2. Reflection", "3. Analysis",
                                     "4. Action plan")]
    assert order == sorted(order)
    _has(flat, *("Practitioner period summary", "Practitioner copy", "Fatima Khan",
                   "Newcastle 1", "Overall grades over time", "Reflection " + NASTY,
                   "Partly agrees", "Recurring areas for development",
                   "Overdue action", "Overdue", "Counts and shares"))
    # 'seen' was below the second-best grade in both audits: a recurring development area.
    dev = flat[flat.index("Recurringareasfordevelopment"):flat.index("4.Actionplan")]
    assert "Thechildisseenandheard22" in dev  # below second-best twice, graded twice
    assert "Assessments2" in flat  # the draft is not counted
    _framed(out)


def test_period_summary_pseudonymised_and_permissions(world, tmp_path):
    _low_seen_audit(world)
    copy = _period(world.fca.user_id, MONTH_AGO, TODAY, profile=Profile.PSEUDONYMISED)
    out = export_pdf(world.store, world.supervisor, copy, tmp_path / "p.pdf")
    flat = _flat(out)
    assert "FatimaKhan" not in flat and "PL-2024-00001" not in flat
    assert pseudonymiser(world.store)("PL-2024-00001") in flat and "SamSupervisor" not in flat
    with pytest.raises(PermissionDenied):  # another FCA's summary
        export_pdf(world.store, world.fca2, _period(world.fca.user_id, MONTH_AGO, TODAY),
                   tmp_path / "x.pdf")
    with pytest.raises(PermissionDenied):  # another team's supervisor
        export_pdf(world.store, world.supervisor2, _period(world.fca.user_id, MONTH_AGO, TODAY),
                   tmp_path / "x.pdf")
    with pytest.raises(InvalidInput):
        export_pdf(world.store, world.supervisor, _period(world.fca.user_id, TODAY, MONTH_AGO),
                   tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_empty_period_says_so(world, tmp_path):
    long_ago = dt.date(2001, 1, 1)
    out = export_pdf(world.store, world.fca, _period(world.fca.user_id, long_ago, long_ago),
                     tmp_path / "e.pdf")
    flat = _flat(out)
    _has(flat, "No assessments in this period", "None recorded")


def test_team_summary_shows_distributions_and_names_no_one(world, tmp_path):
    for _ in range(3):
        _low_seen_audit(world)
    finalised = world.finalised_audit()
    assert finalised
    out = export_pdf(world.store, world.supervisor, _team(world.team_id, MONTH_AGO, TODAY),
                     tmp_path / "team.pdf")
    flat = _flat(out)
    _has(flat, *("Team practice summary", "Newcastle 1", "North", "Grades by standard",
                   "Counts and shares", "Trend by quarter", "Action completion",
                   "No practitioner is named or ranked", "Mini standards for tests 1"))
    for name in ("FatimaKhan", "GwenJones", "PL-2024-00001"):
        assert name not in flat, name  # no individual and no case, even in a manager copy
    # 'seen': three RI and one G, 4 graded: too few to read, so no count at all, not even
    # the zeros (O 0 and I 0 beside them would narrow it down), and no share.
    table = flat[flat.index("Countsandshares"):]
    assert "Thechildisseenandheard————0fewerthan5" in table
    assert "%" not in table[:table.index("Thecareplan")]
    _framed(out)
    for _ in range(2):
        _low_seen_audit(world)
    table = _flat(export_pdf(world.store, world.supervisor, _team(world.team_id, MONTH_AGO,
                                                                  TODAY), tmp_path / "t6.pdf"))
    table = table[table.index("Countsandshares"):]
    # Six graded: O 0, G 1, RI 5, I 0. G is hidden; alone, it would be 6 - 5, so RI is
    # hidden with it; but G + RI = 6 with G at most 4 and RI at least 5 leaves G = 1, so
    # the total goes too and the row shows nothing (N/A 0 stands alone).
    assert "Thechildisseenandheard————0—" in table


def test_team_summary_lists_overdue_actions_and_areas_for_development(world, tmp_path):
    late = TODAY - dt.timedelta(days=2)
    for n in range(3):
        _low_seen_audit(world, ((f"Ask Fatima Khan to redo plan {n}", late),))
    flat = _flat(export_pdf(world.store, world.supervisor, _team(
        world.team_id, MONTH_AGO, TODAY), tmp_path / "team.pdf"))
    # Three overdue: a count too few to print, so the list (whose length is the count)
    # is not printed either.
    _has(flat, "Overdue actions", "Not listed: the number of overdue actions is too few",
         "Top areas for development", "The child is seen and heard")
    assert "redoplan" not in flat
    for n in range(3, 6):
        _low_seen_audit(world, ((f"Ask Fatima Khan to redo plan {n}", late),))
    flat = _flat(export_pdf(world.store, world.supervisor, _team(
        world.team_id, MONTH_AGO, TODAY), tmp_path / "team6.pdf"))
    # Six, all open and overdue: shown, and listed; the text is scanned (names no one).
    _has(flat, "Ask Another person to redo plan 0", "Ask Another person to redo plan 5")
    assert "Notlisted" not in flat
    assert "FatimaKhan" not in flat and "Fatima" not in flat
    # quarters of the period with no assessment are shown, not skipped
    first_q = f"{MONTH_AGO.year}-Q{(MONTH_AGO.month - 1) // 3 + 1}"
    assert _squash(first_q) in flat


def test_team_summary_permissions_and_empty_period(world, tmp_path):
    with pytest.raises(PermissionDenied):
        export_pdf(world.store, world.fca, _team(world.team_id, MONTH_AGO, TODAY),
                   tmp_path / "x.pdf")
    with pytest.raises(PermissionDenied):
        export_pdf(world.store, world.other_ql, _team(world.team_id, MONTH_AGO, TODAY),
                   tmp_path / "x.pdf")
    out = export_pdf(world.store, world.ql, _team(world.team2_id, MONTH_AGO, TODAY),
                     tmp_path / "t2.pdf")  # a quality lead, another team
    _has(_flat(out), "No submitted assessments in this period")


def test_long_action_table_repeats_its_header_on_every_page(world, tmp_path):
    _low_seen_audit(world, tuple(
        (f"Action number {n} " + "with a longer description " * 3,
         TODAY + dt.timedelta(days=n)) for n in range(70)))
    out = export_pdf(world.store, world.supervisor, _period(world.fca.user_id, MONTH_AGO, TODAY),
                     tmp_path / "long.pdf")
    pages = _pages(out)
    with_actions = [p for p in pages if "Action number" in p]
    assert len(with_actions) >= 2
    for page in with_actions:
        assert "Action" in page and "Owner" in page and "Due" in page and "Status" in page
    assert all(f"Action number {n} " in "".join(pages) for n in range(70))


def test_a_draft_reflection_is_only_in_the_practitioners_own_copies(world, tmp_path) -> None:
    # Found in testing: the supervisor's period summary and assessment PDF printed the
    # practitioner's unsigned draft reflection.
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.save_response(world.store, world.fca, aid, "Only my draft thoughts so far")
    draft = _squash("Only my draft thoughts so far")
    period = _period(world.fca.user_id, MONTH_AGO, TODAY)
    assert draft not in _flat(export_pdf(world.store, world.supervisor, period,
                                         tmp_path / "sup.pdf"))
    assert draft in _flat(export_pdf(world.store, world.fca, period, tmp_path / "fca.pdf"))
    one = PdfRequest(DocumentKind.ASSESSMENT, aid)
    assert draft not in _flat(export_pdf(world.store, world.supervisor, one,
                                         tmp_path / "a-sup.pdf"))
    assert draft in _flat(export_pdf(world.store, world.fca, one, tmp_path / "a-fca.pdf"))


def test_period_summary_lists_sessions_with_their_actions_and_the_reasons(world, tmp_path):
    aid = _low_seen_audit(world)
    assessments.respond(world.store, world.fca, aid, "I see it differently",
                        assessments.Agreement.PARTLY, "The child was seen at school")
    _signed_session(world, aid)
    flat = _flat(export_pdf(world.store, world.fca, _period(
        world.fca.user_id, MONTH_AGO, TODAY, profile=Profile.PRACTITIONER),
        tmp_path / "p.pdf"))
    _has(flat, "Supervision sessions in the period", f"{TODAY:%d %B %Y} with Sam Supervisor",
         "Signed by both", "Use the three houses tool",
         "Partly agrees", "Reasons: The child was seen at school", "I see it differently",
         "For the practitioner's own records")


def test_session_record_names_the_standard_only_when_an_action_has_one(world, tmp_path):
    # Session actions are not tied to a standard: no column of dashes.
    sid = _signed_session(world, _low_seen_audit(world))
    pages = _pages(export_pdf(world.store, world.supervisor, _session(sid), tmp_path / "s.pdf"))
    text = "\n".join(pages)
    actions = text[text.index("Actions agreed"):]
    assert "Standard" not in actions.split("Use the three houses tool")[0]
    assert "What signing means." in text


def test_session_record_lists_a_standards_prompts_under_it_once(tmp_path) -> None:
    from qa_audit.reports.model import PromptEntry, SessionReport
    from qa_audit.reports.pdf_session import render_session

    prompts = (PromptEntry("The care plan is analysed", "Inadequate", "What would make it fail?"),
               PromptEntry("The care plan is analysed", "Inadequate", "Whose view is missing?"),
               PromptEntry("The child is seen", "Requires improvement", "What did they say?"))
    report = SessionReport(
        profile=Profile.MANAGER, marking="OFFICIAL", draft=False, held_on=dt.date(2026, 5, 4),
        supervisor="Sam Supervisor", practitioner="Fatima Khan", notes=(),
        practitioner_reflection="", assessments=(), prompts=prompts, actions=(),
        supervisor_signed=None, practitioner_signed=None, prepared_by="")
    out = tmp_path / "s.pdf"
    out.write_bytes(render_session(report))
    flat = _flat(out)
    assert flat.count("Thecareplanisanalysed") == 1  # named once, over its two prompts
    _has(flat, "Whatwouldmakeitfail?", "Whoseviewismissing?", "Thechildisseen",
         "Whatdidtheysay?")
    order = [flat.index(x) for x in ("Whatwouldmakeitfail?", "Whoseviewismissing?",
                                     "Thechildisseen")]
    assert order == sorted(order)  # in the order the standards raised them
