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
    # punctuation and digits stay in the body font, as typed: nothing is added between them
    # and the word (the bidi algorithm places them when the line is drawn)
    assert text(f"({ARABIC});") == f'(<font face="{FONT_ARABIC}">عمران خان</font>);'
    assert text("هل هذا صحيح? 2024ء،") == (
        f'<font face="{FONT_ARABIC}">هل هذا صحيح</font>? 2024<font face="{FONT_ARABIC}">ء'
        '</font>،')
    # markup is still printed as typed, and Latin text is untouched
    assert text(f"<b>{ARABIC}</b>").startswith("&lt;b&gt;<font")
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


def _wide_pdf(tmp_path: Path, markup: str) -> Path:
    """One paragraph across the page (one line for a sentence)."""
    pdf = tmp_path / "wide.pdf"
    pdf.write_bytes(build_pdf([para(markup)], header_title="", marking="", audience="",
                              draft=False, title="", author="", subject=""))
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
    # (an Arabic-script letter typed against a number: nothing is added between them)
    assert _visual(_narrow_pdf(tmp_path, text("مارچ 2024ء"))) == "ء2024 مارچ"
    # Arabic-Indic digits keep their order too (HarfBuzz would reverse them in a word)
    assert _visual(_narrow_pdf(tmp_path, text("عمر ١٢ سنة"))) == "سنة ١٢ عمر"


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
    # A comma typed after the Arabic run, before English, takes the paragraph's direction
    # (rule N1: between R and L): it is drawn after the whole run, where the English
    # sentence goes on.
    assert _visual(_wide_pdf(tmp_path, text("Names: عمران — خان, then Fatima"))) == (
        "Names: خان — عمران, then Fatima")
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


def _drawn(pdf) -> str:
    """The first page's glyphs in the order drawn, presentation forms and ligatures as
    their letters. Every line is drawn left to right, so this is what a reader sees, left
    to right."""
    out = []
    for glyph in _glyphs(pdf):
        letters = unicodedata.normalize("NFKC", glyph)
        # a ligature of Arabic letters is drawn right to left: its letters in the order seen
        out.append(letters[::-1] if len(letters) > 1 and _is_arabic(letters) else letters)
    return "".join(out)


def _glyphs(pdf) -> list[str]:
    """The first page's glyphs in the order drawn, each read through its font's ToUnicode
    map (a shaped Arabic letter reads as its joined form: a presentation form)."""
    import re

    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    page = reader.pages[0]
    maps = {}
    for name, font in page["/Resources"]["/Font"].items():
        if "/ToUnicode" not in font.get_object():  # (a base font a test's own table names)
            maps[name] = {code: chr(code) for code in range(256)}
            continue
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode("latin-1")
        cmap = cmap[cmap.index("beginbfchar"):]
        maps[name] = {int(a, 16): bytes.fromhex(b).decode("utf-16-be")
                      for a, b in re.findall(r"<([0-9A-F]+)> <([0-9A-F]+)>", cmap)}
    out: list[str] = []
    current: dict[int, str] = {}
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"Tf":
            current = maps[operands[0]]
        elif op in (b"Tj", b"TJ"):  # TJ: shaped glyphs with HarfBuzz's adjustments
            for part in operands[0] if op == b"TJ" else [operands[0]]:
                if hasattr(part, "original_bytes"):
                    out += [current[code] for code in part.original_bytes]
    return out


def _is_arabic(value: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" and not "\u0660" <= c <= "\u0669" and c != "\u060c"
               for c in value)


def _visual(pdf) -> str:
    """The drawn line, left to right, with each Arabic-script run (letters and the spaces
    between them) turned back to the order its letters were typed in, so that expected
    lines can be written (by hand, from UAX #9) with readable Arabic words: "Said خان عمران"
    means عمران was drawn to the right of خان."""
    import re

    drawn = " ".join(_drawn(pdf).replace("Page 1 of 1", "").split())
    letters = "[\u0600-\u060b\u060d-\u065f\u066a-\u06ff]"
    return re.sub(f"{letters}+(?: {letters}+)*", lambda m: m.group(0)[::-1], drawn)


# Arabic typed with punctuation (Arabic ، ؛ ؟ and Latin . , ! ? : quotes, guillemets,
# brackets) and digits, beside English; with each, the line a reader must see, left to right
# (in `_visual`'s form: the runs of Arabic words in the order drawn, each written as typed),
# worked out by hand from UAX #9. In an English (left-to-right) paragraph a bracket, quote
# or question mark between Arabic and English takes the paragraph's direction and keeps
# its shape ("(عمر)" stays as typed); in an Arabic paragraph (its first letter Arabic) the
# whole line reads from the right, English and numbers keep their own order inside it, and
# brackets are mirrored (rule L4: "(سؤال)" typed first is drawn at the right, still
# looking like a pair around the word).
PUNCTUATED = [
    ('The mother said: "أريد أن أرى أطفالي، هل هذا ممكن؟" and then she left.',
     'The mother said: "هل هذا ممكن؟ ،أريد أن أرى أطفالي" and then she left.'),
    ("قالت الأم: أريد أن أرى أطفالي، هل هذا ممكن؟ ثم غادرت.",
     ".هل هذا ممكن؟ ثم غادرت ،أريد أن أرى أطفالي :قالت الأم"),
    ("الطفل سعيد؛ المدرسة جيدة! The school report (2024) agrees.",
     ".The school report (2024) agrees !الطفل سعيد؛ المدرسة جيدة"),
    ("Child (عمر) said «لا أريد» — okay.", "Child (عمر) said «لا أريد» — okay."),
    ("هل هذا صحيح? نعم, بالتأكيد.", ".بالتأكيد ,نعم ?هل هذا صحيح"),
    ('He asked (هل أنت بخير؟) and she said "نعم".',
     'He asked (هل أنت بخير؟) and she said "نعم".'),
    ('Notes: المحكمة (Court) قالت: "لا".', 'Notes: المحكمة (Court) لا" :قالت".'),
    ("(سؤال) هل تريد؟", "هل تريد؟ (سؤال)"),
]


def test_arabic_with_punctuation_beside_english_reads_in_bidi_order_in_every_part(
        tmp_path) -> None:
    """Body paragraphs, table cells, chart labels and the page's marking line."""
    from bidi.algorithm import get_display

    from qa_audit.reports.pdf_charts import chart, chart_text
    from qa_audit.reports.pdf_common import content_width, table

    register_fonts()
    width = content_width()

    def page(flowables, marking=""):
        pdf = tmp_path / "p.pdf"
        pdf.write_bytes(build_pdf(flowables, header_title="", marking=marking, audience="",
                                  draft=False, title="", author="", subject=""))
        return pdf

    for typed, seen in PUNCTUATED:
        # (the hand-worked line agrees with python-bidi's reference implementation)
        reference = get_display(typed)  # (its letters unshaped, each run reversed)
        assert _bare(seen) == _bare(_visual_of(reference)), typed
        drawing = chart(width, 20)
        drawing.add(chart_text(0, 5, typed, 9))
        for where, pdf in (("paragraph", page([para(text(typed))])),
                           ("table cell", page([table([[para(text(typed))]], [width])])),
                           ("chart label", page([drawing]))):
            drawn = _visual(pdf)
            assert _bare(drawn) == _bare(seen), (where, typed)
            # and around the Arabic, what was typed, in its place
            assert _skeleton(drawn) == _skeleton(seen), (where, typed)
        marked = _bare(_visual(page([para("x")], marking=typed)))
        assert marked.count(_bare(seen)) == 2, typed  # at the top and the foot of the page
        # shaped: joining letters are drawn in their joined forms (presentation forms; an
        # isolated letter reads as itself)
        glyphs = _glyphs(page([para(text(typed))]))
        assert any("\ufb50" <= g <= "\ufeff" for g in glyphs), typed


def _skeleton(line: str) -> str:
    """A line with each Arabic-script run as one mark (with the spaces in and around it:
    between fonts reportlab leaves a gap instead of drawing a space; that nothing is added
    to what was typed is `text`'s part, tested above)."""
    import re

    letters = "[\u0600-\u060b\u060d-\u065f\u066a-\u06ff]"
    return re.sub(f" *{letters}+(?: *{letters}+)* *", "\u25a1", line)


def _bare(line: str) -> str:
    """A line without its spaces (between shaped words they are a gap, not a glyph)."""
    return "".join(line.split())


def _visual_of(reference: str) -> str:
    """A visual line of plain letters (python-bidi's display string) in `_visual`'s form."""
    import re

    letters = "[\u0600-\u060b\u060d-\u065f\u066a-\u06ff]"
    return re.sub(f"{letters}+(?: {letters}+)*", lambda m: m.group(0)[::-1], reference)


def test_arabic_is_drawn_shaped_in_every_document_kind(world, tmp_path) -> None:
    """The assessment summary (each copy), the session record, the period and the team
    summaries: Arabic with punctuation typed into their free text is drawn joined, in bidi
    order."""
    import datetime as dt

    from qa_audit.reports.model import Profile
    from qa_audit.services import supervision as sv
    from qa_audit.services.assessments import Narrative

    typed, seen = PUNCTUATED[5]
    aid = world.new_audit()
    world.complete(aid)
    assessments.save_rating(world.store, world.supervisor, aid, "seen", grade="G",
                            evidence=typed)
    assessments.set_narrative(world.store, world.supervisor, aid, Narrative.STRENGTHS, typed)
    assessments.submit(world.store, world.supervisor, aid)
    assessments.respond(world.store, world.fca, aid, typed, assessments.Agreement.AGREE)
    assessments.finalise(world.store, world.supervisor, aid)
    sid = sv.create_session(world.store, world.supervisor, world.fca.user_id)
    sv.set_assessments(world.store, world.supervisor, sid, [aid])
    sv.save_notes(world.store, world.supervisor, sid, {"analysis": typed})
    year = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    requests = [PdfRequest(DocumentKind.ASSESSMENT, aid, profile) for profile in Profile]
    requests += [PdfRequest(DocumentKind.SESSION, sid),
                 PdfRequest(DocumentKind.PERIOD, world.fca.user_id, date_from=year[0],
                            date_to=year[1])]
    for request in requests:
        pdf = export_pdf(world.store, world.supervisor, request, tmp_path / "d.pdf")
        pages = [tmp_path / f"page{n}.pdf" for n in range(len(PdfReader(pdf).pages))]
        seen_anywhere = False
        for n, one in enumerate(pages):
            from pypdf import PdfWriter

            writer = PdfWriter()
            writer.add_page(PdfReader(pdf).pages[n])
            writer.write(one)
            seen_anywhere = seen_anywhere or _bare(seen) in _bare(_visual(one))
        assert seen_anywhere, request


def test_a_bracket_closed_at_a_line_end_takes_its_direction_from_the_paragraph(
        tmp_path) -> None:
    """Levels are resolved over the paragraph, lines reordered one by one (UAX #9): the
    ")" ending the first line is between "2024" and "agrees" (English) in the paragraph, so
    it keeps its shape and place; resolved on the line alone it met the line's end, took
    the Arabic paragraph's direction and was drawn mirrored at the far left."""
    from qa_audit.reports.pdf_common import content_width, table

    typed = "الطفل سعيد؛ المدرسة جيدة! The school report (2024) agrees."
    width = content_width() / 2  # "agrees." goes on to a second line
    pdf = tmp_path / "wrapped.pdf"
    pdf.write_bytes(build_pdf([table([[para(text(typed)), para("")]], [width, width])],
                              header_title="", marking="", audience="", draft=False,
                              title="", author="", subject=""))
    assert _bare(_visual(pdf)) == _bare("The school report (2024) !الطفل سعيد؛ المدرسة جيدة"
                                        ".agrees")
