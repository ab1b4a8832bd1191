"""Starting the desktop app: the QApplication, signing in (or first-run setup), the main
window.

An existing encrypted database shows the sign-in window first, with only Qt loaded; the
database layer and the main window's code load in a background thread while the person
types (`qa_audit.services.launch`). Other databases (new, clear-text, PostgreSQL) are
opened before anything is shown, as there may be setting up to do.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from qa_audit import __version__
from qa_audit.domain.permissions import Actor
from qa_audit.errors import UserError
from qa_audit.resources import icon_path
from qa_audit.services import launch

from .errors import install_excepthook
from .palette import apply_palette, style_sheet
from .qt_fixes import guard_bools
from .sign_in import SignInDialog

if TYPE_CHECKING:
    from qa_audit.services.database import Store

    from .main_window import MainWindow
    from .team_access import TeamAccess


def application() -> QApplication:
    guard_bools()  # before any signal is emitted: see qt_fixes
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("qa_audit")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("qa-audit")
    app.setWindowIcon(QIcon(str(icon_path())))
    apply_palette(app)
    app.setStyleSheet(style_sheet())
    return app


def _preview_self_test() -> str:
    """A PDF with Urdu text made and rendered as the preview would: proves the fonts, the
    shaping engine and the page renderer are in the installed app."""
    import uharfbuzz  # type: ignore[import-untyped]  # noqa: F401  (reportlab shapes with it)

    from qa_audit.reports.pdf_common import build_pdf, para, text

    from .export_dialogs import rasterise

    data = build_pdf([para(text("Self-test: Zofia Wiśniewska, نگہت چودھری"))],
                     header_title="Self-test", marking="OFFICIAL", audience="test",
                     draft=False, title="Self-test", author="qa_audit", subject="self-test")
    pages = rasterise(data, 200)
    return f"PDF preview rendered {len(pages)} page(s) of {pages[0].width()} px"


def open_store(target: str) -> Store | None:
    from qa_audit.services.database import Store

    try:
        return Store.open(target)
    except UserError as exc:
        QMessageBox.critical(None, "qa_audit", f"The database cannot be opened.\n\n{exc}")
        return None


def sign_in_or_setup(store: Store, username: str = "", hint: str = ""
                     ) -> tuple[Actor, str] | None:
    """The signed-in actor and username, after first-run setup if the database is new."""
    from qa_audit.services import accounts

    from .dialogs import SetupDialog

    if accounts.needs_setup(store):
        setup = SetupDialog(store)
        if setup.exec() != QDialog.DialogCode.Accepted or setup.actor is None:
            return None
        return setup.actor, setup.username.text().strip().lower()
    dialog = SignInDialog.for_store(store, username=username, hint=hint)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
        return None
    return dialog.actor, dialog.signed_username


def team_sign_in(access: TeamAccess, username: str = "", hint: str = "") -> SignInDialog:
    """The sign-in window of a team store. It asks in the background whether the store
    can be reached; when it cannot, it says so, and signing in opens the person's copy on
    this computer (if they keep one) with the same password."""
    import shiboken6

    from .workers import run_in_background

    access.unreachable = False
    dialog = SignInDialog(access.team.location, access.attempt, username=username, hint=hint)
    access.note = dialog.show_note
    target, where = access.target, access.where

    def job(_progress: object) -> bool:
        from qa_audit.services import sync

        return bool(sync.team_reachable(target))

    def checked(reachable: bool) -> None:
        if reachable or not shiboken6.isValid(dialog) or dialog.actor is not None:
            return
        access.unreachable = True
        dialog.show_note(f"The {where} cannot be reached (no network, or the server is "
                         "down). If you keep a copy of your records on this computer, signing "
                         "in opens it with your usual password.")

    run_in_background(job, checked, lambda _exc, _tb: None)
    return dialog


def _sign_in_team(store: Store, username: str, hint: str
                  ) -> tuple[TeamAccess, Actor, str] | None:
    from .team_access import TeamAccess

    access = TeamAccess(store)
    dialog = team_sign_in(access, username, hint)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    access.note = None  # the window goes; the access stays for the session
    if not accepted or dialog.actor is None:
        return None
    return access, dialog.actor, dialog.signed_username


class Preloader:
    """Loads the database layer and the main window's code in a background thread."""

    # The main window and its first page (the assessment list, which brings the services
    # its menus and exports use): what would otherwise load between Enter and the window.
    MODULES = ("qa_audit.ui.main_window", "qa_audit.ui.views.assessments")

    def __init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="qa-audit-preload",
                                        daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()

    def wait(self) -> None:
        """Until the loading has finished (at once if it has)."""
        self.start()
        self._thread.join()

    def finish(self) -> None:
        """Let loading already under way end (the app is closing: the interpreter should
        not shut down in the middle of an import); never starts it."""
        if self._thread.ident is not None:
            self._thread.join()

    @staticmethod
    def load() -> None:
        import importlib

        launch.preload()
        for name in Preloader.MODULES:
            importlib.import_module(name)

    @classmethod
    def _run(cls) -> None:
        try:
            cls.load()
        except Exception:  # the GUI thread imports the same at sign-in and shows it there
            logging.getLogger(__name__).debug("background loading failed", exc_info=True)


class _StartAfterFirstPaint(QObject):
    """Starts the preloader once the window has been painted: the loading competes for
    the interpreter, so it waits until the person can already see the window."""

    def __init__(self, window: QDialog, loader: Preloader) -> None:
        super().__init__(window)
        self.loader = loader
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.loader.start)
        return False


class _SignInFirst:
    """Signing in to an encrypted database file that is opened only at the first attempt,
    once the preloader has loaded the database layer; kept open for further attempts."""

    def __init__(self, path: Path, loader: Preloader) -> None:
        self.path = path
        self.loader = loader
        self.store: Store | None = None

    def attempt(self, username: str, password: str) -> Actor:
        self.loader.wait()
        from qa_audit.services import accounts
        from qa_audit.services.database import Store

        if self.store is None:
            self.store = Store.open(self.path)
        return accounts.sign_in(self.store, username, password)


def _sign_in_first(path: Path, username: str, hint: str
                   ) -> tuple[Store, Actor, str] | None:
    loader = Preloader()
    signer = _SignInFirst(path, loader)
    dialog = SignInDialog(str(path), signer.attempt, username=username, hint=hint)
    _StartAfterFirstPaint(dialog, loader)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    if not accepted or dialog.actor is None or signer.store is None:
        loader.finish()
        if signer.store is not None:
            signer.store.close()
        return None
    return signer.store, dialog.actor, dialog.signed_username


class AppSession(QObject):
    """The signed-in person's main window, and what follows it: closing the window ends
    the app; signing out closes it and shows the sign-in window again on the same
    database (a `--demo` database is kept), where cancelling ends the app."""

    def __init__(self, store: Store, hint: str, quit_app: Callable[[], None], *,
                 access: TeamAccess | None = None) -> None:
        """`access`: a team store, signed in to through `TeamAccess` (the window works
        on the store or, when it could not be reached, on the person's copy)."""
        super().__init__()
        self.store, self.hint, self._quit = store, hint, quit_app
        self.access = access
        self.window: MainWindow | None = None
        self.sign_in: SignInDialog | None = None

    def start(self, actor: Actor, username: str) -> MainWindow:
        from .main_window import MainWindow

        if self.access is not None:
            window = MainWindow(self.access.store, actor, username, access=self.access)
        else:
            window = MainWindow(self.store, actor, username)
        window.closed.connect(self._closed)
        self.window = window
        window.show()
        return window

    def _closed(self, signed_out: bool) -> None:
        old, self.window = self.window, None
        if old is not None:
            old.deleteLater()  # its widgets go with the event loop, never mid-signal
        if not signed_out:
            self._quit()
            return
        username = old.username if old else ""
        if self.access is not None:
            self.access.signed_out()
            dialog = team_sign_in(self.access, username, self.hint)
        else:
            dialog = SignInDialog.for_store(self.store, username=username, hint=self.hint)
        dialog.accepted.connect(lambda: self._signed_in(dialog))
        dialog.rejected.connect(self._quit)
        self.sign_in = dialog
        dialog.open()

    def _signed_in(self, dialog: SignInDialog) -> None:
        self.sign_in = None
        if self.access is not None:
            self.access.note = None
        dialog.deleteLater()
        if dialog.actor is not None:
            self.start(dialog.actor, dialog.signed_username)

    def end(self) -> None:
        """After the event loop: the window (if any is left) goes before the store."""
        if self.window is not None:
            self.window.close()
            self.window = None

    def close_stores(self) -> None:
        """After `end`: the store, and the person's copy if one was opened."""
        if self.access is not None:
            self.access.close()
        else:
            self.store.close()


def run_app(target: str, demo: bool = False, *, username: str = "",
            self_test_password: str | None = None) -> int:
    """The GUI's main loop. `self_test_password` signs in without a dialog, paints the main
    window, and exits (used by the installer's smoke test)."""
    app = application()
    install_excepthook()
    hint = ""
    if demo:
        from qa_audit.services.demo import DEMO_PASSWORD

        hint = (f"Demo data (a throwaway database). Every demo account's password is "
                f"{DEMO_PASSWORD}.")
    if self_test_password is not None:
        Preloader.load()  # proves everything the background loading names is installed
    path = launch.sign_in_first(target)
    access: TeamAccess | None = None
    if path is not None and self_test_password is None:
        signed_first = _sign_in_first(path, username, hint)
        if signed_first is None:
            return 0
        store, actor, name = signed_first
    else:
        opened = open_store(target)
        if opened is None:
            return 1
        store = opened
        if self_test_password is not None:
            from qa_audit.services import accounts

            actor, name = accounts.sign_in(store, username, self_test_password), username
        elif store.is_team_store and store.locked:
            team = _sign_in_team(store, username, hint)
            if team is None:
                store.close()
                return 0
            access, actor, name = team
        else:
            signed = sign_in_or_setup(store, username, hint)
            if signed is None:
                store.close()
                return 0
            actor, name = signed
    session = AppSession(store, hint, app.quit, access=access)
    app.setQuitOnLastWindowClosed(False)  # signing out closes the window but not the app
    window = session.start(actor, name)
    if self_test_password is not None:
        QTimer.singleShot(300, window.close)
        QTimer.singleShot(600, app.quit)
    code = app.exec()
    session.end()
    session.close_stores()
    if self_test_password is not None:
        print("self-test: main window opened and closed")
        print(f"self-test: {_preview_self_test()}")
    return code
