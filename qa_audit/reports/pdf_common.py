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
FONT_EMOJI = "NotoEmoji"  # monochrome emoji DejaVu lacks (👶🏽 ❤️ 🙂)
_FONTS = resource("fonts")


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap of a font subset (what copy, search and pdftotext read
    back), with characters beyond U+FFFF (emoji) as UTF-16 surrogate pairs: reportlab
    writes them as five hex digits, which readers take for another character."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo", f"<< /Registry ({fontname})", f"/Ordering ({fontname})",
        "/Supplement 0", ">> def", f"/CMapName /{fontname} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{_utf16be(v)}>" for i, v in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


@lru_cache(maxsize=8192)
def _utf16be(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


def _guard_rise() -> None:
    """reportlab 5 raises IndexError when a line opens with a glyph HarfBuzz raised or
    lowered (an Arabic shadda or fatha at the start of a line): it looks at the text
    object's last operator before there is one. Such a glyph then starts the line's
    operators itself."""
    from reportlab.pdfgen.textobject import PDFTextObject

    original = PDFTextObject.setRise

    def set_rise(self: Any, rise: float) -> None:
        if not self._code:
            self._rise = rise
            self._y -= rise
            from reportlab.lib.rl_accel import fp_str

            self._code.append(f"{fp_str(rise)} Ts")
            return
        original(self, rise)

    PDFTextObject.setRise = set_rise


@lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.graphics import shapes
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import ttfonts

    # reportlab 5 internals (the major version is pinned): its subset writer looks the
    # CMap maker up in its module at each use; a drawing (the charts) starts its text
    # state in the graphics default font, Helvetica, which PDFs never embed.
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    from reportlab.platypus import paragraph

    paragraph.shapeFragWord = _shape_word(ttfonts.shapeFragWord)
    shapes.STATE_DEFAULTS["fontName"] = FONT
    # Shapes check each attribute as it is set, "a big help when developing" that slows
    # every chart of a batch down (reportlab's words); the charts are made by code only.
    from reportlab import rl_config

    rl_config.shapeChecking = 0
    _guard_rise()
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
    # One weight only: bold emoji are drawn in the same face. Not shaped either: reportlab
    # shapes a word with its first font and maps the glyphs into the others, so "👶Fatima"
    # shaped in the emoji font would fail (each emoji is drawn from its own glyph).
    pdfmetrics.registerFont(LatinFont(FONT_EMOJI, str(_FONTS / "NotoEmoji-Regular.ttf")))
    for weight in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_EMOJI, weight, italic, FONT_EMOJI)


# Control characters, and explicit bidi embeddings and isolates (the bidi algorithm
# decides the order of what was typed; a pasted override must not turn a line around).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")
# Candidates for the emoji font: pictographs and symbols, and the joiners, variation
# selectors and skin-tone modifiers that build emoji sequences.
_MAYBE_EMOJI = re.compile("[\u2190-\u2bff\u200d\ufe0e\ufe0f\U0001f000-\U0001faff]")
_JOINERS = frozenset("\u200d\ufe0e\ufe0f") | {chr(c) for c in range(0x1F3FB, 0x1F400)}


@lru_cache(maxsize=1)
def _glyphs() -> tuple[frozenset[int], frozenset[int]]:
    """Code points of the body font and of the emoji font."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    return (frozenset(pdfmetrics.getFont(FONT).face.charToGlyph),
            frozenset(pdfmetrics.getFont(FONT_EMOJI).face.charToGlyph))


def _emoji_runs(escaped: str) -> str:
    """Characters the body font lacks and the emoji font has (with the joiners and
    modifiers around them) in the emoji font; anything neither has stays in the text
    layer as typed."""
    if not _MAYBE_EMOJI.search(escaped):
        return escaped
    body, emoji = _glyphs()
    out: list[str] = []
    run: list[str] = []
    for ch in escaped:
        code = ord(ch)
        if (ch in _JOINERS and (run or code >= 0x1F3FB)) or (
                code not in body and code in emoji and not ch.isspace()):
            run.append(ch)
            continue
        if run:
            out.append(f'<font face="{FONT_EMOJI}">{"".join(run)}</font>')
            run = []
        out.append(ch)
    if run:
        out.append(f'<font face="{FONT_EMOJI}">{"".join(run)}</font>')
    return "".join(out)


# Arabic-script letters, marks and the Arabic semicolon, question mark and full stops: drawn
# in the Arabic font and shaped by HarfBuzz. Digits (ASCII and Arabic-Indic), the Arabic
# comma and all other punctuation stay in the body font, which has them (the Arabic font
# lacks ? ( ) " ; and others): they are never shaped (HarfBuzz would set digits right to
# left with a word, reversing them), and the Unicode bidi algorithm places each of them
# (`bidi`), e.g. a bracket or a question mark at the edge of an Arabic word in an English
# sentence. A word mixing both fonts is shaped font run by font run (`_shape_word`).
_ARABIC = ("\u0600-\u060b\u060d-\u065f\u066a-\u06ef\u06fa-\u06ff\u0750-\u077f"
           "\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff")
_ARABIC_WORD = f"[{_ARABIC}]+"
# A run of Arabic-script words on one line (joined by spaces or tabs).
_ARABIC_RUN = re.compile(f"{_ARABIC_WORD}(?:[ \t]+{_ARABIC_WORD})*")


def _arabic_runs(escaped: str) -> str:
    """Arabic-script runs in the Arabic font, in logical (typed) order, nothing added or
    taken away: the paragraph breaks its lines in that order and sets each line in bidi
    order when drawn (`_BidiParagraph`); HarfBuzz shapes each word."""
    out: list[str] = []
    last = 0
    for match in _ARABIC_RUN.finditer(escaped):
        start, end = match.span()
        out.append(escaped[last:start])
        out.append(f'<font face="{FONT_ARABIC}">{" ".join(match.group(0).split())}</font>')
        last = end
    out.append(escaped[last:])
    return "".join(out)


def _shape_word(original: Any) -> Any:
    """reportlab's `shapeFragWord` for a word (no spaces) that mixes fonts, e.g. an Arabic
    word with the question mark or bracket typed against it: reportlab shapes the whole
    word with its first font's HarfBuzz face (leaving it unshaped when that is the body
    font, or drawing the body font's characters with glyphs of the Arabic font); here each
    run of one font is shaped on its own. (reportlab 5 internals: its frag words.)"""

    def shape(word: Any, *args: Any, **kwargs: Any) -> Any:
        from reportlab.pdfbase.pdfmetrics import stringWidth
        from reportlab.pdfbase.ttfonts import ShapedFragWord, makeShapedFragWord

        if isinstance(word, ShapedFragWord) or len(word) <= 2:
            return original(word, *args, **kwargs)
        runs: list[list[Any]] = []
        for pair in word[1:]:
            name = getattr(pair[0], "fontName", None)
            if runs and getattr(runs[-1][-1][0], "fontName", None) == name:
                runs[-1].append(pair)
            else:
                runs.append([pair])
        if len(runs) == 1:
            return original(word, *args, **kwargs)
        width, pairs, changed = 0.0, [], False
        for run in runs:
            run_width = sum(stringWidth(text, f.fontName, f.fontSize) for f, text in run
                            if not hasattr(f, "cbDefn"))
            alone = [run_width, *run]
            shaped = original(alone, *args, **kwargs)
            changed = changed or shaped is not alone
            width += shaped[0]
            pairs += shaped[1:]
        if not changed:
            return word
        return makeShapedFragWord(word)([width, *pairs])

    return shape


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


def right_to_left(markup: str) -> bool:
    """Whether a paragraph reads right to left (the Unicode rule: its first strong
    character decides)."""
    from .bidi import paragraph_is_rtl

    return paragraph_is_rtl(html.unescape(_TAG.sub("", markup)))


def text(value: str | None) -> str:
    """User text made safe for a reportlab Paragraph: markup printed as typed, line breaks
    kept, Arabic and Urdu in a font that has them. Paragraph reads `<`, `>` and `&` as
    markup, so they are escaped here."""
    if not value:
        return ""
    clean = html.escape(_CONTROL.sub("", value), quote=False)
    if _ARABIC_RUN.search(clean):
        clean = "\n".join(_arabic_runs(line) for line in clean.split("\n"))
    return _emoji_runs(clean).replace("\n", "<br/>")


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
        # A heading never stands alone at the foot of a page: build_pdf puts a conditional
        # page break before each (cheaper than keepWithNext, which lays out the flowable
        # after the heading twice).
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=16,
                             spaceBefore=10, spaceAfter=4,
                             textColor=colors.HexColor("#1d4e89")),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=2),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11,
                               borderColor=colors.HexColor("#d0d7de"), borderWidth=0.5,
                               borderPadding=4, backColor=colors.HexColor("#f6f8fa"),
                               spaceBefore=4, spaceAfter=8),
    }


def _draft_mark(canvas: Any, width: float, height: float) -> None:
    """The DRAFT watermark as stroked shapes, not text: it marks every page without
    putting letters into the text layer (copying a page's text never picks up "DRAFT")."""
    from reportlab.lib import colors

    h, w, gap = 110.0, 80.0, 26.0
    letters: dict[str, list[list[tuple[float, float]]]] = {
        "R": [[(0, 0), (0, 1), (0.65, 1), (0.9, 0.88), (0.9, 0.62), (0.65, 0.5), (0, 0.5)],
              [(0.45, 0.5), (1, 0)]],
        "A": [[(0, 0), (0.5, 1), (1, 0)], [(0.22, 0.42), (0.78, 0.42)]],
        "F": [[(0, 0), (0, 1), (1, 1)], [(0, 0.55), (0.75, 0.55)]],
        "T": [[(0, 1), (1, 1)], [(0.5, 1), (0.5, 0)]],
    }
    canvas.saveState()
    canvas.setStrokeColor(colors.Color(0.8, 0.1, 0.1, alpha=0.14))
    canvas.setLineWidth(13)
    canvas.setLineJoin(1)
    canvas.setLineCap(1)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(45)
    x = -(5 * w + 4 * gap) / 2
    y = -h / 2
    path = canvas.beginPath()  # D: a stem and a bowl
    path.moveTo(x, y)
    path.lineTo(x, y + h)
    path.lineTo(x + w * 0.45, y + h)
    path.curveTo(x + w * 1.05, y + h, x + w * 1.05, y, x + w * 0.45, y)
    path.close()
    for letter in "RAFT":
        x += w + gap
        for stroke in letters[letter]:
            path.moveTo(x + stroke[0][0] * w, y + stroke[0][1] * h)
            for px, py in stroke[1:]:
                path.lineTo(x + px * w, y + py * h)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()


def _draw_line(canvas: Any, x: float, y: float, value: str, font: str, size: float,
               anchor: str) -> None:
    """A header or footer line; Arabic script in it shaped and in bidi order."""
    if not _ARABIC_RUN.search(value):
        {"start": canvas.drawString, "middle": canvas.drawCentredString,
         "end": canvas.drawRightString}[anchor](x, y, value)
        return
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing

    from .pdf_charts import chart_text

    drawing = Drawing(1, 1)
    drawing.add(chart_text(x, y, value, size, font=font, anchor=anchor,
                           fill=canvas._fillColorObj))
    renderPDF.draw(drawing, canvas, 0, 0)


def page_frame(marking: str, audience: str, draft: bool, title: str, note: str = "") -> Any:
    """A canvas class drawing the frame on every page, with 'Page x of y' (two passes).
    `note` (e.g. "DRAFT" or "Awaiting practitioner response") follows the title at the top
    of every page; `draft` adds the watermark."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    heading = " · ".join(part for part in (title, audience, note) if part)

    class FramedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Every font embedded: the canvas would otherwise start in Helvetica (a base
            # font PDFs never embed) and name it on every page.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
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
                _draft_mark(self, width, height)
            self.setFillColor(colors.HexColor("#b42318"))
            self.setFont(FONT_BOLD, 9)
            _draw_line(self, width / 2, height - 28, marking, FONT_BOLD, 9, "middle")
            _draw_line(self, width / 2, 22, marking, FONT_BOLD, 9, "middle")
            self.setFillColor(colors.HexColor("#57606a"))
            self.setFont(FONT, 7.5)
            _draw_line(self, 40, height - 40, heading, FONT, 7.5, "start")
            self.drawRightString(width - 40, 22, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return FramedCanvas


MARGIN = 48


def para(value: str, style: str = "body") -> Any:
    """A Paragraph of already-escaped markup (use `text()` on anything a user typed).
    Paragraphs holding Arabic script are shaped (HarfBuzz) and set right to left where
    they are Arabic (`_BidiParagraph`); the rest skip that cost."""
    if FONT_ARABIC in value:
        rtl = right_to_left(value)
        return _bidi_classes()[rtl](value, _shaped(style, rtl))
    return _paragraph_class()(value, styles()[style])


@lru_cache(maxsize=1)
def _paragraph_class() -> type:
    """reportlab's Paragraph, laid out once per width: a table wraps each cell to size its
    rows and again to draw it, and reportlab breaks the lines anew each time (a paragraph
    outside a table is wrapped once). The lines depend on the width only."""
    from reportlab.platypus import Paragraph

    class _Paragraph(Paragraph):  # type: ignore[misc]
        _laid_out: tuple[float, float] | None = None  # (width, height) of `blPara`

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            done = self._laid_out
            # (`split` deletes blPara when it gives up: then the lines are broken anew)
            if done is not None and done[0] == availWidth and "blPara" in self.__dict__:
                self.width, self.height = done
                return done
            size: tuple[float, float] = super().wrap(availWidth, availHeight)
            self._laid_out = size if size[0] == availWidth else None
            return size

    return _Paragraph


@lru_cache(maxsize=32)
def _shaped(style: str, rtl: bool = False) -> Any:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    base = styles()[style]
    return ParagraphStyle(f"{style}-shaped{'-rtl' if rtl else ''}", parent=base, shaping=1,
                          alignment=TA_RIGHT if rtl else base.alignment)


def _is_arabic(frag: Any) -> bool:
    return str(getattr(frag, "fontName", "")).startswith(FONT_ARABIC)


def visual_line(words: list[Any], rtl: bool, levels: Any = None) -> list[Any]:
    """One line's fragments (reportlab frags, in the order typed) in the order to draw
    them left to right, by the Unicode bidi algorithm (`bidi`): Arabic-script words drawn
    whole as shaped, runs of other text kept together. `levels`: see `visual_pieces`."""
    from .bidi import visual_pieces

    return visual_pieces(words, rtl, _is_arabic, levels)


def _visual_words(words: list[Any], rtl: bool, line_levels: list[int]) -> list[Any]:
    """A one-font line's words (strings) in drawing order, given the levels of
    `_words_text(words)`."""
    from .bidi import visual_order

    starts, pos = [], 0
    for word in words:
        starts.append(line_levels[pos] if pos < len(line_levels) else int(rtl))
        pos += len(word) + 1
    return [words[i] for i in visual_order(starts)]


def _words_text(words: list[Any]) -> str:
    from .bidi import for_levels

    return " ".join(for_levels(w) for w in words)


@lru_cache(maxsize=1)
def _bidi_classes() -> dict[bool, type]:
    """Paragraph classes that draw each line in visual order ({rtl: class}); reportlab's
    own bidi needs rlbidi, which has no wheels. Lines are broken in typed order, so a long
    Arabic paragraph's lines follow one another top to bottom as written."""
    class _BidiParagraph(_paragraph_class()):  # type: ignore[misc]
        rtl = False

        def drawPara(self, debug: int = 0) -> Any:
            from .bidi import line_text, paragraph_levels

            para_lines = self.blPara
            if para_lines.kind != 1:
                saved_plain = para_lines.lines
                if _is_arabic(para_lines):  # one font throughout: Arabic-script words
                    found = paragraph_levels([_words_text(list(words))
                                              for _, words in saved_plain], self.rtl)
                    para_lines.lines = [(extra, _visual_words(list(words), self.rtl, lv))
                                        for (extra, words), lv in zip(saved_plain, found,
                                                                      strict=True)]
                try:
                    return super().drawPara(debug)
                finally:
                    para_lines.lines = saved_plain
            saved = [line.words for line in para_lines.lines]
            found = paragraph_levels([line_text(line.words) for line in para_lines.lines],
                                     self.rtl)
            for line, line_levels in zip(para_lines.lines, found, strict=True):
                line.words = visual_line(line.words, self.rtl, line_levels)
            try:
                return super().drawPara(debug)
            finally:
                for line, words in zip(para_lines.lines, saved, strict=True):
                    line.words = words

    class _RtlParagraph(_BidiParagraph):
        rtl = True

    return {False: _BidiParagraph, True: _RtlParagraph}


# A table split between rows that leaves more than this empty at the page foot is split
# inside the next row instead.
_ROOM_LEFT = 90.0


@lru_cache(maxsize=1)
def _table_class() -> type:
    from reportlab.platypus import Table

    class SplittingTable(Table):  # type: ignore[misc]
        """A table whose rows may continue over pages (a long reflection, a 5,000-character
        word: a row taller than a page would otherwise fail the whole document). Split
        between rows where that fills the page; inside a row where a row split would leave
        the page foot empty (reportlab would then place the rest, its header repeated, in
        that space on the same page). Uses reportlab 5 internals (`_splitRows`)."""

        def split(self, availWidth: float, availHeight: float) -> list[Any]:
            self._calc(availWidth, availHeight)
            by_row = self._splitRows(availHeight, doInRowSplit=False)
            if by_row:
                _, used = by_row[0].wrap(availWidth, availHeight)
                if availHeight - used <= _ROOM_LEFT:
                    return list(by_row)
            in_row = self._splitRows(availHeight, doInRowSplit=True)
            return list(in_row or by_row)

    return SplittingTable


def table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Any:
    """A gridded table; with `header`, the first row repeats on every page it spans."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    grid = _table_class()(rows, colWidths=widths, repeatRows=1 if header else 0,
                          splitInRow=1)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("FONTNAME", (0, 0), (-1, -1), FONT),  # cells of plain strings: not Helvetica
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


def sign_off(rows: list[tuple[str, str, Any]], width: float, meaning: str = "",
             last: Any = None) -> Any:
    """The sign-off block under its heading: role, name, signed date (or 'Not signed'),
    then what signing means, then `last` (the document's closing line), all on one page
    (neither the heading nor the closing line is left alone on a page)."""
    from reportlab.platypus import KeepTogether, Spacer

    grid = table([[para(text(role), "label"), para(text(name)), para(signed(at))]
                  for role, name, at in rows], [width * 0.25, width * 0.4, width * 0.35])
    parts = [para("Sign-off", "h2"), grid]
    if meaning:
        parts.append(para(meaning, "small"))
    if last is not None:
        parts += [Spacer(1, 8), last]
    return KeepTogether(parts)


def scanned_note() -> Any:
    """What a pseudonymised copy did to free text, and what it could not do."""
    from qa_audit.reports.model import SCANNED_NOTE

    return para(text(SCANNED_NOTE), "note")


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
              draft: bool, title: str, author: str, subject: str, note: str = "") -> bytes:
    """Lay out `flowables` on A4 inside the marked page frame; the PDF as bytes."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    flowables = _heading_breaks(flowables)
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=56,
        bottomMargin=48, title=title, author=author, subject=subject, creator="qa_audit",
        lang="en-GB", keywords=audit_anchor.get())
    doc.build(flowables, canvasmaker=page_frame(marking, audience, draft, header_title, note))
    return buffer.getvalue()


# Room a heading needs below it: its own height and about three lines of what follows.
_HEADING_ROOM = {"h2": 72.0, "h3": 56.0}


def _heading_breaks(flowables: list[Any]) -> list[Any]:
    """A conditional page break before every heading (h2, h3) that does not directly
    follow another (room for both when two come together): with too little room left,
    the heading starts the next page."""
    from reportlab.platypus import CondPageBreak

    rooms = [_HEADING_ROOM.get(getattr(getattr(f, "style", None), "name", ""), 0.0)
             for f in flowables]
    out: list[Any] = []
    for index, flowable in enumerate(flowables):
        room = rooms[index]
        if room and not (index and rooms[index - 1]):
            following = rooms[index + 1] if index + 1 < len(rooms) else 0.0
            out.append(CondPageBreak(room + following))
        out.append(flowable)
    return out


def content_width() -> float:
    from reportlab.lib.pagesizes import A4

    return float(A4[0] - 2 * MARGIN)


def write_pdf(data: bytes, out: Path) -> Path:
    """Write atomically (0600) so a crash or a full disk never leaves half a PDF."""
    from qa_audit.atomic_files import atomic_write_bytes

    return atomic_write_bytes(out, data)
