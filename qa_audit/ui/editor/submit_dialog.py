"""The pre-submit check: what is missing, and a way to jump to each item by keyboard."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.scoring import Missing

TARGET_ROLE = 0x0100 + 7


class MissingDialog(QDialog):
    """Lists what stops submission; Enter on an item (or 'Go to') jumps to it."""

    def __init__(self, missing: list[Missing], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Not ready to submit")
        self.target: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(missing)} thing(s) to complete before submitting. "
                                "Choose one to go to it."))
        self.listing = QListWidget()
        self.listing.setAccessibleName("Missing items")
        for item in missing:
            row = QListWidgetItem(item.message)
            row.setData(TARGET_ROLE, item.target)
            self.listing.addItem(row)
        self.listing.setCurrentRow(0)
        self.listing.itemActivated.connect(lambda _i: self.accept())
        layout.addWidget(self.listing)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        go = buttons.addButton("&Go to", QDialogButtonBox.ButtonRole.AcceptRole)
        go.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        item = self.listing.currentItem()
        self.target = item.data(TARGET_ROLE) if item else None
        super().accept()
