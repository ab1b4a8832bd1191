"""One way to run a change from the UI: off the GUI thread, then tell every view what changed.

Modelled on Anki's `aqt.operations.CollectionOp` and its `operation_did_execute` hook: an
`Operation` runs a service call on the thread pool (`workers.run_in_background`), calls its
success or failure handler back on the GUI thread, and then announces the kinds of record
it changed on the app-wide `changes()` bus, so each view refreshes itself instead of the
window knowing who shows what. While it runs, the widgets given as `busy` are disabled (a
second click cannot start the same change twice); they get their own state back after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from enum import StrEnum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from .errors import show_error
from .workers import Progress, Worker, run_in_background

T = TypeVar("T")


class Change(StrEnum):
    """Kinds of record an operation changes; views refresh on the kinds they show."""

    ASSESSMENT = "assessment"
    ACTION = "action"
    SESSION = "session"
    FRAMEWORK = "framework"
    ACCOUNT = "account"
    ORG_UNIT = "org_unit"


class ChangeBus(QObject):
    """`changed(kinds)` after any operation (or save) changed records of those kinds."""

    changed = Signal(frozenset)  # frozenset[Change]

    def announce(self, kinds: Iterable[Change]) -> None:
        kinds = frozenset(kinds)
        if kinds:
            self.changed.emit(kinds)


_bus: ChangeBus | None = None


def changes() -> ChangeBus:
    """The app-wide change bus (created on first use, on the GUI thread)."""
    global _bus
    if _bus is None:
        _bus = ChangeBus()
    return _bus


def connect_changes(receiver: QWidget, kinds: Iterable[Change],
                    refresh: Callable[[], object]) -> None:
    """Call `refresh` whenever records of one of `kinds` changed, while `receiver` lives.

    A view that is not showing (another page, the lists behind the open editor) is not
    refreshed at every save: it is marked stale and refreshed when it is next shown.
    """
    wanted = frozenset(kinds)
    watcher = _RefreshWhenShown(receiver, refresh)

    def on_changed(changed: frozenset[Change]) -> None:
        if changed & wanted and shiboken6.isValid(receiver):
            watcher.changed()

    bus = changes()
    bus.changed.connect(on_changed)
    receiver.destroyed.connect(lambda _obj=None: _disconnect(bus, on_changed))


class _RefreshWhenShown(QObject):
    def __init__(self, view: QWidget, refresh: Callable[[], object]) -> None:
        super().__init__(view)
        self._view, self._refresh, self._stale = view, refresh, False
        view.installEventFilter(self)

    def changed(self) -> None:
        if self._view.isVisible():
            self._refresh()
        else:
            self._stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self._stale:
            self._stale = False
            self._refresh()
        return False


def _disconnect(bus: ChangeBus, slot: Callable[[frozenset[Change]], None]) -> None:
    with suppress(RuntimeError, TypeError):  # already gone with the bus
        bus.changed.disconnect(slot)


class Operation(Generic[T]):
    """A service call that changes records, run off the GUI thread.

    `call` runs on a worker thread and must not touch widgets. On success the `success`
    handler gets its value on the GUI thread, then `changed` kinds are announced; on
    failure the `failure` handler gets the exception and traceback (default: the clear message for a
    `UserError`, a crash report for a bug, as everywhere in the app). Handlers are skipped
    when `parent` was deleted meanwhile (the person closed the page); the announcement is
    not, because the records did change.
    """

    def __init__(self, parent: QWidget, call: Callable[[], T], *,
                 changed: Iterable[Change] = (), busy: Iterable[QWidget] = ()) -> None:
        self._parent = parent
        self._call = call
        self._changed = frozenset(changed)
        self._busy = list(busy)
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException, str], Any] | None = None

    def success(self, handler: Callable[[T], Any]) -> Operation[T]:
        self._success = handler
        return self

    def failure(self, handler: Callable[[BaseException, str], Any]) -> Operation[T]:
        """Replace the default error display; gets the exception and its traceback."""
        self._failure = handler
        return self

    def run(self) -> Worker:
        """Start the call; returns its worker (`worker.signals.finished` ends it)."""
        was_enabled = [(w, w.isEnabled()) for w in self._busy]
        for widget, _enabled in was_enabled:
            widget.setEnabled(False)

        def restore() -> None:
            for widget, enabled in was_enabled:
                if shiboken6.isValid(widget):
                    widget.setEnabled(enabled)

        def job(_progress: Progress) -> T:
            return self._call()

        def done(value: Any) -> None:
            restore()
            try:
                if self._success is not None and shiboken6.isValid(self._parent):
                    self._success(value)
            finally:
                changes().announce(self._changed)

        def failed(exc: BaseException, tb: str) -> None:
            restore()
            if not shiboken6.isValid(self._parent):
                return
            if self._failure is not None:
                self._failure(exc, tb)
            else:
                show_error(self._parent, exc, tb)

        return run_in_background(job, done, failed)
