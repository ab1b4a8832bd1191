"""The Themes page on the hand-built data set (tests/hand_built.py): the charts carry the
numbers worked out by hand there, the heatmap model passes the model tester, a click lists
the assessments behind a bar without naming anyone, and the table exports."""

from __future__ import annotations

import datetime as dt

from hand_built import build
from PySide6.QtCore import QDate

from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.views.themes import ThemesView

NAMES = ("Fatima Khan", "Gwen Jones", "Sam Supervisor", "Sol Supervisor")


def _view(qtbot, world, actor=None) -> ThemesView:
    view = ThemesView(world.store, actor or world.ql)
    qtbot.addWidget(view)
    view.resize(1300, 900)
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.show()
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.date_from.setDate(QDate(2025, 1, 1))
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.date_to.setDate(QDate(2025, 12, 31))
    return view


def _values(chart_box) -> dict[str, list[float]]:
    series = chart_box.chart().series()[0]
    return {b.label(): [b.at(i) for i in range(b.count())] for b in series.barSets()}


def test_charts_show_the_hand_worked_numbers(qtbot, qtmodeltester, world) -> None:
    build(world)
    view = _view(qtbot, world)
    assert view.status.text() == "4 assessments in view"
    # Grades per standard, bottom to top: sgo, care plan, seen.
    grades = _values(view.grades)
    assert grades["O – Outstanding"] == [0, 0, 1]
    assert grades["G – Good"] == [1, 2, 2]
    assert grades["RI – Requires improvement to be good"] == [0, 1, 1]
    assert grades["I – Inadequate"] == [1, 1, 0]
    axis = view.grades.chart().axes()[0]
    assert "(4)" in axis.categories()[-1]  # "The child is seen and heard (4)": 4 graded
    # Quarters: Q3 has no assessment and is shown, marked as such.
    trend_axis = view.trend.chart().axes()[0]
    assert trend_axis.categories() == ["2025-Q1", "2025-Q2", "2025-Q3 (none)", "2025-Q4"]
    assert _values(view.trend)["G – Good"] == [1, 2, 0, 2]
    # The page counts overdue against the real today: A2's action (due 2025-06-01) and A3's
    # (due 2026-01-31) once that date has passed.
    overdue = sum(due < dt.date.today() for due in (dt.date(2025, 6, 1), dt.date(2026, 1, 31)))
    assert _values(view.actions_chart)["Actions"] == [2, 1, overdue]
    assert _values(view.development)["Graded below G"] == [1, 1, 2]  # seen, sgo, care-plan
    delay = _values(view.delay)
    assert delay["% allocated after more than 2 working days"] == [50.0, 100.0]
    assert delay["% public-law cases over 26 weeks"] == [50.0, 0.0]
    # Heatmap: a real model, every cell under five marked too few.
    qtmodeltester.check(view.heat_model)
    model = view.heat_model
    cells = {(model.headerData(r, _v()), model.headerData(c, _h(), 3)): model.data(
        model.index(r, c)) for r in range(model.rowCount()) for c in range(model.columnCount())}
    assert cells[("Newcastle 1", "The child is seen and heard")] == "too few (3)"
    assert cells[("Newcastle 2", "Special guardianship support")] == "none graded"
    # The tooltip does not give away what the cell hides (it said "2 of 3 at G or better").
    assert model.data(model.index(0, 0), 3).startswith(
        "Newcastle 1, The child is seen and heard: 3 graded, too few to read")
    assert "2 of 3" not in model.data(model.index(0, 0), 3)
    # C1 ran 175 days; C2 is still open, so it runs to the real today.
    weeks = (175 + (dt.date.today() - dt.date(2025, 1, 10)).days) / 7 / 2
    assert [view.delay_model.data(view.delay_model.index(0, c)) for c in range(7)] == [
        "Newcastle 1", "2", "1 of 2", "2.5", "2", "1 of 2", f"{weeks:.1f}"]


def _v():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Vertical


def _h():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def test_a_click_lists_the_assessments_behind_it_and_opens_one(qtbot, world) -> None:
    hb = build(world)
    view = _view(qtbot, world)
    series = view.grades.chart().series()[0]
    good = next(b for b in series.barSets() if b.label().startswith("G "))
    series.clicked.emit(2, good)  # top row: the child is seen, graded G
    qtbot.waitUntil(lambda: view.behind is not None, timeout=10_000)
    dialog = view.behind
    rows = dialog.model
    refs = sorted(rows.data(rows.index(r, 1)) for r in range(rows.rowCount()))
    assert refs == ["PL-2025-00011", "PR-2025-00013"]  # A2 and A5
    shown = {rows.data(rows.index(r, c)) for r in range(rows.rowCount())
             for c in range(rows.columnCount())}
    assert not shown & set(NAMES)  # no practitioner (or author) named
    with qtbot.waitSignal(view.openRequested) as opened:
        dialog.table.selectRow(0)
        dialog._open(dialog.table.currentIndex())
    assert opened.args[0] in (hb.a2, hb.a5)
    view.behind = None
    view._heat_activated(view.heat_model.index(0, 1))  # Newcastle 1, care plan
    qtbot.waitUntil(lambda: view.behind is not None, timeout=10_000)
    assert view.behind.model.rowCount() == 3  # A1, A2, A3


def test_supervisor_sees_their_team_and_export(qtbot, world, tmp_path) -> None:
    from openpyxl import load_workbook

    build(world)
    view = _view(qtbot, world, world.supervisor)
    assert view.status.text() == "3 assessments in view"
    assert view.heat_model.rowCount() == 1
    saved = []
    view.export_table_to(tmp_path / "themes.xlsx", saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=10_000)
    book = load_workbook(saved[0], read_only=True)
    rows = [tuple(c.value for c in r) for r in book["Themes"].iter_rows()]
    book.close()
    assert rows[0] == ("team", "standard", "graded", "at G or better", "share", "too_few")
    assert rows[1] == ("Newcastle 1", "The child is seen and heard", 3, None, None, 1)


def test_filters_narrow_the_view(qtbot, world) -> None:
    build(world)
    view = _view(qtbot, world)
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.law.setCurrentIndex(view.law.findData("private"))
    assert view.status.text() == "1 assessment in view"
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.date_to.setDate(QDate(2025, 3, 31))
    assert view.status.text() == "0 assessments in view"


def test_navigation_offers_themes_and_moderation_by_role(qtbot, world) -> None:
    from PySide6.QtGui import QAction

    def keys(actor, username):
        window = MainWindow(world.store, actor, username)
        qtbot.addWidget(window)
        draws = any(a.text() == "&Draw cases to audit…" for a in window.findChildren(QAction))
        return [window.nav.item(i).data(256) for i in range(window.nav.count())] + (
            ["draw-cases"] if draws else [])

    assert {"themes", "moderation", "draw-cases"} <= set(keys(world.ql, "ql"))
    sup = keys(world.supervisor, "sup")
    assert "themes" in sup and "draw-cases" in sup and "moderation" not in sup
    assert not {"themes", "moderation", "draw-cases"} & set(keys(world.fca, "fca"))


def test_every_bar_is_reached_from_the_keyboard(qtbot, qtmodeltester, world) -> None:
    """The table of bars lists each chart's bars with their counts (the hand-worked ones),
    and Enter on a row lists the same assessments as a click on that bar."""
    from PySide6.QtCore import Qt

    build(world)
    view = _view(qtbot, world)
    model = view.bars_model
    qtmodeltester.check(model)
    rows = {(model.data(model.index(r, 0)), model.data(model.index(r, 1))):
            model.data(model.index(r, 2)) for r in range(model.rowCount())}
    assert rows[("Grades per standard", "The child is seen and heard: G – Good")] == "2"
    assert rows[("Grades by quarter", "2025-Q3: G – Good")] == "0"
    assert rows[("Actions", "Open")] == "2"
    assert rows[("Delay by team", "Newcastle 2: % allocated after more than 2 working "
                 "days")] == "1 of 1"
    target = next(r for r in range(model.rowCount())
                  if model.data(model.index(r, 1)) == "The child is seen and heard: G – Good")
    view.bars_table.setFocus()
    view.bars_table.setCurrentIndex(model.index(target, 0))
    qtbot.keyClick(view.bars_table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.behind is not None, timeout=10_000)
    behind = view.behind.model
    refs = sorted(behind.data(behind.index(r, 1)) for r in range(behind.rowCount()))
    assert refs == ["PL-2025-00011", "PR-2025-00013"]  # A2 and A5, as the click test finds
    assert view.bars_table.focusPolicy() != Qt.FocusPolicy.NoFocus


def test_the_view_exports_as_the_team_summary_with_its_filters(qtbot, world, tmp_path) -> None:
    import re

    from pypdf import PdfReader

    build(world)
    view = _view(qtbot, world)
    with qtbot.waitSignal(view.ready, timeout=20_000):
        view.team.setCurrentIndex(view.team.findText("Newcastle 1"))
    saved = []
    view.export_summary_to(tmp_path / "summary.pdf", saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=20_000)
    flat = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(saved[0]).pages))
    assert "Team:Newcastle1" in flat and "Newcastle2" not in flat
    assert "toofew(3)" in flat and "Delaybyteam" in flat
    assert not any(name.replace(" ", "") in flat for name in NAMES)
