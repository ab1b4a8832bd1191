"""Charts for the PDFs, drawn with reportlab graphics.

The scale, its labels and colours come from the framework. Every mark carries its grade in
words or code as text, so the charts read in black and white and for colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import GradeBand, StandardEntry, StandardTally, TimePoint
from .pdf_common import FONT, FONT_BOLD

# Used only when a framework gives a grade no colour: distinct blues, lightest for the worst.
_FALLBACK = ("#1d4e89", "#2f6fb3", "#5b93cf", "#8db5e2", "#bcd4ef", "#dfe9f6")


def colour_of(scale: Sequence[GradeBand], code: str | None) -> str:
    for i, band in enumerate(scale):
        if band.code == code:
            return band.colour or _FALLBACK[min(i, len(_FALLBACK) - 1)]
    return "#8c959f"


def _ink_on(hex_colour: str) -> Any:
    """Black or white, whichever reads better on `hex_colour`."""
    from reportlab.lib import colors

    c = colors.HexColor(hex_colour)
    luminance = 0.2126 * c.red + 0.7152 * c.green + 0.0722 * c.blue
    return colors.black if luminance > 0.5 else colors.white


def _fit(value: str, width: float, size: float = 7.5) -> str:
    """`value` shortened with an ellipsis to fit `width` points in the body font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(value, FONT, size) <= width:
        return value
    while value and stringWidth(value + "…", FONT, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def grade_bars(standards: Sequence[StandardEntry], scale: Sequence[GradeBand],
               width: float) -> Any:
    """One bar per graded standard, as long as its score, labelled with the grade."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    rows = [s for s in standards if s.score is not None]
    top = max((b.score for b in scale), default=1.0) or 1.0
    label_w, bar_w, row_h = width * 0.42, width * 0.3, 14
    drawing = Drawing(width, row_h * max(1, len(rows)) + 6)
    for i, entry in enumerate(rows):
        y = drawing.height - (i + 1) * row_h
        drawing.add(String(0, y + 3, _fit(entry.title, label_w - 6), fontName=FONT,
                           fontSize=7.5))
        length = max(1.0, bar_w * (entry.score or 0) / top)
        fill = colors.HexColor(colour_of(scale, entry.grade_code))
        drawing.add(Rect(label_w, y + 1, length, row_h - 4, fillColor=fill, strokeColor=None,
                         strokeWidth=0))
        drawing.add(String(label_w + length + 4, y + 3, entry.grade_label, fontName=FONT,
                           fontSize=7.5))
    if not rows:
        drawing.add(String(0, 4, "No standard graded yet", fontName=FONT, fontSize=8))
    return drawing


def legend(scale: Sequence[GradeBand], width: float) -> Any:
    """Colour swatch, code and label of every grade, wrapping onto as many lines as needed."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    items = [(b, f"{b.code} = {b.label}") for b in scale]
    lines: list[list[tuple[GradeBand, str, float]]] = [[]]
    x = 0.0
    for band, label in items:
        w = 14 + stringWidth(label, FONT, 7.5) + 12
        if x + w > width and lines[-1]:
            lines.append([])
            x = 0.0
        lines[-1].append((band, label, x))
        x += w
    drawing = Drawing(width, 12 * len(lines) + 2)
    for row, line in enumerate(lines):
        y = drawing.height - 12 * (row + 1)
        for band, label, x0 in line:
            drawing.add(Rect(x0, y + 1, 10, 8, fillColor=colors.HexColor(
                colour_of(scale, band.code)), strokeColor=colors.HexColor("#57606a"),
                strokeWidth=0.3))
            drawing.add(String(x0 + 14, y + 2, label, fontName=FONT, fontSize=7.5))
    return drawing


def distribution_bars(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
                      scale: Sequence[GradeBand], width: float) -> Any:
    """A 100% bar per row (e.g. a standard or a quarter): each grade's share, best first,
    with the share printed in the segment when it fits; the row's count at the end."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    label_w, count_w, row_h = width * 0.36, 34.0, 15
    bar_w = width - label_w - count_w
    drawing = Drawing(width, row_h * max(1, len(rows)) + 4)
    for i, (label, counts) in enumerate(rows):
        y = drawing.height - (i + 1) * row_h
        drawing.add(String(0, y + 4, _fit(label, label_w - 6), fontName=FONT,
                           fontSize=7.5))
        total = sum(n for _, n in counts)
        x = label_w
        for code, n in counts:
            if not n or not total:
                continue
            w = bar_w * n / total
            fill = colour_of(scale, code)
            drawing.add(Rect(x, y + 1, w, row_h - 3, fillColor=colors.HexColor(fill),
                             strokeColor=colors.white, strokeWidth=0.5))
            share = f"{code} {round(100 * n / total)}%"
            if stringWidth(share, FONT, 6.5) + 4 < w:
                drawing.add(String(x + w / 2, y + 4.5, share, fontName=FONT, fontSize=6.5,
                                   fillColor=_ink_on(fill), textAnchor="middle"))
            x += w
        if not total:
            drawing.add(String(label_w, y + 4, "no grades", fontName=FONT, fontSize=7,
                               fillColor=colors.HexColor("#57606a")))
        drawing.add(String(width, y + 4, f"n={total}", fontName=FONT, fontSize=7,
                           textAnchor="end"))
    return drawing


def timeline(points: Sequence[TimePoint], scale: Sequence[GradeBand], width: float) -> Any:
    """Overall grades over time: one row per grade of the scale (best at the top, labelled in
    words), a marker with the grade's code at each assessment's date, joined by a line."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib import colors

    row_h, label_w = 16.0, min(width * 0.34, 170.0)
    bands = list(scale)
    height = row_h * max(1, len(bands)) + 22
    drawing = Drawing(width, height)
    grid = colors.HexColor("#d0d7de")
    y_of = {b.code: height - (i + 1) * row_h + row_h / 2 for i, b in enumerate(bands)}
    plot_x0, plot_x1 = label_w + 8, width - 12
    for band in bands:
        y = y_of[band.code]
        drawing.add(String(label_w, y - 3, _fit(f"{band.label} ({band.code})", label_w, 7),
                           fontName=FONT, fontSize=7, textAnchor="end"))
        drawing.add(Line(plot_x0, y, plot_x1, y, strokeColor=grid, strokeWidth=0.4))
    marks = sorted((p for p in points if p.grade_code in y_of), key=lambda p: p.when)
    if not marks:
        drawing.add(String(plot_x0, 4, "No overall grades in this period", fontName=FONT,
                           fontSize=8))
        return drawing
    first, last = marks[0].when, marks[-1].when
    span = max(1, (last - first).days)

    def x_of(point: TimePoint) -> float:
        if first == last:
            return (plot_x0 + plot_x1) / 2
        return plot_x0 + (plot_x1 - plot_x0) * (point.when - first).days / span

    coords = [(x_of(p), y_of[p.grade_code]) for p in marks]
    if len(coords) > 1:
        drawing.add(PolyLine([v for xy in coords for v in xy], strokeColor=colors.HexColor(
            "#57606a"), strokeWidth=0.8))
    for point, (x, y) in zip(marks, coords, strict=True):
        fill = colour_of(scale, point.grade_code)
        drawing.add(Circle(x, y, 4.5, fillColor=colors.HexColor(fill),
                           strokeColor=colors.HexColor("#1f2328"), strokeWidth=0.4))
        drawing.add(String(x, y - 2.3, point.grade_code[:2], fontName=FONT_BOLD, fontSize=5.5,
                           fillColor=_ink_on(fill), textAnchor="middle"))
    drawing.add(String(plot_x0, 2, first.strftime("%d %b %Y"), fontName=FONT, fontSize=7))
    if first != last:
        drawing.add(String(plot_x1, 2, last.strftime("%d %b %Y"), fontName=FONT, fontSize=7,
                           textAnchor="end"))
    return drawing


def tally_rows(tallies: Sequence[StandardTally]) -> list[tuple[str, Sequence[tuple[str, int]]]]:
    return [(t.title, t.counts) for t in tallies]
