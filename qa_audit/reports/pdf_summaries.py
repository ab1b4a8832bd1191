"""Summaries over a period: one practitioner's reflective cycle, and a team's themes.

The team summary shows distributions and trends for the team as a whole; it names and
ranks no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .model import (
    ActionCounts,
    ActionEntry,
    FrameworkSection,
    PeriodReport,
    SessionEntry,
    TeamReport,
)
from .pdf_assessment import actions_table
from .pdf_charts import distribution_bar_pages, legend, tally_rows, timeline
from .pdf_common import (
    FONT,
    FONT_BOLD,
    build_pdf,
    content_width,
    details_table,
    footnote,
    header_row,
    para,
    scanned_note,
    table,
    text,
    when,
)
from .pdf_session import assessments_table

PERIOD_TITLE = "Practitioner period summary"
TEAM_TITLE = "Team practice summary"


def _period(date_from: Any, date_to: Any) -> str:
    return f"{date_from:%d %B %Y} to {date_to:%d %B %Y}"


def _none() -> Any:
    return para("<i>None recorded</i>")


SMALLEST_COUNT = 5  # a team summary marks counts under this as too few to read
TOO_FEW = "fewer than 5"


def count_text(n: int, small: bool) -> str:
    """A count as a team summary prints it: 1 to 4 withheld (they could identify someone)."""
    return TOO_FEW if small and 0 < n < SMALLEST_COUNT else str(n)


def action_counts_table(counts: ActionCounts, width: float, small: bool = False) -> Any:
    """Counts of actions and their shares; with `small`, no share of fewer than five
    actions and no count under five is shown."""
    def share(n: int) -> str:
        if small and (counts.total < SMALLEST_COUNT or 0 < n < SMALLEST_COUNT):
            return count_text(n, small)
        return f"{n} ({round(100 * n / counts.total)}%)" if counts.total else str(n)

    rows = [header_row("Actions", "Done", "Done by the due date", "Open", "Overdue"),
            [para(count_text(counts.total, small)), para(share(counts.done)),
             para(share(counts.done_on_time)),
             para(share(counts.open)), para(share(counts.overdue))]]
    return table(rows, [width * 0.2] * 5, header=True)


def grade_table(section: FrameworkSection, width: float, small: bool = False) -> Any:
    """Standards × grades: count and share of each grade, N/A apart; header repeats. With
    `small` (a team summary), a standard graded fewer than five times shows no shares and
    counts under five are marked as too few."""
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
        few = small and total < SMALLEST_COUNT
        cells = [para(_cell(counts.get(c, 0), total, small, few), "small") for c in codes]
        rows.append([para(text(t.title), "small"), *cells,
                     para(count_text(t.not_applicable, small), "small"),
                     para(count_text(total, small), "small")])
    return table(rows, [first, *columns], header=True)


def _cell(n: int, total: int, small: bool, few: bool) -> str:
    if not total:
        return "0"
    if few:
        return "—" if n else "0"
    if small and 0 < n < SMALLEST_COUNT:
        return f"{TOO_FEW}"
    return f"{n}<br/>{round(100 * n / total)}%"


def _section_charts(section: FrameworkSection, width: float, heading: str,
                    small: bool = False) -> list[Any]:
    """Heading, a 100% bar per standard and the legend (kept on one page), then the counts
    table (narrow shares are unlabelled in the bars; the table has every figure)."""
    from reportlab.platypus import KeepTogether, Spacer

    title = para(text(heading), "h3")
    if not any(t.graded for t in section.standards):
        return [title, para("<i>No grades recorded</i>")]
    return [KeepTogether([title, *distribution_bar_pages(tally_rows(section.standards),
                                                         section.scale, width, small),
                          legend(section.scale, width)]),
            Spacer(1, 4), para("Counts and shares", "h3"), grade_table(section, width, small)]


def _sorted_actions(actions: Sequence[ActionEntry]) -> list[ActionEntry]:
    order = {"Overdue": 0, "Open": 1, "Done": 2}
    return sorted(actions, key=lambda a: (order.get(a.status, 3), a.due or dt.date.max))


def period_story(report: PeriodReport, width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    p = para
    out: list[Any] = [
        p(PERIOD_TITLE, "h1"), p(text(report.profile.label), "small"),
        p(text(report.profile.purpose), "small"), Spacer(1, 6),
        *([scanned_note()] if report.scanned else []),
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
    out += _sessions(report.sessions, width)
    out.append(p("2. Reflection", "h2"))
    if report.reflections:
        rows: list[list[Any]] = [header_row("Date", "Case reference", "Agreement",
                                            "The practitioner's reflection")]
        for r in report.reflections:
            agreement = text(r.agreement) or "—"
            if r.reasons.strip():
                agreement += f"<br/><br/><b>Reasons:</b> {text(r.reasons)}"
            rows.append([p(r.assessed_on.strftime("%d %b %Y")), p(text(r.case_reference) or "—"),
                         p(agreement), p(text(r.reflection) or "<i>None recorded</i>")])
        # (a date and a case reference each on one line, as in the table of assessments)
        out.append(table(rows, [width * 0.15, width * 0.2, width * 0.27, width * 0.38],
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


def _sessions(sessions: Sequence[SessionEntry], width: float) -> list[Any]:
    """The supervision sessions held in the period, each with the actions agreed in it."""
    from reportlab.platypus import CondPageBreak

    p = para
    out: list[Any] = [p("Supervision sessions in the period", "h3")]
    if not sessions:
        return [*out, p("<i>No supervision sessions recorded in this period</i>")]
    for n, entry in enumerate(sessions):
        if n:  # (the heading's own break makes room for the first)
            out.append(CondPageBreak(60))  # the session's line with its first action
        out.append(p(f"<b>{entry.held_on:%d %B %Y}</b> with {text(entry.supervisor)} · "
                     f"{text(entry.signed)}"))
        out.append(actions_table(entry.actions, width) if entry.actions
                   else p("<i>No actions agreed</i>", "small"))
    return out


def team_story(report: TeamReport, width: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    p = para
    statuses = ", ".join(f"{text(s)} {count_text(n, True)}"
                         for s, n in report.status_counts) or "none"
    out: list[Any] = [
        p(TEAM_TITLE, "h1"), p(text(report.profile.label), "small"),
        p(text(report.profile.purpose), "small"), Spacer(1, 6),
        details_table([("Team", report.team), ("Region", report.region),
                       ("Period", _period(report.date_from, report.date_to))], width),
        Spacer(1, 4),
        p(f"Assessments by status: {statuses}.", "small"),
        p("Figures describe the team's practice as a whole. No practitioner is named or "
          "ranked. N/A grades are shown apart and left out of the shares. Counts from 1 to 4 "
          "are shown as \u201cfewer than 5\u201d and get no share: so few could identify "
          "the practitioner observed.", "small"),
    ]
    if report.scanned:
        out.append(p("Action text was scanned for the names of everyone in this database and "
                     "for case references, which are replaced by stand-ins.", "small"))
    if not report.sections:
        out += [p("Grades", "h2"), p("<i>No submitted assessments in this period</i>")]
    for section in report.sections:
        out += [CondPageBreak(200), p(text(section.framework), "h2"),
                *_section_charts(section, width, "Grades by standard", small=True)]
        if section.quarters:
            out.append(KeepTogether([p("Trend by quarter: overall judgements", "h3"),
                                     *distribution_bar_pages(section.quarters, section.scale,
                                                             width, small=True)]))
    if report.themes is not None:  # exported from the Themes view: its figures too
        from .pdf_themes import themes_story

        scale = report.sections[0].scale if report.sections else ()
        out += themes_story(report.themes, scale, width)
    out.append(p("Top areas for development", "h2"))
    if report.development:
        rows: list[list[Any]] = [header_row("Standard", "Graded below the second-best grade",
                                            "Times graded")]
        rows += [[p(text(title)), p(count_text(n, True)), p(count_text(total, True))]
                 for title, n, total in report.development]
        out.append(table(rows, [width * 0.56, width * 0.26, width * 0.18], header=True))
    else:
        out.append(_none())
    out += [p("Action completion", "h2"),
            action_counts_table(report.action_counts, width, small=True)]
    out.append(p("Overdue actions", "h2"))
    if report.overdue:
        rows = [header_row("Action", "Due")]
        rows += [[p(text(a.text)), p(when(a.due))] for a in report.overdue]
        out.append(table(rows, [width * 0.8, width * 0.2], header=True))
    else:
        out.append(_none())
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
