"""Starting a new case audit: the case list follows the chosen practitioner, the
framework follows the case's law type, and disabled fields show the chosen case."""

from __future__ import annotations

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Role
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments, cases, frameworks
from qa_audit.ui.dialogs import NEW_CASE, NewAssessmentDialog

PASSWORD = "correct horse battery"


def _setup(world):
    system = accounts.system_actor()
    for path in shipped_frameworks():
        frameworks.import_framework_file(world.store, system, path)
    accounts.add_user(world.store, system, "fca3", "Hana Ito", Role.FCA, PASSWORD,
                      world.team_id)
    other = next(u for u in accounts.list_users(world.store, world.supervisor, Role.FCA)
                 if u.username == "fca3")
    public = cases.create_case(world.store, world.supervisor, "PL-2025-00007", "care_order",
                               fca_id=world.fca.user_id)
    private = cases.create_case(world.store, world.supervisor, "PR-2025-00008",
                                "child_arrangements", fca_id=other.id)
    return other, public, private


def _dialog(qtbot, world) -> NewAssessmentDialog:
    dialog = NewAssessmentDialog(world.store, world.supervisor, AssessmentKind.CASE_AUDIT)
    qtbot.addWidget(dialog)
    return dialog


def _choose(combo, data) -> None:
    """Choose the item holding `data` (findData does not compare Python objects)."""
    index = next(i for i in range(combo.count()) if combo.itemData(i) == data)
    combo.setCurrentIndex(index)


def _case_texts(dialog) -> list[str]:
    return [dialog.case.itemText(i) for i in range(dialog.case.count())]


def test_cases_follow_the_practitioner_and_the_framework_follows_the_case(
        qtbot, world) -> None:
    other, public, private = _setup(world)
    assert private.fca_id == other.id
    dialog = _dialog(qtbot, world)
    _choose(dialog.fca, world.fca.user_id)
    assert _case_texts(dialog) == ["New case reference…", "PL-2025-00007 — Care order"]
    assert dialog.case.currentData() == public.id
    assert "Public law" in dialog.framework.currentText()
    # The disabled fields show the chosen case, not a previous one or a default.
    assert not dialog.case_type.isEnabled() and dialog.case_type.currentText() == "Care order"
    assert not dialog.new_reference.isEnabled()
    assert dialog.new_reference.text() == "PL-2025-00007"

    _choose(dialog.fca, other.id)
    assert _case_texts(dialog) == ["New case reference…",
                                   "PR-2025-00008 — Child arrangements"]
    assert "Private law" in dialog.framework.currentText()
    assert dialog.case_type.currentText() == "Child arrangements"


def test_a_new_case_is_editable_and_its_type_sets_the_framework(qtbot, world) -> None:
    _setup(world)
    dialog = _dialog(qtbot, world)
    _choose(dialog.fca, world.fca.user_id)
    _choose(dialog.case, NEW_CASE)
    assert dialog.new_reference.isEnabled() and dialog.case_type.isEnabled()
    assert dialog.new_reference.text() == ""  # not the existing case's reference
    qtbot.keyClicks(dialog.new_reference, "PR-2025-00099")
    index = dialog.case_type.findData("child_arrangements")
    dialog.case_type.setCurrentIndex(index)
    dialog.case_type.activated.emit(index)
    assert "Private law" in dialog.framework.currentText()
    dialog.case.setCurrentIndex(1)  # look at the existing case, then back
    dialog.case.setCurrentIndex(0)
    assert dialog.new_reference.text() == "PR-2025-00099"
    assert dialog.case_type.currentText() == "Child arrangements"
    dialog.start()
    detail = assessments.get_assessment(world.store, world.supervisor, dialog.assessment_id)
    assert detail.case_reference == "PR-2025-00099"
    assert "Private law" in detail.framework_title
