"""The Moderation page: blind scoring form, submit, comparison, outcome, agreement, and the
two draw dialogs (hand-built data: tests/hand_built.py)."""

from __future__ import annotations

import csv

from hand_built import build

from qa_audit.domain.workflow import Status
from qa_audit.services import assessments, moderation
from qa_audit.services.moderation import SampleRules, Stage
from qa_audit.ui.views.moderation import UNGRADED, DrawCasesDialog, DrawSampleDialog, ModerationView

A2_MINE = {"seen": "G", "care-plan": "I", "sgo": "I"}  # originals G, RI, I


def _view(qtbot, world) -> ModerationView:
    view = ModerationView(world.store, world.ql)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    return view


def _row_of(view, aid) -> int:
    return next(r for r in range(view.model.rowCount()) if view.model.item(r).assessment_id == aid)


def test_score_blind_submit_compare_and_record(qtbot, world, on_modal, tmp_path) -> None:
    hb = build(world)
    moderation.draw_sample(world.store, world.ql, SampleRules(), seed=8)
    view = _view(qtbot, world)
    assert view.model.rowCount() == 3
    view.table.selectRow(_row_of(view, hb.a2))
    # The form shows the standards and only the moderator's own (empty) grades.
    assert set(view.combos) == {"seen", "care-plan", "sgo"}
    assert {c.currentText() for c in view.combos.values()} == {UNGRADED}
    for sid, code in A2_MINE.items():
        combo = view.combos[sid]
        combo.setCurrentIndex(combo.findData(code))
    form = moderation.get_form(world.store, world.ql, view.current.id)
    assert form.grades == A2_MINE  # saved as chosen
    view.submit_current()
    assert view.current.stage is Stage.SCORED
    compared = view.comparison_model
    rows = [[compared.data(compared.index(r, c)) for c in range(4)]
            for r in range(compared.rowCount())]
    assert rows == [["The child is seen and heard", "G", "G", "same"],
                    ["The care plan is analysed", "RI", "I", "differs"],
                    ["Special guardianship support", "I", "I", "same"],
                    ["Overall judgement", "RI", "RI", "same"]]
    # "Changed" needs a note: a clear message, nothing recorded.
    changed = next(b for b in view.outcome_group.buttons()
                   if b.property("outcome") == "changed")
    changed.setChecked(True)
    on_modal(lambda box: box.close())
    view.record_outcome()
    assert view.current.stage is Stage.SCORED
    view.note.setPlainText("Care plan analysis thinner than graded — نوٹ 🙂")
    view.record_outcome()
    assert view.current.stage is Stage.DECIDED
    assert assessments.get_assessment(world.store, world.supervisor, hb.a2).status is (
        Status.RESPONDED)
    # Agreement tab: one moderation, three pairs on its standards.
    view.tabs.setCurrentIndex(1)
    assert view.agreement_note.text() == "1 submitted moderation"
    cells = {view.agreement_model.data(view.agreement_model.index(r, 1)):
             view.agreement_model.data(view.agreement_model.index(r, 3))
             for r in range(view.agreement_model.rowCount())}
    assert cells["All standards"] == "2 (67%)"
    assert view.disagreement_model.rowCount() == 1
    view.export_agreement_to(tmp_path / "agreement.csv")
    got = list(csv.reader((tmp_path / "agreement.csv").read_text("utf-8-sig").splitlines()))
    assert got[0][:3] == ["framework", "standard", "pairs"]
    on_modal(lambda box: box.close())
    view.export_agreement_to(tmp_path)  # a folder: refused with a message


def test_draw_dialogs(qtbot, world) -> None:
    build(world)
    dialog = DrawSampleDialog()
    qtbot.addWidget(dialog)
    dialog.seed_edit.setText("١٢")  # Arabic-Indic digits are not a seed
    dialog._check()
    assert dialog.error.text().startswith("⚠") and not dialog.result()
    dialog.seed_edit.setText("4242")
    dialog._check()
    assert dialog.seed() == 4242
    assert dialog.rules().percent == 10
    cases = DrawCasesDialog(world.store)
    qtbot.addWidget(cases)
    assert cases.framework.count() == 1
    cases.per_team.setValue(3)
    cases.late.setChecked(True)
    rules = cases.rules()
    assert (rules.per_team, rules.allocated_late, rules.not_audited_months) == (3, True, None)


def test_the_moderation_view_is_empty_but_usable_with_nothing_drawn(qtbot, world) -> None:
    view = _view(qtbot, world)
    assert view.model.rowCount() == 0 and view.current is None
