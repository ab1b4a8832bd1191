"""Page layout rules of every PDF, checked on the pages pypdf reads back."""

from __future__ import annotations

import io

from pypdf import PdfReader

from qa_audit.reports.pdf_common import build_pdf, content_width, header_row, para, table, text


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def test_a_heading_never_stands_alone_at_the_foot_of_a_page() -> None:
    # However much comes before it, the heading lands on the page where its table starts.
    width = content_width()
    for filler in range(40, 70):
        story = [para(text(f"Filler line {i}")) for i in range(filler)]
        story += [para("Actions agreed", "h2"),
                  table([header_row("Action", "Owner"),
                         *[[para(f"Action {i}"), para("FCA")] for i in range(3)]],
                        [width * 0.7, width * 0.3], header=True)]
        pages = _pages(build_pdf(story, header_title="Layout", marking="OFFICIAL",
                                 audience="test", draft=False, title="t", author="a",
                                 subject="s"))
        heading = next(i for i, page in enumerate(pages) if "Actions agreed" in page)
        assert "Action 0" in pages[heading], f"heading orphaned after {filler} lines"


def test_a_long_scale_keeps_the_counts_table_headings_whole() -> None:
    from qa_audit.reports.model import FrameworkSection, GradeBand, StandardTally
    from qa_audit.reports.pdf_summaries import grade_table

    scale = tuple(GradeBand(code, f"Grade {code}", 9 - i, None)
                  for i, code in enumerate(("AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH")))
    tally = StandardTally("Area", "The child is seen", tuple((b.code, 100) for b in scale), 3)
    section = FrameworkSection("Long scale", scale, (tally,))
    pages = _pages(build_pdf([grade_table(section, content_width())], header_title="t",
                             marking="OFFICIAL", audience="test", draft=False, title="t",
                             author="a", subject="s"))
    words = pages[0].split()
    assert "Graded" in words and "N/A" in words and "800" in words
    assert all(code in words for code in ("AA", "HH"))
    assert "100" in words and "12%" in words  # each grade: 100 of 800


def test_charts_of_a_framework_with_many_standards_run_over_pages() -> None:
    # A drawing never splits: one taller than a page stopped the whole document.
    from qa_audit.reports.model import GradeBand, StandardEntry, StandardTally
    from qa_audit.reports.pdf_charts import distribution_bar_pages, grade_bar_pages, tally_rows

    scale = (GradeBand("G", "Good", 2, None), GradeBand("I", "Inadequate", 1, None))
    long_title = "A standard whose title is long enough to wrap over three lines " * 2
    entries = [StandardEntry("Area", f"{n} {long_title}", "G", "Good (G)", 2, (), "", "")
               for n in range(150)]
    tallies = [StandardTally("Area", f"{n} {long_title}", (("G", 3), ("I", 4))) for n in
               range(150)]
    width = content_width()
    charts = [*grade_bar_pages(entries, scale, width),
              *distribution_bar_pages(tally_rows(tallies), scale, width)]
    assert len(charts) > 4 and all(c.height <= 620 for c in charts)
    pages = _pages(build_pdf(charts, header_title="t", marking="OFFICIAL", audience="test",
                             draft=False, title="t", author="a", subject="s"))
    assert len(pages) >= 5
    text = "".join(pages)
    assert "149 A standard" in text and "A standard whose title is long" in text


def test_a_long_row_continues_on_the_page_with_one_header_per_page() -> None:
    # Found looking at a period summary: split between rows, the rest of the table (its
    # header repeated) was set in the space left on the same page.
    width = content_width()
    long = " ".join(f"Sentence {n} of a long reflection." for n in range(300))
    story = [para(text(f"Filler {i}")) for i in range(20)]
    story.append(table([header_row("Date", "The reflection"), [para("short"), para("Fine")],
                        [para(long), para(long)]], [width * 0.5, width * 0.5], header=True))
    pages = _pages(build_pdf(story, header_title="t", marking="OFFICIAL", audience="test",
                             draft=False, title="t", author="a", subject="s"))
    assert len(pages) >= 3
    assert [p.count("The reflection") for p in pages] == [1] * len(pages)
    assert "Sentence 0 of" in pages[0]  # the long row starts where the short one ends
    assert "Sentence 299 of" in "".join(pages)
