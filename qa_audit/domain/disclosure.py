"""Which counts of people's work a shared figure may show (statistical disclosure control).

A team summary, the Themes heatmap and the themes table count assessments, grades and
actions. In a small team a small count points at one practitioner ("the one RI this
quarter was the observed FCA"), so small counts are hidden. Hiding a number is only
worth anything if it cannot be worked out again from the numbers printed beside it, so
the rule looks at a whole row of counts (the parts of one total, e.g. the grades given to
one standard) and decides every cell together:

1. A count from 1 to 4 (below `THRESHOLD`) is hidden. A 0 is shown: it says nothing
   about anyone.
2. A row whose total is from 1 to 4 shows no breakdown at all: every cell is hidden,
   zeros included (a 0 beside a hidden total gives the rest away: "O 0, G 0, I 0, graded
   fewer than 5" says everyone was graded RI). The total itself reads "fewer than 5".
3. When the total is shown, the hidden cells add up to the total minus the shown ones.
   If that pins a hidden cell down (only one cell is hidden; hidden cells that must all
   be 1, or all 4; a cell hidden to protect another that can only be one number), the
   smallest shown count above zero is hidden as well, and again until nothing is pinned
   down. A 0 is never hidden to protect another cell: a hidden 0 would leave the hidden
   cells adding up to the one small count. If no count is left to hide, the total is
   hidden too (the row shows nothing).
4. A share (percentage) is printed only for a shown cell of a shown total: a share of a
   hidden cell is the cell.
5. A sum of some cells of a row (e.g. graded below Good) is printed only when it holds no
   hidden cell or all of them; otherwise it would give a second sum of the hidden ones.
6. A list of the things counted (e.g. overdue actions) is printed only when their count
   is shown; its length is the count.

Hidden cells all look the same, whether hidden for being small (rule 1) or to protect a
small one (rule 3), so a reader who knows this rule still cannot tell which is which.
A count that stands alone, with no total printed beside it, is hidden when it is from 1
to 4 (`shown_count`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
"""Counts below this (and above 0) are too few to read: the one place this number lives."""

TOO_FEW = f"fewer than {THRESHOLD}"
"""How a hidden total, or a hidden count standing alone, reads."""

HIDDEN = "—"
"""How a hidden cell of a row reads (the same whatever the reason it is hidden)."""


def is_small(n: int) -> bool:
    """A count of 1 to THRESHOLD - 1: too few to read."""
    return 0 < n < THRESHOLD


def shown_count(n: int) -> int | None:
    """A count standing alone (no total beside it): None when it is too few to read."""
    return None if is_small(n) else n


def count_text(n: int) -> str:
    """A count standing alone as printed: the number, or "fewer than 5"."""
    return TOO_FEW if is_small(n) else str(n)


@dataclass(frozen=True)
class ProtectedRow:
    """A row of counts (the parts of one total) with what may be shown of it."""

    counts: tuple[int, ...]
    shown: tuple[bool, ...]
    total_shown: bool

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def any_hidden(self) -> bool:
        return not self.total_shown or not all(self.shown)

    def value(self, i: int) -> int | None:
        """The count of cell i, or None when it is hidden."""
        return self.counts[i] if self.shown[i] else None

    def values(self) -> tuple[int | None, ...]:
        return tuple(self.value(i) for i in range(len(self.counts)))

    def shown_total(self) -> int | None:
        return self.total if self.total_shown else None

    def share(self, i: int) -> float | None:
        """Cell i as a share of the total, or None when either is hidden or the total is 0."""
        if not (self.shown[i] and self.total_shown and self.total):
            return None
        return self.counts[i] / self.total

    def cell_text(self, i: int, with_share: bool = False) -> str:
        """Cell i as printed: HIDDEN, the count, or the count with its share."""
        n = self.value(i)
        if n is None:
            return HIDDEN
        share = self.share(i) if with_share else None
        return f"{n} ({round(100 * share)}%)" if share is not None else str(n)

    def sum_of(self, cells: Sequence[int]) -> int | None:
        """The sum of some cells (e.g. the grades below Good), or None when printing it
        would tell something new about the hidden cells: it is shown only when it holds
        none of them, or all of them (their sum is the total minus the shown ones)."""
        if not self.total_shown:
            return None
        hidden = {i for i, shown in enumerate(self.shown) if not shown}
        inside = hidden & set(cells)
        if inside and inside != hidden:
            return None
        return sum(self.counts[i] for i in set(cells))

    def total_text(self) -> str:
        return str(self.total) if self.total_shown else (
            TOO_FEW if is_small(self.total) else HIDDEN)


def _pinned(values: Sequence[int], hidden: Sequence[int], protectors: Sequence[int]
            ) -> bool:
    """Whether a reader who knows this rule can narrow a hidden cell to a single value.

    They know the hidden cells add up to the total minus the shown ones; that a cell
    hidden for being small is from 1 to THRESHOLD - 1; and, at worst, which cells were
    hidden to protect another: each is at least THRESHOLD and at most the smallest count
    still shown above zero (it was the smallest when it was chosen)."""
    rest = sum(values[i] for i in hidden)
    ceiling = min((n for i, n in enumerate(values) if i not in hidden and n > 0),
                  default=rest)
    bounds = [(THRESHOLD, ceiling) if i in protectors else (1, THRESHOLD - 1)
              for i in hidden]
    low_sum = sum(lo for lo, _ in bounds)
    high_sum = sum(hi for _, hi in bounds)
    for lo, hi in bounds:
        least = max(lo, rest - (high_sum - hi))
        most = min(hi, rest - (low_sum - lo))
        if least >= most:
            return True
    return False


def protect_row(counts: Sequence[int]) -> ProtectedRow:
    """Decide which cells of a row of counts, and whether its total, may be shown."""
    values = tuple(int(n) for n in counts)
    if any(n < 0 for n in values):
        raise ValueError("A count cannot be negative.")
    total = sum(values)
    if is_small(total):
        return ProtectedRow(values, (False,) * len(values), False)
    hidden = [i for i, n in enumerate(values) if is_small(n)]
    protectors: list[int] = []
    while hidden and _pinned(values, hidden, protectors):
        others = [(n, i) for i, n in enumerate(values) if i not in hidden and n > 0]
        if not others:
            return ProtectedRow(values, (False,) * len(values), False)
        chosen = min(others)[1]
        hidden.append(chosen)
        protectors.append(chosen)
    return ProtectedRow(values, tuple(i not in hidden for i in range(len(values))), True)


def protect_split(part: int, whole: int) -> ProtectedRow:
    """A count and the rest of its whole (e.g. assessments at Good or better of those
    graded): the row (part, whole - part)."""
    if not 0 <= part <= whole:
        raise ValueError("A part cannot be more than its whole, or below 0.")
    return protect_row((part, whole - part))
