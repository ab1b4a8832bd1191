"""Names and text in any script print: Polish, Welsh, Turkish, Arabic and Urdu, with Arabic
script in a font that has every letter, shaped, and its words set right to left."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

from pypdf import PdfReader

from qa_audit.reports.pdf_common import (
    FONT,
    FONT_ARABIC,
    build_pdf,
    para,
    register_fonts,
    right_to_left,
    text,
)
from qa_audit.services import accounts, assessments
from qa_audit.services.documents import DocumentKind, PdfRequest, export_pdf

URDU = "نگہت چودھری"  # Nighat Chaudhry: ہ (heh goal) is not in DejaVu Sans
ARABIC = "عمران خان"
LATIN = "Zofia Wiśniewska, Siân Llewelyn, Çağla Yılmaz, Ørjan Ødegård"


def test_arabic_runs_use_the_arabic_font_in_typed_order() -> None:
    # (the words are set right to left line by line when drawn: see the tests below)
    assert text(URDU) == f'<font face="{FONT_ARABIC}">نگہت چودھری</font>'
    # punctuation the Arabic font lacks is kept out of the shaped word
    assert text(f"({ARABIC});") == f'( <font face="{FONT_ARABIC}">عمران خان</font> );'
    # markup is still printed as typed, and Latin text is untouched
    assert text(f"<b>{ARABIC}</b>").startswith("&lt;b&gt; <font")
    assert text(LATIN) == LATIN
    assert text(f"a\n{ARABIC}\nb").count("<br/>") == 2


def test_every_letter_has_a_glyph_in_the_font_that_draws_it() -> None:
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    arabic = pdfmetrics.getFont(FONT_ARABIC).face.charToGlyph
    latin = pdfmetrics.getFont(FONT).face.charToGlyph
    urdu_letters = "ٹڈڑںےۓہھپچژکگی"
    for ch in URDU + ARABIC + urdu_letters:
        assert ch.isspace() or ord(ch) in arabic, f"U+{ord(ch):04X}"
    for ch in LATIN:
        assert ord(ch) in latin, f"U+{ord(ch):04X}"


def _placed(pdf: Path) -> list[tuple[float, float, str]]:
    """Words as drawn: (y from the top, x, text in logical order), read back with poppler
    (pdftotext, from poppler-utils, which tools/setup.sh installs)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    words = []
    for line in out.splitlines():
        if "<word " in line:
            x = float(line.split('xMin="')[1].split('"')[0])
            y = float(line.split('yMin="')[1].split('"')[0])
            word = line.split(">")[1].split("<")[0]
            if any("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff" for c in word):
                word = word[::-1]  # drawn right to left: read back in visual order
            word = unicodedata.normalize("NFKC", word)  # presentation forms and ligatures
            words.append((y, x, word))
    return words


def _words(pdf: Path) -> list[tuple[float, str]]:
    return [(x, word) for _, x, word in _placed(pdf)]


# Twenty-eight distinct Arabic and Urdu words, so each can be found where it was drawn.
CHILDS_WORDS = ("الطفل قال إنه يريد أن يبقى مع جدته لأنها تعتني به كل يوم وتساعده في "
                "واجباته بچے نے کہا کہ وہ اپنی دادی کے ساتھ رہنا چاہتا ہے")
LONG = CHILDS_WORDS.split()


def _lines(pdf: Path) -> list[list[tuple[float, str]]]:
    """The words of each drawn line, top to bottom, as (x, word)."""
    rows: list[tuple[float, list[tuple[float, str]]]] = []
    for y, x, word in sorted(_placed(pdf)):
        if rows and y - rows[-1][0] < 6:  # fonts differ in height: same line within 6 pt
            rows[-1][1].append((x, word))
        else:
            rows.append((y, [(x, word)]))
    return [words for _, words in rows]


def _narrow_pdf(tmp_path: Path, markup: str) -> Path:
    from reportlab.platypus import Table

    pdf = tmp_path / "bidi.pdf"
    pdf.write_bytes(build_pdf([Table([[para(markup)]], colWidths=[150])], header_title="",
                              marking="", audience="", draft=False, title="", author="",
                              subject=""))
    return pdf


def test_a_long_arabic_paragraph_reads_right_to_left_and_top_to_bottom(tmp_path) -> None:
    assert right_to_left(text(" ".join(LONG))) and not right_to_left(text("Evidence: " + URDU))
    lines = [line for line in _lines(_narrow_pdf(tmp_path, text(" ".join(LONG))))
             if any(w in LONG for _, w in line)]
    assert len(lines) >= 3
    read = []
    for line in lines:
        read += [w for _, w in sorted(line, reverse=True)]  # right to left
    assert read == LONG  # every line in order, each read from the right


def test_a_long_arabic_run_in_english_text_keeps_its_order_over_lines(tmp_path) -> None:
    pdf = _narrow_pdf(tmp_path, "<b>Evidence:</b> " + text(" ".join(LONG) + " (said on 3 May)."))
    lines = [line for line in _lines(pdf) if any(w in LONG for _, w in line)]
    assert len(lines) >= 3
    first = sorted(lines[0])
    assert first[0][1] == "Evidence:"  # the English label stays at the left
    read = []
    for line in lines:
        read += [w for _, w in sorted(line, reverse=True) if w in LONG]
    assert read == LONG


def test_urdu_practitioner_name_prints_shaped_and_right_to_left(world, tmp_path) -> None:
    admin = world.admin
    accounts.add_user(world.store, admin, "nighat", URDU, world.fca.role, "correct horse battery",
                      world.team_id)
    nighat = next(u for u in accounts.list_users(world.store, accounts.system_actor())
                  if u.username == "nighat")
    from qa_audit.domain.framework import AssessmentKind

    aid = assessments.create_assessment(world.store, world.supervisor,
                                        AssessmentKind.CASE_AUDIT, world.framework_version_id,
                                        nighat.id, case_id=world.case_id)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G",
                            evidence=f"{ARABIC} and {LATIN}")
    out = export_pdf(world.store, world.supervisor,
                     PdfRequest(DocumentKind.ASSESSMENT, aid), tmp_path / "u.pdf")
    fonts = {str(f["/BaseFont"]) for page in PdfReader(out).pages
             for f in page["/Resources"]["/Font"].values()}
    assert any(FONT_ARABIC in f for f in fonts) and any(FONT in f for f in fonts)
    words = _words(out)
    x = {w: pos for pos, w in words}
    # Right to left: the first word of each name is drawn to the right of the second.
    assert x["نگہت"] > x["چودھری"]
    assert x["عمران"] > x["خان"]
    flat = " ".join(w for _, w in words)
    for name in ("Wiśniewska,", "Siân", "Çağla", "Yılmaz,", "Ødegård"):
        assert name in flat, name


def test_latin_beside_arabic_is_not_turned_into_ligatures_and_keeps_punctuation(
        tmp_path) -> None:
    # Shaping is for Arabic script only: "st" and "fi" stay letters (copy and search work),
    # and punctuation touching an Arabic word is drawn with glyphs of its own font.
    pdf = tmp_path / "mixed.pdf"
    pdf.write_bytes(build_pdf([para(text(f"Llais y plentyn: {URDU}: jest, std, first, 2024."))],
                              header_title="", marking="", audience="", draft=False, title="",
                              author="", subject=""))
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert "jest, std, first, 2024." in out
    assert "\ufb06" not in out and "\ufb01" not in out  # no ﬆ or ﬁ
    words = [w for _, w in _words(pdf)]
    assert "Llais" in words and any(w.strip(":") == "چودھری" for w in words)
    assert "".join(words).count(":") == 2


def _order(tmp_path, typed: str) -> list[str]:
    """The words of a one-line paragraph as drawn, left to right."""
    words = set(typed.replace("ء", " ء").split())  # (a digit touching a letter is set apart)
    lines = _lines(_narrow_pdf(tmp_path, text(typed)))
    return [w for line in lines for _, w in sorted(line) if w in words]


def test_numbers_and_latin_inside_arabic_keep_their_own_order_and_spaces(tmp_path) -> None:
    # Found in review: digits shaped inside an Arabic word came out reversed (2024 -> 4202);
    # a number between Arabic words broke the run; the space before Latin text in a
    # right-to-left line was lost. Left to right as drawn, per the Unicode bidi rules:
    assert _order(tmp_path, "Said: میں 8 سال") == ["Said:", "سال", "8", "میں"]
    assert _order(tmp_path, "عمر 12 سال") == ["سال", "12", "عمر"]
    assert _order(tmp_path, "قال: Hello world") == ["Hello", "world", "قال:"]
    assert _order(tmp_path, "مارچ 2024ء") == ["ء", "2024", "مارچ"]


def test_a_long_number_typed_for_a_number_field_is_kept_exactly() -> None:
    from qa_audit.domain.framework import ContextField, FieldType

    field = ContextField("n", "N", FieldType.NUMBER)
    assert field.clean("12345678901234567890") == 12345678901234567890


def test_arabic_beside_english_follows_the_unicode_bidi_algorithm(tmp_path) -> None:
    # Orders worked out by hand from UAX #9: in a left-to-right paragraph a dash between
    # Arabic and English takes the paragraph's direction; between two Arabic words it
    # joins them into one right-to-left run.
    assert _order(tmp_path, "Said عمران خان — Fatima") == [
        "Said", "خان", "عمران", "—", "Fatima"]
    # (a comma typed against an Arabic word is shaped with it, so it is drawn at the word's
    # left: where an Arabic reader meets it, after the word)
    assert _order(tmp_path, "Names: عمران — خان, then Fatima") == [
        "Names:", "خان,", "—", "عمران", "then", "Fatima"]
    # In a right-to-left paragraph the English run keeps its own order.
    assert _order(tmp_path, "عمران خان — Fatima Khan") == [
        "Fatima", "Khan", "—", "خان", "عمران"]


def test_emoji_are_drawn_in_an_embedded_font_and_kept_in_the_text_layer(tmp_path) -> None:
    from qa_audit.reports.pdf_common import FONT_EMOJI

    pdf = tmp_path / "emoji.pdf"
    pdf.write_bytes(build_pdf([para(text("The baby 👶🏽 smiled 🙂, heart ❤️ — ok"))],
                              header_title="", marking="", audience="", draft=False, title="",
                              author="", subject=""))
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert "The baby 👶🏽 smiled 🙂, heart ❤️ — ok" in out
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert FONT_EMOJI in fonts


def test_arabic_in_the_marking_is_shaped_and_in_bidi_order(tmp_path) -> None:
    pdf = tmp_path / "marking.pdf"
    pdf.write_bytes(build_pdf([para("Body")], header_title="Summary", marking="OFFICIAL رسمي جدا",
                              audience="Manager copy", draft=False, title="", author="",
                              subject=""))
    top = [w for y, x, w in sorted(_placed(pdf)) if y < 40]  # the header line
    words = [w for w in top if w in ("OFFICIAL", "رسمي", "جدا")]
    assert sorted(words) == sorted(["OFFICIAL", "رسمي", "جدا"])  # shaped: read back whole
    x = {w: pos for y, pos, w in _placed(pdf) if y < 40}
    assert x["OFFICIAL"] < x["جدا"] < x["رسمي"]  # the Arabic run reads right to left
    fonts = {str(f["/BaseFont"]) for f in PdfReader(pdf).pages[0]["/Resources"]["/Font"].values()}
    assert any(FONT_ARABIC in f for f in fonts)
