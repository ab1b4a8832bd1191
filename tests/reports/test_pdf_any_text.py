"""Whatever people type, in any script and of any length, a PDF is made and keeps it."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from qa_audit.reports.pdf_common import (
    build_pdf,
    content_width,
    header_row,
    para,
    table,
    text,
)

PIECES = st.sampled_from([
    "Fatima", "عمران", "خان", "نگہت", "2024", "12:30", "(", ")", "—", ",", ".", ":", "«", "»",
    "👶🏽", "❤️", "🙂", "👨‍👩‍👧", "<b>", "&amp;", "</para>", "\u202e", "\u200d", "\t", "\n",
    "Zoë", "Łukasz", "x" * 700, "ـ", "ء", "\u0651", " ", "  ",
])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("عمران👶🏽Fatima", False)  # found by this test: a word of three fonts, shaped
@example("خان—👨‍👩‍👧2024", True)
@example("عمران\nعمرانّ", False)  # found by this test: a shadda opening a line
@given(st.lists(PIECES, min_size=1, max_size=40).map("".join),
       st.booleans())
def test_any_mix_of_scripts_marks_and_lengths_makes_a_pdf(typed: str, in_table: bool) -> None:
    width = content_width()
    flowable = (table([header_row("Action", "Owner"), [para(text(typed)), para(text(typed))]],
                      [width * 0.7, width * 0.3], header=True) if in_table
                else para(text(typed)))
    data = build_pdf([flowable], header_title="Summary", marking="OFFICIAL " + typed[:20],
                     audience="test", draft=True, title="t", author="a", subject="s")
    pages = PdfReader(io.BytesIO(data)).pages
    assert pages
    if "x" * 700 in typed:
        got = "".join("".join(p.extract_text().split()) for p in pages)
        assert got.count("x") >= 700 * typed.count("x" * 700)
