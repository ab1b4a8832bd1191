"""Text people type in any script shows as letters, not empty boxes, even on a computer
without Arabic or emoji fonts: the app brings the fonts its PDFs embed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPainter
from PySide6.QtWidgets import QApplication

from qa_audit.ui.palette import add_fonts


def _drawn(text: str) -> QImage:
    image = QImage(120, 50, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    font = QFont(QApplication.font())
    font.setPointSize(18)
    painter.setFont(font)
    painter.drawText(4, 36, text)
    painter.end()
    return image


def test_emoji_and_arabic_fall_back_to_the_bundled_fonts(qapp) -> None:
    add_fonts()
    families = set(QFontDatabase.families())
    assert {"Noto Emoji", "Noto Sans Arabic"} <= families
    missing = _drawn("\U000e0fff")  # no font has it: the box drawn for a missing glyph
    for text in ("👶", "🙂", "ع"):
        assert _drawn(text) != missing, text
