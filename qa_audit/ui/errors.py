"""Showing errors: a clear message for errors users can act on, a crash report for bugs.

Crash reports hold the exception type and traceback only (file names and line numbers of
our code), never case text: exception messages are left out because they may quote data.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_audit.config import log_dir
from qa_audit.errors import StaleRecord, UserError

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, exc: BaseException, tb: str = "") -> None:
    """A `UserError`'s own message; anything else becomes a crash report."""
    if isinstance(exc, UserError):
        QMessageBox.warning(parent, "qa_audit", str(exc))
        return
    path = write_crash_report(type(exc), exc, tb or "".join(traceback.format_exception(exc)))
    where = f"\n\nA report without case details was saved to:\n{path}" if path else ""
    QMessageBox.critical(
        parent, "qa_audit: something went wrong",
        "Something unexpected went wrong. Your saved work is safe; text being typed is kept "
        f"in the window.{where}",
    )


class StaleRecordDialog(QDialog):
    """Someone else changed the record being edited, so the person's change was refused.

    Says so, shows what the person typed that is not saved in a read-only box with a Copy
    button (so it can be kept and typed in again), and offers to reload the record as it
    is now. No button is the default: Enter typed by someone still typing does nothing."""

    def __init__(self, parent: QWidget | None, error: StaleRecord, unsaved: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changed by someone else")
        layout = QVBoxLayout(self)
        self.message = QLabel(str(error) + (
            "\n\nWhat you typed that is not saved is below: copy it before reloading if you "
            "want to keep it." if unsaved.strip() else ""))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.unsaved = QPlainTextEdit(unsaved)
        self.unsaved.setReadOnly(True)
        self.unsaved.setAccessibleName("Your unsaved text")
        self.unsaved.setToolTip("What you typed that was not saved (read-only: copy it)")
        self.unsaved.setVisible(bool(unsaved.strip()))
        layout.addWidget(self.unsaved, 1)
        buttons = QHBoxLayout()
        self.copy = QPushButton("&Copy your text")
        self.copy.setToolTip("Copy what you typed to the clipboard")
        self.copy.clicked.connect(self._copy)
        self.copy.setVisible(bool(unsaved.strip()))
        self.reload = QPushButton("&Reload")
        self.reload.setToolTip("Show the record as it is now; your unsaved text is dropped")
        self.reload.clicked.connect(self.accept)
        self.later = QPushButton("&Not now")
        self.later.setToolTip("Keep your text on screen, unsaved")
        self.later.clicked.connect(self.reject)
        for button in (self.copy, self.reload, self.later):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.addWidget(self.copy)
        buttons.addStretch(1)
        buttons.addWidget(self.reload)
        buttons.addWidget(self.later)
        layout.addLayout(buttons)
        self.resize(560, 380)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.unsaved.toPlainText())
        self.copy.setText("Copied")


def offer_reload(parent: QWidget | None, error: StaleRecord, unsaved: str) -> bool:
    """Tell the person about a refused stale write; True if they chose to reload."""
    return StaleRecordDialog(parent, error, unsaved).exec() == QDialog.DialogCode.Accepted


def write_crash_report(kind: type[BaseException], exc: BaseException, tb: str) -> Path | None:
    """Traceback lines only: frames ('File ..., line ...') and the exception type."""
    lines = [line for line in tb.splitlines() if line.lstrip().startswith("File ")]
    body = "\n".join([f"qa_audit crash report {dt.datetime.now(dt.UTC).isoformat()}",
                      f"exception: {kind.__module__}.{kind.__qualname__}", *lines])
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.txt"
        path.write_text(body + "\n", "utf-8")
    except OSError:
        return None
    log.error("crash report written (%s)", kind.__qualname__)
    return path


def install_excepthook() -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        show_error(None, exc, text)

    sys.excepthook = hook
