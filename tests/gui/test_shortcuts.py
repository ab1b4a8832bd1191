"""One set of shortcuts and accelerators: within a window, no key combination (Alt+letter
mnemonics of menus, tabs, buttons and labelled inputs; Ctrl shortcuts of actions and
QShortcuts) may do two things, in any state of any window: Qt runs neither when it does
("Ambiguous shortcut overload"), as Ctrl+S in the editor did."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QTabBar,
    QWidget,
)

from qa_audit.domain.framework import AssessmentKind
from qa_audit.services import assessments
from qa_audit.services import supervision as sv
from qa_audit.ui.main_window import MainWindow


def _mnemonic(text: str) -> QKeySequence:
    return QKeySequence.mnemonic(text)


def clashes(window: QWidget) -> list[str]:
    """Key combinations that more than one thing in `window`, as shown now, answers to;
    and letters used twice within one menu."""
    keys: dict[str, list[str]] = defaultdict(list)
    problems: list[str] = []

    def add(sequence: QKeySequence, what: str) -> None:
        if not sequence.isEmpty():
            keys[sequence.toString()].append(what)

    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            if action.isVisible():
                add(_mnemonic(action.text()), f"menu {action.text()!r}")
    for menu in window.findChildren(QMenu):
        letters: dict[str, list[str]] = defaultdict(list)
        for action in menu.actions():
            if action.isVisible() and not action.isSeparator():
                letter = _mnemonic(action.text()).toString()
                if letter:
                    letters[letter].append(action.text())
        problems += [f"{menu.title()!r} menu: {k} for {v}" for k, v in letters.items()
                     if len(v) > 1]
    for action in window.findChildren(QAction):
        if action.isEnabled():
            for sequence in action.shortcuts():
                add(sequence, f"action {action.text()!r}")
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if shortcut.isEnabled() and isinstance(parent, QWidget) and parent.isVisible():
            add(shortcut.key(), f"shortcut of {type(parent).__name__}")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        if isinstance(widget, QAbstractButton):
            add(_mnemonic(widget.text()), f"button {widget.text()!r}")
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            add(_mnemonic(widget.text()), f"label {widget.text()!r}")
        elif isinstance(widget, QGroupBox):
            add(_mnemonic(widget.title()), f"group {widget.title()!r}")
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                add(_mnemonic(widget.tabText(i)), f"tab {widget.tabText(i)!r}")
    problems += [f"{k}: {v}" for k, v in keys.items() if len(v) > 1]
    return problems


def _window(qtbot, world, actor, username: str) -> MainWindow:
    window = MainWindow(world.store, actor, username)
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    return window


def _every_page(window: MainWindow) -> dict[str, list[str]]:
    found = {}
    for key in list(window.pages):
        window.show_page(key)
        found[key] = clashes(window)
    return found


def _every_tab(window: MainWindow, aid) -> dict[str, list[str]]:
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    found = {}
    for i in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(i)
        found[f"editor {editor.tabs.tabText(i)}"] = clashes(window)
    return found


def _clean(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {where: problems for where, problems in found.items() if problems}


def test_the_checker_finds_a_clash(qtbot, world) -> None:
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    for text in ("&Save", "&Send"):
        layout.addWidget(QPushButton(text))
    window.show()
    assert clashes(window) == ["Alt+S: [\"button '&Save'\", \"button '&Send'\"]"]


def test_no_key_does_two_things_for_the_supervisor(qtbot, world) -> None:
    draft = world.new_audit()
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    assert sid
    window = _window(qtbot, world, world.supervisor, "sup")
    found = _every_page(window)
    found.update(_every_tab(window, draft))
    assert _clean(found) == {}


def test_no_key_does_two_things_for_the_practitioner(qtbot, world) -> None:
    aid = world.new_audit()
    world.complete(aid)
    assessments.add_action(world.store, world.supervisor, aid, "Read the plan")
    assessments.submit(world.store, world.supervisor, aid)
    sv.create_session(world.store, world.supervisor, world.fca.user_id)
    window = _window(qtbot, world, world.fca, "fca")
    found = _every_page(window)
    found.update(_every_tab(window, aid))
    assert _clean(found) == {}


def test_no_key_does_two_things_once_responded_and_finalised(qtbot, world) -> None:
    responded = world.new_audit()
    world.complete(responded)
    assessments.submit(world.store, world.supervisor, responded)
    assessments.respond(world.store, world.fca, responded, "Mine", assessments.Agreement.AGREE)
    finalised = world.finalised_audit()
    window = _window(qtbot, world, world.supervisor, "sup")
    found = {f"responded {k}": v for k, v in _every_tab(window, responded).items()}
    found.update({f"finalised {k}": v for k, v in _every_tab(window, finalised).items()})
    assert _clean(found) == {}


def test_no_key_does_two_things_for_the_lead_and_the_admin(qtbot, world) -> None:
    for actor, name in ((world.ql, "ql"), (world.admin, "admin")):
        window = _window(qtbot, world, actor, name)
        assert _clean(_every_page(window)) == {}, name


def test_no_key_does_two_things_in_the_dialogs(qtbot, world) -> None:
    from qa_audit.services.documents import DocumentKind
    from qa_audit.ui.dialogs import NewAssessmentDialog, SetupDialog
    from qa_audit.ui.export_dialogs import BatchExportDialog, DataExportDialog, ExportPdfDialog
    from qa_audit.ui.sign_in import SignInDialog
    from qa_audit.ui.views.supervision import NewSessionDialog

    aid = world.finalised_audit()
    dialogs: list[QWidget] = [
        NewAssessmentDialog(world.store, world.supervisor, AssessmentKind.CASE_AUDIT),
        NewAssessmentDialog(world.store, world.supervisor, AssessmentKind.PRACTICE_OBSERVATION),
        SetupDialog(world.store),
        SignInDialog.for_store(world.store, hint="Demo"),
        NewSessionDialog(world.store, world.supervisor),
        ExportPdfDialog(world.store, world.supervisor, DocumentKind.ASSESSMENT, target=aid),
        ExportPdfDialog(world.store, world.supervisor, DocumentKind.PERIOD),
        ExportPdfDialog(world.store, world.supervisor, DocumentKind.TEAM),
        BatchExportDialog(world.store, world.supervisor),
        DataExportDialog(world.store, world.supervisor),
    ]
    found = {}
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        found[dialog.windowTitle()] = clashes(dialog)
        dialog.close()
    assert _clean(found) == {}


def test_ctrl_s_in_the_editor_saves_at_once(qtbot, world) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    aid = world.new_audit()
    window = _window(qtbot, world, world.supervisor, "sup")
    window.open_assessment(aid)
    editor = window.editor
    assert editor is not None
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    editor.panel.evidence.setFocus()
    qtbot.keyClicks(editor.panel.evidence, "Seen alone at school")
    assert editor.state.dirty
    qtbot.keyClick(editor.panel.evidence, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.state.dirty  # saved by the key, not by the autosave timer
    saved = assessments.get_assessment(world.store, world.supervisor, aid)
    assert saved.ratings["seen"].evidence == "Seen alone at school"
