"""Framework versions: list, read as a document, import a YAML file (checked first)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import Framework
from qa_audit.domain.permissions import Action, Actor, allowed
from qa_audit.errors import FrameworkError
from qa_audit.services import frameworks
from qa_audit.services.database import Store
from qa_audit.services.frameworks import FrameworkVersionInfo, ImportResult

from ..errors import show_error
from ..models import ListModel, heading_row, read_only_table
from ..operations import Change, Operation, connect_changes


def framework_html(framework: Framework, info: FrameworkVersionInfo) -> str:
    """The framework as a readable document; every text from the file is escaped."""
    e = html.escape
    scale = ", ".join(f"{e(g.label)} ({e(g.code)})" for g in framework.scale.grades)
    parts = [f"<h2>{e(framework.title)}</h2>",
             f"<p>Version {e(framework.version)} · id {e(framework.id)} · "
             f"hash {e(info.short_hash)}</p>",
             f"<p>{e(framework.description)}</p>" if framework.description else "",
             f"<p><b>Scale:</b> {scale}. <b>Overall:</b> "
             f"{e(framework.overall.method.value.replace('_', ' '))}</p>"]
    for area in framework.areas:
        parts.append(f"<h3>{e(area.title)}</h3>")
        for s in area.standards:
            parts.append(f"<h4>{e(s.title)}{'' if s.required else ' (optional)'}</h4>")
            parts.append(f"<p>{e(s.statement)}</p>")
            if s.guidance:
                parts.append(f"<p><i>What good looks like:</i> {e(s.guidance)}</p>")
            if s.indicators:
                items = "".join(f"<li>{e(i)}</li>" for i in s.indicators)
                parts.append(f"<p>Indicators:</p><ul>{items}</ul>")
            if s.prompts:
                items = "".join(f"<li>{e(p)}</li>" for p in s.prompts)
                parts.append(f"<p>Reflective prompts:</p><ul>{items}</ul>")
    return "".join(parts)


def _cells(v: FrameworkVersionInfo) -> list[str]:
    return [v.title, v.version, v.framework_id, v.short_hash, f"{v.imported_at:%d %b %Y}"]


class FrameworksView(QWidget):
    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        self.import_button = QPushButton("&Import framework…")
        self.import_button.setToolTip("Check a framework YAML file and store it as a new version")
        self.import_button.setAccessibleName("Import framework")
        self.import_button.clicked.connect(self.choose_file)
        self.import_button.setVisible(allowed(actor, Action.IMPORT_FRAMEWORK))
        layout.addLayout(heading_row("Frameworks", self.import_button))
        splitter = QSplitter()
        self.model = ListModel(["Title", "Version", "Id", "Hash", "Imported"],
                               lambda: frameworks.list_versions(store), _cells)
        self.model.loadFailed.connect(lambda exc, tb: show_error(self, exc, tb))
        connect_changes(self, (Change.FRAMEWORK,), self.model.refresh)
        self.table = read_only_table(self.model, "Framework versions", 260)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show(cur.row()))
        self.document = QTextBrowser()
        self.document.setAccessibleName("Framework document")
        splitter.addWidget(self.table)
        splitter.addWidget(self.document)
        splitter.setSizes([520, 620])
        layout.addWidget(splitter, 1)
        if self.model.rowCount():
            self.table.selectRow(0)
        self.last_error: str = ""

    def _show(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            info: FrameworkVersionInfo = self.model.item(row)
            fw = frameworks.get_framework(self.store, info.id)
            self.document.setHtml(framework_html(fw, info))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import framework", "",
                                              "Framework YAML (*.yaml *.yml)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Check and import in the background; problems are listed, nothing is stored."""
        Operation(self, lambda: frameworks.import_framework_file(self.store, self.actor, path),
                  changed=(Change.FRAMEWORK,), busy=(self.import_button,)).success(
            self._imported).failure(self._failed).run()

    def _imported(self, result: ImportResult) -> None:
        v = result.version
        word = "Imported" if result.created else "Already stored:"
        # Not waited for: the list behind it is refreshed as soon as the import is announced.
        QMessageBox(QMessageBox.Icon.Information, "Framework",
                    f"{word} {v.title} version {v.version}.", parent=self).open()

    def _failed(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, FrameworkError):
            self.last_error = str(exc)
            box = QMessageBox(QMessageBox.Icon.Warning, "Framework not imported",
                              f"The file has {len(exc.problems)} problem(s); nothing was "
                              "imported.", parent=self)
            box.setDetailedText(self.last_error)
            box.setInformativeText("\n".join(str(p) for p in exc.problems[:8]))
            box.open()
            return
        self.last_error = str(exc)
        show_error(self, exc, tb)
