"""Working offline in the desktop app, against a real team store (PostgreSQL) and the real
sync service: the first sign-in keeps a copy, signing in while the store cannot be
reached opens the copy, Sync now and the store coming back sync it, conflicts are
resolved both ways.

The store is made unreachable by its address: the tests reach the cluster through a
symbolic link to its socket folder, and remove the link (as a network gone away: nothing
answers there) and put it back."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_cluster import SUPERUSER, PgCluster
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import URL

from qa_audit.config import Settings
from qa_audit.domain.framework import AssessmentKind
from qa_audit.services import assessments, cases, sync
from qa_audit.services.database import Store
from qa_audit.ui.app import AppSession, team_sign_in
from qa_audit.ui.main_window import MainWindow
from qa_audit.ui.sync_dialogs import ConflictsDialog, KeepCopyDialog
from qa_audit.ui.sync_status import SyncController
from qa_audit.ui.team_access import TeamAccess

pytestmark = pytest.mark.postgresql_only

PASSWORD = "correct horse battery"  # the test accounts' (tests/conftest.py)
DEADLINE = 60.0


class Network:
    """The team store's address, through a link that can be taken away."""

    def __init__(self, cluster: PgCluster, database: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="qs"))  # short: a socket path ≤ 107 bytes
        self.link = self.folder / "pg"
        self.cluster, self.database = cluster, database
        self.up()

    def url(self, database: str) -> str:
        return URL.create("postgresql+psycopg", database=database,
                          query={"host": str(self.link)}).render_as_string()

    def down(self) -> None:
        """Nothing answers at the address, and the connections open to it are lost."""
        self.link.unlink()
        with self.cluster.connect(autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND usename <> %s AND pid <> pg_backend_pid()",
                         (self.database, SUPERUSER))

    def up(self) -> None:
        self.link.symlink_to(self.cluster.socket_dir)


@pytest.fixture
def network(pg_cluster, pg_database) -> Iterator[Network]:
    net = Network(pg_cluster, pg_database)
    yield net
    shutil.rmtree(net.folder, ignore_errors=True)


@pytest.fixture
def modal(qtbot) -> Iterator[Callable[..., None]]:
    """Act on the next modal dialog of a given class once it shows (the on_modal fixture
    acts on whichever comes first; here a progress dialog may come before the one
    wanted)."""
    timers: list[QTimer] = []
    waiting: list[str] = []
    problems: list[str] = []

    def arm(kind: type, action: Callable[[QWidget], None], optional: bool = False) -> None:
        deadline = time.monotonic() + DEADLINE
        timer = QTimer()
        timer.setInterval(20)
        timers.append(timer)
        if not optional:
            waiting.append(kind.__name__)

        def poll() -> None:
            widget = QApplication.activeModalWidget()
            if not isinstance(widget, kind) or not widget.isVisible():
                if time.monotonic() > deadline:
                    timer.stop()
                    if not optional:
                        problems.append(f"no {kind.__name__} within {DEADLINE:.0f} s")
                return
            timer.stop()
            if not optional:
                waiting.remove(kind.__name__)
            try:
                action(widget)
            except Exception as exc:
                problems.append(f"the action on {kind.__name__} failed: {exc!r}")
                widget.close()

        timer.timeout.connect(poll)
        timer.start()

    yield arm
    for timer in timers:
        timer.stop()
    for _ in range(10):
        widget = QApplication.activeModalWidget()
        if widget is None:
            break
        widget.close()
        QApplication.processEvents()
    assert not problems and not waiting, (problems, waiting)


def _shot(widget: QWidget, name: str) -> None:
    shots = os.environ.get("QA_AUDIT_SHOTS")
    if shots:
        if isinstance(widget, MainWindow):
            widget.resize(1360, 860)
        QApplication.processEvents()
        widget.grab().save(str(Path(shots) / f"{name}.png"))


def _hhmm(moment) -> str:
    return f"{moment.astimezone():%H:%M}"


@pytest.fixture
def access_for(qtbot) -> Iterator[Callable[[str], TeamAccess]]:
    made: list[TeamAccess] = []

    def make(url: str) -> TeamAccess:
        access = TeamAccess(Store.open(url))
        made.append(access)
        return access

    yield make
    for access in made:
        access.close()


def _kept_copy(world, network: Network, pg_database: str,
               access_for: Callable[[str], TeamAccess]) -> TeamAccess:
    """The supervisor signed in to the team store and made their copy (by the service)."""
    access = access_for(network.url(pg_database))
    actor = access.attempt("sup", PASSWORD)
    assert not access.offline
    sync.create_copy(access.team, actor, PASSWORD, access.default_copy_path())
    return access


def _offline_window(qtbot, access: TeamAccess) -> MainWindow:
    access.unreachable = False
    actor = access.attempt("sup", PASSWORD)
    assert access.offline and access.local is not None
    window = MainWindow(access.store, actor, "sup", access=access)
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    qtbot.waitExposed(window)
    assert window.sync is not None
    qtbot.waitUntil(lambda: window.sync is not None and not window.sync.checking)
    return window


# -- first sign-in, then offline ---------------------------------------------------------
def test_first_sign_in_keeps_a_copy_and_offline_sign_in_opens_it(
        qtbot, modal, world, pg_database, network, monkeypatch) -> None:
    monkeypatch.setattr(SyncController, "OFFER_DELAY_MS", 0)
    access = TeamAccess(Store.open(network.url(pg_database)))
    quits: list[int] = []
    session = AppSession(access.team, "", lambda: quits.append(1), access=access)
    dialog = team_sign_in(access, "sup")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is not None and not access.offline and not dialog.note.isVisible()

    offers: list[str] = []
    keys: list[str] = []

    def keep(offer: QWidget) -> None:
        assert isinstance(offer, KeepCopyDialog)
        offers.append(offer.explanation.text())
        _shot(offer, "offline-01-keep-a-copy-offer")
        offer.keep.click()

    modal(KeepCopyDialog, keep)
    modal(QMessageBox, lambda box: (keys.append(box.text()), box.accept()))
    window = session.start(dialog.actor, "sup")
    qtbot.waitUntil(lambda: bool(keys), timeout=int(DEADLINE * 1000))
    assert offers and "without the network" in offers[0]
    path = access.copy_path()
    assert path is not None and path == access.default_copy_path() and path.is_file()
    assert "PASSWORD" not in str(path) and PASSWORD not in str(path)
    assert Settings.load().copy_choices == {str(path): "keep"}
    assert "recovery key" in keys[0] and keys[0].rsplit("\n", 1)[-1].strip()
    assert window.sync is not None
    assert window.sync.state.text().startswith("Your copy on this computer is made (synced ")
    assert not window.sync.keep_action.isVisible() and window.sync.sync_action.isEnabled()
    window.sync.sync_now()  # on the team store: the copy catches up (nothing to send)
    assert re.fullmatch(r"Synced \d\d:\d\d: 0 sent, 0 received", window.sync.state.text())

    # The server goes away; the person signs out and in again.
    network.down()
    window.sign_out()
    again = session.sign_in
    assert again is not None
    qtbot.waitUntil(lambda: again.note.isVisible(), timeout=int(DEADLINE * 1000))
    assert again.note.text() == (
        f"The team store {network.link}/{pg_database} cannot be reached (no network, or "
        "the server is down). If you keep a copy of your records on this computer, signing "
        "in opens it with your usual password.")
    _shot(again, "offline-02-sign-in-store-unreachable")
    again.password.setText("not my password")
    again.try_sign_in()  # the copy checks the password as the store would
    assert "username or password is not right" in again.message.text()
    again.password.setText(PASSWORD)
    again.try_sign_in()
    offline = session.window
    assert offline is not None and offline is not window
    assert access.offline and offline.store is access.local
    info = sync.copy_info(access.local)
    assert info is not None and info.last_synced_at is not None
    expected = f"Offline — last synced {_hhmm(info.last_synced_at)}"
    qtbot.waitUntil(lambda: offline.db_label.text() == expected)
    qtbot.waitUntil(lambda: offline.pages.first().isVisible())
    _shot(offline, "offline-03-main-window-offline")

    # Lock and unlock, then sign out, on the copy.
    offline.lock()
    offline.lock_screen.password.setText(PASSWORD)
    offline.lock_screen.unlock()
    assert not offline.locked and offline.sync is not None
    assert offline.sync.sync_action.isEnabled()
    offline.sign_out()
    assert session.sign_in is not None and session.sign_in.isVisible() and quits == []
    session.sign_in.reject()
    assert quits == [1]
    access.close()


def test_without_a_copy_an_unreachable_store_is_said_by_name(
        qtbot, world, pg_database, network, access_for) -> None:
    access = access_for(network.url(pg_database))
    network.down()
    dialog = team_sign_in(access, "fca")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.try_sign_in()
    assert dialog.actor is None and access.local is None
    assert dialog.message.text() == (
        f"⚠ The team store {network.link}/{pg_database} cannot be reached (no network, or "
        "the server is down), and you keep no copy of your records on this computer. Check "
        "the network and try again.")


def test_declining_the_copy_is_remembered(qtbot, modal, world, pg_database, network,
                                          access_for, monkeypatch) -> None:
    monkeypatch.setattr(SyncController, "OFFER_DELAY_MS", 0)
    access = access_for(network.url(pg_database))
    actor = access.attempt("fca", PASSWORD)
    modal(KeepCopyDialog, lambda offer: offer.later.click())
    window = MainWindow(access.store, actor, "fca", access=access)
    qtbot.addWidget(window)
    window.show()
    assert window.sync is not None
    qtbot.waitUntil(lambda: bool(Settings.load().copy_choices))
    key = str(access.default_copy_path())
    assert Settings.load().copy_choices == {key: "declined"}
    assert access.copy_path() is None and window.sync.keep_action.isVisible()
    assert not window.sync.sync_action.isEnabled()
    window.close()
    again = MainWindow(access.store, actor, "fca", access=access)  # not offered again
    qtbot.addWidget(again)
    again.show()
    assert again.sync is not None and not again.sync.offer_timer.isActive()


# -- syncing -------------------------------------------------------------------------------
def test_sync_now_saves_the_open_editor_first_and_reports(
        qtbot, world, pg_database, network, access_for) -> None:
    aid = world.new_audit()
    access = _kept_copy(world, network, pg_database, access_for)
    network.down()
    window = _offline_window(qtbot, access)
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    typed = "Seen alone at school — ملاحظة 🙂"
    editor.panel.evidence.setFocus()
    qtbot.keyClicks(editor.panel.evidence, "Seen alone at school")
    editor.panel.evidence.insertPlainText(" — ملاحظة 🙂")  # (keyClicks types Latin-1 only)
    assert editor.state.dirty  # typed, not yet saved
    network.up()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.sync is not None
    assert window.sync.sync_action.shortcut().toString() == "F9"
    qtbot.keyClick(window, Qt.Key.Key_F9)  # the sync dialog runs and closes by itself
    state = window.sync.state.text()
    assert re.fullmatch(r"Synced \d\d:\d\d: 1 sent, 0 received", state), state
    assert not editor.state.dirty
    on_team = assessments.get_assessment(world.store, world.supervisor, aid)
    assert on_team.ratings["seen"].evidence == typed
    info = sync.copy_info(access.local)
    assert info is not None and info.last_synced_at is not None
    assert window.db_label.text() == (
        f"Working on your copy — last synced {_hhmm(info.last_synced_at)}")
    _shot(window, "offline-04-synced")


def test_the_store_coming_back_syncs_by_itself(qtbot, world, pg_database, network,
                                               access_for) -> None:
    access = _kept_copy(world, network, pg_database, access_for)
    network.down()
    window = _offline_window(qtbot, access)
    assert window.sync is not None
    qtbot.waitUntil(lambda: window.db_label.text().startswith("Offline — last synced "))
    # Someone else writes on the team store meanwhile: it comes in at the next sync.
    fresh = world.new_audit()
    network.up()
    window.sync.check()  # what the timer does every CHECK_MS
    qtbot.waitUntil(lambda: window.sync is not None
                    and window.sync.state.text().startswith("The team store is back"),
                    timeout=int(DEADLINE * 1000))
    assert re.fullmatch(r"The team store is back: synced \d\d:\d\d: 0 sent, 1 received",
                        window.sync.state.text()), window.sync.state.text()
    assert window.db_label.text().startswith("Working on your copy — last synced ")
    assert access.local is not None
    assert assessments.get_assessment(access.local, window.actor, fresh).id == fresh


def test_a_failed_sync_says_so_and_the_copy_stays_usable(qtbot, modal, world, pg_database,
                                                         network, access_for) -> None:
    aid = world.new_audit()
    access = _kept_copy(world, network, pg_database, access_for)
    network.down()
    window = _offline_window(qtbot, access)
    seen: list[str] = []
    modal(QMessageBox, lambda box: (seen.append(box.text()), box.accept()))
    assert window.sync is not None
    window.sync.sync_now()
    assert seen and "cannot be reached" in seen[0]
    assert window.sync.state.text().startswith("Sync failed (")
    assert window.sync.state.text().endswith("Your copy is as it was and still usable.")
    assert access.local is not None
    assessments.save_rating(access.local, window.actor, aid, "seen", grade="G",
                            evidence="Still writable")


# -- conflicts -----------------------------------------------------------------------------
def test_conflicts_are_resolved_both_ways_from_the_status_bar(
        qtbot, modal, world, pg_database, network, access_for) -> None:
    other_case = cases.create_case(world.store, world.supervisor, "PL-2024-00002",
                                   "care_order", fca_id=None)
    first = world.new_audit()
    second = assessments.create_assessment(world.store, world.supervisor,
                                           AssessmentKind.CASE_AUDIT,
                                           world.framework_version_id, world.fca.user_id,
                                           case_id=other_case.id)
    access = _kept_copy(world, network, pg_database, access_for)
    network.down()
    window = _offline_window(qtbot, access)
    local = access.local
    assert local is not None and window.sync is not None
    for aid in (first, second):  # on the laptop, offline
        assessments.save_rating(local, window.actor, aid, "seen", grade="G",
                                evidence="Mine: seen alone")
        # ... and on another computer, on the team store
        assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="RI",
                                evidence="Theirs: not seen")
    network.up()
    window.sync.sync_now()
    assert len(window.sync.conflicts) == 2
    button = window.sync.conflicts_button
    assert button.isVisible() and button.text() == "⚠ 2 sync conflicts to resolve…"
    assert button.accessibleName() == "2 sync conflicts to resolve"
    assert "2 sync conflicts to resolve" in window.sync.state.text()
    _shot(window, "offline-05-conflicts-in-status-bar")
    by_case = {"PL-2024-00001": first, "PL-2024-00002": second}
    choices = {first: "keep_mine", second: "take_theirs"}
    seen_labels: list[str] = []

    def resolve(dialog: QWidget) -> None:
        assert isinstance(dialog, ConflictsDialog)
        _shot(dialog, "offline-06-conflicts-dialog")
        for row in range(dialog.model.rowCount()):
            seen_labels.append(dialog.model.conflict(row).label)
        while dialog.model.rowCount():
            conflict = dialog.model.conflict(0)
            aid = next(a for ref, a in by_case.items() if ref in conflict.label)
            dialog.table.selectRow(0)
            button = (dialog.keep_mine if choices[aid] == "keep_mine"
                      else dialog.take_theirs)
            before = dialog.model.rowCount()
            button.click()
            deadline = time.monotonic() + DEADLINE
            while dialog.model.rowCount() == before and time.monotonic() < deadline:
                QApplication.processEvents()
                time.sleep(0.01)
            assert dialog.model.rowCount() < before, dialog.state.text()
        dialog.reject()

    errors: list[str] = []
    modal(ConflictsDialog, resolve)
    modal(QMessageBox, lambda box: (errors.append(box.text()), box.accept()), True)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert errors == [] and len(seen_labels) == 2
    assert window.sync.conflicts == () and not button.isVisible()
    assert window.sync.state.text() == "2 conflict(s) resolved."
    kept = assessments.get_assessment(world.store, world.supervisor, first)
    taken = assessments.get_assessment(world.store, world.supervisor, second)
    assert kept.ratings["seen"].evidence == "Mine: seen alone"
    assert taken.ratings["seen"].evidence == "Theirs: not seen"
    mine_now = assessments.get_assessment(local, window.actor, second)
    assert mine_now.ratings["seen"].evidence == "Theirs: not seen"


def test_no_key_does_two_things_with_the_sync_menu(qtbot, world, pg_database, network,
                                                   access_for) -> None:
    from test_shortcuts import clashes  # tests/gui is on the path (no packages)

    access = _kept_copy(world, network, pg_database, access_for)
    network.down()
    window = _offline_window(qtbot, access)
    found = {}
    for key in list(window.pages):
        window.show_page(key)
        found[key] = clashes(window)
    assert {k: v for k, v in found.items() if v} == {}



def test_the_app_signs_in_to_a_team_store_through_its_access(
        qtbot, modal, world, pg_database, network) -> None:
    """What `run_app` does for `qa-audit --db postgresql://…` before its window (running
    `run_app` itself here would leave Qt's timers stopped for the tests after it)."""
    from qa_audit.ui import app as app_module
    from qa_audit.ui.sign_in import SignInDialog

    def sign_in(dialog: QWidget) -> None:
        assert isinstance(dialog, SignInDialog)
        assert dialog.username.text() == "sup"
        dialog.password.setText(PASSWORD)
        dialog.try_sign_in()

    modal(SignInDialog, sign_in)
    team = Store.open(network.url(pg_database))
    signed = app_module._sign_in_team(team, "sup", "")
    assert signed is not None
    access, actor, name = signed
    assert (name, actor.user_id) == ("sup", world.supervisor.user_id)
    assert access.team is team and access.store is team and not access.offline
    assert access.password == PASSWORD and access.note is None
    access.close()


# -- passwords -----------------------------------------------------------------------------
def test_changing_the_password_changes_the_copy_too(qtbot, modal, world, pg_database, network,
                                                    access_for) -> None:
    from qa_audit.errors import WrongPassword
    from qa_audit.services import accounts
    from qa_audit.ui.dialogs import ChangePasswordDialog

    access = _kept_copy(world, network, pg_database, access_for)
    actor = access.attempt("sup", PASSWORD)
    window = MainWindow(access.store, actor, "sup", access=access)
    qtbot.addWidget(window)
    window.show()
    new = "a new and longer passphrase"

    def change(dialog: QWidget) -> None:
        assert isinstance(dialog, ChangePasswordDialog)
        dialog.current.setText(PASSWORD)
        dialog.new.setText(new)
        dialog.repeat.setText(new)
        dialog.change()

    modal(ChangePasswordDialog, change)
    window.change_password()
    assert window.sync is not None
    qtbot.waitUntil(lambda: window.sync is not None and window.sync.state.text() == (
        "Your copy on this computer now opens with your new password."),
        timeout=int(DEADLINE * 1000))
    path = access.copy_path()
    assert path is not None
    copy = Store.open(path)
    try:
        with pytest.raises(WrongPassword):
            accounts.sign_in(copy, "sup", PASSWORD)
        assert accounts.sign_in(copy, "sup", new).user_id == world.supervisor.user_id
    finally:
        copy.close()
    assert access.password == new
    window.close()
    # Offline, the copy opens with the new password; changing it there is refused (the
    # team store must hear of it first).
    network.down()
    offline = access_for(network.url(pg_database))
    offline_actor = offline.attempt("sup", new)
    assert offline.offline
    seen: list[str] = []
    window = MainWindow(offline.store, offline_actor, "sup", access=offline)
    qtbot.addWidget(window)
    window.show()
    modal(QMessageBox, lambda box: (seen.append(box.text()), box.accept()))
    window.change_password()
    assert seen == [f"Change your password while you are signed in to the team store "
                    f"{network.link}/{pg_database}: your copy on this computer then changes "
                    "with it."]
