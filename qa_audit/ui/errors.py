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

from PySide6.QtWidgets import QMessageBox, QWidget

from qa_audit.config import log_dir
from qa_audit.errors import UserError

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
