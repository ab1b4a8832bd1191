"""The editor's rules, without any widget."""

from __future__ import annotations

from qa_audit.domain.framework import NOT_APPLICABLE
from qa_audit.domain.loader import parse_framework
from qa_audit.domain.scoring import MissingKind
from qa_audit.services import assessments, frameworks
from qa_audit.ui.editor.state import EditorState, StandardState

FIVE_GRADES = """
schema: qa-audit/framework@1
id: five
version: "1"
title: Five grades
applies_to: [practice_observation]
law_type: any
scale:
  grades:
    - {code: A, label: Excellent, score: 5}
    - {code: B, label: Strong, score: 4}
    - {code: C, label: Adequate, score: 3}
    - {code: D, label: Weak, score: 2}
    - {code: E, label: Poor, score: 1}
  not_applicable: {allowed: false}
areas:
  - id: a
    title: A
    standards:
      - {id: s1, title: One, evidence_required_below: C}
      - {id: s2, title: Two}
"""


def _state(world):
    aid = world.new_audit()
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    fw = frameworks.get_framework(world.store, detail.framework_version_id)
    return EditorState(detail, fw, world.supervisor)


def test_navigation_and_keys(world) -> None:
    state = _state(world)
    assert state.standard.id == "seen"
    assert state.next().id == "care-plan"
    assert state.next().id == "sgo"
    assert state.next().id == "sgo"  # stays on the last
    assert state.previous().id == "care-plan"
    assert [(k, c) for k, c, _ in state.key_grades()] == [
        ("1", "O"), ("2", "G"), ("3", "RI"), ("4", "I"), ("N", NOT_APPLICABLE)]
    assert state.grade_for_key("n") == NOT_APPLICABLE
    assert state.grade_for_key("5") is None


def test_keys_follow_any_scale(world) -> None:
    fw = parse_framework(FIVE_GRADES, "five.yaml")
    info = frameworks.import_framework(world.store, world.admin, fw).version
    from qa_audit.domain.framework import AssessmentKind

    aid = assessments.create_assessment(world.store, world.supervisor,
                                        AssessmentKind.PRACTICE_OBSERVATION, info.id,
                                        world.fca.user_id)
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    state = EditorState(detail, fw, world.supervisor)
    assert [c for _, c, _ in state.key_grades()] == ["A", "B", "C", "D", "E"]  # no N/A
    assert state.grade_for_key("N") is None
    state.set_rating("s1", "grade", "D")
    assert state.state_of(fw.standard("s1")) is StandardState.NEEDS_EVIDENCE
    assert state.state_text(fw.standard("s1")) == "! Evidence needed"
    state.set_rating("s1", "evidence", "Seen in the notes")
    assert state.state_text(fw.standard("s1")) == "✓ Weak"


def test_missing_and_pending(world) -> None:
    state = _state(world)
    kinds = [(m.kind, m.target) for m in state.missing()]
    assert kinds == [(MissingKind.CONTEXT, "setting"), (MissingKind.UNRATED, "seen"),
                     (MissingKind.UNRATED, "care-plan")]
    state.set_rating("seen", "grade", "G")
    state.set_context("setting", "Court")
    state.set_rating("care-plan", "grade", "I")
    assert [m.kind for m in state.missing()] == [MissingKind.EVIDENCE]
    assert state.dirty
    taken = state.take_pending()
    assert len(taken) == 3 and not state.dirty
    state.set_rating("seen", "grade", "O")
    state.restore_pending(taken)  # a failed save comes back; the newer edit wins
    assert state.pending[next(p for p in state.pending if p.key == "seen")] == "O"


def test_who_may_do_what(world) -> None:
    """The editor takes what each person may do from the service's answer for them."""
    state = _state(world)
    assert state.can_edit and not state.can_respond and not state.can_finalise
    aid = state.detail.id
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)

    def for_(actor):
        return EditorState(assessments.get_assessment(world.store, actor, aid),
                           state.framework, actor)

    fca_state, sup_state = for_(world.fca), for_(world.supervisor)
    assert fca_state.can_respond and not fca_state.can_edit and not fca_state.can_finalise
    assert not sup_state.can_edit and not sup_state.can_respond and not sup_state.can_finalise
    assessments.respond(world.store, world.fca, aid, "Reflected", assessments.Agreement.AGREE)
    assert for_(world.supervisor).can_finalise and not for_(world.fca).can_respond
