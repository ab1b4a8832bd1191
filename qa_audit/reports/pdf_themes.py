"""The Themes view's figures as a section of the team practice summary: the filters they
were drawn with, the team x standard heatmap (cells with too few assessments marked), the
grades by quarter, and delay by team. Teams and standards only: no practitioner is named."""

from __future__ import annotations

from typing import Any

from qa_audit.domain.disclosure import is_small

from .model import GradeBand, ThemesFigures
from .pdf_charts import distribution_bars, legend
from .pdf_common import header_row, para, table, text


def _shade(share: float) -> Any:
    """Light to dark blue with the share (one hue, readable without colour: the share is
    printed in the cell)."""
    from reportlab.lib import colors

    light, dark = (0xE8, 0xF0, 0xFA), (0x1D, 0x4E, 0x89)
    mix = max(0.0, min(1.0, share))
    rgb = [round(a + (b - a) * mix) for a, b in zip(light, dark, strict=True)]
    return colors.Color(*(c / 255 for c in rgb))


TEAMS_PER_TABLE = 5


def withheld_text(graded: int, too_few: bool) -> str:
    """A heatmap cell whose share is not shown (as the Themes view words it)."""
    return f"too few ({graded})" if too_few else f"share withheld ({graded})"


def heatmap_tables(figures: ThemesFigures, width: float) -> list[Any]:
    """Standards (rows) x teams (columns, five to a table so names stay readable), each cell
    the share at the second-best grade or better with its count; a cell under the
    threshold reads 'too few (n)' and is not shaded."""
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, TableStyle

    out: list[Any] = []
    first = width * 0.34
    for start in range(0, len(figures.teams), TEAMS_PER_TABLE):
        teams = figures.teams[start:start + TEAMS_PER_TABLE]
        column = (width - first) / TEAMS_PER_TABLE
        rows: list[list[Any]] = [[para("Standard", "label"),
                                  *(para(f"<b>{text(t)}</b>", "small") for t in teams)]]
        style: list[tuple[Any, ...]] = []
        for r, standard in enumerate(figures.standards, start=1):
            row: list[Any] = [para(text(standard), "small")]
            for c, team_cells in enumerate(figures.cells[start:start + TEAMS_PER_TABLE],
                                           start=1):
                cell = team_cells[r - 1]
                if cell is None or not cell.graded:
                    row.append(para("none graded", "small"))
                elif cell.too_few or cell.withheld:
                    row.append(para(withheld_text(cell.graded, cell.too_few), "small"))
                    style.append(("BACKGROUND", (c, r), (c, r), colors.HexColor("#f6f8fa")))
                else:
                    share = cell.good / cell.graded
                    ink = "#ffffff" if share > 0.55 else "#000000"
                    row.append(para(f'<font color="{ink}">{round(100 * share)}% '
                                    f'({cell.good} of {cell.graded})</font>', "small"))
                    style.append(("BACKGROUND", (c, r), (c, r), _shade(share)))
            rows.append(row)
        grid = table(rows, [first, *([column] * len(teams))], header=True)
        if style:
            grid.setStyle(TableStyle(style))
        out += [grid, Spacer(1, 6)]
    return out


def delay_table(figures: ThemesFigures, width: float) -> Any:
    def mean(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}"

    heads = ("Team", "Cases", f"Allocated after more than {figures.benchmark_days} working days",
             "Mean working days to allocation", "Public-law cases",
             f"Over {figures.timescale_weeks} weeks", "Mean weeks")
    rows: list[list[Any]] = [header_row(*heads)]
    for d in figures.delay:
        rows.append([para(text(v), "small") for v in (
            d.team, str(d.cases), f"{d.allocated_late} of {d.allocated}",
            mean(d.mean_allocation_days), str(d.public_cases),
            f"{d.over_timescale} of {d.public_cases}", mean(d.mean_duration_weeks))])
    first = width * 0.24
    return table(rows, [first, *([(width - first) / 6] * 6)], header=True)


def _few_quarters(figures: ThemesFigures) -> set[int]:
    """Quarters whose grades come from 1 to 4 assessments (domain/disclosure.py)."""
    return {i for i, n in enumerate(figures.quarter_assessments) if is_small(n)}


def themes_story(figures: ThemesFigures, scale: tuple[GradeBand, ...], width: float
                 ) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    filters = "; ".join(f"{text(k)}: {text(v)}" for k, v in figures.filters)
    out: list[Any] = [
        CondPageBreak(220), para("Themes", "h2"),
        para(f"As drawn in the Themes view — {filters}.", "small"), Spacer(1, 4),
        para(f"Teams × standards: share graded {text(figures.good_code)} or better", "h3"),
        para(f"Of the assessments graded on each standard, by team; a cell with fewer than "
             f"{figures.too_few} reads 'too few', and one where fewer than {figures.too_few} "
             "are on either side of that grade reads 'share withheld': neither is shaded, "
             "so no practitioner can be picked out.", "small"),
    ]
    out += (heatmap_tables(figures, width) if figures.teams
            else [para("<i>No assessments graded</i>")])
    if figures.quarters:
        out.append(KeepTogether([para("Grades by quarter (all standards)", "h3"),
                                 distribution_bars(figures.quarters, scale, width, True,
                                                   _few_quarters(figures)),
                                 legend(scale, width)]))
    out += [Spacer(1, 4), para(
        f"Delay by team: allocation against {figures.benchmark_days} working days, "
        f"duration against {figures.timescale_weeks} weeks", "h3")]
    out.append(delay_table(figures, width) if figures.delay
               else para("<i>No cases in view</i>"))
    return out
