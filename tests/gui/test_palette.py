"""The app's style keeps disabled controls visibly greyed (a plain `color` rule for every
widget would otherwise paint them like enabled ones)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QPushButton

from qa_audit.ui.app import application
from qa_audit.ui.palette import DISABLED, TEXT, contrast_ratio


def _darkest(button: QPushButton) -> int:
    image = button.grab().toImage()
    return min(QColor(image.pixel(x, y)).lightness()
               for x in range(image.width()) for y in range(image.height()))


def test_disabled_buttons_are_drawn_lighter_than_enabled_ones(qtbot) -> None:
    application()  # the app's style sheet
    enabled, disabled = QPushButton("Sign and send"), QPushButton("Sign and send")
    disabled.setEnabled(False)
    for button in (enabled, disabled):
        qtbot.addWidget(button)
        button.resize(200, 40)
        button.show()
    assert _darkest(disabled) > _darkest(enabled) + 40
    assert contrast_ratio(TEXT) >= 4.5 and contrast_ratio(DISABLED) >= 2.5


def test_the_main_window_brings_the_arabic_script_font(qtbot, world) -> None:
    # Urdu names and grade labels draw on a computer without any Arabic-script font.
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    from qa_audit.ui.main_window import MainWindow

    window = MainWindow(world.store, world.supervisor, "sup")
    qtbot.addWidget(window)
    assert "Noto Sans Arabic" in QFontDatabase.families()
    metrics = QFontMetrics(QFont("Noto Sans Arabic"))
    assert all(metrics.inFontUcs4(ord(c)) for c in "نگہت")
