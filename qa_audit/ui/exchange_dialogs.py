"""Bundles in the desktop app: "Send to practitioner…" on an assessment, and File →
"Import bundle…" with a preview of what would change before anything is written. The
service calls run off the GUI thread (`workers`); the password opens the person's bundle
keys (it is asked here, used once and not kept)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor
from qa_audit.services.database import Store

from .errors import show_error
from .workers import Progress, Worker, run_in_background

DECISIONS = (("new", "New"), ("update", "Updated"), ("unchanged", "Unchanged"),
             ("older", "Older (kept mine)"), ("conflict", "Conflicts"), ("ignored", "Ignored"))
KIND_LABELS = {"org_unit": "Teams and regions", "person": "People", "case": "Cases",
               "framework": "Frameworks", "assessment": "Assessments", "action": "Actions",
               "response": "Responses", "addendum": "Addenda",
               "supervision_session": "Supervision records"}


def _file_label(edit: QLineEdit) -> QLabel:
    label = QLabel("&File:")
    label.setBuddy(edit)
    return label


def _file_row(parent: QWidget, edit: QLineEdit, pick: Any) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    browse = QPushButton("&Browse…", parent)
    browse.setAccessibleName("Choose the bundle file")
    browse.clicked.connect(pick)
    row.addWidget(browse)
    return row


def _password(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName("Your password")
    edit.setToolTip("Your password opens your bundle keys; it is not kept.")
    return edit


class SendBundleDialog(QDialog):
    """Send one assessment to its practitioner as a signed, encrypted bundle file."""

    def __init__(self, store: Store, actor: Actor, assessment_id: uuid.UUID,
                 recipient_id: uuid.UUID, recipient_name: str, default_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.assessment_id, self.recipient_id = assessment_id, recipient_id
        self._worker: Worker | None = None
        self.sent_to: Path | None = None
        self.setWindowTitle(f"Send to {recipient_name}")
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.addRow("To:", QLabel(recipient_name))
        self.path = QLineEdit(str(Path.home() / default_name))
        self.path.setAccessibleName("Bundle file to write")
        form.addRow(_file_label(self.path), _file_row(self, self.path, self._choose))
        self.password = _password(self)
        form.addRow("Your &password:", self.password)
        self.status = QLabel("The bundle is signed by you and readable only by them.")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.addButton("&Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save bundle", self.path.text(),
                                              "qa_audit bundle (*.qab)")
        if path:
            self.path.setText(path)

    def send(self) -> None:
        from qa_audit.services import bundles

        store, actor, password = self.store, self.actor, self.password.text()
        out, ids, to = Path(self.path.text()), [self.assessment_id], self.recipient_id
        self.send_button.setEnabled(False)
        self.status.setText("Sending…")

        def job(_p: Progress) -> Any:
            return bundles.export_bundle(store, actor, password, to, out, ids)

        def done(result: Any) -> None:
            self.sent_to = result.path
            self.status.setText(f"Written: {result.path}")
            self.accept()

        def failed(exc: BaseException, tb: str) -> None:
            self.send_button.setEnabled(True)
            self.status.setText("Not sent.")
            show_error(self, exc, tb)

        self._worker = run_in_background(job, done, failed)


class ImportBundleDialog(QDialog):
    """Choose a bundle, preview what it would change (counts per kind, conflicts, a new
    sender's fingerprint), then Import or Cancel. Nothing is written before Import."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self._worker: Worker | None = None
        self.preview: Any = None
        self.imported: Any = None
        self.setWindowTitle("Import bundle")
        self.resize(640, 520)
        form = QFormLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("Bundle file")
        form.addRow(_file_label(self.path), _file_row(self, self.path, self._choose))
        self.password = _password(self)
        form.addRow("Your &password:", self.password)
        self.preview_button = QPushButton("&Preview")
        self.preview_button.clicked.connect(self.load_preview)
        form.addRow("", self.preview_button)
        self.summary = QLabel("Choose a bundle and preview it: nothing is imported until you "
                              "press Import.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(DECISIONS) + 1)
        self.table.setHorizontalHeaderLabels(["Records", *(label for _k, label in DECISIONS)])
        self.table.setAccessibleName("What the bundle would change")
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(260)
        self.conflicts = QListWidget()
        self.conflicts.setAccessibleName("Conflicts")
        self.conflicts.setMaximumHeight(110)
        self.resolution = QComboBox()
        self.resolution.addItem("Take theirs", "theirs")
        self.resolution.addItem("Keep mine (as an addendum to the assessment)", "mine")
        self.resolution.setAccessibleName("How to resolve the conflicts")
        self.trust = QCheckBox()
        self.trust.toggled.connect(self._update_buttons)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.conflict_label = QLabel("Changed here and in the bundle since you last exchanged:")
        layout.addWidget(self.conflict_label)
        layout.addWidget(self.conflicts)
        layout.addWidget(self.resolution)
        layout.addWidget(self.trust)
        layout.addWidget(self.buttons)
        for widget in (self.conflict_label, self.conflicts, self.resolution, self.trust):
            widget.hide()

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open bundle", str(Path.home()),
                                              "qa_audit bundle (*.qab);;All files (*)")
        if path:
            self.path.setText(path)

    def _failed(self, exc: BaseException, tb: str) -> None:
        self.preview_button.setEnabled(True)
        self._update_buttons()
        self.summary.setText("Nothing was imported.")
        show_error(self, exc, tb)

    def load_preview(self) -> None:
        from qa_audit.services import bundles

        store, actor, password = self.store, self.actor, self.password.text()
        path = Path(self.path.text())
        self.preview = None
        self.preview_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self.summary.setText("Checking the bundle…")

        def job(_p: Progress) -> Any:
            return bundles.preview_bundle(store, actor, password, path)

        self._worker = run_in_background(job, self._show_preview, self._failed)

    def _show_preview(self, preview: Any) -> None:
        self.preview = preview
        self.preview_button.setEnabled(True)
        self.summary.setText(
            f"Bundle {preview.seq} from {preview.sender_name}, made "
            f"{preview.created_at:%d %b %Y %H:%M} UTC."
            + ("" if preview.changes_anything else " It changes nothing here."))
        kinds = [k for k in KIND_LABELS if k in preview.counts]
        self.table.setRowCount(len(kinds))
        for row, kind in enumerate(kinds):
            self.table.setItem(row, 0, QTableWidgetItem(KIND_LABELS[kind]))
            for col, (decision, _label) in enumerate(DECISIONS, start=1):
                n = preview.counts[kind].get(decision, 0)
                self.table.setItem(row, col, QTableWidgetItem(str(n) if n else ""))
        self.table.resizeColumnsToContents()
        self.conflicts.clear()
        for conflict in preview.conflicts:
            self.conflicts.addItem(conflict.description)
        for ignored in preview.ignored:
            self.conflicts.addItem(f"Ignored — {ignored}")
        has_conflicts = bool(preview.conflicts)
        for widget in (self.conflict_label, self.conflicts):
            widget.setVisible(has_conflicts or bool(preview.ignored))
        self.resolution.setVisible(has_conflicts)
        self.trust.setVisible(not preview.sender_known)
        self.trust.setChecked(False)
        self.trust.setText(f"{preview.sender_name} is new here. I compared this fingerprint "
                           f"with them:\n{preview.sender_fingerprint}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        preview = self.preview
        self.import_button.setEnabled(preview is not None and preview.changes_anything and (
            preview.sender_known or self.trust.isChecked()))

    def run_import(self) -> None:
        from qa_audit.services import bundles

        preview = self.preview
        if preview is None:
            return
        store, actor, password = self.store, self.actor, self.password.text()
        path = Path(self.path.text())
        resolution = (bundles.Resolution(self.resolution.currentData())
                      if preview.conflicts else None)
        trust = self.trust.isChecked()
        self.import_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.summary.setText("Importing…")

        def job(_p: Progress) -> Any:
            return bundles.import_bundle(store, actor, password, path, resolutions=resolution,
                                         trust_sender=trust, previewed=preview.digest)

        def done(result: Any) -> None:
            self.imported = result
            self.summary.setText(f"Imported: {result.written} record(s) written.")
            self.accept()

        self._worker = run_in_background(job, done, self._failed)
