"""Shared PDF parts: the embedded Unicode font, styles, safe text, and the page frame
(protective marking in header and footer, audience line, DRAFT watermark, Page x of y)."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ARABIC = "NotoSansArabic"  # Arabic script incl. Urdu letters DejaVu lacks (ہ ے ۓ ۂ)
_FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"


@lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for family, regular, bold in ((FONT, "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
                                  (FONT_ARABIC, "NotoSansArabic-Regular.ttf",
                                   "NotoSansArabic-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(family, str(_FONTS / regular)))
        pdfmetrics.registerFont(TTFont(family + "-Bold", str(_FONTS / bold)))
        addMapping(family, 0, 0, family)
        addMapping(family, 1, 0, family + "-Bold")
        addMapping(family, 0, 1, family)
        addMapping(family, 1, 1, family + "-Bold")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# A run of Arabic-script words on one line (words joined by spaces or tabs).
_ARABIC_RUN = re.compile(f"[{_ARABIC}]+(?:[ \t]+[{_ARABIC}]+)*")
# What the Arabic font can draw besides Arabic; other characters touching an Arabic word
# are set apart by a space, because reportlab shapes each word in its first font.
_ARABIC_FONT_ALSO = frozenset(" !,-.0123456789:\u00a0")


def _arabic_runs(escaped: str) -> str:
    """Arabic-script runs in the Arabic font, words in right-to-left order (each word is
    shaped and set right to left by HarfBuzz when the paragraph is drawn)."""
    out: list[str] = []
    last = 0
    for match in _ARABIC_RUN.finditer(escaped):
        start, end = match.span()
        before = escaped[start - 1] if start else " "
        after = escaped[end] if end < len(escaped) else " "
        out.append(escaped[last:start])
        if not before.isspace() and before not in _ARABIC_FONT_ALSO and before != ">":
            out.append(" ")
        words = match.group(0).split()
        out.append(f'<font face="{FONT_ARABIC}">{" ".join(reversed(words))}</font>')
        if not after.isspace() and after not in _ARABIC_FONT_ALSO and after != "<":
            out.append(" ")
        last = end
    out.append(escaped[last:])
    return "".join(out)


def text(value: str | None) -> str:
    """User text made safe for a reportlab Paragraph: markup printed as typed, line breaks
    kept, Arabic and Urdu in a font that has them. Paragraph reads `<`, `>` and `&` as
    markup, so they are escaped here."""
    if not value:
        return ""
    clean = html.escape(_CONTROL.sub("", value), quote=False)
    if _ARABIC_RUN.search(clean):
        clean = "\n".join(_arabic_runs(line) for line in clean.split("\n"))
    return clean.replace("\n", "<br/>")


def or_none(value: str | None) -> str:
    return text(value) if value and value.strip() else "<i>None recorded</i>"


@lru_cache(maxsize=1)
def styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13,
                          splitLongWords=True, textColor=colors.HexColor("#1f2328"))
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10,
                                textColor=colors.HexColor("#57606a")),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20,
                             spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=16,
                             spaceBefore=10, spaceAfter=4, keepWithNext=1,
                             textColor=colors.HexColor("#1d4e89")),
        # keepWithNext: a heading never stands alone at the foot of a page
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD),
    }


def page_frame(marking: str, audience: str, draft: bool, title: str) -> Any:
    """A canvas class drawing the frame on every page, with 'Page x of y' (two passes)."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    class FramedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._frame(total)
                super().showPage()
            super().save()

        def _frame(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            if draft:
                self.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.12))
                self.setFont(FONT_BOLD, 110)
                self.translate(width / 2, height / 2)
                self.rotate(45)
                self.drawCentredString(0, -40, "DRAFT")
                self.rotate(-45)
                self.translate(-width / 2, -height / 2)
            self.setFillColor(colors.HexColor("#b42318"))
            self.setFont(FONT_BOLD, 9)
            self.drawCentredString(width / 2, height - 28, marking)
            self.drawCentredString(width / 2, 22, marking)
            self.setFillColor(colors.HexColor("#57606a"))
            self.setFont(FONT, 7.5)
            self.drawString(40, height - 40, f"{title} · {audience}")
            self.drawRightString(width - 40, 22, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return FramedCanvas


MARGIN = 48


def para(value: str, style: str = "body") -> Any:
    """A Paragraph of already-escaped markup (use `text()` on anything a user typed).
    Paragraphs holding Arabic script are shaped (HarfBuzz); the rest skip that cost."""
    from reportlab.platypus import Paragraph

    if FONT_ARABIC in value:
        return Paragraph(value, _shaped(style))
    return Paragraph(value, styles()[style])


@lru_cache(maxsize=16)
def _shaped(style: str) -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style}-shaped", parent=styles()[style], shaping=1)


def table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Any:
    """A gridded table; with `header`, the first row repeats on every page it spans."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    grid = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
             ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaeef2")))
    grid.setStyle(TableStyle(style))
    return grid


def header_row(*labels: str) -> list[Any]:
    return [para(text(label), "label") for label in labels]


def details_table(details: list[tuple[str, str]], width: float) -> Any:
    """Label/value pairs (both user text, escaped here)."""
    return table([[para(text(a), "label"), para(text(b) or "—")] for a, b in details],
                 [width * 0.3, width * 0.7])


def when(value: Any, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else "—"


def signed(value: Any) -> str:
    return value.strftime("%d %b %Y %H:%M UTC") if value else "Not signed"


def sign_off(rows: list[tuple[str, str, Any]], width: float) -> Any:
    """The sign-off block: role, name, signed date (or 'Not signed')."""
    return table([[para(text(role), "label"), para(text(name)), para(signed(at))]
                  for role, name, at in rows], [width * 0.25, width * 0.4, width * 0.35])


def footnote(marking: str, generated_at: Any, prepared_by: str = "") -> Any:
    by = f" for {text(prepared_by)}" if prepared_by else ""
    return para(f"Produced {generated_at:%d %b %Y %H:%M} UTC by qa_audit{by}. "
                f"{text(marking)}: handle and store according to your service's rules.",
                "small")


def build_pdf(flowables: list[Any], *, header_title: str, marking: str, audience: str,
              draft: bool, title: str, author: str, subject: str) -> bytes:
    """Lay out `flowables` on A4 inside the marked page frame; the PDF as bytes."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=56,
        bottomMargin=48, title=title, author=author, subject=subject, creator="qa_audit")
    doc.build(flowables, canvasmaker=page_frame(marking, audience, draft, header_title))
    return buffer.getvalue()


def content_width() -> float:
    from reportlab.lib.pagesizes import A4

    return float(A4[0] - 2 * MARGIN)


def write_pdf(data: bytes, out: Path) -> Path:
    """Write atomically so a crash never leaves half a PDF under the final name."""
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
