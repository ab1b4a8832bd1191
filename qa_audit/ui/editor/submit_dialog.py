"""The pre-submit check (what is missing, and a way to jump to each item by keyboard) and
the practitioner's confirmation of what she signs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.records import Agreement
from qa_audit.domain.scoring import Missing
from qa_audit.services.read_models import AssessmentDetail

AGREEMENT_CHOSEN = {Agreement.AGREE: "I agree", Agreement.PARTLY: "I partly agree",
                    Agreement.DISAGREE: "I disagree"}

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


class SignResponseDialog(QDialog):
    """Shows exactly what the practitioner is about to sign; Cancel is the default."""

    def __init__(self, detail: AssessmentDetail, reflection: str, agreement: Agreement,
                 reasons: str, parent: QWidget | None = None,
                 comments: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign and send your response")
        layout = QVBoxLayout(self)
        intro = QLabel(f"You are signing your response to {detail.author_name}'s "
                       f"{detail.kind.label.lower()}"
                       + (f" of {detail.case_reference}" if detail.case_reference else "")
                       + ". Once signed it is sent and cannot be changed.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("What you are signing")
        self.summary.setHtml(self.summary_html(detail, reflection, agreement, reasons,
                                               comments))
        layout.addWidget(self.summary, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign = buttons.addButton("&Sign and send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign.setAutoDefault(False)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        cancel.setFocus()
        self.resize(560, 420)

    @staticmethod
    def summary_html(detail: AssessmentDetail, reflection: str, agreement: Agreement,
                     reasons: str, comments: Sequence[tuple[str, str]] = ()) -> str:
        def block(title: str, text: str) -> str:
            body = html.escape(text).replace("\n", "<br>")
            return f"<h4>{html.escape(title)}</h4><p>{body}</p>"

        parts = [block("Your view of the feedback", AGREEMENT_CHOSEN[agreement])]
        if agreement is not Agreement.AGREE:
            parts.append(block("Your reasons", reasons))
        parts.append(block("Your reflection", reflection))
        if comments:  # (standard title, comment), in the framework's order
            items = "".join(f"<li><b>{html.escape(title)}</b>: "
                            f"{html.escape(text).replace(chr(10), '<br>')}</li>"
                            for title, text in comments)
            parts.append(f"<h4>Your comments on the standards</h4><ul>{items}</ul>")
        if detail.actions:
            items = "".join(
                f"<li>{html.escape(a.text)}"
                + (f" (due {a.due_on:%d %b %Y})" if a.due_on else "") + "</li>"
                for a in detail.actions)
            parts.append(f"<h4>The actions you agree</h4><ul>{items}</ul>")
        else:
            parts.append("<h4>The actions you agree</h4><p>No actions were set.</p>")
        return "".join(parts)
