"""Moderation: sampling, blind re-scoring, comparison, outcome and agreement.

Expected figures are worked out by hand from tests/hand_built.py; kappa is
checked against published worked examples and against scikit-learn.
"""

from __future__ import annotations

import json
import uuid
from fractions import Fraction

import pytest
from hand_built import build
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_audit.domain.agreement import agreement, quadratic_kappa
from qa_audit.domain.workflow import Status
from qa_audit.errors import InvalidInput, PermissionDenied, ReadOnly
from qa_audit.services import assessments, moderation
from qa_audit.services.moderation import Candidate, Outcome, SampleRules, Stage, pick_sample

# -- kappa ----------------------------------------------------------------------------------


def test_kappa_published_examples() -> None:
    # Maple's EssayTools[QuadraticWeightedKappa] help page, examples 1 and 2 (scores 1..10,
    # range taken from the data): 0.758620689655172 and 0.438095238095238.
    a = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    b = [8, 8, 6, 6, 7, 6, 1, 4, 8]
    c = [3, 5, 6, 6, 7, 6, 1, 4, 8]
    low = 1
    assert quadratic_kappa([x - low for x in a], [x - low for x in b], 10) == pytest.approx(
        0.758620689655172, abs=1e-12)
    assert quadratic_kappa([x - low for x in a], [x - low for x in c], 10) == pytest.approx(
        0.438095238095238, abs=1e-12)
    # Two categories: weighted kappa is Cohen's kappa. The textbook 50-item example
    # (yes/yes 20, yes/no 5, no/yes 10, no/no 15) gives 0.4.
    first = [0] * 25 + [1] * 25
    second = [0] * 20 + [1] * 5 + [0] * 10 + [1] * 15
    assert quadratic_kappa(first, second, 2) == pytest.approx(0.4, abs=1e-12)


def test_kappa_by_hand_and_undefined_cases() -> None:
    # positions 0..3; pairs (0,1), (1,1), (1,0): observed sum of squares 2, expected 4/3.
    assert quadratic_kappa([0, 1, 1], [1, 1, 0], 4) == pytest.approx(-0.5)
    assert quadratic_kappa([], [], 4) is None
    assert quadratic_kappa([2, 2], [2, 2], 4) is None  # one category: chance explains all
    with pytest.raises(ValueError):
        quadratic_kappa([0], [4], 4)
    with pytest.raises(ValueError):
        quadratic_kappa([0, 1], [0], 4)
    result = agreement([0, 1, 2, 3], [0, 2, 0, 3], 4)
    assert (result.pairs, result.exact, result.within_one) == (4, 2, 3)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 6).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)),
                         min_size=1, max_size=40))))
def test_kappa_matches_scikit_learn(case) -> None:
    from sklearn.metrics import cohen_kappa_score

    k, pairs = case
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    ours = quadratic_kappa(first, second, k)
    if ours is None:
        return  # sklearn divides by zero here (and warns); we say "not defined"
    theirs = cohen_kappa_score(first, second, labels=list(range(k)), weights="quadratic")
    assert ours == pytest.approx(theirs, abs=1e-9)


# -- drawing a sample ------------------------------------------------------------------------


def _candidates() -> list[Candidate]:
    team_a, team_b = uuid.UUID(int=1), uuid.UUID(int=2)
    sup_x, sup_y, sup_z = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=12)
    out = [Candidate(uuid.UUID(int=100 + i), team_a, "2025-Q1", sup_x) for i in range(19)]
    out.append(Candidate(uuid.UUID(int=200), team_a, "2025-Q1", sup_y))
    out += [Candidate(uuid.UUID(int=300 + i), team_b, "2025-Q2", sup_z) for i in range(5)]
    return out


def test_sample_size_per_team_and_quarter_and_one_per_supervisor() -> None:
    cands = _candidates()
    picked = pick_sample(cands, 10, False, seed=7)
    # team A Q1: 20 audits -> 10% = 2; team B Q2: 5 audits -> 0.5, rounded up to 1.
    by_group = [c for c in cands if c.id in set(picked)]
    assert sum(c.team_id == uuid.UUID(int=1) for c in by_group) == 2
    assert sum(c.team_id == uuid.UUID(int=2) for c in by_group) == 1
    with_sup = pick_sample(cands, 10, True, seed=7)
    authors = {c.author_id for c in cands if c.id in set(with_sup)}
    assert authors == {uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=12)}
    assert len(with_sup) in (3, 4)  # 4 unless sup_y's one audit was among the two drawn


def test_sample_is_reproducible_from_its_seed() -> None:
    cands = _candidates()
    assert pick_sample(cands, 30, True, 12345) == pick_sample(list(reversed(cands)), 30,
                                                              True, 12345)
    draws = {tuple(pick_sample(cands, 10, False, seed)) for seed in range(30)}
    assert len(draws) > 5  # the seed matters


def test_draw_records_its_seed_and_rules(world) -> None:
    hb = build(world)
    result = moderation.draw_sample(world.store, world.ql, SampleRules(percent=10), seed=99)
    # Eligible: responded or finalised case audits in the region: A1, A2, A5. Each is alone
    # in its team and quarter, so each is drawn.
    assert result.seed == 99 and result.eligible == 3
    assert set(result.picked) == {hb.a1, hb.a2, hb.a5}
    from qa_audit.store.tables import SampleDraw

    with world.store.reading() as session:
        draw = session.get(SampleDraw, result.draw_id)
        assert draw.seed == 99 and json.loads(draw.rules)["percent"] == 10
        assert set(json.loads(draw.picked)) == {str(hb.a1), str(hb.a2), str(hb.a5)}
    # A2 waited for finalisation: it is now held in moderation; finalised ones stay so.
    assert _status(world, hb.a2) is Status.MODERATION
    assert _status(world, hb.a1) is Status.FINALISED
    # Drawn audits are not drawn again.
    again = moderation.draw_sample(world.store, world.ql, SampleRules(percent=100), seed=1)
    assert again.picked == ()
    with pytest.raises(PermissionDenied):
        moderation.draw_sample(world.store, world.supervisor, SampleRules())
    with pytest.raises(InvalidInput):
        moderation.draw_sample(world.store, world.ql, SampleRules(percent=0))


def _status(world, aid) -> Status:
    return assessments.get_assessment(world.store, world.supervisor, aid).status


# -- blind scoring, comparison, outcome, agreement -------------------------------------------
MODERATED = {  # the moderator's grades (see hand_built.py for the originals)
    "a1": {"seen": "G", "care-plan": "G", "sgo": "N/A"},  # orig O, G, N/A
    "a2": {"seen": "G", "care-plan": "I", "sgo": "I"},  # orig G, RI, I
    "a5": {"seen": "O", "care-plan": "G", "sgo": "N/A"},  # orig G, G, N/A
}


def _moderations(world) -> dict:
    return {m.assessment_id: m.id for m in moderation.list_moderations(world.store, world.ql)}


def _score(world, hb, mid_of) -> None:
    for key, grades in MODERATED.items():
        for sid, grade in grades.items():
            moderation.save_grade(world.store, world.ql, mid_of[getattr(hb, key)], sid, grade)


def test_blind_scoring_submit_compare_and_outcome(world) -> None:
    hb = build(world)
    moderation.draw_sample(world.store, world.ql, SampleRules(), seed=3)
    mids = _moderations(world)
    mid = mids[hb.a2]
    with pytest.raises(PermissionDenied, match="hidden"):
        moderation.compare(world.store, world.ql, mid)
    with pytest.raises(PermissionDenied):  # another quality lead's moderation
        moderation.save_grade(world.store, world.other_ql, mid, "seen", "G")
    with pytest.raises(InvalidInput):
        moderation.save_grade(world.store, world.ql, mid, "seen", "X")
    with pytest.raises(InvalidInput):
        moderation.save_grade(world.store, world.ql, mid, "no-such-standard", "G")
    moderation.save_grade(world.store, world.ql, mid, "seen", "G")
    with pytest.raises(InvalidInput, match="required"):
        moderation.submit(world.store, world.ql, mid)  # care plan not graded yet
    _score(world, hb, mids)
    with pytest.raises(InvalidInput, match="Submit"):
        moderation.record_outcome(world.store, world.ql, mid, Outcome.CONFIRMED, "")
    comparison = moderation.submit(world.store, world.ql, mid)
    assert [(p.standard_id, p.original, p.moderated, p.differs) for p in comparison.pairs] == [
        ("seen", "G", "G", False), ("care-plan", "RI", "I", True), ("sgo", "I", "I", False)]
    # orig G3 RI2 I1: mean 2 -> RI; moderated G3 I1 I1: mean 1.67 -> RI (nearest)
    assert (comparison.original_overall, comparison.moderated_overall) == ("RI", "RI")
    assert (comparison.agreement.pairs, comparison.agreement.exact) == (3, 2)
    with pytest.raises(ReadOnly):
        moderation.save_grade(world.store, world.ql, mid, "seen", "O")
    with pytest.raises(InvalidInput, match="note"):
        moderation.record_outcome(world.store, world.ql, mid, Outcome.CHANGED, "  ")
    moderation.record_outcome(world.store, world.ql, mid, Outcome.CHANGED,
                              "Care plan analysis thinner than graded; discussed with Sam")
    assert _status(world, hb.a2) is Status.RESPONDED  # out of moderation: can be finalised
    assessments.finalise(world.store, world.supervisor, hb.a2)
    with pytest.raises(ReadOnly):
        moderation.record_outcome(world.store, world.ql, mid, Outcome.CONFIRMED, "")
    # A finalised audit's outcome is added to it as an addendum by the moderator.
    mid1 = mids[hb.a1]
    moderation.submit(world.store, world.ql, mid1)
    moderation.record_outcome(world.store, world.ql, mid1, Outcome.CHANGED,
                              "The child's words are recorded but not weighed")
    addenda = assessments.get_assessment(world.store, world.supervisor, hb.a1).addenda
    assert [(a.author_name, a.text) for a in addenda] == [
        ("Quinn Lead", "Moderation: judgement changed. The child's words are recorded but "
                       "not weighed")]
    assert assessments.get_assessment(world.store, world.supervisor, hb.a2).addenda == ()
    items = {i.assessment_id: i for i in moderation.list_moderations(world.store, world.ql)}
    assert items[hb.a2].stage is Stage.DECIDED and items[hb.a2].outcome == "changed"
    assert items[hb.a1].stage is Stage.DECIDED and items[hb.a5].stage is Stage.TO_SCORE


def test_agreement_report_by_hand(world) -> None:
    hb = build(world)
    moderation.draw_sample(world.store, world.ql, SampleRules(), seed=3)
    mids = _moderations(world)
    _score(world, hb, mids)
    for mid in mids.values():
        moderation.submit(world.store, world.ql, mid)
    report = moderation.agreement_report(world.store, world.ql)
    assert report.moderations == 3
    rows = {r.what: r.agreement for r in report.rows}
    # Positions O0 G1 RI2 I3. seen: (0,1) (1,1) (1,0); care-plan: (1,1) (2,3) (1,1);
    # sgo: (3,3) only (N/A pairs left out).
    seen, plan, sgo = (rows["The child is seen and heard"], rows["The care plan is analysed"],
                       rows["Special guardianship support"])
    assert (seen.pairs, seen.exact, seen.within_one) == (3, 1, 3)
    assert seen.kappa == pytest.approx(-0.5)  # 1 - 2 / (4/3)
    assert (plan.pairs, plan.exact, plan.within_one) == (3, 2, 3)
    assert plan.kappa == pytest.approx(float(Fraction(8, 11)))  # 1 - 1 / (11/3)
    assert (sgo.pairs, sgo.exact, sgo.kappa) == (1, 1, None)
    pooled = rows[moderation.ALL_STANDARDS]
    assert (pooled.pairs, pooled.exact, pooled.within_one) == (7, 4, 7)
    assert pooled.kappa == pytest.approx(float(Fraction(24, 31)))  # 1 - 3 / (93/7)
    # Overall: A1 G/G (3.5 ties to the worse, G), A2 RI/RI, A5 G/G (O capped? no: 3.5 -> G).
    overall = rows[moderation.OVERALL]
    assert (overall.pairs, overall.exact, overall.kappa) == (3, 3, pytest.approx(1.0))
    assert sorted((d.case_reference, d.standard, d.original, d.moderated)
                  for d in report.disagreements) == [
        ("PL-2025-00011", "The care plan is analysed", "RI", "I"),
        ("PL-2025-00011", "The child is seen and heard", "O", "G"),
        ("PR-2025-00013", "The child is seen and heard", "G", "O")]
    header, table = moderation.agreement_table(report)
    assert header[:3] == ["framework", "standard", "pairs"]
    assert ("Mini standards for tests", "All standards", 7, 4, 0.5714, 7, 1.0, 0.7742) in table
    # Supervisors do not moderate.
    with pytest.raises(PermissionDenied):
        moderation.agreement_report(world.store, world.supervisor)
    # The other region sees none of these.
    assert moderation.agreement_report(world.store, world.other_ql).moderations == 0
