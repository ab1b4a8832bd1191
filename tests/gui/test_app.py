"""The main window, dialogs and models against a real (temporary, encrypted) database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Role
from qa_audit.domain.workflow import Status
from qa_audit.resources import shipped_frameworks
from qa_audit.services import accounts, assessments, frameworks
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentQuery, SortKey
from qa_audit.ui.dialogs import NewAssessmentDialog, SetupDialog
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.models import FIRST_PAGE, AssessmentTableModel, ListModel
from qa_audit.ui.operations import changes
from qa_audit.ui.sign_in import SignInDialog
from qa_audit.ui.views.assessments import AssessmentListView
from qa_audit.ui.views.frameworks import FrameworksView

PASSWORD = "correct horse battery"


def _many(world, n: int) -> list:
    return [world.new_audit() for _ in range(n)]


def test_assessment_model_pages_sorts_and_passes_the_model_tester(qtbot, qtmodeltester,
                                                                  world) -> None:
    _many(world, FIRST_PAGE + 15)
    model = AssessmentTableModel(world.store, world.supervisor)
    assert model.total == FIRST_PAGE + 15 and model.rowCount() == FIRST_PAGE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == FIRST_PAGE + 15 and not model.canFetchMore()
    qtmodeltester.check(model)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.query.sort is SortKey.CASE and not model.query.descending
    qtmodeltester.check(model)
    assert model.data(model.index(0, 4)) == "Draft"


def test_list_model_passes_the_model_tester(qtmodeltester, world) -> None:
    model = ListModel(["Title", "Version"], lambda: frameworks.list_versions(world.store),
                      lambda v: [v.title, v.version])
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_filters_change_the_rows(qtbot, world) -> None:
    a = world.new_audit()
    world.complete(a)
    assessments.submit(world.store, world.supervisor, a)
    world.new_audit()
    view = AssessmentListView(world.store, world.supervisor, "Team", AssessmentQuery())
    qtbot.addWidget(view)
    assert view.model.rowCount() == 2
    view.status.setCurrentIndex(view.status.findData(Status.SUBMITTED.value))
    assert view.model.rowCount() == 1 and "1 assessment" in view.count_label.text()
    view.status.setCurrentIndex(0)
    with qtbot.waitSignal(view.model.modelReset, timeout=5000):  # after the typing pause
        view.search.setText("NO-SUCH-REF")
    assert view.model.rowCount() == 0


def test_fca_sees_only_their_submitted_assessments(qtbot, world) -> None:
    draft = world.new_audit()
    sent = world.new_audit()
    world.complete(sent)
    assessments.submit(world.store, world.supervisor, sent)
    window = MainWindow(world.store, world.fca, "fca")
    qtbot.addWidget(window)
    page = window.pages["feedback"]
    assert isinstance(page, AssessmentListView)
    ids = {page.model.row(i).id for i in range(page.model.rowCount())}
    assert ids == {sent} and draft not in ids
    assert "admin" not in window.pages and "mine" not in window.pages


def test_head_of_service_reads_every_region_and_edits_nothing(qtbot, world) -> None:
    from qa_audit.ui.views.admin import AdminView
    from qa_audit.ui.views.themes import ThemesView

    admin_view = AdminView(world.store, world.admin)
    qtbot.addWidget(admin_view)
    labels = [admin_view.role.itemText(i) for i in range(admin_view.role.count())]
    assert "head of service" in labels
    accounts.add_user(world.store, world.admin, "head", "Hana Head", Role.HEAD_OF_SERVICE,
                      PASSWORD)
    head = accounts.sign_in(world.store, "head", PASSWORD)
    window = MainWindow(world.store, head, "head")
    qtbot.addWidget(window)
    window.show()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == ["All regions", "Themes", "Frameworks"]
    window.show_page("themes")
    page = window.pages["themes"]
    assert isinstance(page, ThemesView)
    teams = {page.team.itemText(i) for i in range(1, page.team.count())}
    regions = {page.region.itemText(i) for i in range(1, page.region.count())}
    assert teams == {"Newcastle 1", "Newcastle 2", "Brighton"}
    assert regions == {"North", "South"}
    qtbot.waitUntil(lambda: page.board is not None, timeout=10_000)


def test_sign_in_dialog_wrong_then_right(qtbot, world) -> None:
    dialog = SignInDialog.for_store(world.store, username="sup")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.password, "wrong password!")
    dialog.try_sign_in()
    assert dialog.actor is None and "not right" in dialog.message.text()
    assert dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is not None and dialog.actor.user_id == world.supervisor.user_id


def test_first_run_setup_creates_admin_team_and_frameworks(qtbot, tmp_path: Path,
                                                           on_modal) -> None:
    store = Store.open(tmp_path / "new.db")
    assert accounts.needs_setup(store)
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    for widget, text in ((dialog.name, "Ada Admin"), (dialog.username, "ada"),
                         (dialog.password, PASSWORD), (dialog.repeat, PASSWORD),
                         (dialog.team, "Leeds 1")):
        qtbot.keyClicks(widget, text)
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    dialog.create_database()
    assert dialog.actor is not None and dialog.recovery_key
    assert any(dialog.recovery_key in text for text in shown)
    assert accounts.password_notice(store, dialog.actor) is None  # chosen by them, here
    assert not accounts.needs_setup(store)
    assert {u.name for u in accounts.list_org_units(store)} == {"North", "Leeds 1"}
    assert len(frameworks.list_versions(store)) == len(shipped_frameworks())
    store.close()
    reopened = Store.open(tmp_path / "new.db")
    assert reopened.locked
    assert accounts.sign_in(reopened, "ada", PASSWORD).display_name == "Ada Admin"
    reopened.close()


def test_invalid_framework_import_shows_problems_and_imports_nothing(qtbot, world,
                                                                     tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: qa-audit/framework@1\nid: Bad Id\nversion: '1'\n")
    view = FrameworksView(world.store, world.admin)
    qtbot.addWidget(view)
    before = frameworks.list_versions(world.store)
    view.import_file(bad)
    qtbot.waitUntil(lambda: bool(view.last_error), timeout=5000)
    assert f"{bad}:2:5:" in view.last_error
    assert "missing required key 'title'" in view.last_error
    assert frameworks.list_versions(world.store) == before
    assert view.model.rowCount() == len(before)


def test_new_case_audit_dialog_starts_a_draft(qtbot, world) -> None:
    dialog = NewAssessmentDialog(world.store, world.supervisor, AssessmentKind.CASE_AUDIT)
    qtbot.addWidget(dialog)
    dialog.case.setCurrentIndex(0)  # a new case reference
    qtbot.keyClicks(dialog.new_reference, "PL-2025-04242")
    dialog.start()
    assert dialog.assessment_id is not None
    detail = assessments.get_assessment(world.store, world.supervisor, dialog.assessment_id)
    assert detail.case_reference == "PL-2025-04242" and detail.status is Status.DRAFT


def test_window_remembers_last_page_and_locks(qtbot, world) -> None:
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.show_page("frameworks")
    window.close()
    again = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(again)
    assert again.stack.currentWidget() is again.pages["frameworks"]
    again.lock()
    assert again.locked and not again.nav.isEnabled()
    again.lock_screen.password.setText("nope nope nope")
    again.lock_screen.unlock()
    assert again.locked and "not right" in again.lock_screen.message.text()
    again.lock_screen.password.setText(PASSWORD)
    again.lock_screen.unlock()
    assert not again.locked and again.stack.currentWidget() is again.pages["frameworks"]


def test_opening_an_assessment_and_going_back_keeps_text(qtbot, world) -> None:
    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.open_assessment(aid)
    assert window.editor is not None
    window.editor.panel.evidence.setPlainText("Typed then navigated away")
    window.show_page("team")
    assert window.editor is None
    detail = assessments.get_assessment(world.store, world.supervisor, aid)
    assert detail.ratings["seen"].evidence == "Typed then navigated away"


def test_focusing_the_navigation_or_switching_tabs_keeps_the_editor_open(qtbot, world) -> None:
    """Focusing the page list used to pick its first row and close the open assessment."""
    from PySide6.QtCore import Qt

    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.show_page("team")
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None and not window.nav.selectedItems()
    for index in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(index)
        qtbot.wait(10)
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_Tab)
    qtbot.wait(10)
    assert window.editor is editor and window.stack.currentWidget() is editor
    # Choosing the page it came from (Enter on it) goes back to that page.
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_Return)
    assert window.editor is None and window.stack.currentWidget() is window.pages["team"]
    assert window.nav.currentItem().isSelected()


def test_supervision_session_in_the_app(qtbot, world) -> None:
    from qa_audit.services import supervision as sv
    from qa_audit.ui.views.supervision import SupervisionView

    aid = world.finalised_audit()
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    view = SupervisionView(world.store, world.supervisor)
    qtbot.addWidget(view)
    view.table.selectRow(0)
    panel = view.panel
    assert panel.session_id == sid and panel.discussed.count() == 1
    panel.discussed.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(panel.stages["what_happened"], "We read the audit together")
    qtbot.keyClicks(panel.action_text, "Shadow a final analysis")
    with qtbot.waitSignal(changes().changed, timeout=5000):  # added off the GUI thread
        qtbot.keyClick(panel.action_text, Qt.Key.Key_Return)
    with qtbot.waitSignal(changes().changed, timeout=5000):
        panel.sign()
    detail = sv.get_session(world.store, world.supervisor, sid)
    assert [a.id for a in detail.assessments] == [aid]
    assert detail.notes["what_happened"] == "We read the audit together"
    assert detail.supervisor_signed_at is not None and detail.actions
    fca_view = SupervisionView(world.store, world.fca)
    qtbot.addWidget(fca_view)
    fca_view.table.selectRow(0)
    assert fca_view.panel.stages["analysis"].isReadOnly()
    assert not fca_view.panel.reflection.isReadOnly()
    assert "Waiting for you to sign" in fca_view.panel.signatures.text()
    qtbot.keyClicks(fca_view.panel.reflection, "Agreed")
    with qtbot.waitSignal(changes().changed, timeout=5000):
        fca_view.panel.sign()
    # Her reflection is hers: his signature stands and the record closes in this order.
    assert sv.get_session(world.store, world.fca, sid).signed
    view.panel.show_session(sid)
    assert not view.panel.sign_button.isEnabled()
    fca_view.panel.show_session(sid)
    assert not fca_view.panel.sign_button.isEnabled()


def test_sign_in_before_the_store_is_open(qtbot, tmp_path: Path) -> None:
    """The app's start on an encrypted file: the dialog signs in through a store opened at
    the first attempt (after the background loading) and kept for the next one."""
    from qa_audit.ui.app import Preloader, _SignInFirst

    path = tmp_path / "enc.db"
    made = Store.open(path)
    accounts.add_user(made, accounts.system_actor(), "boss", "Boss", Role.ADMIN, PASSWORD)
    made.close()
    loader = Preloader()
    signer = _SignInFirst(path, loader)
    dialog = SignInDialog(str(path), signer.attempt, username="Boss ")
    qtbot.addWidget(dialog)
    loader.start()
    qtbot.keyClicks(dialog.password, "wrong password!")
    dialog.try_sign_in()
    assert dialog.actor is None and "not right" in dialog.message.text()
    first = signer.store
    assert first is not None and first.locked
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is not None and dialog.actor.role == Role.ADMIN
    assert signer.store is first and not first.locked
    assert dialog.signed_username == "boss" and dialog.result() == dialog.DialogCode.Accepted
    first.close()


def test_a_long_framework_title_does_not_widen_the_window(qtbot, world, tmp_path: Path) -> None:
    source = (Path(__file__).parents[1] / "fixtures" / "mini.yaml").read_text()
    long_title = "Practice standards for a very particular kind of work " * 6
    (tmp_path / "long.yaml").write_text(source.replace(
        "id: mini-standards", "id: long-title").replace(
        "title: Mini standards for tests", f"title: {long_title.strip()}"))
    before = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(before)
    frameworks.import_framework_file(world.store, world.admin, tmp_path / "long.yaml")
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    page = window.pages["mine"]
    assert isinstance(page, AssessmentListView)
    assert page.framework.findText(long_title.strip()) >= 0
    # fits a 1280-pixel screen, and the long title adds nothing to it
    assert window.minimumSizeHint().width() == before.minimumSizeHint().width() < 1280


def test_a_locked_window_offers_nothing_but_the_password(qtbot, world) -> None:
    # Found in testing: the toolbar (New case audit, Save, Export PDF) and the actions'
    # shortcuts stayed live behind the lock screen.
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QToolBar

    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.open_assessment(aid)
    live_before = {a.text() for a in window.findChildren(QAction) if a.isEnabled()}
    assert "Export &PDF…" in live_before
    window.lock()
    assert not [a.text() for a in window.findChildren(QAction)
                if a.isEnabled() and a.text() and a.parent() is not window.lock_screen]
    assert all(not bar.isEnabled() for bar in window.findChildren(QToolBar))
    window.lock_screen.password.setText(PASSWORD)
    window.lock_screen.unlock()
    assert {a.text() for a in window.findChildren(QAction) if a.isEnabled()} == live_before
    assert all(bar.isEnabled() for bar in window.findChildren(QToolBar))


def test_the_supervisor_sees_what_the_practitioner_asked_to_change(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.return_for_changes(world.store, world.fca, aid, "Please correct the date")
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.open_assessment(aid)
    assert window.editor is not None
    assert "asked for changes: Please correct the date" in window.editor.subheading.text()


def test_correcting_a_setup_mistake_makes_nothing_twice(qtbot, tmp_path: Path,
                                                        on_modal) -> None:
    store = Store.open(tmp_path / "new.db")
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    for widget, text in ((dialog.name, "Ada Admin"), (dialog.username, "ada admin"),
                         (dialog.password, PASSWORD), (dialog.repeat, PASSWORD),
                         (dialog.team, "Leeds 1")):
        qtbot.keyClicks(widget, text)
    errors: list[str] = []
    on_modal(lambda box: (errors.append(box.text()), box.accept()))
    dialog.create_database()  # "ada admin" is not a username
    assert errors and dialog.actor is None
    dialog.username.setText("ada")
    on_modal(lambda box: box.accept())
    dialog.create_database()
    assert dialog.actor is not None
    assert sorted(u.name for u in accounts.list_org_units(store)) == ["Leeds 1", "North"]
    store.close()


def test_an_action_typed_but_not_added_is_not_lost_when_leaving(qtbot, world,
                                                                on_modal) -> None:
    aid = world.new_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    editor.actions_page.text.setText("Visit the child at school")
    asked: list[str] = []
    on_modal(lambda box: (asked.append(box.text()), box.button(
        box.StandardButton.Yes).click()))
    window.show_page("frameworks")  # leave the editor
    assert asked and "did not add it" in asked[0]
    actions = assessments.get_assessment(world.store, world.supervisor, aid).actions
    assert [a.text for a in actions] == ["Visit the child at school"]
    assert window.editor is None


def test_a_refused_addendum_keeps_its_text(qtbot, world, on_modal) -> None:
    aid = world.finalised_audit()
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None and editor.addenda_page.add.isEnabled()
    editor.addenda_page.text.setPlainText("   ")
    editor.addenda_page.add.click()  # nothing to add: nothing happens
    assert editor.addenda_page.text.toPlainText() == "   "
    ql = MainWindow(world.store, world.ql, "ql")  # a quality lead may not add one
    qtbot.addWidget(ql)
    ql.open_assessment(aid)
    assert ql.editor is not None and not ql.editor.addenda_page.add.isEnabled()


def test_the_lock_screen_says_why_it_locked(qtbot, world) -> None:
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    lock = next(a for a in window.findChildren(QAction) if a.text() == "&Lock")
    assert lock.shortcut().toString() == "Ctrl+L"
    lock.trigger()
    assert window.locked and "Locked by you" in window.lock_screen.info.text()
    window.lock_screen.password.setText(PASSWORD)
    window.lock_screen.unlock()
    window._idle.timeout.emit()  # as if the idle minutes had passed
    assert window.locked and "period without use" in window.lock_screen.info.text()
