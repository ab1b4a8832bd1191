"""CSV and XLSX exports of assessments, ratings and actions, read back from the files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qa_audit.cli import main
from qa_audit.errors import PermissionDenied
from qa_audit.reports import tabular
from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.exports import export_csv, export_xlsx
from qa_audit.services.report_data import pseudonymiser
from tests.conftest import PASSWORD

FORMULA = "=HYPERLINK(\"http://evil\",\"click\")"


def _audit_with_text(world) -> object:
    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G",
                            evidence=FORMULA, commentary="Fatima said\x01 more")
    assessments.add_action(world.store, world.supervisor, aid, "+Read the guidance",
                           owner_id=world.fca.user_id, due_on=dt.date(2030, 1, 1))
    return aid


def _read_csv(path: Path, first: str = "# OFFICIAL-SENSITIVE · Manager copy"
              ) -> list[dict[str, str]]:
    """The rows of a CSV file whose first line is the marking and audience."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == [first]  # the marking travels in the file
    return [dict(zip(lines[1], row, strict=True)) for row in lines[2:]]


def test_csv_manager_copy_has_names_and_formulas_stay_text(world, tmp_path):
    aid = _audit_with_text(world)
    result = export_csv(world.store, world.supervisor, tmp_path)
    assert result.counts == {"assessments": 1, "ratings": 3, "actions": 1}
    rows = _read_csv(tmp_path / "assessments.csv")
    assert rows[0]["assessment_id"] == str(aid) and rows[0]["practitioner"] == "Fatima Khan"
    assert rows[0]["case_reference"] == "PL-2024-00001"
    ratings = {r["standard_id"]: r for r in _read_csv(tmp_path / "ratings.csv")}
    assert ratings["seen"]["evidence"] == "'" + FORMULA  # not run as a formula
    assert _read_csv(tmp_path / "actions.csv")[0]["text"] == "'+Read the guidance"
    about = (tmp_path / "about.txt").read_text("utf-8")
    assert "OFFICIAL-SENSITIVE" in about and "Manager copy" in about
    assert "Produced for: Sam Supervisor" in about
    assert not list(tmp_path.glob("*.part"))


def test_csv_pseudonymised_drops_names_and_scans_free_text(world, tmp_path):
    _audit_with_text(world)
    export_csv(world.store, world.supervisor, tmp_path, Profile.PSEUDONYMISED, "OFFICIAL")
    everything = "".join(p.read_text("utf-8-sig") for p in tmp_path.glob("*.csv"))
    for secret in ("Fatima", "Khan", "Sam Supervisor", "PL-2024-00001"):
        assert secret not in everything, secret
    first = "# OFFICIAL · Pseudonymised copy: no names, case reference replaced"
    rows = _read_csv(tmp_path / "assessments.csv", first)
    assert rows[0]["case_reference"] == pseudonymiser(world.store)("PL-2024-00001")
    assert "practitioner" not in rows[0] and "author" not in rows[0]
    ratings = {r["standard_id"]: r for r in _read_csv(tmp_path / "ratings.csv", first)}
    assert set(ratings["seen"]) == {"assessment_id", "standard_id", "grade", "evidence",
                                    "commentary"}
    # free text is kept, with the practitioner's name replaced by their role
    assert ratings["seen"]["commentary"] == "The practitioner said\x01 more"
    assert ratings["seen"]["evidence"] == "'" + FORMULA  # still not a formula
    actions = _read_csv(tmp_path / "actions.csv", first)
    assert actions[0]["text"] == "'+Read the guidance" and "owner" not in actions[0]
    about = (tmp_path / "about.txt").read_text("utf-8")
    assert "OFFICIAL" in about and "Left out" in about and "Sam Supervisor" not in about
    assert "may still identify" in about and "First line of each file" in about


def test_xlsx_has_about_sheet_and_text_cells(world, tmp_path):
    _audit_with_text(world)
    out = tmp_path / "data.xlsx"
    result = export_xlsx(world.store, world.supervisor, out)
    assert result.counts == {"assessments": 1, "ratings": 3, "actions": 1}
    book = load_workbook(out)
    assert book.sheetnames == ["About", "Assessments", "Ratings", "Actions"]
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Protective marking"] == "OFFICIAL-SENSITIVE"
    assert about["Copy"] == "Manager copy" and about["Produced for"] == "Sam Supervisor"
    ratings = list(book["Ratings"].iter_rows(values_only=True))
    header = ratings[0]
    seen = next(r for r in ratings[1:] if r[header.index("standard_id")] == "seen")
    assert seen[header.index("evidence")] == FORMULA  # kept as typed, as text
    assert seen[header.index("commentary")] == "Fatima said more"  # control char dropped
    for row in book["Ratings"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assessments_sheet = list(book["Assessments"].iter_rows(values_only=True))
    assert isinstance(assessments_sheet[1][assessments_sheet[0].index("assessed_on")],
                      dt.datetime)


def test_xlsx_pseudonymised(world, tmp_path):
    _audit_with_text(world)
    out = tmp_path / "p.xlsx"
    export_xlsx(world.store, world.supervisor, out, Profile.PSEUDONYMISED)
    book = load_workbook(out)
    cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    joined = " ".join(cells)
    for secret in ("Fatima", "Khan", "Sam Supervisor", "PL-2024-00001"):
        assert secret not in joined, secret
    assert pseudonymiser(world.store)("PL-2024-00001") in cells
    assert "The practitioner said more" in cells and "+Read the guidance" in cells
    for sheet in book:  # printed pages carry the marking and whom the copy is for
        assert sheet.oddHeader.center.text == sheet.oddFooter.center.text
        assert sheet.oddHeader.center.text.startswith("OFFICIAL-SENSITIVE · Pseudonymised")


def test_xlsx_sheet_longer_than_excel_allows_continues_on_another(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "XLSX_MAX_ROWS", 4)  # Excel's real limit is 1,048,576
    rows = [(n, f"row {n}") for n in range(10)]
    counts = tabular.write_xlsx(tmp_path / "x.xlsx", [("Copy", "test")],
                                [("Ratings", ("n", "text"), rows)])
    assert counts == {"Ratings": 10}
    book = load_workbook(tmp_path / "x.xlsx")
    assert book.sheetnames == ["About", "Ratings", "Ratings 2", "Ratings 3", "Ratings 4"]
    back = [r for name in book.sheetnames[1:]
            for r in book[name].iter_rows(min_row=2, values_only=True)]
    assert back == rows
    assert all(next(book[n].iter_rows(values_only=True)) == ("n", "text")
               for n in book.sheetnames[1:])


def test_fca_may_not_export_data(world, tmp_path):
    with pytest.raises(PermissionDenied):
        export_xlsx(world.store, world.fca, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_exports_every_kind(world, tmp_path, monkeypatch, capsys):
    aid = world.finalised_audit()
    db = str(world.store.path or world.store.team_url)
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    world.store.close()
    base = ["--db", db, "--user", "sup"]
    assert main(["export", "xlsx", *base, "--out", str(tmp_path / "d.xlsx"),
                 "--profile", "pseudonymised"]) == 0
    assert main(["export", "csv", *base, "--out", str(tmp_path / "csv")]) == 0
    assert main(["export", "pdf", *base, "--assessment", str(aid),
                 "--out", str(tmp_path / "a.pdf")]) == 0
    assert main(["export", "pdf", *base, "--practitioner", "fca",
                 "--out", str(tmp_path / "p.pdf")]) == 0
    assert main(["export", "pdf", *base, "--team", "newcastle 1", "--from", "2020-01-01",
                 "--to", str(dt.date.today()), "--out", str(tmp_path / "t.pdf")]) == 0
    for name in ("d.xlsx", "csv/assessments.csv", "csv/about.txt", "a.pdf", "p.pdf", "t.pdf"):
        assert (tmp_path / name).stat().st_size > 0, name
    # With no --profile, the copy is the one for the person exporting (as in the app).
    assert main(["export", "pdf", "--db", db, "--user", "fca", "--assessment", str(aid),
                 "--out", str(tmp_path / "fca.pdf")]) == 0
    from pypdf import PdfReader

    def first_page(name: str) -> str:
        return PdfReader(tmp_path / name).pages[0].extract_text()

    assert "Practitioner copy" in first_page("fca.pdf")
    assert "Manager copy" in first_page("a.pdf")
    assert main(["export", "pdf", *base, "--practitioner", "nobody",
                 "--out", str(tmp_path / "n.pdf")]) == 1
    assert main(["export", "pdf", *base, "--team", "Atlantis",
                 "--out", str(tmp_path / "n.pdf")]) == 1
    err = capsys.readouterr().err
    assert "No account is called 'nobody'" in err and "No team is called 'Atlantis'" in err
    assert not (tmp_path / "n.pdf").exists()


def test_case_reference_stand_ins_cannot_be_found_by_hashing_every_reference(
        world, tmp_path) -> None:
    import hashlib

    from qa_audit.services.database import Store

    alias = pseudonymiser(world.store)
    ref = "PL-2024-00001"
    assert alias(ref) == pseudonymiser(world.store)(ref)  # stable within a database
    assert alias(ref).startswith("REF-") and alias("") == ""
    plain = hashlib.sha256(ref.encode()).hexdigest().upper()
    assert plain[:10] not in alias(ref) and plain[:12] not in alias(ref)  # keyed, not bare
    other = Store.open(tmp_path / "other.db")
    try:
        assert pseudonymiser(other)(ref) != alias(ref)  # another database, another key
    finally:
        other.close()
