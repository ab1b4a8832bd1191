"""Text that can always wrap: a word longer than a line (a 5,000-character reference, a
title typed without spaces) would otherwise make its label, and the window, as wide as
the word (Qt breaks lines only between words)."""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH_SPACE = "\u200b"
CHUNK = 24  # characters between break opportunities inside one long word
_LONG_WORD = re.compile(rf"\S{{{CHUNK + 1},}}")
_JOINERS = {"\u200d", "\u200c"}


def _starts_cluster(previous: str, char: str) -> bool:
    """Whether a break may go before `char`: not inside a character's combining marks,
    an emoji sequence (joiners, skin tones, variation selectors) or a surrogate pair."""
    if previous in _JOINERS or char in _JOINERS:
        return False
    if unicodedata.category(char) in ("Mn", "Me", "Mc", "Sk") or unicodedata.combining(char):
        return False
    return not ("\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff")


def _split_word(match: re.Match[str]) -> str:
    word = match.group(0)
    out: list[str] = []
    run = 0
    for i, char in enumerate(word):
        if run >= CHUNK and _starts_cluster(word[i - 1], char):
            out.append(ZERO_WIDTH_SPACE)
            run = 0
        out.append(char)
        run += 1
    return "".join(out)


def breakable(text: str) -> str:
    """`text` as shown, with an invisible break opportunity every few characters inside
    words too long for a line (short words and the text's reading are unchanged)."""
    return _LONG_WORD.sub(_split_word, text)
