from __future__ import annotations

import pytest

from qa_audit.errors import PermissionDenied
from qa_audit.services.themes import grade_distribution


def test_distribution_counts_submitted_work_by_quarter(world) -> None:
    aid = world.finalised_audit()
    world.new_audit()  # a draft: not counted
    dist = grade_distribution(world.store, world.ql, "mini-standards")
    counts = {(c.standard_id, c.grade): c.count for c in dist.counts}
    assert counts == {("seen", "G"): 1, ("care-plan", "RI"): 1, ("sgo", "N/A"): 1}
    import datetime as dt

    today = dt.date.today()
    assert {c.quarter for c in dist.counts} == {f"{today.year}-Q{(today.month + 2) // 3}"}
    shares = dist.shares()
    assert all(abs(sum(v.values()) - 1.0) < 1e-9 for v in shares.values())
    assert not any(key[0] == "sgo" for key in shares)  # N/A only: no share
    assert aid


def test_fca_cannot_read_themes(world) -> None:
    with pytest.raises(PermissionDenied):
        grade_distribution(world.store, world.fca, "mini-standards")


# -- the dashboard on the hand-built data set (tests/hand_built.py) ---------------
import csv  # noqa: E402
import datetime as dt  # noqa: E402

from hand_built import TODAY, build  # noqa: E402

from qa_audit.domain.framework import AssessmentKind  # noqa: E402
from qa_audit.domain.timescales import working_days_between  # noqa: E402
from qa_audit.errors import InvalidInput  # noqa: E402
from qa_audit.services import themes  # noqa: E402
from qa_audit.services.themes import Element, Pick, ThemeFilter  # noqa: E402

YEAR = ThemeFilter("mini-standards", date_from=dt.date(2025, 1, 1),
                   date_to=dt.date(2025, 12, 31))


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_dashboard_numbers_by_hand(world, monkeypatch, parts) -> None:
    """The same hand-worked numbers whether the grade counts are read on one connection or
    split by id into parts read side by side (as over many assessments)."""
    if parts > 1:
        monkeypatch.setattr(themes, "PARALLEL_FROM", 1)
        monkeypatch.setattr(themes, "PARTS", parts)
    hb = build(world)
    board = themes.dashboard(world.store, world.ql, YEAR, today=TODAY)
    assert board.assessments == 4  # A1, A2, A3, A5 (A4 is a draft)
    assert board.good_codes == ("O", "G")
    counts = {s.id: s.counts for s in board.standards}
    assert counts == {"seen": {"O": 1, "G": 2, "RI": 1},
                      "care-plan": {"G": 2, "RI": 1, "I": 1},
                      "sgo": {"N/A": 2, "I": 1, "G": 1}}
    t1, t2 = world.team_id, world.team2_id
    cells = {(c.team_id, c.standard_id): (c.good, c.graded, c.too_few) for c in board.cells}
    assert cells == {(t1, "seen"): (2, 3, True), (t1, "care-plan"): (1, 3, True),
                     (t1, "sgo"): (1, 2, True), (t2, "seen"): (1, 1, True),
                     (t2, "care-plan"): (1, 1, True)}
    assert board.quarters == (("2025-Q1", {"O": 1, "G": 1}),
                              ("2025-Q2", {"G": 2, "RI": 2, "I": 2}),
                              ("2025-Q3", {}),  # no assessment: shown empty, not skipped
                              ("2025-Q4", {"G": 2}))
    assert [(d.standard_id, d.below, d.graded) for d in board.development] == [
        ("care-plan", 2, 4), ("sgo", 1, 2), ("seen", 1, 4)]
    assert board.actions == themes.ActionTally(open=2, done=1, overdue=1)
    assert board.benchmark_days == 2
    delay = {d.team_id: d for d in board.delay}
    assert delay[t1] == themes.TeamDelay(t1, cases=2, allocated=2, allocated_late=1,
                                         allocation_days_total=5, public_cases=2,
                                         over_timescale=1, duration_days_total=175 + 355)
    assert delay[t1].mean_allocation_days == 2.5
    assert abs(delay[t1].mean_duration_weeks - 530 / 14) < 1e-9
    assert delay[t2] == themes.TeamDelay(t2, 1, 1, 1, 5, 0, 0, 0)
    assert board.teams == {t1: "Newcastle 1", t2: "Newcastle 2"}
    assert hb.a4


def test_supervisor_sees_only_their_team(world) -> None:
    build(world)
    board = themes.dashboard(world.store, world.supervisor, YEAR, today=TODAY)
    assert board.assessments == 3
    assert {c.team_id for c in board.cells} == {world.team_id}
    assert {d.team_id for d in board.delay} == {world.team_id}
    assert board.actions == themes.ActionTally(open=2, done=1, overdue=1)


def test_filters(world) -> None:
    hb = build(world)
    store, ql = world.store, world.ql

    def count(**kw) -> int:
        f = ThemeFilter("mini-standards", **kw)
        return themes.dashboard(store, ql, f, today=TODAY).assessments

    assert count(law_type="private") == 1
    assert count(case_type="care_order") == 2
    assert count(team_id=world.team2_id) == 1
    assert count(kind=AssessmentKind.PRACTICE_OBSERVATION) == 0
    assert count(date_from=dt.date(2025, 5, 1), date_to=dt.date(2025, 5, 31)) == 2
    assert count(version="1") == 4
    area = themes.dashboard(store, ql, YEAR, today=TODAY)
    assert area.assessments == 4
    assert count(region_id=world.ql.region_id) == 4
    with pytest.raises(InvalidInput):
        count(date_from=dt.date(2025, 6, 1), date_to=dt.date(2025, 5, 1))
    # The other region's quality lead sees none of it.
    assert themes.dashboard(store, world.other_ql, YEAR, today=TODAY).assessments == 0
    assert hb


def test_click_through_lists_the_assessments_behind_each_element(world) -> None:
    hb = build(world)

    def behind(pick: Pick) -> set:
        return set(themes.assessment_ids_behind(world.store, world.ql, YEAR, pick,
                                                today=TODAY))

    assert behind(Pick(Element.GRADE, standard_id="seen", grade="G")) == {hb.a2, hb.a5}
    assert behind(Pick(Element.CELL, standard_id="seen", team_id=world.team_id)) == {
        hb.a1, hb.a2}
    assert behind(Pick(Element.CELL_ALL, standard_id="sgo", team_id=world.team_id)) == {
        hb.a2, hb.a3}
    assert behind(Pick(Element.QUARTER, quarter="2025-Q2", grade="I")) == {hb.a2, hb.a3}
    assert behind(Pick(Element.QUARTER, quarter="2025-Q3", grade="G")) == set()
    assert behind(Pick(Element.DEVELOPMENT, standard_id="care-plan")) == {hb.a2, hb.a3}
    assert behind(Pick(Element.ACTIONS_OPEN)) == {hb.a2, hb.a3}
    assert behind(Pick(Element.ACTIONS_DONE)) == {hb.a1}
    assert behind(Pick(Element.ACTIONS_OVERDUE)) == {hb.a2}
    assert behind(Pick(Element.ALLOCATED_LATE, team_id=world.team2_id)) == {hb.a5}
    assert behind(Pick(Element.ALLOCATED_LATE, team_id=world.team_id)) == {hb.a3}
    assert behind(Pick(Element.OVER_TIMESCALE)) == {hb.a3}


def test_themes_table_by_team_and_standard(world) -> None:
    build(world)
    header, rows = themes.themes_table(world.store, world.ql, YEAR, ("team", "standard"))
    assert header == ["team", "standard", "graded", "at G or better", "share", "too_few"]
    # Every cell has fewer than 5 graded: the number graded shows (as the Themes view's
    # "too few (n)"), the number at G or better and its share do not.
    assert rows == [
        ("Newcastle 1", "The child is seen and heard", 3, "", "", 1),
        ("Newcastle 1", "The care plan is analysed", 3, "", "", 1),
        ("Newcastle 1", "Special guardianship support", 2, "", "", 1),
        ("Newcastle 2", "The child is seen and heard", 1, "", "", 1),
        ("Newcastle 2", "The care plan is analysed", 1, "", "", 1),
    ]
    with pytest.raises(InvalidInput):
        themes.themes_table(world.store, world.ql, YEAR, ("practitioner",))


def test_working_days_in_sql_match_the_domain(world) -> None:
    """The SQL twin of working_days_between, over every pair of days in five weeks."""
    from sqlalchemy import literal, select

    start = dt.date(2024, 12, 23)
    days = [start + dt.timedelta(days=i) for i in range(35)]
    with world.store.reading() as session:
        for a in days[::3]:
            for b in days:
                expr = themes.working_days_sql(world.store, literal(a), literal(b))
                assert session.execute(select(expr)).scalar() == working_days_between(a, b)


def test_allocation_benchmark_is_a_setting(world) -> None:
    build(world)
    with pytest.raises(PermissionDenied):
        themes.set_allocation_benchmark(world.store, world.ql, 5)
    with pytest.raises(InvalidInput):
        themes.set_allocation_benchmark(world.store, world.admin, -1)
    themes.set_allocation_benchmark(world.store, world.admin, 4)
    board = themes.dashboard(world.store, world.ql, YEAR, today=TODAY)
    # C2 (3 days) is now on time; C3 (5 days) still late.
    assert {d.team_id: d.allocated_late for d in board.delay} == {
        world.team_id: 0, world.team2_id: 1}


def test_themes_xlsx_and_csv(world, tmp_path) -> None:
    from openpyxl import load_workbook

    build(world)
    out = themes.export_table(world.store, world.ql, YEAR, ("standard",), tmp_path / "t.csv")
    with out.open(encoding="utf-8-sig") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["standard", "graded", "at G or better", "share", "too_few"]
    # seen: 3 at G or better of 4 graded: too few to read.
    assert got[1] == ["The child is seen and heard", "4", "", "", "1"]
    xlsx = themes.export_table(world.store, world.ql, YEAR, ("standard",),
                               tmp_path / "t.xlsx")
    book = load_workbook(xlsx, read_only=True)
    sheet = book["Themes"]
    rows = [tuple(c.value for c in r) for r in sheet.iter_rows()]
    assert rows[1] == ("The child is seen and heard", 4, None, None, 1)
    book.close()


def test_id_parts_cover_every_id_once() -> None:
    """The id ranges the grade counts are split by cover the whole UUID space, each id in
    exactly one part (checked on the edges of the ranges)."""
    import uuid

    from sqlalchemy import select
    from sqlmodel import Session, SQLModel, col, create_engine

    from qa_audit.store.tables import Assessment

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[Assessment.__table__])  # type: ignore[list-item]
    edges = [uuid.UUID(int=0), uuid.UUID(int=2**127 - 1), uuid.UUID(int=2**127),
             uuid.UUID(int=2**128 // 3), uuid.UUID(int=2**128 - 1),
             uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")]
    with Session(engine) as session:
        for i, aid in enumerate(edges):
            session.add(Assessment(id=aid, kind="case_audit",
                                   framework_version_id=uuid.UUID(int=1),
                                   subject_id=uuid.UUID(int=2), author_id=uuid.UUID(int=3),
                                   assessed_on=dt.date(2025, 1, 1 + i)))
        session.commit()
        for parts in (2, 3):
            found = [set(session.execute(select(col(Assessment.id)).where(part)).scalars())
                     for part in themes._id_parts(parts)]
            assert sum(map(len, found)) == len(edges)  # no id in two parts
            assert set().union(*found) == set(edges)
        assert set(session.execute(select(col(Assessment.id)).where(
            themes._id_parts(2)[0])).scalars()) == {edges[0], edges[1], edges[3]}  # below 8000…
