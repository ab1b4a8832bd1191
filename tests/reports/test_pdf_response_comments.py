"""The practitioner's comment under each standard, in the assessment PDF: printed under
that standard's feedback, escaped, wrapped, in any script; hers until she signs."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

from pypdf import PdfReader

from qa_audit.reports.model import Profile
from qa_audit.services import assessments, comments
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf

NASTY = "<b>bold</b> &amp; <font size=80>big</font> </para>"
EMOJI = "Agreed 🙂 with thanks"
ARABIC = "أوافق"


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _submitted_with_comments(world):
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    comments.save_comment(world.store, world.fca, aid, "seen",
                          f"Fatima Khan here: {NASTY} {ARABIC} {EMOJI}")
    comments.save_comment(world.store, world.fca, aid, "care-plan",
                          "Plan: " + "z" * 4_000 + " end of plan comment")
    return aid


def test_each_comment_prints_under_its_standard_as_typed(world, tmp_path: Path) -> None:
    aid = _submitted_with_comments(world)
    assessments.respond(world.store, world.fca, aid, "My reflection",
                        assessments.Agreement.AGREE)
    out = export_pdf(world.store, world.supervisor, PdfRequest(DocumentKind.ASSESSMENT, aid),
                     tmp_path / "a.pdf")
    flat = _text(out).replace("\n", "")
    assert "".join(NASTY.split()) in "".join(flat.split())  # markup printed as typed
    assert "z" * 300 in flat and "end of plan comment" in flat  # long word wrapped, kept
    # Under its own standard: after that standard's commentary, before the next standard.
    seen = flat.index("The child is seen and heard")
    first = flat.index("Practitioner's comment:")
    plan = flat.index("The care plan is analysed —")
    second = flat.index("Practitioner's comment:", first + 1)
    sgo = flat.index("Special guardianship support —")
    assert seen < flat.index("Seen alone") < first < plan < second < sgo
    assert flat.count("Practitioner's comment:") == 2  # none printed where she wrote none
    words = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert EMOJI in words
    assert ARABIC in unicodedata.normalize("NFKC", words)  # (drawn as shaped letters)


def test_unsigned_comments_are_hers_only_and_pseudonymised_copies_scrub_names(
        world, tmp_path: Path) -> None:
    aid = _submitted_with_comments(world)
    sup = export_pdf(world.store, world.supervisor, PdfRequest(DocumentKind.ASSESSMENT, aid),
                     tmp_path / "sup.pdf")
    assert "Practitioner's comment" not in _text(sup)  # not signed yet: hers
    mine = export_pdf(world.store, world.fca, PdfRequest(
        DocumentKind.ASSESSMENT, aid, Profile.PRACTITIONER), tmp_path / "fca.pdf")
    assert "Fatima Khan here:" in _text(mine).replace("\n", "")
    assessments.respond(world.store, world.fca, aid, "My reflection",
                        assessments.Agreement.AGREE)
    hidden = export_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid, Profile.PSEUDONYMISED), tmp_path / "p.pdf")
    flat = _text(hidden).replace("\n", "")
    assert "Practitioner's comment:" in flat
    assert "Fatima" not in flat and "Khan" not in flat
