"""Export dialogs against real widgets, a real database and real PDFs: preview pages, save
the previewed bytes, batch export with progress and cancel, data exports, menus by role."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from qa_audit.reports.model import Profile
from qa_audit.services import assessments
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf
from qa_audit.ui.export_dialogs import (
    BatchExportDialog,
    DataExportDialog,
    ExportPdfDialog,
    rasterise,
)
from qa_audit.ui.main_window import MainWindow


def _text(path: Path) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(path).pages))


def _finalised(world, n: int) -> list[object]:
    return [world.finalised_audit() for _ in range(n)]


def _not_blank(image) -> bool:
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    return len(colours) > 3


def test_preview_shows_pages_and_save_writes_what_was_previewed(qtbot, world, tmp_path):
    aid = _finalised(world, 1)[0]
    dialog = ExportPdfDialog(world.store, world.supervisor, DocumentKind.ASSESSMENT,
                             target=aid)
    qtbot.addWidget(dialog)
    assert Profile(dialog.profile.currentData()) is Profile.MANAGER
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview.page_count > 0, timeout=20_000)
    pixmap = dialog.preview.page_labels[0].pixmap()
    assert pixmap.width() > 500 and _not_blank(pixmap.toImage())
    assert "page(s)" in dialog.state.text()
    previewed = dialog._data
    out = tmp_path / "a.pdf"
    dialog.save(str(out))
    qtbot.waitUntil(lambda: dialog.saved_to is not None, timeout=20_000)
    assert out.read_bytes() == previewed  # the very bytes previewed
    assert "FatimaKhan" in _text(out)

    dialog.profile.setCurrentIndex(list(Profile).index(Profile.PSEUDONYMISED))
    assert "Options changed" in dialog.state.text()
    dialog.saved_to = None
    dialog.save(str(tmp_path / "p.pdf"))  # made anew for the new audience
    qtbot.waitUntil(lambda: dialog.saved_to is not None, timeout=20_000)
    assert "FatimaKhan" not in _text(tmp_path / "p.pdf")


def test_period_dialog_offers_only_the_team_practitioners(qtbot, world, tmp_path):
    _finalised(world, 2)
    dialog = ExportPdfDialog(world.store, world.supervisor, DocumentKind.PERIOD)
    qtbot.addWidget(dialog)
    names = [dialog.target.itemText(i) for i in range(dialog.target.count())]
    assert names == ["Fatima Khan"]  # not Gwen Jones, of another team
    dialog.period.quick.setCurrentIndex(1)  # this quarter
    dialog.period.quick.activated.emit(1)
    first, last = dialog.period.period()
    assert first.day == 1 and first <= last
    dialog.save(str(tmp_path / "period.pdf"))
    qtbot.waitUntil(lambda: dialog.saved_to is not None, timeout=20_000)
    assert "Practitionerperiodsummary" in _text(tmp_path / "period.pdf")


def test_a_practitioner_has_no_team_summary_to_export(qtbot, world):
    dialog = ExportPdfDialog(world.store, world.fca, DocumentKind.TEAM)
    qtbot.addWidget(dialog)
    assert dialog.target.count() == 0
    assert not dialog.save_button.isEnabled() and not dialog.preview_button.isEnabled()


def test_batch_export_writes_one_pdf_each_with_progress(qtbot, world, tmp_path):
    ids = _finalised(world, 3)
    world.new_audit()  # a draft: not exported
    dialog = BatchExportDialog(world.store, world.supervisor)
    qtbot.addWidget(dialog)
    dialog.period.quick.activated.emit(1)  # this quarter
    assert dialog.count.text().startswith("3 assessment(s)")
    dialog.folder.setText(str(tmp_path / "out"))
    seen: list[tuple[int, int]] = []
    dialog.start()
    dialog._worker.signals.progress.connect(lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
    result = dialog.result_
    assert not result.cancelled and result.total == 3 and len(result.written) == 3
    files = sorted((tmp_path / "out").glob("*.pdf"))
    assert len(files) == 3 and all(str(aid)[:8] in "".join(f.name for f in files)
                                   for aid in ids)
    assert all(PdfReader(f).pages for f in files)
    assert "Done: 3 PDF(s)" in dialog.state.text()
    assert dialog.progress.value() == dialog.progress.maximum() == 3
    assert seen and seen[-1] == (3, 3)


def test_batch_export_lists_a_document_it_could_not_make(qtbot, world, tmp_path):
    _finalised(world, 2)
    dialog = BatchExportDialog(world.store, world.supervisor)
    qtbot.addWidget(dialog)
    dialog.period.quick.activated.emit(1)
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
    first = dialog.result_.written[0]
    first.unlink()
    first.mkdir()  # a folder where that PDF should go
    dialog.result_ = None
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
    text = dialog.state.text()
    assert "Done: 1 PDF(s)" in text and f"1 could not be made: {first.name}" in text
    assert "index.csv" in text and (out / "index.csv").is_file()


def test_batch_export_cancel_keeps_what_was_written_and_says_so(qtbot, world, tmp_path):
    _finalised(world, 6)
    dialog = BatchExportDialog(world.store, world.supervisor)
    qtbot.addWidget(dialog)
    dialog.period.quick.activated.emit(1)
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.show()
    dialog.start()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc while running cancels, not closes
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
    assert dialog.isVisible()
    result = dialog.result_
    assert result.cancelled and len(result.written) < result.total == 6
    assert sorted((tmp_path / "out").glob("*.pdf")) == sorted(result.written)
    assert not list((tmp_path / "out").glob("*.part"))
    assert dialog.state.text().startswith("Cancelled:")


def test_data_export_dialog_writes_a_workbook(qtbot, world, tmp_path):
    _finalised(world, 1)
    dialog = DataExportDialog(world.store, world.supervisor)
    qtbot.addWidget(dialog)
    dialog.export(tmp_path / "d.xlsx")
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=20_000)
    assert load_workbook(tmp_path / "d.xlsx").sheetnames[0] == "About"
    assert "Saved 1 assessments" in dialog.state.text()


def test_reports_menu_by_role(qtbot, world):
    def entries(actor, username) -> list[str]:
        window = MainWindow(world.store, actor, username)
        qtbot.addWidget(window)
        menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Reports")
        if not menu.menuAction().isVisible():
            return []
        return [a.text() for a in menu.actions() if a.text()]

    assert entries(world.fca, "fca") == ["&Practitioner period summary…"]
    assert entries(world.supervisor, "sup") == [
        "&Practitioner period summary…", "&Team summary…", "&Batch export assessment PDFs…",
        "Export &data (CSV or XLSX)…"]
    assert entries(world.admin, "admin") == []


def test_ctrl_p_in_the_editor_opens_the_export_dialog(qtbot, world, on_modal):
    aid = world.new_audit()
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G")
    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    window.show()
    window.open_assessment(aid)
    shown: list[object] = []

    def act(dialog) -> None:
        shown.append(dialog)
        dialog.reject()

    on_modal(act)
    action = next(a for a in window.findChildren(type(window.menuBar().actions()[0]))
                  if a.shortcut() == QKeySequence(QKeySequence.StandardKey.Print))
    action.trigger()
    assert shown and isinstance(shown[0], ExportPdfDialog)
    assert shown[0].kind is DocumentKind.ASSESSMENT
    # Closed, the dialog (with its preview pages) does not linger as the window's child.
    qtbot.waitUntil(lambda: not window.findChildren(ExportPdfDialog))


def test_rasterise_renders_every_page(world, tmp_path):
    aid = _finalised(world, 1)[0]
    out = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "a.pdf")
    images = rasterise(out.read_bytes(), 300)
    assert len(images) == len(PdfReader(out).pages) and images[0].width() == 300
    assert all(_not_blank(i) for i in images)


def test_closing_the_dialog_while_its_preview_renders_is_safe(qtbot, world) -> None:
    # Found in review: run_modal freed the dialog while its preview job was still running;
    # the job's answer then reached deleted widgets (RuntimeError, a crash report).
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialog

    from qa_audit.ui.export_dialogs import run_modal
    from qa_audit.ui.workers import _running

    aid = _finalised(world, 1)[0]
    parent = QDialog()
    qtbot.addWidget(parent)
    dialog = ExportPdfDialog(world.store, world.supervisor, DocumentKind.ASSESSMENT,
                             target=aid, parent=parent)

    def preview_then_close() -> None:
        dialog.make_preview()
        dialog.reject()

    QTimer.singleShot(0, preview_then_close)
    run_modal(dialog)
    qtbot.waitUntil(lambda: not _running, timeout=20_000)
    qtbot.waitUntil(lambda: not parent.findChildren(ExportPdfDialog))  # freed, once done
