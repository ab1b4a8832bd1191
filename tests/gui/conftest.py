from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from qa_audit.ui.qt_fixes import guard_bools

guard_bools()  # as the app does when it starts (qa_audit.ui.app.application)


@pytest.fixture
def on_modal(qtbot) -> Callable[[Callable[[QWidget], None]], None]:
    """Act on the next modal dialog (message box, input dialog) once it is shown."""

    def arm(action: Callable[[QWidget], None]) -> None:
        def poll() -> None:
            widget = QApplication.activeModalWidget()
            if widget is None:
                QTimer.singleShot(20, poll)
                return
            action(widget)

        QTimer.singleShot(20, poll)

    return arm
