"""Inputs that keep the keyboard moving: Tab always leaves them for the next control."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


class DateBox(QDateEdit):
    """A date input with its calendar; Tab and Shift+Tab go to the next or previous
    control (Qt's date edit moves between day, month and year on Tab, and with a special
    value such as "Any" or "— not answered —" showing it never lets go: a trap for anyone
    on the keyboard). Left and Right still move between day, month and year."""

    def __init__(self, date: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if date is not None:
            self.setDate(date)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd MMM yyyy")

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)
