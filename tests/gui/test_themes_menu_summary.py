"""Reports › Team summary while the Themes page is showing saves that page's team summary:
its filters (period, team, law type, kind) and the same figures as its charts, heatmap and
delay table, read back from the PDF with pypdf (tests/hand_built.py's data set)."""

from __future__ import annotations

import re

from hand_built import build
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtGui import QAction

from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.views import themes as themes_view


def test_menu_team_summary_uses_the_themes_filters(qtbot, world, tmp_path, monkeypatch) -> None:
    build(world)
    window = MainWindow(world.store, world.ql, "ql")
    qtbot.addWidget(window)
    window.resize(1300, 900)
    window.show()
    view = window.pages["themes"]
    with qtbot.waitSignal(view.ready, timeout=20_000):
        window.show_page("themes")
    for change in (lambda: view.date_from.setDate(QDate(2025, 1, 1)),
                   lambda: view.date_to.setDate(QDate(2025, 12, 31)),
                   lambda: view.team.setCurrentIndex(view.team.findText("Newcastle 1")),
                   lambda: view.law.setCurrentIndex(view.law.findData("public")),
                   lambda: view.kind.setCurrentIndex(view.kind.findData("case_audit"))):
        with qtbot.waitSignal(view.ready, timeout=20_000):
            change()
    # Newcastle 1's public-law case audits in 2025: A1, A2, A3 (A4 is a draft, A5 is
    # Newcastle 2's private-law audit).
    assert view.status.text() == "3 assessments in view"
    out = tmp_path / "team-summary.pdf"
    monkeypatch.setattr(themes_view.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "PDF (*.pdf)")))
    action = next(a for a in window.findChildren(QAction) if a.text() == "&Team summary…")
    action.trigger()
    qtbot.waitUntil(lambda: view.status.text() == "Saved team-summary.pdf", timeout=20_000)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(out).pages)
    flat = re.sub(r"\s+", " ", text)
    # the view's filters, every one of them
    assert ("Framework: Mini standards for tests; Version: all versions; Period: 01 Jan 2025 "
            "to 31 Dec 2025; Region: any; Service area: any; Team: Newcastle 1; Law: public; "
            "Case type: any; Assessment kind: Case audit.") in flat
    assert "Newcastle 2" not in flat
    # the heatmap: the view's cells, one team; seen O, G, RI and care plan G, RI, I are 3
    # graded each, sgo I, G (A1's N/A left out) 2
    model = view.heat_model
    cells = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert cells == ["too few (3)", "too few (3)", "too few (2)"]
    heat = flat[flat.index("Teams × standards"):flat.index("Grades by quarter")]
    assert re.findall(r"too few \(\d\)", heat) == cells
    # grades by quarter: the view's trend chart, summed per quarter; by hand Q1 A1 (O, G),
    # Q2 A2 and A3 (six grades), Q3 and Q4 none of this team's
    trend = view.trend.chart().series()[0]
    per_quarter = [int(sum(bar.at(i) for bar in trend.barSets()))
                   for i in range(trend.barSets()[0].count())]
    assert per_quarter == [2, 6, 0, 0]
    quarters = flat[flat.index("Grades by quarter"):flat.index("Delay by team")]
    # ... but on paper a quarter of one to four assessments is not drawn (its shares could
    # identify the practitioner: domain/disclosure.py); the two empty ones show as empty
    assert [int(n) for n in re.findall(r"n=(\d+)", quarters)] == [0, 0]
    # delay: the view's table row, as the PDF's row
    delay = view.delay_model
    row = [delay.data(delay.index(0, c)) for c in range(delay.columnCount())]
    assert row[:6] == ["Newcastle 1", "2", "1 of 2", "2.5", "2", "1 of 2"]
    assert " ".join(row) in flat
    assert not any(name in flat for name in ("Fatima Khan", "Sam Supervisor"))
    # on another page the menu item is the team summary dialog again, not the view's
    window.show_page("team")
    assert window._themes_showing() is None
