"""Small counts cannot be worked out from what is printed beside them (domain/disclosure.py),
in every output that counts a team's work: the team summary PDF (read back with pypdf), the
Themes view's summary PDF, and `qa-audit themes` CSV.

The data set, by hand: team Newcastle 1 has three submitted audits, every one graded RI on
'seen' and on 'care-plan' (N/A on 'sgo'); eight actions, five done and three open, of which
two are overdue. Each test reads the output as an outside reader would and tries every way
we know to get a hidden count back: the total minus the shown cells, a share, zeros beside a
hidden total, and the length of a list.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from qa_audit.cli import main
from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.services.themes import ThemeFilter
from qa_audit.services.themes_summary import export_summary

PASSWORD = "correct horse battery"  # the world fixture's (tests/conftest.py)
TODAY = dt.date.today()
FIRST = TODAY - dt.timedelta(days=60)
GRADES = ("O", "G", "RI", "I")
ACTION_TEXT = "Revisit the plan"


@pytest.fixture
def team(world):
    """Three audits all graded RI; eight actions, five done, three open (two overdue)."""
    s = world.supervisor
    action_ids = []
    for n, count in enumerate((3, 3, 2)):
        aid = world.new_audit()
        world.complete(aid)
        assessments.save_rating(world.store, s, aid, "seen", grade="RI", evidence="Not seen")
        for k in range(count):
            # Actions 0-4 will be done; 5 and 6 are overdue; 7 is due next month.
            late = len(action_ids) in (5, 6)
            action_ids.append(assessments.add_action(
                world.store, s, aid, f"{ACTION_TEXT} {n}.{k}", owner_id=world.fca.user_id,
                due_on=TODAY + dt.timedelta(days=-3 if late else 30)))
        assessments.submit(world.store, s, aid)
    for aid in action_ids[:5]:
        assessments.set_action_status(world.store, s, aid, True)
    return world


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _flat(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _between(flat: str, start: str, end: str) -> str:
    i = flat.index(_flat(start))
    return flat[i:flat.index(_flat(end), i + 1)]


def _numbers(cells: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", cells)]


def test_the_team_summary_gives_no_hidden_count_away(team, tmp_path: Path) -> None:
    out = export_pdf(team.store, team.supervisor, PdfRequest(
        DocumentKind.TEAM, team.team_id, Profile.PSEUDONYMISED, date_from=FIRST,
        date_to=TODAY), tmp_path / "team.pdf")
    flat = _flat(_text(out))
    counts = _between(flat, "Counts and shares", "Top areas for development")
    for title, next_title in (("The child is seen and heard", "The care plan is analysed"),
                              ("The care plan is analysed", "Special guardianship")):
        row = _between(counts, title, next_title)[len(_flat(title)):]
        # The reader's attempts. Shares: none printed, so none to multiply out.
        assert "%" not in row
        # Zeros beside a hidden total (O 0, G 0, I 0 would leave RI = all of them): the
        # row's only numbers are N/A's 0 and the 5 of "fewer than 5"; no grade shows one.
        assert row == "————0fewerthan5", row
        # Total minus the shown grades: the total is not a number.
        assert _numbers(row.removesuffix("fewerthan5")) == [0]  # (N/A, standing alone)
    # Action completion: 8 actions; 8 - done would be open, so neither is printed.
    actions = _between(flat, "Action completion", "Overdue actions")
    figures = actions[actions.index("Overdue") + len("Overdue"):]
    assert figures == "8————", figures
    # The list of overdue actions: its length would be the count, so it is not printed.
    overdue = flat[flat.index("Overdueactions", flat.index("Actioncompletion")):]
    assert _flat(ACTION_TEXT) not in overdue
    assert "Notlisted" in overdue
    # The statuses (three with the practitioner) and the areas for development (three
    # below G of three) are counts too.
    assert _flat("Assessments by status: With practitioner —.") in flat
    development = _between(flat, "Top areas for development", "Action completion")
    assert "3" not in development
    # The method is said in the document.
    assert "countfrom1to4isnotshown" in flat


def test_the_page_looks_right(team, tmp_path: Path) -> None:
    """Render the pages (pdftoppm) so a person can look at them (QA_AUDIT_KEEP_PAGES)."""
    import os
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:  # (installed by tools/setup.sh)
        pytest.fail("pdftoppm is missing: run tools/setup.sh")
    out = export_pdf(team.store, team.supervisor, PdfRequest(
        DocumentKind.TEAM, team.team_id, Profile.PSEUDONYMISED, date_from=FIRST,
        date_to=TODAY), tmp_path / "team.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(out), str(tmp_path / "team")],
                   check=True)
    pages = sorted(tmp_path.glob("team-*.png"))
    assert pages
    keep = os.environ.get("QA_AUDIT_KEEP_PAGES")
    if keep:  # (to look at: QA_AUDIT_KEEP_PAGES=/some/folder pytest …)
        for page in pages:
            shutil.copy(page, Path(keep) / page.name)


def test_the_themes_summary_gives_no_hidden_count_away(team, tmp_path: Path) -> None:
    f = ThemeFilter("mini-standards", date_from=FIRST, date_to=TODAY, team_id=team.team_id)
    out = export_summary(team.store, team.ql, f, tmp_path / "themes.pdf")
    flat = _flat(_text(out))
    assert "fewerthan5" in flat
    heat = _between(flat, "Teams × standards", "Delay by team")
    # Three graded in each cell: the count shows (as in the app), the share does not.
    assert "toofew(3)" in heat and "%" not in heat and "of3" not in heat
    actions = _between(flat, "Action completion", "Overdue actions")
    assert actions.endswith("8————"), actions
    assert _flat(ACTION_TEXT) not in flat[flat.index("Overdueactions",
                                                     flat.index("Actioncompletion")):]


def _cli(team, tmp_path: Path, by: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    path = team.store.path
    team.store.close()
    monkeypatch.setenv("QA_AUDIT_PASSWORD", PASSWORD)
    out = tmp_path / f"{by.replace(',', '-')}.csv"
    assert main(["themes", "--db", str(path), "--user", "ql", "--by", by,
                 "--from", FIRST.isoformat(), "--to", TODAY.isoformat(),
                 "--framework", "mini-standards", "--csv", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_the_themes_csv_gives_no_hidden_count_away(team, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    by_standard = _cli(team, tmp_path, "team,standard", monkeypatch)
    by_grade = _cli(team, tmp_path, "team,standard,grade", monkeypatch)
    seen = [r for r in by_standard if r["standard"] == "The child is seen and heard"]
    # The number graded shows, as the app's "too few (3)"; what was graded does not.
    assert seen == [{"team": "Newcastle 1", "standard": "The child is seen and heard",
                     "graded": "3", "at G or better": "", "share": "", "too_few": "1"}]
    # The reader joins the two tables: 3 graded, less every grade shown by grade, would
    # leave the one hidden grade. Every grade is listed, and none shows a number, so
    # nothing is left to subtract (and no missing row says "0").
    for standard in ("The child is seen and heard", "The care plan is analysed"):
        rows = [r for r in by_grade if r["standard"] == standard]
        assert [r["grade"] for r in rows] == list(GRADES)
        assert all(r["graded"] == "" and r["share"] == "" and r["too_few"] == "1"
                   for r in rows), rows
