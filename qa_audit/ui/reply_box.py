"""The supervisor's reply to a practitioner's reasons for not fully agreeing, under the
Response tab of the assessment editor: written by the supervisor before finalising, read
by everyone who sees the assessment, printed in the summary PDF."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.permissions import Actor
from qa_audit.errors import UserError
from qa_audit.services import replies
from qa_audit.services.database import Store

from .errors import show_error


class ReplyBox(QGroupBox):
    """Shown once the practitioner has signed a response that does not fully agree."""

    def __init__(self, store: Store, actor: Actor, assessment_id: uuid.UUID,
                 parent: QWidget | None = None) -> None:
        super().__init__("The supervisor's reply to the practitioner's reasons", parent)
        self.store, self.actor, self.assessment_id = store, actor, assessment_id
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Reply to the practitioner's reasons")
        self.text.setToolTip("How the disagreement was resolved; printed in the summary")
        self.text.setPlaceholderText("How you respond to the practitioner's reasons")
        self.text.setTabChangesFocus(True)
        self.text.setMaximumHeight(110)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.save = QPushButton("Save repl&y")
        self.save.setToolTip("Record your reply (you can change it until you finalise)")
        self.save.clicked.connect(self.save_reply)
        self.state = QLabel()
        self.state.setAccessibleName("Reply state")
        row.addWidget(self.save)
        row.addWidget(self.state, 1)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        """Show the stored reply; editable only by whoever may write it now."""
        reply = replies.get_reply(self.store, self.actor, self.assessment_id)
        may_write = replies.reply_allowed(self.store, self.actor, self.assessment_id)
        self.setVisible(may_write or reply is not None)
        self.text.setPlainText(reply.text if reply else "")
        self.text.setReadOnly(not may_write)
        self.save.setVisible(may_write)
        if reply is not None:
            self.intro.setText(f"Replied by {reply.author_name} on "
                               f"{reply.written_at:%d %b %Y at %H:%M} (UTC).")
        else:
            self.intro.setText("The practitioner did not fully agree. Reply to their reasons "
                               "before you finalise: the reply is printed with them.")

    def save_reply(self) -> None:
        try:
            replies.reply_to_response(self.store, self.actor, self.assessment_id,
                                      self.text.toPlainText())
        except UserError as exc:
            show_error(self, exc, "")
            return
        self.refresh()
        self.state.setText("Reply saved")
