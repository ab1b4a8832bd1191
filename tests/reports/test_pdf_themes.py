"""The Themes view exported as the team practice summary: the hand-built data set
(tests/hand_built.py), every figure worked out by hand there, read back from the PDF with
pypdf. No practitioner or supervisor is named."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hand_built import TODAY, build
from pypdf import PdfReader

from qa_audit.errors import InvalidInput, PermissionDenied
from qa_audit.reports.model import HeatFigure, Profile
from qa_audit.reports.pdf_summaries import render_team
from qa_audit.services.themes import ThemeFilter
from qa_audit.services.themes_summary import export_summary, summary_report

YEAR = ThemeFilter("mini-standards", date_from=dt.date(2025, 1, 1),
                   date_to=dt.date(2025, 12, 31))
NAMES = ("Fatima Khan", "Gwen Jones", "Sam Supervisor", "Sol Supervisor")  # not the exporter


def _flat(data: bytes, tmp_path: Path) -> str:
    out = tmp_path / "read.pdf"
    out.write_bytes(data)
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(out).pages))


def test_the_figures_are_the_hand_worked_ones(world) -> None:
    build(world)
    report = summary_report(world.store, world.ql, YEAR, Profile.MANAGER, today=TODAY)
    t = report.themes
    assert t is not None
    assert report.team == "2 teams: Newcastle 1, Newcastle 2"
    # A1 finalised, A2 responded, A3 submitted, A5 finalised; A4 is a draft.
    assert dict(report.status_counts) == {"Finalised": 2, "Practitioner responded": 1,
                                         "With practitioner": 1}
    assert t.teams == ("Newcastle 1", "Newcastle 2")
    assert t.standards[0] == "The child is seen and heard"
    # Newcastle 1, seen: O, G, RI -> 2 of 3 good; sgo: I, G (A1 N/A) -> 1 of 2.
    assert t.cells[0][0] == HeatFigure(2, 3, True, True)
    assert t.cells[0][2] == HeatFigure(1, 2, True, True)
    # Newcastle 2 (A5 only): seen G; sgo N/A, so nothing graded.
    assert t.cells[1][0] == HeatFigure(1, 1, True, True)
    assert t.cells[1][2] is None
    assert [q for q, _ in t.quarters] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert dict(t.quarters[2][1]) == {"O": 0, "G": 0, "RI": 0, "I": 0}
    assert dict(t.quarters[1][1]) == {"O": 0, "G": 2, "RI": 2, "I": 2}  # A2 and A3
    n1, n2 = t.delay
    assert (n1.team, n1.cases, n1.allocated, n1.allocated_late) == ("Newcastle 1", 2, 2, 1)
    assert n1.mean_allocation_days == 2.5  # (2 + 3) / 2 working days
    assert (n1.public_cases, n1.over_timescale) == (2, 1)  # C2 runs past 26 weeks
    assert (n2.cases, n2.allocated_late, n2.public_cases) == (1, 1, 0)
    assert n2.mean_allocation_days == 5.0
    # The grade tallies are the view's: seen O 1, G 2, RI 1 over the four in view.
    seen = report.sections[0].standards[0]
    assert dict(seen.counts) == {"O": 1, "G": 2, "RI": 1, "I": 0}


def test_the_pdf_carries_the_heatmap_delay_and_filters(world, tmp_path: Path) -> None:
    build(world)
    one_team = ThemeFilter("mini-standards", date_from=YEAR.date_from, date_to=YEAR.date_to,
                           team_id=world.team_id)
    out = export_summary(world.store, world.ql, one_team, tmp_path / "themes.pdf")
    flat = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(out).pages))
    for phrase in ("Team practice summary", "Themes", "Team:Newcastle 1", "Period:01 Jan 2025 "
                   "to 31 Dec 2025", "too few (3)", "too few (2)", "Delay by team",
                   "1 of 2", "2.5", "Grades by quarter"):
        assert phrase.replace(" ", "") in flat, phrase
    assert "Newcastle2" not in flat  # the filter's one team only
    assert not any(name.replace(" ", "") in flat for name in NAMES)
    all_teams = _flat(render_team(summary_report(world.store, world.ql, YEAR,
                                                 Profile.PSEUDONYMISED)), tmp_path)
    assert "Newcastle2" in all_teams and "too few (1)".replace(" ", "") in all_teams
    assert not any(name.replace(" ", "") in all_teams for name in NAMES)


def test_bad_input_and_permissions(world, tmp_path: Path) -> None:
    build(world)
    with pytest.raises(InvalidInput, match="folder"):
        export_summary(world.store, world.ql, YEAR, tmp_path)
    with pytest.raises(InvalidInput, match=r"a \.pdf file"):
        export_summary(world.store, world.ql, YEAR, tmp_path / "x.txt")
    with pytest.raises(InvalidInput, match="does not exist"):
        export_summary(world.store, world.ql, YEAR, tmp_path / "no" / "x.pdf")
    with pytest.raises(InvalidInput, match="period"):
        summary_report(world.store, world.ql, ThemeFilter("mini-standards"), Profile.MANAGER)
    with pytest.raises(PermissionDenied):
        export_summary(world.store, world.fca, YEAR, tmp_path / "x.pdf")
    assert not list(tmp_path.glob("*.pdf*"))  # nothing half-written left behind
