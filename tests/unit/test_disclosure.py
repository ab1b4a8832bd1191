"""The small-count rule (domain/disclosure.py), checked by a reader who tries to get the
hidden counts back.

The reader knows the rule, the threshold (5), every shown count and the total when it is
shown. For a row on the page they list every row of counts the rule would print the same
way; a hidden cell is recovered when every such row has the same value in it. The
expected answers are written by hand from the module's docstring.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from qa_audit.domain.disclosure import (
    HIDDEN,
    THRESHOLD,
    TOO_FEW,
    count_text,
    protect_row,
    protect_split,
    shown_count,
)

Display = tuple[tuple[int | None, ...], int | None]


def display(counts: tuple[int, ...]) -> Display:
    row = protect_row(counts)
    return row.values(), row.shown_total()


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def candidates(shown: Display, most: int = 12) -> list[tuple[int, ...]]:
    """Every row of counts printed as `shown` (with a hidden total: totalling at most
    `most`): the shown cells as printed, the hidden ones any split of the rest."""
    values, total = shown
    hidden = [i for i, v in enumerate(values) if v is None]
    known = sum(v for v in values if v is not None)
    totals = [total] if total is not None else range(1, most + 1)
    out = []
    for t in totals:
        if t < known:
            continue
        for split in _compositions(t - known, len(hidden)):
            row = list(values)
            for i, n in zip(hidden, split, strict=True):
                row[i] = n
            candidate = tuple(int(n or 0) for n in row)
            if display(candidate) == shown:
                out.append(candidate)
    return out


def recovered(counts: tuple[int, ...]) -> dict[int, int]:
    """Hidden cells of `counts` (by index) whose value the reader gets back."""
    shown = display(counts)
    # (a hidden total is searched up to the true one at least: a shorter list only makes
    # recovery easier, so the test is the stricter for it)
    rows = candidates(shown, most=max(12, sum(counts)))
    assert counts in rows  # the reader's list holds the truth
    out = {}
    for i, v in enumerate(shown[0]):
        if v is None and len({r[i] for r in rows}) == 1:
            out[i] = rows[0][i]
    return out


# -- hand-written rows -----------------------------------------------------------------------
def test_the_tester_s_grade_row_shows_nothing_when_three_were_all_graded_ri() -> None:
    # O 0 | G 0 | RI 3 | I 0: graded 3. Printing the zeros would say everyone got RI.
    row = protect_row((0, 0, 3, 0))
    assert row.values() == (None, None, None, None)
    assert row.total_text() == "fewer than 5"
    assert [row.cell_text(i) for i in range(4)] == [HIDDEN] * 4
    assert row.share(2) is None
    assert recovered((0, 0, 3, 0)) == {}


def test_one_small_count_beside_a_shown_total_hides_the_next_smallest() -> None:
    # Actions 8: done 5, open 3. Hiding only "open" leaves 8 - 5 = 3.
    row = protect_row((5, 3))
    assert row.values() == (None, None)
    assert row.shown_total() == 8
    assert recovered((5, 3)) == {}
    # O 0, G 10, RI 3, I 0: the 0s stay (they are no one), G is hidden with RI.
    row = protect_row((0, 10, 3, 0))
    assert row.values() == (0, None, None, 0)
    assert row.cell_text(1, with_share=True) == HIDDEN
    # The smallest count above zero is the one hidden with it: 6, not 12.
    assert protect_row((12, 6, 2, 0)).values() == (12, None, None, 0)
    assert protect_row((12, 6, 2, 0)).cell_text(0, with_share=True) == "12 (60%)"


def test_hidden_cells_that_must_all_be_one_take_another_with_them() -> None:
    # 1, 1, 10 of 12: two hidden cells adding up to 2 are both 1.
    assert protect_row((1, 1, 10)).values() == (None, None, None)
    assert protect_row((1, 1, 10)).shown_total() == 12
    assert recovered((1, 1, 10)) == {}
    # Five cells of 1: nothing is left to hide with them, so the total goes too.
    row = protect_row((1, 1, 1, 1, 1))
    assert row.values() == (None,) * 5 and row.shown_total() is None
    assert row.total_text() == HIDDEN


def test_rows_with_nothing_small_are_shown_whole_with_shares() -> None:
    row = protect_row((5, 0, 15))
    assert row.values() == (5, 0, 15) and row.shown_total() == 20
    assert row.cell_text(0, with_share=True) == "5 (25%)"
    assert row.share(1) == 0.0
    assert protect_row((0, 0)).values() == (0, 0)
    assert protect_row((0, 0)).shown_total() == 0


def test_two_small_counts_protect_each_other_without_a_third() -> None:
    row = protect_row((3, 4, 9))
    assert row.values() == (None, None, 9)
    assert recovered((3, 4, 9)) == {}


def test_a_split_is_a_row_of_two() -> None:
    # 4 of 5 at Good or better: 80% would say one was below.
    assert protect_split(4, 5).values() == (None, None)
    assert protect_split(4, 5).shown_total() == 5
    assert protect_split(10, 14).values() == (10, 4) or protect_split(10, 14).any_hidden
    assert protect_split(10, 14).values() == (None, None)
    assert protect_split(6, 12).values() == (6, 6)
    with pytest.raises(ValueError, match="whole"):
        protect_split(6, 5)
    with pytest.raises(ValueError, match="negative"):
        protect_row((3, -1))


def test_counts_standing_alone() -> None:
    assert [shown_count(n) for n in (0, 1, 4, 5)] == [0, None, None, 5]
    assert [count_text(n) for n in (0, 3, 7)] == ["0", TOO_FEW, "7"]
    assert TOO_FEW == "fewer than 5" and THRESHOLD == 5


# -- every small row: the reader recovers nothing ---------------------------------------------
@pytest.mark.parametrize(("width", "top"), [(2, 16), (3, 12), (4, 7)])
def test_no_hidden_cell_of_any_small_row_can_be_recovered(width: int, top: int) -> None:
    """Every row of `width` counts from 0 to `top` - 1 (4 x 0-8 and 3 x 0-12, too slow
    for the suite, were checked the same way by hand: no leak)."""
    leaks = []
    for counts in itertools.product(range(top), repeat=width):
        row = protect_row(counts)
        # Rule 1: every count from 1 to 4 is hidden; rule 2: small totals hide all.
        assert all(not row.shown[i] for i, n in enumerate(counts) if 0 < n < 5)
        if 0 < sum(counts) < 5:
            assert not any(row.shown) and not row.total_shown
        if got := recovered(counts):
            leaks.append((counts, got))
    assert leaks == []


def test_shares_never_show_a_hidden_cell() -> None:
    for counts in itertools.product(range(8), repeat=3):
        row = protect_row(counts)
        for i in range(3):
            if not row.shown[i]:
                assert row.share(i) is None
                assert row.cell_text(i, with_share=True) == HIDDEN


def test_a_heatmap_cell_withholds_its_share_when_one_side_is_small() -> None:
    import uuid

    from qa_audit.services.themes import HeatCell

    team = uuid.uuid4()
    # 4 of 10 at G or better: 40% would say four were; 6 of 12 is shown; 12 of 13 says one
    # was below.
    assert HeatCell(team, "seen", 4, 10).withheld
    assert not HeatCell(team, "seen", 6, 12).withheld
    assert HeatCell(team, "seen", 12, 13).withheld
    assert HeatCell(team, "seen", 2, 3).withheld and HeatCell(team, "seen", 2, 3).too_few
    assert not HeatCell(team, "seen", 0, 0).withheld  # nothing graded: nothing to hide
