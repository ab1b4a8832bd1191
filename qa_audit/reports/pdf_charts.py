"""Charts for the PDFs, drawn with reportlab graphics.

The scale, its labels and colours come from the framework. Every mark carries its grade in
words or code as text, so the charts read in black and white and for colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from functools import lru_cache
from typing import Any

from qa_audit.domain.disclosure import THRESHOLD, is_small, protect_row

from .model import GradeBand, StandardEntry, StandardTally, TimePoint
from .pdf_common import FONT, FONT_ARABIC, FONT_BOLD, arabic_runs_of, right_to_left, visual_line

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


def chart_text(x: float, y: float, value: str, size: float = 7.5, *, font: str = FONT,
               anchor: str = "start", fill: Any = None) -> Any:
    """A chart label. Arabic-script words are drawn in the Arabic font, shaped, and set
    right to left as in the paragraphs; other text is a plain String."""
    from reportlab.graphics.shapes import Group, String
    from reportlab.lib import colors
    from reportlab.lib.abag import ABag
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr

    colour = fill if fill is not None else colors.black
    runs = arabic_runs_of(value)
    if not any(arabic for _, arabic in runs):
        return String(x, y, value, fontName=font, fontSize=size, textAnchor=anchor,
                      fillColor=colour)
    frags = [ABag(fontName=FONT_ARABIC if arabic else font, fontSize=size, text=part)
             for part, arabic in runs]
    pieces: list[tuple[str, str, float]] = []
    for frag in visual_line(frags, right_to_left(value)):
        body, spaces = frag.text.rstrip(" "), len(frag.text) - len(frag.text.rstrip(" "))
        if frag.fontName == FONT_ARABIC and body:
            body = shapeStr(body, FONT_ARABIC, size)
        width = (sum(d.x_advance for d in body.__shapeData__) * size / 1000
                 if isinstance(body, ShapedStr) else stringWidth(body, frag.fontName, size))
        pieces.append((body, frag.fontName, width + spaces * stringWidth(" ", font, size)))
    total = sum(w for _, _, w in pieces)
    left = x - (total if anchor == "end" else total / 2 if anchor == "middle" else 0)
    group = Group()
    for body, font_name, width in pieces:
        if body:
            group.add(String(left, y, body, fontName=font_name, fontSize=size,
                             fillColor=colour))
        left += width
    return group


@lru_cache(maxsize=1)
def _chart_class() -> type:
    """A reportlab Drawing that paints its shapes straight onto the page. renderPDF walks a
    drawing with a state tracker that saves, compares and restores the whole graphics
    state at every node; a chart holds only rectangles, lines, circles and text in groups
    without transforms, each carrying its own colours, so each is painted with one canvas
    call. Anything else is left to renderPDF."""
    from reportlab.graphics.shapes import Drawing

    class Chart(Drawing):  # type: ignore[misc]
        def draw(self, showBoundary: Any = None) -> None:
            shapes = list(_flat(self))
            if any(s is None for s in shapes):
                super().draw()
                return
            canvas = self.canv
            canvas.saveState()
            try:
                for shape in shapes:
                    _paint(canvas, shape)
            finally:
                canvas.restoreState()

    return Chart


def chart(width: float, height: float) -> Any:
    return _chart_class()(width, height)


def _flat(group: Any) -> Iterator[Any]:
    """The shapes of `group` and its untransformed groups, in drawing order; None for one
    this painter does not know."""
    from reportlab.graphics.shapes import Circle, Group, Line, PolyLine, Rect, String

    for shape in group.contents:
        if isinstance(shape, Group) and not isinstance(shape, _chart_class()):
            if tuple(shape.transform) != (1, 0, 0, 1, 0, 0):
                yield None
            else:
                yield from _flat(shape)
        elif isinstance(shape, (Rect, String, Line, PolyLine, Circle)) and not getattr(
                shape, "strokeDashArray", None) and getattr(shape, "rx", 0) == 0:
            yield shape
        else:
            yield None


def _paint(canvas: Any, shape: Any) -> None:
    """One shape as renderPDF paints it (fill and stroke as its colours say)."""
    from reportlab.graphics.shapes import Circle, Line, PolyLine, Rect, String
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fill = getattr(shape, "fillColor", None)
    stroke = shape.strokeColor if not isinstance(shape, String) else None
    stroking = stroke is not None and shape.strokeWidth > 0
    if fill is not None:
        canvas.setFillColor(fill)
    if stroking:
        canvas.setStrokeColor(stroke)
        canvas.setLineWidth(shape.strokeWidth)
    if isinstance(shape, String):
        if fill is None:
            return
        canvas.setFont(shape.fontName, shape.fontSize)
        x = shape.x
        if shape.textAnchor in ("end", "middle"):
            width = stringWidth(shape.text, shape.fontName, shape.fontSize)
            x -= width if shape.textAnchor == "end" else width / 2
        canvas.drawString(x, shape.y, shape.text)
    elif isinstance(shape, Rect):
        canvas.rect(shape.x, shape.y, shape.width, shape.height, stroke=int(stroking),
                    fill=int(fill is not None))
    elif isinstance(shape, Circle):
        canvas.circle(shape.cx, shape.cy, shape.r, stroke=int(stroking),
                      fill=int(fill is not None))
    elif isinstance(shape, Line):
        if stroking:
            canvas.line(shape.x1, shape.y1, shape.x2, shape.y2)
    elif isinstance(shape, PolyLine) and stroking:
        points = shape.points
        path = canvas.beginPath()
        path.moveTo(points[0], points[1])
        for i in range(2, len(points), 2):
            path.lineTo(points[i], points[i + 1])
        canvas.drawPath(path, stroke=1, fill=0)


def _fit(value: str, width: float, size: float = 7.5) -> str:
    """`value` shortened with an ellipsis to fit `width` points in the body font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(value, FONT, size) <= width:
        return value
    while value and stringWidth(value + "…", FONT, size) > width:
        value = value[:-1]
    return value.rstrip() + "…"


def wrap_label(value: str, width: float, size: float = 7.5, most: int = 4) -> list[str]:
    """`value` broken into lines of at most `width` points (long words cut), at most `most`
    lines (the last one ends with an ellipsis if more was left)."""
    return list(_wrapped(value, width, size, most))


@lru_cache(maxsize=4096)  # a framework's titles label every chart of a batch
def _wrapped(value: str, width: float, size: float, most: int) -> tuple[str, ...]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current = ""
    for word in value.split():
        while stringWidth(word, FONT, size) > width:  # a word longer than the line
            cut = len(word)
            while cut > 1 and stringWidth(word[:cut], FONT, size) > width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if current and stringWidth(candidate, FONT, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > most:
        lines = [*lines[:most - 1], _fit(" ".join(lines[most - 1:]), width, size)]
    return tuple(lines or [""])


def _labels(drawing: Any, x: float, top: float, lines: Sequence[str], size: float = 7.5,
            leading: float = 9) -> None:
    for n, line in enumerate(lines):
        drawing.add(chart_text(x, top - size - n * leading, line, size))


ROOM = 600.0  # points of chart per drawing: a drawing never splits, so none is taller


def _chunks(rows: Sequence[Any], height: Any, room: float = ROOM) -> list[list[Any]]:
    """`rows` cut into runs whose heights add up to at most `room` (one row at least)."""
    out: list[list[Any]] = []
    used = room
    for row in rows:
        h = height(row)
        if used + h > room:
            out.append([])
            used = 0.0
        out[-1].append(row)
        used += h
    return out


def grade_bar_pages(standards: Sequence[StandardEntry], scale: Sequence[GradeBand],
                    width: float) -> list[Any]:
    """`grade_bars` cut into drawings that each fit on a page (a framework may have more
    standards than one page holds)."""
    rows = [s for s in standards if s.score is not None]
    label_w = width * 0.42
    chunks = _chunks(rows, lambda e: max(14.0, 9 * len(wrap_label(e.title, label_w - 6)) + 5))
    return [grade_bars(c, scale, width) for c in chunks] or [grade_bars([], scale, width)]


def distribution_bar_pages(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
                           scale: Sequence[GradeBand], width: float, small: bool = False
                           ) -> list[Any]:
    """`distribution_bars` cut into drawings that each fit on a page."""
    label_w = width * 0.36
    chunks = _chunks(rows, lambda r: max(15.0, 9 * len(wrap_label(r[0], label_w - 6)) + 6))
    return ([distribution_bars(c, scale, width, small) for c in chunks]
            or [distribution_bars([], scale, width, small)])


def grade_bars(standards: Sequence[StandardEntry], scale: Sequence[GradeBand],
               width: float) -> Any:
    """One bar per graded standard, labelled with the grade; the bar's length is the grade's
    place in the scale (best longest, worst still visible), not its score, so scales whose
    scores reach zero or below draw as well as any other. Long titles wrap."""
    from reportlab.graphics.shapes import Rect, String
    from reportlab.lib import colors

    rows = [s for s in standards if s.score is not None]
    rank = {band.code: len(scale) - i for i, band in enumerate(scale)}  # best first
    label_w, bar_w, row_h = width * 0.42, width * 0.3, 14.0
    labels = [wrap_label(entry.title, label_w - 6) for entry in rows]
    heights = [max(row_h, 9 * len(lines) + 5) for lines in labels]
    drawing = chart(width, sum(heights) + 6 if rows else row_h + 6)
    top = drawing.height
    for entry, lines, h in zip(rows, labels, heights, strict=True):
        y = top - row_h
        _labels(drawing, 0, top - 1, lines)
        length = bar_w * rank.get(entry.grade_code or "", 0) / max(1, len(scale))
        fill = colors.HexColor(colour_of(scale, entry.grade_code))
        drawing.add(Rect(label_w, y + 1, length, row_h - 4, fillColor=fill, strokeColor=None,
                         strokeWidth=0))
        drawing.add(chart_text(label_w + length + 4, y + 3, entry.grade_label))
        top -= h
    if not rows:
        drawing.add(String(0, 4, "No standard graded yet", fontName=FONT, fontSize=8))
    return drawing


def legend(scale: Sequence[GradeBand], width: float) -> Any:
    """Colour swatch, code and label of every grade, wrapping onto as many lines as needed."""
    from reportlab.graphics.shapes import Rect
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
    drawing = chart(width, 12 * len(lines) + 2)
    for row, line in enumerate(lines):
        y = drawing.height - 12 * (row + 1)
        for band, label, x0 in line:
            drawing.add(Rect(x0, y + 1, 10, 8, fillColor=colors.HexColor(
                colour_of(scale, band.code)), strokeColor=colors.HexColor("#57606a"),
                strokeWidth=0.3))
            drawing.add(chart_text(x0 + 14, y + 2, label))
    return drawing


TOO_FEW = THRESHOLD  # a team's bar of fewer graded than this is not drawn


def distribution_bars(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]],
                      scale: Sequence[GradeBand], width: float, small: bool = False,
                      too_few: Collection[int] = ()) -> Any:
    """A 100% bar per row (e.g. a standard or a quarter): each grade's share, best first,
    with the share printed in the segment when it fits; the row's count at the end. Long
    labels wrap. With `small` (a team summary), each bar is a row protected by
    domain/disclosure.py: a row of 1 to 4 is not drawn (a bar of so few would show shares
    such as 100% that could identify the practitioner), and the counts it hides are one
    grey segment with no share. Rows numbered in `too_few` are not drawn either (e.g. a
    quarter's grades on every standard from fewer than five assessments)."""
    from reportlab.graphics.shapes import Rect, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    label_w, count_w, row_h = width * 0.36, 34.0, 15.0
    bar_w = width - label_w - count_w
    labels = [wrap_label(label, label_w - 6) for label, _ in rows]
    heights = [max(row_h, 9 * len(lines) + 6) for lines in labels]
    drawing = chart(width, (sum(heights) if rows else row_h) + 4)
    top = drawing.height
    for index, ((_label, counts), lines, h) in enumerate(
            zip(rows, labels, heights, strict=True)):
        y = top - row_h
        _labels(drawing, 0, top - 2, lines)
        top -= h
        total = sum(n for _, n in counts)
        row = protect_row([n for _, n in counts])
        if small and (not row.total_shown or index in too_few):
            few = ("fewer than 5 assessed: too few to show" if index in too_few
                   else "fewer than 5 graded: too few to show" if is_small(total)
                   else "too few on each grade to show")
            drawing.add(String(label_w, y + 4, few, fontName=FONT, fontSize=7,
                               fillColor=colors.HexColor("#57606a")))
            if is_small(total) or index in too_few:
                drawing.add(String(width, y + 4, "n<5", fontName=FONT, fontSize=7,
                                   textAnchor="end"))
            continue
        x = label_w
        # (a team summary draws the counts it hides as one grey segment, unlabelled: its
        # length is the total less the shown counts, which the reader has anyway)
        hidden = sum(n for i, (_, n) in enumerate(counts) if small and not row.shown[i])
        for i, (code, n) in enumerate(counts):
            if not n or not total or (small and not row.shown[i]):
                continue
            w = bar_w * n / total
            fill = colour_of(scale, code)
            drawing.add(Rect(x, y + 1, w, row_h - 3, fillColor=colors.HexColor(fill),
                             strokeColor=colors.white, strokeWidth=0.5))
            share = f"{code} {round(100 * n / total)}%"
            if stringWidth(share, FONT, 6.5) + 4 < w:
                drawing.add(chart_text(x + w / 2, y + 4.5, share, 6.5, fill=_ink_on(fill),
                                       anchor="middle"))
            x += w
        if hidden:
            drawing.add(Rect(x, y + 1, bar_w * hidden / total, row_h - 3,
                             fillColor=colors.HexColor("#d0d7de"), strokeColor=colors.white,
                             strokeWidth=0.5))
        if not total:
            drawing.add(String(label_w, y + 4, "no grades",
                               fontName=FONT, fontSize=7, fillColor=colors.HexColor("#57606a")))
        drawing.add(String(width, y + 4, f"n={total}", fontName=FONT, fontSize=7,
                           textAnchor="end"))
    return drawing


def timeline(points: Sequence[TimePoint], scale: Sequence[GradeBand], width: float) -> Any:
    """Overall grades over time: one row per grade of the scale (best at the top, labelled in
    words), a marker with the grade's code at each assessment's date, joined by a line."""
    from reportlab.graphics.shapes import Circle, Line, PolyLine, String
    from reportlab.lib import colors

    row_h, label_w = 16.0, min(width * 0.34, 170.0)
    bands = list(scale)
    height = row_h * max(1, len(bands)) + 22
    drawing = chart(width, height)
    grid = colors.HexColor("#d0d7de")
    y_of = {b.code: height - (i + 1) * row_h + row_h / 2 for i, b in enumerate(bands)}
    plot_x0, plot_x1 = label_w + 8, width - 12
    for band in bands:
        y = y_of[band.code]
        drawing.add(chart_text(label_w, y - 3, _fit(f"{band.label} ({band.code})", label_w, 7),
                               7, anchor="end"))
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
        drawing.add(chart_text(x, y - 2.3, point.grade_code[:2], 5.5, font=FONT_BOLD,
                               fill=_ink_on(fill), anchor="middle"))
    drawing.add(String(plot_x0, 2, first.strftime("%d %b %Y"), fontName=FONT, fontSize=7))
    if first != last:
        drawing.add(String(plot_x1, 2, last.strftime("%d %b %Y"), fontName=FONT, fontSize=7,
                           textAnchor="end"))
    return drawing


def tally_rows(tallies: Sequence[StandardTally]) -> list[tuple[str, Sequence[tuple[str, int]]]]:
    return [(t.title, t.counts) for t in tallies]
