"""Reflective supervision sessions: pick the assessments discussed, write the four stages
of the reflective cycle with the prompts raised by low grades beside them, agree actions,
and both sign."""

from __future__ import annotations

import html
import uuid

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
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
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Action, Actor, Role, allowed
from qa_audit.errors import UserError
from qa_audit.services import accounts
from qa_audit.services import supervision as sv
from qa_audit.services.store import Store

from ..errors import show_error
from ..models import ListModel, fitted_combo, heading_row, read_only_table

ID_ROLE = Qt.ItemDataRole.UserRole + 3


def _cells(s: sv.SessionSummary) -> list[str]:
    return [s.held_on.strftime("%d %b %Y"), s.fca_name, s.supervisor_name,
            "Signed by both" if s.signed else "Open"]


class NewSessionDialog(QDialog):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New supervision session")
        form = QFormLayout(self)
        self.fca = fitted_combo()
        self.fca.setAccessibleName("Practitioner")
        for user in accounts.list_users(store, Role.FCA):
            if user.team_id == actor.team_id and user.active:
                self.fca.addItem(user.display_name, user.id)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd MMM yyyy")
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
        self.setWidgetResizable(True)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        self.header = QLabel("Choose or start a session.")
        self.header.setObjectName("heading")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        top = QHBoxLayout()
        self.discussed = QListWidget()
        self.discussed.setAccessibleName("Assessments discussed")
        self.discussed.setToolTip("Tick the assessments discussed in this session")
        box = QGroupBox("Assessments discussed (recent ones suggested)")
        QVBoxLayout(box).addWidget(self.discussed)
        top.addWidget(box, 3)
        self.prompts = QTextBrowser()
        self.prompts.setAccessibleName("Reflective prompts")
        pbox = QGroupBox("Prompts from the standards graded lowest")
        QVBoxLayout(pbox).addWidget(self.prompts)
        top.addWidget(pbox, 2)
        layout.addLayout(top)
        stages = QGridLayout()
        self.stages: dict[str, QPlainTextEdit] = {}
        for i, stage in enumerate(sv.STAGES):
            edit = QPlainTextEdit()
            edit.setAccessibleName(sv.STAGE_LABELS[stage])
            edit.setToolTip(sv.STAGE_LABELS[stage])
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(90)
            label = QLabel(sv.STAGE_LABELS[stage])
            label.setBuddy(edit)
            stages.addWidget(label, (i // 2) * 2, i % 2)
            stages.addWidget(edit, (i // 2) * 2 + 1, i % 2)
            self.stages[stage] = edit
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
        add = QPushButton("Add &action")
        add.setToolTip("Add the action")
        add.clicked.connect(self.add_action)
        row.addWidget(self.action_text, 1)
        row.addWidget(add)
        layout.addLayout(row)
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
        layout.addLayout(buttons)
        self.setEnabled(False)

    def show_session(self, session_id: uuid.UUID) -> None:
        store, actor = self.view.store, self.view.actor
        detail = sv.get_session(store, actor, session_id)
        self.session_id = session_id
        self.setEnabled(True)
        self.header.setText(f"Supervision with {detail.fca_name} on "
                            f"{detail.held_on:%d %B %Y} (supervisor {detail.supervisor_name})")
        is_supervisor = actor.user_id == detail.supervisor_id
        is_fca = actor.user_id == detail.fca_id
        open_record = not detail.signed
        self.discussed.clear()
        linked = {a.id for a in detail.assessments}
        suggested = list(detail.assessments)
        if is_supervisor:
            rows, _ = sv.suggest(store, actor, detail.fca_id)
            suggested += [r for r in rows if r.id not in linked]
        for a in suggested:
            item = QListWidgetItem(f"{a.case_reference or a.kind.label} · {a.framework_title} "
                                   f"· {a.assessed_on:%d %b %Y} · {a.overall_grade or '—'}")
            item.setData(ID_ROLE, a.id)
            if is_supervisor and open_record:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if a.id in linked
                                   else Qt.CheckState.Unchecked)
            self.discussed.addItem(item)
        prompts = "".join(f"<p><b>{html.escape(p.standard)}</b> ({html.escape(p.grade)}):<br>"
                          f"{html.escape(p.text)}</p>" for p in detail.prompts)
        self.prompts.setHtml(prompts or "<p>No standard in the assessments discussed is "
                             "graded below the second-best grade.</p>")
        for stage, edit in self.stages.items():
            edit.setPlainText(detail.notes[stage])
            edit.setReadOnly(not (is_supervisor and open_record))
        self.reflection.setPlainText(detail.fca_reflection)
        self.reflection.setReadOnly(not (is_fca and open_record))
        self.action_list.clear()
        for action in detail.actions:
            due = f" (due {action.due_on:%d %b %Y})" if action.due_on else ""
            state = "done" if action.status == "done" else "open"
            self.action_list.addItem(f"{action.text}{due} — {state}")
        self.action_text.setEnabled(open_record)
        self.save_button.setEnabled(open_record)
        self.sign_button.setEnabled(open_record)

        def when(value: object) -> str:
            return f"{value:%d %b %Y}" if value else "not yet"

        self.signatures.setText(f"Signed — supervisor: {when(detail.supervisor_signed_at)}; "
                                f"practitioner: {when(detail.fca_signed_at)}")

    def _save(self) -> None:
        assert self.session_id is not None
        store, actor = self.view.store, self.view.actor
        detail = sv.get_session(store, actor, self.session_id)
        if actor.user_id == detail.supervisor_id:
            ticked = [self.discussed.item(i).data(ID_ROLE) for i in range(self.discussed.count())
                      if self.discussed.item(i).checkState() == Qt.CheckState.Checked]
            sv.set_assessments(store, actor, self.session_id, ticked)
            sv.save_notes(store, actor, self.session_id,
                          {s: e.toPlainText() for s, e in self.stages.items()})
        elif actor.user_id == detail.fca_id:
            sv.save_fca_reflection(store, actor, self.session_id, self.reflection.toPlainText())

    def save(self) -> bool:
        try:
            self._save()
        except UserError as exc:
            show_error(self, exc)
            return False
        self.show_session(self.session_id)  # type: ignore[arg-type]
        return True

    def sign(self) -> None:
        if not self.save():
            return
        try:
            sv.sign(self.view.store, self.view.actor, self.session_id)  # type: ignore[arg-type]
        except UserError as exc:
            show_error(self, exc)
        self.show_session(self.session_id)  # type: ignore[arg-type]
        self.view.sessions.refresh()

    def export_record(self) -> None:
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
        if not text or self.session_id is None:
            return
        try:
            self._save()  # keep what was typed: the panel is redrawn from the database
            sv.add_action(self.view.store, self.view.actor, self.session_id, text)
        except UserError as exc:
            show_error(self, exc)
            return
        self.action_text.clear()
        self.show_session(self.session_id)


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
        splitter = QSplitter()
        self.sessions = ListModel(["Date", "Practitioner", "Supervisor", "State"],
                                  lambda: sv.list_sessions(store, actor), _cells)
        self.table = read_only_table(self.sessions, "Supervision sessions", 110)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _p: self._open(cur.row()))
        self.panel = SessionPanel(self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setSizes([380, 760])
        layout.addWidget(splitter, 1)

    def refresh(self) -> None:
        self.sessions.refresh()

    def _open(self, row: int) -> None:
        if 0 <= row < self.sessions.rowCount():
            self.panel.show_session(self.sessions.item(row).id)

    def new_session(self) -> None:
        dialog = NewSessionDialog(self.store, self.actor, self)
        if not dialog.exec() or dialog.fca.currentData() is None:
            return
        try:
            sid = sv.create_session(self.store, self.actor, dialog.fca.currentData(),
                                    dialog.date.date().toPython())  # type: ignore[arg-type]
        except UserError as exc:
            show_error(self, exc)
            return
        self.sessions.refresh()
        ids = [self.sessions.item(i).id for i in range(self.sessions.rowCount())]
        if sid in ids:
            self.table.selectRow(ids.index(sid))
