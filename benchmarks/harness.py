"""A tiny benchmark harness: figures measured against raw baselines in the same run.

Each figure is a function returning a `Result` (ours and baseline timings, repeated);
`run.py` prints them as one table. Adding a figure is one decorated function.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    name: str
    ours: list[float]
    baseline: list[float] | None
    budget: str
    unit: str = "s"
    limit_ratio: float | None = None
    limit_absolute: float | None = None
    note: str = ""
    judged: bool = True  # False: shown for comparison, not held to a budget

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_median
        return self.ours_median / base if base else None

    @property
    def passed(self) -> bool:
        if self.note.startswith("error") or any(x != x for x in self.ours):  # NaN: failed
            return False
        ok = True
        if self.limit_ratio is not None and self.ratio is not None:
            ok = ok and self.ratio <= self.limit_ratio
        if self.limit_absolute is not None:
            ok = ok and self.ours_median <= self.limit_absolute
        return ok


@dataclass
class Context:
    quick: bool
    workdir: Any
    cache: dict[str, Any] = field(default_factory=dict)
    pg_url: str | None = None  # a team store already loaded (run.py --pg-url)
    cleanups: list[Callable[[], Any]] = field(default_factory=list)  # run at the end


FIGURES: list[Callable[[Context], Result]] = []


def figure(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
    FIGURES.append(fn)
    return fn


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def timed_pair(a: Callable[[], Any], b: Callable[[], Any], repeat: int, warmup: int = 1
               ) -> tuple[list[float], list[float]]:
    """Time two things in turns (a, b, a, b, …), so that whatever else the machine is doing
    meanwhile (writing back a previous figure's files, say) falls on both alike."""
    for _ in range(warmup):
        a()
        b()
    out_a, out_b = [], []
    for _ in range(repeat):
        for fn, out in ((a, out_a), (b, out_b)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return out_a, out_b


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return ""
    return f"±{(max(values) - min(values)) / 2 * 1000:.1f}ms"


def fmt(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "—"
    if unit == "MB":
        return f"{seconds:.0f} MB"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def table(results: list[Result]) -> str:
    head = ("figure", "ours (median)", "baseline", "ratio", "budget", "result")
    rows = []
    for r in results:
        rows.append((
            r.name,
            f"{fmt(r.ours_median, r.unit)} {spread(r.ours) if r.unit == 's' else ''}".strip(),
            fmt(r.baseline_median, r.unit),
            f"{r.ratio:.2f}x" if r.ratio is not None else "—",
            r.budget,
            (("pass" if r.passed else "MISS") if r.judged else "(not a budget)")
            + (f" ({r.note})" if r.note else ""),
        ))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    sep = "-+-".join("-" * w for w in widths)
    body = "\n".join(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
                     for row in rows)
    return f"{line}\n{sep}\n{body}"
