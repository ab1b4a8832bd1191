from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from qa_audit.ui.qt_fixes import guard_bools

guard_bools()  # as the app does when it starts (qa_audit.ui.app.application)

MODAL_DEADLINE = 10.0  # seconds: a dialog that never comes fails the test, never hangs it
ACTIVATION_GRACE = 3.0  # seconds a dialog shown may take to become the active window


@pytest.fixture
def on_modal(qtbot) -> Iterator[Callable[[Callable[[QWidget], None]], None]]:
    """Act on the next modal dialog (message box, input dialog) once it is shown.

    Each armed action must find its dialog within MODAL_DEADLINE seconds; at teardown a
    dialog that never came fails the test, a failing action is reported, and any modal
    dialog still open is closed so it cannot block the tests after this one.
    """
    timers: list[QTimer] = []
    problems: list[str] = []
    armed: list[bool] = []  # one entry per action still waiting for its dialog

    def arm(action: Callable[[QWidget], None]) -> None:
        deadline = time.monotonic() + MODAL_DEADLINE
        timer = QTimer()
        timer.setInterval(20)
        timers.append(timer)
        armed.append(True)

        shown_at: list[float] = []

        def poll() -> None:
            widget = QApplication.activeModalWidget()
            if widget is None or not widget.isVisible():  # keys sent before it shows are lost
                if time.monotonic() > deadline:
                    timer.stop()
                    armed.pop()
                    problems.append(f"no modal dialog within {MODAL_DEADLINE:.0f} s")
                return
            # Its buttons' mnemonics (Alt+Y) work once it is the active window, which a
            # loaded machine may make it a moment after it shows: wait for that (briefly).
            shown_at[:] = shown_at or [time.monotonic()]
            if (QApplication.activeWindow() is not widget
                    and time.monotonic() - shown_at[0] < ACTIVATION_GRACE):
                return
            timer.stop()
            armed.pop()
            try:
                action(widget)
            except Exception as exc:  # raised inside Qt's event loop: reported at teardown
                problems.append(f"the action on {type(widget).__name__} failed: {exc!r}")
                widget.close()

        timer.timeout.connect(poll)
        timer.start()

    yield arm
    for timer in timers:
        timer.stop()
    for _ in range(10):  # dialogs left open (nested ones too), closed one by one
        widget = QApplication.activeModalWidget()
        if widget is None:
            break
        widget.close()
        QApplication.processEvents()
    if armed:
        problems.append(f"{len(armed)} armed action(s) never met their dialog")
    assert not problems, "; ".join(problems)
