"""One palette for the app, to WCAG 2.2 AA: text at least 4.5:1 on what it sits on
(white, the surface grey, a button, the selection), control borders and focus indicators
at least 3:1; status always shown as words too (colour is never the only signal)."""

from __future__ import annotations

from string import Template

from qa_audit.domain.workflow import Status
from qa_audit.resources import resource

TEXT = "#1f2328"
MUTED = "#57606a"  # 6.4:1 on white
ACCENT = "#1d4e89"  # 8.6:1 on white
OK = "#1a7f37"  # 5.1:1
WARN = "#9a6700"  # 4.9:1
BAD = "#b42318"  # 6.1:1
SURFACE = "#f6f8fa"
WINDOW = "#efefef"  # the window and button grey of the Fusion style
DISABLED = "#59636e"  # 5.3:1 on the window grey: read-only content is read, not guessed
PLACEHOLDER = "#656d76"  # 5.2:1 on white (Qt's default placeholder grey was 3.1:1)
BORDER = "#767f89"  # 3.5:1 on the window grey: input borders
READ_ONLY = "#f0f2f4"  # read-only boxes: a grey ground, text still 13:1

STATUS_COLOURS = {
    Status.DRAFT: MUTED,
    Status.SUBMITTED: ACCENT,
    Status.RETURNED: WARN,
    Status.RESPONDED: ACCENT,
    Status.MODERATION: WARN,
    Status.FINALISED: OK,
}



def style_sheet() -> str:
    """`resources/style.qss` with the palette's colours filled in."""
    template = Template(resource("style.qss").read_text("utf-8"))
    return template.substitute(text=TEXT, muted=MUTED, accent=ACCENT, surface=SURFACE,
                               disabled=DISABLED, border=BORDER, read_only=READ_ONLY)


def apply_palette(app: object) -> None:
    """The colours the style draws with: the selection (rows, focus rings) in the accent
    blue under white text, placeholders and disabled text dark enough to read."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    palette = app.palette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for g in (group.Active, group.Inactive):
        palette.setColor(g, role.Highlight, QColor(ACCENT))
        palette.setColor(g, role.HighlightedText, QColor("#ffffff"))
        palette.setColor(g, role.PlaceholderText, QColor(PLACEHOLDER))
        palette.setColor(g, role.Link, QColor(ACCENT))
    palette.setColor(group.Disabled, role.Highlight, QColor(MUTED))
    palette.setColor(group.Disabled, role.HighlightedText, QColor("#ffffff"))
    palette.setColor(group.Disabled, role.PlaceholderText, QColor(PLACEHOLDER))
    for r in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor(DISABLED))
    app.setPalette(palette)


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


_fonts_added = False


def add_fonts() -> None:
    """The Arabic-script and emoji fonts the PDFs use, for names and text in Urdu or Arabic
    and emoji (👶🏽 typed into a reflection) where the computer has no such font: Qt falls
    back to them for characters the UI font lacks, instead of drawing empty boxes.
    Once, when the main window is first made (about 5 ms, kept out of the sign-in)."""
    global _fonts_added
    if _fonts_added:
        return
    from PySide6.QtGui import QFontDatabase

    for name in ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
                 "NotoEmoji-Regular.ttf"):
        QFontDatabase.addApplicationFont(str(resource("fonts", name)))
    _fonts_added = True
