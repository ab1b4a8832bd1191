"""Case sampling for audits, on the hand-built cases (tests/hand_built.py):

  C1 PL-2025-00011 team 1, care order, allocated on time, concluded after 175 days
  C2 PL-2025-00012 team 1, supervision order, allocated late, open 355 days (over 26 weeks)
  C3 PR-2025-00013 team 2, child arrangements (private), allocated late
  C0 PL-2024-00001 team 1, care order, no dates and no FCA (the world fixture's case)
Audited since 2025-06-28: only C3 (A5, 2025-11-01). Today is 2025-12-31.
"""

from __future__ import annotations

import json

import pytest
from hand_built import TODAY, build

from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, PermissionDenied
from qa_audit.services import assessments, sampling
from qa_audit.services.sampling import CaseSampleRules
from qa_audit.store.tables import SampleDraw


def _refs(world, rules: CaseSampleRules, actor=None) -> set[str]:
    return {c.reference for c in sampling.eligible_cases(world.store, actor or world.ql, rules,
                                                         TODAY)}


def test_rules_pick_the_cases_worked_out_by_hand(world) -> None:
    build(world)
    fv = world.framework_version_id
    assert _refs(world, CaseSampleRules(fv)) == {"PL-2024-00001", "PL-2025-00011",
                                                 "PL-2025-00012", "PR-2025-00013"}
    assert _refs(world, CaseSampleRules(fv, past_timescale=True)) == {"PL-2025-00012"}
    assert _refs(world, CaseSampleRules(fv, allocated_late=True)) == {"PL-2025-00012",
                                                                      "PR-2025-00013"}
    assert _refs(world, CaseSampleRules(fv, case_type="care_order")) == {"PL-2024-00001",
                                                                         "PL-2025-00011"}
    assert _refs(world, CaseSampleRules(fv, not_audited_months=6)) == {
        "PL-2024-00001", "PL-2025-00011", "PL-2025-00012"}
    assert _refs(world, CaseSampleRules(fv, allocated_late=True, team_id=world.team_id)) == {
        "PL-2025-00012"}
    # A supervisor draws from their own team only.
    assert _refs(world, CaseSampleRules(fv), world.supervisor) == {
        "PL-2024-00001", "PL-2025-00011", "PL-2025-00012"}
    assert _refs(world, CaseSampleRules(fv), world.other_ql) == set()


def test_draw_creates_draft_audits_for_the_teams_supervisors(world) -> None:
    hb = build(world)
    rules = CaseSampleRules(world.framework_version_id, per_team=5)
    result = sampling.draw_cases(world.store, world.ql, rules, seed=42, today=TODAY)
    assert result.eligible == 4 and len(result.picked) == 4
    assert result.skipped == ("PL-2024-00001: no FCA allocated",)
    assert len(result.created) == 3
    by_case = {}
    for aid in result.created:
        reader = (world.supervisor if _team_of(world, aid) == world.team_id
                  else world.supervisor2)
        detail = assessments.get_assessment(world.store, reader, aid)
        by_case[detail.case_reference] = (detail.status, detail.author_id, detail.subject_id,
                                          detail.assessed_on)
    assert by_case == {
        "PL-2025-00011": (Status.DRAFT, world.supervisor.user_id, world.fca.user_id, TODAY),
        "PL-2025-00012": (Status.DRAFT, world.supervisor.user_id, world.fca.user_id, TODAY),
        "PR-2025-00013": (Status.DRAFT, world.supervisor2.user_id, world.fca2.user_id, TODAY),
    }
    with world.store.reading() as session:
        draw = session.get(SampleDraw, result.draw_id)
        assert (draw.kind, draw.seed) == ("case_audit", 42)
        assert json.loads(draw.rules)["per_team"] == 5
        assert len(json.loads(draw.picked)) == 4
    assert hb


def _team_of(world, aid):
    from qa_audit.store.tables import Assessment

    with world.store.reading() as session:
        return session.get(Assessment, aid).team_id


def test_draw_is_reproducible_from_its_seed(world) -> None:
    build(world)
    rules = CaseSampleRules(world.framework_version_id, per_team=1)
    cases = sampling.eligible_cases(world.store, world.ql, rules, TODAY)
    first = sampling.pick_cases(cases, 1, 2024)
    assert first == sampling.pick_cases(list(reversed(cases)), 1, 2024)
    assert len(first) == 2  # one per team
    picks = {tuple(c.reference for c in sampling.pick_cases(cases, 1, s)) for s in range(40)}
    assert len(picks) == 3  # team 1 has three cases to choose from, team 2 one


def test_bad_rules_and_roles_are_refused(world) -> None:
    build(world)
    fv = world.framework_version_id
    with pytest.raises(PermissionDenied):
        sampling.draw_cases(world.store, world.fca, CaseSampleRules(fv))
    with pytest.raises(PermissionDenied):
        sampling.draw_cases(world.store, world.admin, CaseSampleRules(fv))
    for bad in (CaseSampleRules(fv, per_team=0), CaseSampleRules(fv, case_type="adoption 🙂"),
                CaseSampleRules(fv, not_audited_months=0)):
        with pytest.raises(InvalidInput):
            sampling.draw_cases(world.store, world.ql, bad)
    with pytest.raises(InvalidInput):
        sampling.draw_cases(world.store, world.ql, CaseSampleRules(fv), seed=-1)
