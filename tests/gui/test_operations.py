"""Changes run off the GUI thread, views refresh from the change bus, and a model whose
service fails keeps its rows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from qa_audit.domain.workflow import Status
from qa_audit.errors import PermissionDenied, StoreError
from qa_audit.services import assessments
from qa_audit.services.listing import AssessmentQuery
from qa_audit.ui.models import AssessmentColumn, AssessmentTableModel, ListModel
from qa_audit.ui.operations import Change, Operation, changes
from qa_audit.ui.views.actions import ActionsView
from qa_audit.ui.views.assessments import AssessmentListView

ROOT = Path(__file__).resolve().parents[2]


def _parent(qtbot) -> tuple[QWidget, QPushButton]:
    parent = QWidget()
    qtbot.addWidget(parent)
    button = QPushButton("Go", parent)
    return parent, button


def test_the_call_runs_off_the_gui_thread_and_views_are_told(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    parent, button = _parent(qtbot)
    threads: list[threading.Thread] = []

    def call() -> Status:
        threads.append(threading.current_thread())
        assessments.submit(world.store, world.supervisor, aid)
        return assessments.get_assessment(world.store, world.supervisor, aid).status

    seen: list[Status] = []
    operation = Operation(parent, call, changed={Change.ASSESSMENT}, busy=[button])
    with qtbot.waitSignal(changes().changed, timeout=5000) as announced:
        operation.success(seen.append).run()
        assert not button.isEnabled()  # disabled while the change is made
    assert announced.args == [frozenset({Change.ASSESSMENT})]
    assert seen == [Status.SUBMITTED]
    assert threads and threads[0] is not threading.main_thread()
    assert button.isEnabled()  # given back its own state


def test_handlers_run_on_the_gui_thread(qtbot, world) -> None:
    parent, _button = _parent(qtbot)
    where: list[bool] = []
    with qtbot.waitSignal(changes().changed, timeout=5000):
        Operation(parent, lambda: 1, changed={Change.ACTION}).success(
            lambda _v: where.append(QThread.currentThread() is QApplication.instance().thread())
        ).run()
    assert where == [True]


def test_a_refused_change_shows_its_message_announces_nothing_and_gives_buttons_back(
        qtbot, world, on_modal) -> None:
    aid = world.new_audit()  # nothing graded: submitting is refused
    parent, button = _parent(qtbot)
    button.setEnabled(True)
    announced: list[object] = []
    changes().changed.connect(announced.append)
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    operation = Operation(parent, lambda: assessments.finalise(world.store, world.fca, aid),
                          changed={Change.ASSESSMENT}, busy=[button])
    operation.run()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)  # no signal: the message box is it
    assert "finalise" in shown[0].lower() or "only" in shown[0].lower()
    assert announced == []
    assert button.isEnabled()
    assert assessments.get_assessment(world.store, world.supervisor, aid).status is Status.DRAFT


def test_a_custom_failure_handler_gets_the_error(qtbot, world) -> None:
    aid = world.new_audit()  # a draft: not the FCA's to read yet
    parent, _button = _parent(qtbot)
    failures: list[BaseException] = []
    Operation(parent, lambda: assessments.get_assessment(world.store, world.fca, aid)
              ).failure(lambda exc, _tb: failures.append(exc)).run()
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], PermissionDenied)


def test_a_closed_page_gets_no_handler_but_the_change_is_announced(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    parent = QWidget()
    called: list[object] = []
    operation = Operation(parent, lambda: assessments.submit(world.store, world.supervisor, aid),
                          changed={Change.ASSESSMENT}).success(called.append)
    with qtbot.waitSignal(changes().changed, timeout=5000):
        operation.run()
        parent.deleteLater()
        QApplication.processEvents()
    assert called == []
    assert assessments.get_assessment(world.store, world.supervisor, aid).status is (
        Status.SUBMITTED)


def test_lists_refresh_themselves_when_assessments_change(qtbot, world) -> None:
    view = AssessmentListView(world.store, world.supervisor, "Team", AssessmentQuery())
    qtbot.addWidget(view)
    view.show()
    assert view.model.rowCount() == 0
    world.new_audit()
    with qtbot.waitSignal(view.model.modelReset, timeout=2000):
        changes().announce({Change.ASSESSMENT})
    assert view.model.rowCount() == 1 and view.count_label.text() == "1 assessment"
    resets: list[bool] = []
    view.model.modelReset.connect(lambda: resets.append(True))
    changes().announce({Change.SESSION})  # not a kind it shows
    assert resets == []


def test_a_hidden_list_refreshes_when_it_is_shown_again(qtbot, world) -> None:
    view = AssessmentListView(world.store, world.supervisor, "Team", AssessmentQuery())
    qtbot.addWidget(view)
    resets: list[bool] = []
    view.model.modelReset.connect(lambda: resets.append(True))
    world.new_audit()
    changes().announce({Change.ASSESSMENT})
    changes().announce({Change.ASSESSMENT})  # hidden (behind the editor): not queried yet
    assert resets == [] and view.model.rowCount() == 0
    view.show()
    assert resets == [True] and view.model.rowCount() == 1  # once, when shown
    view.hide()
    view.show()
    assert resets == [True]  # nothing changed meanwhile: no query


def test_marking_an_action_done_from_the_list_does_not_block(qtbot, world) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Read the care plan",
                           owner_id=world.fca.user_id)
    world.complete(aid)
    assessments.submit(world.store, world.supervisor, aid)
    view = ActionsView(world.store, world.fca, "My open actions", team=False)
    qtbot.addWidget(view)
    view.show()
    assert view.model.rowCount() == 1
    view.table.selectRow(0)
    with qtbot.waitSignal(view.model.modelReset, timeout=5000):
        view.done.click()
        assert not view.done.isEnabled()  # while it is being saved
    assert view.model.rowCount() == 0  # done: no longer open
    assert view.done.isEnabled()
    actions = assessments.get_assessment(world.store, world.fca, aid).actions
    assert [a.status for a in actions] == ["done"]


# -- models: a failing service leaves the model whole -------------------------------------
def test_a_list_model_whose_service_fails_keeps_its_rows_and_says_why(qtbot, qtmodeltester,
                                                                      world) -> None:
    aid = world.new_audit()
    assessments.add_action(world.store, world.supervisor, aid, "Read the care plan")
    reader = {"who": world.supervisor}
    model = ListModel(["Action"], lambda: assessments.get_assessment(
        world.store, reader["who"], aid).actions, lambda a: [a.text])
    assert model.rowCount() == 1
    reader["who"] = world.fca  # a draft is not the FCA's to read: the service refuses
    resets: list[bool] = []
    model.modelAboutToBeReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.loadFailed, timeout=1000) as failed:
        assert not model.refresh()
    assert isinstance(failed.args[0], PermissionDenied)
    assert resets == []  # no reset was begun, so none is left open
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_the_assessment_model_keeps_its_rows_when_the_store_is_locked(
        qtbot, qtmodeltester, world, monkeypatch) -> None:
    world.new_audit()
    model = AssessmentTableModel(world.store, world.supervisor)
    assert model.rowCount() == 1
    # The store as it is before anyone signs in: every read is refused with a StoreError.
    monkeypatch.setattr(world.store, "_engine", None)
    with qtbot.waitSignal(model.loadFailed, timeout=1000) as failed:
        assert not model.set_query(AssessmentQuery(search="X"))
    assert isinstance(failed.args[0], StoreError)
    assert model.rowCount() == 1 and model.query.search == ""  # old rows and query kept
    qtmodeltester.check(model)


def test_the_list_view_shows_a_failed_refresh(qtbot, world, monkeypatch, on_modal) -> None:
    world.new_audit()
    view = AssessmentListView(world.store, world.supervisor, "Team", AssessmentQuery())
    qtbot.addWidget(view)
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    monkeypatch.setattr(world.store, "_engine", None)
    view.refresh()
    assert shown and "locked" in shown[0]
    assert view.model.rowCount() == 1


def test_columns_are_addressed_by_name(world) -> None:
    world.new_audit()
    model = AssessmentTableModel(world.store, world.supervisor)
    headers = [model.headerData(c, _horizontal()) for c in AssessmentColumn]
    assert headers == ["Case", "Kind", "Practitioner", "Framework", "Status", "Date",
                       "Overall", "Team"]
    assert model.data(model.index(0, AssessmentColumn.STATUS)) == "Draft"
    assert model.data(model.index(0, AssessmentColumn.OVERALL)) == "—"


def _horizontal():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


@pytest.fixture(autouse=True)
def _no_message_box_left(qtbot):
    yield
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        box.reject()


def test_an_imported_framework_appears_in_the_list(qtbot, world) -> None:
    from qa_audit.ui.views.frameworks import FrameworksView

    view = FrameworksView(world.store, world.admin)
    qtbot.addWidget(view)
    view.show()
    before = view.model.rowCount()
    source = (ROOT / "standards" / "practice-observation.yaml")
    with qtbot.waitSignal(view.model.modelReset, timeout=10_000):
        view.import_file(source)
        assert not view.import_button.isEnabled()
    assert view.model.rowCount() == before + 1
    assert view.import_button.isEnabled()


def test_adding_an_account_runs_off_the_gui_thread_and_a_refusal_says_why(
        qtbot, world, on_modal) -> None:
    from qa_audit.services import accounts as acc
    from qa_audit.ui.views.admin import AdminView

    view = AdminView(world.store, world.admin)
    qtbot.addWidget(view)
    view.show()
    add = next(b for b in view.findChildren(QPushButton) if b.text() == "&Add account")
    view.username.setText("aisha khan")  # a name typed where the username goes
    view.display.setText("عائشة 😀 " + "y" * 5000)
    view.password.setText("river lantern parcel")
    shown: list[str] = []
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    add.click()
    assert not add.isEnabled()  # while the password is hashed
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert add.isEnabled() and "plain letters a-z" in shown[0]
    assert view.password.text() == "river lantern parcel"  # kept to correct
    rows = view.users.rowCount()
    view.username.setText("aisha.k")
    view.display.setText("عائشة خان 😀")
    view.role.setCurrentIndex(view.role.findText("practitioner (FCA)"))
    on_modal(lambda box: (shown.append(box.text()), box.accept()))
    with qtbot.waitSignal(view.users.modelReset, timeout=10_000):
        add.click()
    assert view.users.rowCount() == rows + 1
    added = {u.display_name: u for u in acc.list_users(world.store, world.admin)}
    assert added["عائشة خان 😀"].role.value == "fca"
    assert view.password.text() == ""
