"""The preview of moving a draft to a newer version of its framework, and the explicit
step that makes it: what maps (by standard id), what is new, and what would be lost, read
before anything changes. With anything to lose, the move button stays disabled until the
person ticks that they have read the list; Cancel is the default."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from qa_audit.domain.framework import Framework
from qa_audit.domain.version_move import Fate, MovePlan, StandardMove
from qa_audit.services.framework_move import MovePreview


def _grade(framework: Framework, code: str | None) -> str:
    if code is None:
        return "not graded"
    return framework.scale.words(code)


def _kept_line(plan: MovePlan, move: StandardMove) -> str:
    assert move.after is not None
    parts = [f"grade {_grade(plan.new, move.after.grade)}"
             if move.lost_grade is None else "grade lost (see below)"]
    if move.before.indicators:
        parts.append(f"{len(move.after.indicators)} of {len(move.before.indicators)} ticked "
                     "indicators kept")
    if move.before.evidence.strip() or move.before.commentary.strip():
        parts.append("evidence and commentary kept")
    renamed = f" (was “{move.old_title}”)" if move.old_title else ""
    return (f"<b>{html.escape(move.standard_id)}</b> — {html.escape(move.title)}"
            f"{html.escape(renamed)}: {html.escape('; '.join(parts))}")


def preview_html(preview: MovePreview) -> str:
    """The plan in words, in three parts: maps, new, lost."""
    plan = preview.plan

    def section(title: str, items: list[str], empty: str) -> str:
        body = ("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items
                else f"<p><i>{html.escape(empty)}</i></p>")
        return f"<h3>{html.escape(title)} ({len(items)})</h3>{body}"

    kept = [_kept_line(plan, m) for m in plan.of(Fate.MAPS)]
    new = [f"<b>{html.escape(m.standard_id)}</b> — {html.escape(m.title)}"
           for m in plan.of(Fate.NEW)]
    new += [f"New context question: {html.escape(label)}" for label in plan.new_questions]
    lost = [html.escape(line) for line in plan.losses()]
    return "".join((
        section("What maps, by standard id", kept, "No standard is in both versions."),
        section("New in this version, ungraded", new, "Nothing new."),
        section("What would be lost", lost, "Nothing is lost."),
    ))


class MoveVersionDialog(QDialog):
    def __init__(self, preview: MovePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        old, new = preview.current, preview.target
        self.setWindowTitle(f"Move to version {new.version}")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Move this draft from {old.title} version {old.version} (#{old.short_hash}) to "
            f"version {new.version} (#{new.short_hash})? Standards are matched by their id. "
            "Read what would be lost: the move cannot be undone.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("What the move keeps, adds and loses")
        self.summary.setHtml(preview_html(preview))
        layout.addWidget(self.summary, 1)
        self.losses = preview.plan.losses()
        self.understood = QCheckBox(f"I have read the {len(self.losses)} thing"
                                    f"{'s' if len(self.losses) != 1 else ''} that would be "
                                    "&lost")
        self.understood.setAccessibleName("I have read what would be lost")
        self.understood.setVisible(bool(self.losses))
        layout.addWidget(self.understood)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = buttons.addButton(f"&Move to version {new.version}",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.move_button.setAutoDefault(False)
        self.move_button.setEnabled(not self.losses)
        self.understood.toggled.connect(self.move_button.setEnabled)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.summary.setFocus()
        self.resize(640, 520)
