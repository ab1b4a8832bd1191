"""The dialogs of working offline, each with its service call given as a function: the
offer of a copy (progress, cancel, "Not now"), Sync now (progress, cancel, failure) and
the conflicts (keyboard, accessible names, both choices, a refused resolution)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from qa_audit.errors import StoreError
from qa_audit.ui import sync_status
from qa_audit.ui.sync_dialogs import (
    KEEP_COPY_TEXT,
    ConflictModel,
    ConflictsDialog,
    KeepCopyDialog,
    SyncDialog,
)
from qa_audit.ui.workers import Progress

LONG_WORD = "x" * 5000


def conflict(ident: str, label: str, mine: str, theirs: str) -> SimpleNamespace:
    return SimpleNamespace(id=ident, kind="assessment", label=label, mine_summary=mine,
                           theirs_summary=theirs)


CONFLICTS = [
    conflict("c1", "PL-2024-00001, audit of 3 Mar 2025: rating of Seen alone",
             "Good: seen at school", "Requires improvement: not seen"),
    conflict("c2", "PL-2024-00002 — ملاحظة 🙂", "ثلاثة أيام 🙂\nsecond line", LONG_WORD),
    conflict("c3", "PL-2024-00003: areas for development", "Mine", "Theirs"),
]


def report(sent: int = 3, received: int = 12, conflicts: tuple = (), cancelled: bool = False,
           at: dt.datetime | None = None) -> SimpleNamespace:
    return SimpleNamespace(pushed={"assessment": sent - 1, "response": 1} if sent else {},
                           pulled={"assessment": received}, conflicts=conflicts,
                           finished_at=at or dt.datetime.now(dt.UTC), cancelled=cancelled)


def _shot(widget: QWidget, name: str) -> None:
    shots = os.environ.get("QA_AUDIT_SHOTS")
    if shots:
        widget.grab().save(str(Path(shots) / f"{name}.png"))


# -- words -------------------------------------------------------------------------------
@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_with_the_date_when_not_today(london) -> None:
    # 13:02 UTC on 1 July is 14:02 in London (summer time), worked out by hand.
    synced = dt.datetime(2026, 7, 1, 13, 2, tzinfo=dt.UTC)
    same_day = dt.datetime(2026, 7, 1, 20, 0, tzinfo=dt.UTC)
    next_day = dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC)
    assert sync_status.offline_text(synced, same_day) == "Offline — last synced 14:02"
    assert sync_status.offline_text(synced, next_day) == "Offline — last synced 1 Jul 2026 14:02"
    assert sync_status.offline_text(None, next_day) == "Offline — never synced"
    # Just after midnight in London, 23:30 the evening before is another day.
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert sync_status.when_text(late, dt.datetime(2027, 1, 1, 0, 10, tzinfo=dt.UTC)) == (
        "31 Dec 2026 23:30")


def test_what_a_sync_did_in_words(london) -> None:
    at = dt.datetime(2026, 1, 5, 14, 5, tzinfo=dt.UTC)  # winter: London is on UTC
    assert sync_status.report_text(report(3, 12, at=at), at) == (
        "Synced 14:05: 3 sent, 12 received")
    two = tuple(CONFLICTS[:2])
    assert sync_status.report_text(report(0, 1, conflicts=two, at=at), at) == (
        "Synced 14:05: 0 sent, 1 received; 2 sync conflicts to resolve")
    assert sync_status.report_text(report(1, 0, cancelled=True, at=at), at) == (
        "Sync stopped 14:05: 1 sent, 0 received (kept)")


# -- the offer of a copy -----------------------------------------------------------------
def test_the_offer_explains_in_one_sentence_and_not_now_is_remembered(qtbot) -> None:
    calls: list[int] = []
    dialog = KeepCopyDialog(lambda p: calls.append(1), "It is kept in /somewhere.")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.explanation.text() == KEEP_COPY_TEXT
    assert KEEP_COPY_TEXT.count(".") == 1 and KEEP_COPY_TEXT.endswith(".")
    for words in ("without the network", "only what you may see", "password"):
        assert words in KEEP_COPY_TEXT
    _shot(dialog, "keep-a-copy-offer")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc is "Not now"
    assert dialog.declined and calls == [] and dialog.created is None


def test_keeping_a_copy_shows_progress_and_can_be_cancelled(qtbot) -> None:
    started = threading.Event()

    def make(p: Progress) -> SimpleNamespace:
        started.set()
        for done in range(1000):
            if p.cancelled:
                return SimpleNamespace(report=report(0, done, cancelled=True),
                                       recovery_key="")
            p.report(done, 1000)
            time.sleep(0.005)
        raise AssertionError("never cancelled")

    dialog = KeepCopyDialog(make, "")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.keep, Qt.MouseButton.LeftButton)
    assert dialog.running and not dialog.keep.isEnabled()
    assert dialog.later.text() == "&Cancel"
    qtbot.waitUntil(lambda: dialog.progress.value() > 0)
    _shot(dialog, "keep-a-copy-progress")
    qtbot.mouseClick(dialog.later, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.state.text() == "Cancelled: no copy was made."
    assert dialog.isVisible() and not dialog.declined and dialog.created is None
    assert dialog.later.text() == "&Not now" and dialog.keep.isEnabled()


def test_a_copy_made_closes_the_offer(qtbot) -> None:
    made = SimpleNamespace(report=report(0, 40), recovery_key="ABCD-EFGH")
    dialog = KeepCopyDialog(lambda p: made, "")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted):
        dialog.keep.click()
    assert dialog.created is made and not dialog.declined


def test_a_failed_copy_says_so_and_offers_again(qtbot, on_modal) -> None:
    def make(_p: Progress) -> None:
        raise StoreError("The disk is full, so the copy was not made.")

    seen: list[str] = []
    on_modal(lambda box: (seen.append(box.text()), box.close()))
    dialog = KeepCopyDialog(make, "")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.keep.click()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["The disk is full, so the copy was not made."]
    assert dialog.state.text() == "No copy was made." and dialog.keep.isEnabled()


# -- Sync now ----------------------------------------------------------------------------
def test_sync_dialog_reports_progress_and_its_result(qtbot) -> None:
    gate = threading.Event()
    result = report(3, 12)

    def job(p: Progress) -> SimpleNamespace:
        p.report(1, 4)
        gate.wait(10)
        p.report(4, 4)
        return result

    dialog = SyncDialog(job)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.progress.value() == 1)
    assert dialog.state.text() == "1 of 4…" and dialog.progress.maximum() == 4
    _shot(dialog, "sync-progress")
    with qtbot.waitSignal(dialog.accepted):
        gate.set()
    assert dialog.report is result and dialog.error is None


def test_cancelling_a_sync_waits_for_its_report(qtbot) -> None:
    def job(p: Progress) -> SimpleNamespace:
        while not p.cancelled:
            time.sleep(0.01)
        return report(1, 0, cancelled=True)

    dialog = SyncDialog(job)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Cancel: asks the sync to stop
    assert dialog.isVisible() and not dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        pass
    assert dialog.report is not None and dialog.report.cancelled


def test_a_failed_sync_is_a_clear_message(qtbot, on_modal) -> None:
    def job(_p: Progress) -> None:
        raise StoreError("The team store at db.example/qa cannot be reached.")

    seen: list[str] = []
    on_modal(lambda box: (seen.append(box.text()), box.close()))
    dialog = SyncDialog(job)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert seen == ["The team store at db.example/qa cannot be reached."]
    assert isinstance(dialog.error, StoreError) and dialog.report is None


# -- conflicts ---------------------------------------------------------------------------
def test_conflict_model_passes_the_model_tester(qtmodeltester) -> None:
    model = ConflictModel(CONFLICTS)
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == 4
    assert model.data(model.index(1, 1)) == "ثلاثة أيام 🙂 second line"  # one line
    assert model.data(model.index(1, 2)) == LONG_WORD
    model.remove("c2")
    qtmodeltester.check(model)
    assert [model.conflict(r).id for r in range(model.rowCount())] == ["c1", "c3"]


def _every_control_is_named(dialog: QWidget) -> list[str]:
    unnamed = []
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisible() or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (widget.accessibleName() or text.replace("&", "")):
            unnamed.append(type(widget).__name__)
    return unnamed


def test_conflicts_resolve_both_ways_from_the_keyboard(qtbot) -> None:
    chosen: list[tuple[str, str]] = []
    dialog = ConflictsDialog(CONFLICTS, lambda i, c: chosen.append((i, c)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert _every_control_is_named(dialog) == []
    row_buttons = [b.accessibleName() for b in dialog.table.findChildren(QAbstractButton)]
    assert "Keep mine: PL-2024-00002 — ملاحظة 🙂" in row_buttons
    assert "Take theirs: PL-2024-00003: areas for development" in row_buttons
    _shot(dialog, "sync-conflicts")
    assert dialog.table.hasFocus() and dialog.table.currentIndex().row() == 0
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Keep mine
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert chosen == [("c2", "keep_mine")]
    assert dialog.state.text() == "Kept yours: PL-2024-00002 — ملاحظة 🙂. 2 conflict(s) left."
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # Take theirs
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert chosen[1][1] == "take_theirs" and chosen[1][0] in ("c1", "c3")
    # the row's own button, with the mouse
    remaining = dialog.model.conflict(0).id
    button = next(b for b in dialog.table.findChildren(QAbstractButton)
                  if b.isVisible() and b.accessibleName().startswith("Keep mine"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0)
    assert chosen[2] == (remaining, "keep_mine")
    assert dialog.state.text().endswith("All conflicts are resolved.")
    assert not dialog.keep_mine.isEnabled() and not dialog.take_theirs.isEnabled()
    assert dialog.resolved == chosen


def test_a_refused_resolution_keeps_the_conflict(qtbot, on_modal) -> None:
    def refuse(_i: str, _c: str) -> None:
        raise StoreError("The team store cannot be reached; resolve when it is back.")

    seen: list[str] = []
    on_modal(lambda box: (seen.append(box.text()), box.close()))
    dialog = ConflictsDialog(CONFLICTS[:1], refuse)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.take_theirs.click()
    qtbot.waitUntil(lambda: bool(seen))
    assert dialog.model.rowCount() == 1 and dialog.resolved == []
    assert dialog.state.text() == "Not resolved; the conflict is still listed."
    assert dialog.take_theirs.isEnabled()


def test_no_key_does_two_things_in_the_offline_dialogs(qtbot) -> None:
    from test_shortcuts import clashes  # tests/gui is on the path (no packages)

    gate = threading.Event()

    def job(_p: Progress) -> SimpleNamespace:
        gate.wait(10)
        return report()

    dialogs: list[QWidget] = [KeepCopyDialog(lambda p: None, "It is kept in /x."),
                              ConflictsDialog(CONFLICTS, lambda i, c: None), SyncDialog(job)]
    found = {}
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        found[dialog.windowTitle()] = clashes(dialog)
    gate.set()
    qtbot.waitUntil(lambda: not dialogs[2].isVisible())
    assert {k: v for k, v in found.items() if v} == {}
