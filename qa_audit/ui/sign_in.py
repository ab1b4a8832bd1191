"""The sign-in window. Light on purpose: it is the first thing shown, before the database
layer has loaded (see `qa_audit.services.launch`), so it imports only Qt and takes the
signing-in itself as a function."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor
from qa_audit.errors import UserError

if TYPE_CHECKING:
    from qa_audit.services.database import Store

# (username, password) -> the signed-in actor, or UserError (wrong password, too many tries)
Attempt = Callable[[str, str], Actor]


def line_edit(name: str, tip: str, *, secret: bool = False) -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(name)
    line.setToolTip(tip)
    if secret:
        line.setEchoMode(QLineEdit.EchoMode.Password)
    return line


class SignInDialog(QDialog):
    """Username and password; a wrong password keeps the dialog open with a message."""

    def __init__(self, location: str, attempt: Attempt, parent: QWidget | None = None, *,
                 username: str = "", title: str = "Sign in to qa_audit", hint: str = "") -> None:
        super().__init__(parent)
        self.setMinimumWidth(460)
        self.attempt = attempt
        self.actor: Actor | None = None
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Database: {location}")
        intro.setObjectName("subheading")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            layout.addWidget(note)
        self.note = QLabel()  # what the person should know first (the store is unreachable)
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        form = QFormLayout()
        self.username = line_edit("Username", "Your username")
        self.username.setText(username)
        self.password = line_edit("Password", "Your password", secret=True)
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("")  # the message itself is read, as an alert
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Sign in")
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    @classmethod
    def for_store(cls, store: Store, parent: QWidget | None = None, **options: str
                  ) -> SignInDialog:
        """Signing in to a store that is already open."""
        from qa_audit.services import accounts

        return cls(store.location, lambda user, password: accounts.sign_in(store, user, password),
                   parent, **options)

    def show_note(self, text: str) -> None:
        """Say something about the database before signing in (read out as an alert)."""
        self.note.setText(text)
        self.note.setAccessibleName(text)
        self.note.show()
        QAccessible.updateAccessibility(QAccessibleEvent(self.note, QAccessible.Event.Alert))
        self.adjustSize()

    @property
    def signed_username(self) -> str:
        return self.username.text().strip().lower()

    def try_sign_in(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.actor = self.attempt(self.username.text(), self.password.text())
        except UserError as exc:
            self.message.setText(f"⚠ {exc}")
            self.message.setAccessibleName(str(exc))
            QAccessible.updateAccessibility(QAccessibleEvent(self.message,
                                                             QAccessible.Event.Alert))
            self.adjustSize()  # a long message (a pause after wrong passwords) shows whole
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
