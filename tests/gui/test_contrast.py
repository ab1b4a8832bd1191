"""WCAG 2.2 AA over what the app paints with: text at least 4.5:1 on its background
(1.4.3), control borders and focus indicators at least 3:1 against what is next to them
(1.4.11, 2.4.7). The ratios are computed here from the WCAG formula, the colours read from
the palette the app applies and the style sheet's rules, and the focus rings measured on
rendered widgets."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qa_audit.ui.app import application
from qa_audit.ui.palette import style_sheet


def ratio(a: QColor, b: QColor) -> float:
    """WCAG 2.x contrast ratio, written out from the definition."""
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula() -> None:
    assert ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21)
    assert ratio(QColor("#767676"), QColor("#ffffff")) == pytest.approx(4.54, abs=0.01)


R, G = QPalette.ColorRole, QPalette.ColorGroup
TEXT_ON = [  # (group, text role, background role): text people read
    (G.Active, R.Text, R.Base), (G.Active, R.WindowText, R.Window),
    (G.Active, R.ButtonText, R.Button), (G.Active, R.HighlightedText, R.Highlight),
    (G.Inactive, R.HighlightedText, R.Highlight), (G.Active, R.PlaceholderText, R.Base),
    (G.Active, R.Link, R.Base),
    # Read-only content (a submitted audit's indicators, a disabled grade) is still read.
    (G.Disabled, R.Text, R.Base), (G.Disabled, R.WindowText, R.Window),
    (G.Disabled, R.ButtonText, R.Button), (G.Disabled, R.HighlightedText, R.Highlight),
]


def test_palette_text_is_at_least_4_5_to_1(qtbot) -> None:
    palette = application().palette()
    low = {f"{g.name} {fg.name} on {bg.name}": round(ratio(palette.color(g, fg),
                                                           palette.color(g, bg)), 2)
           for g, fg, bg in TEXT_ON}
    assert {k: v for k, v in low.items() if v < 4.5} == {}


def _without_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def _rules() -> list[tuple[str, dict[str, str]]]:
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", _without_comments(style_sheet())):
        props = dict(re.findall(r"([a-z-]+)\s*:\s*([^;]+);", body))
        rules.append((selector.strip(), props))
    return rules


def _colour(value: str) -> QColor | None:
    found = re.search(r"#[0-9a-fA-F]{6}|\bwhite\b|\bblack\b", value)
    return QColor(found.group(0)) if found else None


def test_style_sheet_text_on_its_background(qtbot) -> None:
    window = QColor(application().palette().color(R.Window))
    low = {}
    for selector, props in _rules():
        fg = _colour(props.get("color", ""))
        if fg is None:
            continue
        bg = _colour(props.get("background", "")) or QColor("#ffffff")
        worst = min(ratio(fg, bg), ratio(fg, window) if "background" not in props else 99)
        if worst < 4.5:
            low[selector] = round(worst, 2)
    assert low == {}


def test_style_sheet_borders_are_at_least_3_to_1(qtbot) -> None:
    grounds = [QColor("#ffffff"), application().palette().color(R.Window)]
    low = {}
    for selector, props in _rules():
        for key in ("border", "border-left"):
            colour = _colour(props.get(key, ""))
            if colour is None or ("navigation" in selector and ":focus" not in selector):
                continue  # the navigation's resting border is its own background: no line
            worst = min(ratio(colour, g) for g in grounds)
            if worst < 3:
                low[f"{selector} {key}"] = round(worst, 2)
    assert low == {}


def _focus_ring(qtbot, make) -> float:
    """The best contrast, over the pixels focus changes, of the focused colour against the
    unfocused one at the same place (the indicator against what it replaces)."""
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    other = QPushButton("elsewhere")
    widget = make()
    layout.addWidget(other)
    layout.addWidget(widget)
    host.resize(320, 200)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is host)
    other.setFocus()
    qtbot.waitUntil(lambda: other.hasFocus())
    qtbot.wait(50)
    before = widget.grab().toImage()
    qtbot.keyClick(other, Qt.Key.Key_Tab)  # by keyboard: styles draw rings for keyboard focus
    qtbot.waitUntil(lambda: widget.hasFocus())
    qtbot.wait(50)
    after = widget.grab().toImage()
    ratios = sorted(
        (ratio(QColor(after.pixel(x, y)), QColor(before.pixel(x, y)))
         for x in range(min(before.width(), after.width()))
         for y in range(min(before.height(), after.height()))
         if after.pixel(x, y) != before.pixel(x, y)), reverse=True)
    # A ring, not a speck: the 20th best changed pixel must reach the ratio.
    return ratios[19] if len(ratios) >= 20 else 0.0


def _grade_button() -> QPushButton:
    button = QPushButton("Good  [2]")
    button.setProperty("grade", True)
    button.setCheckable(True)
    return button


def _combo() -> QComboBox:
    combo = QComboBox()
    combo.addItems(["Any", "Draft"])
    return combo


def _navigation() -> QListWidget:
    nav = QListWidget()
    nav.setObjectName("navigation")
    nav.addItems(["My assessments", "Team"])
    return nav


@pytest.mark.parametrize("make", [_grade_button, _combo, QLineEdit, QPlainTextEdit,
                                  _navigation, lambda: QCheckBox("Seen alone")],
                         ids=["grade button", "combo", "line edit", "text box",
                              "navigation", "check box"])
def test_focus_is_visible_at_3_to_1(qtbot, make) -> None:
    application()
    assert _focus_ring(qtbot, make) >= 3
