"""Starting the desktop app: open the database, set up or sign in, show the main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from qa_audit import __version__
from qa_audit.domain.permissions import Actor
from qa_audit.errors import UserError
from qa_audit.resources import icon_path
from qa_audit.services import accounts
from qa_audit.services.store import Store

from .dialogs import SetupDialog, SignInDialog
from .errors import install_excepthook
from .main_window import MainWindow
from .palette import STYLE_SHEET


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("qa_audit")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("qa-audit")
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setStyleSheet(STYLE_SHEET)
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
    try:
        return Store.open(target)
    except UserError as exc:
        QMessageBox.critical(None, "qa_audit", f"The database cannot be opened.\n\n{exc}")
        return None


def sign_in_or_setup(store: Store, username: str = "", hint: str = ""
                     ) -> tuple[Actor, str] | None:
    """The signed-in actor and username, after first-run setup if the database is new."""
    if accounts.needs_setup(store):
        setup = SetupDialog(store)
        if setup.exec() != QDialog.DialogCode.Accepted or setup.actor is None:
            return None
        return setup.actor, setup.username.text().strip().lower()
    dialog = SignInDialog(store, username=username, hint=hint)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
        return None
    return dialog.actor, dialog.username.text().strip().lower()


def run_app(target: str, demo: bool = False, *, username: str = "",
            self_test_password: str | None = None) -> int:
    """The GUI's main loop. `self_test_password` signs in without a dialog, paints the main
    window, and exits (used by the installer's smoke test)."""
    app = application()
    install_excepthook()
    store = open_store(target)
    if store is None:
        return 1
    if self_test_password is not None:
        actor = accounts.sign_in(store, username, self_test_password)
        window = MainWindow(store, actor, username)
        window.show()
        QTimer.singleShot(300, window.close)
        QTimer.singleShot(600, app.quit)
        app.exec()
        store.close()
        print("self-test: main window opened and closed")
        print(f"self-test: {_preview_self_test()}")
        return 0
    hint = ""
    if demo:
        from qa_audit.services.demo import DEMO_PASSWORD

        hint = (f"Demo data (a throwaway database). Every demo account's password is "
                f"{DEMO_PASSWORD}.")
    signed = sign_in_or_setup(store, username, hint)
    if signed is None:
        store.close()
        return 0
    actor, name = signed
    window = MainWindow(store, actor, name)
    window.show()
    code = app.exec()
    store.close()
    return code
