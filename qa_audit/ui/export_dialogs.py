"""Export dialogs: a PDF with its audience, marking and a preview before saving; batch
export of assessment summaries with progress and cancel; CSV/XLSX data exports.

All rendering and writing runs in workers; the dialogs stay responsive and can be cancelled.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor, Role
from qa_audit.domain.workflow import Status
from qa_audit.reports.model import Profile
from qa_audit.services import accounts, documents
from qa_audit.services.database import Store
from qa_audit.services.documents import DocumentKind, PdfRequest
from qa_audit.services.listing import AssessmentQuery

from .errors import show_error
from .inputs import DateBox
from .models import fitted_combo
from .workers import Progress, Worker, run_in_background, when_done

PREVIEW_WIDTH = 620  # pixels per page in the preview


def run_modal(dialog: QDialog) -> int:
    """Show an export dialog until it is closed, then free it (its preview pages and PDF
    bytes would otherwise live as long as the main window, its parent) once any preview,
    save or export it started has finished and reported back to it."""
    try:
        return dialog.exec()
    finally:
        when_done(getattr(dialog, "_worker", None), dialog.deleteLater)


def rasterise(data: bytes, width: int = PREVIEW_WIDTH) -> list[QImage]:
    """Every page of a PDF as an image `width` pixels wide (pdfium; safe off the GUI
    thread)."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    pdf = pdfium.PdfDocument(data)
    try:
        images = []
        for index in range(len(pdf)):
            page = pdf[index]
            scale = width / page.get_width()
            bitmap = page.render(scale=scale, rev_byteorder=True)
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB888)
            images.append(image.copy())  # own the pixels before pdfium frees them
            page.close()
        return images
    finally:
        pdf.close()


class PdfPreview(QScrollArea):
    """The pages of a PDF one under another, as the printed copy will look."""

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setAccessibleName("PDF preview")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys and Page Up/Down scroll
        self._inner = QWidget()
        self._inner.setObjectName("preview")
        self._pages = QVBoxLayout(self._inner)
        self._pages.setSpacing(12)
        self.setWidget(self._inner)
        self.message("Choose who the copy is for, then Preview.")

    def _clear(self) -> None:
        self.page_labels: list[QLabel] = []
        while self._pages.count():
            item = self._pages.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def message(self, text: str) -> None:
        self._clear()
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._pages.addWidget(label)

    def show_pages(self, images: list[QImage], ratio: float = 1.0) -> None:
        """Show page images rendered at `ratio` device pixels per point (sharp at 200%)."""
        self._clear()
        for number, image in enumerate(images, start=1):
            label = QLabel()
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setFixedSize(round(pixmap.width() / ratio) + 2,
                               round(pixmap.height() / ratio) + 2)
            label.setAccessibleName(f"Page {number} of {len(images)}")
            label.setStyleSheet("border: 1px solid #8c959f; background: white;")
            self._pages.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(label)
        self._pages.addStretch(1)

    @property
    def page_count(self) -> int:
        return len(self.page_labels)


def _audience_rows(form: QFormLayout, actor: Actor, marking: str, marking_tip: str = ""
                   ) -> tuple[QComboBox, QLineEdit]:
    """The "Copy for" and "Protective marking" rows every export asks for; a practitioner's
    copy is the default for an FCA, a manager's for everyone else."""
    combo = QComboBox()
    for profile in Profile:
        combo.addItem(profile.label, profile)
    combo.setCurrentIndex(list(Profile).index(
        Profile.PRACTITIONER if actor.role is Role.FCA else Profile.MANAGER))
    combo.setAccessibleName("Who the copy is for")
    form.addRow("&Copy for:", combo)
    edit = QLineEdit(marking)
    edit.setAccessibleName("Protective marking")
    if marking_tip:
        edit.setToolTip(marking_tip)
    form.addRow("Protective &marking:", edit)
    return combo, edit


def _date_edit(day: dt.date, name: str) -> QDateEdit:
    edit = DateBox(QDate(day.year, day.month, day.day))
    edit.setAccessibleName(name)
    return edit


class PeriodPicker(QWidget):
    """From and to dates, with quick choices of whole quarters."""

    def __init__(self) -> None:
        super().__init__()
        start, end = documents.quarter(dt.date.today(), 1)
        self.date_from = _date_edit(start, "First day of the period")
        self.date_to = _date_edit(end, "Last day of the period")
        self.quick = QComboBox()
        self.quick.setAccessibleName("Quick period")
        self.quick.addItem("Choose a quarter…", None)
        for back in range(0, 5):
            first, last = documents.quarter(dt.date.today(), back)
            label = f"Q{(first.month - 1) // 3 + 1} {first.year} ({first:%b}–{last:%b %Y})"
            self.quick.addItem(label + (" · this quarter" if back == 0 else ""), (first, last))
        self.quick.activated.connect(self._pick)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date_from)
        row.addWidget(QLabel("to"))
        row.addWidget(self.date_to)
        row.addWidget(self.quick, 1)

    def _pick(self, index: int) -> None:
        chosen = self.quick.itemData(index)
        if chosen:
            first, last = chosen
            self.date_from.setDate(QDate(first.year, first.month, first.day))
            self.date_to.setDate(QDate(last.year, last.month, last.day))

    def period(self) -> tuple[dt.date, dt.date]:
        first: dt.date = self.date_from.date().toPython()  # type: ignore[assignment]
        last: dt.date = self.date_to.date().toPython()  # type: ignore[assignment]
        return first, last


class ExportPdfDialog(QDialog):
    """Choose the audience and marking (and, for summaries, whom and which period), preview
    the pages, then save the very bytes previewed."""

    def __init__(self, store: Store, actor: Actor, kind: DocumentKind, *,
                 target: uuid.UUID | None = None, default_name: str = "summary.pdf",
                 marking: str = "OFFICIAL-SENSITIVE", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor, self.kind = store, actor, kind
        self.default_name = default_name
        self.setWindowTitle(f"Export PDF — {kind.label}")
        self.resize(980, 760)
        self._data: bytes | None = None
        self._data_for: PdfRequest | None = None
        self._worker: Worker | None = None
        self.saved_to: Path | None = None

        form = QFormLayout()
        self.target = fitted_combo()
        self.target.setAccessibleName("Practitioner" if kind is DocumentKind.PERIOD else "Team")
        self.period = PeriodPicker()
        if kind in (DocumentKind.PERIOD, DocumentKind.TEAM):
            choices = (accounts.practitioners_visible(store, actor)
                       if kind is DocumentKind.PERIOD else accounts.teams_visible(store, actor))
            for ident, name in choices:
                self.target.addItem(name, ident)
            form.addRow("&Practitioner:" if kind is DocumentKind.PERIOD else "&Team:",
                        self.target)
            form.addRow("Pe&riod:", self.period)
        else:
            for unasked in (self.period, self.target):  # one assessment or session
                unasked.setParent(self)
                unasked.hide()
            if target is not None:
                self.target.addItem(kind.label, target)
        self.profile, self.marking = _audience_rows(
            form, actor, marking, "Printed in the header and footer of every page")

        self.preview = PdfPreview()
        self.state = QLabel("")
        self.state.setAccessibleName("Export state")
        self.preview_button = QPushButton("Pre&view")
        self.preview_button.setToolTip("Show the pages as they will be saved")
        self.preview_button.clicked.connect(self.make_preview)
        self.save_button = QPushButton("&Save PDF…")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        if self.target.count() == 0:
            self.preview.message("There is no one here whose summary you may export.")
            self.preview_button.setEnabled(False)
            self.save_button.setEnabled(False)
        for signal in (self.profile.currentIndexChanged, self.target.currentIndexChanged,
                       self.period.date_from.dateChanged, self.period.date_to.dateChanged,
                       self.marking.textChanged):
            signal.connect(self._changed)

    def request(self) -> PdfRequest:
        date_from, date_to = self.period.period()
        summary = self.kind in (DocumentKind.PERIOD, DocumentKind.TEAM)
        return PdfRequest(self.kind, self.target.currentData(), Profile(self.profile.currentData()),
                          self.marking.text(), date_from if summary else None,
                          date_to if summary else None)

    def _changed(self) -> None:
        if self._data is not None:
            self.state.setText("Options changed: Preview again, or Save to make it anew.")

    def _busy(self, busy: bool, text: str = "") -> None:
        self.preview_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.state.setText(text)

    def make_preview(self) -> None:
        request = self.request()
        store, actor = self.store, self.actor
        ratio = self.devicePixelRatioF()
        self._busy(True, "Making the preview…")

        def job(_p: Progress) -> tuple[bytes, list[QImage]]:
            data = documents.render_pdf(store, actor, request)
            return data, rasterise(data, round(PREVIEW_WIDTH * ratio))

        def done(result: tuple[bytes, list[QImage]]) -> None:
            self._data, self._data_for = result[0], request
            self.preview.show_pages(result[1], ratio)
            self._busy(False, f"{len(result[1])} page(s) · {request.profile.label}")

        self._worker = run_in_background(job, done, self._failed)

    def _failed(self, exc: BaseException, tb: str) -> None:
        self._busy(False, "")
        show_error(self, exc, tb)

    def save(self, path: str | None = None) -> None:
        """Ask where (unless given), then write the previewed bytes, or make them first."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save PDF", self.default_name,
                                                  "PDF (*.pdf)")
        if not path:
            return
        request = self.request()
        data = self._data if self._data_for == request else None
        store, actor = self.store, self.actor
        self._busy(True, "Saving…")

        def job(_p: Progress) -> Path:
            return documents.save_pdf(data or documents.render_pdf(store, actor, request),
                                      Path(path))

        def done(out: Path) -> None:
            self.saved_to = out
            self._busy(False, f"Saved: {out}")

        self._worker = run_in_background(job, done, self._failed)


class BatchExportDialog(QDialog):
    """A summary PDF of every assessment matching a team, a period and a state (for example
    all finalised assessments of a team in a quarter), written into a folder."""

    def __init__(self, store: Store, actor: Actor, marking: str = "OFFICIAL-SENSITIVE",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setWindowTitle("Batch export assessment PDFs")
        self.resize(640, 360)
        self.result_: documents.BatchResult | None = None
        self._worker: Worker | None = None
        form = QFormLayout()
        self.team = fitted_combo()
        self.team.setAccessibleName("Team")
        for ident, name in accounts.teams_visible(store, actor):
            self.team.addItem(name, ident)
        form.addRow("&Team:", self.team)
        self.period = PeriodPicker()
        form.addRow("Pe&riod:", self.period)
        self.finalised_only = QCheckBox("&Finalised assessments only")
        self.finalised_only.setChecked(True)
        form.addRow("", self.finalised_only)
        self.profile, self.marking = _audience_rows(form, actor, marking)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(str(Path.home() / "qa-audit-pdfs"))
        self.folder.setAccessibleName("Folder to save into")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        folder_label = QLabel("F&older:")
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        self.count = QLabel("")
        self.count.setAccessibleName("How many assessments")
        form.addRow("", self.count)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setVisible(False)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Export state")
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("&Export",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.state)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        for signal in (self.team.currentIndexChanged, self.period.date_from.dateChanged,
                       self.period.date_to.dateChanged, self.finalised_only.toggled):
            signal.connect(self._recount)
        self._recount()

    def query(self) -> AssessmentQuery:
        date_from, date_to = self.period.period()
        statuses = ((Status.FINALISED,) if self.finalised_only.isChecked() else
                    tuple(s for s in Status if s is not Status.DRAFT))
        return AssessmentQuery(statuses=statuses, team_id=self.team.currentData(),
                               date_from=date_from, date_to=date_to)

    def _recount(self) -> None:
        if self.team.currentData() is None:
            self.count.setText("There is no team whose assessments you may export.")
            self.start_button.setEnabled(False)
            return
        n = documents.batch_count(self.store, self.actor, self.query())
        self.count.setText(f"{n} assessment(s) will be exported, one PDF each.")
        self.start_button.setEnabled(n > 0 and self._worker is None)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the PDFs into", self.folder.text())
        if folder:
            self.folder.setText(folder)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        if self.running:
            return
        query, out = self.query(), Path(self.folder.text()).expanduser()
        profile, marking = Profile(self.profile.currentData()), self.marking.text()
        store, actor = self.store, self.actor
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.start_button.setEnabled(False)
        self.state.setText("Exporting…")

        def job(p: Progress) -> documents.BatchResult:
            return documents.export_batch(store, actor, query, out, profile, marking,
                                          progress=p.report, stop=lambda: p.cancelled)

        self._worker = run_in_background(job, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)
        self.state.setText(f"Exporting {min(done + 1, total)} of {total}…")

    def _done(self, result: documents.BatchResult) -> None:
        self._worker = None
        self.result_ = result
        folder = result.index.parent if result.index else self.folder.text()
        if result.cancelled:
            message = (f"Cancelled: {len(result.written)} of {result.total} PDF(s) were saved "
                       f"in {folder}.")
        else:
            message = f"Done: {len(result.written)} PDF(s) saved in {folder}."
        if result.failed:
            shown = "; ".join(f"{f.file_name}: {f.reason}" for f in result.failed[:5])
            more = f" (and {len(result.failed) - 5} more)" if len(result.failed) > 5 else ""
            message += f" {len(result.failed)} could not be made: {shown}{more}."
        if result.index is not None:
            message += f" The list of every document is in {result.index.name}."
        self.state.setText(message)
        self.cancel_button.setText("Close")
        self._recount()

    def _failed(self, exc: BaseException, tb: str) -> None:
        self._worker = None
        self.state.setText("The export stopped with an error; PDFs already saved are kept.")
        self._recount()
        show_error(self, exc, tb)

    def cancel_or_close(self) -> None:
        if self._worker is not None:
            self._worker.progress.cancel()
            self.state.setText("Cancelling after the current PDF…")
        else:
            self.reject()

    def reject(self) -> None:
        if self._worker is not None:  # Esc while running cancels instead of hiding the job
            self.cancel_or_close()
            return
        super().reject()


class DataExportDialog(QDialog):
    """Assessments, ratings and actions as CSV files or one XLSX workbook."""

    def __init__(self, store: Store, actor: Actor, marking: str = "OFFICIAL-SENSITIVE",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setWindowTitle("Export data (CSV or XLSX)")
        self._worker: Worker | None = None
        self.result_: Any = None
        form = QFormLayout()
        self.format = QComboBox()
        self.format.addItem("XLSX workbook (one file)", "xlsx")
        self.format.addItem("CSV files (a folder)", "csv")
        self.format.setAccessibleName("Format")
        form.addRow("&Format:", self.format)
        self.profile, self.marking = _audience_rows(form, actor, marking)
        note = QLabel("Everything you may see: assessments, ratings and actions. A "
                      "pseudonymised copy leaves out names, hashes case references, and "
                      "replaces the names and references it finds in free text; read free "
                      "text before sharing it, as it may still identify people.")
        note.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("&Export…",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.choose_and_export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.progress)
        layout.addWidget(self.state)
        layout.addWidget(buttons)

    def choose_and_export(self) -> None:
        if self.format.currentData() == "xlsx":
            path, _ = QFileDialog.getSaveFileName(self, "Save workbook", "qa-audit-data.xlsx",
                                                  "Excel workbook (*.xlsx)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Save the CSV files into")
        if path:
            self.export(Path(path))

    def export(self, target: Path) -> None:
        from qa_audit.services.exports import export_csv, export_xlsx

        fmt, profile, marking = (self.format.currentData(), Profile(self.profile.currentData()),
                                 self.marking.text().strip() or "OFFICIAL-SENSITIVE")
        store, actor = self.store, self.actor
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.state.setText("Exporting…")

        def job(_p: Progress) -> Any:
            if fmt == "xlsx":
                return export_xlsx(store, actor, target, profile, marking)
            return export_csv(store, actor, target, profile, marking)

        def done(result: Any) -> None:
            self._worker, self.result_ = None, result
            self.progress.setVisible(False)
            self.export_button.setEnabled(True)
            counts = ", ".join(f"{n} {k}" for k, n in result.counts.items())
            self.state.setText(f"Saved {counts} to {target}.")

        def failed(exc: BaseException, tb: str) -> None:
            self._worker = None
            self.progress.setVisible(False)
            self.export_button.setEnabled(True)
            self.state.setText("")
            show_error(self, exc, tb)

        self._worker = run_in_background(job, done, failed)
