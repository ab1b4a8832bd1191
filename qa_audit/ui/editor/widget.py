"""The assessment editor widget: binds `EditorState` to the pages and saves through services.

Edits are saved by a debounced autosave, and at once on flush (navigation, Ctrl+S,
closing the window). A failed save keeps the text in the widgets and the change pending.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_audit.config import Settings
from qa_audit.domain.permissions import Actor
from qa_audit.domain.records import Agreement
from qa_audit.domain.workflow import Status
from qa_audit.errors import StaleRecord, UserError
from qa_audit.services import assessments, comments, framework_move, frameworks
from qa_audit.services.assessments import Narrative
from qa_audit.services.database import Store
from qa_audit.services.frameworks import FrameworkVersionInfo
from qa_audit.services.read_models import ASSESSMENT, RESPONSE, comment_key, rating_key

from ..errors import offer_reload, show_error
from ..operations import Change, Operation, changes
from ..reply_box import ReplyBox
from ..scrolling import ResponsiveSplitter, ScrollingTabs
from ..workers import Worker, is_running, wait_for
from .pages import ActionsPage, AddendaPage, ContextPage, OverallPage, ResponsePage
from .standard_panel import StandardPanel
from .state import EditorState, Pending, StandardState
from .submit_dialog import MissingDialog, SignResponseDialog

STANDARD_ROLE = Qt.ItemDataRole.UserRole + 2


class AssessmentEditor(QWidget):
    closed = Signal()
    changed = Signal(object)  # uuid.UUID
    saveStateChanged = Signal(str)
    reopenRequested = Signal(object)  # uuid.UUID: moved to another framework version

    def __init__(self, store: Store, actor: Actor, assessment_id: uuid.UUID,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self._stale = False  # a save was refused as stale and the person has not reloaded
        detail = assessments.get_assessment(store, actor, assessment_id)
        framework = frameworks.get_framework(store, detail.framework_version_id)
        self.state = EditorState(detail, framework, actor)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(Settings.load().autosave_seconds * 1000))
        self._timer.timeout.connect(self._autosave)
        self._worker: Worker | None = None
        self._newer: FrameworkVersionInfo | None = None  # a newer version to move to
        self._build()
        self._bind_keys()
        self.show_standard(0)
        self._refresh_modes()
        self.tabs.setCurrentWidget(self._first_page())

    @property
    def assessment_id(self) -> uuid.UUID:
        return self.state.detail.id

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        state = self.state
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)  # a narrow window wraps it, not the window widened
        self.subheading = QLabel()
        self.subheading.setObjectName("subheading")
        self.subheading.setWordWrap(True)
        titles.addWidget(self.heading)
        header.addLayout(titles, 1)
        self.back = self._button("← &Back", "Back to the list (Esc)", self._close)
        self.submit = self._button("S&ubmit to practitioner", "Check and submit (Ctrl+Enter)",
                                   self.request_submit)
        self.finalise_button = self._button("Finalise", "Make the assessment final and "
                                            "read-only", self.request_finalise)
        self.move_version = self._button("Move to newer version…", "", self.request_move)
        self.move_version.setVisible(False)
        for b in (self.move_version, self.submit, self.finalise_button, self.back):
            header.addWidget(b)
        layout.addLayout(header)
        layout.addWidget(self.subheading)  # the full width, beside no buttons (200% scaling)
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setWordWrap(True)
        layout.addWidget(self.read_only_note)

        self.tabs = ScrollingTabs()  # a tab larger than the window scrolls
        self.tabs.setAccessibleName("Assessment sections")
        # Tree beside the standard, or above it in a narrow window (200% scaling).
        self.standards_page = standards_page = ResponsiveSplitter()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Standard", "State"])
        self.tree.setAccessibleName("Standards")
        self.tree.setToolTip("Standards by area. Ctrl+Down / Ctrl+Up: next / previous. "
                             "1–9 or N: grade.")
        self.tree.setColumnWidth(0, 290)
        self.tree.installEventFilter(self)
        self._fill_tree()
        self.tree.currentItemChanged.connect(self._tree_moved)
        self.panel = StandardPanel(state)
        self.panel.evidence.installEventFilter(self)
        self.panel.commentary.installEventFilter(self)
        self.panel.gradeChosen.connect(self._grade_chosen)
        self.panel.evidenceEdited.connect(
            lambda sid, text: self._edit(lambda: state.set_rating(sid, "evidence", text)))
        self.panel.commentaryEdited.connect(
            lambda sid, text: self._edit(lambda: state.set_rating(sid, "commentary", text)))
        self.panel.indicatorsEdited.connect(
            lambda sid, ticked: self._edit(lambda: state.set_rating(sid, "indicators", ticked)))
        self.panel.comment.installEventFilter(self)
        self.panel.commentEdited.connect(
            lambda sid, text: self._edit(lambda: state.set_comment(sid, text)))
        standards_page.addWidget(self.tree)
        standards_page.addWidget(self.panel)
        standards_page.setSizes([460, 660])
        self.tabs.addTab(standards_page, "&Standards")
        self.context_page = ContextPage(state)
        self.context_page.answered.connect(
            lambda fid, v: self._edit(lambda: state.set_context(fid, v)))
        self.tabs.addTab(self.context_page, "C&ontext")
        self.overall_page = OverallPage(state)
        self.overall_page.edited.connect(
            lambda n, text: self._edit(lambda: state.set_narrative(n, text)))
        self.tabs.addTab(self.overall_page, "Overa&ll")
        self.actions_page = ActionsPage(state)
        self.actions_page.addRequested.connect(self._add_action)
        self.actions_page.removeRequested.connect(self._remove_action)
        self.actions_page.doneRequested.connect(self._action_done)
        self.tabs.addTab(self.actions_page, "Ac&tions")
        self.response_page = ResponsePage(state)
        self.response_page.draftEdited.connect(self._response_edited)
        self.response_page.signRequested.connect(self.request_respond)
        self.response_page.returnRequested.connect(self.request_return)
        self.reply_box = ReplyBox(self.store, self.actor, self.assessment_id)
        response_layout = self.response_page.layout()
        assert response_layout is not None
        response_layout.addWidget(self.reply_box)
        self.tabs.addTab(self.response_page, "Res&ponse")
        self.addenda_page = AddendaPage(state)
        self.addenda_page.addRequested.connect(self._add_addendum)
        self.tabs.addTab(self.addenda_page, "A&ddenda")
        layout.addWidget(self.tabs, 1)
        self.progress = QLabel()
        self.progress.setObjectName("subheading")
        layout.addWidget(self.progress)
        self._update_tree()
        self._keyed: list[QObject] = [self.tree, self.panel.evidence, self.panel.commentary,
                                      *self.context_page.inputs.values()]
        for widget in self._keyed[3:]:
            widget.installEventFilter(self)

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.replace("&", "").replace("← ", ""))
        button.clicked.connect(slot)
        return button

    def _fill_tree(self) -> None:
        self.tree.clear()
        self._items: dict[str, QTreeWidgetItem] = {}
        for area in self.state.framework.areas:
            top = QTreeWidgetItem([area.title, ""])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for standard in area.standards:
                item = QTreeWidgetItem([standard.title, ""])
                item.setData(0, STANDARD_ROLE, standard.id)
                top.addChild(item)
                self._items[standard.id] = item
            top.setExpanded(True)

    def _update_tree(self) -> None:
        for area in self.state.framework.areas:
            top = self._items[area.standards[0].id].parent() if area.standards else None
            if top is None:
                continue
            done = sum(1 for s in area.standards if self.state.state_of(s) in (
                StandardState.GRADED, StandardState.NOT_APPLICABLE))
            text = f"{done} of {len(area.standards)} graded"
            top.setText(1, text)
            top.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"Area: {area.title}")
            top.setData(1, Qt.ItemDataRole.AccessibleTextRole, text)
        for standard in self.state.standards:
            item = self._items[standard.id]
            text = self.state.state_text(standard)
            item.setText(1, text)
            item.setToolTip(1, text)
            item.setData(1, Qt.ItemDataRole.AccessibleTextRole, text)
        self.progress.setText(self.state.progress_text())
        self.overall_page.show_overall(self.state)

    def _bind_keys(self) -> None:
        def shortcut(keys: str, slot: Any) -> None:
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

        shortcut("Ctrl+Down", lambda: self.show_standard(self.state.current + 1))
        shortcut("Ctrl+Up", lambda: self.show_standard(self.state.current - 1))
        shortcut("Ctrl+Return", self.request_submit)
        shortcut("Ctrl+Enter", self.request_submit)
        shortcut("Escape", self._close)
        for key, code, _label in self.state.key_grades():
            shortcut(f"Alt+{key}", lambda c=code: self._grade_key(c))

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.tree and self._grade_from_key(event):
                return True
            if watched in self._keyed and self._alt_grade_from_key(event):
                return True
            if watched in self._keyed and self._submit_from_key(event):
                return True
            if watched in (self.tree, self.panel.evidence, self.panel.commentary,
                           self.panel.comment) and self._step_from_key(event):
                if watched is self.panel.comment:
                    self.panel.comment.setFocus()  # the practitioner goes on commenting
                elif watched is not self.tree:
                    self.panel.evidence.setFocus()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._grade_from_key(event):
            super().keyPressEvent(event)

    def _alt_grade_from_key(self, event: QKeyEvent) -> bool:
        """Alt+1..9 / Alt+N grade even while typing in a text box."""
        if event.modifiers() != Qt.KeyboardModifier.AltModifier:
            return False
        key = Qt.Key(event.key())
        text = "N" if key == Qt.Key.Key_N else (
            chr(key.value) if Qt.Key.Key_1.value <= key.value <= Qt.Key.Key_9.value else "")
        code = self.state.grade_for_key(text) if text else None
        if code is None:
            return False
        self._grade_key(code)
        return True

    def _submit_from_key(self, event: QKeyEvent) -> bool:
        """Ctrl+Enter submits from anywhere in the editor (views would take Enter)."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier or event.key() not in (
            Qt.Key.Key_Return, Qt.Key.Key_Enter
        ):
            return False
        self.request_submit()
        return True

    def _step_from_key(self, event: QKeyEvent) -> bool:
        """Ctrl+Down / Ctrl+Up move by standard (the tree would move by row, areas too)."""
        if event.modifiers() != Qt.KeyboardModifier.ControlModifier:
            return False
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
        if step is None:
            return False
        self.show_standard(self.state.current + step)
        self.tree.setFocus()
        return True

    def _grade_from_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier,
                                     Qt.KeyboardModifier.KeypadModifier):
            return False
        code = self.state.grade_for_key(event.text())
        if code is None or self.tabs.currentIndex() != 0:
            return False
        self._grade_key(code)
        return True

    def _grade_key(self, code: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.panel.choose_grade(code)

    # -- showing ---------------------------------------------------------------------------
    def show_standard(self, index: int) -> None:
        index = max(0, min(index, len(self.state.standards) - 1))
        self.state.current = index
        standard = self.state.standard
        self.tabs.setCurrentIndex(0)
        self.panel.show_standard(standard)
        item = self._items[standard.id]
        if self.tree.currentItem() is not item:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            self.tree.blockSignals(False)

    def _first_page(self) -> QWidget:
        """The tab that needs this person: the practitioner's Response while she can
        respond, the author's Response once the practitioner has responded."""
        s = self.state
        if s.can_respond or s.can_finalise:
            return self.response_page
        return self.standards_page

    def select_target(self, target: str) -> None:
        """Jump to a standard id or a context field id (from the pre-submit check)."""
        if target in self._items:
            self.show_standard(next(i for i, s in enumerate(self.state.standards)
                                    if s.id == target))
            self.panel.evidence.setFocus()
            return
        widget = self.context_page.inputs.get(target)
        if widget is not None:
            self.tabs.setCurrentWidget(self.context_page)
            widget.setFocus()

    def _tree_moved(self, item: QTreeWidgetItem | None, _previous: Any) -> None:
        standard_id = item.data(0, STANDARD_ROLE) if item else None
        if standard_id:
            self.show_standard(next(i for i, s in enumerate(self.state.standards)
                                    if s.id == standard_id))
            self.tree.setFocus()

    def _refresh_modes(self) -> None:
        s, d = self.state, self.state.detail
        self.heading.setText(f"{d.kind.label}: {d.case_reference or d.subject_name}")
        self.subheading.setText(
            f"Practitioner: {d.subject_name} · Supervisor: {d.author_name} · "
            f"{d.framework_title} {d.framework_version} (#{d.framework_sha256[:8]}) · "
            f"Status: {d.status.label} · Date: {d.assessed_on:%d %b %Y}"
            + (f"\nThe practitioner asked for changes: {d.response.change_request}"
               if d.status is Status.RETURNED and d.response and d.response.change_request
               else ""))
        reason = s.capabilities.read_only_reason
        self.read_only_note.setText(reason)
        self.read_only_note.setAccessibleName(reason or "Editable")
        self.read_only_note.setVisible(bool(reason) and not s.can_edit)
        self.panel.set_editable(s.can_edit)
        self.context_page.set_editable(s.can_edit)
        self.overall_page.set_editable(s.can_edit)
        self.actions_page.show_actions(d.actions)
        self.actions_page.set_modes(s.can_edit)
        self.response_page.show_response(s)
        self.reply_box.refresh()
        self.addenda_page.show_addenda(s)
        self.submit.setVisible(s.can_edit)
        self.finalise_button.setVisible(s.can_finalise)
        self._offer_newer_version()
        self._update_tree()

    def _offer_newer_version(self) -> None:
        """"Move to version X…" while the author may edit and a newer version of the
        framework has been imported (the services say which)."""
        newer = framework_move.newer_versions(self.store, self.actor, self.assessment_id) \
            if self.state.can_edit else []
        self._newer = newer[0] if newer else None
        self.move_version.setVisible(self._newer is not None)
        if self._newer is not None:
            text = f"Move to vers&ion {self._newer.version}…"
            self.move_version.setText(text)
            self.move_version.setAccessibleName(text.replace("&", ""))
            self.move_version.setToolTip(
                f"Version {self._newer.version} of this framework has been imported: see "
                "what maps and what would be lost, then choose whether to move this draft")

    def _reload(self) -> None:
        self.state.load(assessments.get_assessment(self.store, self.actor, self.assessment_id))
        self._refresh_modes()
        self.panel.show_standard(self.state.standard)

    # -- editing and saving ----------------------------------------------------------------
    def _edit(self, change: Any) -> None:
        change()
        self._update_tree()
        self.saveStateChanged.emit("Unsaved changes")
        self._timer.start()

    def _grade_chosen(self, standard_id: str, code: str | None) -> None:
        self._edit(lambda: self.state.set_rating(standard_id, "grade", code))

    def _response_edited(self) -> None:
        if self.state.can_respond:
            self.saveStateChanged.emit("Unsaved changes")
            self._response_dirty = True
            self._timer.start()

    def _autosave(self) -> None:
        if is_running(self._worker):  # a change (submit, finalise) is being made: after it
            self._timer.start()
            return
        if not self._stale:  # refused until the person reloads: said once, not each pause
            self.flush(show_errors=False)

    def flush(self, show_errors: bool = True) -> bool:
        """Save every pending change now. False (with the text kept) if saving failed."""
        self._timer.stop()
        pending = self.state.take_pending()
        response_dirty = getattr(self, "_response_dirty", False)
        if not pending and not response_dirty:
            return True
        self.saveStateChanged.emit("Saving…")
        try:
            self._save(pending)
            if response_dirty:
                reflection, agreement, reasons = self.response_page.values()
                self.state.versions.update(assessments.save_response(
                    self.store, self.actor, self.assessment_id, reflection, agreement,
                    reasons, seen=self.state.versions.get(RESPONSE)))
                self._response_dirty = False
        except StaleRecord as exc:
            self.state.restore_pending(pending)
            self._stale_record(exc)
            return False
        except UserError as exc:
            self.state.restore_pending(pending)
            self.saveStateChanged.emit(f"Could not save: {exc}")
            if show_errors:
                show_error(self, exc)
            return False
        self.saveStateChanged.emit(f"Saved {dt.datetime.now():%H:%M}")
        self.changed.emit(self.assessment_id)
        changes().announce({Change.ASSESSMENT})
        return True

    def _save(self, pending: dict[Pending, Any]) -> None:
        """Save through the services, each given the version of its record that this copy
        was drawn from and taking back the new versions."""
        versions = self.state.versions
        ratings: dict[str, dict[str, Any]] = {}
        for change, value in pending.items():
            if change.kind == "rating":
                ratings.setdefault(change.key, {})[change.field] = value
        for standard_id, fields in ratings.items():
            versions.update(assessments.save_rating(
                self.store, self.actor, self.assessment_id, standard_id, **fields,
                seen=versions.get(rating_key(standard_id))))
        for change, value in pending.items():
            if change.kind == "context":
                versions.update(assessments.set_context(
                    self.store, self.actor, self.assessment_id, change.key, value,
                    seen=versions.get(ASSESSMENT)))
            elif change.kind == "narrative":
                versions.update(assessments.set_narrative(
                    self.store, self.actor, self.assessment_id, Narrative(change.key), value,
                    seen=versions.get(ASSESSMENT)))
            elif change.kind == "comment":  # each moves the response's version on too
                versions.update(comments.save_comment(
                    self.store, self.actor, self.assessment_id, change.key, value,
                    seen=versions.get(comment_key(change.key), 0)))

    def _stale_record(self, error: StaleRecord) -> None:
        """Someone else changed the assessment: say so, give the unsaved text to copy, and
        reload if the person chooses to (their unsaved changes are then dropped)."""
        self._stale = True
        self.saveStateChanged.emit("Not saved: someone else changed this assessment")
        unsaved = self.state.unsaved_text()
        if getattr(self, "_response_dirty", False):
            reflection, _agreement, reasons = self.response_page.values()
            unsaved = "\n\n".join(t for t in (unsaved, f"Your reflection:\n{reflection}",
                                               f"Your reasons:\n{reasons}" if reasons else "")
                                   if t)
        if offer_reload(self, error, unsaved):
            self.reload_as_saved()

    def reload_as_saved(self) -> None:
        """Show the assessment as it is saved now, dropping unsaved changes."""
        self._timer.stop()
        self.state.take_pending()
        self._response_dirty = False
        self._stale = False
        self._reload()
        self.context_page.show_answers(self.state)
        self.overall_page.show_narratives(self.state)
        self.saveStateChanged.emit("Reloaded: showing the assessment as saved now")

    # -- workflow --------------------------------------------------------------------------
    def _workflow_buttons(self) -> list[QWidget]:
        """Buttons that start a change; disabled while one runs so it cannot start twice."""
        return [self.back, self.submit, self.finalise_button, self.move_version,
                self.actions_page.add,
                self.actions_page.remove, self.actions_page.done, self.response_page.sign,
                self.response_page.send_back, self.addenda_page.add]

    def _run(self, call: Callable[[], object], success: str = "",
             then: Callable[[], None] | None = None) -> None:
        """Save what is typed, then make the change off the GUI thread; on success reload
        the assessment, say `success` and call `then`. A refusal shows its clear message
        and keeps everything typed."""
        if not self.flush():
            return
        self.saveStateChanged.emit("Working…")

        def done(_value: object) -> None:
            self._reload()
            self.changed.emit(self.assessment_id)
            self.saveStateChanged.emit(success or f"Saved {dt.datetime.now():%H:%M}")
            if then is not None:
                then()

        def failed(exc: BaseException, tb: str) -> None:
            self.saveStateChanged.emit("Not changed")
            show_error(self, exc, tb)

        operation = Operation(self, call, changed=(Change.ASSESSMENT, Change.ACTION),
                              busy=self._workflow_buttons())
        self._worker = operation.success(done).failure(failed).run()

    def wait_for_operation(self) -> None:
        """Return once the change being made (if any) has finished and been shown."""
        wait_for(self._worker)

    def request_submit(self) -> None:
        if not self.state.can_edit:
            return
        missing = self.state.missing()
        if missing:
            dialog = MissingDialog(missing, self)
            if dialog.exec() and dialog.target:
                self.select_target(dialog.target)
            return
        answer = QMessageBox.question(
            self, "Submit to practitioner",
            f"Send this assessment to {self.state.detail.subject_name}? You cannot edit it "
            "while it is with them.")
        if answer == QMessageBox.StandardButton.Yes:
            self._run(lambda: assessments.submit(self.store, self.actor, self.assessment_id),
                      "Submitted to the practitioner")

    def request_move(self) -> None:
        """Preview moving the draft to the newer version; move only on the explicit step.
        Once moved, the editor asks to be opened again (on the new framework)."""
        from .move_dialog import MoveVersionDialog

        target = self._newer
        if target is None or not self.state.can_edit or not self.flush():
            return
        try:
            preview = framework_move.preview_move(self.store, self.actor, self.assessment_id,
                                                  target.id)
        except UserError as exc:
            show_error(self, exc)
            return
        dialog = MoveVersionDialog(preview, self)
        if dialog.exec() != MoveVersionDialog.DialogCode.Accepted:
            return
        self.saveStateChanged.emit("Working…")

        def done(_value: object) -> None:
            self.saveStateChanged.emit(f"Moved to version {preview.target.version}")
            self.changed.emit(self.assessment_id)
            self.reopenRequested.emit(self.assessment_id)

        def failed(exc: BaseException, tb: str) -> None:
            self.saveStateChanged.emit("Not changed")
            show_error(self, exc, tb)

        operation = Operation(self, lambda: framework_move.move_to_version(
            self.store, self.actor, self.assessment_id, target.id, seen=preview.seen),
            changed=(Change.ASSESSMENT, Change.ACTION), busy=self._workflow_buttons())
        self._worker = operation.success(done).failure(failed).run()

    def request_finalise(self) -> None:
        response = self.state.detail.response
        question = ("Finalise this assessment? It becomes read-only; later corrections are "
                    "added as addenda.")
        if response is not None and response.agreement in (Agreement.PARTLY,
                                                           Agreement.DISAGREE):
            self.tabs.setCurrentWidget(self.response_page)
            view = "partly agrees" if response.agreement == Agreement.PARTLY else "disagrees"
            question = (f"{self.state.detail.subject_name} {view} with this assessment.\n\n"
                        f"Their reasons: {response.reasons}\n\n"
                        "Have you discussed this with them? " + question)
        answer = QMessageBox.question(self, "Finalise", question)
        if answer == QMessageBox.StandardButton.Yes:
            self._run(lambda: assessments.finalise(self.store, self.actor, self.assessment_id),
                      "Finalised")

    def request_respond(self) -> None:
        """Sign after a confirmation that shows what is signed (Cancel signs nothing)."""
        reflection, agreement, reasons = self.response_page.values()
        try:
            assessments.check_response(reflection, agreement, reasons)
        except UserError as exc:
            show_error(self, exc)
            return
        assert agreement is not None  # checked
        confirm = SignResponseDialog(self.state.detail, reflection, agreement, reasons, self,
                                     comments=self.state.comments_in_order())
        if confirm.exec() != SignResponseDialog.DialogCode.Accepted:
            return
        self._response_dirty = False
        # Once signed the sign button is disabled: focus stays in the editor.
        self._run(lambda: assessments.respond(self.store, self.actor, self.assessment_id,
                                              reflection, agreement, reasons,
                                              seen=self.state.versions.get(RESPONSE)),
                  "Response signed and sent", then=self.focus_start)

    def focus_start(self) -> None:
        """Focus where this person starts: her reflection while she can respond, the tabs
        on another tab, the standards otherwise."""
        if self.tabs.currentWidget() is self.response_page:
            if self.state.can_respond:
                self.response_page.reflection.setFocus()
            else:
                self.tabs.tabBar().setFocus()
        else:
            self.tree.setFocus()

    def request_return(self) -> None:
        reason, ok = QInputDialog.getMultiLineText(
            self, "Ask for changes", "What would you like your supervisor to change?")
        if ok and reason.strip():
            self._run(lambda: assessments.return_for_changes(
                self.store, self.actor, self.assessment_id, reason), "Returned for changes")

    def _add_action(self, text: str, standard_id: str | None, due: dt.date | None) -> None:
        self._run(lambda: assessments.add_action(self.store, self.actor, self.assessment_id,
                                                 text, due_on=due, standard_id=standard_id),
                  then=self.actions_page.text.clear)  # kept, to correct, when refused

    def _remove_action(self, action_id: uuid.UUID) -> None:
        self._run(lambda: assessments.remove_action(self.store, self.actor, self.assessment_id,
                                                    action_id))

    def _action_done(self, action_id: uuid.UUID, done: bool) -> None:
        self._run(lambda: assessments.set_action_status(self.store, self.actor, action_id, done))

    def _add_addendum(self, text: str) -> None:
        self._run(lambda: assessments.add_addendum(self.store, self.actor, self.assessment_id,
                                                   text),
                  "Addendum added", then=self.addenda_page.text.clear)

    def _unadded_text_kept(self) -> bool:
        """An action or addendum typed but not added: ask whether to add it, drop it or
        stay. False when the person chose to stay (or adding it was refused)."""
        for label, page, typed in (
                ("an action", self.actions_page, self.actions_page.text.text),
                ("an addendum", self.addenda_page, self.addenda_page.text.toPlainText)):
            if not typed().strip() or not page.add.isEnabled():
                continue
            answer = QMessageBox.question(
                self, "Not added yet",
                f"You typed {label} but did not add it. Add it now?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
            if answer == QMessageBox.StandardButton.Cancel:
                return False
            if answer == QMessageBox.StandardButton.Yes:
                page.add.click()  # the text is cleared once added
                self.wait_for_operation()
                if typed():  # refused: the message said why
                    return False
            else:
                page.text.clear()
        return True

    def leave(self) -> bool:
        """Save everything before the editor closes, asking about an action or addendum
        typed but not added; False to stay. A change being made is finished first."""
        self.wait_for_operation()
        return self.flush() and self._unadded_text_kept()

    def _close(self) -> None:
        if self.leave():
            self.closed.emit()

    def is_graded(self, standard_id: str) -> bool:
        return self.state.state_of(self.state.framework.standard(standard_id)) in (
            StandardState.GRADED, StandardState.NOT_APPLICABLE)
