"""The assessments list's Team filter (tests/hand_built.py's data set): a quality lead
narrows her region's list to one team, in SQL; only teams she may see are offered, and
nobody who sees a single team (a supervisor) or none (a practitioner) is offered one."""

from __future__ import annotations

from hand_built import build

from qa_audit.services.listing import AssessmentQuery
from qa_audit.ui.models import AssessmentColumn
from qa_audit.ui.views.assessments import AssessmentListView


def _view(qtbot, world, actor) -> AssessmentListView:
    view = AssessmentListView(world.store, actor, "Region assessments", AssessmentQuery())
    qtbot.addWidget(view)
    view.show()
    return view


def _cases(view: AssessmentListView) -> list[str]:
    m = view.model
    return sorted(m.data(m.index(r, AssessmentColumn.CASE)) for r in range(m.rowCount()))


def test_a_quality_lead_narrows_her_region_to_one_team(qtbot, qtmodeltester, world) -> None:
    build(world)
    view = _view(qtbot, world, world.ql)
    team = view.team
    assert team.isVisible()
    # her region's two teams, not the south's Brighton
    assert [team.itemText(i) for i in range(team.count())] == ["Any", "Newcastle 1",
                                                               "Newcastle 2"]
    # the region, drafts left out: A1, A2, A3 (Newcastle 1) and A5 (Newcastle 2)
    assert view.count_label.text() == "4 assessments"
    team.setCurrentIndex(team.findText("Newcastle 1"))
    assert view.current_query().team_id == world.team_id
    assert view.count_label.text() == "3 assessments"
    assert _cases(view) == ["PL-2025-00011", "PL-2025-00011", "PL-2025-00012"]
    qtmodeltester.check(view.model)
    team.setCurrentIndex(team.findText("Newcastle 2"))
    assert view.count_label.text() == "1 assessment"
    assert _cases(view) == ["PR-2025-00013"]
    # with the status filter too: Newcastle 1's one submitted audit (A3)
    team.setCurrentIndex(team.findText("Newcastle 1"))
    view.status.setCurrentIndex(view.status.findData("submitted"))
    assert _cases(view) == ["PL-2025-00012"]
    team.setCurrentIndex(0)
    assert view.current_query().team_id is None
    assert _cases(view) == ["PL-2025-00012"]  # A3 is the region's only submitted one


def test_no_team_filter_for_one_team_or_none(qtbot, world) -> None:
    build(world)
    for actor in (world.supervisor, world.fca):
        view = _view(qtbot, world, actor)
        assert not view.team.isVisible()
        assert view.current_query().team_id is None
