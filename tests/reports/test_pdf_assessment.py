"""Assessment PDFs opened back with pypdf: what must be there, and what must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from qa_audit.cli import main
from qa_audit.errors import PermissionDenied
from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.services.report_data import pseudonymiser

NASTY = "<b>bold</b> &amp; <font size=80>big</font> </para>"
NAMES = "Zofia Wiśniewska, Siân Llewelyn, Çağla Yılmaz, Aoife Ní Bhriain"


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def test_finalised_manager_copy(world, tmp_path: Path) -> None:
    aid = world.finalised_audit()
    out = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "a.pdf")
    pages = _pages(out)
    text = "\n".join(pages)
    for needle in ("Reflective supervision summary", "Manager copy", "Fatima Khan",
                   "Sam Supervisor", "PL-2024-00001", "Mini standards for tests 1",
                   "The child is seen and heard", "Good (G)", "Plan not tested",
                   "My reflection", "Requires improvement to be good (RI)"):
        assert needle in text, needle
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2  # header and footer
        assert f"Page {number} of {len(pages)}" in page
    assert "DRAFT" not in text
    meta = PdfReader(out).metadata
    assert meta is not None and "PL-2024-00001" in (meta.title or "")
    assert meta.author == "Sam Supervisor"


def test_draft_pseudonymised_copy_hides_names_and_reference(world, tmp_path: Path) -> None:
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                            evidence=NASTY, commentary=NAMES + " " + "w" * 5000)
    out = export_pdf(world.store, world.supervisor, PdfRequest(
        DocumentKind.ASSESSMENT, aid, Profile.PSEUDONYMISED, "OFFICIAL"), tmp_path / "p.pdf")
    text = "\n".join(_pages(out))
    assert "DRAFT" in text and "OFFICIAL" in text and "OFFICIAL-SENSITIVE" not in text
    assert "Fatima Khan" not in text and "Sam Supervisor" not in text
    assert "PL-2024-00001" not in text and pseudonymiser(world.store)("PL-2024-00001") in text
    flat = text.replace("\n", "")
    assert NASTY in flat  # markup printed as typed
    for name in NAMES.split(", "):
        assert name in flat, name
    assert "w" * 200 in flat  # the long word is kept (wrapped, not cut)
    meta = PdfReader(out).metadata
    assert meta is not None and meta.author != "Sam Supervisor"


def test_other_team_cannot_export(world, tmp_path: Path) -> None:
    aid = world.new_audit()
    with pytest.raises(PermissionDenied):
        export_pdf(world.store, world.supervisor2,
                   PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_cli_export_pdf(world, tmp_path: Path, monkeypatch, capsys) -> None:
    aid = world.finalised_audit()
    path = world.store.location
    world.store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", "correct horse battery")
    out = tmp_path / "cli.pdf"
    assert main(["--db", path, "export", "pdf", "--assessment", str(aid), "--out", str(out),
                 "--user", "fca", "--profile", "practitioner"]) == 0
    assert "Practitioner copy" in "\n".join(_pages(out))
    assert main(["--db", path, "export", "pdf", "--assessment", "nope", "--out", str(out),
                 "--user", "fca"]) == 1
    assert "not an assessment id" in capsys.readouterr().err


def test_actions_print_done_overdue_or_open(world, tmp_path: Path) -> None:
    import datetime as dt

    aid = world.new_audit()
    today = dt.date.today()
    late = assessments.add_action(world.store, world.supervisor, aid, "Late action",
                                  due_on=today - dt.timedelta(days=3))
    done = assessments.add_action(world.store, world.supervisor, aid, "Done action",
                                  due_on=today - dt.timedelta(days=3))
    assessments.set_action_status(world.store, world.supervisor, done, True)
    assessments.add_action(world.store, world.supervisor, aid, "Later action",
                           due_on=today + dt.timedelta(days=3))
    assert late
    out = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "a.pdf")
    lines = "\n".join(_pages(out)).splitlines()  # one table cell a line

    def state(name: str) -> str:
        after = lines[lines.index(name):]
        return next(cell for cell in after
                    if cell in ("Overdue", "Open") or (cell[:5] == "Done " and cell[5:6].isdigit()))

    # a done action shows the day it was completed
    assert [state(n) for n in ("Late action", "Done action", "Later action")] == [
        "Overdue", f"Done {today:%d %b}", "Open"]  # (the year wraps)


def test_a_framework_without_an_overall_judgement_says_so(world, tmp_path: Path) -> None:
    from qa_audit.domain.framework import AssessmentKind
    from qa_audit.services import frameworks

    source = (Path(__file__).parents[1] / "fixtures" / "mini.yaml").read_text()
    yaml_text = source.replace("id: mini-standards", "id: mini-no-overall").replace(
        "  method: limiting\n  limiting: [seen]", "  method: none")
    assert "method: none" in yaml_text
    (tmp_path / "none.yaml").write_text(yaml_text)
    version = frameworks.import_framework_file(world.store, world.admin,
                                               tmp_path / "none.yaml").version
    aid = assessments.create_assessment(world.store, world.supervisor,
                                        AssessmentKind.CASE_AUDIT, version.id,
                                        world.fca.user_id, case_id=world.case_id)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="O",
                            evidence="Seen alone")
    out = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "n.pdf")
    text = " ".join(" ".join(_pages(out)).split())
    assert "No overall judgement (this framework does not give one)" in text
    assert "Not enough grades" not in text
