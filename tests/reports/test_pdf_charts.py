"""Charts drawn from frameworks the app has not seen: any scale, any script."""

from __future__ import annotations

from reportlab.graphics.shapes import Rect, String
from reportlab.pdfbase.ttfonts import ShapedStr

from qa_audit.reports.model import GradeBand, StandardEntry
from qa_audit.reports.pdf_charts import chart_text, grade_bars, legend
from qa_audit.reports.pdf_common import FONT_ARABIC, register_fonts

PLUS_MINUS = (GradeBand("+", "Above", 1, None), GradeBand("0", "At", 0, None),
              GradeBand("-", "Below", -1, None))


def _entry(title: str, band: GradeBand) -> StandardEntry:
    return StandardEntry("Area", title, band.code, band.label, band.score, (), "", "")


def _strings(shape) -> list:  # every String in a drawing, through groups
    out = []
    for child in getattr(shape, "contents", []):
        out += [child] if isinstance(child, String) else _strings(child)
    return out


def test_grade_bars_order_by_place_in_the_scale_even_with_zero_and_negative_scores() -> None:
    register_fonts()
    drawing = grade_bars([_entry(f"S{i}", band) for i, band in enumerate(PLUS_MINUS)],
                         PLUS_MINUS, 400)
    widths = [r.width for r in drawing.contents if isinstance(r, Rect)]
    assert len(widths) == 3 and widths[0] > widths[1] > widths[2] > 0


def test_arabic_script_in_chart_labels_is_drawn_in_the_arabic_font() -> None:
    register_fonts()
    scale = (GradeBand("R", "دوبارہ جائزہ", 2, None), GradeBand("I", "Inadequate", 1, None))
    drawing = grade_bars([_entry("بچے کی آواز", scale[0])], scale, 400)
    fonts = {s.fontName for s in _strings(drawing) if any("\u0600" <= c <= "\ufeff"
                                                          for c in str(s.text))}
    assert fonts == {FONT_ARABIC}
    # shaped by HarfBuzz (joined letters, drawn right to left), one word a piece
    shaped = [s.text for s in _strings(drawing) if s.fontName == FONT_ARABIC]
    assert len(shaped) == 5 and all(isinstance(t, ShapedStr) for t in shaped)
    assert "ﮯﭽﺑ" in shaped  # بچے joined: beh initial, cheh medial, yeh barree final
    assert any(s.fontName == FONT_ARABIC for s in _strings(legend(scale, 400)))


def test_a_right_to_left_label_puts_its_first_word_on_the_right() -> None:
    register_fonts()
    label = chart_text(0, 0, "دوبارہ جائزہ (R)")
    pieces = sorted(_strings(label), key=lambda s: s.x)
    assert str(pieces[0].text) == "(R)"  # read from the right: the Latin comes last
    assert len(pieces) == 3 and pieces[2].fontName == FONT_ARABIC
    assert chart_text(0, 0, "Good (G)").text == "Good (G)"  # plain text stays one String
