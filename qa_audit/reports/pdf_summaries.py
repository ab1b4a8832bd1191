"""Summaries over a period: one practitioner's reflective cycle, and a team's themes.

The team summary shows distributions and trends for the team as a whole; it names and
ranks no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .model import ActionCounts, ActionEntry, FrameworkSection, PeriodReport, TeamReport
from .pdf_assessment import actions_table
from .pdf_charts import distribution_bars, legend, tally_rows, timeline
from .pdf_common import (
    FONT,
    FONT_BOLD,
    build_pdf,
    content_width,
    details_table,
    footnote,
    header_row,
    para,
    table,
    text,
)
from .pdf_session import assessments_table

PERIOD_TITLE = "Practitioner period summary"
TEAM_TITLE = "Team practice summary"


def _period(date_from: Any, date_to: Any) -> str:
    return f"{date_from:%d %B %Y} to {date_to:%d %B %Y}"


def _none() -> Any:
    return para("<i>None recorded</i>")


def action_counts_table(counts: ActionCounts, width: float) -> Any:
    def share(n: int) -> str:
        return f"{n} ({round(100 * n / counts.total)}%)" if counts.total else str(n)

    rows = [header_row("Actions", "Done", "Done by the due date", "Open", "Overdue"),
            [para(str(counts.total)), para(share(counts.done)), para(share(counts.done_on_time)),
             para(share(counts.open)), para(share(counts.overdue))]]
    return table(rows, [width * 0.2] * 5, header=True)


def grade_table(section: FrameworkSection, width: float) -> Any:
    """Standards × grades: count and share of each grade, N/A apart; header repeats."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    codes = [b.code for b in section.scale]
    heads = [*codes, "N/A", "Graded"]
    # Each figure column as wide as its heading (bold, plus the cell's padding) and "100%";
    # the standard's title takes the rest, but never less than a fifth of the width.
    wanted = [max(stringWidth(h, FONT_BOLD, 9.5), stringWidth("100%", FONT, 8)) + 14
              for h in heads]
    fit = min(1.0, width * 0.8 / sum(wanted))
    columns = [w * fit for w in wanted]
    first = width - sum(columns)
    rows: list[list[Any]] = [header_row("Standard", *heads)]
    for t in section.standards:
        counts = dict(t.counts)
        total = t.graded
        cells = [para(f"{counts.get(c, 0)}<br/>{round(100 * counts.get(c, 0) / total)}%"
                      if total else "0", "small") for c in codes]
        rows.append([para(text(t.title), "small"), *cells, para(str(t.not_applicable), "small"),
                     para(str(total), "small")])
    return table(rows, [first, *columns], header=True)


def _section_charts(section: FrameworkSection, width: float, heading: str) -> list[Any]:
    """Heading, a 100% bar per standard and the legend (kept on one page), then the counts
    table (narrow shares are unlabelled in the bars; the table has every figure)."""
    from reportlab.platypus import KeepTogether, Spacer

    title = para(text(heading), "h3")
    if not any(t.graded for t in section.standards):
        return [title, para("<i>No grades recorded</i>")]
    return [KeepTogether([title, distribution_bars(tally_rows(section.standards),
                                                    section.scale, width),
                          legend(section.scale, width)]),
            Spacer(1, 4), para("Counts and shares", "h3"), grade_table(section, width)]


def _sorted_actions(actions: Sequence[ActionEntry]) -> list[ActionEntry]:
    order = {"Overdue": 0, "Open": 1, "Done": 2}
    return sorted(actions, key=lambda a: (order.get(a.status, 3), a.due or dt.date.max))


def period_story(report: PeriodReport, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    p = para
    out: list[Any] = [
        p(PERIOD_TITLE, "h1"), p(text(report.profile.label), "small"), Spacer(1, 6),
        details_table([("Practitioner", report.practitioner), ("Team", report.team),
                       ("Period", _period(report.date_from, report.date_to)),
                       ("Assessments", str(len(report.assessments)))], width),
        Spacer(1, 4),
        p("Structured as a reflective cycle: what happened, reflection, analysis, action "
          "plan. Only assessments submitted to the practitioner are included.", "small"),
        p("1. What happened", "h2"),
    ]
    if report.assessments:
        out.append(assessments_table(report.assessments, width, with_grades=False))
    else:
        out.append(p("<i>No assessments in this period</i>"))
    for section in report.sections:
        out.append(KeepTogether([
            p(f"Overall grades over time — {text(section.framework)}", "h3"),
            timeline(section.overall, section.scale, width), legend(section.scale, width)]))
    out.append(p("2. Reflection", "h2"))
    if report.reflections:
        rows: list[list[Any]] = [header_row("Date", "Case reference", "Agreement",
                                            "The practitioner's reflection")]
        rows += [[p(r.assessed_on.strftime("%d %b %Y")), p(text(r.case_reference) or "—"),
                  p(text(r.agreement) or "—"), p(text(r.reflection) or "<i>None recorded</i>")]
                 for r in report.reflections]
        out.append(table(rows, [width * 0.13, width * 0.18, width * 0.15, width * 0.54],
                         header=True))
    else:
        out.append(_none())
    out.append(p("3. Analysis", "h2"))
    for heading, items, what in (
            ("Recurring strengths", report.strengths, "At the best grade"),
            ("Recurring areas for development", report.development,
             "Below the second-best grade")):
        out.append(p(heading, "h3"))
        if items:
            rows = [header_row("Standard", what, "Times graded")]
            rows += [[p(text(title)), p(str(n)), p(str(total))] for title, n, total in items]
            out.append(table(rows, [width * 0.6, width * 0.22, width * 0.18], header=True))
        else:
            out.append(_none())
    for section in report.sections:
        out += _section_charts(section, width, f"Grades by standard — {section.framework}")
    out += [p("4. Action plan", "h2"), action_counts_table(report.action_counts, width),
            Spacer(1, 6)]
    out.append(actions_table(_sorted_actions(report.actions), width) if report.actions
               else _none())
    out += [Spacer(1, 8), footnote(report.marking, report.generated_at, report.prepared_by)]
    return out


def team_story(report: TeamReport, width: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    p = para
    statuses = ", ".join(f"{text(s)} {n}" for s, n in report.status_counts) or "none"
    out: list[Any] = [
        p(TEAM_TITLE, "h1"), p(text(report.profile.label), "small"), Spacer(1, 6),
        details_table([("Team", report.team), ("Region", report.region),
                       ("Period", _period(report.date_from, report.date_to))], width),
        Spacer(1, 4),
        p(f"Assessments by status: {statuses}.", "small"),
        p("Figures describe the team's practice as a whole. No practitioner is named or "
          "ranked. N/A grades are shown apart and left out of the shares.", "small"),
    ]
    if not report.sections:
        out += [p("Grades", "h2"), p("<i>No submitted assessments in this period</i>")]
    for section in report.sections:
        out += [CondPageBreak(200), p(text(section.framework), "h2"),
                *_section_charts(section, width, "Grades by standard")]
        if section.quarters:
            out.append(KeepTogether([p("Trend by quarter: overall judgements", "h3"),
                                     distribution_bars(section.quarters, section.scale, width)]))
    if report.themes is not None:  # exported from the Themes view: its figures too
        from .pdf_themes import themes_story

        scale = report.sections[0].scale if report.sections else ()
        out += themes_story(report.themes, scale, width)
    out += [p("Action completion", "h2"), action_counts_table(report.action_counts, width)]
    out += [Spacer(1, 8), footnote(report.marking, report.generated_at, report.prepared_by)]
    return out


def render_period(report: PeriodReport) -> bytes:
    return build_pdf(
        period_story(report, content_width()), header_title=PERIOD_TITLE,
        marking=report.marking, audience=report.profile.label, draft=False,
        title=f"{PERIOD_TITLE} — {report.practitioner}", author=report.prepared_by,
        subject=f"{_period(report.date_from, report.date_to)} · {report.profile.label}")


def render_team(report: TeamReport) -> bytes:
    return build_pdf(
        team_story(report, content_width()), header_title=TEAM_TITLE, marking=report.marking,
        audience=report.profile.label, draft=False, title=f"{TEAM_TITLE} — {report.team}",
        author=report.prepared_by,
        subject=f"{_period(report.date_from, report.date_to)} · {report.profile.label}")
