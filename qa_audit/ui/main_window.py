"""The main window: navigation by role, the pages, menus, status bar, idle lock."""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QAction,
    QCloseEvent,
    QIcon,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from qa_audit import __version__
from qa_audit.config import Settings, config_dir
from qa_audit.domain.framework import AssessmentKind
from qa_audit.domain.permissions import Action, Actor, Scope, allowed, scope_of
from qa_audit.domain.workflow import Status
from qa_audit.errors import UserError
from qa_audit.services import accounts
from qa_audit.services.database import Store
from qa_audit.services.listing import AssessmentQuery

from .dialogs import NewAssessmentDialog

if TYPE_CHECKING:
    from qa_audit.services.documents import DocumentKind
    from qa_audit.services.waiting import WaitingItem

    from .editor import AssessmentEditor
    from .sync_status import SyncController
    from .team_access import TeamAccess
    from .views.themes import ThemesView
from .errors import show_error
from .operations import changes
from .palette import add_fonts
from .scrolling import ScrollingStack
from .workers import run_in_background

NOTICE_DELAY_MS = 1500
COUNTS_DELAY_MS = 400
NAV_WIDTH = 220  # the page list's width, in a window wide enough
SUBMITTED_ON = (Status.SUBMITTED, Status.RETURNED, Status.RESPONDED, Status.MODERATION,
                Status.FINALISED)


TITLE_ROLE = Qt.ItemDataRole.UserRole + 1  # a navigation row's page name, without its count


def ui_settings() -> QSettings:
    """Window state in an ini file in our config dir (tests get a temporary one)."""
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


class NoticeBar(QFrame):
    """A message above the pages that the person should act on, with its action and a way
    to put it away; read out as an alert when it appears."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                           | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.act = QPushButton()
        self.dismiss = QPushButton("&Dismiss")
        self.dismiss.setToolTip("Hide this message until the next sign-in")
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.label, 1)
        row.addWidget(self.act)
        row.addWidget(self.dismiss)
        self._slot: Callable[[], None] | None = None
        self.act.clicked.connect(lambda: self._slot() if self._slot else None)
        self.hide()

    def show_text(self, text: str, action: str, slot: Callable[[], None]) -> None:
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.act.setText(action)
        self._slot = slot
        self.show()
        QAccessible.updateAccessibility(QAccessibleEvent(self.label, QAccessible.Event.Alert))


class LockScreen(QFrame):
    """Hides everything until the signed-in user's password is given again."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window_ = window
        self.setObjectName("lockScreen")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel("qa_audit is locked")
        title.setObjectName("heading")
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.info = QLabel("Locked after a period without use. Unsaved text is kept.")
        layout.addWidget(self.info, alignment=Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password to unlock")
        self.password.setToolTip("Your password")
        self.password.setPlaceholderText("Password")
        self.password.returnPressed.connect(self.unlock)
        button = QPushButton("&Unlock")
        button.setToolTip("Unlock with your password")
        button.clicked.connect(self.unlock)
        row.addWidget(self.password)
        row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel()
        layout.addWidget(self.message, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def unlock(self) -> None:
        w = self.window_
        try:
            accounts.sign_in(w.store, w.username, self.password.text())
        except UserError as exc:
            self.message.setText(f"⚠ {exc}")
            self.message.setAccessibleName(str(exc))
            QAccessible.updateAccessibility(QAccessibleEvent(self.message,
                                                             QAccessible.Event.Alert))
            self.password.clear()
            return
        self.password.clear()
        self.message.clear()
        w.unlock()


class Pages:
    """The main window's pages by key, each built (and its module imported) the first time
    it is shown, so start-up pays only for the page the user lands on."""

    def __init__(self, stack: ScrollingStack, on_built: Callable[[QWidget], None]) -> None:
        self._stack, self._on_built = stack, on_built
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._widgets: dict[str, QWidget] = {}

    def add(self, key: str, factory: Callable[[], QWidget]) -> None:
        self._factories[key] = factory

    def __contains__(self, key: object) -> bool:
        return key in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._widgets:
            widget = self._factories[key]()
            self._stack.addWidget(widget)
            self._widgets[key] = widget
            self._on_built(widget)
        return self._widgets[key]

    def built(self) -> list[QWidget]:
        return list(self._widgets.values())

    def first(self) -> QWidget:
        return self[next(iter(self._factories))]


class MainWindow(QMainWindow):
    closed = Signal(bool)  # the window has closed; True when the person signed out

    def __init__(self, store: Store, actor: Actor, username: str, *,
                 access: TeamAccess | None = None) -> None:
        """`access`: signed in through a team store (working on it, or on the person's
        copy when it could not be reached); the window then keeps and syncs the copy."""
        super().__init__()
        add_fonts()
        self.store, self.actor, self.username = store, actor, username
        self.sync: SyncController | None = None
        if access is not None:
            from .sync_status import SyncController

            self.sync = SyncController(self, access)
        self.settings = Settings.load()
        self.editor: AssessmentEditor | None = None
        self.setWindowTitle(f"qa_audit — {actor.display_name} ({actor.role.label})")
        self.setWindowIcon(QIcon(str(_icon())))
        central = QWidget()
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        self.notice = NoticeBar()
        outer.addWidget(self.notice)
        row = QHBoxLayout()
        outer.addLayout(row, 1)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFixedWidth(NAV_WIDTH)  # narrower in a narrow window: resizeEvent
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = ScrollingStack()  # a page larger than the window scrolls
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.pages = Pages(self.stack, self._page_built)
        self._build_pages()
        self.nav.setToolTip(f"Pages (Ctrl+1…Ctrl+{min(self.nav.count(), 9)})")
        self.stack.setCurrentWidget(self.pages.first())
        self.nav.currentRowChanged.connect(self._navigate)
        # With an assessment open the nav keeps its current row (unselected), so focusing the
        # list does not pick a row and close the editor; choosing that row is a click or
        # Enter on it.
        self.nav.itemClicked.connect(self._nav_item_chosen)
        self.nav.itemActivated.connect(self._nav_item_chosen)
        self.lock_screen = LockScreen(self)
        self.stack.addWidget(self.lock_screen)
        self._build_menus()
        self._build_status()
        self._restore()
        self._counts_timer = QTimer(self)  # after the first paint: the counts are queries
        self._counts_timer.setSingleShot(True)
        self._counts_timer.timeout.connect(self.update_counts)
        self._counts_timer.start(0)
        changes().changed.connect(self._counts_changed)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(max(1, self.settings.idle_lock_minutes) * 60_000)
        self._idle.timeout.connect(self._lock_when_idle)
        self._idle.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        # Not urgent, and it searches the audit log: asked once the window has painted.
        self._notice_timer = QTimer(self)  # owned: gone with the window if closed first
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self._check_password_notice)
        self._notice_timer.start(NOTICE_DELAY_MS)
        if self.sync is not None:
            self.sync.start()

    def _check_password_notice(self) -> None:
        """Tell the person if someone else set their password (read off the GUI thread)."""
        run_in_background(lambda _p: accounts.password_notice(self.store, self.actor),
                          self._show_password_notice, lambda _e, _t: None)

    def _show_password_notice(self, text: str | None) -> None:
        # Failed sign-ins to this account since its last sign-in (or an edited record of
        # them) are said once, with the password notice if there is one.
        failures, self.store.sign_in_notice = self.store.sign_in_notice, None
        message = " ".join(part for part in (failures, text) if part)
        if message and shiboken6.isValid(self.notice):  # the window may have closed meanwhile
            self.notice.show_text(message, "Change pass&word…", self.change_password)

    def change_password(self) -> None:
        from .dialogs import ChangePasswordDialog

        if self.sync is not None and not self.sync.may_change_password():
            return
        dialog = ChangePasswordDialog(self.store, self.actor, self)
        if dialog.exec():
            self.notice.hide()
            self.statusBar().showMessage("Your password is changed.", 10_000)
            if self.sync is not None:  # the copy on this computer follows
                self.sync.password_changed(dialog.current.text(), dialog.new.text())

    # -- pages -----------------------------------------------------------------------------
    def _add_page(self, key: str, title: str, factory: Callable[[], QWidget]) -> None:
        self.pages.add(key, factory)
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setData(TITLE_ROLE, title)
        self.nav.addItem(item)

    def update_counts(self) -> None:
        """Counts of what waits for this person beside the pages' names: all of it beside
        Home, and each kind beside the page that lists it (`services.waiting`)."""
        from qa_audit.services import waiting
        from qa_audit.services.waiting import Waiting

        try:
            found = waiting.counts(self.store, self.actor)
        except UserError:
            found = {}
        by_page = {
            "home": sum(found.values()),
            "mine": found.get(Waiting.GRADE, 0) + found.get(Waiting.FINALISE, 0),
            "feedback": found.get(Waiting.RESPOND, 0),
            "supervision": found.get(Waiting.SIGN, 0),
            "my-actions": found.get(Waiting.OVERDUE, 0),
        }
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            title = str(item.data(TITLE_ROLE))
            count = by_page.get(str(item.data(Qt.ItemDataRole.UserRole)), 0)
            item.setText(f"{title} ({count})" if count else title)
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{title}: {count} waiting for you" if count else title)
        self._fit_navigation()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_navigation()

    def _fit_navigation(self) -> None:
        """The page list: NAV_WIDTH wide, narrower in a narrow window (a laptop at 200%)
        but never narrower than its longest name with its count."""
        # As its rows are drawn (the style sheet's font and padding), plus its frame.
        longest = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + 8
        self.nav.setFixedWidth(min(NAV_WIDTH, max(longest, self.width() * 15 // 100)))

    def _counts_changed(self, _kinds: object) -> None:
        """Records changed (a save, a signature): recount soon, once for a burst."""
        if shiboken6.isValid(self) and not self.locked:
            self._counts_timer.start(COUNTS_DELAY_MS)

    def _page_built(self, page: QWidget) -> None:
        from .views.assessments import AssessmentListView
        from .views.home import HomeView

        if isinstance(page, HomeView):
            page.itemOpened.connect(self.open_waiting)

        if isinstance(page, AssessmentListView):
            page.openRequested.connect(self.open_assessment)
            page.newRequested.connect(self.new_assessment)
        if hasattr(page, "openRequested") and not isinstance(page, AssessmentListView):
            page.openRequested.connect(self.open_assessment)  # themes, moderation

    def _build_pages(self) -> None:
        from .views.assessments import AssessmentListView

        a, store = self.actor, self.store

        def actions(title: str, team: bool) -> Callable[[], QWidget]:
            def make() -> QWidget:
                from .views.actions import ActionsView

                return ActionsView(store, a, title, team=team)
            return make

        def supervision() -> QWidget:
            from .views.supervision import SupervisionView

            return SupervisionView(store, a)

        def framework_list() -> QWidget:
            from .views.frameworks import FrameworksView

            return FrameworksView(store, a)

        def admin() -> QWidget:
            from .views.admin import AdminView

            return AdminView(store, a)

        # Pages follow the permissions: what the person may do, and over which records.
        # Home first, for everyone something can wait for.
        from qa_audit.services.waiting import kinds_for

        if kinds_for(a):
            self._add_page("home", "Home", lambda: _home_page(store, a))
        if allowed(a, Action.CREATE_ASSESSMENT):
            self._add_page("mine", "My assessments", lambda: AssessmentListView(
                store, a, "My assessments", AssessmentQuery(author_id=a.user_id),
                show_new=True))
        if allowed(a, Action.RESPOND):
            self._add_page("feedback", "Feedback for me", lambda: AssessmentListView(
                store, a, "Feedback for me", AssessmentQuery(statuses=SUBMITTED_ON)))
            self._add_page("my-actions", "My actions", actions("My open actions", False))
        wide = {Scope.TEAM: "Team", Scope.REGION: "Region", Scope.SERVICE: "All regions"}
        if (title := wide.get(scope_of(a.role, Action.VIEW_ASSESSMENT) or Scope.ALL)):
            self._add_page("team", title, lambda: AssessmentListView(
                store, a, f"{title} assessments", AssessmentQuery()))
        if scope_of(a.role, Action.COMPLETE_ACTION) is Scope.TEAM:
            self._add_page("team-actions", "Team actions",
                           actions("Team's open and overdue actions", True))
        if allowed(a, Action.VIEW_SUPERVISION):
            self._add_page("supervision", "Supervision", supervision)
        if allowed(a, Action.VIEW_THEMES):
            self._add_page("themes", "Themes", lambda: _themes_page(store, a))
        if allowed(a, Action.MODERATE):
            self._add_page("moderation", "Moderation", lambda: _moderation_page(store, a))
        if allowed(a, Action.VIEW_FRAMEWORKS):
            self._add_page("frameworks", "Frameworks", framework_list)
        if allowed(a, Action.MANAGE_USERS):
            self._add_page("admin", "Admin", admin)

    def _nav_item_chosen(self, item: QListWidgetItem) -> None:
        if self.editor is not None:
            self._navigate(self.nav.row(item))

    def _navigate(self, row: int) -> None:
        if row < 0 or not self._leave_editor():
            return
        if not self.nav.item(row).isSelected():
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        key = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        self.stack.setCurrentWidget(self.pages[key])
        self.update_counts()
        self.last_page = key

    def show_page(self, key: str) -> None:
        keys = [self.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.nav.count())]
        if key in keys:
            self.nav.setCurrentRow(keys.index(key))

    def open_waiting(self, item: WaitingItem) -> None:
        """Open what a home page row stands for: the assessment (on its Actions tab for an
        overdue action), or the supervision record on the Supervision page."""
        from qa_audit.services.waiting import Waiting

        if item.assessment_id is not None:
            self.open_assessment(item.assessment_id)
            if item.kind is Waiting.OVERDUE and self.editor is not None:
                self.editor.tabs.setCurrentWidget(self.editor.actions_page)
                self.editor.actions_page.table.setFocus()
            return
        if item.session_id is not None and "supervision" in self.pages:
            self.show_page("supervision")
            page = self.pages["supervision"]
            if self.stack.currentWidget() is page and hasattr(page, "open_session"):
                page.open_session(item.session_id)

    # -- assessments -----------------------------------------------------------------------
    def new_assessment(self, kind: AssessmentKind = AssessmentKind.CASE_AUDIT) -> None:
        if not allowed(self.actor, Action.CREATE_ASSESSMENT):
            return
        dialog = NewAssessmentDialog(self.store, self.actor, kind, self)
        if dialog.exec() and dialog.assessment_id is not None:
            self.open_assessment(dialog.assessment_id)

    def open_assessment(self, assessment_id: uuid.UUID) -> None:
        if not self._leave_editor():
            return
        from .editor import AssessmentEditor

        try:
            editor = AssessmentEditor(self.store, self.actor, assessment_id)
        except UserError as exc:
            show_error(self, exc)
            return
        editor.closed.connect(self._editor_closed)
        editor.saveStateChanged.connect(self._show_save_state)
        # Moved to another framework version: shown again, built on its new framework.
        editor.reopenRequested.connect(self.open_assessment,
                                       Qt.ConnectionType.QueuedConnection)
        self.editor = editor
        self.stack.addWidget(editor)
        self.stack.setCurrentWidget(editor)
        self.nav.blockSignals(True)
        if self.nav.currentRow() < 0 and self.nav.count():
            self.nav.setCurrentRow(0)
        self.nav.clearSelection()  # no page is highlighted while the editor is shown
        self.nav.blockSignals(False)
        editor.focus_start()

    def _leave_editor(self) -> bool:
        """Save pages that hold typed text (the supervision record) and close the open
        editor; False keeps things as they are if saving failed."""
        if not all(page.flush() for page in self.pages.built() if hasattr(page, "flush")):
            return False
        editor = self.editor
        if editor is None:
            return True
        if not editor.leave():
            return False
        self.editor = None
        self.stack.removeWidget(editor)
        editor.deleteLater()
        return True

    def _editor_closed(self) -> None:
        """Back (Esc) from an assessment: to the page it was opened from, shown and
        highlighted. (Choosing the row again does nothing when it is already the
        navigation's current row, and the stack would show whatever follows the removed
        editor: another page, or the lock screen.)"""
        last = getattr(self, "last_page", "") or next(iter(self.pages))
        if not self._leave_editor():
            return
        keys = [self.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.nav.count())]
        self._navigate(keys.index(last) if last in keys else 0)  # counts updated there
        self.nav.item(self.nav.currentRow()).setSelected(True)

    # -- menus and status ------------------------------------------------------------------
    def _action(self, menu: Any, text: str, slot: Any, keys: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.setToolTip(tip or text.replace("&", ""))
        action.setStatusTip(tip or text.replace("&", ""))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        if allowed(self.actor, Action.CREATE_ASSESSMENT):
            new_audit = self._action(file_menu, "New case &audit…", lambda: self.new_assessment(
                AssessmentKind.CASE_AUDIT), QKeySequence.StandardKey.New)
            self._action(file_menu, "New practice &observation…", lambda: self.new_assessment(
                AssessmentKind.PRACTICE_OBSERVATION), "Ctrl+Shift+N")
            toolbar.addAction(new_audit)
        if allowed(self.actor, Action.DRAW_CASE_SAMPLE):
            self._action(file_menu, "&Draw cases to audit…", self.draw_cases,
                         tip="Draw cases by rules and create draft audits for their "
                         "supervisors")
        save = self._action(file_menu, "&Save", self.save, QKeySequence.StandardKey.Save,
                            "Save the open assessment now")
        toolbar.addAction(save)
        export = self._action(file_menu, "Export &PDF…", self.export_pdf,
                              QKeySequence.StandardKey.Print,
                              "Export the open assessment as a reflective-supervision summary")
        toolbar.addAction(export)
        self._build_reports_menu(bar)
        file_menu.addSeparator()
        if allowed(self.actor, Action.EXPORT_ASSESSMENT):
            self._action(file_menu, "Send to p&ractitioner…", self.send_bundle, "Ctrl+Shift+S",
                         "Send the open assessment to its practitioner as a signed, encrypted "
                         "bundle file")
        self._action(file_menu, "&Import bundle…", self.import_bundle, "Ctrl+Shift+I",
                     "Preview and import a bundle someone sent you")
        file_menu.addSeparator()
        if self.sync is not None:
            self.sync.add_menu_items(file_menu)
            file_menu.addSeparator()
        self._action(file_menu, "Change pass&word…", self.change_password,
                     tip="Choose a new password for your account")
        self._action(file_menu, "&Lock", lambda: self.lock(), "Ctrl+L", "Lock the window now")
        self._action(file_menu, "Sign ou&t", self.sign_out,
                     tip="Sign out and return to the sign-in window")
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view = bar.addMenu("&View")
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            self._action(view, str(item.data(TITLE_ROLE)),
                         lambda _c=False, r=i: self.nav.setCurrentRow(r),
                         f"Ctrl+{i + 1}" if i < 9 else None)
        self._action(view, "&Find case reference", self._focus_search, "Ctrl+F")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self._show_keys, "F1")
        self._action(help_menu, "&About qa_audit", self._about)

    def _build_reports_menu(self, bar: Any) -> None:
        from qa_audit.services.documents import DocumentKind  # reports load on first use

        reports = bar.addMenu("&Reports")
        actor = self.actor
        if allowed(actor, Action.EXPORT_ASSESSMENT):
            self._action(reports, "&Practitioner period summary…",
                         lambda: self.export_summary(DocumentKind.PERIOD), "Ctrl+Shift+P",
                         "A practitioner's assessments over a period, as a reflective cycle")
        if allowed(actor, Action.VIEW_THEMES):
            self._action(reports, "&Team summary…",
                         lambda: self.export_summary(DocumentKind.TEAM), "Ctrl+Shift+T",
                         "A team's grade distributions, trends and action completion (with "
                         "Themes showing: the Themes filters and figures)")
            self._action(reports, "&Batch export assessment PDFs…", self.export_batch,
                         "Ctrl+Shift+B", "One summary PDF per assessment of a team and period")
        if allowed(actor, Action.EXPORT_DATA):
            reports.addSeparator()
            self._action(reports, "Export &data (CSV or XLSX)…", self.export_data,
                         "Ctrl+Shift+E", "Assessments, ratings and actions for analysis")
        reports.menuAction().setVisible(not reports.isEmpty())

    def _build_status(self) -> None:
        status = self.statusBar()
        self.user_label = QLabel(f"{self.actor.display_name} · {self.actor.role.label}")
        if self.store.is_team_store:  # the server decides what this login sees
            where = f"Signed in to the {self.store.location}"
        else:
            where = (f"{'Encrypted' if self.store.encrypted else 'Not encrypted'}: "
                     f"{self.store.location}")
        self.db_label = QLabel(where)
        self.db_label.setObjectName("subheading")
        self.db_label.setToolTip(where)
        # A long path is cut at the window's edge (the tooltip has it whole) rather than
        # widening the window past a small screen.
        self.db_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.save_state = QLabel("No unsaved changes")
        self.save_state.setAccessibleName(self.save_state.text())
        status.addWidget(self.user_label)
        status.addWidget(self.db_label, 1)
        if self.sync is not None:
            self.sync.add_status(status)
        status.addPermanentWidget(self.save_state)

    def _show_save_state(self, text: str) -> None:
        self.save_state.setText(text)
        self.save_state.setAccessibleName(text)  # read as what it says

    def save(self) -> None:
        if self.editor is not None:
            self.editor.flush()

    def export_pdf(self) -> None:
        """The open assessment as a reflective-supervision summary: audience, marking,
        preview, then save (rendering and writing off the GUI thread)."""
        from qa_audit.services.documents import DocumentKind

        from .export_dialogs import ExportPdfDialog, run_modal

        editor = self.editor
        if editor is None:
            self.statusBar().showMessage("Open an assessment to export it as a PDF.", 5000)
            return
        if not editor.flush():
            return
        detail = editor.state.detail
        name = f"summary-{(detail.case_reference or 'observation')}.pdf"
        run_modal(ExportPdfDialog(self.store, self.actor, DocumentKind.ASSESSMENT,
                                  target=detail.id, default_name=name,
                                  marking=self.settings.protective_marking, parent=self))

    def send_bundle(self) -> None:
        """The open assessment, to its practitioner, as a bundle file (no server needed)."""
        from .exchange_dialogs import SendBundleDialog
        from .export_dialogs import run_modal

        editor = self.editor
        if editor is None:
            self.statusBar().showMessage("Open an assessment to send it.", 5000)
            return
        if not editor.flush():
            return
        detail = editor.state.detail
        if not detail.capabilities.export or detail.subject_id == self.actor.user_id:
            self.statusBar().showMessage("You cannot send this assessment.", 5000)
            return
        name = f"{detail.case_reference or 'observation'}-{detail.assessed_on}.qab"
        run_modal(SendBundleDialog(self.store, self.actor, detail.id, detail.subject_id,
                                   detail.subject_name, name, self))

    def import_bundle(self) -> None:
        from .exchange_dialogs import ImportBundleDialog
        from .export_dialogs import run_modal

        dialog = ImportBundleDialog(self.store, self.actor, self)
        if run_modal(dialog):
            from .operations import Change, changes

            changes().announce(Change)  # a bundle may bring records of every kind
            self.statusBar().showMessage("Bundle imported.", 5000)

    def export_summary(self, kind: DocumentKind) -> None:
        """A period or team summary PDF. With the Themes page showing, the team summary is
        that page's: its filters (framework and version, period, region, service area,
        team, law type, case type, kind) and its figures, as its own button saves it."""
        from .export_dialogs import ExportPdfDialog, run_modal

        themes_page = self._themes_showing()
        if kind.value == "team" and themes_page is not None:
            themes_page.save_team_summary()
            return
        name = "period-summary.pdf" if kind.value == "period" else "team-summary.pdf"
        run_modal(ExportPdfDialog(self.store, self.actor, kind, default_name=name,
                                  marking=self.settings.protective_marking, parent=self))

    def _themes_showing(self) -> ThemesView | None:
        """The Themes page, if it is the page on show (and has a framework to filter by)."""
        if "qa_audit.ui.views.themes" not in sys.modules:  # never built: not showing
            return None
        from .views.themes import ThemesView

        page = self.stack.currentWidget()
        if isinstance(page, ThemesView) and page.current_filter() is not None:
            return page
        return None

    def draw_cases(self) -> None:
        from .views.moderation import draw_cases

        draw_cases(self.store, self.actor, self)  # the lists refresh from its announcement

    def export_batch(self) -> None:
        from .export_dialogs import BatchExportDialog, run_modal

        run_modal(BatchExportDialog(self.store, self.actor, self.settings.protective_marking,
                                    self))

    def export_data(self) -> None:
        from .export_dialogs import DataExportDialog, run_modal

        run_modal(DataExportDialog(self.store, self.actor, self.settings.protective_marking,
                                   self))

    def _focus_search(self) -> None:
        """Ctrl+F: the page's search box (a list's case reference, Admin's accounts)."""
        search = getattr(self.stack.currentWidget(), "search", None)
        if isinstance(search, QLineEdit):
            search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            search.selectAll()

    def _show_keys(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", "\n".join([
            f"Ctrl+1…Ctrl+{min(self.nav.count(), 9)}  go to a page", "Ctrl+N  new case audit",
            "Ctrl+Shift+N  new practice observation", "Ctrl+F  find a case reference",
            "Ctrl+Shift+P  practitioner period summary", "Ctrl+Shift+T  team summary",
            "Ctrl+Shift+B  batch export PDFs", "Ctrl+Shift+E  export data (CSV/XLSX)",
            "Ctrl+Shift+I  import a bundle (preview first)",
            "F9  sync your copy with the team store",
            "Enter  open the selected assessment", "In an assessment:",
            "  1–9  grade the standard (in the scale's order), N  not applicable",
            "  Alt+1–9  grade even while typing", "  Ctrl+Down / Ctrl+Up  next / previous "
            "standard", "  Ctrl+Tab / Ctrl+Shift+Tab  next / previous section",
            "  Enter (in a new action's text)  add the action", "  Ctrl+S  save now",
            "  Ctrl+Enter  submit to the practitioner",
            "  Esc  back to the list", "  Ctrl+P  export the assessment as a PDF",
            "  Ctrl+Shift+S  send it to the practitioner as a bundle",
            "Ctrl+L  lock", "Ctrl+Q  quit"]))

    def _about(self) -> None:
        QMessageBox.about(self, "About qa_audit",
                          f"qa_audit {__version__}\nPractice quality audits, observations and "
                          "reflective supervision.")

    # -- lock, sign-out, close -------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                            QEvent.Type.Wheel, QEvent.Type.MouseMove):
            self._idle.start()
        return super().eventFilter(watched, event)

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_screen

    def _lock_when_idle(self) -> None:
        self.lock(reason="Locked after a period without use. Unsaved text is kept.")

    def lock(self, reason: str = "Locked by you. Unsaved text is kept.") -> None:
        if self.locked:
            return
        self.lock_screen.info.setText(reason)
        if self.editor is not None:
            self.editor.flush(show_errors=False)
        self._before_lock = self.stack.currentWidget()
        # Everything that reaches data goes dark: the list of pages, the menus, the toolbar
        # and every action's keyboard shortcut (an action stays live while any widget
        # showing it is enabled); the lock screen's own password box stays.
        self._locked_actions = [a for a in self.findChildren(QAction)
                                if a.isEnabled() and a.parent() is not self.lock_screen]
        for action in self._locked_actions:
            action.setEnabled(False)
        for widget in (self.nav, self.menuBar(), *self.findChildren(QToolBar)):
            widget.setEnabled(False)
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.password.setFocus()

    def unlock(self) -> None:
        for action in getattr(self, "_locked_actions", []):
            action.setEnabled(True)
        self._locked_actions = []
        for widget in (self.nav, self.menuBar(), *self.findChildren(QToolBar)):
            widget.setEnabled(True)
        self.stack.setCurrentWidget(getattr(self, "_before_lock", self.pages_first()))
        self._idle.start()
        if self.sync is not None:
            self.sync.show_state()

    def pages_first(self) -> QWidget:
        return self.pages.first()

    def sign_out(self) -> None:
        """Close the window (saving first) and go back to the sign-in window."""
        self._signing_out = True
        if not self.close():
            self._signing_out = False

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leave_editor():
            answer = QMessageBox.question(
                self, "Unsaved changes", "Some changes could not be saved. Close anyway and "
                "lose them?", QMessageBox.StandardButton.No | QMessageBox.StandardButton.Yes)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        settings = ui_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        settings.setValue("last_page", getattr(self, "last_page", ""))
        settings.sync()
        with contextlib.suppress(UserError):
            accounts.sign_out(self.store, self.actor)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._idle.stop()
        self._counts_timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            changes().changed.disconnect(self._counts_changed)
        if self.sync is not None:
            self.sync.stop()
        event.accept()
        self.closed.emit(getattr(self, "_signing_out", False))

    def _restore(self) -> None:
        settings = ui_settings()
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        self._fit_screen()
        state = settings.value("state")
        if state is not None:
            self.restoreState(state)
        last = str(settings.value("last_page", "") or "")
        self.nav.setCurrentRow(0)
        if last and "home" not in self.pages:  # with a Home, sign-in shows what waits
            self.show_page(last)

    def _fit_screen(self) -> None:
        """No larger than the screen's free area (a 1366×768 laptop, or 200% scaling)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            self.move(free.topLeft())


def _home_page(store: Store, actor: Actor) -> QWidget:
    from .views.home import HomeView

    return HomeView(store, actor)


def _themes_page(store: Store, actor: Actor) -> QWidget:
    from .views.themes import ThemesView

    return ThemesView(store, actor)


def _moderation_page(store: Store, actor: Actor) -> QWidget:
    from .views.moderation import ModerationView

    return ModerationView(store, actor)


def _icon() -> Any:
    from qa_audit.resources import icon_path

    return icon_path()
