"""Agreement between two scorers of the same work: exact, within one grade, and
quadratic-weighted Cohen's kappa.

Grades are given as positions on the scale (0 = best); the number of positions on the
scale is passed in, so a grade nobody used still counts as a category (a kappa computed
only over the grades seen would weigh a two-step disagreement as one step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    pairs: int
    exact: int
    within_one: int
    kappa: float | None
    """None where kappa is not defined (no pairs, or every grade in one category)."""

    @property
    def exact_share(self) -> float | None:
        return self.exact / self.pairs if self.pairs else None

    @property
    def within_one_share(self) -> float | None:
        return self.within_one / self.pairs if self.pairs else None


def quadratic_kappa(first: Sequence[int], second: Sequence[int], categories: int
                    ) -> float | None:
    """Cohen's kappa with quadratic weights: 1 - sum(w*observed) / sum(w*expected), where
    w(i, j) = (i - j)^2 and expected counts come from each scorer's own grade totals."""
    if len(first) != len(second):
        raise ValueError("Both scorers must grade the same items.")
    n = len(first)
    if n == 0 or categories < 2:
        return None
    if any(not 0 <= g < categories for g in (*first, *second)):
        raise ValueError("A grade position is outside the scale.")
    rows = [0] * categories
    cols = [0] * categories
    observed = 0.0
    for a, b in zip(first, second, strict=True):
        rows[a] += 1
        cols[b] += 1
        observed += (a - b) ** 2
    expected = sum(rows[i] * cols[j] * (i - j) ** 2
                   for i in range(categories) for j in range(categories)) / n
    if expected == 0:
        return None
    return 1.0 - observed / expected


def agreement(first: Sequence[int], second: Sequence[int], categories: int) -> Agreement:
    """All three measures for paired grade positions."""
    pairs = list(zip(first, second, strict=True))
    return Agreement(
        pairs=len(pairs),
        exact=sum(a == b for a, b in pairs),
        within_one=sum(abs(a - b) <= 1 for a, b in pairs),
        kappa=quadratic_kappa(first, second, categories),
    )
