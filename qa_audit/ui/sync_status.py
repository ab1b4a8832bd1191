"""The main window's part in working offline (`qa_audit.services.sync`).

File → "Keep a copy on this computer…", "Sync now" (F9) and "Resolve sync conflicts…";
in the status bar, where the person works ("Offline — last synced 14:02"), what the last
sync did and a button to the conflicts left to resolve. While the window works on the
copy, a timer asks (off the GUI thread) whether the team store can be reached again, and
syncs when it can, saying so. Every service call runs in a worker; what is typed in an
open assessment or supervision record is saved to the store in use before a sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QPushButton, QStatusBar

from qa_audit.config import Settings

from .operations import Change, changes
from .sync_dialogs import ConflictsDialog, KeepCopyDialog, SyncDialog, show_recovery_key
from .team_access import TeamAccess
from .workers import Progress, Worker, is_running, run_in_background, wait_for, when_done

if TYPE_CHECKING:
    from qa_audit.services.sync import CopyCreated, SyncConflict, SyncReport

    from .main_window import MainWindow

KEEP, DECLINED = "keep", "declined"  # a person's remembered answer to the offer of a copy


# -- words --------------------------------------------------------------------------------
def when_text(at: dt.datetime, now: dt.datetime | None = None) -> str:
    """A moment in local time: "14:02" today, "1 Dec 2026 14:02" on another day."""
    local = at.astimezone()
    today = (now or dt.datetime.now(dt.UTC)).astimezone().date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %Y %H:%M}"


def offline_text(last_synced: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if last_synced is None:
        return "Offline — never synced"
    return f"Offline — last synced {when_text(last_synced, now)}"


def copy_text(last_synced: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Working on the copy while the team store can be reached (it was back at a check)."""
    if last_synced is None:
        return "Working on your copy — never synced"
    return f"Working on your copy — last synced {when_text(last_synced, now)}"


def conflicts_text(count: int) -> str:
    return f"{count} sync conflict{'s' if count != 1 else ''} to resolve…"


def report_text(report: SyncReport, now: dt.datetime | None = None) -> str:
    """What a sync did: "Synced 14:05: 3 sent, 12 received"."""
    sent, received = sum(report.pushed.values()), sum(report.pulled.values())
    at = when_text(report.finished_at, now)
    if report.cancelled:
        text = f"Sync stopped {at}: {sent} sent, {received} received (kept)"
    else:
        text = f"Synced {at}: {sent} sent, {received} received"
    if report.conflicts:
        text += f"; {conflicts_text(len(report.conflicts)).removesuffix('…')}"
    return text


def _remember(key: str, choice: str) -> None:
    settings = Settings.load()  # afresh: another window may have saved since
    settings.copy_choices[key] = choice
    settings.save()


def remembered(key: str) -> str | None:
    return Settings.load().copy_choices.get(key)


class SyncController(QObject):
    """Keeping, syncing and resolving the copy, for one main window on a team store."""

    CHECK_MS = 30_000  # how often, while on the copy, to ask whether the store is back
    OFFER_DELAY_MS = 800  # the first-sign-in offer, once the window has painted
    FIRST_SYNC_DELAY_MS = 2_000  # on the team store: refresh the copy after signing in

    def __init__(self, window: MainWindow, access: TeamAccess) -> None:
        super().__init__(window)
        self.window, self.access = window, access
        self.last_synced: dt.datetime | None = None
        self.reachable = not access.offline
        self.conflicts: tuple[SyncConflict, ...] = ()
        self._sync: Worker | None = None  # a sync without a dialog (automatic)
        self._check: Worker | None = None
        self._password_change: Worker | None = None
        self._dialog: SyncDialog | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(self.CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.offer_timer = QTimer(self)
        self.offer_timer.setSingleShot(True)
        self.offer_timer.timeout.connect(self._first_offer)
        self.first_sync_timer = QTimer(self)
        self.first_sync_timer.setSingleShot(True)
        self.first_sync_timer.timeout.connect(
            lambda: self.sync_quietly("Your copy on this computer is up to date"))

    @property
    def on_copy(self) -> bool:
        return self.access.offline

    # -- building ---------------------------------------------------------------------------
    def add_menu_items(self, menu: QMenu) -> None:
        w = self.window
        self.keep_action: QAction = w._action(
            menu, "Keep a &copy on this computer…", self.offer_copy,
            tip="Keep your records on this computer to work without the network")
        self.sync_action: QAction = w._action(
            menu, "S&ync now", self.sync_now, "F9",
            "Send your changes to the team store and receive what is new for you")
        self.conflicts_action: QAction = w._action(
            menu, "Resolve sync co&nflicts…", self.show_conflicts,
            tip="Records changed both here and on the team store since the last sync")

    def add_status(self, status: QStatusBar) -> None:
        self.state = QLabel()
        self.state.setObjectName("subheading")
        self.conflicts_button = QPushButton()
        self.conflicts_button.setFlat(True)
        self.conflicts_button.setToolTip("Resolve the records changed both here and on the "
                                         "team store")
        self.conflicts_button.clicked.connect(self.show_conflicts)
        self.conflicts_button.hide()
        status.addPermanentWidget(self.state)
        status.addPermanentWidget(self.conflicts_button)

    def start(self) -> None:
        """Once the window is built: what the copy knows, and what to do first."""
        if self.on_copy:
            self._read_copy()
            self.timer.start()
            self.check()  # perhaps the store is back already (asked in a worker)
        elif self.access.copy_path() is not None:
            self.first_sync_timer.start(self.FIRST_SYNC_DELAY_MS)
        elif remembered(self._key()) != DECLINED:
            self.offer_timer.start(self.OFFER_DELAY_MS)
        self.show_state()

    def _key(self) -> str:
        """The remembered choice's name: the copy's own path (one per store and person,
        never holding a password)."""
        return str(self.access.default_copy_path())

    def _read_copy(self) -> None:
        from qa_audit.services import sync

        local = self.access.local
        if local is None:
            return
        info = sync.copy_info(local)
        self.last_synced = info.last_synced_at if info is not None else None
        self.conflicts = sync.pending_conflicts(local, self.window.actor)

    # -- the status bar ---------------------------------------------------------------------
    def show_state(self, said: str | None = None) -> None:
        """Where the window works, what the last sync did (`said`), the conflicts left."""
        w = self.window
        has_copy = self.on_copy or self.access.copy_path() is not None
        self.keep_action.setVisible(not has_copy)
        if not w.locked:  # locked, every action is off; unlocking shows this again
            self.sync_action.setEnabled(has_copy)
            self.conflicts_action.setEnabled(bool(self.conflicts))
        if self.on_copy:
            where = (copy_text(self.last_synced) if self.reachable
                     else offline_text(self.last_synced))
            w.db_label.setText(where)
            w.db_label.setAccessibleName(where)
            w.db_label.setToolTip(
                f"Working on your copy ({self.access.local_path}). " + (
                    f"The {self.access.where} can be reached again: sync with F9, or sign "
                    "out and in to work on it directly." if self.reachable else
                    f"The {self.access.where} cannot be reached; your copy syncs when it "
                    "is back."))
        if said is not None:
            self.state.setText(said)
            self.state.setAccessibleName(said)
            QAccessible.updateAccessibility(QAccessibleEvent(self.state,
                                                             QAccessible.Event.Alert))
        elif not self.state.text() and has_copy and not self.on_copy:
            text = ("Copy on this computer: " + (f"last synced {when_text(self.last_synced)}"
                                                  if self.last_synced else "not synced yet"))
            self.state.setText(text)
            self.state.setAccessibleName(text)
        count = len(self.conflicts)
        self.conflicts_button.setVisible(count > 0)
        self.conflicts_button.setText(f"⚠ {conflicts_text(count)}")
        self.conflicts_button.setAccessibleName(conflicts_text(count).removesuffix("…"))

    # -- keeping a copy ---------------------------------------------------------------------
    def _first_offer(self) -> None:
        w = self.window
        if w.locked or not w.isVisible() or self.access.copy_path() is not None:
            return
        self.offer_copy()

    def offer_copy(self) -> None:
        """Offer to keep a copy; accepting makes it (progress, cancel), then shows its
        recovery key once. Both answers are remembered."""
        from qa_audit.services import sync

        w, access = self.window, self.access
        if access.offline:
            w.statusBar().showMessage("You are working on your copy on this computer.", 5000)
            return
        existing = access.copy_path()
        if existing is not None:
            QMessageBox.information(w, "qa_audit", f"You keep a copy on this computer "
                                    f"already:\n{existing}")
            self.show_state()
            return
        path = access.default_copy_path()
        team, actor, password = access.team, w.actor, access.password

        def make(p: Progress) -> CopyCreated:
            return sync.create_copy(team, actor, password, path, progress=p.report,
                                    stop=lambda: p.cancelled)

        dialog = KeepCopyDialog(make, f"It is kept in {path.parent} and synced with the "
                                f"{access.where} (File → Sync now, F9).", w)
        try:
            dialog.exec()
            created = dialog.created
            if created is None:
                if dialog.declined:
                    _remember(self._key(), DECLINED)
                return
            _remember(self._key(), KEEP)
            self.last_synced = created.report.finished_at
            self.conflicts = created.report.conflicts
            show_recovery_key(w, created.recovery_key)
            self.show_state(f"Your copy on this computer is made (synced "
                       f"{when_text(created.report.finished_at)}).")
        finally:
            when_done(getattr(dialog, "_worker", None), dialog.deleteLater)

    # -- syncing ----------------------------------------------------------------------------
    @property
    def checking(self) -> bool:
        """Whether a check that the team store can be reached is under way."""
        return is_running(self._check)

    @property
    def running(self) -> bool:
        return is_running(self._sync) or self._dialog is not None

    def _save_typed(self, show_errors: bool) -> bool:
        """What is typed in the window, saved to the store in use first; False if it
        could not be (nothing is synced then, and the text stays)."""
        w = self.window
        for page in w.pages.built():
            if hasattr(page, "flush") and not page.flush():
                return False
        if w.editor is None:
            return True
        w.editor.wait_for_operation()
        return bool(w.editor.flush(show_errors=show_errors))

    def _job(self) -> Callable[[Progress], SyncReport]:
        access, actor = self.access, self.window.actor

        def job(p: Progress) -> SyncReport:
            from qa_audit.services import sync

            team = access.signed_in_team()
            local = access.local_copy()
            return sync.sync(local, team, actor, progress=p.report, stop=lambda: p.cancelled)
        return job

    def sync_now(self) -> None:
        """File → Sync now: a dialog with progress and Cancel, then what happened."""
        w = self.window
        if w.locked:
            return
        if self.running:
            w.statusBar().showMessage("A sync is under way already.", 5000)
            return
        if self.access.copy_path() is None:
            w.statusBar().showMessage("Keep a copy on this computer first (File menu).", 5000)
            return
        if not self._save_typed(show_errors=True):
            return
        dialog = SyncDialog(self._job(), w)
        self._dialog = dialog
        try:
            dialog.exec()
        finally:
            self._dialog = None
            when_done(getattr(dialog, "_worker", None), dialog.deleteLater)
        if dialog.report is not None:
            self._synced(dialog.report)
        elif dialog.error is not None:
            self._failed(dialog.error, shown=True)

    def sync_quietly(self, reason: str) -> None:
        """An automatic sync: no dialog; the status bar says what happened, or why not."""
        w = self.window
        if self.running or w.locked or not shiboken6.isValid(w):
            return
        if not self._save_typed(show_errors=False):
            return  # the editor says why; the next check tries again
        self.show_state("Syncing with the team store…")
        self._sync = run_in_background(
            self._job(), lambda report: self._synced(report, reason),
            lambda exc, _tb: self._failed(exc, shown=False))

    def _synced(self, report: SyncReport, reason: str = "") -> None:
        from qa_audit.services import sync

        self._sync = None
        self.reachable = True
        if self.access.local is not None:
            info = sync.copy_info(self.access.local)
            self.last_synced = info.last_synced_at if info is not None else None
        self.conflicts = report.conflicts
        text = report_text(report)
        self.show_state(f"{reason}: {text[0].lower()}{text[1:]}" if reason else text)
        if self.on_copy:  # the lists show the copy, which has just changed
            changes().announce(Change)
            self.window.update_counts()

    def _failed(self, exc: BaseException, *, shown: bool) -> None:
        """A sync that did not finish; `shown`: the sync dialog said so already."""
        from qa_audit.errors import UserError

        self._sync = None
        if not shown and not isinstance(exc, UserError):
            from .errors import show_error

            show_error(self.window, exc)
        message = str(exc) if isinstance(exc, UserError) else "an unexpected error"
        if self.on_copy:
            self.reachable = False  # the next check tries again
        self.show_state(f"Sync failed ({message.rstrip('.')}). Your copy is as it was and still "
                   "usable.")

    # -- the store coming back --------------------------------------------------------------
    def check(self) -> None:
        """While on the copy: is the team store back? (asked off the GUI thread)."""
        if not self.on_copy or is_running(self._check) or self.running or self.window.locked:
            return
        target = self.access.target

        def job(_p: Progress) -> bool:
            from qa_audit.services import sync

            return bool(sync.team_reachable(target))

        self._check = run_in_background(job, self._checked, lambda _e, _t: None)

    def _checked(self, reachable: bool) -> None:
        self._check = None
        was, self.reachable = self.reachable, reachable
        if not shiboken6.isValid(self.window):
            return
        if reachable and not was:
            self.sync_quietly("The team store is back")
        else:
            self.show_state()

    # -- conflicts --------------------------------------------------------------------------
    def show_conflicts(self) -> None:
        """The conflicts left, each with Keep mine / Take theirs (resolved in workers)."""
        from qa_audit.services import sync

        w = self.window
        if w.locked:
            return
        local = self.access.local
        if local is None or local.locked:
            try:
                local = self.access.local_copy()
            except Exception as exc:
                from .errors import show_error

                show_error(w, exc)
                return
        self.conflicts = sync.pending_conflicts(local, w.actor)
        if not self.conflicts:
            self.show_state("No sync conflicts to resolve.")
            return
        access, actor = self.access, w.actor

        def resolve(conflict_id: str, choice: str) -> None:
            sync.resolve(access.local_copy(), access.signed_in_team(), actor, conflict_id,
                         sync.ConflictChoice(choice))

        dialog = ConflictsDialog(self.conflicts, resolve, w)
        try:
            dialog.exec()
        finally:
            when_done(getattr(dialog, "_worker", None), dialog.deleteLater)
        self.conflicts = sync.pending_conflicts(local, w.actor)
        if dialog.resolved:
            self.show_state(f"{len(dialog.resolved)} conflict(s) resolved" + (
                f"; {len(self.conflicts)} left." if self.conflicts else "."))
            changes().announce(Change)
        else:
            self.show_state()

    # -- passwords --------------------------------------------------------------------------
    def may_change_password(self) -> bool:
        """Not while on the copy: the team store (where the password lives) must hear of
        it first, and the copy then follows."""
        if not self.on_copy:
            return True
        QMessageBox.information(
            self.window, "qa_audit", "Change your password while you are signed in to the "
            f"{self.access.where}: your copy on this computer then changes with it.")
        return False

    def password_changed(self, old: str, new: str) -> None:
        """After a change on the team store: the copy (if any) changed too, in a worker."""
        access, actor = self.access, self.window.actor

        def job(_p: Progress) -> bool:
            had_copy = access.copy_path() is not None
            access.change_copy_password(actor, old, new)
            return had_copy

        def done(had_copy: bool) -> None:
            if had_copy and shiboken6.isValid(self.window):
                self.show_state("Your copy on this computer now opens with your new password.")

        def failed(exc: BaseException, _tb: str) -> None:
            if shiboken6.isValid(self.window):
                self.show_state(f"Your copy on this computer still opens with your old "
                                f"password ({str(exc).rstrip('.')}).")

        self._password_change = run_in_background(job, done, failed)

    # -- closing ----------------------------------------------------------------------------
    def stop(self) -> None:
        """The window is closing: no more checks; a sync under way stops and is waited for
        (what it sent or received is kept)."""
        self.timer.stop()
        self.offer_timer.stop()
        self.first_sync_timer.stop()
        for worker in (self._sync, self._check, self._password_change):
            if worker is not None and is_running(worker):
                worker.progress.cancel()
                wait_for(worker)

