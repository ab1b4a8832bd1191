"""Run service calls off the GUI thread; results and errors come back as signals on it.

Like Anki's background operations: the callable gets a `Progress` to report and to check
for cancel; `result` or `error` is delivered on the GUI thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, Signal


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel."""


class Progress:
    """Handed to a job: report progress, and ask whether the user cancelled."""

    def __init__(self, signals: WorkerSignals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def report(self, done: int, total: int) -> None:
        self._signals.progress.emit(done, total)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled


class WorkerSignals(QObject):
    result = Signal(object)
    error = Signal(object, str)  # the exception, and a traceback for the crash report
    progress = Signal(int, int)
    finished = Signal()


class Worker(QRunnable):
    def __init__(self, job: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.signals = WorkerSignals()
        self.progress = Progress(self.signals)
        self._job = job

    def run(self) -> None:
        try:
            value = self._job(self.progress)
        except Exception as exc:  # delivered to the GUI thread, which decides what to show
            self.signals.error.emit(exc, traceback.format_exc())
        else:
            self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


_running: set[Worker] = set()
# Called on the GUI thread once a worker's result or error has been delivered. Waiting here
# rather than connecting to `finished` late avoids a race: a signal already emitted (its
# queued call posted) never reaches a slot connected after it.
_then: dict[Worker, list[Callable[[], None]]] = {}


def _finished(worker: Worker) -> None:
    _running.discard(worker)
    for then in _then.pop(worker, []):
        then()


def run_in_background(
    job: Callable[[Progress], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException, str], None],
    on_progress: Callable[[int, int], None] | None = None,
) -> Worker:
    """Start `job` on the global thread pool; callbacks run on the GUI thread."""
    worker = Worker(job)
    worker.setAutoDelete(False)
    worker.signals.result.connect(on_result)
    worker.signals.error.connect(on_error)
    if on_progress is not None:
        worker.signals.progress.connect(on_progress)
    _running.add(worker)
    worker.signals.finished.connect(lambda: _finished(worker))
    QThreadPool.globalInstance().start(worker)
    return worker


def is_running(worker: Worker | None) -> bool:
    """Whether `worker` has not finished yet (its result or error not yet delivered)."""
    return worker is not None and worker in _running


def when_done(worker: Worker | None, then: Callable[[], None]) -> None:
    """Call `then` once `worker` has finished (at once if there is none or it has)."""
    if worker is not None and worker in _running:
        _then.setdefault(worker, []).append(then)
    else:
        then()


def wait_for(worker: Worker | None) -> None:
    """Keep the GUI responsive until `worker` has finished and its result or error has
    been delivered (at once if there is none or it has). For the few places that must not
    go on before a change is made, such as closing the page that started it."""
    if worker is None or worker not in _running:
        return
    loop = QEventLoop()
    when_done(worker, loop.quit)
    loop.exec()
