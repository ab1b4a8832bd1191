"""Right-to-left text beside left-to-right text: the Unicode bidirectional algorithm.

The levels come from python-bidi (its paragraph direction from the Rust implementation,
its resolved embedding levels from the reference implementation it ships as
`bidi.algorithm`); this module only applies rule L2 (reverse every run at or above each
odd level) to the pieces reportlab draws, so nothing here re-decides which way a
character goes. Pieces are whole shaped Arabic words (HarfBuzz already put their glyphs in
visual order) or runs of other characters of one level.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

_OBJECT = "\ufffc"  # stands for a fragment without text (an image, a link anchor)


def paragraph_is_rtl(text: str) -> bool:
    """Whether a paragraph reads right to left: its first strong character is (rule P2)."""
    from bidi import get_base_level

    return bool(text) and get_base_level(text) == 1


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character of one line (rules X1-I2), in a
    paragraph whose base direction is right to left when `rtl`."""
    from bidi import algorithm

    if not text:
        return []
    # Rule X9 drops boundary-neutral characters (e.g. the zero-width joiner in emoji
    # sequences) from the algorithm's list; each stands in for the character before it so
    # that the levels stay one per character of `text`.
    chars = list(text)
    for i, ch in enumerate(chars):
        if unicodedata.bidirectional(ch) in ("BN", "LRE", "RLE", "LRO", "RLO", "PDF",
                                             "LRI", "RLI", "FSI", "PDI"):
            chars[i] = chars[i - 1] if i else "a"
    storage = algorithm.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    algorithm.get_embedding_levels("".join(chars), storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    found = [int(c["level"]) for c in storage["chars"]]
    assert len(found) == len(text)
    # Rule L1: trailing spaces of a line take the paragraph's level.
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
        found[end] = 1 if rtl else 0
    return found


def for_levels(text: str) -> str:
    """What stands for `text` when the levels are resolved. A string HarfBuzz shaped holds
    its glyphs in drawing order, as presentation forms: each stands in as an Arabic letter
    (only Arabic-script letters and marks are shaped: `pdf_common._ARABIC`), so the word
    resolves as the right-to-left word it was typed as."""
    from reportlab.pdfbase.ttfonts import ShapedStr

    if not isinstance(text, ShapedStr):
        return str(text)
    return "".join(ch if ch.isspace() else _ALEF for ch in text)


_ALEF = "\u0627"


def visual_order(piece_levels: Sequence[int]) -> list[int]:
    """Indices of the pieces in the order to draw them left to right (rule L2)."""
    order = list(range(len(piece_levels)))
    if not order:
        return order
    highest = max(piece_levels)
    lowest_odd = min((lv for lv in piece_levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if piece_levels[order[i]] >= level:
                j = i
                while j < len(order) and piece_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


def mirrored(text: str) -> str:
    """Characters of a right-to-left run in drawing order, brackets mirrored (rule L4)."""
    from bidi.mirror import MIRRORED

    return "".join(MIRRORED.get(ch, ch) for ch in reversed(text))


def line_text(frags: Sequence[Any]) -> str:
    """What stands for one line of fragments when levels are resolved (`for_levels`; an
    object for a fragment without text)."""
    texts = [getattr(f, "text", None) for f in frags]
    return "".join(for_levels(t) if isinstance(t, str) and t else _OBJECT for t in texts)


def paragraph_levels(lines: Sequence[str], rtl: bool) -> list[list[int]]:
    """The levels of each line of one paragraph (as `line_text` gives them), resolved over
    the whole paragraph: the rules up to I2 apply to a paragraph, only the reordering to a
    line. (A bracket closed on the next line, or a neutral at a line's end, takes its
    direction from what follows it in the paragraph, not from the line's end.) The lines
    were broken at spaces."""
    found = levels(" ".join(lines), rtl)
    out: list[list[int]] = []
    pos = 0
    for text in lines:
        line = found[pos:pos + len(text)]
        end = len(text)
        while end and text[end - 1].isspace():  # rule L1, at each line's end
            end -= 1
            line[end] = 1 if rtl else 0
        out.append(line)
        pos += len(text) + 1
    return out


def visual_pieces(frags: Sequence[Any], rtl: bool, shaped: Any,
                  line_levels: Sequence[int] | None = None) -> list[Any]:
    """One line's fragments (reportlab frags with `.text`, in typed order) cut into pieces
    and put in drawing order. `shaped(frag)` says whether a fragment is shaped right-to-left
    script, drawn word by word as HarfBuzz laid it out; any other run at an odd level is
    drawn with its characters reversed. `line_levels`: the line's levels resolved over its
    paragraph (`paragraph_levels`); by default, over the line alone."""
    texts = [getattr(f, "text", None) for f in frags]
    if line_levels is None:
        line_levels = levels(line_text(frags), rtl)
    pieces: list[tuple[int, Any, int]] = []  # (level, piece, source fragment or -1)
    pos = 0
    for index, (frag, txt) in enumerate(zip(frags, texts, strict=True)):
        if not isinstance(txt, str) or not txt:
            pieces.append((line_levels[pos], frag, -1))
            pos += 1
            continue
        is_shaped = bool(shaped(frag))
        for start, end in _runs(txt, line_levels[pos:pos + len(txt)], is_shaped):
            # A shaped word is drawn whole (its characters are already in visual order,
            # punctuation typed against it included): it goes at its letters' level.
            level = max(line_levels[pos + start:pos + end])
            piece = frag.clone()
            body = txt[start:end]  # a slice keeps a shaped string's glyph data
            piece.text = body if level % 2 == 0 or is_shaped else mirrored(body)
            pieces.append((level, piece, -1 if is_shaped else index))
        pos += len(txt)
    # Neighbours in drawing order cut from the same unshaped fragment join up again
    # ("(", "R", ")" of "(R)" in a right-to-left line): fewer pieces to draw.
    out: list[Any] = []
    last_source = -1
    for i in visual_order([lv for lv, _, _ in pieces]):
        _, piece, source = pieces[i]
        if source >= 0 and source == last_source:
            out[-1].text = out[-1].text + piece.text
        else:
            out.append(piece)
        last_source = source
    return out


def _runs(txt: str, txt_levels: Sequence[int], by_word: bool) -> list[tuple[int, int]]:
    """Spans of `txt` of one level each; shaped text is cut between words and spaces
    only (each shaped word is drawn whole)."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(txt) + 1):
        if i == len(txt) or (txt[i].isspace() != txt[i - 1].isspace() if by_word
                             else txt_levels[i] != txt_levels[start]):
            out.append((start, i))
            start = i
    return out
