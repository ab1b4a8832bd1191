"""Shared PDF parts: the embedded Unicode font, styles, safe text, and the page frame
(protective marking in header and footer, audience line, DRAFT watermark, Page x of y)."""

from __future__ import annotations

import html
import re
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from qa_audit.resources import resource

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ARABIC = "NotoSansArabic"  # Arabic script incl. Urdu letters DejaVu lacks (ہ ے ۓ ۂ)
_FONTS = resource("fonts")


@lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    class LatinFont(TTFont):  # type: ignore[misc]
        """Never shaped. In a paragraph that holds Arabic, reportlab shapes every word with
        HarfBuzz, whose ligatures would turn a Latin "st" into "ﬆ" (and break copy and
        search); a font without `hbFont` is left as it is (reportlab's path for fonts it
        cannot shape)."""

        def hbFont(self, fontSize: float = 10) -> Any:
            raise AttributeError("Latin text is not shaped")

    for family, regular, bold, kind in (
            (FONT, "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", LatinFont),
            (FONT_ARABIC, "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", TTFont)):
        pdfmetrics.registerFont(kind(family, str(_FONTS / regular)))
        pdfmetrics.registerFont(kind(family + "-Bold", str(_FONTS / bold)))
        addMapping(family, 0, 0, family)
        addMapping(family, 1, 0, family + "-Bold")
        addMapping(family, 0, 1, family)
        addMapping(family, 1, 1, family + "-Bold")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# Punctuation touching an Arabic word joins it in the Arabic font (reportlab shapes a word
# with its first font and would draw the rest with glyphs of the wrong font); anything
# else touching it, digits included, is set apart by a space. (Digits inside a word would
# be shaped right to left with it, and come out reversed.)
_ARABIC_FONT_ALSO = "!,\\-.:\u00a0"
_ARABIC_WORD = f"[{_ARABIC_FONT_ALSO}]*[{_ARABIC}][{_ARABIC}{_ARABIC_FONT_ALSO}]*"
# A run of Arabic-script words on one line (joined by spaces or tabs), with any numbers
# standing between two of them: the run is set right to left as a whole, each number
# keeping its own digits left to right ("میں 8 سال" reads سال 8 میں from the left).
_ARABIC_RUN = re.compile(
    f"{_ARABIC_WORD}(?:[ \t]+(?:[0-9][0-9.,:/\\-]*[ \t]+)*{_ARABIC_WORD})*")


def _arabic_runs(escaped: str) -> str:
    """Arabic-script runs in the Arabic font, in logical (typed) order: the paragraph
    breaks its lines in that order and sets each line's words right to left when drawn
    (`_BidiParagraph`); HarfBuzz shapes each word."""
    out: list[str] = []
    last = 0
    for match in _ARABIC_RUN.finditer(escaped):
        start, end = match.span()
        before = escaped[start - 1] if start else " "
        after = escaped[end] if end < len(escaped) else " "
        out.append(escaped[last:start])
        if not before.isspace() and before != ">":
            out.append(" ")
        out.append(f'<font face="{FONT_ARABIC}">{" ".join(match.group(0).split())}</font>')
        if not after.isspace() and after != "<":
            out.append(" ")
        last = end
    out.append(escaped[last:])
    return "".join(out)


def arabic_runs_of(value: str) -> list[tuple[str, bool]]:
    """`value` cut into (part, is Arabic script) in typed order, spaces kept."""
    out: list[tuple[str, bool]] = []
    last = 0
    for match in _ARABIC_RUN.finditer(value):
        out += [(value[last:match.start()], False), (match.group(0), True)]
        last = match.end()
    out.append((value[last:], False))
    return [(part, arabic) for part, arabic in out if part]


_TAG = re.compile(r"<[^>]*>")
_WORD_OR_SPACES = re.compile(r"[^ ]+| +")
_ARABIC_LETTER = re.compile(f"[{_ARABIC}]")


def right_to_left(markup: str) -> bool:
    """Whether a paragraph reads right to left: its first letter is Arabic script (the
    Unicode rule for a paragraph's direction: the first strong character decides)."""
    plain = html.unescape(_TAG.sub("", markup))
    first = next((c for c in plain if c.isalpha()), "")
    return bool(first) and _ARABIC_LETTER.match(first) is not None


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
    Paragraphs holding Arabic script are shaped (HarfBuzz) and set right to left where
    they are Arabic (`_BidiParagraph`); the rest skip that cost."""
    from reportlab.platypus import Paragraph

    if FONT_ARABIC in value:
        rtl = right_to_left(value)
        return _bidi_classes()[rtl](value, _shaped(style, rtl))
    return Paragraph(value, styles()[style])


@lru_cache(maxsize=32)
def _shaped(style: str, rtl: bool = False) -> Any:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = styles()[style]
    return ParagraphStyle(f"{style}-shaped{'-rtl' if rtl else ''}", parent=base, shaping=1,
                          alignment=TA_RIGHT if rtl else base.alignment)


def _is_arabic(frag: Any) -> bool:
    return str(getattr(frag, "fontName", "")).startswith(FONT_ARABIC)


def visual_line(words: list[Any], rtl: bool) -> list[Any]:
    """One line's fragments (reportlab frags, in the order typed) in the order to draw
    them left to right: every Arabic word on its own; in a right-to-left paragraph the
    whole line's order is reversed, with runs of left-to-right text kept as they are; in a
    left-to-right one only the runs of Arabic words are. The spaces between neighbours
    stay between the same neighbours."""
    # Units: (pieces, trailing spaces, arabic); Arabic fragments are split into words.
    units: list[tuple[list[Any], int, bool]] = []
    for frag in words:
        txt = getattr(frag, "text", None)
        if txt is None or not _is_arabic(frag):
            if isinstance(txt, str) and units and txt.startswith(" "):
                body = txt.lstrip(" ")  # leading spaces are the gap after the word before
                pieces, gap, arabic = units[-1]  # (reportlab puts them here)
                units[-1] = (pieces, gap + len(txt) - len(body), arabic)
                frag = frag.clone()
                frag.text = body
            units.append(([frag], 0, False))
            continue
        for match in _WORD_OR_SPACES.finditer(txt):
            first, end = match.span()
            if txt[first] != " ":
                piece = frag.clone()
                piece.text = txt[first:end]  # a slice keeps a shaped string's glyph data
                units.append(([piece], 0, True))
            elif units:
                pieces, gap, arabic = units[-1]
                units[-1] = (pieces, gap + end - first, arabic)
            else:
                spaces = frag.clone()
                spaces.text = " " * (end - first)
                units.append(([spaces], 0, False))
    # Trailing spaces of left-to-right fragments count as gaps too.
    normal: list[tuple[list[Any], int, bool]] = []
    for pieces, gap, arabic in units:
        last = pieces[-1]
        txt = getattr(last, "text", None)
        if not arabic and isinstance(txt, str) and txt.endswith(" ") and txt.strip():
            stripped = txt.rstrip(" ")
            clone = last.clone()
            clone.text = stripped
            pieces = [*pieces[:-1], clone]
            gap += len(txt) - len(stripped)
        normal.append((pieces, gap, arabic))
    # Groups to reverse: each Arabic word; in an RTL line, runs of LTR units join into one.
    groups: list[list[tuple[list[Any], int, bool]]] = []
    for unit in normal:
        if groups and not unit[2] and not groups[-1][-1][2]:
            groups[-1].append(unit)
        else:
            groups.append([unit])
    if rtl:
        order = _reverse_with_gaps(groups)
    else:
        order, run = [], []
        for group in [*groups, None]:
            if group is not None and group[0][2]:
                run.append(group)
                continue
            order += _reverse_with_gaps(run)
            run = []
            if group is not None:
                order.append(group)
    out: list[Any] = []
    for group in order:
        for pieces, gap, _arabic in group:
            out += pieces
            if gap:
                last = out[-1]
                if getattr(last, "text", None) is None:
                    spacer = pieces[-1].clone()
                    spacer.text = " " * gap
                    out.append(spacer)
                else:
                    clone = last.clone()
                    clone.text = last.text + " " * gap
                    out[-1] = clone
    return out


def _reverse_with_gaps(groups: list[list[tuple[list[Any], int, bool]]]
                       ) -> list[list[tuple[list[Any], int, bool]]]:
    """Groups in reverse order; each takes the gap that followed its left neighbour in the
    typed order, and the last drawn (the first typed) takes the gap after the run."""
    if len(groups) < 2:
        return groups
    gaps = [group[-1][1] for group in groups]
    out = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        pieces, _, arabic = group[-1]
        gap = gaps[index - 1] if index > 0 else gaps[-1]
        out.append([*group[:-1], (pieces, gap, arabic)])
    return out


@lru_cache(maxsize=1)
def _bidi_classes() -> dict[bool, type]:
    """Paragraph classes that draw each line in visual order ({rtl: class}); reportlab's
    own bidi needs rlbidi, which has no wheels. Lines are broken in typed order, so a long
    Arabic paragraph's lines follow one another top to bottom as written."""
    from reportlab.platypus import Paragraph

    class _BidiParagraph(Paragraph):  # type: ignore[misc]
        rtl = False

        def drawPara(self, debug: int = 0) -> Any:
            para_lines = self.blPara
            if para_lines.kind != 1:
                saved_plain = para_lines.lines
                if _is_arabic(para_lines):  # one font throughout: Arabic words only
                    para_lines.lines = [(extra, list(reversed(words)))
                                        for extra, words in saved_plain]
                try:
                    return super().drawPara(debug)
                finally:
                    para_lines.lines = saved_plain
            saved = [line.words for line in para_lines.lines]
            for line in para_lines.lines:
                line.words = visual_line(line.words, self.rtl)
            try:
                return super().drawPara(debug)
            finally:
                for line, words in zip(para_lines.lines, saved, strict=True):
                    line.words = words

    class _RtlParagraph(_BidiParagraph):
        rtl = True

    return {False: _BidiParagraph, True: _RtlParagraph}


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


# The audit log's head when the document was made (qa_audit.services.audit_log.chain_head),
# set by the service around rendering and written into the PDF's keywords: an anchor that
# a later rewrite of the log disagrees with.
audit_anchor: ContextVar[str] = ContextVar("audit_anchor", default="")


def build_pdf(flowables: list[Any], *, header_title: str, marking: str, audience: str,
              draft: bool, title: str, author: str, subject: str) -> bytes:
    """Lay out `flowables` on A4 inside the marked page frame; the PDF as bytes."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=56,
        bottomMargin=48, title=title, author=author, subject=subject, creator="qa_audit",
        keywords=audit_anchor.get())
    doc.build(flowables, canvasmaker=page_frame(marking, audience, draft, header_title))
    return buffer.getvalue()


def content_width() -> float:
    from reportlab.lib.pagesizes import A4

    return float(A4[0] - 2 * MARGIN)


def write_pdf(data: bytes, out: Path) -> Path:
    """Write atomically (0600) so a crash or a full disk never leaves half a PDF."""
    from qa_audit.atomic_files import atomic_write_bytes

    return atomic_write_bytes(out, data)
