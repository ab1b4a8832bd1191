"""Reflective supervision sessions: pick the assessments discussed, write the four stages
of the reflective cycle with the prompts raised by low grades beside them, agree actions,
and both sign.

What is typed is saved like the assessment editor's edits: after a short pause in typing
(the autosave interval of the settings), when another session is chosen, and at once on
`SupervisionView.flush` (closing the window, leaving the page). A failed save keeps the text
in the widgets and the change pending.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qa_audit.config import Settings
from qa_audit.domain.permissions import Action, Actor, Role, allowed
from qa_audit.domain.workflow import SessionCapabilities
from qa_audit.errors import StaleRecord, UserError
from qa_audit.reports.model import PromptEntry
from qa_audit.services import accounts
from qa_audit.services import supervision as sv
from qa_audit.services.database import Store

from ..errors import offer_reload, show_error
from ..inputs import DateBox
from ..models import ListModel, fitted_combo, heading_row, read_only_table
from ..operations import Change, Operation, connect_changes

ID_ROLE = Qt.ItemDataRole.UserRole + 3
NARROW = 640  # a record narrower than this shows its parts one under another (200%)
SIDE_BY_SIDE = 900  # the page width from which the list of sessions is beside the record


def _cells(s: sv.SessionSummary, viewer: uuid.UUID | None = None) -> list[str]:
    return [s.held_on.strftime("%d %b %Y"), s.fca_name, s.supervisor_name,
            s.state_text(viewer)]


def _prompts_html(prompts: tuple[PromptEntry, ...]) -> str:
    text = "".join(f"<p><b>{html.escape(p.standard)}</b> ({html.escape(p.grade)}):<br>"
                   f"{html.escape(p.text)}</p>" for p in prompts)
    return text or ("<p>No standard in the assessments discussed is graded below the "
                    "second-best grade.</p>")


class NewSessionDialog(QDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New supervision session")
        form = QFormLayout(self)
        self.fca = fitted_combo()
        self.fca.setAccessibleName("Practitioner")
        for user in accounts.list_users(store, actor, Role.FCA):
            if user.team_id == actor.team_id and user.active:
                self.fca.addItem(user.display_name, user.id)
        self.date = DateBox(QDate.currentDate())
        self.date.setAccessibleName("Date held")
        form.addRow("&Practitioner", self.fca)
        form.addRow("&Date", self.date)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SessionPanel(QScrollArea):
    """One session record, editable by whoever may write each part."""

    def __init__(self, view: SupervisionView) -> None:
        super().__init__()
        self.view = view
        self.session_id: uuid.UUID | None = None
        self._may = SessionCapabilities()
        self.setWidgetResizable(True)
        self.setAccessibleName("Supervision session record")
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        self.header = QLabel(
            "Choose or start a session." if allowed(view.actor, Action.RECORD_SUPERVISION)
            else "Choose a session your supervisor recorded with you: add your reflection "
            "and sign it.")
        self.header.setObjectName("heading")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.top = top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.discussed = QListWidget()
        self.discussed.setAccessibleName("Assessments discussed")
        self.discussed.setToolTip("Tick the assessments discussed in this session")
        box = QGroupBox("Assessments discussed")
        box.setToolTip("Tick the assessments discussed; recent ones are suggested")
        QVBoxLayout(box).addWidget(self.discussed)
        top.addWidget(box, 3)
        self.prompts = QTextBrowser()
        self.prompts.setAccessibleName("Reflective prompts")
        pbox = QGroupBox("Prompts from the standards graded lowest")
        QVBoxLayout(pbox).addWidget(self.prompts)
        top.addWidget(pbox, 2)
        layout.addLayout(top)
        self.stage_grid = stages = QGridLayout()
        self.stages: dict[str, QPlainTextEdit] = {}
        self._stage_parts: list[tuple[QLabel, QPlainTextEdit]] = []
        for stage in sv.STAGES:
            edit = QPlainTextEdit()
            edit.setAccessibleName(sv.STAGE_LABELS[stage])
            edit.setToolTip(sv.STAGE_LABELS[stage])
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(90)
            label = QLabel(sv.STAGE_LABELS[stage])
            label.setBuddy(edit)
            self._stage_parts.append((label, edit))
            self.stages[stage] = edit
        self._columns = 0
        self._arrange(2)
        layout.addLayout(stages)
        self.reflection = QPlainTextEdit()
        self.reflection.setAccessibleName("Practitioner's reflection")
        self.reflection.setToolTip("The practitioner's own reflection on the session")
        self.reflection.setTabChangesFocus(True)
        layout.addWidget(QLabel("The practitioner's reflection"))
        layout.addWidget(self.reflection)
        self.action_list = QListWidget()
        self.action_list.setAccessibleName("Actions agreed")
        layout.addWidget(QLabel("Actions agreed"))
        layout.addWidget(self.action_list)
        row = QHBoxLayout()
        self.action_text = QLineEdit()
        self.action_text.setPlaceholderText("New action for the practitioner")
        self.action_text.setAccessibleName("New action")
        self.action_text.returnPressed.connect(self.add_action)
        self.action_standard = fitted_combo("Standard the action relates to", 16)
        self.action_standard.setToolTip(
            "The standard the action is about (optional): one of the assessments discussed")
        self.action_standard.addItem("Any standard", None)
        self.action_due = DateBox(QDate.currentDate().addDays(30))
        self.action_due.setAccessibleName("Action due date")
        self.action_due.setToolTip("When the action is due")
        self.add_button = QPushButton("Add &action")
        self.add_button.setToolTip("Add the action (Enter)")
        self.add_button.clicked.connect(self.add_action)
        due_label = QLabel("Due")
        due_label.setBuddy(self.action_due)
        row.addWidget(self.action_text, 1)
        row.addWidget(self.add_button)
        # The action's standard and due date on a line of their own: the panel stays
        # narrow enough for 200% scaling (Tab still goes text, standard, due, Add).
        details = QHBoxLayout()
        standard_label = QLabel("S&tandard")
        standard_label.setBuddy(self.action_standard)
        details.addWidget(standard_label)
        details.addWidget(self.action_standard)
        details.addWidget(due_label)
        details.addWidget(self.action_due)
        details.addStretch(1)
        # Shown only to whoever may agree actions (the supervisor): the practitioner is
        # offered what she can do, not controls she cannot use.
        self._action_entry: tuple[QWidget, ...] = (
            self.action_text, standard_label, self.action_standard, due_label,
            self.action_due, self.add_button)
        layout.addLayout(row)
        layout.addLayout(details)
        for first, then in ((self.action_text, self.action_standard),
                            (self.action_standard, self.action_due),
                            (self.action_due, self.add_button)):
            QWidget.setTabOrder(first, then)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the session record")
        self.save_button.clicked.connect(self.save)
        self.sign_button = QPushButton("Save and si&gn")
        self.sign_button.setToolTip("Save, then sign the record as agreed")
        self.sign_button.clicked.connect(self.sign)
        self.signatures = QLabel()
        self.export_button = QPushButton("E&xport record…")
        self.export_button.setToolTip("The session record as last saved, as a PDF: "
                                      "preview, then save")
        self.export_button.clicked.connect(self.export_record)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.signatures, 1)
        self.save_state = QLabel()
        buttons.addWidget(self.save_state)
        layout.addLayout(buttons)
        self.closed_note = QLabel()
        self.closed_note.setWordWrap(True)
        self.closed_note.hide()
        layout.insertWidget(1, self.closed_note)
        self.setEnabled(False)
        self._titles: dict[str, str] = {}  # standard id -> title, of the assessments ticked
        self._filling = False  # the panel is being drawn: text changes are not edits
        self._pending = False
        self._version: int | None = None  # the record's row_version the panel shows
        self._stale = False  # a save was refused as stale and the person has not reloaded
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(Settings.load().autosave_seconds * 1000))
        self._timer.timeout.connect(self._autosave)
        for edit in (*self.stages.values(), self.reflection):
            edit.textChanged.connect(self._edited)
        self.discussed.itemChanged.connect(lambda _item: self._ticked())

    def _arrange(self, columns: int) -> None:
        """The four stages two by two, or one under another in a narrow window; the
        assessments discussed beside their prompts, or above them."""
        if columns == self._columns:
            return
        self._columns = columns
        for i, (label, edit) in enumerate(self._stage_parts):
            self.stage_grid.removeWidget(label)
            self.stage_grid.removeWidget(edit)
            self.stage_grid.addWidget(label, (i // columns) * 2, i % columns)
            self.stage_grid.addWidget(edit, (i // columns) * 2 + 1, i % columns)
        self.top.setDirection(QBoxLayout.Direction.LeftToRight if columns == 2
                              else QBoxLayout.Direction.TopToBottom)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(2 if self.viewport().width() >= NARROW else 1)

    @property
    def autosave_pending(self) -> bool:
        """Whether there are edits not yet saved."""
        return self._pending

    def _edited(self) -> None:
        if self._filling or self.session_id is None:
            return
        self._pending = True
        self.save_state.setText("Unsaved changes")
        self._timer.start()

    def _autosave(self) -> None:
        if not self._stale:  # refused until the person reloads: said once, not each pause
            self.flush(show_errors=False)

    def _ticked_ids(self) -> list[uuid.UUID]:
        return [self.discussed.item(i).data(ID_ROLE) for i in range(self.discussed.count())
                if self.discussed.item(i).checkState() == Qt.CheckState.Checked]

    def _ticked(self) -> None:
        """An assessment ticked or unticked: its prompts show at once (saved as typed)."""
        if self._filling or self.session_id is None:
            return
        try:
            prompts = sv.prompts_for(self.view.store, self.view.actor, self.session_id,
                                     self._ticked_ids())
        except UserError as exc:
            show_error(self, exc)
            return
        self.prompts.setHtml(_prompts_html(prompts))
        self._show_standards(sv.standards_for(self.view.store, self.view.actor,
                                              self.session_id, self._ticked_ids()))
        self._edited()

    def _show_standards(self, standards: tuple[sv.StandardChoice, ...]) -> None:
        """The standards an action may name (those of the assessments ticked), keeping the
        one chosen if it is still there."""
        chosen = self.action_standard.currentData()
        self._titles = {c.id: c.title for c in standards}
        self.action_standard.clear()
        self.action_standard.addItem("Any standard", None)
        for choice in standards:
            self.action_standard.addItem(choice.title, choice.id)
        index = self.action_standard.findData(chosen)
        self.action_standard.setCurrentIndex(max(0, index))

    def flush(self, show_errors: bool = True) -> bool:
        """Save pending edits now. False (with the text kept and still pending) if saving
        failed, or if someone else changed the record (the person may reload it)."""
        self._timer.stop()
        if not self._pending or self.session_id is None:
            return True
        try:
            self._save()
            detail = sv.get_session(self.view.store, self.view.actor, self.session_id)
        except StaleRecord as exc:
            self._stale_record(exc)
            return False
        except UserError as exc:
            self.save_state.setText(f"Could not save: {exc}")
            if show_errors:
                show_error(self, exc)
            return False
        self._pending = False
        self.save_state.setText(f"Saved {dt.datetime.now():%H:%M}")
        # Only the signatures are redrawn: the text stays as it is under the cursor.
        self._show_signatures(detail)
        return True

    def _stale_record(self, error: StaleRecord) -> None:
        """Someone else changed the record: say so, give what was typed to copy, and reload
        it if the person chooses to (what they typed is then dropped)."""
        self._stale = True
        self.save_state.setText("Not saved: someone else changed this record")
        editable = [(sv.STAGE_LABELS[stage], edit) for stage, edit in self.stages.items()]
        editable.append(("The practitioner's reflection", self.reflection))
        unsaved = "\n\n".join(f"{label}:\n{edit.toPlainText()}" for label, edit in editable
                               if not edit.isReadOnly() and edit.toPlainText().strip())
        if offer_reload(self, error, unsaved) and self.session_id is not None:
            self.show_session(self.session_id)
            self.save_state.setText("Reloaded: showing the record as saved now")

    def leave(self) -> bool:
        """Save before another session is shown; if that fails, ask whether to lose the
        text. False: stay on this session."""
        if self.flush(show_errors=False) or not self._pending:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"{self.save_state.text()}\n\nLeave this session and "
            "lose what was typed?", QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._pending = False
        return True

    def show_session(self, session_id: uuid.UUID) -> None:
        """Draw the session as saved (pending edits of the one shown are dropped: callers
        flush first)."""
        detail = sv.get_session(self.view.store, self.view.actor, session_id)
        self._timer.stop()
        self._pending = self._stale = False
        self._version = detail.row_version
        self._filling = True
        try:
            self._draw(detail)
        finally:
            self._filling = False
        self.save_state.clear()

    def _draw(self, detail: sv.SessionDetail) -> None:
        store, actor = self.view.store, self.view.actor
        self.session_id = detail.id
        self.setEnabled(True)
        self.header.setText(f"Supervision with {detail.fca_name} on "
                            f"{detail.held_on:%d %B %Y} (supervisor {detail.supervisor_name})")
        # What the services say this person may do here; saving writes what was open to
        # them when drawn, and the service refuses it if that has changed since.
        may = self._may = detail.capabilities
        self.discussed.clear()
        linked = {a.id for a in detail.assessments}
        suggested = list(detail.assessments)
        choosing = may.write_notes
        if choosing:  # a closed record lists only what was discussed
            rows, _ = sv.suggest(store, actor, detail.fca_id)
            suggested += [r for r in rows if r.id not in linked]
        for a in suggested:
            item = QListWidgetItem(f"{a.case_reference or a.kind.label} · {a.framework_title} "
                                   f"· {a.assessed_on:%d %b %Y} · {a.overall_grade or '—'}")
            item.setData(ID_ROLE, a.id)
            if choosing:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if a.id in linked
                                   else Qt.CheckState.Unchecked)
            else:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            self.discussed.addItem(item)
        self.prompts.setHtml(_prompts_html(detail.prompts))
        for stage, edit in self.stages.items():
            edit.setPlainText(detail.notes[stage])
            edit.setReadOnly(not may.write_notes)
        self.reflection.setPlainText(detail.fca_reflection)
        self.reflection.setReadOnly(not may.write_reflection)
        self._show_standards(detail.standards)
        self.action_list.clear()
        for action in detail.actions:
            sid = action.standard_id
            about = f" [{self._titles.get(sid, sid)}]" if sid else ""
            due = f" (due {action.due_on:%d %b %Y})" if action.due_on else ""
            state = action.status.value
            self.action_list.addItem(f"{action.text}{about}{due} — {state}")
        for widget in self._action_entry:
            widget.setVisible(may.write_notes)
            widget.setEnabled(may.write_notes)
        self.save_button.setEnabled(may.write_notes or may.write_reflection)
        self._show_signatures(detail)

    def _show_signatures(self, detail: sv.SessionDetail) -> None:
        def when(value: dt.datetime | None) -> str:
            return f"{value:%d %b %Y}" if value else "not yet"

        actor = self.view.actor
        summary = detail.summary
        own = (detail.supervisor_signed_at if actor.user_id == detail.supervisor_id
               else detail.fca_signed_at if actor.user_id == detail.fca_id else None)
        self.sign_button.setEnabled(detail.capabilities.sign and own is None)
        self.sign_button.setToolTip(
            "You have signed this record; a change to a part your signature covers "
            "withdraws it" if own is not None else "Save, then sign the record as agreed")
        self.signatures.setText(f"{summary.state_text(actor.user_id)}. Signed — supervisor: "
                                f"{when(detail.supervisor_signed_at)}; practitioner: "
                                f"{when(detail.fca_signed_at)}")
        if detail.signed:
            last = max(d for d in (detail.supervisor_signed_at, detail.fca_signed_at) if d)
            self.closed_note.setText(
                f"This record was signed by both on {last:%d %B %Y} and is closed: it can no "
                "longer be changed or signed again. Export it to share it.")
            self.signatures.setToolTip("Signed by both: the record is closed")
        else:
            self.signatures.setToolTip(
                "A change to the supervisor's notes, the assessments discussed or the "
                "actions withdraws both signatures; a change to the practitioner's "
                "reflection withdraws only hers. The supervisor signs first, then the "
                "practitioner.")
        self.closed_note.setVisible(detail.signed)

    def _save(self) -> None:
        """Save through the services, each given the record's version the panel was drawn
        from (or last saved), so a record someone else changed is not overwritten."""
        assert self.session_id is not None
        store, actor = self.view.store, self.view.actor
        may = self._may
        if may.write_notes:
            self._version = sv.set_assessments(store, actor, self.session_id,
                                               self._ticked_ids(),
                                               seen=self._version)
            self._version = sv.save_notes(
                store, actor, self.session_id,
                {s: e.toPlainText() for s, e in self.stages.items()}, seen=self._version)
        if may.write_reflection:
            self._version = sv.save_fca_reflection(
                store, actor, self.session_id, self.reflection.toPlainText(),
                seen=self._version)

    def save(self) -> bool:
        if self.session_id is None or not self.flush():
            return False
        self.show_session(self.session_id)
        return True

    def sign(self) -> None:
        """Save, then sign the record as shown: one changed by someone else since it was
        drawn is not signed (the message says so) and is shown as it is now."""
        session_id = self.session_id
        if session_id is None or not self.flush():
            return

        def refused(exc: BaseException, tb: str) -> None:
            show_error(self, exc, tb)
            self._shown_again(session_id)

        seen = self._version  # the record as this panel shows it, not as it may be now
        Operation(self, lambda: sv.sign(self.view.store, self.view.actor, session_id,
                                        seen=seen),
                  changed=(Change.SESSION,), busy=self._buttons()).success(
            lambda _v: self._shown_again(session_id)).failure(refused).run()

    def _buttons(self) -> list[QWidget]:
        return [self.add_button, self.save_button, self.sign_button]

    def _shown_again(self, session_id: uuid.UUID) -> None:
        if self.session_id == session_id:
            self.show_session(session_id)

    def export_record(self) -> None:
        # Loaded on first export, not with the page: the PDF side (reportlab, pdfium)
        # adds about 0.3 s that the main window would otherwise wait for when it opens.
        from qa_audit.services.documents import DocumentKind

        from ..export_dialogs import ExportPdfDialog, run_modal

        if self.session_id is None:
            return
        # The record as last saved: saving here would withdraw a signature.
        run_modal(ExportPdfDialog(self.view.store, self.view.actor, DocumentKind.SESSION,
                                  target=self.session_id, default_name="supervision-record.pdf",
                                  parent=self))

    def add_action(self) -> None:
        text = self.action_text.text().strip()
        session_id = self.session_id
        if not text or session_id is None:
            return
        if not self.flush():  # keep what was typed: the panel is redrawn from the database
            return

        def added(_value: object) -> None:
            self.action_text.clear()
            self.action_standard.setCurrentIndex(0)
            self._shown_again(session_id)

        seen = self._version
        due = self.action_due.date().toPython()
        standard = self.action_standard.currentData()
        Operation(self, lambda: sv.add_action(self.view.store, self.view.actor, session_id,
                                              text, due_on=due,  # type: ignore[arg-type]
                                              standard_id=standard, seen=seen),
                  changed=(Change.SESSION, Change.ACTION), busy=self._buttons()).success(
            added).run()


class SupervisionView(QWidget):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        self.new_button = QPushButton("&New session…")
        self.new_button.setToolTip("Record a supervision session with a practitioner")
        self.new_button.clicked.connect(self.new_session)
        self.new_button.setVisible(allowed(actor, Action.RECORD_SUPERVISION))
        layout.addLayout(heading_row("Reflective supervision", self.new_button))
        self.splitter = splitter = QSplitter()
        self.sessions = ListModel(["Date", "Practitioner", "Supervisor", "State"],
                                  lambda: sv.list_sessions(store, actor),
                                  lambda s: _cells(s, actor.user_id))
        self.sessions.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        self.table = read_only_table(self.sessions, "Supervision sessions", 110)
        self._reselecting = False
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.panel = SessionPanel(self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setSizes([380, 760])
        layout.addWidget(splitter, 1)
        connect_changes(self, (Change.SESSION,), self.refresh)

    def fit_width(self, available: int) -> None:
        """The list beside the record, or above it when the page is narrow (200%)."""
        wanted = (Qt.Orientation.Horizontal if available >= SIDE_BY_SIDE
                  else Qt.Orientation.Vertical)
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)

    def refresh(self) -> None:
        """Reload the list, keeping the session shown selected."""
        self.sessions.refresh()
        if self.panel.session_id is not None:
            self._select(self.panel.session_id)

    def flush(self) -> bool:
        """Save what is typed in the session shown; False (with an error shown and the
        text kept) if saving failed. For closing the window and leaving the page."""
        return self.panel.flush()

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._reselecting or not 0 <= current.row() < self.sessions.rowCount():
            return
        chosen = self.sessions.item(current.row()).id
        if chosen == self.panel.session_id:
            return
        if not self.panel.leave():
            if self.panel.session_id is not None:
                self._select(self.panel.session_id)  # stay on the session with the text
            return
        self.panel.show_session(chosen)

    def open_session(self, session_id: uuid.UUID) -> None:
        """Show this session's record (from the home page), its row selected, focus in it."""
        ids = [self.sessions.item(i).id for i in range(self.sessions.rowCount())]
        if session_id not in ids:
            self.refresh()
            ids = [self.sessions.item(i).id for i in range(self.sessions.rowCount())]
        if session_id not in ids:
            return
        self.table.selectRow(ids.index(session_id))  # shows it (after saving the one shown)
        if self.panel.session_id == session_id:
            self.panel.setFocus()

    def _select(self, session_id: uuid.UUID) -> None:
        """Make `session_id` the current row without opening it again."""
        ids = [self.sessions.item(i).id for i in range(self.sessions.rowCount())]
        if session_id not in ids:
            return
        self._reselecting = True
        try:
            self.table.selectionModel().setCurrentIndex(
                self.sessions.index(ids.index(session_id), 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._reselecting = False

    def new_session(self) -> None:
        dialog = NewSessionDialog(self.store, self.actor, self)
        if not dialog.exec() or dialog.fca.currentData() is None:
            return
        fca = dialog.fca.currentData()
        held_on: dt.date = dialog.date.date().toPython()  # type: ignore[assignment]

        def made(sid: uuid.UUID) -> None:
            self.refresh()
            ids = [self.sessions.item(i).id for i in range(self.sessions.rowCount())]
            if sid in ids:
                self.table.selectRow(ids.index(sid))

        Operation(self, lambda: sv.create_session(self.store, self.actor, fca, held_on),
                  changed=(Change.SESSION,), busy=(self.new_button,)).success(made).run()
