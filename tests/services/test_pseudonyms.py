"""Pseudonymised copies: names and case references typed into free text are replaced by the
same stand-ins as the structured fields, in every PDF, CSV and XLSX.

Expected texts are written out by hand from the rule in the issue (a person in the
document's role -> "The practitioner"/"The supervisor", anyone else -> "Another person",
a case reference -> its REF- stand-in)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.reports.model import SCANNED_NOTE, Profile
from qa_audit.services import accounts, assessments, cases, replies, supervision
from qa_audit.services.assessments import Agreement, Narrative
from qa_audit.services.documents import DocumentKind, PdfRequest, render_pdf
from qa_audit.services.exports import export_csv, export_xlsx
from qa_audit.services.pseudonyms import Person, Scrubber, fold, scrubber
from qa_audit.services.report_data import pseudonymiser
from tests.conftest import PASSWORD

P, S = uuid.uuid4(), uuid.uuid4()
MARY, ZOFIA, IMRAN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _scrubber() -> Scrubber:
    return Scrubber((Person(P, "Siân O'Brien-Llewelyn", "sobrien"),
                     Person(S, "Sam Supervisor", "sup"),
                     Person(MARY, "Mary-Jane Ødegård", "mjo"),
                     Person(ZOFIA, "Zofia Wiśniewska", "zofia.w"),
                     Person(IMRAN, "عمران خان", "imran")),
                    {fold("PL-2025-000122"): "REF-AAAA", fold("ZC24/00123"): "REF-BBBB"})


ROLES = {P: "The practitioner", S: "The supervisor"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("Siân O'Brien-Llewelyn saw the child", "The practitioner saw the child"),
    ("Sian said", "The practitioner said"),                       # accent not typed
    ("SIÂN said", "The practitioner said"),                       # capitals
    ("O’Brien-Llewelyn wrote", "The practitioner wrote"),         # typographic apostrophe
    ("O'Brien's report", "The practitioner's report"),            # possessive, name part
    ("Llewelyn and Brien", "The practitioner and The practitioner"),
    ("sobrien logged in", "The practitioner logged in"),          # username
    ("Sam told Mary-Jane", "The supervisor told Another person"),
    ("Mary and Jane", "Another person and Another person"),       # hyphenated parts
    ("Odegard, Wisniewska", "Another person, Another person"),    # diacritics dropped
    ("قال عمران خان ذلك", "قال Another person ذلك"),               # Arabic script, full name
    ("خان", "Another person"),                                    # Arabic name part
    ("see PL-2025-000122 and pl-2025-000122.", "see REF-AAAA and REF-AAAA."),
    ("ZC24/00123 (old)", "REF-BBBB (old)"),
    ("Smith-O'Brien family", "Smith-The practitioner family"),
    # ordinary words are kept: "sam" is not a name part typed in lower case only when short
    ("the samples were sent", "the samples were sent"),
    ("nothing to see", "nothing to see"),
])
def test_names_and_references_in_free_text_get_stand_ins(typed: str, expected: str) -> None:
    assert _scrubber().scrub(typed, ROLES) == expected


def test_short_name_parts_match_only_when_capitalised() -> None:
    scrub = Scrubber((Person(P, "Al Bo", "zz-user"),), {})
    assert scrub.scrub("Al went out; al fresco", {P: "The practitioner"}) == (
        "The practitioner went out; al fresco")


def test_someone_whose_name_is_shared_by_two_roles_is_another_person() -> None:
    scrub = Scrubber((Person(P, "Alex Shaw", "a1"), Person(S, "Alex Brown", "a2")), {})
    assert scrub.scrub("Alex and Shaw", ROLES) == "Another person and The practitioner"


# --- end to end: every free-text field of every document kind and data export -------------

NAMES = ("Fatima", "Khan", "Sam Supervisor", "Sam ", "Siân", "O'Brien", "Llewelyn",
         "Wiśniewska", "Zofia", "عمران", "خان", "PL-2024-00001", "PL-2025-000122")


def _typed(field: str) -> str:
    """What a careless person types into `field`: everyone's names and references."""
    return (f"{field}: Fatima Khan and Sam Supervisor met Siân O'Brien-Llewelyn, "
            "Zofia Wiśniewska and عمران خان about PL-2024-00001 and PL-2025-000122 👶🏽.")


@pytest.fixture
def typed_everywhere(world):
    admin, store = world.admin, world.store
    for username, name in (("sobrien", "Siân O'Brien-Llewelyn"), ("zofia", "Zofia Wiśniewska"),
                           ("imran", "عمران خان")):
        accounts.add_user(store, admin, username, name, world.fca.role, PASSWORD,
                          world.team_id)
    cases.create_case(store, world.supervisor, "PL-2025-000122", "care_order", fca_id=None)
    sup, fca = world.supervisor, world.fca
    aid = world.new_audit()
    assessments.set_context(store, sup, aid, "setting", "Home visit")
    assessments.set_context(store, sup, aid, "notes", _typed("context"))
    assessments.save_rating(store, sup, aid, "seen", grade="G", evidence=_typed("evidence"),
                            commentary=_typed("commentary"))
    assessments.save_rating(store, sup, aid, "care-plan", grade="RI",
                            evidence=_typed("plan evidence"))
    assessments.save_rating(store, sup, aid, "sgo", grade=NOT_APPLICABLE)
    for narrative in Narrative:
        assessments.set_narrative(store, sup, aid, narrative, _typed(narrative.value))
    assessments.add_action(store, sup, aid, _typed("action"), owner_id=fca.user_id,
                           due_on=dt.date.today() + dt.timedelta(days=9))
    assessments.submit(store, sup, aid)
    assessments.respond(store, fca, aid, _typed("reflection"), Agreement.DISAGREE,
                        _typed("reasons"))
    replies.reply_to_response(store, sup, aid, _typed("reply"))
    assessments.finalise(store, sup, aid)
    assessments.add_addendum(store, sup, aid, _typed("addendum"))
    sid = supervision.create_session(store, sup, fca.user_id)
    supervision.save_notes(store, sup, sid, {s: _typed(s) for s in supervision.STAGES})
    supervision.set_assessments(store, sup, sid, [aid])
    supervision.add_action(store, sup, sid, _typed("session action"))
    supervision.save_fca_reflection(store, fca, sid, _typed("session reflection"))
    return world, aid, sid


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _clean(text: str, alias) -> None:
    flat = " ".join(text.split())
    for name in NAMES:
        assert name not in flat, name
    assert alias("PL-2024-00001") in flat and alias("PL-2025-000122") in flat


def test_every_pdf_kind_hides_typed_names(typed_everywhere, tmp_path) -> None:
    world, aid, sid = typed_everywhere
    alias = pseudonymiser(world.store)
    today = dt.date.today()
    requests = [PdfRequest(DocumentKind.ASSESSMENT, aid, Profile.PSEUDONYMISED),
                PdfRequest(DocumentKind.SESSION, sid, Profile.PSEUDONYMISED),
                PdfRequest(DocumentKind.PERIOD, world.fca.user_id, Profile.PSEUDONYMISED,
                           date_from=today - dt.timedelta(days=30), date_to=today)]
    for request in requests:
        text = _pdf_text(render_pdf(world.store, world.supervisor, request), tmp_path)
        _clean(text, alias)
        flat = " ".join(text.split())
        assert "The practitioner and The supervisor met Another person" in flat, request.kind
        assert "may still identify people" in flat, request.kind
    assessment = " ".join(_pdf_text(render_pdf(world.store, world.supervisor, requests[0]),
                                    tmp_path).split())
    for field in ("context", "evidence", "commentary", "plan evidence", "childs_voice",
                  "impact_of_delay", "strengths", "areas_for_development", "action",
                  "reflection", "reasons", "reply", "addendum"):
        assert f"{field}: The practitioner and The supervisor" in assessment, field
    assert "👶🏽" in assessment  # the emoji is kept in the text layer


def test_team_summary_action_text_names_no_one(typed_everywhere, tmp_path) -> None:
    world, aid, _ = typed_everywhere
    assert aid
    today = dt.date.today()
    for profile in (Profile.MANAGER, Profile.PSEUDONYMISED):
        text = _pdf_text(render_pdf(world.store, world.supervisor, PdfRequest(
            DocumentKind.TEAM, world.team_id, profile, date_from=today - dt.timedelta(days=30),
            date_to=today + dt.timedelta(days=60))), tmp_path)
        flat = " ".join(text.split())
        # (a manager's copy says whom it was produced for: the only name it prints)
        for name in (n for n in NAMES[:-2] if not n.startswith("Sam")):
            assert name not in flat, name


def test_csv_and_xlsx_hide_typed_names(typed_everywhere, tmp_path) -> None:
    world, _, _ = typed_everywhere
    alias = pseudonymiser(world.store)
    export_csv(world.store, world.supervisor, tmp_path / "csv", Profile.PSEUDONYMISED)
    for path in (tmp_path / "csv").glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        joined = " ".join(cells)
        for name in NAMES[:-2]:
            assert name not in joined, (path.name, name)
        if path.name == "ratings.csv":
            assert ("evidence: The practitioner and The supervisor met Another person, Another "
                    f"person and Another person about {alias('PL-2024-00001')} and "
                    f"{alias('PL-2025-000122')} 👶🏽.") in cells
    assert SCANNED_NOTE in (tmp_path / "csv" / "about.txt").read_text("utf-8")
    export_xlsx(world.store, world.supervisor, tmp_path / "p.xlsx", Profile.PSEUDONYMISED)
    book = load_workbook(tmp_path / "p.xlsx")
    joined = " ".join(str(v) for ws in book for row in ws.iter_rows(values_only=True)
                      for v in row)
    for name in NAMES[:-2]:
        assert name not in joined, name
    assert "action: The practitioner and The supervisor" in joined


def test_scrubber_reads_every_person_and_reference_of_the_database(typed_everywhere) -> None:
    world, _, _ = typed_everywhere
    scrub = scrubber(world.store)
    assert scrub.scrub("Gwen Jones, ql-south, Quinn") == "Another person, Another person, " \
                                                         "Another person"
